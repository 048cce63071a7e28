#!/usr/bin/env node
// Builds the npm package (client, crondo/verify, the crondo bin) into dist/package/ with tsc:
// JavaScript plus .d.ts (tsconfig.build.json). The sources import each other without
// extensions (moduleResolution "Bundler", as wrangler's bundler reads them); Node's
// ESM loader and `moduleResolution: "NodeNext"` consumers need `./x.js`, so every
// relative specifier tsc emitted is completed here to the file it names.
import { spawnSync } from "node:child_process";
import {
  chmodSync,
  copyFileSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..");
// Beside dist/public (the dashboard assets, scripts/build-assets.mjs), never over it.
const dist = join(root, "dist", "package");

rmSync(dist, { recursive: true, force: true });
const tsc = spawnSync(
  process.execPath,
  [join(root, "node_modules", "typescript", "bin", "tsc"), "-p", join(root, "tsconfig.build.json")],
  { stdio: "inherit" },
);
if (tsc.status !== 0) process.exit(tsc.status ?? 1);

// Plain-JS modules the TypeScript sources import (one spelling shared with the Node
// scripts, e.g. src/lib/key-names.mjs) are not emitted by tsc: copy them, with their
// hand-written declarations, to the same place in the package.
function copyPlainModules(dir) {
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) copyPlainModules(path);
    else if (path.endsWith(".mjs") || path.endsWith(".d.mts")) {
      const target = join(dist, relative(join(root, "src"), path));
      mkdirSync(dirname(target), { recursive: true });
      copyFileSync(path, target);
    }
  }
}
copyPlainModules(join(root, "src"));

const SPECIFIER = /(\bfrom\s*|\bimport\s*\(\s*|\bimport\s+)(["'])(\.{1,2}\/[^"']*)\2/g;

function complete(file, spec) {
  if (/\.(?:m?js|json)$/.test(spec)) return spec;
  const base = resolve(dirname(file), spec);
  if (existsSync(`${base}.js`)) return `${spec}.js`;
  if (existsSync(join(base, "index.js"))) return `${spec}/index.js`;
  throw new Error(`${file}: cannot resolve ${spec}`);
}

function walk(dir) {
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) walk(path);
    else if (path.endsWith(".js") || path.endsWith(".d.ts")) {
      const text = readFileSync(path, "utf8");
      const fixed = text.replace(
        SPECIFIER,
        (_, lead, q, spec) => `${lead}${q}${complete(path, spec)}${q}`,
      );
      if (fixed !== text) writeFileSync(path, fixed);
    }
  }
}
walk(dist);
chmodSync(join(dist, "cli", "bin.js"), 0o755);
console.error(`built ${dist}`);
