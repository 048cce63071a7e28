// The API shapes the dashboard reads (SPEC §3 CronRecord, §4 CronRun, preview and stats).

export type JobStatus = "active" | "paused" | "completed";
export type RunState = "queued" | "running" | "retrying" | "succeeded" | "failed" | "skipped";
export const RUN_STATES: RunState[] = [
  "queued",
  "running",
  "retrying",
  "succeeded",
  "failed",
  "skipped",
];
export const FINAL_STATES = new Set<RunState>(["succeeded", "failed", "skipped"]);
export const METHODS = ["POST", "GET", "PUT", "PATCH", "DELETE"] as const;
export const OVERLAP_POLICIES = ["allow", "skip", "queue"] as const;

export type Json = string | number | boolean | null | Json[] | { [key: string]: Json };

export interface CronRecord {
  cron_id: string;
  name: string;
  schedule: string | null;
  url: string;
  task_type: "http_url";
  run_at: string | null;
  method: (typeof METHODS)[number];
  payload: Json | null;
  headers: Record<string, string>;
  timezone: string;
  retries: number;
  retry_backoff_seconds: number;
  timeout_seconds: number;
  overlap_policy: (typeof OVERLAP_POLICIES)[number];
  max_runs: number | null;
  on_failure_webhook: string | null;
  retention_days: number;
  enabled: boolean;
  status: JobStatus;
  next_run_at: string | null;
  last_run_at: string | null;
  last_run_state: RunState | null;
  run_count: number;
  consecutive_failures: number;
  signing_secret: string;
  created_at: string;
  updated_at: string;
}

export interface Attempt {
  attempt: number;
  started_at: string | null;
  duration_ms: number;
  response_status: number | null;
  error: string | null;
}

export interface CronRun {
  run_id: string;
  cron_id: string;
  trigger: "schedule" | "manual";
  state: RunState;
  scheduled_for: string;
  started_at: string | null;
  finished_at: string | null;
  fire_lag_ms: number | null;
  attempts: number;
  attempt_log: Attempt[];
  response_status: number | null;
  duration_ms: number | null;
  error: string | null;
  response_body: string | null;
  missed_slots: number;
}

export interface Page<T> {
  items: T[];
  next_cursor: string | null;
}

export interface Preview {
  schedule: string;
  timezone: string;
  description: string;
  next: string[];
}

export interface Percentiles {
  p50: number | null;
  p95: number | null;
}

export interface Stats {
  cron_id: string;
  window: number;
  runs: number;
  success_rate: number | null;
  duration_ms: Percentiles;
  fire_lag_ms: Percentiles;
  counts: Record<RunState, number>;
}

export interface ErrorDetail {
  path: string;
  message: string;
}
