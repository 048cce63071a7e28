// The imperative shell of a job: load state, call the core, perform the effects,
// save. One instance per job, named by its cron_id. The pieces that perform the
// effects live beside it: storage.ts (state and alarm), dispatcher.ts (attempts in
// flight), history-writer.ts (D1). The object owns its job's invariants: it builds
// its initial state, claims its quota slot and writes its index row itself.
import { DurableObject } from "cloudflare:workers";
import { configOf, type Env } from "../env";
import * as core from "../job/core";
import { type CronRecord, type CronRun, toCronRecord, toCronRun } from "../job/record";
import type { JobConfig, JobState, RunRow } from "../job/types";
import { randomToken } from "../lib/crypto";
import { log } from "../lib/log";
import { failure, type Outcome, success } from "../lib/outcome";
import { iso } from "../lib/time";
import { newBackfillId, newRunId } from "../lib/ulid";
import { deleteJobCounters } from "../store/counters";
import { claimJobSlot, deleteJobRow, indexRowOf } from "../store/jobs";
import { deleteRunsOfJob } from "../store/runs";
import { Dispatcher } from "./dispatcher";
import { HistoryWriter } from "./history-writer";
import { JobStorage } from "./storage";

const notFound = () => failure("NOT_FOUND", "cron job not found");

/**
 * Pre-armed firing (issue 14): the alarm of a slot is set this long before it; the
 * wake-up commits the run and signs its request, then sends at the slot's instant,
 * so neither the alarm's wake-up lag nor the storage commit delays the request.
 * Measured in BENCHMARKS.md ("precision"); a late wake-up sends at once.
 */
export const PRE_ARM_MS = 300;

/** The answer to cron.backfill (202). */
export interface BackfillAccepted {
  cron_id: string;
  backfill_id: string;
  slots: number;
  first_slot: string;
  last_slot: string;
}

/** What the create route hands over: a validated configuration for a new id. */
export interface CreateRequest {
  cron_id: string;
  tenant_id: string;
  config: JobConfig;
  enabled: boolean;
}

export class JobObject extends DurableObject<Env> {
  private job: JobState | null = null;
  private readonly storage: JobStorage;
  private readonly dispatcher: Dispatcher;
  private readonly history: HistoryWriter;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.storage = new JobStorage(ctx.storage, PRE_ARM_MS);
    this.dispatcher = new Dispatcher(() => configOf(this.env));
    this.history = new HistoryWriter(env.DB, () => this.job?.cron_id);
    ctx.blockConcurrencyWhile(async () => {
      this.job = await this.storage.load();
      // Attempts persisted as in flight belonged to a previous instance: nobody
      // will report them any more, so they count as failed (and are retried).
      if (this.job?.active.some((r) => r.state === "running")) {
        await this.commit(core.recover(this.job, this.coreCtx()));
      }
    });
  }

  private coreCtx(): core.CoreCtx {
    return {
      now: Date.now(),
      newRunId: () => newRunId(),
      random: Math.random,
      leadMs: PRE_ARM_MS,
      capacityFull: this.dispatcher.capacityFull(),
    };
  }

  private owned(tenantId: string): JobState | null {
    return this.job && this.job.tenant_id === tenantId ? this.job : null;
  }
  /**
   * The caller's job as of now: slots skipped since the last event (a job at its limit
   * does not wake for them, src/job/core/decision.ts) are recorded before anything reads
   * or changes it.
   */
  private async current(tenantId: string): Promise<JobState | null> {
    const job = this.owned(tenantId);
    if (!job) return null;
    const step = core.settleSkippedSlots(job, this.coreCtx());
    if (step.effects.length > 0) await this.commit(step, true);
    return this.job;
  }

  // ------------------------------------------------------------ RPC (called by the Worker)

  /** Creates the job: its initial state, its quota slot (the index row) and its storage. */
  async create(req: CreateRequest): Promise<Outcome<CronRecord>> {
    if (this.job) return failure("INTERNAL", "job id already in use");
    const { jobQuota } = configOf(this.env);
    const { state } = core.createJob({ ...req, signing_secret: randomToken("whsec_") }, Date.now());
    // The index row is claimed first, by one conditional INSERT: D1 runs it
    // atomically, so concurrent creates cannot overshoot the quota.
    if (!(await claimJobSlot(this.env.DB, indexRowOf(state), jobQuota))) {
      return failure("QUOTA_EXCEEDED", `this tenant already has the maximum of ${jobQuota} jobs`);
    }
    this.history.indexedAs(state); // the claim wrote the index row
    try {
      await this.commit({ state, effects: [] });
    } catch (e) {
      await deleteJobRow(this.env.DB, state.cron_id); // give the slot back
      throw e;
    }
    return success(toCronRecord(state));
  }

  async get(tenantId: string): Promise<Outcome<CronRecord>> {
    const job = await this.current(tenantId);
    return job ? success(toCronRecord(job)) : notFound();
  }

  async update(tenantId: string, patch: core.ConfigPatch): Promise<Outcome<CronRecord>> {
    const job = await this.current(tenantId);
    if (!job) return notFound();
    const step = core.update(job, patch, Date.now());
    // The window as a whole: a new end_at against the stored start_at, and so on.
    const problem = core.windowProblem(step.state.config);
    if (problem) return failure("INVALID_INPUT", `end_at ${problem.message}`, problem.path);
    return this.mutate(step);
  }

  async pause(tenantId: string): Promise<Outcome<CronRecord>> {
    const job = await this.current(tenantId);
    return job ? this.mutate(core.pause(job, Date.now())) : notFound();
  }

  async resume(tenantId: string): Promise<Outcome<CronRecord>> {
    const job = this.owned(tenantId);
    return job ? this.mutate(core.resume(job, Date.now())) : notFound();
  }

  async trigger(tenantId: string): Promise<Outcome<CronRun>> {
    const job = await this.current(tenantId);
    if (!job) return notFound();
    const step = core.trigger(job, this.coreCtx());
    await this.commit(step, true);
    await this.history.settled(); // the run is visible to runs.get once we answer
    return success(toCronRun(step.row));
  }

  /** cron.backfill (SPEC §10): the job's slots in [from, to) as a lane of runs. */
  async backfill(
    tenantId: string,
    range: { from: number; to: number },
  ): Promise<Outcome<BackfillAccepted>> {
    const job = await this.current(tenantId);
    if (!job) return notFound();
    if (job.config.schedule === null)
      return failure("INVALID_INPUT", "a one-shot job has no slots to backfill", "schedule");
    const slots = core.backfillSlots(job, range.from, range.to);
    if (slots.count > core.MAX_BACKFILL_SLOTS) {
      const max = core.MAX_BACKFILL_SLOTS;
      return failure("INVALID_INPUT", `more than ${max} slots in [from, to)`, "to");
    }
    if (slots.first === null || slots.last === null)
      return failure("INVALID_INPUT", "no slot of the job lies in [from, to)", "from");
    if (job.backfills.length >= core.MAX_BACKFILLS) {
      const max = core.MAX_BACKFILLS;
      return failure("QUOTA_EXCEEDED", `this job already has ${max} backfills waiting`);
    }
    const backfill_id = newBackfillId();
    const step = core.backfill(
      job,
      backfill_id,
      { count: slots.count, first: slots.first, last: slots.last },
      this.coreCtx(),
    );
    await this.commit(step, true);
    await this.history.settled();
    return success({
      cron_id: job.cron_id,
      backfill_id,
      slots: slots.count,
      first_slot: iso(slots.first)!,
      last_slot: iso(slots.last)!,
    });
  }

  async remove(tenantId: string): Promise<Outcome<{ cron_id: string; deleted: true }>> {
    const job = this.owned(tenantId);
    if (!job) return notFound();
    this.job = null;
    this.dispatcher.abortAll();
    this.history.drop();
    await this.history.settled(); // let history writes already sent land before the delete
    await this.storage.deleteAll();
    await deleteJobRow(this.env.DB, job.cron_id);
    await deleteRunsOfJob(this.env.DB, job.cron_id);
    await deleteJobCounters(this.env.DB, job.tenant_id, job.cron_id);
    log("job.deleted", { tenant_id: job.tenant_id, cron_id: job.cron_id });
    return success({ cron_id: job.cron_id, deleted: true as const });
  }

  /**
   * Safety net of the daily sweep: an active job whose wake-up is overdue gets an
   * alarm now (a lost or stuck alarm), and its index row is brought back in step.
   */
  async ensureAlarm(overdueMs = 5 * 60_000): Promise<{ cron_id: string | null; rearmed: boolean }> {
    if (!this.job) return { cron_id: null, rearmed: false };
    const want = core.wakeAt(this.job, PRE_ARM_MS);
    const rearmed = await this.storage.rearmIfLost(want, Date.now(), overdueMs);
    this.history.indexUnknown();
    this.history.record(this.job, [], true);
    await this.history.settled();
    return { cron_id: this.job.cron_id, rearmed };
  }

  // ------------------------------------------------------------ alarm

  override async alarm(): Promise<void> {
    if (!this.job) return;
    await this.commit(core.wake(this.job, this.coreCtx()));
    // Every attempt in flight, not only those this wake-up started: a job at its limit
    // does not wake for each slot (src/job/core/decision.ts), so this handler is what
    // keeps the object alive for its slow targets until the next wake-up.
    const started = this.dispatcher.inFlight();
    if (started.length === 0) return;
    const hold = core.alarmHoldMs(this.job ? core.wakeAt(this.job, PRE_ARM_MS) : null, Date.now());
    if (hold <= 0) return;
    let timer: ReturnType<typeof setTimeout> | undefined;
    await Promise.race([
      Promise.allSettled(started).then(() => this.history.settled()),
      new Promise((r) => {
        timer = setTimeout(r, hold);
      }),
    ]);
    clearTimeout(timer);
  }

  // ------------------------------------------------------------ effects

  private async mutate(step: core.Step): Promise<Outcome<CronRecord>> {
    await this.commit(step, true);
    await this.history.settled();
    return success(toCronRecord(step.state));
  }

  /**
   * Saves the state (and the alarm) before any effect: the output gate holds the
   * attempts started here until the write is durable, so a slot fires once. `urgent`
   * history writes are sent at once (an API call answers after them).
   */
  private async commit(step: core.Step, urgent = false): Promise<void> {
    this.job = step.state;
    await this.storage.save(step.state);
    const rows: RunRow[] = [];
    for (const effect of step.effects) {
      if (effect.type === "write_run") rows.push(effect.row);
      else if (effect.type === "start_attempt")
        this.startAttempt(effect.run_id, effect.attempt, effect.at);
      else if (effect.type === "abort_attempt")
        this.dispatcher.abort(effect.run_id, "the run was cancelled");
      else this.dispatcher.notifyFailure(this.job, effect.row);
    }
    this.history.record(step.state, rows, urgent);
  }

  private startAttempt(run_id: string, attempt: number, at: number): void {
    this.dispatcher.start(this.job!, run_id, attempt, at, async (result) => {
      if (!this.job) return; // deleted meanwhile
      await this.commit(core.attemptFinished(this.job, run_id, attempt, result, this.coreCtx()));
    });
  }
}
