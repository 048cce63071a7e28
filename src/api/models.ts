// Response shapes, in zod, for the OpenAPI document (the job and run records are
// defined with their builders in src/job/record.ts). The runtime tests parse real
// responses with these (strictly), so the document cannot drift from the API.
import { z } from "zod";
import { CronRecordSchema, CronRunSchema } from "../job/record";
import { RUN_STATES } from "../job/types";
import { KEY_SCOPES, type KeyScope } from "../lib/key-record.mjs";
import { BACKFILL_ID_RE } from "../lib/ulid";
import { ERROR_CODES } from "./errors";

export { CronRecordSchema, CronRunSchema };

const page = <T extends z.ZodType>(item: T) =>
  z.strictObject({ items: z.array(item), next_cursor: z.string().nullable() });

export const CronPageSchema = page(CronRecordSchema).meta({ id: "CronPage" });
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
