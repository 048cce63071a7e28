import { readJsonObject, validate } from "../body";
import { jobStub } from "../context";
import { unwrap } from "../errors";
import { cronIdParam, defineRoute, ok } from "../route";
import { retentionSetSchema } from "../schemas";

export default defineRoute({
  operation: "cron.retention.set",
  method: "PUT",
  path: "/v1/cron/retention/set/:id",
  mutating: true,
  handler: async (c) => {
    const id = cronIdParam(c);
    const { retention_days } = validate(retentionSetSchema, await readJsonObject(c));
    const job = unwrap(await jobStub(c.env, id).update(c.get("tenant_id"), { retention_days }));
    return ok(c, { cron_id: job.cron_id, retention_days: job.retention_days });
  },
});
