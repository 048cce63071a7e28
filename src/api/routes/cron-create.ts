import { allowPrivateTargets } from "../../env";
import { createJob } from "../../job/core";
import { randomToken } from "../../lib/crypto";
import { newCronId } from "../../lib/ulid";
import { jobStub } from "../../object/stub";
import { claimJobSlot, deleteJobRow, indexRowOf } from "../../store/jobs";
import { readJsonObject, validate } from "../body";
import { ApiError, unwrap } from "../errors";
import { normalizeCreate } from "../job-input";
import { CronRecordSchema } from "../models";
import { defineRoute, ok } from "../route";
import { createJobSchema } from "../schemas";

export const DEFAULT_JOB_QUOTA = 10_000;

export default defineRoute({
  operation: "cron.create",
  method: "POST",
  path: "/v1/cron/create",
  doc: {
    summary: "Create a job: recurring (schedule / cron_expr) or one-shot (run_at)",
    body: createJobSchema,
    response: CronRecordSchema,
    status: 201,
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
  handler: async (c) => {
    const input = validate(createJobSchema, await readJsonObject(c));
    const { enabled, ...config } = normalizeCreate(input, {
      allowPrivate: allowPrivateTargets(c.env),
      now: Date.now(),
    });
    const tenant_id = c.get("tenant_id");
    const quota = Number(c.env.JOB_QUOTA ?? DEFAULT_JOB_QUOTA) || DEFAULT_JOB_QUOTA;
    const cron_id = newCronId();
    const state = createJob(
      { cron_id, tenant_id, signing_secret: randomToken("whsec_"), config, enabled },
      Date.now(),
    );
    // The index row is claimed first, by one conditional INSERT: D1 runs it
    // atomically, so concurrent creates cannot overshoot the quota.
    if (!(await claimJobSlot(c.env.DB, indexRowOf(state), quota))) {
      throw new ApiError("QUOTA_EXCEEDED", `this tenant already has the maximum of ${quota} jobs`);
    }
    try {
      return ok(c, unwrap(await jobStub(c.env, cron_id).create(state)), 201);
    } catch (e) {
      await deleteJobRow(c.env.DB, cron_id); // give the slot back
      throw e;
    }
  },
});
