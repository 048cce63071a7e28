// API key tooling (scripts/keys.mjs, SPEC §8): pure pieces, then the real CLI driving
// wrangler's local KV in a temporary --persist-to directory.
import { execFile } from "node:child_process";
import { createHash } from "node:crypto";
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

// The scripts are plain .mjs without type declarations: load them through a computed
// specifier and describe the parts used here.
interface KeyRecord {
  tenant_id: string;
  name: string;
  created_at: string;
}
interface ListEntry {
  hash: string;
  record: KeyRecord | null;
}
type RevokeTarget =
  | { kind: "hash"; hash: string; fromKey: boolean }
  | { kind: "prefix"; prefix: string };
interface KeysArgs {
  help?: boolean;
  command?: "create" | "list" | "revoke";
  tenant?: string;
  name?: string;
  target?: string;
  persistTo?: string;
  remote?: boolean;
}
interface KeysCore {
  KEY_PREFIX: string;
  KV_PREFIX: string;
  UsageError: new (message: string) => Error;
  parseKeysArgs(argv: string[]): KeysArgs;
  validateTenant(tenant: unknown): string | null;
  generateKey(random?: (n: number) => Buffer): string;
  isRawKey(s: unknown): boolean;
  sha256Hex(s: string): string;
  kvKeyForKey(rawKey: string): string;
  buildRecord(input: { tenant: string; name?: string; now?: Date }): KeyRecord;
  parseRecord(text: string): KeyRecord | null;
  parseKvList(stdout: string): ListEntry[];
  classifyRevokeTarget(arg: string): RevokeTarget;
  matchPrefix(hashes: string[], prefix: string): string[];
  formatListLines(entries: ListEntry[]): string[];
}
interface StartCore {
  parseStartArgs(
    argv: string[],
    env?: Record<string, string | undefined>,
  ): {
    help: boolean;
    prepareOnly: boolean;
    persistTo?: string;
    port: number;
    ip: string;
    extra: string[];
  };
  wranglerDevArgs(opts: {
    ip: string;
    port: number;
    persistTo?: string;
    extra: string[];
  }): string[];
}

const root = fileURLToPath(new URL("../../", import.meta.url));
const keysScript = join(root, "scripts", "keys.mjs");
const load = (rel: string): Promise<unknown> => import(new URL(rel, import.meta.url).href);
const core = (await load("../../scripts/lib/keys-core.mjs")) as KeysCore;
const startCore = (await load("../../scripts/lib/start-core.mjs")) as StartCore;

const sha256 = (s: string) => createHash("sha256").update(s).digest("hex");

describe("keys: argument parsing", () => {
  it("parses create with defaults and options in both spellings", () => {
    expect(core.parseKeysArgs(["create", "--tenant", "t1"])).toEqual({
      command: "create",
      tenant: "t1",
      name: "default",
      remote: false,
    });
    expect(
      core.parseKeysArgs(["create", "--tenant=acme_1", "--name", "ci bot", "--persist-to=/x"]),
    ).toEqual({
      command: "create",
      tenant: "acme_1",
      name: "ci bot",
      persistTo: "/x",
      remote: false,
    });
    expect(core.parseKeysArgs(["create", "--tenant", "t", "--remote"]).remote).toBe(true);
  });

  it("parses list and revoke", () => {
    expect(core.parseKeysArgs(["list"])).toEqual({ command: "list", remote: false });
    expect(core.parseKeysArgs(["list", "--tenant", "t-2"]).tenant).toBe("t-2");
    expect(core.parseKeysArgs(["revoke", "0123abcd", "--persist-to", "d"])).toEqual({
      command: "revoke",
      target: "0123abcd",
      persistTo: "d",
      remote: false,
    });
    expect(core.parseKeysArgs(["--help"])).toEqual({ help: true });
    expect(core.parseKeysArgs(["create", "-h"])).toEqual({ help: true });
  });

  it.each([
    [[]],
    [["frobnicate"]],
    [["create"]],
    [["create", "--tenant"]],
    [["create", "--tenant", "a b"]],
    [["create", "--tenant", ""]],
    [["create", "--tenant", "x".repeat(65)]],
    [["create", "--tenant", "t", "--name", ""]],
    [["create", "--tenant", "t", "--bogus"]],
    [["create", "--tenant", "t", "extra"]],
    [["create", "--tenant", "t", "--tenant", "u"]],
    [["create", "--tenant", "t", "--remote", "--persist-to", "d"]],
    [["list", "--name", "x"]],
    [["list", "--tenant", "bad/tenant"]],
    [["revoke"]],
    [["revoke", "a", "b"]],
  ])("rejects %j with a UsageError", (argv) => {
    expect(() => core.parseKeysArgs(argv)).toThrow(core.UsageError);
  });

  it("validates tenant ids: 1-64 of [A-Za-z0-9_-]", () => {
    for (const ok of ["a", "T_1-x", "x".repeat(64)]) expect(core.validateTenant(ok)).toBeNull();
    for (const bad of ["", "x".repeat(65), "a.b", "ä", "a b", "a/b", 7]) {
      expect(core.validateTenant(bad)).toMatch(/invalid tenant id/);
    }
  });
});

describe("keys: key, hash and record", () => {
  it("generates crondo_ + 32 random bytes in base64url", () => {
    const key = core.generateKey();
    expect(key).toMatch(/^crondo_[A-Za-z0-9_-]{43}$/);
    expect(Buffer.from(key.slice("crondo_".length), "base64url")).toHaveLength(32);
    expect(core.isRawKey(key)).toBe(true);
    expect(core.generateKey()).not.toBe(key);
    const fixed = core.generateKey((n) => Buffer.alloc(n, 0xff));
    expect(fixed).toBe(`crondo_${Buffer.alloc(32, 0xff).toString("base64url")}`);
  });

  it("hashes with sha256 hex and builds the KV key", () => {
    expect(core.sha256Hex("abc")).toBe(
      "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad",
    );
    expect(core.kvKeyForKey("crondo_x")).toBe(`apikey:${sha256("crondo_x")}`);
  });

  it("builds and parses the record JSON", () => {
    const now = new Date("2026-01-02T03:04:05.678Z");
    const record = core.buildRecord({ tenant: "t1", name: "ci", now });
    expect(record).toEqual({ tenant_id: "t1", name: "ci", created_at: "2026-01-02T03:04:05.678Z" });
    expect(Object.keys(record)).toEqual(["tenant_id", "name", "created_at"]);
    expect(core.buildRecord({ tenant: "t1", now }).name).toBe("default");
    expect(core.parseRecord(JSON.stringify(record))).toEqual(record);
    expect(core.parseRecord("Value not found")).toBeNull();
    expect(core.parseRecord('{"name":"x"}')).toBeNull();
  });

  it("parses `wrangler kv key list` output, skipping foreign keys", () => {
    const h1 = sha256("one");
    const h2 = sha256("two");
    const out = JSON.stringify([
      { name: `apikey:${h1}`, metadata: { tenant_id: "t", name: "n", created_at: "c" } },
      { name: `apikey:${h2}` },
      { name: "apikey:not-a-hash" },
      { name: "other" },
    ]);
    expect(core.parseKvList(out)).toEqual([
      { hash: h1, record: { tenant_id: "t", name: "n", created_at: "c" } },
      { hash: h2, record: null },
    ]);
  });

  it("classifies revoke targets", () => {
    const key = core.generateKey();
    const hash = sha256(key);
    expect(core.classifyRevokeTarget(key)).toEqual({ kind: "hash", hash, fromKey: true });
    expect(core.classifyRevokeTarget(hash.toUpperCase())).toEqual({
      kind: "hash",
      hash,
      fromKey: false,
    });
    expect(core.classifyRevokeTarget(`apikey:${hash}`)).toMatchObject({ kind: "hash", hash });
    expect(core.classifyRevokeTarget(hash.slice(0, 8))).toEqual({
      kind: "prefix",
      prefix: hash.slice(0, 8),
    });
    expect(() => core.classifyRevokeTarget(hash.slice(0, 7))).toThrow(/too short/);
    expect(() => core.classifyRevokeTarget("not-hex!")).toThrow(core.UsageError);
  });

  it("matches prefixes and formats list lines without raw keys", () => {
    const hashes = ["aaaa1111".padEnd(64, "0"), "aaaa2222".padEnd(64, "0"), "bbbb".padEnd(64, "0")];
    expect(core.matchPrefix(hashes, "aaaa")).toHaveLength(2);
    expect(core.matchPrefix(hashes, "AAAA1111")).toEqual([hashes[0]]);
    expect(core.matchPrefix(hashes, "cccc0000")).toEqual([]);
    const lines = core.formatListLines([
      { hash: hashes[1]!, record: { tenant_id: "t22", name: "b", created_at: "2026-02" } },
      { hash: hashes[0]!, record: { tenant_id: "t1", name: "a b", created_at: "2026-01" } },
    ]);
    expect(lines).toEqual(["aaaa11110000  t1   a b  2026-01", "aaaa22220000  t22  b    2026-02"]);
  });
});

describe("start: argument parsing", () => {
  it("reads --persist-to/--port/--ip, PORT and passes the rest to wrangler dev", () => {
    const o = startCore.parseStartArgs(["--persist-to", "s", "--log-level", "debug"], {});
    expect(o).toMatchObject({ persistTo: "s", port: 8787, ip: "127.0.0.1" });
    expect(o.extra).toEqual(["--log-level", "debug"]);
    expect(startCore.parseStartArgs([], { PORT: "9000" }).port).toBe(9000);
    expect(startCore.parseStartArgs(["--port=9001"], { PORT: "9000" }).port).toBe(9001);
    expect(startCore.parseStartArgs(["--", "--port", "1"], {}).extra).toEqual(["--port", "1"]);
    expect(() => startCore.parseStartArgs([], { PORT: "http" })).toThrow(/invalid port/);
    expect(
      startCore.wranglerDevArgs({ ip: "127.0.0.1", port: 8787, persistTo: "/s", extra: ["-x"] }),
    ).toEqual([
      "dev",
      "--ip",
      "127.0.0.1",
      "--port",
      "8787",
      "--var",
      "ALLOW_PRIVATE_TARGETS:true",
      "--persist-to",
      "/s",
      "-x",
    ]);
  });
});

// ---------------------------------------------------------------------------------------
// Integration: the real CLI against wrangler's local KV in a temporary directory.

interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

function cli(args: string[], persistDir: string): Promise<CliResult> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [keysScript, ...args, "--persist-to", persistDir],
      { cwd: root, env: { ...process.env, NO_COLOR: "1" }, timeout: 60_000 },
      (err, stdout, stderr) => {
        const code = err ? (typeof err.code === "number" ? err.code : 1) : 0;
        resolve({ code, stdout, stderr });
      },
    );
  });
}

function wrangler(args: string[]): Promise<CliResult> {
  const entry = join(root, "node_modules", "wrangler", "bin", "wrangler.js");
  return new Promise((resolve) => {
    execFile(process.execPath, [entry, ...args], { cwd: root }, (err, stdout, stderr) => {
      resolve({ code: err ? 1 : 0, stdout, stderr });
    });
  });
}

/** Every file under dir, recursively. */
function allFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((d) => d.isFile())
    .map((d) => join(d.parentPath, d.name));
}

const lastLine = (s: string) => s.trimEnd().split("\n").at(-1) ?? "";

describe("keys CLI against local KV (wrangler)", () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), "crondo-keys-test-"));
  });
  afterAll(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  it("rejects a bad tenant before touching wrangler", async () => {
    const r = await cli(["create", "--tenant", "no spaces!"], dir);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/invalid tenant id/);
    expect(r.stdout).toBe("");
  });

  it("create / list / revoke by key and by prefix", { timeout: 90_000 }, async () => {
    // create: the last line of stdout is the key alone.
    const created = await cli(["create", "--tenant", "t1", "--name", "laptop"], dir);
    expect(created.code, created.stderr).toBe(0);
    const key = lastLine(created.stdout);
    expect(key).toMatch(/^crondo_[A-Za-z0-9_-]{43}$/);
    const hash = sha256(key);

    // The KV record: apikey:<sha256>, value {"tenant_id","name","created_at"}.
    const got = await wrangler([
      "kv",
      "key",
      "get",
      "--binding",
      "KEYS",
      `apikey:${hash}`,
      "--text",
      "--local",
      "--persist-to",
      dir,
    ]);
    expect(got.code, got.stderr).toBe(0);
    const record = JSON.parse(got.stdout.trim()) as KeyRecord;
    expect(Object.keys(record)).toEqual(["tenant_id", "name", "created_at"]);
    expect(record).toMatchObject({ tenant_id: "t1", name: "laptop" });
    expect(new Date(record.created_at).toISOString()).toBe(record.created_at);
    expect(Math.abs(Date.parse(record.created_at) - Date.now())).toBeLessThan(60_000);

    // The raw key is nowhere in the persisted state (KV blobs, SQLite files and WALs).
    const files = allFiles(dir);
    expect(files.length).toBeGreaterThan(0);
    const keyBytes = Buffer.from(key);
    const secret = Buffer.from(key.slice("crondo_".length));
    for (const f of files) {
      const content = readFileSync(f);
      expect(content.includes(keyBytes), f).toBe(false);
      expect(content.includes(secret), f).toBe(false);
    }
    // ...while the hash is (sanity check that the scan looks at the right files).
    expect(files.some((f) => readFileSync(f).includes(Buffer.from(hash)))).toBe(true);

    // list: hash prefix, tenant, name, created_at; never the raw key.
    const listed = await cli(["list"], dir);
    expect(listed.code, listed.stderr).toBe(0);
    expect(listed.stdout).not.toContain(key);
    expect(listed.stdout.trim().split("\n")).toEqual([
      `${hash.slice(0, 12)}  t1  laptop  ${record.created_at}`,
    ]);
    expect((await cli(["list", "--tenant", "other"], dir)).stdout).toBe("");

    // revoke by the key itself.
    const revoked = await cli(["revoke", key], dir);
    expect(revoked.code, revoked.stderr).toBe(0);
    expect(revoked.stdout).toContain(hash.slice(0, 12));
    expect(revoked.stdout).not.toContain(key);
    expect((await cli(["list"], dir)).stdout).toBe("");
    const again = await cli(["revoke", key], dir);
    expect(again.code).toBe(1);
    expect(again.stderr).toMatch(/no such key/);

    // revoke by a unique 8-char hash prefix.
    const second = await cli(["create", "--tenant", "t2"], dir);
    expect(second.code, second.stderr).toBe(0);
    const hash2 = sha256(lastLine(second.stdout));
    const byPrefix = await cli(["revoke", hash2.slice(0, 8)], dir);
    expect(byPrefix.code, byPrefix.stderr).toBe(0);
    const after = await cli(["list"], dir);
    expect(after.code).toBe(0);
    expect(after.stdout).toBe("");

    // A prefix that matches nothing is an error.
    const none = await cli(["revoke", hash2.slice(0, 8)], dir);
    expect(none.code).toBe(1);
    expect(none.stderr).toMatch(/no key hash starts with/);

    // An ambiguous prefix is an error and deletes nothing. These two records are written
    // without metadata (as another tool would), so list falls back to reading the values.
    const twins = ["1", "2"].map((d) => `${"ab".repeat(8)}${d.padStart(48, "0")}`);
    for (const h of twins) {
      const value = JSON.stringify({ tenant_id: "tw", name: "twin", created_at: h.at(-1) });
      const put = await wrangler([
        "kv",
        "key",
        "put",
        "--binding",
        "KEYS",
        `apikey:${h}`,
        value,
        "--local",
        "--persist-to",
        dir,
      ]);
      expect(put.code, put.stderr).toBe(0);
    }
    const ambiguous = await cli(["revoke", "abababab"], dir);
    expect(ambiguous.code).toBe(1);
    expect(ambiguous.stderr).toMatch(/ambiguous/);
    const twinsListed = await cli(["list", "--tenant", "tw"], dir);
    expect(twinsListed.stdout.trim().split("\n")).toEqual([
      `${twins[0]!.slice(0, 12)}  tw  twin  1`,
      `${twins[1]!.slice(0, 12)}  tw  twin  2`,
    ]);
  });
});
