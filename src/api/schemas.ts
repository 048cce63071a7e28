// Request schemas (zod) for every operation. The seed reference spells several
// fields two ways; both are accepted here and folded together in job-input.ts.
import { z } from "zod";
import {
  FINISHED_STATES,
  HTTP_METHODS,
  JOB_STATUSES,
  MISFIRE_POLICIES,
  NOTIFY_EVENTS,
  OVERLAP_POLICIES,
  RUN_STATES,
  RUN_TRIGGERS,
  type RunState,
} from "../job/types";
import {
  headerNameProblem,
  headerValueProblems,
  MAX_HEADER_VALUE,
  MAX_HEADERS,
} from "../lib/http-headers";
import { AUDIT_ID_RE, CRON_ID_RE, RUN_ID_RE } from "../lib/ulid";
import { isCalendarDate } from "../schedule/window";
import { decodeCursor } from "../store/cursor";

export const MAX_PAYLOAD_BYTES = 256 * 1024;

const text = (max: number) =>
  z
    .string()
    .max(max, `must be at most ${max} characters`)
    .refine((v) => !/\p{Cc}/u.test(v), "must not contain control characters");

const expression = text(512).min(1, "must not be empty");
const urlText = z.string().min(1, "must not be empty").max(2048, "must be at most 2048 characters");
const count = (min: number, max: number) =>
  z
    .int(`must be an integer from ${min} to ${max}`)
    .min(min, `must be ${min}..${max}`)
    .max(max, `must be ${min}..${max}`);

export const headersSchema = z
  .record(z.string(), z.string("header values must be strings"))
  .superRefine((headers, ctx) => {
    const names = Object.keys(headers);
    if (names.length > MAX_HEADERS) {
      ctx.addIssue({ code: "custom", message: `at most ${MAX_HEADERS} headers` });
    }
    for (const name of names) {
      const issue = (message: string) => ctx.addIssue({ code: "custom", path: [name], message });
      const nameProblem = headerNameProblem(name);
      if (nameProblem === "invalid") issue("not a valid header name");
      else if (nameProblem === "reserved")
        issue(`header ${name} is set by crondo and cannot be given`);
      for (const problem of headerValueProblems(headers[name]!)) {
        issue(
          problem === "too-long"
            ? `header value longer than ${MAX_HEADER_VALUE} characters`
            : "header value must not contain CR, LF or NUL",
        );
      }
    }
  });

// The body already came through JSON.parse, so any value here is JSON. It is kept
// as parsed (z.json() would rebuild objects and silently drop a "__proto__" member).
export const payloadSchema = z
  .unknown()
  .describe("any JSON value, sent as the request body")
  .superRefine((value, ctx) => {
    if (new TextEncoder().encode(JSON.stringify(value)).byteLength > MAX_PAYLOAD_BYTES) {
      ctx.addIssue({
        code: "custom",
        message: `payload larger than ${MAX_PAYLOAD_BYTES} bytes when serialized`,
      });
    }
  });

const idempotencyKey = text(255).min(1);

const instant = z.string().max(64);
export const MAX_EXCLUDE_DATES = 366;
/** SPEC §10: at most 366 distinct dates YYYY-MM-DD. */
const excludeDates = z
  .array(z.string().max(10).refine(isCalendarDate, "must be a date YYYY-MM-DD"))
  .max(MAX_EXCLUDE_DATES, `at most ${MAX_EXCLUDE_DATES} dates`)
  .superRefine((dates, ctx) => {
    const seen = new Set<string>();
    dates.forEach((d, i) => {
      if (seen.has(d)) ctx.addIssue({ code: "custom", path: [i], message: `${d} is given twice` });
      seen.add(d);
    });
  });
/** The time window and jitter fields (SPEC §10) that create, update and preview share. */
const windowFields = {
  start_at: instant.nullable(),
  end_at: instant.nullable(),
  jitter_seconds: count(0, 3600),
  exclude_dates: excludeDates,
};

/** Fields that create and update share (SPEC §3). */
const jobFields = {
  name: text(200).min(1, "must not be empty"),
  schedule: expression,
  cron_expr: expression,
  run_at: z.string().max(64),
  url: urlText,
  task: urlText,
  task_url: urlText,
  task_type: z.literal("http_url", 'only "http_url" is supported'),
  method: z.enum(HTTP_METHODS, `must be one of ${HTTP_METHODS.join(", ")}`),
  payload: payloadSchema,
  headers: headersSchema,
  timezone: z.string().min(1).max(64),
  retries: count(0, 10),
  retry: count(0, 10),
  retry_backoff_seconds: count(1, 3600),
  timeout_seconds: count(1, 900),
  overlap_policy: z.enum(OVERLAP_POLICIES, `must be one of ${OVERLAP_POLICIES.join(", ")}`),
  max_concurrency: count(1, 100),
  max_runs: z.int("must be an integer >= 1 or null").min(1, "must be >= 1 or null").nullable(),
  on_failure_webhook: urlText.nullable(),
  enabled: z.boolean(),
  retention_days: count(0, 365),
  ...windowFields,
  misfire_policy: z.enum(MISFIRE_POLICIES, `must be one of ${MISFIRE_POLICIES.join(", ")}`),
  catchup_window_seconds: count(1, 31_536_000),
  // SPEC §11–§12.
  pause_after_failures: count(1, 100).nullable(),
  notify_url: urlText.nullable(),
  notify_events: z
    .array(z.enum(NOTIFY_EVENTS, `must be one of ${NOTIFY_EVENTS.join(", ")}`))
    .max(NOTIFY_EVENTS.length)
    .refine((events) => new Set(events).size === events.length, "must not repeat an event"),
  idempotency_key: idempotencyKey,
};

const optional = <T extends Record<string, z.ZodType>>(shape: T) =>
  Object.fromEntries(Object.entries(shape).map(([k, v]) => [k, v.optional()])) as {
    [K in keyof T]: z.ZodOptional<T[K]>;
  };

export const createJobSchema = z.strictObject(optional(jobFields));
export type CreateJobInput = z.infer<typeof createJobSchema>;

export const updateJobSchema = z.strictObject({
  ...optional(jobFields),
  // Clients of the seed send the id in the body too; it must name the same job.
  cron_id: z.string().optional(),
  job_id: z.string().optional(),
});
export type UpdateJobInput = z.infer<typeof updateJobSchema>;

/** Pause, resume, trigger and delete ignore every body field but idempotency_key (SPEC §3). */
export const actionSchema = z.looseObject({ idempotency_key: idempotencyKey.optional() });

export const retentionSetSchema = z.looseObject({
  retention_days: count(0, 365),
  idempotency_key: idempotencyKey.optional(),
});

/** A cursor returned by a list endpoint, decoded to the id it stands for. */
const cursorOf = (idPattern: RegExp) =>
  z
    .string()
    .max(512)
    .transform((cursor, ctx) => {
      const id = decodeCursor(cursor, idPattern);
      if (id === null) {
        ctx.addIssue({ code: "custom", message: "not a cursor returned by this endpoint" });
        return z.NEVER;
      }
      return id;
    });

const limit = z.coerce
  .number("must be a number")
  .int("must be an integer from 1 to 100")
  .min(1, "must be 1..100")
  .max(100, "must be 1..100")
  .default(20);

export const listQuerySchema = z.strictObject({
  limit,
  cursor: cursorOf(CRON_ID_RE).optional(),
  status: z.enum(JOB_STATUSES).optional(),
});

const runState = z.enum(RUN_STATES, `must be one of ${RUN_STATES.join(", ")}`);

export const runsListQuerySchema = z.strictObject({
  limit,
  cursor: cursorOf(RUN_ID_RE).optional(),
  state: runState.optional(),
});

/** GET /v1/cron/runs/list (SPEC §11): the tenant's runs across its jobs, newest first. */
export const tenantRunsQuerySchema = z.strictObject({
  limit,
  cursor: cursorOf(RUN_ID_RE).optional(),
  state: runState.optional(),
  trigger: z.enum(RUN_TRIGGERS, `must be one of ${RUN_TRIGGERS.join(", ")}`).optional(),
  from: instant.optional().describe("runs created at or after this instant"),
  to: instant.optional().describe("runs created before this instant"),
});

/** GET /v1/cron/audit/{id} (SPEC §11): the job's change log, newest first. */
export const auditQuerySchema = z.strictObject({
  limit,
  cursor: cursorOf(AUDIT_ID_RE).optional(),
});

/** SPEC §11: at most this many runs per bulk replay, and by default this many. */
export const MAX_BULK_REPLAY = 1000;
export const DEFAULT_BULK_REPLAY = 100;

/** cron.runs.replay of many runs: the finished runs of a state in [from, to). */
export const bulkReplaySchema = z.strictObject({
  state: z
    .enum(
      FINISHED_STATES as [RunState, ...RunState[]],
      `must be a finished state: ${FINISHED_STATES.join(", ")}`,
    )
    .optional()
    .describe('default "failed"'),
  from: instant.optional().describe("runs whose slot is at or after this instant"),
  to: instant.optional().describe("runs whose slot is before this instant"),
  limit: count(1, MAX_BULK_REPLAY).optional().describe(`default ${DEFAULT_BULK_REPLAY}`),
  idempotency_key: idempotencyKey.optional(),
});

export const statsQuerySchema = z.strictObject({
  window: z.coerce
    .number("must be a number")
    .int("must be an integer from 1 to 1000")
    .min(1, "must be 1..1000")
    .max(1000, "must be 1..1000")
    .default(100),
});

export const metricsQuerySchema = z.strictObject({
  by: z.enum(["job"], 'must be "job"').optional().describe("job: per-job series (label cron_id)"),
});

export const overviewQuerySchema = z.strictObject({
  hours: z.coerce
    .number("must be a number")
    .int("must be an integer from 1 to 48")
    .min(1, "must be 1..48")
    .max(48, "must be 1..48")
    .default(24)
    .describe("how far back runs and fire lag go"),
});

export const previewSchema = z.strictObject({
  schedule: expression.optional(),
  cron_expr: expression.optional(),
  timezone: z.string().min(1).max(64).optional(),
  from: z.string().max(64).optional(),
  count: count(1, 100).optional(),
  ...optional(windowFields),
  cron_id: z.string().regex(CRON_ID_RE, "must be a cron_id").optional().describe("jitter seed"),
});

export type PreviewInput = z.infer<typeof previewSchema>;

/** cron.backfill (SPEC §10): the slots in [from, to), `to` not in the future. */
export const backfillSchema = z.strictObject({
  from: instant,
  to: instant,
  idempotency_key: idempotencyKey.optional(),
});
