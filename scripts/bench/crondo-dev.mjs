// A real `wrangler dev` serving crondo on 127.0.0.1 for the benchmarks: the few lines
// of test/helpers/wrangler-dev.ts they need, in plain JavaScript, plus what a benchmark
// wants on top: API keys in bulk (one `wrangler kv bulk put` before start-up instead of
// one CLI call per key) and the process ids of the whole process group (wrangler's node
// process, workerd, esbuild) for CPU accounting.
//
//   const crondo = await startCrondo({ keys: { bench: 32 } });
//   crondo.keys.bench  // 32 raw keys of tenant "bench"
//   crondo.pids()      // every live process of wrangler dev's process group
//   await crondo.cleanup();  // SIGTERM to the group (SIGKILL after 10 s), rm the state dir
import { execFile, execFileSync, spawn } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { buildRecord, generateKey, kvKeyForHash, sha256Hex } from "../lib/keys-core.mjs";
import { ROOT } from "./lib.mjs";

const WRANGLER = join(ROOT, "node_modules", "wrangler", "bin", "wrangler.js");
const READY_TIMEOUT_MS = 120_000;
const STOP_TIMEOUT_MS = 10_000;
const MAX_LOG_CHARS = 4_000_000;

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

function childEnv() {
  return {
    ...process.env,
    NO_COLOR: "1",
    FORCE_COLOR: "0",
    CI: "true",
    WRANGLER_SEND_METRICS: "false",
  };
}

function runNode(args, what, timeoutMs = 120_000) {
  return new Promise((resolve, reject) => {
    execFile(
      process.execPath,
      args,
      { cwd: ROOT, env: childEnv(), timeout: timeoutMs, maxBuffer: 16 * 1024 * 1024 },
      (err, stdout, stderr) => {
        if (err) reject(new Error(`${what} failed: ${err.message}\n${stderr}\n${stdout}`));
        else resolve({ stdout, stderr });
      },
    );
  });
}

/** A port that was free a moment ago. */
export function freePort() {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.unref();
    srv.on("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
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
    // gone already
  }
}

/**
 * Writes `count` new keys per tenant straight into the local KV under `persistTo`
 * (one `wrangler kv bulk put`), exactly the records `npm run keys -- create` writes.
 */
async function bulkKeys(persistTo, keysPerTenant) {
  const keys = {};
  const entries = [];
  for (const [tenant, count] of Object.entries(keysPerTenant)) {
    keys[tenant] = [];
    for (let i = 0; i < count; i++) {
      const key = generateKey();
      const json = JSON.stringify(buildRecord({ tenant, name: `bench-${i}` }));
      entries.push({ key: kvKeyForHash(sha256Hex(key)), value: json, metadata: JSON.parse(json) });
      keys[tenant].push(key);
    }
  }
  if (entries.length === 0) return keys;
  const file = join(persistTo, "bench-keys.json");
  await writeFile(file, JSON.stringify(entries));
  await runNode(
    [
      WRANGLER,
      "kv",
      "bulk",
      "put",
      file,
      "--binding",
      "KEYS",
      "--local",
      "--persist-to",
      persistTo,
    ],
    "wrangler kv bulk put",
  );
  await rm(file, { force: true });
  return keys;
}

/**
 * Starts `wrangler dev` on a fresh state directory (D1 migrated, keys written) and
 * waits until the API answers. `keys`: `{ tenant: count }`; the state directory is
 * made under `stateDir` (default the OS temp dir; /dev/shm puts it on tmpfs).
 */
export async function startCrondo({
  keys: keysPerTenant = {},
  vars = {},
  stateDir = tmpdir(),
  extraArgs = [],
  log = () => {},
} = {}) {
  const persistTo = await mkdtemp(join(stateDir, "crondo-bench-"));
  let pid;
  let exited = false;
  let output = "";
  let logLines = 0;
  let stopping;
  const killOnExit = () => pid && signalGroup(pid, "SIGKILL");

  const stop = (signal = "SIGTERM") => {
    stopping ??= (async () => {
      if (!pid) return;
      signalGroup(pid, signal);
      const deadline = Date.now() + STOP_TIMEOUT_MS;
      while ((!exited || groupAlive(pid)) && Date.now() < deadline) await sleep(100);
      if (!exited || groupAlive(pid)) {
        signalGroup(pid, "SIGKILL");
        const hard = Date.now() + STOP_TIMEOUT_MS;
        while ((!exited || groupAlive(pid)) && Date.now() < hard) await sleep(50);
      }
      process.off("exit", killOnExit);
    })();
    return stopping;
  };
  const cleanup = async () => {
    await stop();
    await rm(persistTo, { recursive: true, force: true });
  };

  try {
    log("applying D1 migrations");
    await runNode(
      [WRANGLER, "d1", "migrations", "apply", "DB", "--local", "--persist-to", persistTo],
      "wrangler d1 migrations apply",
    );
    log("writing API keys");
    const keys = await bulkKeys(persistTo, keysPerTenant);
    const port = await freePort();
    const inspectorPort = await freePort();
    const url = `http://127.0.0.1:${port}`;
    const allVars = { ALLOW_PRIVATE_TARGETS: "true", ...vars };
    log(`starting wrangler dev on ${url}`);
    const proc = spawn(
      process.execPath,
      [
        WRANGLER,
        "dev",
        "--ip",
        "127.0.0.1",
        "--port",
        String(port),
        "--inspector-port",
        String(inspectorPort),
        "--persist-to",
        persistTo,
        ...Object.entries(allVars).flatMap(([k, v]) => ["--var", `${k}:${v}`]),
        "--show-interactive-dev-session=false",
        "--log-level",
        "warn",
        ...extraArgs,
      ],
      { cwd: ROOT, env: childEnv(), detached: true, stdio: ["ignore", "pipe", "pipe"] },
    );
    pid = proc.pid;
    if (pid === undefined) throw new Error("could not spawn wrangler dev");
    process.once("exit", killOnExit);
    const capture = (d) => {
      for (let i = d.indexOf("\n"); i !== -1; i = d.indexOf("\n", i + 1)) logLines++;
      output += d;
      if (output.length > MAX_LOG_CHARS) output = output.slice(-MAX_LOG_CHARS / 2);
    };
    proc.stdout.setEncoding("utf8").on("data", capture);
    proc.stderr.setEncoding("utf8").on("data", capture);
    proc.once("exit", () => {
      exited = true;
    });

    const deadline = Date.now() + READY_TIMEOUT_MS;
    for (;;) {
      if (exited) throw new Error(`wrangler dev exited before serving:\n${output.slice(-4000)}`);
      if (Date.now() > deadline) throw new Error(`wrangler dev not up:\n${output.slice(-4000)}`);
      try {
        const res = await fetch(`${url}/v1/cron/list`, { signal: AbortSignal.timeout(2000) });
        await res.body?.cancel();
        if (res.status === 401 || res.status === 200) break;
      } catch {
        // not listening yet
      }
      await sleep(250);
    }
    return {
      url,
      port,
      persistTo,
      pid,
      keys,
      pids: () => groupPids(pid),
      /** Output lines wrangler dev printed so far (crondo's JSON logs included). */
      logLines: () => logLines,
      logs: () => output,
      alive: () => !exited,
      stop,
      cleanup,
    };
  } catch (e) {
    await cleanup();
    throw e;
  }
}

let clockTicks;
/** Clock ticks per second of /proc/<pid>/stat times (`getconf CLK_TCK`, 100 on Linux). */
function clkTck() {
  if (clockTicks === undefined) {
    try {
      clockTicks = Number(execFileSync("getconf", ["CLK_TCK"], { encoding: "utf8" }).trim()) || 100;
    } catch {
      clockTicks = 100;
    }
  }
  return clockTicks;
}

/**
 * CPU time (user + system, ms) used so far by each of `pids`, from /proc/<pid>/stat
 * (utime + stime); a process that is gone counts 0. Returns `{ total, byPid }`.
 */
export function cpuMs(pids) {
  const byPid = {};
  let total = 0;
  for (const pid of pids) {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
      const rest = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      // rest[0] is field 3 (state): utime is field 14, stime field 15.
      const ms = ((Number(rest[11]) + Number(rest[12])) * 1000) / clkTck();
      byPid[pid] = ms;
      total += ms;
    } catch {
      byPid[pid] = 0;
    }
  }
  return { total, byPid };
}

/** The command name of a process (`/proc/<pid>/comm`), or "?". */
export function procName(pid) {
  try {
    return readFileSync(`/proc/${pid}/comm`, "utf8").trim();
  } catch {
    return "?";
  }
}

/** CPU of `pids` now: `{ total, byPid, pids }` (see cpuMs). */
export function cpuSnapshot(pids) {
  const { total, byPid } = cpuMs(pids);
  return { total, byPid, pids: [...pids] };
}

/**
 * CPU used between two snapshots, per command name (workerd, node, …), counting
 * the processes alive at `after` (one that started in between counts from 0; one
 * that ended in between is left out rather than counted negative).
 */
export function cpuDelta(before, after) {
  const byName = {};
  let total = 0;
  for (const [pid, ms] of Object.entries(after.byPid)) {
    const d = ms - (before.byPid[pid] ?? 0);
    const name = procName(Number(pid));
    byName[name] = (byName[name] ?? 0) + d;
    total += d;
  }
  return { total, byName };
}

/**
 * One API call: `{ status, body, ms }` (`body` parsed JSON or null; `ms` from sending
 * until the whole response body has been read). Network errors resolve with status 0.
 */
export async function api(baseUrl, key, method, path, body) {
  const headers = { authorization: `Bearer ${key}` };
  if (body !== undefined) headers["content-type"] = "application/json";
  const t0 = performance.now();
  try {
    const res = await fetch(`${baseUrl}${path}`, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: AbortSignal.timeout(30_000),
    });
    const text = await res.text();
    const ms = performance.now() - t0;
    let json = null;
    try {
      json = JSON.parse(text);
    } catch {
      // not JSON
    }
    return { status: res.status, body: json, ms };
  } catch (e) {
    return { status: 0, body: { error: String(e) }, ms: performance.now() - t0 };
  }
}

/** Runs `fn(i)` for every i in [0, n) with at most `limit` calls at a time. */
export async function pool(n, limit, fn) {
  let next = 0;
  const worker = async () => {
    while (next < n) await fn(next++);
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, n)) }, worker));
}

/**
 * The URL at which the user worker's own workerd serves crondo directly, bypassing
 * wrangler dev's ProxyWorker (found among the group's listening sockets: the one that
 * answers crondo's 401 without being `crondo.url`), or null.
 */
export async function directWorkerUrl(crondo) {
  let out = "";
  try {
    out = execFileSync("ss", ["-ltnpH"], { encoding: "utf8" });
  } catch {
    return null;
  }
  const pids = new Set(crondo.pids().map(String));
  for (const line of out.split("\n")) {
    const m = /127\.0\.0\.1:(\d+)\s.*pid=(\d+)/.exec(line);
    if (!m || !pids.has(m[2]) || Number(m[1]) === crondo.port) continue;
    const url = `http://127.0.0.1:${m[1]}`;
    try {
      const res = await fetch(`${url}/v1/cron/list`, { signal: AbortSignal.timeout(2000) });
      const body = await res.text();
      if (res.status === 401 && body.includes('"UNAUTHORIZED"')) return url;
    } catch {
      // not an HTTP server of ours
    }
  }
  return null;
}
