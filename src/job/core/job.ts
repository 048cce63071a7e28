// Job events: creation, pause, resume and update. Each returns a Step like every
// other event of the core (no effects of their own: the shell saves the state).
import { dueSlots, scheduleOf } from "../slots";
import type { JobConfig, JobState, PausedReason } from "../types";
import { computeStatus, type Step, unchanged } from "./step";

export interface NewJob {
  cron_id: string;
  tenant_id: string;
  signing_secret: string;
  config: JobConfig;
  enabled: boolean;
}

export function createJob(init: NewJob, now: number): Step {
  const base: JobState = {
    cron_id: init.cron_id,
    tenant_id: init.tenant_id,
    signing_secret: init.signing_secret,
    config: init.config,
    status: init.enabled ? "active" : "paused",
    paused_reason: init.enabled ? null : "manual",
    next_run_at: null,
    next_slot: null,
    last_slot: null,
    run_count: 0,
    last_run_at: null,
    last_run_state: null,
    last_run_id: null,
    consecutive_failures: 0,
    failures_at_resume: 0,
    previous_secret: null,
    previous_secret_expires_at: null,
    active: [],
    queue: [],
    pending_missed: 0,
    catchups: [],
    backfills: [],
    replays: [],
    created_at: now,
    updated_at: now,
  };
  return unchanged({ ...base, ...computeStatus(base, now) });
}

/**
 * The job paused, for `reason`: no new slots, and the missed slots run_all had still to
 * catch up do not run. Runs in progress, queued slots and replays go on. Nothing that
 * came due while the job was active goes unaccounted for: the slots of the dropped
 * catch-up lanes, any slot still undecided (an alarm running late when an attempt's
 * failure pauses the job; cron.pause decides them first, see pauseDue) and the slots
 * already carried are counted in the missed_slots of the next run from the schedule,
 * after a resume (SPEC §5).
 */
export function paused(state: JobState, reason: PausedReason, now: number): JobState {
  const lanes = state.catchups.reduce((n, lane) => n + lane.remaining + lane.missed, 0);
  const overdue =
    state.config.schedule !== null &&
    state.next_slot !== null &&
    state.next_run_at !== null &&
    state.next_run_at <= now
      ? dueSlots(state, state.next_slot, now, -Infinity).total
      : 0;
  return {
    ...state,
    status: "paused",
    paused_reason: reason,
    next_run_at: null,
    next_slot: null,
    catchups: [],
    pending_missed: state.pending_missed + lanes + overdue,
    updated_at: now,
  };
}

/** cron.pause (SPEC §3): paused_reason "manual". */
export function pause(state: JobState, now: number): Step {
  if (state.status !== "active") return unchanged(state);
  return unchanged(paused(state, "manual", now));
}

/**
 * Resume computes the next slot from now: paused slots are not caught up (SPEC §3). It
 * clears paused_reason, and pause_after_failures counts failures from here on: a job
 * resumed after pausing itself gets N more tries (consecutive_failures itself goes on,
 * so that its first success is still a recovery).
 */
export function resume(state: JobState, now: number): Step {
  if (state.status !== "paused") return unchanged(state);
  return unchanged(resumed(state, now));
}

function resumed(state: JobState, now: number): JobState {
  const next: JobState = {
    ...state,
    status: "active",
    paused_reason: null,
    failures_at_resume: state.consecutive_failures,
    updated_at: now,
  };
  return { ...next, ...computeStatus(next, now) };
}

export interface ConfigPatch extends Partial<JobConfig> {
  enabled?: boolean;
}

/** Partial update; a new schedule, run_at or timezone recomputes next_run_at at once. */
export function update(state: JobState, patch: ConfigPatch, now: number): Step {
  const { enabled, ...fields } = patch;
  const config: JobConfig = { ...state.config, ...fields };
  if (fields.schedule != null) config.run_at = null;
  if (fields.run_at != null) config.schedule = null;
  // A CRON_TZ= prefix in the expression decides the zone the job shows.
  if (config.schedule !== null) config.timezone = scheduleOf(config).timezone;
  let next: JobState = { ...state, config, updated_at: now };
  // Slots of another schedule are not the missed slots of this one.
  if (fields.schedule != null || fields.run_at != null || fields.timezone !== undefined)
    next.catchups = [];
  if (enabled === false) {
    return unchanged(
      state.status === "paused"
        ? { ...next, next_run_at: null, next_slot: null }
        : paused(next, "manual", now),
    );
  }
  if (enabled === true && state.status === "paused") return unchanged(resumed(next, now));
  if (next.status === "completed") next = { ...next, status: "active" }; // re-evaluated below
  return unchanged({ ...next, ...computeStatus(next, now) });
}

/** What is wrong with a job's time window (SPEC §10), naming the field, or null. */
export function windowProblem(
  config: Pick<JobConfig, "start_at" | "end_at">,
): { path: "end_at"; message: string } | null {
  const { start_at, end_at } = config;
  return start_at !== null && end_at !== null && end_at <= start_at
    ? { path: "end_at", message: "must be after start_at" }
    : null;
}
