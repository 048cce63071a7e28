import { iso } from "../lib/time";
import type { JobState, RunRow } from "./types";

/** The CronRecord of SPEC §3, with both spellings the seed reference uses. */
export function toCronRecord(s: JobState) {
  const c = s.config;
  return {
    cron_id: s.cron_id,
    name: c.name,
    schedule: c.schedule,
    cron_expr: c.schedule,
    url: c.url,
    task: c.url,
    task_type: "http_url" as const,
    run_at: iso(c.run_at),
    method: c.method,
    payload: c.payload,
    headers: c.headers,
    timezone: c.timezone,
    retries: c.retries,
    retry: c.retries,
    retry_backoff_seconds: c.retry_backoff_seconds,
    timeout_seconds: c.timeout_seconds,
    overlap_policy: c.overlap_policy,
    max_runs: c.max_runs,
    on_failure_webhook: c.on_failure_webhook,
    retention_days: c.retention_days,
    enabled: s.status === "active",
    status: s.status,
    next_run_at: iso(s.next_run_at),
    last_run_at: iso(s.last_run_at),
    last_run_state: s.last_run_state,
    run_count: s.run_count,
    consecutive_failures: s.consecutive_failures,
    signing_secret: s.signing_secret,
    created_at: iso(s.created_at),
    updated_at: iso(s.updated_at),
  };
}
export type CronRecord = ReturnType<typeof toCronRecord>;

/** The CronRun of SPEC §4. */
export function toCronRun(r: RunRow) {
  return {
    run_id: r.run_id,
    cron_id: r.cron_id,
    trigger: r.trigger,
    state: r.state,
    scheduled_for: iso(r.scheduled_for),
    started_at: iso(r.started_at),
    finished_at: iso(r.finished_at),
    fire_lag_ms: r.fire_lag_ms,
    attempts: r.attempts,
    attempt_log: r.attempt_log.map((a) => ({ ...a, started_at: iso(a.started_at) })),
    response_status: r.response_status,
    duration_ms: r.duration_ms,
    error: r.error,
    response_body: r.response_body,
    missed_slots: r.missed_slots,
  };
}
export type CronRun = ReturnType<typeof toCronRun>;
