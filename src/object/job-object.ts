// The imperative shell of a job: load state, call the core, perform the effects,
// save. One instance per job, named by its cron_id. The pieces that perform the
// effects live beside it: storage.ts (state and alarm), dispatcher.ts (attempts in
// flight), history-writer.ts (D1). The object owns its job's invariants: it builds
// its initial state, claims its quota slot and writes its index row itself.
import { DurableObject } from "cloudflare:workers";
import { configOf, type Env, historyQueue, newJobShard, PRIMARY_SHARD, shardDb } from "../env";
import {
  type AuditAction,
  type AuditEntry,
  auditEntry,
  type ChangeBy,
  systemEntry,
} from "../job/audit";
import * as core from "../job/core";
import type { VersionedRun } from "../job/history-batch";
import { notificationsOf } from "../job/outbox";
import { type CronRecord, type CronRun, toCronRecord, toCronRun } from "../job/record";
import {
  FINISHED_STATES,
  type JobConfig,
  type JobState,
  type RunRow,
  type RunState,
} from "../job/types";
import { randomToken } from "../lib/crypto";
import { log } from "../lib/log";
import { failure, type Outcome, success } from "../lib/outcome";
import { iso } from "../lib/time";
import { newAuditId, newBackfillId, newEventId, newRunId } from "../lib/ulid";
import { deleteAuditOfJob, insertAuditStatement } from "../store/audit";
import { deleteJobCounters } from "../store/counters";
import { claimJobSlot, deleteJobLeavingTombstone, deleteJobRow, indexRowOf } from "../store/jobs";
import { runsToReplay } from "../store/run-queries";
import { deleteRunsOfJob, getRun } from "../store/runs";
import { Dispatcher } from "./dispatcher";
import { HistoryWriter } from "./history-writer";
import { Notifier } from "./notifier";
import { JobStorage } from "./storage";

const notFound = () => failure("NOT_FOUND", "cron job not found");
const runNotFound = () => failure("NOT_FOUND", "run not found");

/**
 * Pre-armed firing (issue 14): the alarm of a slot is set this long before it; the
 * wake-up commits the run and signs its request, then sends at the slot's instant,
 * so neither the alarm's wake-up lag nor the storage commit delays the request.
 * Measured in BENCHMARKS.md ("precision"); a late wake-up sends at once.
 */
export const PRE_ARM_MS = 600;

/**
 * Chained firing (issue 14): an attempt's result that comes while an alarm handler is
 * holding the object (below) takes the job's next slot too when it is due within this
 * long, in the same commit (core ctx.chainLeadMs). For a job firing every second with a
 * fast target that is one storage commit per delivery instead of two (the result's and
 * the next wake-up's), and no alarm of its own for the next slot. The slot is then
 * taken up to this long before it, like a pre-armed one: a crash meanwhile leaves a
 * started run that the restart retries (one run for the slot).
 */
export const CHAIN_LEAD_MS = 1_000;

/** The answer to cron.backfill (202). */
export interface BackfillAccepted {
  cron_id: string;
  backfill_id: string;
  slots: number;
  first_slot: string;
  last_slot: string;
}

/** The answer to a bulk replay (202, SPEC §11). */
export interface ReplayAccepted {
  cron_id: string;
  replayed: number;
  run_ids: string[];
}

/** Which finished runs a bulk replay repeats (times in epoch ms). */
export interface ReplayRequest {
  state: RunState;
  from?: number;
  to?: number;
  limit: number;
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
  /** An alarm handler is holding the object for its attempts in flight (chained firing). */
  private holding = false;
  private readonly storage: JobStorage;
  private readonly dispatcher: Dispatcher;
  private readonly history: HistoryWriter;
  private readonly notifier: Notifier;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.storage = new JobStorage(ctx.storage, PRE_ARM_MS);
    this.dispatcher = new Dispatcher(() => configOf(this.env));
    this.history = new HistoryWriter(
      {
        queue: () => historyQueue(this.env, this.history.shard),
        primary: env.DB,
        retryAt: (at) => this.storage.retryHistoryAt(at),
        cronId: () => this.job?.cron_id,
      },
      PRIMARY_SHARD,
    );
    this.notifier = new Notifier(
      this.storage,
      () => this.job,
      () => this.dispatcher.sendOptions(),
    );
    ctx.blockConcurrencyWhile(async () => {
      const loaded = await this.storage.load();
      this.job = loaded?.state ?? null;
      this.notifier.loaded(loaded?.outbox ?? []);
      // Rows a previous instance had not handed to the queue yet go out now.
      if (this.job) this.history.restore(await this.storage.loadHistory(), this.job, PRIMARY_SHARD);
      // Attempts persisted as in flight belonged to a previous instance: nobody
      // will report them any more, so they count as failed (and are retried).
      if (this.job?.active.some((r) => r.state === "running")) {
        await this.commit(core.recover(this.job, this.coreCtx()));
      }
      this.notifier.pump();
    });
  }

  private coreCtx(): core.CoreCtx {
    return {
      now: Date.now(),
      newRunId: () => newRunId(),
      random: Math.random,
      leadMs: PRE_ARM_MS,
      // Only while an alarm handler holds the object, so that what keeps a chained
      // slot's request alive is that handler, not a timer of an idle object.
      chainLeadMs: this.holding && configOf(this.env).chainedFiring ? CHAIN_LEAD_MS : 0,
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
  async create(req: CreateRequest, by: ChangeBy): Promise<Outcome<CronRecord>> {
    if (this.job) return failure("INTERNAL", "job id already in use");
    const { jobQuota } = configOf(this.env);
    const { state } = core.createJob({ ...req, signing_secret: randomToken("whsec_") }, Date.now());
    // The job's history shard is chosen now and kept with it (SPEC §14).
    const shard = newJobShard(this.env, state.cron_id);
    this.history.shard = shard;
    // The index row is claimed first, by one conditional INSERT: D1 runs it
    // atomically, so concurrent creates cannot overshoot the quota.
    if (!(await claimJobSlot(this.env.DB, indexRowOf(state), jobQuota, shard))) {
      return failure("QUOTA_EXCEEDED", `this tenant already has the maximum of ${jobQuota} jobs`);
    }
    this.history.indexedAs(state); // the claim wrote the index row
    try {
      await this.commit({ state, effects: [] }, false, true);
    } catch (e) {
      await deleteJobRow(this.env.DB, state.cron_id); // give the slot back
      throw e;
    }
    await this.audit(auditEntry("create", null, state, by, state.created_at));
    return success(toCronRecord(state));
  }

  async get(tenantId: string): Promise<Outcome<CronRecord>> {
    const job = await this.current(tenantId);
    return job ? success(toCronRecord(job)) : notFound();
  }

  async update(
    tenantId: string,
    patch: core.ConfigPatch,
    by: ChangeBy,
    action: "update" | "retention.set" = "update",
  ): Promise<Outcome<CronRecord>> {
    const job = await this.current(tenantId);
    if (!job) return notFound();
    const step = core.update(job, patch, this.coreCtx());
    // The window as a whole: a new end_at against the stored start_at, and so on.
    const problem = core.windowProblem(step.state.config);
    if (problem) return failure("INVALID_INPUT", `end_at ${problem.message}`, problem.path);
    return this.mutate(job, step, by, action);
  }

  async pause(tenantId: string, by: ChangeBy): Promise<Outcome<CronRecord>> {
    const job = await this.current(tenantId);
    return job ? this.mutate(job, core.pause(job, this.coreCtx()), by, "pause") : notFound();
  }

  async resume(tenantId: string, by: ChangeBy): Promise<Outcome<CronRecord>> {
    const job = this.owned(tenantId);
    return job ? this.mutate(job, core.resume(job, Date.now()), by, "resume") : notFound();
  }

  /** cron.rotate-secret (SPEC §12): a new secret; the previous one signs beside it for 24 h. */
  async rotateSecret(tenantId: string, by: ChangeBy): Promise<Outcome<CronRecord>> {
    const job = await this.current(tenantId);
    if (!job) return notFound();
    const step = core.rotateSecret(job, randomToken("whsec_"), Date.now());
    return this.mutate(job, step, by, "rotate-secret");
  }

  async trigger(tenantId: string, by: ChangeBy): Promise<Outcome<CronRun>> {
    const job = await this.current(tenantId);
    if (!job) return notFound();
    const step = core.trigger(job, this.coreCtx());
    await this.commit(step, true);
    await this.history.settled(); // the run is visible to runs.get once we answer
    await this.audit(auditEntry("trigger", job, step.state, by, Date.now(), step.row.run_id));
    return success(toCronRun(step.row));
  }

  /** cron.runs.replay of one finished run (SPEC §11): a new run, now. */
  async replay(tenantId: string, runId: string, by: ChangeBy): Promise<Outcome<CronRun>> {
    const job = await this.current(tenantId);
    if (!job) return notFound();
    if (core.inProgress(job, runId)) return inProgressFailure(runId);
    const original = await this.findRun(tenantId, job.cron_id, runId);
    if (!original) return runNotFound();
    if (!FINISHED_STATES.includes(original.state)) return inProgressFailure(runId);
    // The job as it is now: events may have been handled while D1 answered.
    const now = this.owned(tenantId);
    if (!now) return notFound();
    const step = core.replay(now, original, this.coreCtx());
    await this.commit(step, true);
    await this.history.settled();
    await this.audit(auditEntry("replay", now, step.state, by, Date.now(), step.row.run_id));
    return success(toCronRun(step.row));
  }

  /** cron.runs.replay of many (SPEC §11): the matching finished runs, oldest first, in turn. */
  async replayMany(
    tenantId: string,
    req: ReplayRequest,
    by: ChangeBy,
  ): Promise<Outcome<ReplayAccepted>> {
    const job = await this.current(tenantId);
    if (!job) return notFound();
    const held = this.history.held().map((r) => r.row);
    const originals = await runsToReplay(this.historyDb(), job.cron_id, req, held);
    // The job as it is now: events may have been handled while D1 answered.
    const now = this.owned(tenantId);
    if (!now) return notFound();
    if (now.replays.length + originals.length > core.MAX_REPLAYS_WAITING) {
      const max = core.MAX_REPLAYS_WAITING;
      return failure("QUOTA_EXCEEDED", `this job would have more than ${max} replays waiting`);
    }
    const step = core.replayMany(now, originals, this.coreCtx());
    await this.commit(step, true);
    await this.history.settled();
    const subject = step.run_ids.length > 0 ? step.run_ids.join(",") : null;
    await this.audit(auditEntry("replay", now, step.state, by, Date.now(), subject));
    return success({ cron_id: job.cron_id, replayed: step.run_ids.length, run_ids: step.run_ids });
  }

  /** cron.runs.cancel (SPEC §11): a queued, running or retrying run ends cancelled. */
  async cancel(tenantId: string, runId: string, by: ChangeBy): Promise<Outcome<CronRun>> {
    const job = await this.current(tenantId);
    if (!job) return notFound();
    const step = core.cancel(job, runId, `cancelled by ${by.actor}`, this.coreCtx());
    if (!step.found || step.row === null) {
      const row = await this.findRun(tenantId, job.cron_id, runId);
      return row
        ? failure("RUN_FINISHED", `run ${runId} has already finished (${row.state})`)
        : runNotFound();
    }
    await this.commit(step, true);
    await this.history.settled();
    await this.audit(auditEntry("cancel", job, step.state, by, Date.now(), runId));
    return success(toCronRun(step.row));
  }

  /** cron.backfill (SPEC §10): the job's slots in [from, to) as a lane of runs. */
  async backfill(
    tenantId: string,
    range: { from: number; to: number },
    by: ChangeBy,
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
    await this.audit(auditEntry("backfill", job, step.state, by, Date.now(), backfill_id));
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
    this.notifier.stop();
    this.history.drop();
    await this.history.settled(); // let history writes already sent land before the delete
    await this.audits; // and audit entries
    await this.storage.deleteAll();
    await deleteJobLeavingTombstone(
      this.env.DB,
      { cron_id: job.cron_id, tenant_id: job.tenant_id, shard: this.history.shard },
      Date.now(),
    );
    await deleteRunsOfJob(this.historyDb(), job.cron_id);
    await deleteAuditOfJob(this.env.DB, job.cron_id);
    await deleteJobCounters(this.historyDb(), job.tenant_id, job.cron_id);
    log("job.deleted", { tenant_id: job.tenant_id, cron_id: job.cron_id });
    return success({ cron_id: job.cron_id, deleted: true as const });
  }

  /**
   * Safety net of the daily sweep: an active job whose wake-up is overdue gets an
   * alarm now (a lost or stuck alarm), and its index row is brought back in step.
   */
  async ensureAlarm(overdueMs = 5 * 60_000): Promise<{ cron_id: string | null; rearmed: boolean }> {
    if (!this.job) return { cron_id: null, rearmed: false };
    const want = this.storage.wakeAt(this.job); // the outbox's head included
    const rearmed = await this.storage.rearmIfLost(want, Date.now(), overdueMs);
    this.history.indexUnknown();
    this.history.record(this.job, this.history.unchanged(), true);
    await this.history.retryNow(); // and whatever history is still waiting
    await this.history.settled();
    return { cron_id: this.job.cron_id, rearmed };
  }

  /**
   * The job's history as this object holds it: its shard, and the rows it has not
   * seen land there yet (runs.get and runs.list merge them, so a finished run shows at once).
   */
  async heldHistory(tenantId: string): Promise<Outcome<{ shard: string; held: VersionedRun[] }>> {
    const job = this.owned(tenantId);
    if (!job) return notFound();
    return success({ shard: this.history.shard, held: this.history.held() });
  }

  // ------------------------------------------------------------ alarm

  override async alarm(): Promise<void> {
    this.storage.alarmFired();
    if (!this.job) return;
    const wake = core.wakeAt(this.job, PRE_ARM_MS);
    const slotDue = wake !== null && wake <= Date.now();
    // The alarm may be the outbox's retry (storage.ts), earlier than the job's wake-up.
    void this.history.retryNow(slotDue);
    if (!slotDue) {
      await this.storage.rearm(); // for the wake-up and any further retry
      return;
    }
    await this.commit(core.wake(this.job, this.coreCtx()));
    this.notifier.pump(); // a notification due (a retry, or one cut short by a restart)
    // Every attempt in flight, not only those this wake-up started: a job at its limit
    // does not wake for each slot (src/job/core/decision.ts), so this handler is what
    // keeps the object alive for its slow targets until the next wake-up.
    // A result that comes meanwhile may take the next slot (chained firing): its request
    // is then in flight too, and the handler goes on holding for it, up to
    // MAX_ALARM_HOLD_MS in all (an alarm handler may run 15 minutes). After that, results
    // commit alone and the job's own alarm comes back for its next slot.
    const until = Date.now() + core.MAX_ALARM_HOLD_MS;
    this.holding = true;
    try {
      for (;;) {
        const sending = this.notifier.inFlight();
        const started = [...this.dispatcher.inFlight(), ...(sending ? [sending] : [])];
        if (started.length === 0) return;
        const now = Date.now();
        const next = this.job ? core.wakeAt(this.job, PRE_ARM_MS) : null;
        const hold = Math.min(core.alarmHoldMs(next, now), until - now);
        if (hold <= 0) return;
        let timer: ReturnType<typeof setTimeout> | undefined;
        const settled = await Promise.race([
          Promise.allSettled(started)
            .then(() => this.history.settled())
            .then(() => true),
          new Promise<false>((r) => {
            timer = setTimeout(() => r(false), hold);
          }),
        ]);
        clearTimeout(timer);
        if (!settled) return;
      }
    } finally {
      this.holding = false;
    }
  }

  // ------------------------------------------------------------ effects

  private async mutate(
    before: JobState,
    step: core.Step,
    by: ChangeBy,
    action: AuditAction,
  ): Promise<Outcome<CronRecord>> {
    await this.commit(step, true);
    await this.history.settled();
    // A call that changed nothing (a pause of a paused job) leaves no entry.
    if (step.state !== before)
      await this.audit(auditEntry(action, before, step.state, by, Date.now()));
    return success(toCronRecord(step.state));
  }

  /** Audit entries, chained so that they land in order (remove waits for them). */
  private audits: Promise<void> = Promise.resolve();

  /** Writes an audit entry (SPEC §11); resolves once it has landed (or failed, logged). */
  private audit(entry: AuditEntry, job: JobState | null = this.job): Promise<void> {
    if (!job) return Promise.resolve();
    const stmt = insertAuditStatement(
      this.env.DB,
      newAuditId(entry.at),
      job.cron_id,
      job.tenant_id,
      entry,
    );
    this.audits = this.audits.then(async () => {
      try {
        await stmt.run();
      } catch (e) {
        log("audit.write_failed", { cron_id: job.cron_id, action: entry.action, error: String(e) });
      }
    });
    return this.audits;
  }

  /**
   * Saves the state (and the alarm) before any effect: the output gate holds the
   * attempts started here until the write is durable, so a slot fires once. `urgent`
   * history writes are sent at once (an API call answers after them). Notifications
   * go into the outbox in the same write, and are sent after it.
   */
  private async commit(step: core.Step, urgent = false, first = false): Promise<void> {
    const before = this.job;
    this.job = step.state;
    const events = notificationsOf(step.state, step.effects, Date.now(), newEventId);
    const rows: RunRow[] = [];
    for (const effect of step.effects) if (effect.type === "write_run") rows.push(effect.row);
    // The rows go into the history outbox, and the events into the notification outbox,
    // in the same transaction as the state that made them.
    const staged = this.history.stage(rows, first);
    await this.storage.save(step.state, {
      history: staged,
      outbox: events.length > 0 ? this.notifier.add(events) : undefined,
    });
    for (const effect of step.effects) {
      if (effect.type === "write_run") continue;
      if (effect.type === "start_attempt")
        this.startAttempt(effect.run_id, effect.attempt, effect.at);
      else if (effect.type === "abort_attempt")
        this.dispatcher.abort(effect.run_id, "the run was cancelled");
    }
    this.history.record(step.state, staged, urgent);
    if (events.length > 0) this.notifier.pump();
    // A change crondo made by itself (a pause after pause_after_failures) is audited too.
    const system = before ? systemEntry(before, step.state, Date.now()) : null;
    if (system) void this.audit(system, step.state);
  }

  /** The job's history database. */
  private historyDb(): D1Database {
    return shardDb(this.env, this.history.shard);
  }

  /**
   * A run of this job as its history says: the newer of the row in its shard and the
   * one this object still holds (a row handed to the queue may not have landed yet).
   */
  private async findRun(tenantId: string, cronId: string, runId: string): Promise<RunRow | null> {
    const held = this.history.held().find((r) => r.row.run_id === runId) ?? null;
    const stored = await getRun(this.historyDb(), tenantId, cronId, runId);
    const newest = !stored || (held && held.version > stored.version) ? held : stored;
    return newest?.row ?? null;
  }

  private startAttempt(run_id: string, attempt: number, at: number): void {
    this.dispatcher.start(this.job!, run_id, attempt, at, async (result) => {
      if (!this.job) return; // deleted meanwhile
      await this.commit(core.attemptFinished(this.job, run_id, attempt, result, this.coreCtx()));
    });
  }
}

const inProgressFailure = (runId: string) =>
  failure(
    "RUN_IN_PROGRESS",
    `run ${runId} is still in progress: only a finished run can be replayed`,
  );
