// The shape of a job inside its Durable Object. Times are epoch milliseconds.

export const HTTP_METHODS = ["POST", "GET", "PUT", "PATCH", "DELETE"] as const;
export type HttpMethod = (typeof HTTP_METHODS)[number];
export const OVERLAP_POLICIES = ["allow", "skip", "queue", "buffer_one", "replace"] as const;
export type OverlapPolicy = (typeof OVERLAP_POLICIES)[number];
export type RunTrigger = "schedule" | "manual";
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
export const SKIP_REASONS = ["overlap", "concurrency_limit", "queue_full"] as const;
export type SkipReason = (typeof SKIP_REASONS)[number];
export const JOB_STATUSES = ["active", "paused", "completed"] as const;
export type JobStatus = (typeof JOB_STATUSES)[number];

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
  scheduled_for: number;
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
  missed_slots: number;
  queued_at: number;
}

export interface JobState {
  cron_id: string;
  tenant_id: string;
  signing_secret: string;
  config: JobConfig;
  status: JobStatus;
  /** The next slot to fire, or null (paused, completed). */
  next_run_at: number | null;
  /** The latest scheduled slot already handled (fired, queued or skipped): slots fire once. */
  last_slot: number | null;
  /** Scheduled runs started or queued so far (counts towards max_runs). */
  run_count: number;
  last_run_at: number | null;
  last_run_state: RunState | null;
  /** The most recently started run: only its outcome becomes last_run_state. */
  last_run_id: string | null;
  consecutive_failures: number;
  active: ActiveRun[];
  queue: QueuedRun[];
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
  created_at: number;
}
