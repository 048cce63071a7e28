import { configOf } from "../../env";
import { newCronId } from "../../lib/ulid";
import { jobStub } from "../../object/stub";
import { readJsonObject, validate } from "../body";
import { unwrap } from "../errors";
import { ALIASES, normalizeCreate } from "../job-input";
import { CronRecordSchema } from "../models";
import { changeBy, defineRoute, ok } from "../route";
import { createJobSchema } from "../schemas";

export default defineRoute({
  operation: "cron.create",
  method: "POST",
  path: "/v1/cron/create",
  doc: {
    summary: "Create a job: recurring (schedule / cron_expr) or one-shot (run_at)",
    body: createJobSchema,
    bodyRequired: true,
    requireOneOf: [ALIASES.url, [...ALIASES.schedule, "run_at"]],
    response: CronRecordSchema,
    status: 201,
    errors: ["INVALID_CRON", "INVALID_TIMEZONE", "INVALID_URL", "QUOTA_EXCEEDED"],
    examples: {
      seed: {
        cron_expr: "0 9 * * 1",
        task_type: "http_url",
        task_url: "https://api.acme.com/weekly",
      },
      full: {
        name: "nightly report",
        schedule: "30 2 * * *",
        url: "https://example.com/hook",
        timezone: "America/New_York",
        payload: { report: "daily" },
        retries: 5,
        overlap_policy: "skip",
      },
      one_shot: { run_at: "2030-01-01T09:00:00Z", url: "https://example.com/once" },
    },
  },
  mutating: true,
  // Validates and hands over: the job's object builds its state, claims its quota
  // slot and writes its index row itself.
  handler: async (c) => {
    const input = validate(createJobSchema, await readJsonObject(c));
    const { enabled, ...config } = normalizeCreate(input, {
      allowPrivate: configOf(c.env).allowPrivateTargets,
      now: Date.now(),
    });
    const cron_id = newCronId();
    const created = await jobStub(c.env, cron_id).create(
      {
        cron_id,
        tenant_id: c.get("tenant_id"),
        config,
        enabled,
      },
      changeBy(c),
    );
    return ok(c, unwrap(created), 201);
  },
});
