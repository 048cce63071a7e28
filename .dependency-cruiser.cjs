// The layer rule of src/ (README "How it works"; ../shared/ENGINEERING.md "Layers"),
// checked by `npm run check` (`npm run layers`). Imports point down only:
//
//   index.ts
//   api/ (HTTP edge)        maintenance/ (daily Cron Trigger)   history/ (queue consumer)
//   object/ (the Durable Object shell: storage, dispatcher, history writer)
//   store/ (all D1 SQL)     delivery/ (one attempt over the network)
//   job/ (pure core)        schedule/ (pure)
//   lib/
//
// env.ts (bindings, parsed once) is read by the top three layers only; client/ is a
// consumer of the API's types, and web/ (the dashboard) reaches src/ only through it.
// verify/ (receiver helpers) and cli/ (the `crondo` bin) are published with client/.
const layer = (name, from, forbidden, comment) => ({
  name,
  comment,
  severity: "error",
  from: { path: from },
  to: { path: forbidden },
});

module.exports = {
  forbidden: [
    layer("lib-is-the-floor", "^src/lib/", "^src/(?!lib/)", "lib/ imports nothing else of src/"),
    layer(
      "schedule-is-pure",
      "^src/schedule/",
      "^src/(?!schedule/|lib/)",
      "schedule/ stands on lib/ alone",
    ),
    layer(
      "job-is-pure",
      "^src/job/",
      "^src/(api|maintenance|object|store|delivery|client|env|index)",
      "the core knows no storage, network or HTTP",
    ),
    layer(
      "store-below-the-shell",
      "^src/store/",
      "^src/(api|maintenance|object|delivery|client|env|index)",
      "store/ is SQL over job/ types",
    ),
    layer(
      "delivery-below-the-shell",
      "^src/delivery/",
      "^src/(api|maintenance|object|store|client|env|index)",
      "delivery/ sends one attempt; it is handed what it needs",
    ),
    layer(
      "object-below-the-edge",
      "^src/object/",
      "^src/(api|maintenance|client|index)",
      "the Durable Object shell never reaches up to the HTTP edge",
    ),
    layer(
      "maintenance-beside-the-edge",
      "^src/maintenance/",
      "^src/(api|client|index)",
      "maintenance/ uses the object shell and store/, never api/",
    ),
    layer(
      "history-beside-the-edge",
      "^src/history/",
      "^src/(api|maintenance|object|client|index)",
      "history/ (the history queue's consumer) writes through store/; it never calls an object",
    ),
    layer(
      "api-beside-maintenance",
      "^src/api/",
      "^src/(maintenance|history|client|verify|cli|index)",
      "",
    ),
    layer(
      "verify-stands-on-lib",
      "^src/verify/",
      "^src/(?!verify/|lib/)",
      "the receiver helpers (crondo/verify) share the signature of lib/ and nothing else",
    ),
    layer(
      "cli-through-the-client",
      "^src/cli/",
      "^src/(?!cli/|client/|schedule/|lib/)",
      "the crondo CLI talks to crondo through src/client only",
    ),
    layer(
      "verify-is-for-receivers",
      "^src/(?!verify/)",
      "^src/verify/",
      "crondo itself signs through lib/signature; verify/ is what receivers import",
    ),
    layer(
      "nothing-imports-the-cli",
      "^src/(?!cli/)",
      "^src/cli/",
      "the CLI is a leaf: the package's bin",
    ),
    layer(
      "no-http-below-the-edge",
      "^src/(object|store|delivery|job|schedule|lib|maintenance)/",
      "(^|/)node_modules/hono/",
      "below api/ nothing speaks HTTP: failures travel as src/lib/outcome.ts",
    ),
    layer(
      "dashboard-through-the-client",
      "^web/",
      "^src/(?!client/|lib/)",
      "the dashboard takes its types and calls from src/client",
    ),
    {
      name: "no-cycles",
      severity: "error",
      from: { path: "^src/" },
      to: { circular: true, viaOnly: { path: "^src/", pathNot: "\\.d\\.mts$" } },
    },
  ],
  options: {
    doNotFollow: { path: "node_modules" },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: "tsconfig.json" },
    enhancedResolveOptions: {
      exportsFields: ["exports"],
      conditionNames: ["import", "require", "node", "default", "types"],
      extensions: [".ts", ".mts", ".mjs", ".js", ".d.mts"],
    },
  },
};
