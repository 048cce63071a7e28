// Run lifecycle: a run starts, its attempts finish, fail and are retried, and it
// ends succeeded or failed — and then the first queued slot starts.
import type {
  ActiveRun,
  AttemptResult,
  JobConfig,
  JobState,
  QueuedRun,
  RunRow,
  SkipReason,
} from "../types";
import { paused } from "./job";
import { eventEffects } from "./notify";
import { type CoreCtx, type Effect, rowOf, type Step, unchanged } from "./step";

/** How long past its timeout an attempt may stay unanswered before it is declared lost. */
export const ATTEMPT_GRACE_MS = 30_000;
export const MAX_RETRY_DELAY_MS = 3_600_000;

export const INTERRUPTED_ERROR =
  "attempt interrupted: crondo restarted while the request was in flight";
export const LOST_ERROR = "attempt lost: no outcome was recorded before its deadline";

export type RunStart = Pick<ActiveRun, "run_id" | "trigger" | "scheduled_for" | "missed_slots"> &
  Partial<Pick<ActiveRun, "fire_at" | "lane" | "backfill_id" | "replay_of">>;

const deadlineOf = (config: JobConfig, now: number) =>
  now + config.timeout_seconds * 1000 + ATTEMPT_GRACE_MS;

/** Starts a run whose first attempt goes out at `at` (now, or a pre-armed slot's instant). */
export function startRun(
  state: JobState,
  ctx: CoreCtx,
  init: RunStart,
  at = ctx.now,
): Step & { row: RunRow } {
  const run: ActiveRun = {
    fire_at: at,
    lane: null,
    backfill_id: null,
    replay_of: null,
    ...init,
    started_at: at,
    state: "running",
    attempt: 1,
    attempt_started_at: at,
    deadline: deadlineOf(state.config, at),
    next_attempt_at: null,
    attempt_log: [],
    last_status: null,
    last_error: null,
    last_body: null,
  };
  const next: JobState = {
    ...state,
    active: [...state.active, run],
    last_run_at: at,
    last_run_state: "running",
    last_run_id: run.run_id,
  };
  const row = rowOf(next, run, "running", ctx.now, false);
  return {
    state: next,
    row,
    effects: [
      { type: "write_run", row },
      { type: "start_attempt", run_id: run.run_id, attempt: 1, at },
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

function finishRun(
  state: JobState,
  run: ActiveRun,
  outcome: "succeeded" | "failed",
  ctx: CoreCtx,
): Step {
  const row = rowOf(state, run, outcome, ctx.now, true);
  const failed = outcome === "failed";
  let next: JobState = {
    ...state,
    active: state.active.filter((r) => r.run_id !== run.run_id),
    consecutive_failures: failed ? state.consecutive_failures + 1 : 0,
    failures_at_resume: failed ? state.failures_at_resume : 0,
    last_run_state: state.last_run_id === run.run_id ? outcome : state.last_run_state,
  };
  const effects: Effect[] = [{ type: "write_run", row }];
  if (failed) effects.push(...eventEffects(next, "run.failed", row));
  else {
    effects.push(...eventEffects(next, "run.succeeded", row));
    // SPEC §12: the first success after one or more failed runs.
    if (state.consecutive_failures > 0) effects.push(...eventEffects(next, "run.recovered", row));
  }
  if (failed && shouldPause(next)) next = paused(next, "consecutive_failures", ctx.now);
  const queued = startQueued(next, ctx);
  return { state: queued.state, effects: [...effects, ...queued.effects] };
}

/**
 * SPEC §11 pause_after_failures: an active job pauses itself once it has failed that many
 * runs in a row since it was last resumed (so exactly at the N-th consecutive failure).
 */
export function shouldPause(state: JobState): boolean {
  const n = state.config.pause_after_failures;
  return (
    state.status === "active" &&
    n !== null &&
    state.consecutive_failures - state.failures_at_resume >= n
  );
}

/**
 * A queued slot starts as soon as nothing is in progress any more, in slot order (lane
 * runs do not overlap slots, but count towards max_concurrency).
 */
export function startQueued(state: JobState, ctx: CoreCtx): Step {
  if (
    state.queue.length === 0 ||
    overlapping(state) > 0 ||
    state.active.length >= state.config.max_concurrency
  )
    return unchanged(state);
  const [head, ...rest] = state.queue as [QueuedRun, ...QueuedRun[]];
  return startRun({ ...state, queue: rest }, ctx, { ...head, trigger: "schedule" });
}

/** Runs in progress that a new slot overlaps with (SPEC §6): lane runs go beside them. */
export const overlapping = (state: Pick<JobState, "active">) =>
  state.active.filter((r) => r.lane === null).length;

/** An attempt reported its result (stale reports — a lost or replaced attempt — change nothing). */
export function attemptFinished(
  state: JobState,
  run_id: string,
  attempt: number,
  result: AttemptResult,
  ctx: CoreCtx,
): Step {
  const run = state.active.find((r) => r.run_id === run_id);
  if (run?.state !== "running" || run.attempt !== attempt) return unchanged(state);
  const updated: ActiveRun = {
    ...run,
    // A run starts when its first request leaves (a pre-armed one was planned for its slot).
    started_at: attempt === 1 ? result.started_at : run.started_at,
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

/** The result of an attempt that nobody will report any more. */
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

/** Attempts past their deadline are lost (and then retried or failed like any failure). */
export function expireLostAttempts(state: JobState, ctx: CoreCtx): Step {
  let cur = state;
  const effects: Effect[] = [];
  for (const run of state.active) {
    if (run.state === "running" && run.deadline !== null && run.deadline <= ctx.now) {
      const lost = interrupted(run, ctx.now, LOST_ERROR);
      const step = attemptFinished(cur, run.run_id, run.attempt, lost, ctx);
      cur = step.state;
      effects.push(...step.effects);
    }
  }
  return { state: cur, effects };
}

/** Retries that are due start their next attempt. */
export function startDueRetries(state: JobState, ctx: CoreCtx): Step {
  let cur = state;
  const effects: Effect[] = [];
  const { now } = ctx;
  for (const run of state.active) {
    if (run.state === "retrying" && run.next_attempt_at !== null && run.next_attempt_at <= now) {
      const attempt = run.attempt + 1;
      const started: ActiveRun = {
        ...run,
        state: "running",
        attempt,
        next_attempt_at: null,
        attempt_started_at: now,
        deadline: deadlineOf(cur.config, now),
      };
      cur = { ...cur, active: cur.active.map((r) => (r.run_id === run.run_id ? started : r)) };
      effects.push(
        { type: "write_run", row: rowOf(cur, started, "running", now, false) },
        { type: "start_attempt", run_id: run.run_id, attempt, at: now },
      );
    }
  }
  return { state: cur, effects };
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

/** A run that never starts: recorded `skipped` with its reason (SPEC §6), nothing sent. */
export function skippedRow(
  state: JobState,
  run: RunStart & Pick<ActiveRun, "fire_at">,
  reason: SkipReason,
  now: number,
  message: string = SKIP_MESSAGES[reason],
): RunRow {
  return { ...rowOf(state, run, "skipped", now, true, reason), error: message };
}

export const SKIP_MESSAGES: Record<SkipReason, string> = {
  overlap: "skipped: the previous run was still in progress (overlap_policy skip)",
  concurrency_limit: "skipped: max_concurrency runs of this job were already in progress",
  queue_full: "skipped: the queue of waiting runs was full",
  capacity:
    "skipped: crondo had MAX_REQUESTS_IN_FLIGHT requests out across its jobs (README: Under overload)",
};

/**
 * cron.trigger: a manual run now, also when paused or completed; not counted in
 * max_runs. It counts towards max_concurrency like any run (no job ever has more
 * requests in flight): at the limit it is recorded skipped, nothing sent.
 */
export function trigger(state: JobState, ctx: CoreCtx): Step & { row: RunRow } {
  return startNow(state, ctx, {
    run_id: ctx.newRunId(),
    trigger: "manual",
    scheduled_for: ctx.now,
    fire_at: ctx.now,
    missed_slots: 0,
  });
}

/**
 * A run asked for now (a trigger, a replay): started, or skipped at max_concurrency
 * (or with the isolate at MAX_REQUESTS_IN_FLIGHT: skip_reason "capacity").
 */
export function startNow(
  state: JobState,
  ctx: CoreCtx,
  init: RunStart & Pick<ActiveRun, "fire_at">,
): Step & { row: RunRow } {
  const full = state.active.length >= state.config.max_concurrency;
  if (full || ctx.capacityFull) {
    const row = skippedRow(state, init, full ? "concurrency_limit" : "capacity", ctx.now);
    return { state, row, effects: [{ type: "write_run", row }] };
  }
  return startRun(state, ctx, init);
}

/**
 * Ends runs in progress as `cancelled` (their attempt in flight aborted, no further
 * retry), with `reason` as their error.
 */
export function cancelRuns(
  state: JobState,
  runIds: readonly string[],
  reason: string,
  ctx: CoreCtx,
): Step {
  const effects: Effect[] = [];
  let active = state.active;
  let last_run_state = state.last_run_state;
  for (const id of runIds) {
    const run = active.find((r) => r.run_id === id);
    if (!run) continue;
    active = active.filter((r) => r.run_id !== id);
    let ended = run;
    if (run.state === "running") {
      effects.push({ type: "abort_attempt", run_id: id });
      // The aborted attempt stays in the run's log, with the reason it ended.
      const started = Math.min(run.attempt_started_at ?? ctx.now, ctx.now);
      ended = {
        ...run,
        attempt_log: [
          ...run.attempt_log,
          {
            attempt: run.attempt,
            started_at: started,
            duration_ms: ctx.now - started,
            response_status: null,
            error: reason,
          },
        ],
      };
    }
    effects.push({
      type: "write_run",
      row: { ...rowOf(state, ended, "cancelled", ctx.now, true), error: reason },
    });
    if (state.last_run_id === id) last_run_state = "cancelled";
  }
  return { state: { ...state, active, last_run_state }, effects };
}
