// A real `wrangler dev` serving crondo on 127.0.0.1 with its own local state directory
// (D1 migrated, KV for keys, Durable Object storage): the one harness of the end-to-end
// tests (through test/helpers/wrangler-dev.ts) and of the benchmarks (scripts/bench/).
// Types: wrangler-dev.d.mts beside this file.
//
//   const crondo = await startCrondo({ keys: { bench: 32 } });
//   crondo.keys.bench                  // 32 raw keys written before start-up
//   await crondo.keyFor("tenant-a");   // a key made by the keys CLI while the server runs
//   crondo.pids()                      // every live process of wrangler dev's process group
//   await crondo.stop("SIGKILL");      // signal the whole group, wait until it is gone
//   await crondo.cleanup();            // stop + remove the state directory if made here
//
// A restart on the same state is `startCrondo({ persistTo: old.persistTo })` once the old
// server is stopped (also after `stop("SIGKILL")`, the crash case).
//
// Keys, two ways. `keys: { tenant: count }` writes them straight into the local KV before
// start-up (one `wrangler kv bulk put`, the same records `npm run keys -- create` writes):
// cheap in bulk. `keyFor`/`createKey` run `scripts/keys.mjs create --persist-to <dir>`
// while wrangler dev runs. Both share the SQLite-backed local KV under <dir>/v3/kv, and the
// dev server does not cache misses, so a key written by the CLI is accepted at once
// (test/e2e/harness.test.ts checks it, also across a restart).
import { execFile, spawn } from "node:child_process";
import { createHash } from "node:crypto";
import {
  appendFileSync,
  cpSync,
  existsSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
} from "node:fs";
import { rm, writeFile } from "node:fs/promises";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { INSERT_KEY } from "../../src/store/api-keys-sql.mjs";
import { buildRecord, generateKey, inlineSql, kvKeyForKey, sha256Hex } from "./keys-core.mjs";
import { PROJECT_ROOT, targetArgs, WRANGLER_JS } from "./wrangler.mjs";

export { PROJECT_ROOT };

const KEYS_SCRIPT = join(PROJECT_ROOT, "scripts", "keys.mjs");
const DEFAULT_READY_TIMEOUT_MS = 60_000;
const STOP_TIMEOUT_MS = 10_000;
const COMMAND_TIMEOUT_MS = 120_000;
/** Keep at most this much of the server's output (the tail). */
const MAX_LOG_CHARS = 4_000_000;

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** Environment of every child: no colours, no prompts, no telemetry. */
function childEnv() {
  return {
    ...process.env,
    NO_COLOR: "1",
    FORCE_COLOR: "0",
    CI: "true",
    WRANGLER_SEND_METRICS: "false",
  };
}

const localTarget = (persistTo) => targetArgs({ persistTo });

/** `node <args>` from the project root; resolves `{ stdout, stderr }`. */
function runNode(args, what) {
  return new Promise((resolvePromise, reject) => {
    execFile(
      process.execPath,
      args,
      {
        cwd: PROJECT_ROOT,
        env: childEnv(),
        timeout: COMMAND_TIMEOUT_MS,
        maxBuffer: 16 * 1024 * 1024,
      },
      (err, stdout, stderr) => {
        if (err) reject(new Error(`${what} failed: ${err.message}\n${stderr}\n${stdout}`));
        else resolvePromise({ stdout, stderr });
      },
    );
  });
}

/** scripts/lib/local-state.mjs: migrations (and keys) for a local state in one process. */
const LOCAL_STATE_SCRIPT = join(PROJECT_ROOT, "scripts", "lib", "local-state.mjs");

/**
 * The D1 migrations applied to every D1 database of wrangler.toml — the primary and each
 * history shard — in the local state under `persistTo` (idempotent). What `wrangler d1
 * migrations apply <binding> --local --persist-to <dir>` does, in one process for all of
 * them (scripts/lib/local-state.mjs).
 */
export async function applyMigrations(persistTo) {
  await runNode([LOCAL_STATE_SCRIPT, persistTo], "local-state.mjs (D1 migrations)");
}

/**
 * A migrated local state, made once per set of migrations and D1 bindings and shared by
 * every process on the machine (under the OS temp dir, named by a hash of the migration
 * files and wrangler.toml): a fresh state is a copy of it instead of a migration run.
 */
let template;
function migratedTemplate() {
  template ??= (async () => {
    const hash = createHash("sha256");
    const dir = join(PROJECT_ROOT, "migrations");
    for (const name of readdirSync(dir).sort()) {
      hash.update(name).update(readFileSync(join(dir, name)));
    }
    hash.update(readFileSync(join(PROJECT_ROOT, "wrangler.toml")));
    const path = join(tmpdir(), `crondo-state-template-${hash.digest("hex").slice(0, 16)}`);
    if (existsSync(path)) return path;
    const made = mkdtempSync(join(tmpdir(), "crondo-state-template-tmp-"));
    await applyMigrations(made);
    try {
      renameSync(made, path); // atomic: a concurrent maker's copy is as good
    } catch {
      rmSync(made, { recursive: true, force: true });
    }
    return path;
  })();
  template.catch(() => {
    template = undefined;
  });
  return template;
}

/** Rows of one SQL query on the local D1 database `binding` under `persistTo` (wrangler d1 execute --json). */
export async function d1Query(persistTo, binding, sql) {
  const { stdout } = await runNode(
    [WRANGLER_JS, "d1", "execute", binding, ...localTarget(persistTo), "--json", "--command", sql],
    `wrangler d1 execute ${binding}`,
  );
  return JSON.parse(stdout)[0].results;
}

/**
 * A new key of `tenant` in the local state under `persistTo`, via the keys CLI; `args`
 * are more of its options (`["--scope", "read"]`).
 */
export async function createKeyCli(persistTo, tenant, name = "e2e", args = []) {
  const { stdout } = await runNode(
    [KEYS_SCRIPT, "create", "--tenant", tenant, "--name", name, ...args, "--persist-to", persistTo],
    "keys create",
  );
  const key = stdout.trim().split("\n").pop()?.trim() ?? "";
  if (!/^\S{20,}$/.test(key)) throw new Error(`keys create printed no key: ${stdout}`);
  return key;
}

/**
 * Writes `count` new keys per tenant straight into the local state under `persistTo`,
 * exactly what `npm run keys -- create` writes (their api_keys rows in D1, their records
 * in KV), after applying the migrations — one process (scripts/lib/local-state.mjs).
 * Resolves `{ tenant: [raw keys] }`.
 */
export async function bulkKeys(persistTo, keysPerTenant, { migrated = false } = {}) {
  const keys = {};
  const kv = [];
  const sql = [];
  for (const [tenant, count] of Object.entries(keysPerTenant)) {
    keys[tenant] = [];
    for (let i = 0; i < count; i++) {
      const key = generateKey();
      const now = new Date();
      const record = buildRecord({ tenant, name: `bulk-${i}`, now });
      kv.push({ key: kvKeyForKey(key), value: JSON.stringify(record), metadata: record });
      const params = [sha256Hex(key), tenant, record.name, JSON.stringify(record.scopes)];
      sql.push(inlineSql(INSERT_KEY, [...params, now.getTime(), null]));
      keys[tenant].push(key);
    }
  }
  if (migrated && kv.length === 0) return keys; // nothing to write
  const file = join(persistTo, "bulk-keys.json");
  await writeFile(file, JSON.stringify({ sql, kv }));
  try {
    await runNode([LOCAL_STATE_SCRIPT, persistTo, file], "local-state.mjs (migrations + keys)");
  } finally {
    await rm(file, { force: true });
  }
  return keys;
}

/** A port that was free a moment ago (listen on 0, read it, close). */
export function freePort() {
  return new Promise((resolvePromise, reject) => {
    const srv = createServer();
    srv.unref();
    srv.on("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const addr = srv.address();
      const port = typeof addr === "object" && addr ? addr.port : 0;
      srv.close(() => resolvePromise(port));
    });
  });
}

/** Every live process whose process group is `pgid` (from /proc). */
export function groupPids(pgid) {
  const out = [];
  for (const name of readdirSync("/proc")) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, "utf8");
      // Fields after the command (which may contain spaces) start after the last ')'.
      const rest = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      if (Number(rest[2]) === pgid) out.push(Number(name));
    } catch {
      // gone meanwhile
    }
  }
  return out;
}

/** True while any process of group `pgid` exists. */
function groupAlive(pgid) {
  try {
    process.kill(-pgid, 0);
    return true;
  } catch (e) {
    return e.code === "EPERM";
  }
}

function signalGroup(pgid, signal) {
  try {
    process.kill(-pgid, signal);
  } catch {
    // the group is gone already
  }
}

/** Thrown by one launch attempt; `addressInUse` when the port was taken meanwhile. */
class LaunchError extends Error {
  constructor(message, addressInUse) {
    super(message);
    this.addressInUse = addressInUse;
  }
}

/**
 * Spawns wrangler dev on `port` and waits until it serves; throws LaunchError otherwise.
 * Resolves `{ proc, stop, inspectorPort, logs, logLines, alive }`.
 */
async function launch({ persistTo, port, vars, extraArgs, readyTimeoutMs }) {
  const url = `http://127.0.0.1:${port}`;
  const inspectorPort = await freePort();
  const args = [
    WRANGLER_JS,
    "dev",
    "--ip",
    "127.0.0.1",
    "--port",
    String(port),
    "--inspector-port",
    String(inspectorPort),
    "--persist-to",
    persistTo,
    ...Object.entries(vars).flatMap(([k, v]) => ["--var", `${k}:${v}`]),
    "--show-interactive-dev-session=false",
    "--log-level",
    // CRONDO_DEV_LOG=<file>: every line of the server (the Worker's log lines too) is
    // appended to that file — for looking into a benchmark or a test after the fact.
    process.env.CRONDO_DEV_LOG ? "log" : "warn",
    ...extraArgs,
  ];
  const proc = spawn(process.execPath, args, {
    cwd: PROJECT_ROOT,
    env: childEnv(),
    detached: true,
    stdio: ["ignore", "pipe", "pipe"],
  });
  const pid = proc.pid;
  if (pid === undefined) throw new LaunchError("could not spawn wrangler dev", false);

  let output = "";
  let lines = 0;
  const logFile = process.env.CRONDO_DEV_LOG;
  const capture = (d) => {
    if (logFile) appendFileSync(logFile, d);
    for (let i = d.indexOf("\n"); i !== -1; i = d.indexOf("\n", i + 1)) lines++;
    // biome-ignore lint/suspicious/noControlCharactersInRegex: stripping ANSI colours
    output += d.replace(/\u001b\[[0-9;]*m/g, "");
    if (output.length > MAX_LOG_CHARS) output = output.slice(-MAX_LOG_CHARS / 2);
  };
  proc.stdout.setEncoding("utf8").on("data", capture);
  proc.stderr.setEncoding("utf8").on("data", capture);

  let exited = false;
  const exitPromise = new Promise((r) => {
    proc.once("exit", (code, signal) => {
      exited = true;
      capture(`\n[harness] wrangler dev exited (${signal ?? `code ${code}`})\n`);
      r();
    });
  });
  // Whatever happens to this process, do not leave a server behind.
  const killOnExit = () => signalGroup(pid, "SIGKILL");
  process.once("exit", killOnExit);

  let stopping;
  const stop = (signal = "SIGTERM") => {
    stopping ??= (async () => {
      signalGroup(pid, signal);
      const deadline = Date.now() + STOP_TIMEOUT_MS;
      // wrangler dev exits first; workerd children of the same group may linger a moment.
      while ((!exited || groupAlive(pid)) && Date.now() < deadline) {
        await Promise.race([exitPromise, sleep(100)]);
      }
      if (!exited || groupAlive(pid)) {
        signalGroup(pid, "SIGKILL");
        const hard = Date.now() + STOP_TIMEOUT_MS;
        while ((!exited || groupAlive(pid)) && Date.now() < hard) await sleep(50);
      }
      process.off("exit", killOnExit);
      proc.stdout.destroy();
      proc.stderr.destroy();
    })();
    return stopping;
  };

  // Up when the API answers at all (401 without a key counts).
  const deadline = Date.now() + readyTimeoutMs;
  for (;;) {
    if (exited || Date.now() > deadline) {
      await stop("SIGKILL");
      throw new LaunchError(
        exited
          ? `wrangler dev exited before serving:\n${output.slice(-4000)}`
          : `wrangler dev not up within ${readyTimeoutMs} ms:\n${output.slice(-4000)}`,
        /Address already in use/i.test(output),
      );
    }
    try {
      const res = await fetch(`${url}/v1/cron/list`, { signal: AbortSignal.timeout(2000) });
      await res.body?.cancel();
      // Still our process? (Something else answering on a port taken meanwhile is not up.)
      if ((res.status === 401 || res.status === 200) && !exited) break;
    } catch {
      // not listening yet
    }
    await sleep(200);
  }
  return {
    proc,
    stop,
    inspectorPort,
    logs: () => output,
    logLines: () => lines,
    alive: () => !exited,
  };
}

/** Starts crondo under wrangler dev; see wrangler-dev.d.mts for the options. */
export async function startCrondo(opts = {}) {
  const {
    vars = {},
    keys: keysPerTenant = {},
    stateDir = tmpdir(),
    tempPrefix = "crondo-e2e-",
    extraArgs = [],
    readyTimeoutMs = DEFAULT_READY_TIMEOUT_MS,
    log = () => {},
  } = opts;
  const ownsDir = opts.persistTo === undefined;
  const persistTo = resolve(opts.persistTo ?? mkdtempSync(join(stateDir, tempPrefix)));
  const allVars = { ALLOW_PRIVATE_TARGETS: "true", ...vars };
  let port = 0;
  let server;
  let keys;
  try {
    // A fresh state starts as a copy of the migrated template; a given one is migrated
    // (a no-op when it is up to date) with the keys' write.
    log(
      ownsDir
        ? "copying a migrated state, writing API keys"
        : "applying D1 migrations, writing API keys",
    );
    if (ownsDir) cpSync(await migratedTemplate(), persistTo, { recursive: true });
    keys = await bulkKeys(persistTo, keysPerTenant, { migrated: ownsDir });
    // A port picked free can be taken before wrangler binds it: pick again (not a given one).
    for (let attempt = 1; !server; attempt++) {
      port = opts.port ?? (await freePort());
      log(`starting wrangler dev on http://127.0.0.1:${port}`);
      try {
        server = await launch({ persistTo, port, vars: allVars, extraArgs, readyTimeoutMs });
      } catch (e) {
        const retry = e instanceof LaunchError && e.addressInUse && !opts.port && attempt < 3;
        if (!retry) throw e;
      }
    }
  } catch (e) {
    if (ownsDir) rmSync(persistTo, { recursive: true, force: true });
    throw e;
  }
  const { proc, stop } = server;
  const pid = proc.pid;

  const cliKeys = new Map();
  const createKey = (tenant, name, args) => createKeyCli(persistTo, tenant, name, args);
  const keyFor = (tenant) => {
    let key = cliKeys.get(tenant);
    if (!key) {
      key = createKey(tenant);
      cliKeys.set(tenant, key);
      key.catch(() => cliKeys.delete(tenant));
    }
    return key;
  };

  return {
    url: `http://127.0.0.1:${port}`,
    persistTo,
    port,
    inspectorPort: server.inspectorPort,
    proc,
    pid,
    keys,
    keyFor,
    createKey,
    stop,
    cleanup: async () => {
      await stop();
      if (ownsDir) await rm(persistTo, { recursive: true, force: true });
    },
    logs: server.logs,
    logLines: server.logLines,
    alive: server.alive,
    pids: () => groupPids(pid),
  };
}
