// Bench Worker for scripts/bench/history.mjs: the run-history write path driven without
// HTTP. Each BenchJob Durable Object plays one job and, per simulated delivery, does
// what the job object does with a finished run:
//   - "new":   crondo's path (issue 19): HistoryWriter.stage → JobStorage.save (state +
//              outbox row, one transaction) → HistoryWriter.record → history queue →
//              consumeHistory (this Worker's queue handler) → one multi-row statement per
//              shard and one on the primary per batch;
//   - "today": the path before issue 19 (main b59c1fe's HistoryWriter.flush): the same
//              plan (HistoryWrites), one db.batch per flush of one upsert per run plus the
//              index row's upsert when due, all into the one database.
// Every D1 binding is wrapped with a counter of db.batch calls and statements (the only
// way either path writes), so queries per 100 runs and per database are counted, not
// estimated. No mocks: real D1 (SQLite), real DO storage, real queue (miniflare).
import { DurableObject } from "cloudflare:workers";
import { type Env, historyQueue, newJobShard, PRIMARY_SHARD } from "../../src/env";
import { consumeHistory } from "../../src/history/consumer";
import * as core from "../../src/job/core";
import { WINDOW_DEFAULTS } from "../../src/job/defaults";
import { HistoryWrites } from "../../src/job/history-plan";
import type { JobConfig, JobState, RunRow } from "../../src/job/types";
import { newRunId } from "../../src/lib/ulid";
import { HistoryWriter } from "../../src/object/history-writer";
import { JobStorage } from "../../src/object/storage";
import { claimJobSlot, indexRowOf, upsertJobStatement } from "../../src/store/jobs";
import { upsertRunStatement } from "../../src/store/runs";

type BenchEnv = Env & { BENCH_JOB: DurableObjectNamespace<BenchJob> };

interface DbCount {
  batches: number;
  statements: number;
  /** Wall time inside db.batch (workerd's clock moves across I/O: this is the round trip). */
  ms: number;
}
const counts = new Map<string, DbCount>();
function counted(db: D1Database, name: string): D1Database {
  return new Proxy(db, {
    get(target, prop) {
      if (prop === "batch")
        return async (statements: D1PreparedStatement[]) => {
          const c = counts.get(name) ?? { batches: 0, statements: 0, ms: 0 };
          c.batches++;
          c.statements += statements.length;
          counts.set(name, c);
          const t0 = Date.now();
          try {
            return await target.batch(statements);
          } finally {
            c.ms += Date.now() - t0;
          }
        };
      const v = Reflect.get(target, prop);
      return typeof v === "function" ? v.bind(target) : v;
    },
  });
}
const SHARD_NAMES = ["DB", "HISTORY_1", "HISTORY_2"];
function countedEnv(env: BenchEnv): BenchEnv {
  const out = { ...env } as Record<string, unknown>;
  for (const n of SHARD_NAMES) out[n] = counted(Reflect.get(env, n) as D1Database, n);
  return out as unknown as BenchEnv;
}

const consumer = { messages: 0, batches: 0, written: 0 };
/** The simulated jobs' configuration (what the API's defaults give an every-second job). */
const CONFIG: JobConfig = {
  name: "bench",
  schedule: "* * * * * *",
  run_at: null,
  url: "https://example.com/hook",
  method: "POST",
  payload: null,
  headers: {},
  timezone: "UTC",
  retries: 1,
  retry_backoff_seconds: 10,
  timeout_seconds: 30,
  overlap_policy: "allow",
  max_concurrency: 10,
  max_runs: null,
  on_failure_webhook: null,
  retention_days: 30,
  ...WINDOW_DEFAULTS,
};

export class BenchJob extends DurableObject<BenchEnv> {
  private state: JobState | null = null;
  private readonly jobStorage: JobStorage;
  private readonly writer: HistoryWriter;
  private readonly oldPlan = new HistoryWrites();
  private readonly cenv: BenchEnv;

  constructor(ctx: DurableObjectState, env: BenchEnv) {
    super(ctx, env);
    this.cenv = countedEnv(env);
    this.jobStorage = new JobStorage(ctx.storage, 300);
    this.writer = new HistoryWriter(
      {
        queue: () => historyQueue(this.cenv, this.writer.shard),
        primary: this.cenv.DB,
        retryAt: (at) => this.jobStorage.retryHistoryAt(at),
        sent: (ids) => this.jobStorage.dropOutbox(ids),
        cronId: () => this.state?.cron_id,
      },
      PRIMARY_SHARD,
    );
  }

  /** Creates the job (its index row claimed in the primary, as create does). */
  async create(cronId: string, tenant: string): Promise<string> {
    const job = core.createJob(
      {
        cron_id: cronId,
        tenant_id: tenant,
        signing_secret: "whsec_bench",
        enabled: true,
        config: CONFIG,
      },
      Date.now(),
    ).state;
    this.state = job;
    const shard = newJobShard(this.env, job.cron_id);
    this.writer.shard = shard;
    await claimJobSlot(this.cenv.DB, indexRowOf(job), 1_000_000, shard);
    this.writer.indexedAs(job);
    this.oldPlan.indexedAs(job, Date.now());
    const staged = this.writer.stage([], true);
    await this.jobStorage.save(job, staged);
    return shard;
  }

  /** The job's next wake-up (armed by every save, as in the job object): nothing to fire here. */
  override async alarm(): Promise<void> {
    this.jobStorage.alarmFired();
    await this.writer.retryNow();
  }

  /** An evicted object comes back as the job object does: state, then history, from storage. */
  private async ready(): Promise<JobState> {
    if (this.state) return this.state;
    const job = await this.jobStorage.load();
    if (!job) throw new Error("bench job not created");
    this.state = job;
    this.writer.restore(await this.jobStorage.loadHistory(), job, PRIMARY_SHARD);
    this.oldPlan.indexedAs(job, Date.now());
    return job;
  }

  /** One simulated delivery: a finished run and the state after it, through `mode`'s path. */
  async deliver(mode: "new" | "today"): Promise<void> {
    const job = await this.ready();
    const now = Date.now();
    const next: JobState = {
      ...job,
      run_count: job.run_count + 1,
      last_run_at: now,
      last_run_state: "succeeded",
      next_run_at: now + 1000,
    };
    this.state = next;
    const row: RunRow = {
      run_id: newRunId(),
      cron_id: job.cron_id,
      tenant_id: job.tenant_id,
      trigger: "schedule",
      state: "succeeded",
      scheduled_for: now,
      fire_at: now,
      started_at: now,
      finished_at: now + 12,
      fire_lag_ms: 3,
      attempts: 1,
      attempt_log: [{ attempt: 1, started_at: now, status: 200, duration_ms: 12, error: null }],
      response_status: 200,
      duration_ms: 12,
      error: null,
      response_body: '{"ok":true}',
      missed_slots: 0,
      skip_reason: null,
      backfill_id: null,
      created_at: now,
    } as RunRow;
    if (mode === "new") {
      const staged = this.writer.stage([row]);
      await this.jobStorage.save(next, staged);
      this.writer.record(next, staged);
      await this.writer.settled();
      return;
    }
    // main b59c1fe: storage.save(state), then HistoryWriter.flush: one batch of what is due.
    await this.jobStorage.save(next);
    this.oldPlan.add(next, [row], now);
    const due = this.oldPlan.take(now);
    const db = this.cenv.DB;
    const statements = due.rows.map((r) => upsertRunStatement(db, r));
    if (due.index) statements.push(upsertJobStatement(db, indexRowOf(due.index), PRIMARY_SHARD));
    if (statements.length > 0) await db.batch(statements);
  }
}

async function json(request: Request) {
  return (await request.json()) as Record<string, unknown>;
}

export default {
  async fetch(request: Request, env: BenchEnv): Promise<Response> {
    const url = new URL(request.url);
    const op = url.pathname.slice(1);
    if (op === "create") {
      const { jobs, tenant } = (await json(request)) as { jobs: string[]; tenant: string };
      const shards = await Promise.all(
        jobs.map((id) => env.BENCH_JOB.get(env.BENCH_JOB.idFromName(id)).create(id, tenant)),
      );
      return Response.json({ shards });
    }
    if (op === "tick") {
      // One tick of the driver (scripts/bench/history.mjs calls it every 50 ms): one
      // delivery for each job named, each one RPC to its job's object, all at once.
      const { jobs, mode } = (await json(request)) as { jobs: string[]; mode: "new" | "today" };
      let errors = 0;
      let firstError: string | null = null;
      await Promise.all(
        jobs.map((id) =>
          env.BENCH_JOB.get(env.BENCH_JOB.idFromName(id))
            .deliver(mode)
            .catch((e: unknown) => {
              errors++;
              firstError ??= String(e);
            }),
        ),
      );
      return Response.json({ errors, first_error: firstError });
    }
    if (op === "counts") {
      const out: Record<string, unknown> = {};
      for (const n of SHARD_NAMES) {
        const r = await (Reflect.get(env, n) as D1Database)
          .prepare("SELECT COUNT(*) AS n FROM runs")
          .first<{ n: number }>();
        out[n] = { rows: r?.n ?? 0, ...(counts.get(n) ?? { batches: 0, statements: 0, ms: 0 }) };
      }
      return Response.json({ dbs: out, consumer });
    }
    if (op === "reset") {
      counts.clear();
      consumer.messages = 0;
      consumer.batches = 0;
      consumer.written = 0;
      return Response.json({ ok: true });
    }
    return new Response("unknown op", { status: 404 });
  },
  async queue(batch: MessageBatch<unknown>, env: BenchEnv): Promise<void> {
    consumer.messages += batch.messages.length;
    consumer.batches++;
    const r = await consumeHistory(batch, countedEnv(env));
    consumer.written += r.written;
  },
};
