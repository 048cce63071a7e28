#!/usr/bin/env node
// Builds the static assets the Worker serves with Workers Static Assets
// (wrangler.toml [assets] → dist/public). wrangler runs this itself before
// `wrangler dev` and `wrangler deploy` ([build] command), so `npm start` and a
// deploy need no extra step. Everything comes from npm packages: no CDN.
//   web/dashboard/ → dist/public/            the dashboard at /
//   web/docs/      → dist/public/docs/       the API reference at /docs (Swagger UI)
import { copyFile, mkdir, readdir, rename, rm, stat, writeFile } from "node:fs/promises";
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

// Every file is written under a name of its own in dist/.tmp (outside the served
// directory, on the same file system) and renamed over its destination, never removed
// first: a running `wrangler dev` or test pool may be serving this directory while
// another one rebuilds it, and two `wrangler dev` starting together run this script
// together (a plain copy unlinks the destination first, and the other copy then fails
// with ENOENT). A reader sees the old file or the new one.
const scratch = join(root, "dist/.tmp");
let serial = 0;
async function replace(dest, write) {
  const tmp = join(scratch, `${process.pid}-${serial++}`);
  try {
    await write(tmp);
    await rename(tmp, dest);
  } catch (err) {
    await rm(tmp, { force: true });
    throw err;
  }
}
const copy = (src, dest) => replace(dest, (tmp) => copyFile(src, tmp));

await mkdir(out, { recursive: true });
await mkdir(scratch, { recursive: true });

// API reference: our page plus Swagger UI's own files from the swagger-ui-dist package.
const swagger = join(root, "node_modules/swagger-ui-dist");
await mkdir(join(out, "docs/vendor"), { recursive: true });
for (const f of ["swagger-ui-bundle.js", "swagger-ui.css", "favicon-32x32.png"]) {
  await copy(join(swagger, f), join(out, "docs/vendor", f));
}
for (const f of await readdir(join(root, "web/docs")))
  await copy(join(root, "web/docs", f), join(out, "docs", f));

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
      await copy(src, join(to, entry.name));
    }
  }
}
if (await exists(dash)) {
  await copyStatic(dash, out);
  if (await exists(join(dash, "main.ts"))) {
    // Built in memory (write: false), then each output file (app.js, app.css and their
    // source maps) put in place like the copies above.
    const { outputFiles } = await build({
      entryPoints: [join(dash, "main.ts")],
      write: false,
      bundle: true,
      format: "esm",
      target: "es2022",
      minify: true,
      sourcemap: true,
      outfile: join(out, "assets/app.js"),
      loader: { ".css": "css" },
      logLevel: "warning",
    });
    for (const file of outputFiles) {
      await mkdir(dirname(file.path), { recursive: true });
      await replace(file.path, (tmp) => writeFile(tmp, file.contents));
    }
  }
}
console.log(`build-assets: wrote ${out}`);
