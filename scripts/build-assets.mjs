#!/usr/bin/env node
// Builds the static assets the Worker serves with Workers Static Assets
// (wrangler.toml [assets] → dist/public). wrangler runs this itself before
// `wrangler dev` and `wrangler deploy` ([build] command), so `npm start` and a
// deploy need no extra step. Everything comes from npm packages: no CDN.
//   web/dashboard/ → dist/public/            the dashboard at /
//   web/docs/      → dist/public/docs/       the API reference at /docs (Swagger UI)
import { cp, mkdir, readdir, stat } from "node:fs/promises";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const out = join(root, "dist/public");
const exists = (p) =>
  stat(p).then(
    () => true,
    () => false,
  );

// Files are overwritten in place, never removed first: a running `wrangler dev` or
// test pool may be serving this directory while another one rebuilds it.
await mkdir(out, { recursive: true });

// API reference: our page plus Swagger UI's own files from the swagger-ui-dist package.
const swagger = join(root, "node_modules/swagger-ui-dist");
await mkdir(join(out, "docs/vendor"), { recursive: true });
for (const f of ["swagger-ui-bundle.js", "swagger-ui.css", "favicon-32x32.png"]) {
  await cp(join(swagger, f), join(out, "docs/vendor", f));
}
for (const f of await readdir(join(root, "web/docs")))
  await cp(join(root, "web/docs", f), join(out, "docs", f));

// Dashboard: static files copied, TypeScript entry bundled (with its npm deps and the
// CSS it imports, into assets/app.css). Sources are not copied: .ts/.tsx, .css (bundled)
// and the dashboard's own tsconfig.json, in subdirectories too.
const dash = join(root, "web/dashboard");
const isSource = (name) => /\.(ts|tsx|css)$/.test(name) || name === "tsconfig.json";
async function copyStatic(from, to) {
  for (const entry of await readdir(from, { withFileTypes: true })) {
    const src = join(from, entry.name);
    if (entry.isDirectory()) await copyStatic(src, join(to, entry.name));
    else if (!isSource(entry.name)) {
      await mkdir(to, { recursive: true });
      await cp(src, join(to, entry.name));
    }
  }
}
if (await exists(dash)) {
  await copyStatic(dash, out);
  if (await exists(join(dash, "main.ts"))) {
    await build({
      entryPoints: [join(dash, "main.ts")],
      bundle: true,
      format: "esm",
      target: "es2022",
      minify: true,
      sourcemap: true,
      outfile: join(out, "assets/app.js"),
      loader: { ".css": "css" },
      logLevel: "warning",
    });
  }
}
console.log(`build-assets: wrote ${out}`);
