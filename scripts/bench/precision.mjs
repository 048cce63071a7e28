// Fire precision: N jobs on `* * * * * *` (every second, all on the same second
// boundary: the worst case) for D seconds, on four senders that call the same
// receiver (scripts/bench/receiver.mjs) on 127.0.0.1:
//   - crondo under `wrangler dev` (jobs created through the API),
//   - BullMQ job schedulers on a local redis-server (scripts/bench/bullmq.mjs),
//   - the floor: one Node timer per second boundary for N virtual jobs (floor.mjs),
//   - the workerd floor: N Durable Objects whose alarm only persists, re-arms and
//     POSTs (do-floor.mjs + do-floor-worker.js), once with the alarm at the slot and
//     once woken early (300 ms ahead, persist and re-arm, a timer until the slot,
//     then POST: crondo's pre-armed firing without crondo).
// Lag = arrival at the receiver − the slot in X-Cron-Scheduled-At.
//
//   node scripts/bench/precision.mjs [--n 100,1000] [--duration 30] [--warmup 10]
//                                    [--no-write] [--skip-bullmq] [--skip-floor] [--skip-do-floor]
// Standalone it starts its own receiver, wrangler dev and redis-server and writes
// the `precision` section of BENCHMARKS.md; scripts/bench/run.mjs calls `run()`.
import { mkdir, writeFile } from "node:fs/promises";
import { loadavg, tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { pathToFileURL } from "node:url";
import { parseArgs } from "node:util";
import { startBullmq, startRedis } from "./bullmq.mjs";
import { api, cpuDelta, cpuSnapshot, pool, standalone } from "./crondo-dev.mjs";
import { startDoFloor } from "./do-floor.mjs";
import { startFloor } from "./floor.mjs";
import {
  BENCHMARKS_FILE,
  crondoPreArmMs,
  fixed,
  int,
  machineInfo,
  machineLine,
  mdTable,
  percentile,
  ROOT,
  writeSection,
} from "./lib.mjs";
import { nowMs, startReceiver } from "./receiver.mjs";
import { percentileChart } from "./svg-chart.mjs";

export const PRECISION_TENANT = "bench-precision";
const SCHEDULE = "* * * * * *";
const CONCURRENCY = 16;
/** Bounds of one crondo phase: job set-up (create + resume), late arrivals, deletion. */
const SETUP_MAX_MS = 90_000;
const DRAIN_MAX_MS = 60_000;
const DELETE_MAX_MS = 45_000;
/** Jobs whose run history is read back after the window to split the lag. */
const SAMPLE_JOBS = 20;

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const sleepUntil = async (t) => {
  for (let d = t - Date.now(); d > 0; d = t - Date.now()) await sleep(Math.min(d, 1000));
};
/** The workerd floor's early wake: the same lead as crondo's PRE_ARM_MS (src/object/job-object.ts). */
export const PRE_ARM_MS = crondoPreArmMs();
export const EARLY_LEAD_MS = PRE_ARM_MS ?? 300;
/** The lag chart BENCHMARKS.md embeds (written with the precision section). */
export const LAG_CHART = "docs/bench/fire-lag-n100.svg";
const CHART_N = 100;

const maxOf = (v) => (v.length ? v.reduce((a, b) => Math.max(a, b), -Infinity) : Number.NaN);
const load1 = () => Math.round(loadavg()[0] * 100) / 100;

/**
 * Waits for the next second boundary (window start t0), measures D seconds of
 * deliveries of `src` and the CPU of `pids()` over [t0, t0 + D s), then waits
 * for late deliveries of window slots (until all N × D have arrived, or none
 * arrived for `quietMs`, at most `drainMaxMs` after the window).
 */
export async function measureWindow({
  receiver,
  src,
  jobIds,
  duration,
  pids,
  drainMaxMs = DRAIN_MAX_MS,
  quietMs = 5_000,
  log = () => {},
}) {
  const t0 = Math.ceil((Date.now() + 200) / 1000) * 1000;
  const t1 = t0 + duration * 1000;
  await sleepUntil(t0);
  const idx0 = receiver.records.length;
  const cpu0 = cpuSnapshot(pids());
  const wall0 = nowMs();
  const loadAtStart = load1();
  log(`window ${new Date(t0).toISOString()} + ${duration} s`);
  await sleepUntil(t1);
  const cpu1 = cpuSnapshot(pids());
  const wall1 = nowMs();
  const idx1 = receiver.records.length;
  const ids = new Set(jobIds);
  const expected = jobIds.length * duration;
  const inWindow = (r) => r.src === src && r.slot >= t0 && r.slot < t1 && ids.has(r.job);
  // The sender is past the window once slots after it arrive; from then on a window
  // slot that has not arrived after `quietMs` without news is taken as missed (a slot
  // may be skipped for good, e.g. by crondo's misfire rule). An overloaded sender that
  // has not reached the end of the window yet is waited for, up to `drainMaxMs`.
  let scan = idx0;
  let pastWindow = false;
  const keys = new Set();
  const scanNew = () => {
    for (; scan < receiver.records.length; scan++) {
      const r = receiver.records[scan];
      if (r.src !== src || !ids.has(r.job)) continue;
      if (r.slot >= t1) pastWindow = true;
      else if (r.slot >= t0) keys.add(`${r.job}|${r.slot}`);
    }
    return keys.size;
  };
  let last = scanNew();
  let lastChange = Date.now();
  while (last < expected) {
    await sleep(250);
    const now = Date.now();
    const d = scanNew();
    if (d !== last) {
      last = d;
      lastChange = now;
    }
    if (now - t1 > drainMaxMs) break;
    if (pastWindow && now - t1 > 2000 && now - lastChange > quietMs) break;
  }
  const drainMs = Date.now() - t1;
  // Every delivery that arrived during the window, whatever its slot: under overload
  // the lag of what arrives says how far behind the sender is.
  const arrivalLags = [];
  for (let i = idx0; i < idx1; i++) {
    const r = receiver.records[i];
    if (r.src === src && ids.has(r.job)) arrivalLags.push(r.at - r.slot);
  }
  const arrivals = arrivalLags.length;
  const records = receiver.records.slice(idx0).filter(inWindow);
  const cpu = cpuDelta(cpu0, cpu1);
  return {
    t0,
    t1,
    duration,
    jobIds,
    records,
    arrivalsInWindow: arrivals,
    arrivalLags,
    wallMs: wall1 - wall0,
    cpu,
    drainMs,
    loadAtStart,
  };
}

/** Lag percentiles, missed slots, duplicates and CPU per delivery of one window. */
export function precisionStats(w) {
  const slots = new Map();
  let malformed = 0;
  for (const r of w.records) {
    if ((r.slot - w.t0) % 1000 !== 0) {
      malformed++;
      continue;
    }
    const key = `${r.job}|${r.slot}`;
    let s = slots.get(key);
    if (!s) {
      s = { slot: r.slot, count: 0, runs: new Set(), first: r.at };
      slots.set(key, s);
    }
    s.count++;
    s.runs.add(r.run);
    if (r.at < s.first) s.first = r.at;
  }
  const lags = [];
  let duplicates = 0;
  let multiRun = 0;
  for (const s of slots.values()) {
    lags.push(s.first - s.slot);
    duplicates += s.count - 1;
    if (s.runs.size > 1) multiRun++;
  }
  const expected = w.jobIds.length * w.duration;
  return {
    n: w.jobIds.length,
    duration: w.duration,
    expected,
    delivered: slots.size,
    deliveries: w.records.length,
    missed: expected - slots.size,
    duplicates,
    multiRun,
    malformed,
    /** Every (job, slot)'s lag, ascending: the distribution the chart draws. */
    lags: lags.sort((a, b) => a - b),
    p50: percentile(lags, 50),
    p95: percentile(lags, 95),
    p99: percentile(lags, 99),
    max: maxOf(lags),
    cpuTotalMs: w.cpu.total,
    cpuByName: w.cpu.byName,
    cpuPerDelivery: w.arrivalsInWindow ? w.cpu.total / w.arrivalsInWindow : Number.NaN,
    cores: w.cpu.total / w.wallMs,
    arrivalsInWindow: w.arrivalsInWindow,
    /** Deliveries per second that arrived during the window, and their lag (any slot). */
    rate: w.arrivalsInWindow / (w.wallMs / 1000),
    arrivalP50: percentile(w.arrivalLags, 50),
    arrivalP99: percentile(w.arrivalLags, 99),
    arrivalMax: maxOf(w.arrivalLags),
    drainMs: w.drainMs,
    loadAtStart: w.loadAtStart,
    window: `${new Date(w.t0).toISOString()} + ${w.duration} s`,
  };
}

// --------------------------------------------------------------- crondo

/** Keys of the precision tenant, in turn (many keys: the per-key limit is 600/min). */
function keyRing(keys) {
  let i = 0;
  return () => keys[i++ % keys.length];
}

/**
 * `fn(i)` for each i in [0, n), `CONCURRENCY` at a time, each retried (any answer but
 * `ok`, also 401 and network errors: the keys are known to be valid) with backoff
 * until `deadline`. Returns the indexes that never succeeded; counts failures in `errors`.
 */
export async function eachWithRetry(n, deadline, errors, label, fn, ok) {
  const failed = [];
  await pool(n, CONCURRENCY, async (i) => {
    for (let attempt = 1; ; attempt++) {
      if (Date.now() > deadline) {
        failed.push(i);
        return;
      }
      const res = await fn(i);
      if (ok(res)) return;
      const k = `${label} ${res.status}`;
      errors[k] = (errors[k] ?? 0) + 1;
      if (Date.now() + 500 * attempt > deadline) {
        failed.push(i);
        return;
      }
      await sleep(Math.min(5000, 500 * attempt));
    }
  });
  return failed;
}

/**
 * Jobs are created paused (`enabled: false`) and then resumed, all through the API, so
 * that creating the last jobs does not compete with the first ones already firing
 * (with N = 1000 that competition alone could take minutes). Resume computes the next
 * slot from now (SPEC §3): every job then fires on the same second boundaries.
 */
async function crondoPhase({
  crondo,
  receiver,
  n,
  duration,
  warmup,
  log,
  setupMaxMs = SETUP_MAX_MS,
}) {
  const nextKey = keyRing(crondo.keys[PRECISION_TENANT]);
  const ids = new Array(n).fill(null);
  const errors = {};
  const createMs = [];
  const deadline = Date.now() + setupMaxMs;
  log(`crondo: creating ${n} paused jobs (${CONCURRENCY} at a time)`);
  const c0 = performance.now();
  await eachWithRetry(
    n,
    deadline,
    errors,
    "create",
    (i) =>
      api(crondo.url, nextKey(), "POST", "/v1/cron/create", {
        name: `precision-${n}-${i}`,
        schedule: SCHEDULE,
        url: `${receiver.url}/crondo/${i}`,
        enabled: false,
      }).then((res) => {
        if (res.status === 201) {
          ids[i] = res.body.data.cron_id;
          createMs.push(res.ms);
        }
        return res;
      }),
    (res) => res.status === 201,
  );
  const created = ids.filter(Boolean);
  const createWall = performance.now() - c0;
  log(`crondo: created ${created.length} jobs in ${fixed(createWall / 1000, 1)} s; resuming`);
  let stats;
  let split;
  let resumeWall = 0;
  let active = [];
  const deleteStats = { wall: 0, left: 0 };
  try {
    const r0 = performance.now();
    const notResumed = new Set(
      await eachWithRetry(
        created.length,
        deadline,
        errors,
        "resume",
        (i) => api(crondo.url, nextKey(), "POST", `/v1/cron/resume/${created[i]}`),
        (res) => res.status === 200,
      ),
    );
    active = created.filter((_, i) => !notResumed.has(i));
    resumeWall = performance.now() - r0;
    log(
      `crondo: resumed ${active.length} jobs in ${fixed(resumeWall / 1000, 1)} s; warm-up ${warmup} s`,
    );
    await sleep(warmup * 1000);
    const w = await measureWindow({
      receiver,
      src: "crondo",
      jobIds: active,
      duration,
      pids: crondo.pids,
      log: (m) => log(`crondo: ${m}`),
    });
    stats = precisionStats(w);
    log(
      `crondo N=${active.length}: p50 ${fixed(stats.p50, 1)} p99 ${fixed(stats.p99, 1)} max ${fixed(stats.max, 1)} ms, missed ${stats.missed}, dup ${stats.duplicates}`,
    );
    split = await historySplit({ crondo, nextKey, ids: active, w, log });
  } finally {
    log(`crondo: deleting ${created.length} jobs`);
    const d0 = performance.now();
    const left = await eachWithRetry(
      created.length,
      Date.now() + DELETE_MAX_MS,
      errors,
      "delete",
      (i) => api(crondo.url, nextKey(), "DELETE", `/v1/cron/delete/${created[i]}`),
      (res) => res.status === 200 || res.status === 404,
    );
    deleteStats.wall = performance.now() - d0;
    deleteStats.left = left.length;
    log(
      `crondo: deleted ${created.length - left.length} jobs in ${fixed(deleteStats.wall / 1000, 1)} s${left.length ? ` (${left.length} not deleted within ${DELETE_MAX_MS / 1000} s: the server is stopped anyway)` : ""}`,
    );
  }
  return {
    ...stats,
    requested: n,
    created: created.length,
    active: active.length,
    createWall,
    createRate: created.length / (createWall / 1000),
    createP50: percentile(createMs, 50),
    createP99: percentile(createMs, 99),
    resumeWall,
    deleteWall: deleteStats.wall,
    deleteLeft: deleteStats.left,
    apiErrors: errors,
    split,
  };
}

/**
 * Reads the run history of a sample of jobs back through runs.list and joins it
 * with the receiver's records by run id, to split each delivery's lag into
 *   send: attempt 1's started_at − slot (with pre-armed firing the request is built
 *         and the run committed before the slot, and this is when the timer let it
 *         go: the lateness of that timer, or of the wake-up when it came too late),
 *   http: arrival at the receiver − attempt 1's started_at (fetch from workerd).
 * Also counts window slots missing from D1 and runs with missed_slots > 0.
 */
async function historySplit({ crondo, nextKey, ids, w, log }) {
  const step = Math.max(1, Math.floor(ids.length / SAMPLE_JOBS));
  const sample = ids.filter((_, i) => i % step === 0).slice(0, SAMPLE_JOBS);
  const arrivals = new Map();
  for (const r of w.records) if (!arrivals.has(r.run)) arrivals.set(r.run, r.at);
  const send = [];
  const http = [];
  const states = {};
  let rows = 0;
  let missedSlots = 0;
  let failedReads = 0;
  const until = Date.now() + 30_000;
  for (const id of sample) {
    if (Date.now() > until) break;
    let cursor = null;
    for (let page = 0; page < 20; page++) {
      const q = `limit=100${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ""}`;
      const res = await api(crondo.url, nextKey(), "GET", `/v1/cron/runs/list/${id}?${q}`);
      if (res.status !== 200) {
        failedReads++;
        break;
      }
      const { items, next_cursor } = res.body.data;
      let older = false;
      for (const run of items) {
        const slot = Date.parse(run.scheduled_for);
        if (slot < w.t0) older = true;
        if (slot < w.t0 || slot >= w.t1 || run.trigger !== "schedule") continue;
        rows++;
        states[run.state] = (states[run.state] ?? 0) + 1;
        if (run.missed_slots > 0) missedSlots++;
        const a1 = run.attempt_log?.[0];
        const a1Start = Date.parse(a1?.started_at ?? run.started_at);
        if (Number.isFinite(a1Start)) send.push(a1Start - slot);
        const at = arrivals.get(run.run_id);
        if (at !== undefined && Number.isFinite(a1Start)) http.push(at - a1Start);
      }
      if (older || !next_cursor) break;
      cursor = next_cursor;
    }
  }
  const q = (v) => ({
    p50: percentile(v, 50),
    p99: percentile(v, 99),
    max: v.length ? Math.max(...v) : Number.NaN,
    n: v.length,
  });
  log(`crondo: read back ${rows} runs of ${sample.length} jobs`);
  return {
    jobs: sample.length,
    expectedRows: sample.length * w.duration,
    rows,
    states,
    missedSlots,
    failedReads,
    send: q(send),
    http: q(http),
  };
}

// --------------------------------------------------------------- BullMQ and floor

async function bullmqPhase({ redis, receiver, n, duration, warmup, log }) {
  log(`BullMQ: ${n} job schedulers, worker concurrency ${n}`);
  const b = await startBullmq({
    redisPort: redis.port,
    receiverUrl: receiver.url,
    n,
    concurrency: n,
    log: (m) => log(`BullMQ: ${m}`),
  });
  let stats;
  try {
    await sleep(warmup * 1000);
    const w = await measureWindow({
      receiver,
      src: "bullmq",
      jobIds: b.jobIds,
      duration,
      pids: () => [...redis.pids(), ...b.pids()],
      log: (m) => log(`BullMQ: ${m}`),
    });
    stats = precisionStats(w);
    log(
      `BullMQ N=${n}: p50 ${fixed(stats.p50, 1)} p99 ${fixed(stats.p99, 1)} max ${fixed(stats.max, 1)} ms, missed ${stats.missed}, dup ${stats.duplicates}`,
    );
  } finally {
    await b.stop();
  }
  return { ...stats, setupMs: b.setupMs, worker: b.workerStats() };
}

/** A sender that starts firing on its own (floor, workerd floor): settle, then one window. */
async function senderPhase({ start, src, label, settleMs, receiver, n, duration, log }) {
  const f = await start({ receiverUrl: receiver.url, n });
  let stats;
  try {
    await sleep(settleMs);
    const w = await measureWindow({
      receiver,
      src,
      jobIds: f.jobIds,
      duration,
      pids: f.pids,
      log: (m) => log(`${label}: ${m}`),
    });
    stats = precisionStats(w);
    log(`${label} N=${n}: p50 ${fixed(stats.p50, 1)} p99 ${fixed(stats.p99, 1)} ms`);
  } finally {
    await f.stop();
  }
  return stats;
}

// --------------------------------------------------------------- report

const ms = (v) => fixed(v, 1);

function resultRow(label, s) {
  if (!s) return [label, "–", "–", "–", "–", "–", "–", "–", "–", "–", "–", "–"];
  const cpuNames = Object.entries(s.cpuByName)
    .filter(([, v]) => v > 0)
    .sort((a, b) => b[1] - a[1])
    .map(([k, v]) => `${k} ${fixed(v / (s.arrivalsInWindow || 1), 2)}`)
    .join(", ");
  return [
    label,
    int(s.delivered),
    int(s.expected),
    int(s.missed),
    int(s.duplicates),
    int(s.multiRun),
    ms(s.p50),
    ms(s.p95),
    ms(s.p99),
    ms(s.max),
    `${fixed(s.cpuPerDelivery, 2)} (${cpuNames || "–"})`,
    fixed(s.cores, 2),
  ];
}

/**
 * The `dofloor` section: the bare Durable Object floor with the alarm at the slot and
 * with early wake, per N, beside crondo of the same run: the gap to the runtime's limit.
 */
export function renderDoFloor({ results, info, command, duration }) {
  const row = (r) => {
    const a = r.dofloor;
    const e = r.dofloorEarly;
    const c = r.crondo?.delivered ? r.crondo : null;
    const t = (x) => (x?.delivered ? `${ms(x.p50)} / ${ms(x.p99)} / ${ms(x.max)}` : "–");
    return [
      int(r.n),
      t(a),
      t(e),
      a?.delivered && e?.delivered ? ms(a.p99 - e.p99) : "–",
      c ? t(c) : "–",
      c && e?.delivered ? ms(c.p99 - e.p99) : "–",
      `${a ? int(a.missed) : "–"} / ${e ? int(e.missed) : "–"}`,
    ];
  };
  return [
    "## Durable Object floor: alarm at the slot vs early wake",
    "",
    `Command: \`${command}\`. Machine: ${machineLine(info)}.`,
    "",
    `The precision section's *workerd floor* (\`scripts/bench/do-floor-worker.js\`: N SQLite-backed Durable Objects on Miniflare's workerd, state on disk, whose alarm persists the slot, arms the next alarm and POSTs to the receiver) in two variants, one after the other in the same run, ${duration} s windows, lag measured at the receiver against \`X-Cron-Scheduled-At\`: **alarm at the slot**, and **early wake** — the alarm set ${EARLY_LEAD_MS} ms before the slot (crondo's \`PRE_ARM_MS\`), the wake-up persists and re-arms, then waits with \`setTimeout\` until the slot's instant and POSTs. The early-wake floor is the limit of this runtime for a scheduler that wakes early; crondo fires that way, so its distance to that floor is crondo's own cost.`,
    "",
    mdTable(
      [
        "N",
        "alarm at the slot p50 / p99 / max ms",
        "early wake p50 / p99 / max ms",
        "p99 gained by early wake ms",
        "crondo p50 / p99 / max ms",
        "crondo p99 − early-wake floor p99 ms",
        "missed (at slot / early)",
      ],
      results.map(row),
    ),
    "",
  ].join("\n");
}

/**
 * Writes the chart to LAG_CHART (`write`) or, for a --no-write run, to the OS temp
 * dir; returns the path, or null without a chart.
 */
export async function writeLagChart(svg, write) {
  if (!svg) return null;
  const file = write ? join(ROOT, LAG_CHART) : join(tmpdir(), "crondo-bench-fire-lag.svg");
  await mkdir(dirname(file), { recursive: true });
  await writeFile(file, svg);
  return file;
}

/** The lag distributions of N = 100 (crondo, BullMQ, the workerd floors) as one SVG, or null. */
export function lagChart({ results, info, duration, command = "npm run bench" }) {
  const r = results.find((x) => x.n === CHART_N);
  if (!r || !(r.crondo || r.bullmq || r.dofloor)) return null;
  return percentileChart({
    title: `Fire lag, N = ${CHART_N} jobs every second, ${duration} s window (same run)`,
    subtitle: `arrival at the receiver − the slot in X-Cron-Scheduled-At; ${info.cores} cores, ${info.date}; ${command}`,
    series: [
      { label: "crondo (wrangler dev, pre-armed)", values: r.crondo?.lags, color: "#e8590c" },
      {
        label: `BullMQ ${r.bullmqVersion ?? ""} + redis`.replace(/\s+/g, " "),
        values: r.bullmq?.lags,
        color: "#1c7ed6",
      },
      { label: "workerd floor (alarm at the slot)", values: r.dofloor?.lags, color: "#495057" },
      {
        label: `workerd floor, early wake (${EARLY_LEAD_MS} ms)`,
        values: r.dofloorEarly?.lags,
        color: "#868e96",
        dash: "6 4",
      },
    ],
    goal: { y: 50, label: "goal: crondo p99 ≤ 50 ms" },
  });
}

export function render({ results, info, command, duration, warmup, chart = true }) {
  const lines = [
    "## Fire precision: N jobs every second, all on the same boundary",
    "",
    `Command: \`${command}\`. Machine: ${machineLine(info)}.`,
    "",
    `Each sender fires N jobs with the schedule \`${SCHEDULE}\` (every second, all on the same second boundary: the worst case) at one receiver on 127.0.0.1 (\`scripts/bench/receiver.mjs\`: answers 200 at once, notes the arrival time when the request's headers are parsed). **Lag** = arrival − the slot in \`X-Cron-Scheduled-At\`, counted once per (job, slot) at its first arrival. The window is ${duration} s starting on a second boundary after a warm-up (crondo and BullMQ: ${warmup} s after the last job was created; floor: 3 s; workerd floors: 5 s); expected = N × ${duration} slots; **missed** = expected − distinct (job, slot) pairs delivered (late arrivals are waited for until all have come or none came for 5 s once the sender was past the window, at most ${DRAIN_MAX_MS / 1000} s after it); **dup deliveries** = deliveries beyond the first of a (job, slot); **>1 run id** = (job, slot) pairs delivered under more than one \`X-Cron-Run-Id\`. **CPU/delivery** = CPU time (utime + stime from \`/proc/<pid>/stat\`) of the sender's processes over the window ÷ deliveries that arrived in the window; **cores** = that CPU time ÷ the window's wall time (the machine has ${info.cores}).`,
    "",
    "- **crondo**: `wrangler dev` (local workerd, local D1/DO state on disk under the OS temp dir, `ALLOW_PRIVATE_TARGETS=true`), a fresh server for each N; jobs created paused through `POST /v1/cron/create` (`enabled: false`, 16 at a time, keys of one tenant in turn), then `POST /v1/cron/resume/{id}` for all (so the first jobs do not fire while the last are still being created), deleted through the API after. CPU: every process of wrangler dev's process group (wrangler's node process, workerd, esbuild).",
    "- **BullMQ**: `Queue.upsertJobScheduler(id, { pattern: '* * * * * *' })` for N schedulers, one `Worker` (concurrency N, in a child process) whose processor POSTs to the receiver; Debian `redis-server` on 127.0.0.1 with `--save '' --appendonly no`. Slot = `job.opts.prevMillis`, which BullMQ sets to the iteration's intended fire time (`JobScheduler.getNextJobOpts`: `prevMillis: nextMillis`, `delay: nextMillis − now`; the job id `repeat:<id>:<nextMillis>` carries the same number and the worker checks that they agree). `job.timestamp` is *not* the fire time: it is when the iteration was created (while the previous one was picked up). CPU: redis-server + the worker process.",
    "- **floor**: one Node process, one `setTimeout` aligned to each second boundary, then N `fetch` calls to the receiver: the timer's lateness + Node's HTTP client + the receiver on this machine, with no scheduler, storage or queue. CPU: that process.",
    "- **workerd floor**: N SQLite-backed Durable Objects on Miniflare's workerd (state on disk under the OS temp dir, like crondo's), whose alarm only persists the slot it fires, arms the next alarm and POSTs to the receiver (`scripts/bench/do-floor-worker.js`): what any scheduler built on local Durable Object alarms pays on this machine before its own code runs. CPU: its node process and workerd.",
    `- **workerd floor, early wake**: the same objects, each alarm set ${EARLY_LEAD_MS} ms before its slot; the wake-up persists the slot and arms the next alarm, then waits with a \`setTimeout\` until the slot's instant and POSTs — crondo's pre-armed firing (\`PRE_ARM_MS\` = ${EARLY_LEAD_MS} in \`src/object/job-object.ts\`) with nothing of crondo: the limit of this runtime for a scheduler that wakes early.`,
    `- **crondo** fires pre-armed: its alarm is set ${PRE_ARM_MS ?? "?"} ms before the slot (\`PRE_ARM_MS\`), the wake-up commits the run and builds and signs the request, and the dispatcher sends it at the slot's instant (\`src/delivery/send.ts\`, \`sendAt\`).`,
    "",
  ];
  for (const r of results) {
    const withChart = chart && r.n === CHART_N && (r.crondo || r.bullmq || r.dofloor);
    lines.push(
      `### N = ${int(r.n)} (${duration} s window)`,
      "",
      ...(withChart
        ? [
            `![Fire lag by percentile at N = ${CHART_N}: crondo, BullMQ and the workerd floors of the same run](${LAG_CHART})`,
            "",
            `The chart (\`${LAG_CHART}\`, drawn by \`scripts/bench/svg-chart.mjs\` from this run's samples): lag by percentile of the window's slots, one curve per sender; the dots are the p99s.`,
            "",
          ]
        : []),
      mdTable(
        [
          "sender",
          "delivered",
          "expected",
          "missed",
          "dup deliveries",
          ">1 run id",
          "p50 ms",
          "p95 ms",
          "p99 ms",
          "max ms",
          "CPU ms/delivery (by process)",
          "cores",
        ],
        [
          resultRow("floor (Node timer)", r.floor),
          resultRow("workerd floor (DO alarm)", r.dofloor),
          resultRow(`workerd floor, early wake (${EARLY_LEAD_MS} ms)`, r.dofloorEarly),
          resultRow("crondo (wrangler dev)", r.crondo),
          resultRow(`BullMQ ${r.bullmqVersion ?? ""} + redis ${r.redisVersion ?? ""}`, r.bullmq),
        ],
      ),
      "",
      `Throughput during the window (every delivery that arrived while the window ran, whatever its slot: under overload this shows how far behind a sender is; expected ${int(r.n)}/s):`,
      "",
      mdTable(
        ["sender", "arrived/s", "lag p50 ms", "lag p99 ms", "lag max ms"],
        [
          ["floor (Node timer)", r.floor],
          ["workerd floor (DO alarm)", r.dofloor],
          [`workerd floor, early wake (${EARLY_LEAD_MS} ms)`, r.dofloorEarly],
          ["crondo (wrangler dev)", r.crondo],
          ["BullMQ", r.bullmq],
        ].map(([label, x]) =>
          x
            ? [label, fixed(x.rate, 0), ms(x.arrivalP50), ms(x.arrivalP99), ms(x.arrivalMax)]
            : [label, "–", "–", "–", "–"],
        ),
      ),
      "",
    );
    const notes = [];
    if (r.crondo && r.crondo.delivered === 0) {
      notes.push(
        `crondo delivered no slot of the window within ${DRAIN_MAX_MS / 1000} s after it: what arrived during the window (table above) was that far behind.`,
      );
    } else if (r.crondo && r.bullmq) {
      notes.push(
        `crondo p99 / BullMQ p99 = ${fixed(r.crondo.p99 / r.bullmq.p99, 2)} (${ms(r.crondo.p99)} / ${ms(r.bullmq.p99)} ms).`,
      );
    }
    if (r.crondo && r.floor && r.crondo.delivered > 0) {
      notes.push(`crondo p99 − floor p99 = ${ms(r.crondo.p99 - r.floor.p99)} ms.`);
    }
    if (r.dofloor?.delivered > 0 && r.dofloorEarly?.delivered > 0) {
      notes.push(
        `Early wake on the bare Durable Object: p99 ${ms(r.dofloor.p99)} → ${ms(r.dofloorEarly.p99)} ms (p50 ${ms(r.dofloor.p50)} → ${ms(r.dofloorEarly.p50)} ms): what waking ${EARLY_LEAD_MS} ms ahead and sending on a timer changes on this runtime before any scheduler code runs (a stall of the machine during one of the two windows shows in its p99 and max).`,
      );
    }
    for (const [label, f] of [
      ["workerd floor", r.dofloor],
      ["workerd floor with early wake", r.dofloorEarly],
    ]) {
      if (r.crondo?.delivered > 0 && f?.delivered > 0) {
        notes.push(
          `crondo p99 − ${label} p99 = ${ms(r.crondo.p99 - f.p99)} ms (crondo ${ms(r.crondo.p99)}, ${label} ${ms(f.p99)}).`,
        );
      }
    }
    const c = r.crondo;
    if (c) {
      notes.push(
        `crondo set-up: ${int(c.created)} of ${int(c.requested)} paused jobs created in ${fixed(c.createWall / 1000, 1)} s (${fixed(c.createRate, 0)}/s, create p50 ${ms(c.createP50)} ms, p99 ${ms(c.createP99)} ms), ${int(c.active)} resumed in ${fixed(c.resumeWall / 1000, 1)} s${c.active < c.requested ? ` (**only ${int(c.active)} of ${int(c.requested)} jobs were active: the figures above are for them**)` : ""}; deleted in ${fixed(c.deleteWall / 1000, 1)} s${c.deleteLeft ? ` (${c.deleteLeft} not deleted within ${DELETE_MAX_MS / 1000} s; the server was stopped)` : ""}. ${
          Object.keys(c.apiErrors).length
            ? `API errors, each retried: ${Object.entries(c.apiErrors)
                .map(([k, v]) => `${k} × ${v}`)
                .join(", ")}. `
            : ""
        }Load average at window start ${c.loadAtStart}.`,
      );
      const s = c.split;
      if (s) {
        const states = Object.entries(s.states)
          .map(([k, v]) => `${k} ${v}`)
          .join(", ");
        notes.push(
          `Where crondo's lag goes (run history of ${s.jobs} sampled jobs read back with \`runs.list\` and joined by run id; workerd's clock, 1 ms resolution): **send** (attempt 1 \`started_at\` − slot: the run was committed and its request signed when the pre-armed alarm woke, ${EARLY_LEAD_MS} ms early; this is when the request was let go — the timer's lateness, or a wake-up that came after the slot) p50 ${ms(s.send.p50)} / p99 ${ms(s.send.p99)} / max ${ms(s.send.max)} ms; **http** (arrival at the receiver − attempt 1 \`started_at\`: workerd's fetch) p50 ${ms(s.http.p50)} / p99 ${ms(s.http.p99)} / max ${ms(s.http.max)} ms. History rows for the window: ${int(s.rows)} of ${int(s.expectedRows)} expected (${states || "none"}); runs with \`missed_slots\` > 0: ${s.missedSlots}.`,
        );
      }
    }
    const b = r.bullmq;
    if (b) {
      notes.push(
        `BullMQ set-up: ${int(r.n)} schedulers in ${fixed(b.setupMs / 1000, 2)} s; worker: ${b.worker ? `${int(b.worker.processed)} processed, ${b.worker.failed} failed, ${b.worker.slotMismatch} slot mismatches (prevMillis vs job id)` : "no stats"}; load average at window start ${b.loadAtStart}.`,
      );
    }
    if (r.floor) notes.push(`Floor: load average at window start ${r.floor.loadAtStart}.`);
    if (r.dofloor) {
      notes.push(`workerd floor: load average at window start ${r.dofloor.loadAtStart}.`);
    }
    if (r.dofloorEarly) {
      notes.push(
        `workerd floor, early wake: load average at window start ${r.dofloorEarly.loadAtStart}.`,
      );
    }
    for (const [name, msg] of Object.entries(r.errors ?? {})) {
      notes.push(`**${name} crashed**: ${msg.split("\n")[0].slice(0, 300)}`);
    }
    lines.push(...notes.map((n) => `- ${n}`), "");
  }
  return lines.join("\n");
}

/**
 * Measures every N in `ns`: floor, crondo, BullMQ in turn. Needs a running receiver
 * and `startServer()` (a new crondo with keys of PRECISION_TENANT, see crondo-dev.mjs);
 * starts its own redis-server unless one is given. Returns `{ results, markdown }`.
 */
export async function run({
  startServer,
  receiver,
  redis,
  ns = [100, 1000],
  duration = 30,
  warmup = 10,
  skipBullmq = false,
  skipFloor = false,
  skipDoFloor = false,
  skipCrondo = false,
  info = machineInfo(),
  command = "npm run bench",
  log = (m) => console.error(`[precision] ${m}`),
}) {
  let ownRedis;
  const results = [];
  let bullmqVersion;
  try {
    if (!skipBullmq) {
      if (!redis) {
        ownRedis = await startRedis({ log });
        redis = ownRedis;
      }
      const { createRequire } = await import("node:module");
      bullmqVersion = createRequire(import.meta.url)("bullmq/package.json").version;
    }
    for (const n of ns) {
      const r = { n, bullmqVersion, redisVersion: redis?.version };
      results.push(r);
      r.errors = {};
      // One phase crashing does not lose the others: its error is reported instead.
      const phase = async (name, fn) => {
        receiver.records.length = 0;
        try {
          r[name] = await fn();
        } catch (e) {
          r.errors[name] = e?.message ?? String(e);
          log(`${name} N=${n} crashed: ${e?.stack ?? e}`);
        }
        receiver.records.length = 0;
      };
      const sender = { receiver, n, duration, log };
      if (!skipFloor) {
        await phase("floor", () =>
          senderPhase({
            ...sender,
            start: startFloor,
            src: "floor",
            label: "floor",
            settleMs: 3000,
          }),
        );
      }
      if (!skipDoFloor) {
        await phase("dofloor", () =>
          senderPhase({
            ...sender,
            start: startDoFloor,
            src: "dofloor",
            label: "workerd floor",
            settleMs: 5000,
          }),
        );
        await phase("dofloorEarly", () =>
          senderPhase({
            ...sender,
            start: (o) => startDoFloor({ ...o, lead: EARLY_LEAD_MS, prefix: "dofloorearly" }),
            src: "dofloorearly",
            label: "workerd floor, early wake",
            settleMs: 5000,
          }),
        );
      }
      // A fresh wrangler dev per N: nothing left over from the previous N (its alarms,
      // its history), and a server that N = 1000 overloaded is not reused.
      if (!skipCrondo)
        await phase("crondo", async () => {
          const crondo = await startServer();
          try {
            return await crondoPhase({ crondo, receiver, n, duration, warmup, log });
          } finally {
            await crondo.cleanup();
          }
        });
      if (!skipBullmq) {
        await phase("bullmq", () => bullmqPhase({ redis, receiver, n, duration, warmup, log }));
      }
    }
  } finally {
    await ownRedis?.stop();
  }
  const crashed = results.some((r) => Object.keys(r.errors ?? {}).length > 0);
  const svg = lagChart({ results, info, duration, command });
  return {
    results,
    crashed,
    svg,
    markdown: render({ results, info, command, duration, warmup, chart: svg !== null }),
  };
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  const { values } = parseArgs({
    options: {
      n: { type: "string", default: "100,1000" },
      duration: { type: "string", default: "30" },
      warmup: { type: "string", default: "10" },
      "no-write": { type: "boolean", default: false },
      "skip-bullmq": { type: "boolean", default: false },
      "skip-floor": { type: "boolean", default: false },
      "skip-do-floor": { type: "boolean", default: false },
      "state-dir": { type: "string" },
    },
  });
  const info = machineInfo();
  const keys = { [PRECISION_TENANT]: 32 };
  await standalone(
    { startReceiver, keys, stateDir: values["state-dir"] },
    async ({ startServer, receiver }) => {
      const { markdown, svg } = await run({
        startServer,
        receiver,
        ns: values.n.split(",").map(Number),
        duration: Number(values.duration),
        warmup: Number(values.warmup),
        skipBullmq: values["skip-bullmq"],
        skipFloor: values["skip-floor"],
        skipDoFloor: values["skip-do-floor"],
        info,
        command: `node scripts/bench/precision.mjs ${process.argv.slice(2).join(" ")}`.trim(),
      });
      console.log(markdown);
      const chartPath = await writeLagChart(svg, !values["no-write"]);
      if (chartPath) console.error(`[precision] chart: ${chartPath}`);
      if (!values["no-write"]) await writeSection(BENCHMARKS_FILE, "precision", markdown);
    },
  );
}
