// The shape of a job inside its Durable Object. Times are epoch milliseconds.

export const HTTP_METHODS = ["POST", "GET", "PUT", "PATCH", "DELETE"] as const;
export type HttpMethod = (typeof HTTP_METHODS)[number];
export const OVERLAP_POLICIES = ["allow", "skip", "queue", "buffer_one", "replace"] as const;
export type OverlapPolicy = (typeof OVERLAP_POLICIES)[number];
export const RUN_TRIGGERS = ["schedule", "manual", "backfill", "replay"] as const;
export type RunTrigger = (typeof RUN_TRIGGERS)[number];
/** What happens to slots that passed unfired (SPEC §5, §10). */
export const MISFIRE_POLICIES = ["run_once", "run_all", "skip"] as const;
export type MisfirePolicy = (typeof MISFIRE_POLICIES)[number];
export const RUN_STATES = [
  "queued",
  "running",
  "retrying",
  "succeeded",
  "failed",
  "skipped",
  "cancelled",
] as const;
export type RunState = (typeof RUN_STATES)[number];
/** Runs in these states are over: nothing more happens to them. */
export const FINISHED_STATES: readonly RunState[] = ["succeeded", "failed", "skipped", "cancelled"];
/** Why a slot was recorded `skipped` (SPEC §6). */
export const SKIP_REASONS = ["overlap", "concurrency_limit", "queue_full", "capacity"] as const;
export type SkipReason = (typeof SKIP_REASONS)[number];
export const JOB_STATUSES = ["active", "paused", "completed"] as const;
export type JobStatus = (typeof JOB_STATUSES)[number];
/** Why a job is paused (SPEC §11): a pause call, or pause_after_failures. */
export const PAUSED_REASONS = ["manual", "consecutive_failures"] as const;
export type PausedReason = (typeof PAUSED_REASONS)[number];
/** The events a job's notify_url may receive (SPEC §12). */
export const NOTIFY_EVENTS = [
  "run.failed",
  "run.succeeded",
  "run.recovered",
  "job.paused",
  "job.completed",
] as const;
export type NotifyEvent = (typeof NOTIFY_EVENTS)[number];

export type Json = string | number | boolean | null | Json[] | { [key: string]: Json };

/** Everything a tenant can set on a job (SPEC §3), already validated and normalised. */
export interface JobConfig {
  name: string;
  schedule: string | null;
  run_at: number | null;
  url: string;
  method: HttpMethod;
  /** `null`: no body is sent. */
  payload: Json | null;
  headers: Record<string, string>;
  timezone: string;
  retries: number;
  retry_backoff_seconds: number;
  timeout_seconds: number;
  overlap_policy: OverlapPolicy;
  /** Runs of the job in progress at once under `allow` (SPEC §6), 1–100. */
  max_concurrency: number;
  max_runs: number | null;
  on_failure_webhook: string | null;
  retention_days: number;
  /** SPEC §10: no slot before start_at, none after end_at (epoch ms), or null. */
  start_at: number | null;
  end_at: number | null;
  /** A slot fires up to this many seconds after it (deterministic per cron_id and slot). */
  jitter_seconds: number;
  /** Local dates YYYY-MM-DD, in the job's timezone, on which no slot fires. */
  exclude_dates: string[];
  misfire_policy: MisfirePolicy;
  /** A missed slot older than this when crondo wakes is only counted, never run. */
  catchup_window_seconds: number;
  /** SPEC §11: the job pauses itself after this many consecutive failed runs (or never). */
  pause_after_failures: number | null;
  /** SPEC §12: where the job's events go, and which. */
  notify_url: string | null;
  notify_events: NotifyEvent[];
}

export interface AttemptLogEntry {
  attempt: number;
  started_at: number;
  duration_ms: number;
  response_status: number | null;
  error: string | null;
}

/** What one HTTP attempt produced (the delivery module fills it in). */
export interface AttemptResult {
  started_at: number;
  duration_ms: number;
  ok: boolean;
  response_status: number | null;
  error: string | null;
  response_body: string | null;
  /** Seconds from a Retry-After header on 429/503, already capped. */
  retry_after_seconds: number | null;
}

/** A run that has started and not finished: running, or waiting for its next attempt. */
export interface ActiveRun {
  run_id: string;
  trigger: RunTrigger;
  /** The nominal slot (X-Cron-Scheduled-At). */
  scheduled_for: number;
  /** When the run was due to start: the slot plus its jitter (SPEC §10). */
  fire_at: number;
  /** Runs of a lane (catch-up of run_all, a backfill) go one at a time, beside the slots. */
  lane: LaneKind | null;
  backfill_id: string | null;
  /** The run this one replays (trigger "replay"), or null. */
  replay_of: string | null;
  started_at: number;
  missed_slots: number;
  state: "running" | "retrying";
  /** Number of the attempt in flight, or of the last one while retrying. */
  attempt: number;
  /** While an attempt is in flight: when it started, and when it must have finished by. */
  attempt_started_at: number | null;
  deadline: number | null;
  /** While retrying: when the next attempt is due. */
  next_attempt_at: number | null;
  attempt_log: AttemptLogEntry[];
  last_status: number | null;
  last_error: string | null;
  last_body: string | null;
}

/** A slot waiting for the run in progress to finish (overlap_policy "queue" or "buffer_one"). */
export interface QueuedRun {
  run_id: string;
  scheduled_for: number;
  fire_at: number;
  missed_slots: number;
  queued_at: number;
}

export type LaneKind = "catchup" | "backfill" | "replay";

/** A run of a bulk replay waiting for its turn (recorded queued under its own run id). */
export interface ReplayItem {
  run_id: string;
  replay_of: string;
  scheduled_for: number;
  queued_at: number;
}

/**
 * Slots delivered one after another, one run in flight at a time, beside the job's
 * scheduled runs: the missed slots of `run_all`, or a backfill (SPEC §10).
 */
export interface Lane {
  backfill_id: string | null;
  /** The last slot handed out (the next one is the first allowed slot after it). */
  after: number;
  /** The last slot of the lane (inclusive). */
  until: number;
  /** Slots still to run. */
  remaining: number;
  /** missed_slots of the lane's next run (then 0). */
  missed: number;
}

export interface JobState {
  cron_id: string;
  tenant_id: string;
  signing_secret: string;
  config: JobConfig;
  status: JobStatus;
  /** Why the job is paused; null while it is not. */
  paused_reason: PausedReason | null;
  /** When the next slot fires (its slot plus jitter), or null (paused, completed). */
  next_run_at: number | null;
  /** The nominal slot that fires at next_run_at. */
  next_slot: number | null;
  /** The latest scheduled slot already handled (fired, queued or skipped): slots fire once. */
  last_slot: number | null;
  /** Scheduled runs started or queued so far (counts towards max_runs). */
  run_count: number;
  last_run_at: number | null;
  last_run_state: RunState | null;
  /** The most recently started run: only its outcome becomes last_run_state. */
  last_run_id: string | null;
  consecutive_failures: number;
  /** consecutive_failures when the job was last resumed: pause_after_failures counts from it. */
  failures_at_resume: number;
  /** SPEC §12 rotation: the previous signing secret and until when it still signs, or null. */
  previous_secret: string | null;
  previous_secret_expires_at: number | null;
  active: ActiveRun[];
  queue: QueuedRun[];
  /** Missed slots not yet reported: the next run started from the schedule counts them. */
  pending_missed: number;
  /** run_all: the missed slots still to deliver, one lane per gap (the first delivers). */
  catchups: Lane[];
  /** Backfills waiting, in the order they were asked for; the first one is delivering. */
  backfills: Lane[];
  /**
   * Slots skipped because the isolate had MAX_REQUESTS_IN_FLIGHT out (skip_reason
   * "capacity"): until `until` the job's slots are skipped without a wake-up each (as at
   * its own limit); `skips` in a row double the wait. Absent or null: none.
   */
  capacity_backoff?: { until: number; skips: number } | null;
  /** Bulk replays waiting, oldest first: delivered one after another (SPEC §11). */
  replays: ReplayItem[];
  created_at: number;
  updated_at: number;
}

/** One row of run history, as stored in D1 and returned by the API. */
export interface RunRow {
  run_id: string;
  cron_id: string;
  tenant_id: string;
  trigger: RunTrigger;
  state: RunState;
  scheduled_for: number | null;
  fire_at: number | null;
  started_at: number | null;
  finished_at: number | null;
  fire_lag_ms: number | null;
  attempts: number;
  attempt_log: AttemptLogEntry[];
  response_status: number | null;
  duration_ms: number | null;
  error: string | null;
  response_body: string | null;
  missed_slots: number;
  skip_reason: SkipReason | null;
  backfill_id: string | null;
  replay_of: string | null;
  created_at: number;
}
