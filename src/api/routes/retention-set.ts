import { jobStub } from "../../object/stub";
import { readJsonObject, validate } from "../body";
import { unwrap } from "../errors";
import { RetentionSchema } from "../models";
import { changeBy, cronIdParam, defineRoute, ok } from "../route";
import { retentionSetSchema } from "../schemas";

export default defineRoute({
  operation: "cron.retention.set",
  method: "PUT",
  path: "/v1/cron/retention/set/:id",
  doc: {
    summary: "Set the job's run-history retention (0–365 days)",
    body: retentionSetSchema,
    bodyRequired: true,
    response: RetentionSchema,
    examples: { seed: { retention_days: 0 } },
  },
  mutating: true,
  handler: async (c) => {
    const id = cronIdParam(c);
    const { retention_days } = validate(retentionSetSchema, await readJsonObject(c));
    const job = unwrap(
      await jobStub(c.env, id).update(
        c.get("tenant_id"),
        { retention_days },
        changeBy(c),
        "retention.set",
      ),
    );
    return ok(c, { cron_id: job.cron_id, retention_days: job.retention_days });
  },
});
