// API key tooling (scripts/keys.mjs, SPEC §8): pure pieces, then the real CLI driving
// wrangler's local KV in a temporary --persist-to directory.
import { execFile } from "node:child_process";
import { createHash } from "node:crypto";
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { applyMigrations } from "../helpers/wrangler-dev";

// The scripts are plain .mjs without type declarations: load them through a computed
// specifier and describe the parts used here.
interface KeyRecord {
  tenant_id: string;
  name: string;
  created_at: string;
  scopes: string[];
  expires_at: string | null;
}
interface KeyRow {
  revoked_at: number | null;
  expires_at: number | null;
  last_used_at: number | null;
}
interface ListEntry {
  hash: string;
  record: KeyRecord | null;
  state?: KeyRow | null;
}
type RevokeTarget =
  | { kind: "hash"; hash: string; fromKey: boolean }
  | { kind: "prefix"; prefix: string };
interface KeysArgs {
  help?: boolean;
  command?: "create" | "list" | "revoke";
  tenant?: string;
  name?: string;
  scopes?: string[];
  expiresAt?: number | null;
  target?: string;
  persistTo?: string;
  remote?: boolean;
}
interface KeysCore {
  KEY_PREFIX: string;
  KV_PREFIX: string;
  UsageError: new (message: string) => Error;
  parseKeysArgs(argv: string[], now?: number): KeysArgs;
  validateTenant(tenant: unknown): string | null;
  generateKey(random?: (n: number) => Buffer): string;
  isRawKey(s: unknown): boolean;
  sha256Hex(s: string): string;
  kvKeyForKey(rawKey: string): string;
  buildRecord(input: {
    tenant: string;
    name?: string;
    now?: Date;
    scopes?: string[];
    expiresAt?: number | null;
  }): KeyRecord;
  parseRecord(text: string): KeyRecord | null;
  parseKvList(stdout: string): ListEntry[];
  classifyRevokeTarget(arg: string): RevokeTarget;
  matchPrefix(hashes: string[], prefix: string): string[];
  formatListLines(entries: ListEntry[], now?: number): string[];
  inlineSql(sql: string, params: unknown[]): string;
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
      scopes: ["read", "write"],
      expiresAt: null,
      remote: false,
    });
    expect(
      core.parseKeysArgs(["create", "--tenant=acme_1", "--name", "ci bot", "--persist-to=/x"]),
    ).toEqual({
      command: "create",
      tenant: "acme_1",
      name: "ci bot",
      scopes: ["read", "write"],
      expiresAt: null,
      persistTo: "/x",
      remote: false,
    });
    expect(core.parseKeysArgs(["create", "--tenant", "t", "--remote"]).remote).toBe(true);
  });

  it("parses --scope (write implies read) and the expiry, relative or absolute", () => {
    const now = Date.parse("2026-03-01T00:00:00Z");
    const create = (...more: string[]) =>
      core.parseKeysArgs(["create", "--tenant", "t", ...more], now);
    expect(create("--scope", "read").scopes).toEqual(["read"]);
    expect(create("--scope=read,write").scopes).toEqual(["read", "write"]);
    expect(create("--scope", "write").scopes).toEqual(["read", "write"]);
    expect(create("--scope", "write, read").scopes).toEqual(["read", "write"]);
    expect(create("--expires-in", "30d").expiresAt).toBe(now + 30 * 86_400_000);
    expect(create("--expires-in=90m").expiresAt).toBe(now + 90 * 60_000);
    expect(create("--expires-in", "12h").expiresAt).toBe(now + 12 * 3_600_000);
    expect(create("--expires-in", "2w").expiresAt).toBe(now + 14 * 86_400_000);
    expect(create("--expires-at", "2026-03-02T12:00:00+02:00").expiresAt).toBe(
      Date.parse("2026-03-02T10:00:00Z"),
    );
  });

  it.each([
    [["--scope", "admin"], /unknown scope "admin"/],
    [["--scope", "read,delete"], /unknown scope "delete"/],
    [["--scope", ","], /--scope needs/],
    [["--expires-in", "30"], /invalid --expires-in/],
    [["--expires-in", "-1d"], /invalid --expires-in/],
    [["--expires-in", "0d"], /invalid --expires-in/],
    [["--expires-in", "1y"], /invalid --expires-in/],
    [["--expires-in", "1.5d"], /invalid --expires-in/],
    [["--expires-in", "3651d"], /more than 10 years/],
    [["--expires-at", "2026-02-28T23:59:59Z"], /in the past/],
    [["--expires-at", "2026-03-01T00:00:00Z"], /in the past/],
    [["--expires-at", "tomorrow"], /invalid --expires-at/],
    [["--expires-at", "2026-03-05"], /invalid --expires-at/],
    [["--expires-at", "2026-02-31T00:00:00Z"], /invalid --expires-at/],
    [["--expires-in", "1d", "--expires-at", "2027-01-01T00:00:00Z"], /not both/],
  ])("refuses create %j with a clear message", (more, message) => {
    const now = Date.parse("2026-03-01T00:00:00Z");
    expect(() => core.parseKeysArgs(["create", "--tenant", "t", ...more], now)).toThrow(message);
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
    [["list", "--scope", "read"]],
    [["revoke", "abcdabcd", "--expires-in", "1d"]],
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
    expect(record).toEqual({
      tenant_id: "t1",
      name: "ci",
      created_at: "2026-01-02T03:04:05.678Z",
      scopes: ["read", "write"],
      expires_at: null,
    });
    const readOnly = core.buildRecord({
      tenant: "t1",
      now,
      scopes: ["read"],
      expiresAt: Date.parse("2026-02-01T00:00:00Z"),
    });
    expect(readOnly).toMatchObject({ scopes: ["read"], expires_at: "2026-02-01T00:00:00.000Z" });
    expect(core.buildRecord({ tenant: "t1", now }).name).toBe("default");
    expect(core.parseRecord(JSON.stringify(record))).toEqual(record);
    expect(core.parseRecord(JSON.stringify(readOnly))).toEqual(readOnly);
    // A record from before scopes and expiry existed reads as read-write, never expiring.
    expect(core.parseRecord('{"tenant_id":"old","name":"n","created_at":"c"}')).toEqual({
      tenant_id: "old",
      name: "n",
      created_at: "c",
      scopes: ["read", "write"],
      expires_at: null,
    });
    // Present but malformed scopes or expiry: not a record (a key never gains rights).
    for (const bad of [
      { scopes: ["admin"] },
      { scopes: [] },
      { scopes: "read" },
      { expires_at: "soon" },
    ]) {
      expect(
        core.parseRecord(JSON.stringify({ tenant_id: "t", ...bad })),
        JSON.stringify(bad),
      ).toBeNull();
    }
    expect(core.parseRecord("Value not found")).toBeNull();
    expect(core.parseRecord('{"name":"x"}')).toBeNull();
  });

  it("inlines SQL parameters as literals, quotes escaped", () => {
    expect(core.inlineSql("INSERT INTO t VALUES (?, ?, ?)", ["it's", 5, null])).toBe(
      "INSERT INTO t VALUES ('it''s', 5, NULL)",
    );
    expect(core.inlineSql("SELECT ?2, ?1, ?2", ["a", "b"])).toBe("SELECT 'b', 'a', 'b'");
    expect(() => core.inlineSql("SELECT ?, ?", ["a"])).toThrow(/missing SQL parameter 2/);
    expect(() => core.inlineSql("SELECT ?", [1.5])).toThrow(/not an integer/);
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
      {
        hash: h1,
        record: {
          tenant_id: "t",
          name: "n",
          created_at: "c",
          scopes: ["read", "write"],
          expires_at: null,
        },
      },
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
    const rw = ["read", "write"];
    const now = Date.parse("2026-03-01T00:00:00Z");
    const lines = core.formatListLines(
      [
        {
          hash: hashes[1]!,
          record: {
            tenant_id: "t22",
            name: "b",
            created_at: "2026-02",
            scopes: ["read"],
            expires_at: null,
          },
          state: {
            revoked_at: null,
            expires_at: now + 1,
            last_used_at: Date.parse("2026-02-27T10:11:12.5Z"),
          },
        },
        {
          hash: hashes[0]!,
          record: {
            tenant_id: "t1",
            name: "a b",
            created_at: "2026-01",
            scopes: rw,
            expires_at: null,
          },
          state: null,
        },
        {
          hash: hashes[2]!,
          record: {
            tenant_id: "t1",
            name: "x",
            created_at: "2026-03",
            scopes: rw,
            expires_at: null,
          },
          state: { revoked_at: now - 5, expires_at: null, last_used_at: null },
        },
        {
          hash: "cccc".padEnd(64, "0"),
          record: {
            tenant_id: "t1",
            name: "y",
            created_at: "2026-04",
            scopes: rw,
            expires_at: "2026-02-01T00:00:00.000Z",
          },
          state: null,
        },
      ],
      now,
    );
    expect(lines).toEqual([
      "KEY           TENANT  NAME  SCOPES      STATUS   CREATED  EXPIRES                   LAST USED",
      "aaaa11110000  t1      a b   read,write  active   2026-01  never                     never",
      "aaaa22220000  t22     b     read        active   2026-02  2026-03-01T00:00:00.001Z  2026-02-27T10:11Z",
      "bbbb00000000  t1      x     read,write  revoked  2026-03  never                     never",
      "cccc00000000  t1      y     read,write  expired  2026-04  2026-02-01T00:00:00.000Z  never",
    ]);
    expect(core.formatListLines([], now)).toEqual([]);
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

/** One SQL statement on the local D1 under `dir`; its rows. */
async function d1Exec<T = Record<string, unknown>>(dir: string, sql: string): Promise<T[]> {
  const r = await wrangler([
    "d1",
    "execute",
    "DB",
    "--local",
    "--persist-to",
    dir,
    "--json",
    "--command",
    sql,
  ]);
  expect(r.code, r.stderr).toBe(0);
  return JSON.parse(r.stdout.slice(r.stdout.indexOf("[")))[0].results;
}

/** The api_keys rows of the local D1 under `dir` (what the Worker refuses keys by). */
const d1Rows = (dir: string) =>
  d1Exec<KeyRow & { key_hash: string; scopes: string; tenant_id: string }>(
    dir,
    "SELECT * FROM api_keys ORDER BY created_at",
  );

/** The KV record of a key hash under `dir`, parsed (null when there is none). */
async function kvRecord(dir: string, hash: string): Promise<KeyRecord | null> {
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
  return got.stdout.includes("Value not found")
    ? null
    : (JSON.parse(got.stdout.trim()) as KeyRecord);
}

/** Everything the CLI can change: the KV records and the api_keys rows. */
const stateOf = async (dir: string) => ({
  kv: (await wrangler(["kv", "key", "list", "--binding", "KEYS", "--local", "--persist-to", dir]))
    .stdout,
  d1: await d1Rows(dir),
});

describe("keys CLI where the D1 migrations were not applied", () => {
  it("refuses to create a key, says what to do, and writes nothing", {
    timeout: 180_000,
  }, async () => {
    const dir = mkdtempSync(join(tmpdir(), "crondo-keys-test-"));
    try {
      const r = await cli(["create", "--tenant", "t0"], dir);
      expect(r.code).toBe(1);
      expect(r.stderr).toMatch(/no api_keys table: apply the migrations first/);
      expect(r.stdout).toBe("");
      const kv = await wrangler([
        "kv",
        "key",
        "list",
        "--binding",
        "KEYS",
        "--local",
        "--persist-to",
        dir,
      ]);
      expect(JSON.parse(kv.stdout.slice(kv.stdout.indexOf("[")))).toEqual([]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

const listBody = (stdout: string) => stdout.trim().split("\n").slice(1);
const HEADER = /^KEY +TENANT +NAME +SCOPES +STATUS +CREATED +EXPIRES +LAST USED$/;

describe("keys CLI against local KV and D1 (wrangler)", () => {
  let dir: string;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "crondo-keys-test-"));
    await applyMigrations(dir);
  }, 90_000);
  afterAll(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  it("rejects a bad tenant before touching wrangler", async () => {
    const r = await cli(["create", "--tenant", "no spaces!"], dir);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/invalid tenant id/);
    expect(r.stdout).toBe("");
  });

  // Timeouts: each step runs `wrangler` processes (several seconds each on a busy machine,
  // beside the worker projects); this test timed out once at 120 s in CI.
  it("create / list / revoke by key and by prefix", { timeout: 300_000 }, async () => {
    // create: the last line of stdout is the key alone.
    const created = await cli(["create", "--tenant", "t1", "--name", "laptop"], dir);
    expect(created.code, created.stderr).toBe(0);
    const key = lastLine(created.stdout);
    expect(key).toMatch(/^crondo_[A-Za-z0-9_-]{43}$/);
    const hash = sha256(key);
    expect(created.stderr).toMatch(/scopes read,write, never expires/);

    // The KV record: apikey:<sha256>, value {"tenant_id","name","created_at","scopes","expires_at"}.
    const record = (await kvRecord(dir, hash))!;
    expect(Object.keys(record)).toEqual([
      "tenant_id",
      "name",
      "created_at",
      "scopes",
      "expires_at",
    ]);
    expect(record).toMatchObject({
      tenant_id: "t1",
      name: "laptop",
      scopes: ["read", "write"],
      expires_at: null,
    });
    expect(new Date(record.created_at).toISOString()).toBe(record.created_at);
    expect(Math.abs(Date.parse(record.created_at) - Date.now())).toBeLessThan(60_000);
    // …and its api_keys row, not revoked, never used.
    expect(await d1Rows(dir)).toEqual([
      {
        key_hash: hash,
        tenant_id: "t1",
        name: "laptop",
        scopes: '["read","write"]',
        created_at: Date.parse(record.created_at),
        expires_at: null,
        revoked_at: null,
        last_used_at: null,
      },
    ]);

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

    // list: a header, then hash prefix, tenant, name, scopes, status, created, expires, last use.
    const listed = await cli(["list"], dir);
    expect(listed.code, listed.stderr).toBe(0);
    expect(listed.stdout).not.toContain(key);
    expect(listed.stdout.trim().split("\n")[0]).toMatch(HEADER);
    expect(listBody(listed.stdout)).toEqual([
      `${hash.slice(0, 12)}  t1      laptop  read,write  active  ${record.created_at}  never    never`,
    ]);
    expect((await cli(["list", "--tenant", "other"], dir)).stdout).toBe("");

    // revoke by the key itself: its row is revoked, its KV record gone.
    const revoked = await cli(["revoke", key], dir);
    expect(revoked.code, revoked.stderr).toBe(0);
    expect(revoked.stdout).toContain(hash.slice(0, 12));
    expect(revoked.stdout).not.toContain(key);
    expect((await cli(["list"], dir)).stdout).toBe("");
    expect(await kvRecord(dir, hash)).toBeNull();
    const [row] = await d1Rows(dir);
    expect(row?.revoked_at).toBeGreaterThan(Date.now() - 120_000);
    const again = await cli(["revoke", key], dir);
    expect(again.code).toBe(1);
    expect(again.stderr).toMatch(/no such key/);
    expect((await d1Rows(dir))[0]?.revoked_at).toBe(row?.revoked_at);

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
    // without metadata and without scopes (as another tool, or crondo before scopes,
    // would), so list falls back to reading the values and shows them read-write.
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
    const before = await stateOf(dir);
    const ambiguous = await cli(["revoke", "abababab"], dir);
    expect(ambiguous.code).toBe(1);
    expect(ambiguous.stderr).toMatch(/ambiguous/);
    expect(await stateOf(dir)).toEqual(before);
    const twinsListed = await cli(["list", "--tenant", "tw"], dir);
    expect(listBody(twinsListed.stdout)).toEqual([
      `${twins[0]!.slice(0, 12)}  tw      twin  read,write  active  1        never    never`,
      `${twins[1]!.slice(0, 12)}  tw      twin  read,write  active  2        never    never`,
    ]);

    // Revoking such a key (no api_keys row) gives it a revoked row, with its record's data.
    const old = await cli(["revoke", twins[0]!], dir);
    expect(old.code, old.stderr).toBe(0);
    expect((await d1Rows(dir)).find((r) => r.key_hash === twins[0])).toMatchObject({
      tenant_id: "tw",
      scopes: '["read","write"]',
      revoked_at: expect.any(Number),
    });
  });

  it("creates a read-only key with an expiry; list shows scopes, expiry and last use", {
    timeout: 180_000,
  }, async () => {
    const t0 = Date.now();
    const created = await cli(
      ["create", "--tenant", "ro", "--name", "grafana", "--scope", "read", "--expires-in", "30d"],
      dir,
    );
    expect(created.code, created.stderr).toBe(0);
    const hash = sha256(lastLine(created.stdout));
    const record = (await kvRecord(dir, hash))!;
    expect(record.scopes).toEqual(["read"]);
    const expires = Date.parse(record.expires_at!);
    expect(expires).toBeGreaterThanOrEqual(t0 + 30 * 86_400_000);
    expect(expires).toBeLessThanOrEqual(Date.now() + 30 * 86_400_000);
    expect(created.stderr).toContain(`scopes read, expires ${record.expires_at}`);
    const row = (await d1Rows(dir)).find((r) => r.key_hash === hash);
    expect(row).toMatchObject({
      scopes: '["read"]',
      expires_at: expires,
      revoked_at: null,
      last_used_at: null,
    });

    // A use the Worker stamped (to the minute in the listing).
    const used = Date.parse("2026-11-30T08:09:10.000Z");
    await d1Exec(dir, `UPDATE api_keys SET last_used_at = ${used} WHERE key_hash = '${hash}'`);
    const listed = await cli(["list", "--tenant", "ro"], dir);
    expect(listed.code, listed.stderr).toBe(0);
    expect(listBody(listed.stdout)).toEqual([
      `${hash.slice(0, 12)}  ro      grafana  read    active  ${record.created_at}  ${record.expires_at}  2026-11-30T08:09Z`,
    ]);

    // An absolute expiry, and a key whose expiry has passed (its row says so) lists as expired.
    const at = await cli(["create", "--tenant", "ro", "--expires-at", "2030-01-01T00:00:00Z"], dir);
    expect(at.code, at.stderr).toBe(0);
    const atHash = sha256(lastLine(at.stdout));
    expect((await kvRecord(dir, atHash))?.expires_at).toBe("2030-01-01T00:00:00.000Z");
    await d1Exec(
      dir,
      `UPDATE api_keys SET expires_at = ${Date.now() - 1000} WHERE key_hash = '${atHash}'`,
    );
    const lines = listBody((await cli(["list", "--tenant", "ro"], dir)).stdout);
    expect(lines.find((l) => l.startsWith(atHash.slice(0, 12)))).toMatch(/ read,write +expired /);
  });

  // The state after the tests above, taken once (by the first case): each case must
  // leave it exactly so, and none changes it, so each compares with this one snapshot
  // (the first case to change anything is the one that fails).
  let baseline: Awaited<ReturnType<typeof stateOf>> | undefined;
  it.each([
    [["create", "--tenant", "bad", "--scope", "admin"], 2, /unknown scope "admin"/],
    [["create", "--tenant", "bad", "--expires-in", "soon"], 2, /invalid --expires-in "soon"/],
    [["create", "--tenant", "bad", "--expires-at", "2020-01-01T00:00:00Z"], 2, /is in the past/],
    [["create", "--tenant", "bad", "--expires-at", "next tuesday"], 2, /invalid --expires-at/],
    [["revoke", `crondo_${"x".repeat(43)}`], 1, /no such key/],
    [["revoke", "f".repeat(64)], 1, /no key with hash f{64}/],
    [["revoke", "ffffffff"], 1, /no key hash starts with ffffffff/],
  ])(
    "%j: a clear error (exit %i) and nothing changed",
    { timeout: 180_000 },
    async (args, code, message) => {
      baseline ??= await stateOf(dir);
      const r = await cli(args, dir);
      expect(r.code).toBe(code);
      expect(r.stderr).toMatch(message);
      expect(r.stdout).toBe("");
      expect(await stateOf(dir)).toEqual(baseline);
    },
  );
});
