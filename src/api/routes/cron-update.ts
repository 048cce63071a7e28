import { configOf } from "../../env";
import { jobStub } from "../../object/stub";
import { readJsonObject, validate } from "../body";
import { unwrap } from "../errors";
import { normalizeUpdate } from "../job-input";
import { CronRecordSchema } from "../models";
import { changeBy, cronIdParam, defineRoute, ok } from "../route";
import { updateJobSchema } from "../schemas";

export default defineRoute({
  operation: "cron.update",
  method: "PATCH",
  path: "/v1/cron/update/:id",
  doc: {
    summary: "Partially update a job; schedule, run_at or timezone recompute next_run_at",
    body: updateJobSchema,
    response: CronRecordSchema,
    errors: ["INVALID_CRON", "INVALID_TIMEZONE", "INVALID_URL"],
    examples: {
      seed: {},
      change: { cron_expr: "*/15 * * * *", retry: 2, overlap_policy: "queue" },
    },
  },
  mutating: true,
  handler: async (c) => {
    const id = cronIdParam(c);
    const input = validate(updateJobSchema, await readJsonObject(c));
    const patch = normalizeUpdate(input, id, {
      allowPrivate: configOf(c.env).allowPrivateTargets,
      now: Date.now(),
    });
    return ok(c, unwrap(await jobStub(c.env, id).update(c.get("tenant_id"), patch, changeBy(c))));
  },
});
