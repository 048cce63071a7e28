// The job and run records of the API (SPEC §3 CronRecord, §4 CronRun): their zod
// schemas (for the OpenAPI document, the tests' strict contract checks and the
// index's validated reads) and the pure builders from the object's state.
import { z } from "zod";
import { iso } from "../lib/time";
import { CRON_ID_RE, RUN_ID_RE } from "../lib/ulid";
import { CONFIG_DEFAULTS } from "./defaults";
import {
  HTTP_METHODS,
  JOB_STATUSES,
  type JobState,
  MISFIRE_POLICIES,
  NOTIFY_EVENTS,
  OVERLAP_POLICIES,
  PAUSED_REASONS,
  RUN_STATES,
  RUN_TRIGGERS,
  type RunRow,
  SKIP_REASONS,
} from "./types";

const isoOrNull = z.iso.datetime().nullable();

export const CronRecordSchema = z
  .strictObject({
    cron_id: z.string().regex(CRON_ID_RE),
    name: z.string(),
    schedule: z.string().nullable().describe("cron expression; null for a one-shot job"),
    cron_expr: z.string().nullable().describe("same value as schedule"),
    url: z.string(),
    task: z.string().describe("same value as url"),
    task_type: z.literal("http_url"),
    run_at: isoOrNull,
    method: z.enum(HTTP_METHODS),
    payload: z.json().nullable(),
    headers: z.record(z.string(), z.string()),
    timezone: z.string(),
    retries: z.int(),
    retry: z.int().describe("same value as retries"),
    retry_backoff_seconds: z.int(),
    timeout_seconds: z.int(),
    overlap_policy: z.enum(OVERLAP_POLICIES),
    // Index rows written before the field existed read with its default.
    max_concurrency: z
      .int()
      .default(CONFIG_DEFAULTS.max_concurrency)
      .describe("runs in progress at once under overlap_policy allow"),
    max_runs: z.int().nullable(),
    on_failure_webhook: z.string().nullable(),
    retention_days: z.int(),
    // SPEC §10. Index rows written before these fields existed read with their defaults.
    start_at: isoOrNull.default(CONFIG_DEFAULTS.start_at).describe("no slot before it"),
    end_at: isoOrNull
      .default(CONFIG_DEFAULTS.end_at)
      .describe("no slot after it; past it the job is completed"),
    jitter_seconds: z
      .int()
      .default(CONFIG_DEFAULTS.jitter_seconds)
      .describe("a slot fires up to this late, by an offset fixed per cron_id and slot"),
    exclude_dates: z
      .array(z.string())
      .default(() => [...CONFIG_DEFAULTS.exclude_dates])
      .describe("local dates YYYY-MM-DD (job's timezone) on which no slot fires"),
    misfire_policy: z.enum(MISFIRE_POLICIES).default(CONFIG_DEFAULTS.misfire_policy),
    catchup_window_seconds: z
      .int()
      .default(CONFIG_DEFAULTS.catchup_window_seconds)
      .describe("missed slots older than this are only counted"),
    // SPEC §11–§12. Index rows written before these fields existed read with defaults.
    pause_after_failures: z
      .int()
      .nullable()
      .default(CONFIG_DEFAULTS.pause_after_failures)
      .describe("the job pauses itself after this many consecutive failed runs"),
    notify_url: z.string().nullable().default(CONFIG_DEFAULTS.notify_url),
    notify_events: z.array(z.enum(NOTIFY_EVENTS)).default(() => [...CONFIG_DEFAULTS.notify_events]),
    enabled: z.boolean(),
    status: z.enum(JOB_STATUSES),
    paused_reason: z
      .enum(PAUSED_REASONS)
      .nullable()
      .default(null)
      .describe('"manual" (a pause call), "consecutive_failures" (pause_after_failures), null'),
    next_run_at: isoOrNull.describe("when the next slot fires (its slot plus jitter)"),
    last_run_at: isoOrNull,
    last_run_state: z.enum(RUN_STATES).nullable(),
    run_count: z.int(),
    consecutive_failures: z.int(),
    signing_secret: z.string().describe("HMAC-SHA256 key of X-Cron-Signature"),
    previous_secret_expires_at: isoOrNull
      .default(null)
      .describe("after rotate-secret: until when the previous secret also signs"),
    created_at: z.iso.datetime(),
    updated_at: z.iso.datetime(),
  })
  .meta({ id: "CronRecord" });

export const AttemptSchema = z
  .strictObject({
    attempt: z.int(),
    started_at: z.iso.datetime(),
    duration_ms: z.int(),
    response_status: z.int().nullable(),
    error: z.string().nullable(),
  })
  .meta({ id: "Attempt" });

export const CronRunSchema = z
  .strictObject({
    run_id: z.string().regex(RUN_ID_RE),
    cron_id: z.string(),
    trigger: z.enum(RUN_TRIGGERS),
    state: z.enum(RUN_STATES),
    scheduled_for: isoOrNull.describe("the nominal slot (X-Cron-Scheduled-At)"),
    fire_at: isoOrNull.describe(
      "when the run was due: the slot plus jitter (a backfill run: when its turn came)",
    ),
    started_at: isoOrNull,
    finished_at: isoOrNull,
    fire_lag_ms: z.int().nullable().describe("start minus fire_at"),
    attempts: z.int(),
    attempt_log: z.array(AttemptSchema),
    response_status: z.int().nullable(),
    duration_ms: z.int().nullable(),
    error: z.string().nullable(),
    response_body: z.string().nullable().describe("first 4 KiB of the last response, as text"),
    missed_slots: z.int(),
    skip_reason: z
      .enum(SKIP_REASONS)
      .nullable()
      .describe("why a skipped run was skipped (SPEC §6); null otherwise"),
    backfill_id: z.string().nullable().describe("the backfill this run belongs to, or null"),
    replay_of: z.string().nullable().describe("the run this one replays (trigger replay), or null"),
  })
  .meta({ id: "CronRun" });

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
    max_concurrency: c.max_concurrency,
    max_runs: c.max_runs,
    on_failure_webhook: c.on_failure_webhook,
    retention_days: c.retention_days,
    start_at: iso(c.start_at),
    end_at: iso(c.end_at),
    jitter_seconds: c.jitter_seconds,
    exclude_dates: c.exclude_dates,
    misfire_policy: c.misfire_policy,
    catchup_window_seconds: c.catchup_window_seconds,
    pause_after_failures: c.pause_after_failures,
    notify_url: c.notify_url,
    notify_events: c.notify_events,
    enabled: s.status === "active",
    status: s.status,
    paused_reason: s.status === "paused" ? s.paused_reason : null,
    next_run_at: iso(s.next_run_at),
    last_run_at: iso(s.last_run_at),
    last_run_state: s.last_run_state,
    run_count: s.run_count,
    consecutive_failures: s.consecutive_failures,
    signing_secret: s.signing_secret,
    previous_secret_expires_at: iso(s.previous_secret_expires_at),
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
    fire_at: iso(r.fire_at ?? r.scheduled_for),
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
    skip_reason: r.skip_reason ?? null,
    backfill_id: r.backfill_id ?? null,
    replay_of: r.replay_of ?? null,
  };
}
export type CronRun = ReturnType<typeof toCronRun>;
