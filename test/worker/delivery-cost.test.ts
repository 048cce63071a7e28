// What one scheduled delivery costs in billable operations (docs/cost.md), measured on
// the real code path: a job object's storage and D1 handles are wrapped with counters,
// real alarms fire real slots at the real receiver, and the counts per run are held to
// what docs/cost.md prices, so that the cost model cannot drift from the code.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { VersionedRun } from "../../src/job/history-batch";
import type { JobState } from "../../src/job/types";
import { HistoryWriter } from "../../src/object/history-writer";
import { JobObject } from "../../src/object/job-object";
import { JobStorage } from "../../src/object/storage";
import { waitFor } from "../helpers/wait";
import { api, createKey, receiverUrl, uniquePath } from "./helpers";

interface Counts {
  alarms: number;
  storagePuts: number;
  storageRowsPut: number;
  storageRowsDeleted: number;
  storageGets: number;
  setAlarms: number;
  /** History queue messages the object sent (its D1 writes go through the queue). */
  queueMessages: number;
  /**
   * Of those, messages without a finished run's row: a run's "running" row that went by
   * itself (the run had not finished RUNNING_ROW_DELAY_MS after its wake-up: a busy
   * machine), or an index refresh alone.
   */
  unfinishedMessages: number;
  /** Finished runs' rows those messages carried. */
  finishedRowsSent: number;
  /** Direct D1 statements of the object (an index row an API call waits for). */
  d1Statements: number;
}

const zero = (): Counts => ({
  alarms: 0,
  storagePuts: 0,
  storageRowsPut: 0,
  storageRowsDeleted: 0,
  storageGets: 0,
  setAlarms: 0,
  queueMessages: 0,
  unfinishedMessages: 0,
  finishedRowsSent: 0,
  d1Statements: 0,
});

// Counters per job. The wrapping is done on the prototypes the Worker's job objects
// use (the test shares their isolate), not on one instance: an object idle between two
// slots is evicted, and the next wake-up builds a new instance that reloads its state.
const counters = new Map<string, Counts>();
const count = (cronId: string | undefined) => counters.get(cronId ?? "");
const proxied = new WeakSet<object>();

function countingStorage(storage: DurableObjectStorage, cronId: string): DurableObjectStorage {
  return new Proxy(storage, {
    get(target, prop) {
      const value = Reflect.get(target, prop, target);
      if (typeof value !== "function") return value;
      return (...args: unknown[]) => {
        const c = count(cronId);
        if (c && prop === "put") {
          c.storagePuts++;
          c.storageRowsPut +=
            typeof args[0] === "string" ? 1 : Object.keys(args[0] as object).length;
        } else if (c && prop === "delete")
          c.storageRowsDeleted += Array.isArray(args[0]) ? args[0].length : 1;
        else if (c && prop === "setAlarm") c.setAlarms++;
        return value.apply(target, args);
      };
    },
  });
}

function countingD1(db: D1Database, cronId: string): D1Database {
  return {
    prepare: (sql: string) => {
      const stmt = db.prepare(sql);
      return {
        bind: (...values: unknown[]) => {
          const bound = stmt.bind(...values);
          return {
            run: async () => {
              const c = count(cronId);
              if (c) c.d1Statements++;
              return bound.run();
            },
          };
        },
      };
    },
  } as unknown as D1Database;
}

type AnyFn = (this: any, ...args: any[]) => any;
type Patchable = Record<string, AnyFn>;
const restore: (() => void)[] = [];
function patch<T extends object>(proto: T, name: string, wrap: (orig: AnyFn) => AnyFn) {
  const p = proto as unknown as Patchable;
  const orig = p[name]!;
  p[name] = wrap(orig);
  restore.push(() => {
    p[name] = orig;
  });
}

beforeAll(() => {
  patch(
    JobStorage.prototype,
    "load",
    (orig) =>
      async function (this: object) {
        const state = (await orig.call(this)) as JobState | null;
        const c = count(state?.cron_id);
        if (c) c.storageGets++; // one get of the state and config keys: 2 rows read
        return state;
      },
  );
  patch(
    JobStorage.prototype,
    "save",
    (orig) =>
      function (this: { storage: DurableObjectStorage }, state: JobState, ...rest: unknown[]) {
        if (!proxied.has(this)) {
          proxied.add(this);
          this.storage = countingStorage(this.storage, state.cron_id);
        }
        return orig.call(this, state, ...rest);
      },
  );
  patch(
    HistoryWriter.prototype,
    "record",
    (orig) =>
      function (this: { deps: { primary: D1Database } }, state: JobState, ...rest: unknown[]) {
        if (!proxied.has(this)) {
          proxied.add(this);
          this.deps = { ...this.deps, primary: countingD1(this.deps.primary, state.cron_id) };
        }
        return orig.call(this, state, ...rest);
      },
  );
  patch(
    HistoryWriter.prototype,
    "send",
    (orig) =>
      function (
        this: object,
        cronId: string,
        shard: string,
        runs: VersionedRun[],
        ...rest: unknown[]
      ) {
        const c = count(cronId);
        if (c) c.queueMessages++;
        if (c && !runs.some((r) => r.row.state !== "running")) c.unfinishedMessages++;
        if (c) c.finishedRowsSent += runs.filter((r) => r.row.state === "succeeded").length;
        return orig.call(this, cronId, shard, runs, ...rest);
      },
  );
  patch(
    JobObject.prototype,
    "alarm",
    (orig) =>
      function (this: { job: JobState | null }) {
        const c = count(this.job?.cron_id);
        if (c) c.alarms++;
        return orig.call(this);
      },
  );
});
afterAll(() => {
  for (const r of restore.splice(0)) r();
});

function instrument(cronId: string): Counts {
  const c = zero();
  counters.set(cronId, c);
  return c;
}

async function pausedJob(key: string, schedule: string) {
  const res = await api("POST", "/v1/cron/create", key, {
    schedule,
    url: `${receiverUrl()}${uniquePath()}`,
    payload: { report: "daily", items: [1, 2, 3] },
    enabled: false,
  });
  expect(res.status).toBe(201);
  return res.body.data.cron_id as string;
}

const runCount = async (key: string, id: string) =>
  (await api("GET", `/v1/cron/get/${id}`, key)).body.data.run_count as number;

const per = (c: Counts, runs: number) =>
  Object.fromEntries(Object.entries(c).map(([k, v]) => [k, v / runs])) as Record<
    keyof Counts,
    number
  >;

describe("operations per scheduled delivery (docs/cost.md)", () => {
  it("every second and every 20 s: DO requests, storage rows, alarms, D1 statements and rows", async () => {
    const key = await createKey("cost");
    const fast = await pausedJob(key, "* * * * * *");
    const slow = await pausedJob(key, "*/20 * * * * *");
    const cFast = instrument(fast);
    const cSlow = instrument(slow);
    for (const id of [fast, slow])
      expect((await api("POST", `/v1/cron/resume/${id}`, key)).status).toBe(200);
    const settle = () => new Promise((r) => setTimeout(r, 11_500)); // running-row delay + index refresh
    const slowReached = (n: number) =>
      waitFor(async () => (await runCount(key, slow)) >= n, {
        what: `slot ${n} of the every-20-s job`,
        timeoutMs: 25_000,
        stepMs: 250,
      });
    // The window opens once the first slow run and its index refresh have landed (the
    // resume call's own writes and the first run after it are not steady state), and
    // closes once the second one's have: exactly one slow delivery, ~20 fast ones.
    await slowReached(1);
    await settle();
    const f0 = await runCount(key, fast);
    const base = { fast: { ...cFast }, slow: { ...cSlow } };
    await slowReached(2);
    await settle();
    const f1 = await runCount(key, fast);
    const end = { fast: { ...cFast }, slow: { ...cSlow } };
    expect(await runCount(key, slow)).toBe(2);
    for (const id of [fast, slow]) await api("POST", `/v1/cron/pause/${id}`, key);
    const delta = (c: Counts, b: Counts) =>
      Object.fromEntries(
        Object.keys(c).map((k) => [k, c[k as keyof Counts] - b[k as keyof Counts]]),
      ) as unknown as Counts;
    const fastPer = per(delta(end.fast, base.fast), f1 - f0);
    const slowPer = per(delta(end.slow, base.slow), 1);
    console.log(JSON.stringify({ fastRuns: f1 - f0, fastPer, slowPer }));

    // The every-20-s delivery: one alarm invocation (one DO request), two storage puts of
    // one row each (the slot taken before the request leaves, the outcome after; the
    // finished run's row waits for the history queue inside that same state row,
    // storage.ts), no delete, one setAlarm (the next slot's wake-up).
    // The every-second one is chained (job-object.ts CHAIN_LEAD_MS): each outcome's
    // commit also takes the next slot, under the alarm handler that is still holding the
    // object, so one put and one setAlarm a delivery, and no alarm invocation of its own.
    for (const [name, p, commits, alarms] of [
      ["fast", fastPer, 1, 0],
      ["slow", slowPer, 2, 1],
    ] as const) {
      expect(p.alarms, name).toBeCloseTo(alarms, 0);
      expect(p.storagePuts, name).toBeCloseTo(commits, 0);
      expect(p.storageRowsPut, name).toBeCloseTo(commits, 0);
      expect(p.storageRowsDeleted, name).toBe(0);
      expect(p.setAlarms, name).toBeCloseTo(1, 0);
      // A job idle between wake-ups may have its object evicted and reloaded (one get of
      // its keys and one list of its outbox; docs/cost.md prices it): at most one load
      // per slow delivery, and next to none for a job firing every second.
      expect(p.storageGets, name).toBeLessThanOrEqual(name === "slow" ? 1 : 0.1);
      // No D1 statement of the object's own in steady state: the history goes through
      // the queue, whose consumer writes many runs per statement (BENCHMARKS.md, "history").
      expect(p.d1Statements, name).toBe(0);
    }
    // History queue: a job firing every second sends one message per two or three runs
    // (a finished row waits FINISHED_ROW_DELAY_MS for the next runs' rows, history-plan.ts;
    // the index refresh rides along every 10 s), each run's finished row exactly once; a
    // job firing less often than that sends one message a run, its index progress in it.
    // The window's edges cut runs apart: run_count counts a run from its pre-armed wake-up
    // (PRE_ARM_MS before the slot), its row leaves up to FINISHED_ROW_DELAY_MS after the
    // response, so a few runs at either edge may be counted without their row or the
    // other way round.
    // On a busy machine a run may also send its "running" row by itself first (it had not
    // finished RUNNING_ROW_DELAY_MS after its pre-armed wake-up): a message of its own for
    // that run, rare, counted apart.
    const fastRuns = f1 - f0;
    const fastMessages = Math.round(fastPer.queueMessages * fastRuns);
    const fastUnfinished = Math.round(fastPer.unfinishedMessages * fastRuns);
    const fastRows = Math.round(fastPer.finishedRowsSent * fastRuns);
    expect(fastRows).toBeGreaterThanOrEqual(fastRuns - 3);
    expect(fastRows).toBeLessThanOrEqual(fastRuns + 3);
    expect(fastMessages - fastUnfinished).toBeLessThanOrEqual(Math.ceil(fastRuns / 2) + 1);
    expect(fastMessages - fastUnfinished).toBeGreaterThanOrEqual(Math.floor(fastRuns / 4));
    expect(fastUnfinished).toBeLessThanOrEqual(Math.ceil(fastRuns / 5));
    expect(slowPer.queueMessages - slowPer.unfinishedMessages).toBeCloseTo(1, 0);
    // Its run's row, and again the previous run's if the object was evicted and reloaded
    // between the two (a new instance sends what its outbox still holds with its next
    // message: history-writer.ts restore).
    expect(slowPer.finishedRowsSent).toBeGreaterThanOrEqual(1);
    expect(slowPer.finishedRowsSent).toBeLessThanOrEqual(2);
  }, 120_000);
});
