// What every event of the core returns, and the helpers the event modules share.
import { fireAt, slotAfter } from "../slots";
import type { ActiveRun, JobState, NotifyEvent, RunRow, RunState, SkipReason } from "../types";

export interface CoreCtx {
  now: number;
  newRunId: () => string;
  /** Uniform in [0, 1): retry jitter. */
  random: () => number;
  /**
   * Pre-armed firing (issue 14): a slot due within this many ms is fired now, its
   * request sent at the slot's instant (the shell waits). Default 0: fire when due.
   */
  leadMs?: number;
  /**
   * Chained firing (issue 14): when an attempt reports its result, the job's next slot
   * due within this many ms is taken in the same step (src/job/core/index.ts), so one
   * commit records both. Longer than `leadMs` to matter; default 0: off.
   */
  chainLeadMs?: number;
  /**
   * The isolate's requests in flight are at MAX_REQUESTS_IN_FLIGHT (src/delivery/
   * capacity.ts): a slot or manual run that would start now is recorded skipped
   * (skip_reason "capacity") instead. Default false.
   */
  capacityFull?: boolean;
}

export type Effect =
  /** Send attempt `attempt` of a run at `at` (at once when `at` has passed). */
  | { type: "start_attempt"; run_id: string; attempt: number; at: number }
  /** Abort the attempt of `run_id` in flight, if any (its report will be stale). */
  | { type: "abort_attempt"; run_id: string }
  | { type: "write_run"; row: RunRow }
  /**
   * An event for the job's notify targets (SPEC §12), already filtered by notify_events;
   * `row` is the run of a run event. `legacy`: the on_failure_webhook gets it too.
   */
  | {
      type: "notify";
      event: NotifyEvent;
      row: RunRow | null;
      to_notify_url: boolean;
      legacy: boolean;
    };

/** The job after an event, and what the shell must do about it (in order). */
export interface Step {
  state: JobState;
  effects: Effect[];
}

export const unchanged = (state: JobState): Step => ({ state, effects: [] });

/** A run as the history stores it, at `now`. */
export function rowOf(
  state: JobState,
  run: Pick<ActiveRun, "run_id" | "trigger" | "scheduled_for" | "fire_at" | "missed_slots"> &
    Partial<ActiveRun>,
  runState: RunState,
  now: number,
  finished: boolean,
  skip_reason: SkipReason | null = null,
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
    fire_at: run.fire_at,
    started_at: started,
    finished_at: finished ? now : null,
    fire_lag_ms: started === null ? null : Math.max(0, started - run.fire_at),
    attempts: log.length + (runState === "running" ? 1 : 0),
    attempt_log: log,
    response_status: run.last_status ?? last?.response_status ?? null,
    duration_ms: finished && started !== null ? now - started : null,
    error: run.last_error ?? null,
    response_body: run.last_body ?? null,
    missed_slots: run.missed_slots,
    skip_reason,
    backfill_id: run.backfill_id ?? null,
    replay_of: run.replay_of ?? null,
    created_at: run.started_at ?? now,
  };
}

type Status = Pick<JobState, "status" | "next_run_at" | "next_slot">;
const COMPLETED: Status = { status: "completed", next_run_at: null, next_slot: null };

/**
 * Status and next slot as they follow from the state at `now`: the first slot after
 * now (after `last_slot` only, with `fromLastSlot`: a wake-up that fired slots up to
 * last_slot, the next of which may be due later than its nominal instant, by jitter).
 * A job past its end_at, its max_runs or its one-shot is completed.
 */
export function computeStatus(state: JobState, now: number, fromLastSlot = false): Status {
  if (state.status === "paused") return { status: "paused", next_run_at: null, next_slot: null };
  const { max_runs } = state.config;
  if (max_runs !== null && state.run_count >= max_runs) return COMPLETED;
  const next = slotAfter(state, state.config.schedule === null || fromLastSlot ? -Infinity : now);
  return next === null
    ? COMPLETED
    : { status: "active", next_run_at: fireAt(state, next), next_slot: next };
}
