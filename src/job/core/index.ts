// The functional core of a job: every decision — what fires, whether a slot is
// started, queued or skipped, when the next attempt is due, what the job looks
// like after an event — is a pure function of (state, event, context). The
// Durable Object (object.ts) loads state, calls these, performs the effects and saves.
import { latestDueSlot, scheduleOf, slotAfter } from "../slots";
import type {
  ActiveRun,
  AttemptResult,
  JobConfig,
  JobState,
  QueuedRun,
  RunRow,
  RunState,
  RunTrigger,
} from "../types";

export interface CoreCtx {
  now: number;
  newRunId: () => string;
  /** Uniform in [0, 1): retry jitter. */
  random: () => number;
}

export type Effect =
  | { type: "start_attempt"; run_id: string; attempt: number }
  | { type: "write_run"; row: RunRow }
  | { type: "notify_failure"; row: RunRow };

export interface Step {
  state: JobState;
  effects: Effect[];
}

/** A queue holds at most this many waiting runs (SPEC §6); later slots are skipped. */
export const MAX_QUEUED = 10;
/** How long past its timeout an attempt may stay unanswered before it is declared lost. */
export const ATTEMPT_GRACE_MS = 30_000;
export const MAX_RETRY_DELAY_MS = 3_600_000;

export const INTERRUPTED_ERROR =
  "attempt interrupted: crondo restarted while the request was in flight";

// ---------------------------------------------------------------- helpers

function rowOf(
  state: JobState,
  run: Pick<ActiveRun, "run_id" | "trigger" | "scheduled_for" | "missed_slots"> &
    Partial<ActiveRun>,
  runState: RunState,
  now: number,
  finished: boolean,
): RunRow {
  const log = run.attempt_log ?? [];
  const last = log[log.length - 1];
  const started = run.started_at ?? null;
  return {
    run_id: run.run_id,
    cron_id: state.cron_id,
    tenant_id: state.tenant_id,
    trigger: run.trigger,
    state: runState,
    scheduled_for: run.scheduled_for,
    started_at: started,
    finished_at: finished ? now : null,
    fire_lag_ms: started === null ? null : Math.max(0, started - run.scheduled_for),
    attempts: log.length + (runState === "running" ? 1 : 0),
    attempt_log: log,
    response_status: run.last_status ?? last?.response_status ?? null,
    duration_ms: finished && started !== null ? now - started : null,
    error: run.last_error ?? null,
    response_body: run.last_body ?? null,
    missed_slots: run.missed_slots,
    created_at: run.started_at ?? now,
  };
}

function computeStatus(state: JobState, now: number): Pick<JobState, "status" | "next_run_at"> {
  if (state.status === "paused") return { status: "paused", next_run_at: null };
  const { max_runs } = state.config;
  if (max_runs !== null && state.run_count >= max_runs) {
    return { status: "completed", next_run_at: null };
  }
  const next = slotAfter(state, state.config.schedule === null ? -Infinity : now);
  return next === null
    ? { status: "completed", next_run_at: null }
    : { status: "active", next_run_at: next };
}

function startRun(
  state: JobState,
  ctx: CoreCtx,
  init: { run_id: string; trigger: RunTrigger; scheduled_for: number; missed_slots: number },
): Step {
  const run: ActiveRun = {
    ...init,
    started_at: ctx.now,
    state: "running",
    attempt: 1,
    attempt_started_at: ctx.now,
    deadline: ctx.now + state.config.timeout_seconds * 1000 + ATTEMPT_GRACE_MS,
    next_attempt_at: null,
    attempt_log: [],
    last_status: null,
    last_error: null,
    last_body: null,
  };
  const next: JobState = {
    ...state,
    active: [...state.active, run],
    last_run_at: ctx.now,
    last_run_state: "running",
    last_run_id: run.run_id,
  };
  return {
    state: next,
    effects: [
      { type: "write_run", row: rowOf(next, run, "running", ctx.now, false) },
      { type: "start_attempt", run_id: run.run_id, attempt: 1 },
    ],
  };
}

/** Delay before attempt `failed + 1`: SPEC §3, doubling from the base, capped, ±20 % jitter. */
export function retryDelayMs(
  config: Pick<JobConfig, "retry_backoff_seconds">,
  failedAttempt: number,
  result: Pick<AttemptResult, "response_status" | "retry_after_seconds">,
  random: () => number,
): number {
  const status = result.response_status;
  if ((status === 429 || status === 503) && result.retry_after_seconds !== null) {
    return Math.min(MAX_RETRY_DELAY_MS, Math.max(0, result.retry_after_seconds * 1000));
  }
  const base = Math.min(
    MAX_RETRY_DELAY_MS,
    config.retry_backoff_seconds * 1000 * 2 ** (failedAttempt - 1),
  );
  const jitter = 1 + (random() * 0.4 - 0.2);
  return Math.min(MAX_RETRY_DELAY_MS, Math.round(base * jitter));
}

function finishRun(state: JobState, run: ActiveRun, outcome: "succeeded" | "failed", ctx: CoreCtx) {
  const row = rowOf(state, run, outcome, ctx.now, true);
  let next: JobState = {
    ...state,
    active: state.active.filter((r) => r.run_id !== run.run_id),
    consecutive_failures: outcome === "failed" ? state.consecutive_failures + 1 : 0,
    last_run_state: state.last_run_id === run.run_id ? outcome : state.last_run_state,
  };
  const effects: Effect[] = [{ type: "write_run", row }];
  if (outcome === "failed" && state.config.on_failure_webhook) {
    effects.push({ type: "notify_failure", row });
  }
  // A queued slot starts as soon as nothing is in progress any more, in slot order.
  if (next.active.length === 0 && next.queue.length > 0) {
    const [head, ...rest] = next.queue as [QueuedRun, ...QueuedRun[]];
    next = { ...next, queue: rest };
    const started = startRun(next, ctx, { ...head, trigger: "schedule" });
    next = started.state;
    effects.push(...started.effects);
  }
  return { state: next, effects };
}

// ---------------------------------------------------------------- events

export interface NewJob {
  cron_id: string;
  tenant_id: string;
  signing_secret: string;
  config: JobConfig;
  enabled: boolean;
}

export function createJob(init: NewJob, now: number): JobState {
  const base: JobState = {
    cron_id: init.cron_id,
    tenant_id: init.tenant_id,
    signing_secret: init.signing_secret,
    config: init.config,
    status: init.enabled ? "active" : "paused",
    next_run_at: null,
    last_slot: null,
    run_count: 0,
    last_run_at: null,
    last_run_state: null,
    last_run_id: null,
    consecutive_failures: 0,
    active: [],
    queue: [],
    created_at: now,
    updated_at: now,
  };
  return { ...base, ...computeStatus(base, now) };
}

/**
 * The alarm (or any wake-up): lost attempts, due retries, and the due slot.
 * Handles everything due at or before now, so work that fell overdue while the
 * object was down still runs.
 */
export function wake(state: JobState, ctx: CoreCtx): Step {
  let cur = state;
  const effects: Effect[] = [];
  const { now } = ctx;

  for (const run of state.active) {
    if (run.state === "running" && run.deadline !== null && run.deadline <= now) {
      const lost = interrupted(
        run,
        now,
        "attempt lost: no outcome was recorded before its deadline",
      );
      const step = attemptFinished(cur, run.run_id, run.attempt, lost, ctx);
      cur = step.state;
      effects.push(...step.effects);
    }
  }
  for (const run of cur.active) {
    if (run.state === "retrying" && run.next_attempt_at !== null && run.next_attempt_at <= now) {
      const attempt = run.attempt + 1;
      const started: ActiveRun = {
        ...run,
        state: "running",
        attempt,
        next_attempt_at: null,
        attempt_started_at: now,
        deadline: now + cur.config.timeout_seconds * 1000 + ATTEMPT_GRACE_MS,
      };
      cur = { ...cur, active: cur.active.map((r) => (r.run_id === run.run_id ? started : r)) };
      effects.push(
        { type: "write_run", row: rowOf(cur, started, "running", now, false) },
        { type: "start_attempt", run_id: run.run_id, attempt },
      );
    }
  }

  if (cur.status === "active" && cur.next_run_at !== null && cur.next_run_at <= now) {
    const step = fireDueSlot(cur, ctx);
    cur = step.state;
    effects.push(...step.effects);
  }
  return { state: cur, effects };
}

function interrupted(run: ActiveRun, now: number, error: string): AttemptResult {
  const started = run.attempt_started_at ?? now;
  return {
    started_at: started,
    duration_ms: Math.max(0, now - started),
    ok: false,
    response_status: null,
    error,
    response_body: null,
    retry_after_seconds: null,
  };
}

/** SPEC §5 misfire + §6 overlap: one run for the latest due slot, per the overlap policy. */
function fireDueSlot(state: JobState, ctx: CoreCtx): Step {
  const { now } = ctx;
  const { slot, missed } = latestDueSlot(state, state.next_run_at!, now);
  let cur: JobState = { ...state, last_slot: slot };
  const effects: Effect[] = [];
  const busy = cur.active.length > 0;
  const policy = cur.config.overlap_policy;
  const run_id = ctx.newRunId();
  const slotRun = {
    run_id,
    trigger: "schedule" as const,
    scheduled_for: slot,
    missed_slots: missed,
  };

  if (!busy || policy === "allow") {
    cur = { ...cur, run_count: cur.run_count + 1 };
    const step = startRun(cur, ctx, slotRun);
    cur = step.state;
    effects.push(...step.effects);
  } else if (policy === "queue" && cur.queue.length < MAX_QUEUED) {
    cur = {
      ...cur,
      run_count: cur.run_count + 1,
      queue: [...cur.queue, { run_id, scheduled_for: slot, missed_slots: missed, queued_at: now }],
    };
    effects.push({ type: "write_run", row: { ...rowOf(cur, slotRun, "queued", now, false) } });
  } else {
    const row = rowOf(cur, slotRun, "skipped", now, true);
    const reason =
      policy === "queue"
        ? `skipped: ${MAX_QUEUED} runs already queued`
        : "skipped: the previous run was still in progress (overlap_policy skip)";
    effects.push({ type: "write_run", row: { ...row, error: reason, duration_ms: null } });
  }
  return { state: { ...cur, ...computeStatus(cur, now) }, effects };
}

export function attemptFinished(
  state: JobState,
  run_id: string,
  attempt: number,
  result: AttemptResult,
  ctx: CoreCtx,
): Step {
  const run = state.active.find((r) => r.run_id === run_id);
  // A stale report (the attempt was already declared lost, or the job changed): ignore.
  if (run?.state !== "running" || run.attempt !== attempt) return { state, effects: [] };
  const updated: ActiveRun = {
    ...run,
    deadline: null,
    attempt_started_at: null,
    attempt_log: [
      ...run.attempt_log,
      {
        attempt,
        started_at: result.started_at,
        duration_ms: result.duration_ms,
        response_status: result.response_status,
        error: result.error,
      },
    ],
    last_status: result.response_status,
    last_error: result.ok ? null : result.error,
    last_body: result.response_body,
  };
  if (result.ok) return finishRun(state, updated, "succeeded", ctx);
  if (attempt <= state.config.retries) {
    const delay = retryDelayMs(state.config, attempt, result, ctx.random);
    const retrying: ActiveRun = { ...updated, state: "retrying", next_attempt_at: ctx.now + delay };
    const next = {
      ...state,
      active: state.active.map((r) => (r.run_id === run_id ? retrying : r)),
    };
    return {
      state: next,
      effects: [{ type: "write_run", row: rowOf(next, retrying, "retrying", ctx.now, false) }],
    };
  }
  return finishRun(state, updated, "failed", ctx);
}

/** After a restart, attempts that were in flight have no one left to report them. */
export function recover(state: JobState, ctx: CoreCtx): Step {
  let cur = state;
  const effects: Effect[] = [];
  for (const run of state.active) {
    if (run.state !== "running") continue;
    const result = interrupted(run, ctx.now, INTERRUPTED_ERROR);
    const step = attemptFinished(cur, run.run_id, run.attempt, result, ctx);
    cur = step.state;
    effects.push(...step.effects);
  }
  return { state: cur, effects };
}

/** cron.trigger: a manual run now, also when paused or completed; not counted in max_runs. */
export function trigger(state: JobState, ctx: CoreCtx): Step & { run_id: string } {
  const run_id = ctx.newRunId();
  const step = startRun(state, ctx, {
    run_id,
    trigger: "manual",
    scheduled_for: ctx.now,
    missed_slots: 0,
  });
  return { ...step, run_id };
}

export function pause(state: JobState, now: number): JobState {
  if (state.status !== "active") return state;
  return { ...state, status: "paused", next_run_at: null, updated_at: now };
}

/** Resume computes the next slot from now: paused slots are not caught up (SPEC §3). */
export function resume(state: JobState, now: number): JobState {
  if (state.status !== "paused") return state;
  const next: JobState = { ...state, status: "active", updated_at: now };
  return { ...next, ...computeStatus(next, now) };
}

export interface ConfigPatch extends Partial<JobConfig> {
  enabled?: boolean;
}

/** Partial update; a new schedule, run_at or timezone recomputes next_run_at at once. */
export function update(state: JobState, patch: ConfigPatch, now: number): JobState {
  const { enabled, ...fields } = patch;
  const config: JobConfig = { ...state.config, ...fields };
  if (fields.schedule != null) config.run_at = null;
  if (fields.run_at != null) config.schedule = null;
  // A CRON_TZ= prefix in the expression decides the zone the job shows.
  if (config.schedule !== null) config.timezone = scheduleOf(config).timezone;
  let status = state.status;
  if (enabled === false) status = "paused";
  else if (enabled === true && status === "paused") status = "active";
  else if (status === "completed") status = "active"; // re-evaluated below
  const next: JobState = { ...state, config, status, updated_at: now };
  return { ...next, ...computeStatus(next, now) };
}

/** The earliest time this job needs to be woken, or null. */
export function wakeAt(state: JobState): number | null {
  let t = state.status === "active" ? state.next_run_at : null;
  for (const run of state.active) {
    const due = run.state === "running" ? run.deadline : run.next_attempt_at;
    if (due !== null && (t === null || due < t)) t = due;
  }
  return t;
}
