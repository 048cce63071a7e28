// Overload: N jobs every second (`* * * * * *`, the defaults: overlap_policy allow,
// max_concurrency 10) whose target holds every request 25 s (the receiver's
// `?hold=25000`), so each job reaches its max_concurrency within seconds and most
// slots are then skipped (SPEC §6). While that load runs (a bounded window, default
// 45 s), API clients measure rounds of create + get + list + runs.list + pause +
// resume. Reported per N: API latency, 5xx answers, failed creates and pauses, the
// most requests in flight per job seen at the receiver, and what became of every slot
// of the window (reached the target, recorded skipped, recorded but never arrived,
// or missed: no record at all).
//
//   node scripts/bench/overload.mjs [--n 300,1000] [--duration 45] [--no-write]
// Standalone it starts its own receiver and wrangler dev (a fresh one per N) and
// writes the `overload` section of BENCHMARKS.md; scripts/bench/run.mjs calls `run()`.
// All traffic goes to 127.0.0.1; every phase is bounded in time; the server of each N
// is stopped (and its state removed) whatever happens, which also ends its jobs.
import { loadavg } from "node:os";
import { pathToFileURL } from "node:url";
import { parseArgs } from "node:util";
import { api, cpuDelta, cpuSnapshot, pool, standalone } from "./crondo-dev.mjs";
import {
  BENCHMARKS_FILE,
  fixed,
  int,
  machineInfo,
  machineLine,
  mdTable,
  percentile,
  writeSection,
} from "./lib.mjs";
import { eachWithRetry } from "./precision.mjs";
import { startReceiver } from "./receiver.mjs";

export const OVERLOAD_TENANT = "bench-overload";
/** Keys of the tenant, used in turn (the per-key limit is 600/min). */
export const OVERLOAD_KEYS = 64;
/** The error of an attempt refused by the isolate's bound (src/delivery/capacity.ts). */
const GATE_REFUSED = /^not sent: crondo already has \d+ requests in flight/;
const SCHEDULE = "* * * * * *";
const HOLD_MS = 25_000;
/** The job defaults the load runs with (SPEC §6); the report checks against them. */
const DEFAULT_MAX_CONCURRENCY = 10;
const API_CLIENTS = 4;
const SETUP_MAX_MS = 120_000;
const PAUSE_MAX_MS = 90_000;
const READ_MAX_MS = 90_000;
const SRC = "overload";
/**
 * After the window the load goes on this long before the jobs are paused, so that a
 * late wake-up of the window's last slots is not cut short by the pause.
 */
const GRACE_MS = 5_000;

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const sleepUntil = async (t) => {
  for (let d = t - Date.now(); d > 0; d = t - Date.now()) await sleep(Math.min(d, 1000));
};
const load1 = () => Math.round(loadavg()[0] * 100) / 100;
const q = (v) => ({ n: v.length, p50: percentile(v, 50), p99: percentile(v, 99) });

function keyRing(keys) {
  let i = 0;
  return () => keys[i++ % keys.length];
}

/** Counts an answer: `statuses[label status]`, and whether it was a 5xx or no answer. */
function tally(stats, label, res) {
  const k = `${label} ${res.status}`;
  stats.statuses[k] = (stats.statuses[k] ?? 0) + 1;
  if (res.status >= 500) stats.fiveXX++;
  if (res.status === 0) stats.noAnswer++;
}

/**
 * API clients in loops until `until`: each round creates a paused-never-firing job
 * (yearly schedule), gets and lists, reads a loaded job's runs, then pauses and
 * resumes the job it created. Latencies are per operation and per round.
 */
async function probe({ crondo, receiver, nextKey, loadIds, until }) {
  const ops = { create: [], get: [], list: [], "runs.list": [], pause: [], resume: [] };
  const reads = [];
  const pairs = [];
  const stats = { statuses: {}, fiveXX: 0, noAnswer: 0, rounds: 0, failed: {}, pairsTried: 0 };
  const fail = (op) => {
    stats.failed[op] = (stats.failed[op] ?? 0) + 1;
  };
  const call = async (op, method, path, body, want) => {
    const res = await api(crondo.url, nextKey(), method, path, body);
    tally(stats, op, res);
    if (res.status === want) ops[op].push(res.ms);
    else fail(op);
    return res;
  };
  const pick = () => loadIds[Math.floor(Math.random() * loadIds.length)];
  let made = 0;
  await Promise.all(
    Array.from({ length: API_CLIENTS }, async () => {
      while (Date.now() < until) {
        const k = made++;
        const c = await call(
          "create",
          "POST",
          "/v1/cron/create",
          {
            name: `overload-probe-${k}`,
            schedule: "0 0 1 1 *",
            url: `${receiver.url}/probe/${k}`,
          },
          201,
        );
        const g = await call("get", "GET", `/v1/cron/get/${pick()}`, undefined, 200);
        const l = await call("list", "GET", "/v1/cron/list?limit=20", undefined, 200);
        const r = await call(
          "runs.list",
          "GET",
          `/v1/cron/runs/list/${pick()}?limit=20`,
          undefined,
          200,
        );
        if (g.status === 200 && l.status === 200 && r.status === 200) {
          reads.push(g.ms + l.ms + r.ms);
        }
        const id = c.status === 201 ? c.body?.data?.cron_id : null;
        if (id) {
          stats.pairsTried++;
          const p = await call("pause", "POST", `/v1/cron/pause/${id}`, undefined, 200);
          const s = await call("resume", "POST", `/v1/cron/resume/${id}`, undefined, 200);
          if (p.status === 200 && s.status === 200) pairs.push(p.ms + s.ms);
        }
        stats.rounds++;
        // An API that fails at once must not turn the probe into a flood.
        if (g.status === 0 || g.status >= 500) await sleep(200);
      }
    }),
  );
  const byOp = Object.fromEntries(Object.entries(ops).map(([k, v]) => [k, q(v)]));
  return { ...stats, byOp, reads: q(reads), pairs: q(pairs), made };
}

/** How far before the window runs are read back (their missed_slots may reach into it). */
const FOLD_MARGIN_MS = 60_000;

/**
 * The slots one job's runs count in missed_slots (SPEC §5): a run for slot S with
 * missed_slots m counts the m latest slots before S that have no run of their own and
 * that no later-walked run counted already — the slots that passed unfired since the
 * last one decided. `bySlot`: schedule runs by slot (ms); every-second slots.
 */
export function foldedSlots(bySlot) {
  const folded = new Set();
  const runs = [...bySlot.values()]
    .flat()
    .filter((r) => r.missed_slots > 0)
    .sort((a, b) => Date.parse(a.scheduled_for) - Date.parse(b.scheduled_for));
  for (const run of runs) {
    let left = run.missed_slots;
    const from = Date.parse(run.scheduled_for);
    for (let t = from - 1000; left > 0 && t > from - 3_600_000; t -= 1000) {
      if (bySlot.has(t) || folded.has(t)) continue;
      folded.add(t);
      left--;
    }
  }
  return folded;
}

/**
 * Reads every job's schedule runs back (runs.list, newest first, until a page reaches
 * slots more than FOLD_MARGIN_MS before the window), bounded by READ_MAX_MS. Returns
 * per job its rows by slot, from FOLD_MARGIN_MS before the window on.
 */
async function readHistory({ crondo, nextKey, ids, t0, stats }) {
  const rows = new Map();
  const until = Date.now() + READ_MAX_MS;
  let read = 0;
  await pool(ids.length, 8, async (i) => {
    if (Date.now() > until) return;
    const id = ids[i];
    const bySlot = new Map();
    let cursor = null;
    for (let page = 0; page < 10; page++) {
      const qs = `limit=100${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ""}`;
      const res = await api(crondo.url, nextKey(), "GET", `/v1/cron/runs/list/${id}?${qs}`);
      tally(stats, "runs.list (read-back)", res);
      if (res.status !== 200) {
        if (Date.now() > until) return;
        await sleep(500);
        page--;
        continue;
      }
      const { items, next_cursor } = res.body.data;
      let older = false;
      for (const run of items) {
        if (run.trigger !== "schedule") continue;
        const slot = Date.parse(run.scheduled_for);
        // A run up to a minute before the window is kept: the slots it folds into its
        // missed_slots are walked back from it (foldedSlots).
        if (slot < t0 - FOLD_MARGIN_MS) {
          older = true;
          continue;
        }
        const list = bySlot.get(slot) ?? [];
        list.push(run);
        bySlot.set(slot, list);
      }
      if (older || !next_cursor) break;
      cursor = next_cursor;
    }
    rows.set(id, bySlot);
    read++;
  });
  return { rows, read };
}

/** Re-reading the history of jobs with missing slots: every RELOOK_MS, for at most RELOOK_MAX_MS. */
const RELOOK_MS = 15_000;
const RELOOK_MAX_MS = 90_000;

/**
 * Every slot of the window [t0, t1) of every job read back, by what became of it: the
 * receiver's arrivals (`reached`: job → Set of slots) and each job's schedule runs by
 * slot (`rows`: job → Map slot → runs).
 */
function accountSlots({ rows, reached, t0, t1, duration }) {
  const slots = {
    expected: 0,
    reached: 0,
    skipped: {},
    recordedNotReached: 0,
    /** Failed unsent: the isolate's MAX_REQUESTS_IN_FLIGHT was reached (capacity.ts). */
    refused: 0,
    missed: 0,
    /** Jobs with a missed slot. */
    missedJobs: new Set(),
    /** Missed slots by their second in the window (where in the window they fall). */
    missedAt: new Array(duration).fill(0),
    /** Runs of the window whose missed_slots > 0 (the misfire rule), and their sum. */
    misfireRuns: 0,
    misfireSlots: 0,
    /** Slots of the window without a run of their own that a run counts (foldedSlots). */
    folded: 0,
  };
  for (const [id, bySlot] of rows) {
    const got = reached.get(id) ?? new Set();
    const folded = foldedSlots(bySlot);
    for (const [slot, runs] of bySlot) {
      if (slot < t0 || slot >= t1) continue;
      for (const run of runs) {
        if (run.missed_slots > 0) {
          slots.misfireRuns++;
          slots.misfireSlots += run.missed_slots;
        }
      }
    }
    for (let t = t0; t < t1; t += 1000) {
      slots.expected++;
      const runs = bySlot.get(t) ?? [];
      if (got.has(t)) slots.reached++;
      else if (runs.some((r) => r.state === "skipped")) {
        const reason = runs.find((r) => r.state === "skipped").skip_reason ?? "none";
        slots.skipped[reason] = (slots.skipped[reason] ?? 0) + 1;
      } else if (runs.some((r) => r.state === "failed" && GATE_REFUSED.test(r.error ?? "")))
        slots.refused++;
      else if (runs.length) slots.recordedNotReached++;
      else if (folded.has(t)) slots.folded++;
      else {
        slots.missed++;
        slots.missedJobs.add(id);
        slots.missedAt[(t - t0) / 1000]++;
      }
    }
  }
  return slots;
}

async function overloadPhase({ crondo, receiver, n, duration, log }) {
  const nextKey = keyRing(crondo.keys[OVERLOAD_TENANT]);
  const setup = { statuses: {}, fiveXX: 0, noAnswer: 0 };
  const ids = new Array(n).fill(null);
  const createErrors = {};
  const deadline = Date.now() + SETUP_MAX_MS;
  log(`N=${n}: creating ${n} paused jobs`);
  const c0 = performance.now();
  const notCreated = await eachWithRetry(
    n,
    deadline,
    createErrors,
    "create",
    (i) =>
      api(crondo.url, nextKey(), "POST", "/v1/cron/create", {
        name: `overload-${n}-${i}`,
        schedule: SCHEDULE,
        url: `${receiver.url}/${SRC}/${i}?hold=${HOLD_MS}`,
        enabled: false,
      }).then((res) => {
        tally(setup, "create", res);
        if (res.status === 201) ids[i] = res.body.data.cron_id;
        return res;
      }),
    (res) => res.status === 201,
  );
  const created = ids.filter(Boolean);
  const createWall = performance.now() - c0;
  log(`N=${n}: created ${created.length} in ${fixed(createWall / 1000, 1)} s; resuming`);
  const resumeErrors = {};
  const r0 = performance.now();
  const notResumed = new Set(
    await eachWithRetry(
      created.length,
      deadline,
      resumeErrors,
      "resume",
      (i) =>
        api(crondo.url, nextKey(), "POST", `/v1/cron/resume/${created[i]}`).then((res) => {
          tally(setup, "resume", res);
          return res;
        }),
      (res) => res.status === 200,
    ),
  );
  const active = created.filter((_, i) => !notResumed.has(i));
  const resumeWall = performance.now() - r0;
  log(`N=${n}: ${active.length} active after ${fixed(resumeWall / 1000, 1)} s; load ${duration} s`);

  // The window: whole seconds from the next boundary; every active job has been
  // resumed before it, so each owes one slot per second of it.
  const t0 = Math.ceil((Date.now() + 200) / 1000) * 1000;
  const t1 = t0 + duration * 1000;
  await sleepUntil(t0);
  const loadAtStart = load1();
  const cpu0 = cpuSnapshot(crondo.pids());
  const w0 = performance.now();
  const api0 = await probe({ crondo, receiver, nextKey, loadIds: active, until: t1 });
  await sleepUntil(t1);
  const cpu = cpuDelta(cpu0, cpuSnapshot(crondo.pids()));
  const wallMs = performance.now() - w0;
  const inFlightAtEnd = receiver.inFlight();
  await sleep(GRACE_MS);
  log(
    `N=${n}: API rounds ${api0.rounds}, reads p99 ${fixed(api0.reads.p99, 1)} ms, 5xx ${api0.fiveXX}; in flight now ${inFlightAtEnd.now}`,
  );

  // Stop the load: pause every job (bounded), which also shows whether pauses
  // still succeed under it. Runs in progress finish by themselves (25 s).
  const pauseStats = { statuses: {}, fiveXX: 0, noAnswer: 0 };
  const pauseErrors = {};
  const p0 = performance.now();
  const notPaused = await eachWithRetry(
    active.length,
    Date.now() + PAUSE_MAX_MS,
    pauseErrors,
    "pause",
    (i) =>
      api(crondo.url, nextKey(), "POST", `/v1/cron/pause/${active[i]}`).then((res) => {
        tally(pauseStats, "pause", res);
        return res;
      }),
    (res) => res.status === 200,
  );
  const pauseWall = performance.now() - p0;
  log(`N=${n}: paused ${active.length - notPaused.length} in ${fixed(pauseWall / 1000, 1)} s`);

  // The receiver's view of the window's slots (late arrivals of window slots included).
  const ids1 = new Set(active);
  const reached = new Map(); // job → Set of slots
  for (const r of receiver.records) {
    if (r.src !== SRC || !ids1.has(r.job) || !(r.slot >= t0 && r.slot < t1)) continue;
    const s = reached.get(r.job) ?? new Set();
    s.add(r.slot);
    reached.set(r.job, s);
  }
  let maxPerJob = 0;
  let jobsOverLimit = 0;
  for (const id of active) {
    const m = receiver.maxInFlight.get(`${SRC}|${id}`) ?? 0;
    if (m > maxPerJob) maxPerJob = m;
    if (m > DEFAULT_MAX_CONCURRENCY) jobsOverLimit++;
  }
  const readStats = { statuses: {}, fiveXX: 0, noAnswer: 0 };
  const h0 = performance.now();
  const history = await readHistory({ crondo, nextKey, ids: active, t0, stats: readStats });
  const readWall = performance.now() - h0;
  log(`N=${n}: read back the runs of ${history.read} of ${active.length} jobs`);

  // Every slot of the window, by what became of it. Under this load the history queue's
  // consumer runs behind: a row the object no longer holds for reads (RECENT_MS) may
  // not have landed yet when it is read back. So the jobs with slots missing are read
  // again, every RELOOK_MS until nothing more lands (at most RELOOK_MAX_MS): what
  // appears then was recorded late, not lost.
  const all = { expected: active.length * duration, reached: 0 };
  for (const id of active) all.reached += reached.get(id)?.size ?? 0;
  let slots = accountSlots({ rows: history.rows, reached, t0, t1, duration });
  const firstMissed = slots.missed;
  for (let waited = 0; slots.missed > 0 && waited < RELOOK_MAX_MS; waited += RELOOK_MS) {
    await sleep(RELOOK_MS);
    const again = await readHistory({
      crondo,
      nextKey,
      ids: [...slots.missedJobs],
      t0,
      stats: readStats,
    });
    for (const [id, bySlot] of again.rows) history.rows.set(id, bySlot);
    const before = slots.missed;
    slots = accountSlots({ rows: history.rows, reached, t0, t1, duration });
    log(
      `N=${n}: read again after ${(waited + RELOOK_MS) / 1000} s: missed ${before} → ${slots.missed}`,
    );
    if (slots.missed === before) break;
  }
  slots.firstMissed = firstMissed;
  const fiveXX = setup.fiveXX + api0.fiveXX + pauseStats.fiveXX + readStats.fiveXX;
  return {
    n,
    duration,
    created: created.length,
    notCreated: notCreated.length,
    createErrors,
    createWall,
    active: active.length,
    resumeErrors,
    resumeWall,
    loadAtStart,
    cores: cpu.total / wallMs,
    cpuByName: cpu.byName,
    api: api0,
    inFlightMax: receiver.inFlight().max,
    inFlightAtEnd: inFlightAtEnd.now,
    maxPerJob,
    jobsOverLimit,
    notPaused: notPaused.length,
    pauseErrors,
    pauseWall,
    historyRead: history.read,
    readWall,
    slots,
    all,
    fiveXX: { total: fiveXX, setup: setup.fiveXX, load: api0.fiveXX, pause: pauseStats.fiveXX },
    setupStatuses: setup.statuses,
  };
}

// --------------------------------------------------------------- report

const ms = (v) => fixed(v, 1);
const pct = (a, b) => (b ? `${fixed((100 * a) / b, 1)} %` : "–");
const list = (o) =>
  Object.entries(o)
    .map(([k, v]) => `${k} × ${int(v)}`)
    .join(", ") || "none";

function render({ results, info, command, duration }) {
  const lines = [
    "## Overload: N jobs every second against a target that holds each request 25 s",
    "",
    `Command: \`${command}\`. Machine: ${machineLine(info)}.`,
    "",
    `For each N a fresh \`wrangler dev\`; N jobs \`${SCHEDULE}\` with the defaults (\`overlap_policy: "allow"\`, \`max_concurrency\` ${DEFAULT_MAX_CONCURRENCY}), created paused and then resumed through the API, target \`scripts/bench/receiver.mjs\` on 127.0.0.1 with \`?hold=${HOLD_MS}\` (it answers 200 after ${HOLD_MS / 1000} s; the job timeout is 30 s). Each job thus has ${DEFAULT_MAX_CONCURRENCY} requests in flight within ${DEFAULT_MAX_CONCURRENCY} s, and from then on a slot can start only when one of them ends: about ${DEFAULT_MAX_CONCURRENCY} of every ${HOLD_MS / 1000} slots reach the target, the others are recorded \`skipped\` (\`skip_reason: "concurrency_limit"\`). Measured over a window of ${duration} s starting on the first second boundary after the last job was resumed:`,
    "",
    `- **API**: ${API_CLIENTS} clients in loops (keys of one tenant in turn, ${OVERLOAD_KEYS} keys: the per-key limit is not what is measured), each round **create** a job (yearly, never fires) → **get** a loaded job → **list** (\`limit=20\`) → **runs.list** of a loaded job (\`limit=20\`) → **pause** and **resume** the job it created. *Reads* = get + list + runs.list of one round, summed; *pair* = pause + resume.`,
    "- **5xx**: every API answer ≥ 500 (set-up, load, the pause of all jobs after it, the read-back of the history); no answer at all (network error, 30 s client timeout) is counted apart.",
    `- **In flight per job**: requests of one job that had arrived at the receiver and not yet been answered, the most at any moment (the rule: never more than max_concurrency = ${DEFAULT_MAX_CONCURRENCY}).`,
    "- **Slots**: each (job, slot) of the window, by what became of it: *reached the target* (arrived at the receiver, any time before the count), *skipped* (a history row `skipped`, by `skip_reason`), *refused by MAX_REQUESTS_IN_FLIGHT* (a run `failed` unsent: the requests in flight across all jobs were at their cap, README “Under overload”), *recorded, not arrived* (a run row but no arrival), *counted in missed_slots* (no row of its own, but counted by a run of the job, in or after the window: a wake-up so late that the misfire rule folded the slot into that run's `missed_slots`; each run's count is matched to the latest slots before it without a run of their own), *missed* (neither: lost). The history queue's consumer runs behind under this load, so a row may land after the first read-back: the jobs with missing slots are read again every " +
      `${RELOOK_MS / 1000} s (at most ${RELOOK_MAX_MS / 1000} s)` +
      " until nothing more lands, and a slot whose row appears then counts as recorded (the table says how many). From the receiver's records and every job's `runs.list` read back after all jobs were paused.",
    "",
  ];
  const rows = [];
  for (const r of results) {
    if (r.error) {
      rows.push([int(r.n), `crashed: ${r.error.split("\n")[0].slice(0, 200)}`]);
      continue;
    }
    const s = r.slots;
    const a = r.api;
    rows.push([
      int(r.n),
      `${int(r.active)} of ${int(r.n)} active`,
      `${int(a.rounds)} rounds; reads p50 ${ms(a.reads.p50)} / p99 ${ms(a.reads.p99)} ms; pair p50 ${ms(a.pairs.p50)} / p99 ${ms(a.pairs.p99)} ms`,
      `${int(r.fiveXX.total)} (set-up ${r.fiveXX.setup}, load ${r.fiveXX.load}, pause-all ${r.fiveXX.pause})`,
      `${r.maxPerJob} (${r.jobsOverLimit} jobs above ${DEFAULT_MAX_CONCURRENCY}); all jobs: ${int(r.inFlightMax)}`,
      `set-up ${int(r.notCreated)} of ${int(r.n)} (errors ${list(r.createErrors)}); load ${int(a.failed.create ?? 0)} of ${int(a.made)}`,
      `load: pause ${int(a.failed.pause ?? 0)}, resume ${int(a.failed.resume ?? 0)} of ${int(a.pairsTried)} pairs; pause-all ${int(r.notPaused)} of ${int(r.active)} not paused (errors ${list(r.pauseErrors)})`,
      `${int(s.reached)} reached (${pct(s.reached, s.expected)}), ${int(Object.values(s.skipped).reduce((x, y) => x + y, 0))} skipped (${list(s.skipped)}), ${int(s.refused)} refused by MAX_REQUESTS_IN_FLIGHT, ${int(s.recordedNotReached)} recorded not arrived, ${int(s.folded)} counted in missed_slots, **${int(s.missed)} missed** — of ${int(s.expected)}${s.firstMissed > s.missed ? ` (at the first read-back ${int(s.firstMissed)} had no row yet: ${int(s.firstMissed - s.missed)} landed later)` : ""}`,
    ]);
  }
  lines.push(
    mdTable(
      [
        "N",
        "jobs",
        "API under load",
        "5xx",
        "max in flight per job",
        "creates failed",
        "pauses failed",
        "slots of the window",
      ],
      rows,
      ["r", "l", "l", "l", "l", "l", "l", "l"],
    ),
    "",
  );
  for (const r of results) {
    if (r.error) continue;
    const a = r.api;
    lines.push(
      `### N = ${int(r.n)}`,
      "",
      mdTable(
        ["operation", "ok", "p50 ms", "p99 ms"],
        [
          ...Object.entries(a.byOp).map(([k, v]) => [k, int(v.n), ms(v.p50), ms(v.p99)]),
          ["reads (get + list + runs.list)", int(a.reads.n), ms(a.reads.p50), ms(a.reads.p99)],
          ["pair (pause + resume)", int(a.pairs.n), ms(a.pairs.p50), ms(a.pairs.p99)],
        ],
      ),
      "",
      `- Set-up: ${int(r.created)} jobs created in ${fixed(r.createWall / 1000, 1)} s, ${int(r.active)} resumed in ${fixed(r.resumeWall / 1000, 1)} s (resume errors, each retried: ${list(r.resumeErrors)}). Load average at window start ${r.loadAtStart}; wrangler dev used ${fixed(r.cores, 2)} cores over the window (${Object.entries(
        r.cpuByName,
      )
        .filter(([, v]) => v > 0)
        .sort((x, y) => y[1] - x[1])
        .map(([k, v]) => `${k} ${fixed(v / 1000, 1)} s`)
        .join(", ")}).`,
      `- API answers during the load, by status: ${list(a.statuses)}${a.noAnswer ? `; ${a.noAnswer} without an answer` : ""}.`,
      `- Requests in flight at the receiver when the window ended: ${int(r.inFlightAtEnd)} (at most ${int(r.active * DEFAULT_MAX_CONCURRENCY)} allowed: ${int(r.active)} jobs × ${DEFAULT_MAX_CONCURRENCY}).`,
      `- Missed slots by their second in the window (0 … ${r.duration - 1}): ${
        r.slots.missed
          ? r.slots.missedAt
              .map((v, i) => (v ? `${i}: ${v}` : null))
              .filter(Boolean)
              .join(", ")
          : "none"
      }; runs of the window started by the misfire rule after a late wake-up (\`missed_slots\` > 0): ${int(r.slots.misfireRuns)}, folding ${int(r.slots.misfireSlots)} slots.`,
      `- All ${int(r.active)} jobs paused ${GRACE_MS / 1000} s after the window in ${fixed(r.pauseWall / 1000, 1)} s; history read back for ${int(r.historyRead)} of ${int(r.active)} jobs in ${fixed(r.readWall / 1000, 1)} s (the slot counts are for those jobs). By the receiver alone, over all jobs: ${int(r.all.reached)} of ${int(r.all.expected)} slots reached the target (${pct(r.all.reached, r.all.expected)}; the most possible is about ${pct(DEFAULT_MAX_CONCURRENCY, HOLD_MS / 1000)} once every job is at its limit).`,
      "",
    );
  }
  return lines.join("\n");
}

/**
 * Measures every N in `ns` on a fresh server from `startServer()` (keys of
 * OVERLOAD_TENANT); returns `{ results, crashed, markdown }`.
 */
export async function run({
  startServer,
  receiver,
  ns = [300, 1000],
  duration = 45,
  info = machineInfo(),
  command = "npm run bench",
  log = (m) => console.error(`[overload] ${m}`),
}) {
  const results = [];
  for (const n of ns) {
    receiver.records.length = 0;
    receiver.maxInFlight.clear();
    let crondo;
    try {
      crondo = await startServer();
      results.push(await overloadPhase({ crondo, receiver, n, duration, log }));
    } catch (e) {
      log(`N=${n} crashed: ${e?.stack ?? e}`);
      results.push({ n, error: e?.message ?? String(e) });
    } finally {
      // Stopping the server ends every job and every request it holds open.
      await crondo?.cleanup();
      receiver.records.length = 0;
    }
  }
  const crashed = results.some((r) => r.error);
  return { results, crashed, markdown: render({ results, info, command, duration }) };
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  const { values } = parseArgs({
    options: {
      n: { type: "string", default: "300,1000" },
      duration: { type: "string", default: "45" },
      "no-write": { type: "boolean", default: false },
    },
  });
  const info = machineInfo();
  await standalone(
    { startReceiver, keys: { [OVERLOAD_TENANT]: OVERLOAD_KEYS } },
    async ({ startServer, receiver }) => {
      const { markdown } = await run({
        startServer,
        receiver,
        ns: values.n.split(",").map(Number),
        duration: Number(values.duration),
        info,
        command: `node scripts/bench/overload.mjs ${process.argv.slice(2).join(" ")}`.trim(),
      });
      console.log(markdown);
      if (!values["no-write"]) await writeSection(BENCHMARKS_FILE, "overload", markdown);
    },
  );
}
