// The imperative shell of a job: load state, call the core, perform the effects
// (storage, alarm, fetch, D1), save. One instance per job, named by its cron_id.
import { DurableObject } from "cloudflare:workers";
import { fail, type Outcome } from "../api/errors";
import { notifyFailure, sendAttempt } from "../delivery/send";
import { allowPrivateTargets, type Env } from "../env";
import * as core from "../job/core";
import { HistoryWrites } from "../job/history-plan";
import { type CronRecord, type CronRun, toCronRecord, toCronRun } from "../job/record";
import type { JobConfig, JobState, RunRow } from "../job/types";
import { log } from "../lib/log";
import { newRunId } from "../lib/ulid";
import { deleteJobRow, indexRowOf, upsertJobStatement } from "../store/jobs";
import { deleteRunsOfJob, upsertRunStatement } from "../store/runs";

/** Storage keys: the job's state, and its configuration (rewritten only when it changes). */
const STATE_KEY = "job";
const CONFIG_KEY = "config";
/** An alarm handler may run 15 minutes; we never hold it that long. */
const MAX_ALARM_HOLD_MS = 10 * 60_000;

const notFound = () => fail("NOT_FOUND", "cron job not found");

export class JobObject extends DurableObject<Env> {
  private job: JobState | null = null;
  /** The configuration object last written to storage (the core keeps its identity). */
  private storedConfig: JobConfig | null = null;
  private alarmAt: number | null | undefined;
  private readonly inflight = new Map<string, { done: Promise<void>; abort: AbortController }>();
  /** D1 writes, chained so they land in order. */
  private d1: Promise<void> = Promise.resolve();
  /** D1 writes not sent yet (see history-writes.ts), and the timer for the next one due. */
  private readonly pending = new HistoryWrites();
  private flushTimer: ReturnType<typeof setTimeout> | undefined;
  private flushAt = Number.POSITIVE_INFINITY;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    ctx.blockConcurrencyWhile(async () => {
      this.job = await this.load();
      // Attempts persisted as in flight belonged to a previous instance: nobody
      // will report them any more, so they count as failed (and are retried).
      if (this.job?.active.some((r) => r.state === "running")) {
        await this.commit(core.recover(this.job, this.coreCtx()));
      }
    });
  }

  private async load(): Promise<JobState | null> {
    const got = await this.ctx.storage.get<unknown>([STATE_KEY, CONFIG_KEY]);
    const stored = got.get(STATE_KEY) as Omit<JobState, "config"> | undefined;
    const config = got.get(CONFIG_KEY) as JobConfig | undefined;
    if (!stored || !config) return null;
    this.storedConfig = config;
    return { ...stored, config };
  }

  private coreCtx(): core.CoreCtx {
    return { now: Date.now(), newRunId: () => newRunId(), random: Math.random };
  }

  private owned(tenantId: string): JobState | null {
    return this.job && this.job.tenant_id === tenantId ? this.job : null;
  }

  // ------------------------------------------------------------ RPC (called by the Worker)

  /** Stores a new job (built by core.createJob at the edge, whose index row is already claimed). */
  async create(state: JobState): Promise<Outcome<CronRecord>> {
    if (this.job) return fail("INTERNAL", "job id already in use");
    await this.commit({ state, effects: [] }, true);
    await this.d1;
    return { ok: true, value: toCronRecord(this.job!) };
  }

  async get(tenantId: string): Promise<Outcome<CronRecord>> {
    const job = this.owned(tenantId);
    return job ? { ok: true, value: toCronRecord(job) } : notFound();
  }

  async update(tenantId: string, patch: core.ConfigPatch): Promise<Outcome<CronRecord>> {
    const job = this.owned(tenantId);
    if (!job) return notFound();
    return this.mutate(core.update(job, patch, Date.now()));
  }

  async pause(tenantId: string): Promise<Outcome<CronRecord>> {
    const job = this.owned(tenantId);
    return job ? this.mutate(core.pause(job, Date.now())) : notFound();
  }

  async resume(tenantId: string): Promise<Outcome<CronRecord>> {
    const job = this.owned(tenantId);
    return job ? this.mutate(core.resume(job, Date.now())) : notFound();
  }

  async trigger(tenantId: string): Promise<Outcome<CronRun>> {
    const job = this.owned(tenantId);
    if (!job) return notFound();
    const step = core.trigger(job, this.coreCtx());
    const row = step.effects.find(
      (e): e is Extract<core.Effect, { type: "write_run" }> => e.type === "write_run",
    )!.row;
    await this.commit(step, true);
    await this.d1; // the run is visible to runs.get once we answer
    return { ok: true, value: toCronRun(row) };
  }

  async remove(tenantId: string): Promise<Outcome<{ cron_id: string; deleted: true }>> {
    const job = this.owned(tenantId);
    if (!job) return notFound();
    this.job = null;
    for (const { abort } of this.inflight.values()) abort.abort();
    this.dropPendingWrites();
    await this.d1; // let queued history writes land before the history is deleted
    await this.ctx.storage.deleteAlarm();
    await this.ctx.storage.deleteAll();
    this.alarmAt = null;
    this.storedConfig = null;
    await deleteJobRow(this.env.DB, job.cron_id);
    await deleteRunsOfJob(this.env.DB, job.cron_id);
    log("job.deleted", { tenant_id: job.tenant_id, cron_id: job.cron_id });
    return { ok: true, value: { cron_id: job.cron_id, deleted: true } };
  }

  /**
   * Safety net of the daily sweep: an active job whose wake-up is overdue gets an
   * alarm now (a lost or stuck alarm), and its index row is brought back in step.
   */
  async ensureAlarm(overdueMs = 5 * 60_000): Promise<{ cron_id: string | null; rearmed: boolean }> {
    if (!this.job) return { cron_id: null, rearmed: false };
    const want = core.wakeAt(this.job);
    const have = await this.ctx.storage.getAlarm();
    const now = Date.now();
    let rearmed = false;
    if (want !== null && (have === null || have < now - overdueMs)) {
      await this.ctx.storage.setAlarm(Math.max(want, now));
      this.alarmAt = Math.max(want, now);
      rearmed = true;
    }
    this.pending.indexUnknown();
    this.writeD1(this.job, [], true);
    await this.d1;
    return { cron_id: this.job.cron_id, rearmed };
  }

  // ------------------------------------------------------------ alarm

  override async alarm(): Promise<void> {
    if (!this.job) return;
    const before = new Set(this.inflight.keys());
    await this.commit(core.wake(this.job, this.coreCtx()));
    // alarm() never runs concurrently with itself, so we must not sit on slow targets
    // past the next wake-up. Until then, waiting keeps the object alive for the
    // attempts this wake-up started (an hourly job's slow target, say).
    const started = [...this.inflight.entries()]
      .filter(([k]) => !before.has(k))
      .map(([, f]) => f.done);
    if (started.length === 0) return;
    const next = this.job ? core.wakeAt(this.job) : null;
    const hold = Math.min(
      MAX_ALARM_HOLD_MS,
      next === null ? MAX_ALARM_HOLD_MS : next - Date.now() - 20,
    );
    if (hold <= 0) return;
    let timer: ReturnType<typeof setTimeout> | undefined;
    await Promise.race([
      Promise.allSettled(started).then(() => this.d1),
      new Promise((r) => {
        timer = setTimeout(r, hold);
      }),
    ]);
    clearTimeout(timer);
  }

  // ------------------------------------------------------------ effects

  private async mutate(state: JobState): Promise<Outcome<CronRecord>> {
    await this.commit({ state, effects: [] }, true);
    await this.d1;
    return { ok: true, value: toCronRecord(state) };
  }

  /**
   * Saves the state (and the alarm) before any effect: the output gate holds the
   * attempts started here until the write is durable, so a slot fires once. `urgent`
   * D1 writes are sent at once (an API call answers after them); see writeD1.
   */
  private async commit(step: core.Step, urgent = false): Promise<void> {
    const state = step.state;
    this.job = state;
    // Writes issued without an await between them are committed as one transaction.
    const { config, ...rest } = state;
    const writes: Promise<unknown>[] = [];
    if (config === this.storedConfig) {
      writes.push(this.ctx.storage.put(STATE_KEY, rest));
    } else {
      writes.push(this.ctx.storage.put({ [STATE_KEY]: rest, [CONFIG_KEY]: config }));
      this.storedConfig = config;
    }
    writes.push(this.armAlarm(state));
    await Promise.all(writes);
    const rows: RunRow[] = [];
    for (const effect of step.effects) {
      if (effect.type === "write_run") rows.push(effect.row);
      else if (effect.type === "start_attempt") this.startAttempt(effect.run_id, effect.attempt);
      else this.notify(effect.row);
    }
    this.writeD1(state, rows, urgent);
  }

  private armAlarm(state: JobState): Promise<void> {
    const at = core.wakeAt(state);
    if (at === this.alarmAt) return Promise.resolve();
    this.alarmAt = at;
    return at === null ? this.ctx.storage.deleteAlarm() : this.ctx.storage.setAlarm(at);
  }

  /** History and index writes, in order, off the delivery path (what is due at once, now). */
  private writeD1(state: JobState, rows: RunRow[], urgent = false): void {
    this.pending.add(state, rows, Date.now(), urgent);
    this.flush();
  }

  /** Sends the pending writes that are due (all with `all`) as one batch; re-arms the timer. */
  private flush(all = false): void {
    const db = this.env.DB;
    const due = this.pending.take(Date.now(), all);
    this.armFlush(this.pending.nextDue());
    const statements = due.rows.map((r) => upsertRunStatement(db, r));
    if (due.index) statements.push(upsertJobStatement(db, indexRowOf(due.index)));
    if (statements.length === 0) return;
    const cronId = this.job?.cron_id;
    this.d1 = this.d1.then(async () => {
      if (!this.job) return; // deleted meanwhile: write nothing back
      try {
        await db.batch(statements);
      } catch (e) {
        this.pending.indexUnknown();
        log("d1.write_failed", { cron_id: cronId, error: String(e) });
      }
    });
  }

  private armFlush(at: number): void {
    if (at === this.flushAt) return;
    clearTimeout(this.flushTimer);
    this.flushTimer = undefined;
    this.flushAt = at;
    if (at === Number.POSITIVE_INFINITY) return;
    this.flushTimer = setTimeout(
      () => {
        this.flushTimer = undefined;
        this.flushAt = Number.POSITIVE_INFINITY;
        this.flush();
      },
      Math.max(0, at - Date.now()),
    );
  }

  private dropPendingWrites(): void {
    this.pending.clear();
    this.armFlush(Number.POSITIVE_INFINITY);
  }

  private startAttempt(run_id: string, attempt: number): void {
    const job = this.job!;
    const run = job.active.find((r) => r.run_id === run_id)!;
    const abort = new AbortController();
    const key = `${run_id}#${attempt}`;
    const done = sendAttempt(
      job,
      { run_id, attempt, scheduled_for: run.scheduled_for },
      { allowPrivate: allowPrivateTargets(this.env), signal: abort.signal },
    )
      .then(async (result) => {
        log("run.attempt", {
          tenant_id: job.tenant_id,
          cron_id: job.cron_id,
          run_id,
          trigger: run.trigger,
          scheduled_for: new Date(run.scheduled_for).toISOString(),
          attempt,
          status: result.response_status,
          ok: result.ok,
          duration_ms: result.duration_ms,
          error: result.error,
        });
        if (!this.job) return;
        await this.commit(core.attemptFinished(this.job, run_id, attempt, result, this.coreCtx()));
      })
      .catch((e) => log("run.attempt_error", { cron_id: job.cron_id, run_id, error: String(e) }))
      .finally(() => this.inflight.delete(key));
    this.inflight.set(key, { done, abort });
  }

  private notify(row: RunRow): void {
    const job = this.job!;
    const key = `${row.run_id}#notify`;
    const done = notifyFailure(job, row, { allowPrivate: allowPrivateTargets(this.env) })
      .then((r) => log("run.failure_webhook", { cron_id: job.cron_id, run_id: row.run_id, ...r }))
      .finally(() => this.inflight.delete(key));
    this.inflight.set(key, { done, abort: new AbortController() });
  }
}
