// crondo under a real `wrangler dev` for the benchmarks: the shared harness
// (scripts/lib/wrangler-dev.mjs, also behind the end-to-end tests) with the benchmarks'
// defaults, plus what a benchmark wants on top: CPU accounting of the process group
// (wrangler's node process, workerd, esbuild), timed API calls and a concurrency pool.
//
//   const crondo = await startCrondo({ keys: { bench: 32 } });
//   crondo.keys.bench  // 32 raw keys of tenant "bench" (one `wrangler kv bulk put`)
//   crondo.pids()      // every live process of wrangler dev's process group
//   await crondo.cleanup();  // SIGTERM to the group (SIGKILL after 10 s), rm the state dir
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { startCrondo as startHarness } from "../lib/wrangler-dev.mjs";

export { freePort, groupPids } from "../lib/wrangler-dev.mjs";

/**
 * Starts `wrangler dev` on a fresh state directory (D1 migrated, keys written) and waits
 * until the API answers. `keys`: `{ tenant: count }`; the state directory is made under
 * `stateDir` (default the OS temp dir; /dev/shm puts it on tmpfs). A loaded benchmark
 * machine gets longer to start up than the tests do.
 */
export function startCrondo(opts = {}) {
  return startHarness({ tempPrefix: "crondo-bench-", readyTimeoutMs: 120_000, ...opts });
}

const here = dirname(fileURLToPath(import.meta.url));
/** The bare Worker's configuration (scripts/bench/bare-worker.toml → bare-worker.js). */
export const BARE_WORKER_CONFIG = join(here, "bare-worker.toml");
/** The API bindings floor (scripts/bench/floor-api-worker.toml → floor-api-worker.js). */
export const FLOOR_API_WORKER_CONFIG = join(here, "floor-api-worker.toml");

/** Another Worker under the same harness and flags as `startCrondo`: only `--config` differs. */
function startOtherWorker(config, tempPrefix, opts) {
  return startHarness({
    tempPrefix,
    readyTimeoutMs: 120_000,
    ...opts,
    extraArgs: ["--config", config, ...(opts.extraArgs ?? [])],
  });
}

/**
 * A trivial Worker (one JSON body for every request): the floor of an API request
 * under local `wrangler dev` on this machine.
 */
export const startBareWorker = (opts = {}) =>
  startOtherWorker(BARE_WORKER_CONFIG, "crondo-bench-bare-", opts);

/**
 * The binding calls a get or a list cannot do without and nothing else (D1 key row,
 * rate limiter, the job's Durable Object / the index page and shard summaries).
 */
export const startFloorApiWorker = (opts = {}) =>
  startOtherWorker(FLOOR_API_WORKER_CONFIG, "crondo-bench-floor-api-", opts);

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

/**
 * The command-line entry of a benchmark that drives crondo servers beside one receiver:
 * starts the receiver, hands `body` a `startServer()` (each server started is stopped at
 * the end, and on SIGINT/SIGTERM) and the receiver, and cleans up whatever happens.
 * `startReceiver` is passed in so that this module does not pull the receiver in.
 */
export async function standalone({ startReceiver, keys, stateDir, vars }, body) {
  const receiver = await startReceiver();
  const servers = new Set();
  const track = (server) => {
    servers.add(server);
    return server;
  };
  const startServer = async () =>
    track(await startCrondo({ keys, stateDir, vars, log: console.error }));
  const stopAll = async () => {
    for (const c of servers) await c.cleanup();
    await receiver.close();
  };
  for (const sig of ["SIGINT", "SIGTERM"]) {
    process.once(sig, async () => {
      await stopAll();
      process.exit(130);
    });
  }
  try {
    await body({ startServer, receiver, track });
  } finally {
    await stopAll();
  }
}
