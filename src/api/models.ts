// Response shapes, in zod, for the OpenAPI document. The runtime tests parse real
// responses with these (strictly), so the document cannot drift from the API.
import { z } from "zod";
import { HTTP_METHODS, OVERLAP_POLICIES, RUN_STATES } from "../job/types";
import { CRON_ID_RE, RUN_ID_RE } from "../lib/ulid";
import { ERROR_CODES } from "./errors";

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
    max_runs: z.int().nullable(),
    on_failure_webhook: z.string().nullable(),
    retention_days: z.int(),
    enabled: z.boolean(),
    status: z.enum(["active", "paused", "completed"]),
    next_run_at: isoOrNull,
    last_run_at: isoOrNull,
    last_run_state: z.enum(RUN_STATES as [string, ...string[]]).nullable(),
    run_count: z.int(),
    consecutive_failures: z.int(),
    signing_secret: z.string().describe("HMAC-SHA256 key of X-Cron-Signature"),
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
    trigger: z.enum(["schedule", "manual"]),
    state: z.enum(RUN_STATES as [string, ...string[]]),
    scheduled_for: isoOrNull,
    started_at: isoOrNull,
    finished_at: isoOrNull,
    fire_lag_ms: z.int().nullable().describe("start minus slot"),
    attempts: z.int(),
    attempt_log: z.array(AttemptSchema),
    response_status: z.int().nullable(),
    duration_ms: z.int().nullable(),
    error: z.string().nullable(),
    response_body: z.string().nullable().describe("first 4 KiB of the last response, as text"),
    missed_slots: z.int(),
  })
  .meta({ id: "CronRun" });

const page = <T extends z.ZodType>(item: T) =>
  z.strictObject({ items: z.array(item), next_cursor: z.string().nullable() });

export const CronPageSchema = page(CronRecordSchema).meta({ id: "CronPage" });
export const RunPageSchema = page(CronRunSchema).meta({ id: "RunPage" });
export const DeletedSchema = z.strictObject({ cron_id: z.string(), deleted: z.literal(true) });
export const RetentionSchema = z.strictObject({ cron_id: z.string(), retention_days: z.int() });
export const PreviewSchema = z.strictObject({
  schedule: z.string(),
  timezone: z.string(),
  description: z.string(),
  next: z.array(z.iso.datetime()),
});
const pair = z.strictObject({ p50: z.number().nullable(), p95: z.number().nullable() });
export const StatsSchema = z.strictObject({
  cron_id: z.string(),
  window: z.int(),
  runs: z.int(),
  success_rate: z.number().nullable(),
  duration_ms: pair,
  fire_lag_ms: pair,
  counts: z.record(z.enum(RUN_STATES as [string, ...string[]]), z.int()),
});

export const ErrorEnvelopeSchema = z
  .strictObject({
    ok: z.literal(false),
    error: z.strictObject({
      code: z.enum(ERROR_CODES as [string, ...string[]]),
      message: z.string(),
      details: z.array(
        z.object({ path: z.string(), message: z.string(), code: z.string().optional() }),
      ),
    }),
  })
  .meta({ id: "Error" });

export const successEnvelope = <T extends z.ZodType>(data: T) =>
  z.strictObject({ ok: z.literal(true), data });
