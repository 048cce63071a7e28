// Job events: creation, pause, resume and update. Each returns a Step like every
// other event of the core (no effects of their own: the shell saves the state).
import { scheduleOf } from "../slots";
import type { JobConfig, JobState } from "../types";
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
    next_run_at: null,
    next_slot: null,
    last_slot: null,
    run_count: 0,
    last_run_at: null,
    last_run_state: null,
    last_run_id: null,
    consecutive_failures: 0,
    active: [],
    queue: [],
    pending_missed: 0,
    catchups: [],
    backfills: [],
    created_at: now,
    updated_at: now,
  };
  return unchanged({ ...base, ...computeStatus(base, now) });
}

/** Pause stops new slots: the missed slots run_all had still to catch up are dropped too. */
export function pause(state: JobState, now: number): Step {
  if (state.status !== "active") return unchanged(state);
  return unchanged({
    ...state,
    status: "paused",
    next_run_at: null,
    next_slot: null,
    catchups: [],
    pending_missed: 0,
    updated_at: now,
  });
}

/** Resume computes the next slot from now: paused slots are not caught up (SPEC §3). */
export function resume(state: JobState, now: number): Step {
  if (state.status !== "paused") return unchanged(state);
  const next: JobState = { ...state, status: "active", updated_at: now };
  return unchanged({ ...next, ...computeStatus(next, now) });
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
  let status = state.status;
  if (enabled === false) status = "paused";
  else if (enabled === true && status === "paused") status = "active";
  else if (status === "completed") status = "active"; // re-evaluated below
  const next: JobState = { ...state, config, status, updated_at: now };
  // Slots of another schedule are not the missed slots of this one.
  if (fields.schedule != null || fields.run_at != null || fields.timezone !== undefined)
    next.catchups = [];
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
