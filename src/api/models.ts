// Response shapes, in zod, for the OpenAPI document (the job and run records are
// defined with their builders in src/job/record.ts). The runtime tests parse real
// responses with these (strictly), so the document cannot drift from the API.
import { z } from "zod";
import { AUDIT_ACTIONS } from "../job/audit";
import { CronRecordSchema, CronRunSchema } from "../job/record";
import { RUN_STATES } from "../job/types";
import { KEY_SCOPES, type KeyScope } from "../lib/key-record.mjs";
import { BACKFILL_ID_RE } from "../lib/ulid";
import { ERROR_CODES } from "./errors";

export { CronRecordSchema, CronRunSchema };

const page = <T extends z.ZodType>(item: T) =>
  z.strictObject({ items: z.array(item), next_cursor: z.string().nullable() });

/** What GET /list adds to each record: what a jobs page shows, in the same request. */
export const JobSummarySchema = z
  .strictObject({
    next_run_at: z.iso
      .datetime()
      .nullable()
      .describe("the next fire time computed from the schedule now (null: paused, completed)"),
    description: z.string().describe("the schedule in English, with its window and jitter"),
    success: z.strictObject({
      window: z.int().describe("runs looked at: the job's last ones"),
      runs: z.int(),
      succeeded: z.int(),
      failed: z.int(),
      rate: z.number().nullable().describe("succeeded / (succeeded + failed); null: none finished"),
    }),
  })
  .meta({ id: "JobSummary" });
export const CronListItemSchema = CronRecordSchema.extend({ summary: JobSummarySchema }).meta({
  id: "CronListItem",
});
export const CronPageSchema = page(CronListItemSchema).meta({ id: "CronPage" });
export const RunPageSchema = page(CronRunSchema).meta({ id: "RunPage" });
export const DeletedSchema = z.strictObject({ cron_id: z.string(), deleted: z.literal(true) });
export const RetentionSchema = z.strictObject({ cron_id: z.string(), retention_days: z.int() });
export const BackfillSchema = z
  .strictObject({
    cron_id: z.string(),
    backfill_id: z.string().regex(BACKFILL_ID_RE),
    slots: z.int().describe("runs the backfill delivers"),
    first_slot: z.iso.datetime(),
    last_slot: z.iso.datetime(),
  })
  .meta({ id: "BackfillAccepted" });
export const ReplayAcceptedSchema = z
  .strictObject({
    cron_id: z.string(),
    replayed: z.int().describe("runs queued for replay"),
    run_ids: z.array(z.string()).describe("the new runs, in the order they are delivered"),
  })
  .meta({ id: "ReplayAccepted" });
export const AuditEntrySchema = z
  .strictObject({
    audit_id: z.string(),
    at: z.iso.datetime(),
    action: z.enum(AUDIT_ACTIONS),
    actor: z.string().describe('"key:<first 12 hex of the key\'s SHA-256>" or "system"'),
    request_id: z.string().nullable(),
    subject: z.string().nullable().describe("the run(s) or backfill acted on, or null"),
    changes: z.record(z.string(), z.strictObject({ from: z.unknown(), to: z.unknown() })),
  })
  .meta({ id: "AuditEntry" });
export const AuditPageSchema = page(AuditEntrySchema).meta({ id: "AuditPage" });
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
  counts: z.record(z.enum(RUN_STATES), z.int()),
});

/** GET /v1/cron/metrics answers text, not an envelope (Prometheus exposition format 0.0.4). */
export const MetricsTextSchema = z
  .string()
  .describe("Prometheus text exposition format 0.0.4")
  .meta({ id: "MetricsText" });

const minutePoint = z.strictObject({
  t: z.iso.datetime(),
  succeeded: z.int(),
  failed: z.int(),
  skipped: z.int(),
  cancelled: z.int(),
});
export const OverviewSchema = z
  .strictObject({
    now: z.iso.datetime(),
    from: z.iso.datetime(),
    jobs: z.strictObject({ active: z.int(), paused: z.int(), completed: z.int() }),
    runs_per_minute: z
      .array(minutePoint)
      .describe("runs finished per minute by state, oldest first; minutes without runs left out"),
    fire_lag: z
      .array(
        z.strictObject({
          t: z.iso.datetime(),
          runs: z.int(),
          p50_seconds: z.number().nullable(),
          p99_seconds: z.number().nullable(),
        }),
      )
      .describe("per 10 minutes, estimated from the fire-lag histogram's buckets"),
    timeline: z.strictObject({
      from: z.iso.datetime(),
      to: z.iso.datetime(),
      jobs: z.array(
        z.strictObject({
          cron_id: z.string(),
          name: z.string(),
          schedule: z.string().nullable(),
          fires: z.array(z.iso.datetime()),
          more: z.boolean().describe("more fires in the window than listed"),
        }),
      ),
    }),
  })
  .meta({ id: "Overview" });

/** The calling API key, as `GET /v1/cron/key` shows it (never the key itself). */
export const ApiKeySchema = z
  .strictObject({
    key_id: z.string().meta({ description: "first 12 hex characters of the key's SHA-256" }),
    tenant_id: z.string(),
    name: z.string(),
    scopes: z.array(z.enum(KEY_SCOPES as unknown as [KeyScope, ...KeyScope[]])),
    created_at: z.string(),
    expires_at: z.string().nullable(),
  })
  .meta({ id: "ApiKey" });

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
