// The package as a user gets it: `npm pack` (which builds dist/ through prepack), the
// tarball installed into a scratch project, a TypeScript sample using the client and
// crondo/verify type-checked there with strict NodeNext settings, then run with node
// against a started crondo, and the installed `crondo` bin run from the project.
import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type CrondoServer, PROJECT_ROOT, startCrondo } from "../helpers/wrangler-dev";

let crondo: CrondoServer;
let key: string;
let dir: string;
let app: string;

function run(cmd: string, args: string[], cwd: string, env: Record<string, string> = {}) {
  const res = spawnSync(cmd, args, {
    cwd,
    encoding: "utf8",
    timeout: 180_000,
    env: { ...process.env, ...env },
  });
  if (res.status !== 0) {
    throw new Error(`${cmd} ${args.join(" ")} → ${res.status}\n${res.stdout}\n${res.stderr}`);
  }
  return res.stdout;
}

const SAMPLE = `
import { CrondoClient, CrondoError, type CronRecord, type CronRun } from "crondo";
import { signatureHeader, verifyCrondoSignature, verifySignature } from "crondo/verify";
import { crondoVerify } from "crondo/verify/hono";
import { crondoVerifyNode } from "crondo/verify/node";

declare const process: { env: Record<string, string | undefined> };

const crondo = new CrondoClient({ baseUrl: process.env.CRONDO_URL!, apiKey: process.env.CRONDO_API_KEY! });
const job: CronRecord = await crondo.create(
  { name: "from-the-tarball", schedule: "0 9 * * 1", url: "https://example.com/hook", payload: { from: "pack" } },
  { idempotencyKey: "pack-sample" },
);
const got = await crondo.get(job.cron_id);
const page = await crondo.list({ limit: 100 });
let notFound = "";
try {
  await crondo.get("cron_01HZZZZZZZZZZZZZZZZZZZZZZZ");
} catch (err) {
  if (!(err instanceof CrondoError)) throw err;
  notFound = err.code;
}
const runs: CronRun[] = (await crondo.runs.list(job.cron_id)).items;

const body = JSON.stringify({ hello: "receiver" });
const header = await signatureHeader(job.signing_secret, body, Math.floor(Date.now() / 1000));
const verified = await verifyCrondoSignature(body, header, { secret: job.signing_secret });
const tampered = await verifySignature(job.signing_secret, body + " ", header);

console.log(JSON.stringify({
  cron_id: job.cron_id,
  same: got.cron_id === job.cron_id && got.payload !== null,
  listed: page.items.some((j) => j.cron_id === job.cron_id),
  notFound,
  runs: runs.length,
  verified: verified.ok,
  tampered,
  middleware: [typeof crondoVerify, typeof crondoVerifyNode],
}));
`;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "crondo-pack-"));
  app = join(dir, "app");
  mkdirSync(app);
  crondo = await startCrondo();
  key = await crondo.keyFor("pack");
}, 180_000);

afterAll(async () => {
  await crondo?.cleanup();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe("npm pack → npm install → tsc → node", () => {
  it("the tarball installs in a fresh project; a strict TS sample type-checks and runs", () => {
    const packed = JSON.parse(
      run("npm", ["pack", "--json", "--pack-destination", dir], PROJECT_ROOT),
    );
    const files: string[] = packed[0].files.map((f: { path: string }) => f.path);
    for (const f of [
      "package.json",
      "dist/package/client/index.js",
      "dist/package/client/index.d.ts",
      "dist/package/verify/index.js",
      "dist/package/verify/hono.js",
      "dist/package/verify/node.js",
      "dist/package/cli/bin.js",
    ])
      expect(files, f).toContain(f);
    // only the built package: no sources, tests, dashboard assets or worker state
    expect(
      files.filter(
        (f) => !f.startsWith("dist/package/") && !/^(package\.json|README\.md)$/.test(f),
      ),
    ).toEqual([]);

    writeFileSync(
      join(app, "package.json"),
      JSON.stringify({ name: "scratch", private: true, type: "module" }),
    );
    run(
      "npm",
      [
        "install",
        join(dir, packed[0].filename),
        "--no-audit",
        "--no-fund",
        "--prefer-offline",
        "--loglevel=error",
      ],
      app,
    );
    writeFileSync(join(app, "sample.ts"), SAMPLE);
    writeFileSync(
      join(app, "tsconfig.json"),
      JSON.stringify({
        compilerOptions: {
          strict: true,
          noUncheckedIndexedAccess: true,
          target: "ES2022",
          module: "NodeNext",
          moduleResolution: "NodeNext",
          lib: ["ES2022", "DOM"],
          types: [],
          skipLibCheck: false,
          outDir: "out",
        },
        files: ["sample.ts"],
      }),
    );
    run(
      process.execPath,
      [join(PROJECT_ROOT, "node_modules", "typescript", "bin", "tsc"), "-p", app],
      app,
    );

    const env = { CRONDO_URL: crondo.url, CRONDO_API_KEY: key };
    const result = JSON.parse(run(process.execPath, [join(app, "out", "sample.js")], app, env));
    expect(result).toEqual({
      cron_id: expect.stringMatching(/^cron_/),
      same: true,
      listed: true,
      notFound: "NOT_FOUND",
      runs: 0,
      verified: true,
      tampered: false,
      middleware: ["function", "function"],
    });

    // the installed bin, from the project's node_modules/.bin
    const bin = join(app, "node_modules", ".bin", "crondo");
    const got = JSON.parse(run(bin, ["jobs", "get", result.cron_id, "--json"], app, env));
    expect(got).toMatchObject({ cron_id: result.cron_id, name: "from-the-tarball" });
    expect(run(bin, ["--help"], app)).toMatch(/^Usage: crondo <command>/);
    const installed = JSON.parse(
      readFileSync(join(app, "node_modules", "crondo", "package.json"), "utf8"),
    );
    expect(Object.keys(installed.exports)).toEqual(
      expect.arrayContaining([".", "./verify", "./verify/hono", "./verify/node"]),
    );
  }, 300_000);
});
