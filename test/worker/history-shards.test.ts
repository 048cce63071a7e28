// Run history over several D1 databases, written through the history queue (SPEC §14,
// issue 19): every run that reached its target reaches its job's shard exactly once,
// whatever fails on the way — D1 (failures injected through TEST_FAULTS, a test-build
// binding, src/lib/faults.ts), the queue, or the object itself — and every reader and
// writer goes through the job's shard.
import {
  createExecutionContext,
  createScheduledController,
  env,
  runInDurableObject,
  waitOnExecutionContext,
} from "cloudflare:test";
import { afterEach, describe, expect, it, vi } from "vitest";
import { configOf, historyShards, PRIMARY_SHARD } from "../../src/env";
import worker from "../../src/index";
import type { HistoryMessage } from "../../src/job/history-batch";
import type { RunRow } from "../../src/job/types";
import { failedKey, faultKey } from "../../src/lib/faults";
import { DAY } from "../../src/lib/time";
import { ulid } from "../../src/lib/ulid";
import { TOMBSTONE_GRACE_MS } from "../../src/maintenance/daily";
import { HOLD_MS } from "../../src/object/history-writer";
import { listTenantRuns } from "../../src/store/run-queries";
import { upsertRunsStatements } from "../../src/store/runs";
import { countRuns } from "../../src/store/shards";
import { waitFor } from "../helpers/wait";

/** Not a wait for an event: the outbox's hold is a span of time (HOLD_MS). */
const sleep = (ms: number) => new Promise((r) => setTimeout(r, Math.max(0, ms)));

import {
  api,
  createKey,
  landed,
  receiverLog,
  receiverUrl,
  uniquePath,
  waitForRun,
  whereIs,
} from "./helpers";

const SHARDS = configOf(env).openShards;
const raw = (name: string) => Reflect.get(env, name) as D1Database;

async function fail(name: string) {
  await env.TEST_FAULTS!.put(faultKey(name), "1");
}
async function heal(name: string) {
  await env.TEST_FAULTS!.delete(faultKey(name));
  await env.TEST_FAULTS!.delete(failedKey(name));
}
/** Waits until a write to `name` has failed at least `n` times (the injected fault bit). */
async function failedAtLeast(name: string, n = 1) {
  await waitFor(
    async () =>
      Number((await env.TEST_FAULTS!.get(failedKey(name))) ?? 0) >= n ? true : undefined,
    { what: `${n} failed write(s) to ${name}`, timeoutMs: 20_000, stepMs: 100 },
  );
}
afterEach(async () => {
  vi.restoreAllMocks();
  for (const name of [...configOf(env).allShards, "HISTORY_QUEUE"]) await heal(name);
});

const shardOf = async (cronId: string) =>
  (await env.DB.prepare("SELECT shard FROM jobs WHERE cron_id = ?").bind(cronId).first<{
    shard: string;
  }>())!.shard;

async function createJob(key: string, body: Record<string, unknown> = {}) {
  const res = await api("POST", "/v1/cron/create", key, {
    schedule: "0 0 1 1 *",
    url: `${receiverUrl()}${uniquePath()}`,
    ...body,
  });
  expect(res.status).toBe(201);
  return res.body.data as { cron_id: string; url: string };
}

/** Jobs until every open shard has at least `n` (a job's shard follows its id). */
async function jobsInEveryShard(key: string, n = 1) {
  const byShard = new Map<string, string[]>();
  for (let i = 0; i < 40 && SHARDS.some((s) => (byShard.get(s)?.length ?? 0) < n); i++) {
    const job = await createJob(key);
    const shard = await shardOf(job.cron_id);
    byShard.set(shard, [...(byShard.get(shard) ?? []), job.cron_id]);
  }
  expect([...byShard.keys()].sort()).toEqual([...SHARDS].sort());
  return byShard;
}

async function trigger(key: string, cronId: string): Promise<string> {
  const res = await api("POST", `/v1/cron/trigger/${cronId}`, key);
  expect(res.status).toBe(200);
  return res.body.data.run_id;
}

/** A job with one run landed in its shard: the run's row as stored, and its version. */
async function landedRun(key: string) {
  const job = await createJob(key);
  const shard = await shardOf(job.cron_id);
  const runId = await trigger(key, job.cron_id);
  await landed([runId]);
  const { version, ...row } = (await raw(shard)
    .prepare("SELECT * FROM runs WHERE run_id = ?")
    .bind(runId)
    .first<RunRow & { version: number; attempt_log: string }>())!;
  const base: RunRow = { ...row, attempt_log: JSON.parse(row.attempt_log) };
  return { job, shard, runId, base, version };
}

/** One invocation of the daily Cron Trigger. */
async function runDaily(scheduledTime: number) {
  const ctx = createExecutionContext();
  await worker.scheduled(
    createScheduledController({ scheduledTime, cron: "17 3 * * *" }),
    env,
    ctx,
  );
  await waitOnExecutionContext(ctx);
}

describe("history shards", () => {
  it("writes the runs of jobs in different shards to their own database and nowhere else", async () => {
    expect(SHARDS.length).toBeGreaterThanOrEqual(2);
    const key = await createKey("shards-own");
    const byShard = await jobsInEveryShard(key);
    const expected = new Map<string, string>();
    for (const [shard, ids] of byShard)
      for (const id of ids) expected.set(await trigger(key, id), shard);
    const found = await landed([...expected.keys()]);
    for (const [runId, shard] of expected) expect(found.get(runId)).toEqual([`${shard}:succeeded`]);
    // None of it in the primary database (it holds only pre-shard jobs' history).
    const inPrimary = await countRuns([{ name: PRIMARY_SHARD, db: env.DB }]);
    const mine = await env.DB.prepare(
      "SELECT COUNT(*) AS n FROM runs WHERE run_id IN (SELECT value FROM json_each(?))",
    )
      .bind(JSON.stringify([...expected.keys()]))
      .first<{ n: number }>();
    expect(mine?.n).toBe(0);
    expect(inPrimary[PRIMARY_SHARD]).toBeGreaterThanOrEqual(0);
  });

  it("with D1 failing for a while, every run sent appears in the history once D1 is back, exactly once", async () => {
    const key = await createKey("shards-d1-down");
    const byShard = await jobsInEveryShard(key);
    for (const shard of SHARDS) await fail(shard);
    const prefix = uniquePath("every-second");
    const jobs = [...byShard.values()].map((ids) => ids[0]!);
    // One job firing every second in each shard, plus triggers, while both shards fail.
    const ticking = await createJob(key, {
      schedule: "* * * * * *",
      url: `${receiverUrl()}${prefix}`,
    });
    const triggered: string[] = [];
    for (let i = 0; i < 3; i++) for (const id of jobs) triggered.push(await trigger(key, id));
    // The every-second job delivers a few runs, and the consumer fails on every shard.
    await waitFor(async () => ((await receiverLog(prefix)).length >= 3 ? true : undefined), {
      what: "3 deliveries of the every-second job",
      timeoutMs: 15_000,
    });
    for (const shard of SHARDS) await failedAtLeast(shard, 2);
    expect((await api("POST", `/v1/cron/pause/${ticking.cron_id}`, key)).status).toBe(200);
    // Nothing reached the shards while they failed.
    const during = await whereIs(triggered);
    expect([...during.values()].flat().filter((w) => !w.startsWith(PRIMARY_SHARD))).toEqual([]);
    for (const shard of SHARDS) await heal(shard);
    // Every delivery the receiver saw, and every triggered run, is in the history once.
    const delivered = (await receiverLog(prefix)).map((r) => r.headers["x-cron-run-id"]!);
    expect(delivered.length).toBeGreaterThanOrEqual(2);
    const all = [...new Set([...delivered, ...triggered])];
    const found = await landed(all, 40_000);
    for (const id of all) expect(found.get(id)).toHaveLength(1);
    // And runs.list shows each exactly once (no duplicate, no regression to "running").
    const page = await api("GET", `/v1/cron/runs/list/${ticking.cron_id}?limit=100`, key);
    const ids = page.body.data.items.map((r: { run_id: string }) => r.run_id);
    expect(new Set(ids).size).toBe(ids.length);
    for (const id of delivered) expect(ids).toContain(id);
  }, 60_000);

  it("an object restarted while its writes are pending loses none of them", async () => {
    const key = await createKey("shards-restart");
    const job = await createJob(key);
    await fail("HISTORY_QUEUE"); // the object cannot hand its rows over
    const runs = [await trigger(key, job.cron_id), await trigger(key, job.cron_id)];
    for (const id of runs) await waitForRun(key, job.cron_id, id); // answered from the object
    const stub = env.JOB.get(env.JOB.idFromName(job.cron_id));
    // The finished rows are in the outbox, carried by the state's own row (storage.ts).
    const outbox = await runInDurableObject(stub, async (_i, state) => {
      const stored = await state.storage.get<{ history_outbox: { row: RunRow }[] }>("job");
      return stored!.history_outbox.map((r) => r.row.run_id);
    });
    expect(outbox.sort()).toEqual([...runs].sort());
    expect((await whereIs(runs)).size).toBe(0);
    // The instance goes away with its timers and memory; storage and the alarm stay.
    await runInDurableObject(stub, (_i, state) => {
      state.abort("restart (test)");
    }).catch((e: unknown) => expect(String(e)).toContain("restart (test)"));
    await heal("HISTORY_QUEUE");
    // No request reaches the object: its retry alarm brings a new instance back.
    const found = await landed(runs, 60_000); // the retry alarm backs off up to MAX_RETRY_MS
    const shard = await shardOf(job.cron_id);
    for (const id of runs) expect(found.get(id)).toEqual([`${shard}:succeeded`]);
    const fresh = env.JOB.get(env.JOB.idFromName(job.cron_id)); // the old stub is broken
    // The new instance sent them; it holds them HOLD_MS more (a queue that lost them in a
    // crash is covered), then the first commit after that drops them from the outbox.
    type Held = Map<string, { sentAt?: number }>;
    const held = () =>
      runInDurableObject(fresh, async (instance) => [
        ...(instance as unknown as { history: { unconfirmed: Held } }).history.unconfirmed.values(),
      ]);
    const sent = await held();
    expect(sent).toHaveLength(runs.length);
    expect(sent.every((o) => o.sentAt !== undefined)).toBe(true);
    await sleep(Math.max(...sent.map((o) => o.sentAt!)) + HOLD_MS - Date.now());
    const next = await trigger(key, job.cron_id);
    await waitForRun(key, job.cron_id, next);
    const after = await runInDurableObject(fresh, async (_i, state) => {
      const stored = await state.storage.get<{ history_outbox: { row: RunRow }[] }>("job");
      return stored!.history_outbox.map((r) => r.row.run_id);
    });
    expect(after.filter((id) => runs.includes(id))).toEqual([]);
  }, 100_000);

  it("a consumer failure is retried without losing or doubling a run, and an older version never overwrites a newer one", async () => {
    const key = await createKey("shards-consumer");
    const { job, shard, runId, base, version } = await landedRun(key);
    const row = { version };
    const stale: HistoryMessage = {
      v: 1,
      shard,
      cron_id: job.cron_id,
      runs: [{ row: { ...base, state: "running", finished_at: null }, version: row.version - 1 }],
    };
    const newer: HistoryMessage = {
      v: 1,
      shard,
      cron_id: job.cron_id,
      runs: [{ row: { ...base, response_body: "newer" }, version: row.version + 1 }],
    };
    // The consumer fails (its shard does): the messages are retried, not dropped.
    await fail(shard);
    await env.HISTORY_QUEUE.send(newer);
    await env.HISTORY_QUEUE.send(newer); // delivered twice
    await failedAtLeast(shard, 2);
    await heal(shard);
    const after = await waitFor(
      async () => {
        const r = await raw(shard)
          .prepare("SELECT state, response_body, version FROM runs WHERE run_id = ?")
          .bind(runId)
          .first<{ state: string; response_body: string; version: number }>();
        return r?.response_body === "newer" ? r : undefined;
      },
      { what: "the retried write to land", timeoutMs: 30_000, stepMs: 250 },
    );
    // An older version arriving after it (in one batch with a probe row, whose landing
    // shows the batch was written) changes nothing.
    const probe: HistoryMessage = {
      v: 1,
      shard,
      cron_id: job.cron_id,
      runs: [{ row: { ...base, run_id: `run_${ulid()}` }, version: 1 }],
    };
    await env.HISTORY_QUEUE.sendBatch([{ body: stale }, { body: probe }]);
    await landed([probe.runs[0]!.row.run_id]);
    const final = await raw(shard)
      .prepare(
        "SELECT COUNT(*) AS n, MAX(state) AS state, MAX(version) AS version FROM runs WHERE run_id = ?",
      )
      .bind(runId)
      .first<{ n: number; state: string; version: number }>();
    expect(final).toEqual({ n: 1, state: "succeeded", version: row.version + 1 });
    expect(after.state).toBe("succeeded");
    expect((await whereIs([runId])).get(runId)).toHaveLength(1);
  }, 60_000);

  it("a write failing past the queue's retries goes through the dead-letter queue and lands once, never dropped", async () => {
    // The consumer's log lines say which queue a batch came from (history.batch).
    const batches: { queue: string; retried: number; recycled: number; written: number }[] = [];
    const log = console.log;
    vi.spyOn(console, "log").mockImplementation((...args: unknown[]) => {
      const line = args.map(String).join(" ");
      if (line.includes('"history.batch"')) batches.push(JSON.parse(line));
      else log(...args);
    });
    const key = await createKey("shards-dlq");
    const job = await createJob(key);
    const shard = await shardOf(job.cron_id);
    await fail(shard);
    const runId = await trigger(key, job.cron_id);
    await waitForRun(key, job.cron_id, runId); // answered by its object meanwhile
    // vitest.config.ts: 3 retries on the history queue, then the dead-letter queue, whose
    // consumer (HISTORY_DLQ_MAX_RETRIES 1) sends a message failing at its last try back
    // to the dead-letter queue rather than let it go.
    await waitFor(
      async () =>
        batches.some((b) => b.queue === "crondo-history-dlq" && b.recycled > 0) ? true : undefined,
      {
        what: "the dead-letter consumer to send the failing message again",
        timeoutMs: 30_000,
        stepMs: 200,
      },
    );
    const fromMain = batches.filter((b) => b.queue === "crondo-history");
    expect(fromMain.reduce((n, b) => n + b.retried, 0)).toBeGreaterThanOrEqual(4); // 1 + 3 retries
    expect(await whereIs([runId])).toEqual(new Map());
    await heal(shard);
    const found = await landed([runId], 30_000);
    expect(found.get(runId)).toEqual([`${shard}:succeeded`]);
    // Written once: one row, counted once by the metrics' triggers.
    const counted = await raw(shard)
      .prepare("SELECT SUM(runs) AS n FROM run_counters WHERE tenant_id = ? AND scope = ?")
      .bind("shards-dlq", job.cron_id)
      .first<{ n: number }>();
    expect(counted?.n).toBe(1);
    expect(batches.some((b) => b.queue === "crondo-history-dlq" && b.written > 0)).toBe(true);
  }, 60_000);

  it("runs.get and runs.list of a run the object holds answer at once; stats read the job's shard", async () => {
    const key = await createKey("shards-read");
    const byShard = await jobsInEveryShard(key);
    for (const ids of byShard.values()) {
      const id = ids[0]!;
      const runId = await trigger(key, id);
      await waitForRun(key, id, runId);
      const list = await api("GET", `/v1/cron/runs/list/${id}`, key);
      expect(list.body.data.items.map((r: { run_id: string }) => r.run_id)).toContain(runId);
      const early = await api("GET", `/v1/cron/stats/${id}`, key);
      expect(early.body.data).toMatchObject({ runs: 1, counts: { succeeded: 1 } });
      await landed([runId]);
      const stats = await api("GET", `/v1/cron/stats/${id}`, key);
      expect(stats.status).toBe(200);
      expect(stats.body.data).toMatchObject({ runs: 1, counts: { succeeded: 1 } });
    }
  });

  it("lists a tenant's runs across every shard newest first (the fan-out helper), page by page", async () => {
    const key = await createKey("shards-tenant");
    const byShard = await jobsInEveryShard(key);
    const runIds: string[] = [];
    for (let i = 0; i < 2; i++)
      for (const ids of byShard.values()) runIds.push(await trigger(key, ids[0]!));
    await landed(runIds);
    const shards = historyShards(env);
    const seen: string[] = [];
    let after: string | undefined;
    for (;;) {
      const page = await listTenantRuns(shards, "shards-tenant", { limit: 3, after });
      seen.push(...page.items.map((r) => r.run_id));
      if (!page.next_cursor) break;
      after = page.items[page.items.length - 1]!.run_id;
    }
    expect(seen).toEqual([...runIds].sort().reverse());
  });

  it("delete removes the job's runs from its shard, and only them", async () => {
    const key = await createKey("shards-delete");
    const byShard = await jobsInEveryShard(key, 2);
    const kept: string[] = [];
    const gone: string[] = [];
    for (const ids of byShard.values()) {
      kept.push(await trigger(key, ids[0]!));
      gone.push(await trigger(key, ids[1]!));
    }
    await landed([...kept, ...gone]);
    for (const ids of byShard.values())
      expect((await api("DELETE", `/v1/cron/delete/${ids[1]}`, key)).status).toBe(200);
    const found = await whereIs([...kept, ...gone]);
    for (const id of gone) expect(found.get(id)).toBeUndefined();
    for (const id of kept) expect(found.get(id)).toHaveLength(1);
  });

  it("rows landing after a delete (a batch checked just before it) are swept by the daily maintenance", async () => {
    const key = await createKey("shards-orphans");
    const { job, shard, runId, base, version } = await landedRun(key);
    expect((await api("DELETE", `/v1/cron/delete/${job.cron_id}`, key)).status).toBe(200);
    expect(await whereIs([runId])).toEqual(new Map());
    // The consumer's write of a batch that found the job still there lands now.
    const late = { row: base, version };
    await raw(shard).batch(upsertRunsStatements(raw(shard), [late]));
    expect((await whereIs([runId])).get(runId)).toEqual([`${shard}:succeeded`]);
    const daily = () => runDaily(Date.now());
    const tombstone = () =>
      env.DB.prepare("SELECT shard FROM deleted_jobs WHERE cron_id = ?")
        .bind(job.cron_id)
        .first<{ shard: string }>();
    // Within its grace (writes may still be in flight) the tombstone waits.
    await daily();
    expect(await tombstone()).toEqual({ shard });
    expect((await whereIs([runId])).get(runId)).toHaveLength(1);
    // Past it, the job's runs and counters go from its shard, then the tombstone.
    await env.DB.prepare("UPDATE deleted_jobs SET deleted_at = deleted_at - ? WHERE cron_id = ?")
      .bind(TOMBSTONE_GRACE_MS + 1000, job.cron_id)
      .run();
    await daily();
    expect(await whereIs([runId])).toEqual(new Map());
    expect(await tombstone()).toBeNull();
    const counters = await raw(shard)
      .prepare("SELECT COUNT(*) AS n FROM run_counters WHERE scope = ?")
      .bind(job.cron_id)
      .first<{ n: number }>();
    expect(counters?.n).toBe(0);
  });

  it("a restarted object does not send back a run the purge deleted (nor count it again)", async () => {
    const key = await createKey("shards-purged");
    const job = await createJob(key, { retention_days: 0 });
    const shard = await shardOf(job.cron_id);
    const first = await trigger(key, job.cron_id);
    await landed([first]);
    // The row is still in the outbox (held HOLD_MS after the queue took it, and until
    // the next commit) when the instance goes away.
    const stub = env.JOB.get(env.JOB.idFromName(job.cron_id));
    await runInDurableObject(stub, (_i, state) => {
      state.abort("restart (test)");
    }).catch((e: unknown) => expect(String(e)).toContain("restart (test)"));
    await runDaily(Date.now());
    expect(await whereIs([first])).toEqual(new Map());
    // The next run's message would carry the rows a new instance found: not this one.
    const second = await trigger(key, job.cron_id);
    await landed([second]);
    expect(await whereIs([first])).toEqual(new Map());
    const counted = await raw(shard)
      .prepare("SELECT SUM(runs) AS n FROM run_counters WHERE tenant_id = ? AND scope = ?")
      .bind("shards-purged", job.cron_id)
      .first<{ n: number }>();
    expect(counted?.n).toBe(2);
    const list = await api("GET", `/v1/cron/runs/list/${job.cron_id}`, key);
    expect(list.body.data.items.map((r: { run_id: string }) => r.run_id)).not.toContain(first);
  });

  it("the daily purge covers every shard", async () => {
    const now = Date.parse("2026-11-23T03:17:00Z");
    const seeded: Record<string, { old: string; fresh: string }> = {};
    for (const shard of configOf(env).allShards) {
      const cronId = `cron_${ulid()}`;
      await env.DB.prepare(
        "INSERT INTO jobs (cron_id, tenant_id, status, next_run_at, retention_days, record, created_at, updated_at, shard) VALUES (?, 'purge-shards', 'paused', NULL, 7, '{}', 0, 0, ?)",
      )
        .bind(cronId, shard)
        .run();
      const run = (finished: number) => ({
        row: {
          run_id: `run_${ulid()}`,
          cron_id: cronId,
          tenant_id: "purge-shards",
          trigger: "schedule" as const,
          state: "succeeded" as const,
          scheduled_for: finished,
          fire_at: finished,
          started_at: finished,
          finished_at: finished,
          fire_lag_ms: 0,
          attempts: 1,
          attempt_log: [],
          response_status: 200,
          duration_ms: 1,
          error: null,
          response_body: null,
          missed_slots: 0,
          skip_reason: null,
          backfill_id: null,
          replay_of: null,
          created_at: finished,
        },
        version: 1,
      });
      const old = run(now - 8 * DAY);
      const fresh = run(now - 1 * DAY);
      await raw(shard).batch(upsertRunsStatements(raw(shard), [old, fresh]));
      seeded[shard] = { old: old.row.run_id, fresh: fresh.row.run_id };
    }
    await runDaily(now);
    const found = await whereIs(Object.values(seeded).flatMap((s) => [s.old, s.fresh]));
    for (const [shard, { old, fresh }] of Object.entries(seeded)) {
      expect(found.get(old)).toBeUndefined();
      expect(found.get(fresh)).toEqual([`${shard}:succeeded`]);
    }
  });
});
