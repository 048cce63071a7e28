import { listJobs } from "../../store/jobs";
import { validate } from "../body";
import { CronPageSchema } from "../models";
import { defineRoute, ok } from "../route";
import { listQuerySchema } from "../schemas";

export default defineRoute({
  operation: "cron.list",
  method: "GET",
  path: "/v1/cron/list",
  doc: {
    summary: "List the tenant's jobs, newest first",
    query: listQuerySchema,
    response: CronPageSchema,
  },
  mutating: false,
  handler: async (c) => {
    const { cursor, ...q } = validate(listQuerySchema, c.req.query());
    return ok(c, await listJobs(c.env.DB, c.get("tenant_id"), { ...q, after: cursor }));
  },
});
