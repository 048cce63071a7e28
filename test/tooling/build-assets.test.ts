// scripts/build-assets.mjs is wrangler's [build] command: every `wrangler dev` runs it
// as it starts, so two end-to-end files starting together run it together. Each file it
// writes must be replaced whole (written elsewhere, renamed over the old one): a copy
// that unlinks the destination first made the other run fail with ENOENT.
import { execFile } from "node:child_process";
import { createHash } from "node:crypto";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const root = fileURLToPath(new URL("../..", import.meta.url));
const out = join(root, "dist/public");

function run(): Promise<{ code: number; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [join(root, "scripts/build-assets.mjs")],
      { cwd: root },
      (err, _stdout, stderr) => {
        resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stderr });
      },
    );
  });
}

/** Every file under dist/public with its content's hash. */
function tree(dir = out, prefix = ""): Record<string, string> {
  const files: Record<string, string> = {};
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const rel = prefix + entry.name;
    if (entry.isDirectory()) Object.assign(files, tree(join(dir, entry.name), `${rel}/`));
    else
      files[rel] = createHash("sha256")
        .update(readFileSync(join(dir, entry.name)))
        .digest("hex");
  }
  return files;
}

describe("build-assets", () => {
  it("runs concurrently with itself: every run succeeds and the tree is whole", async () => {
    const first = await run();
    expect(first).toEqual({ code: 0, stderr: "" });
    const expected = tree();
    expect(Object.keys(expected)).toEqual(
      expect.arrayContaining(["index.html", "assets/app.js", "assets/app.css", "docs/index.html"]),
    );
    // Three rounds of six at once: the old copy failed in 1 to 4 of 8 runs per round.
    for (let round = 0; round < 3; round++) {
      const runs = await Promise.all(Array.from({ length: 6 }, run));
      expect(runs).toEqual(runs.map(() => ({ code: 0, stderr: "" })));
      expect(tree()).toEqual(expected);
    }
    // No scratch file is left behind.
    expect(readdirSync(join(root, "dist/.tmp"))).toEqual([]);
  }, 120_000);
});
