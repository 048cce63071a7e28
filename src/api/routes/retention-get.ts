import { jobStub } from "../../object/stub";
import { unwrap } from "../errors";
import { RetentionSchema } from "../models";
import { cronIdParam, defineRoute, ok } from "../route";

export default defineRoute({
  operation: "cron.retention.get",
  method: "GET",
  path: "/v1/cron/retention/get/:id",
  doc: { summary: "Get the job's run-history retention", response: RetentionSchema },
  mutating: false,
  handler: async (c) => {
    const id = cronIdParam(c);
    const job = unwrap(await jobStub(c.env, id).get(c.get("tenant_id")));
    return ok(c, { cron_id: job.cron_id, retention_days: job.retention_days });
  },
});
