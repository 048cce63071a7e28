import { jobStub } from "../../object/stub";
import { unwrap } from "../errors";
import { CronRecordSchema } from "../models";
import { cronIdParam, defineRoute, ok } from "../route";

export default defineRoute({
  operation: "cron.get",
  method: "GET",
  path: "/v1/cron/get/:id",
  doc: { summary: "Get a job's configuration and next run time", response: CronRecordSchema },
  mutating: false,
  handler: async (c) => {
    const id = cronIdParam(c);
    return ok(c, unwrap(await jobStub(c.env, id).get(c.get("tenant_id"))));
  },
});
