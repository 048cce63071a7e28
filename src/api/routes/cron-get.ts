import { jobStub } from "../context";
import { unwrap } from "../errors";
import { cronIdParam, defineRoute, ok } from "../route";

export default defineRoute({
  operation: "cron.get",
  method: "GET",
  path: "/v1/cron/get/:id",
  mutating: false,
  handler: async (c) => {
    const id = cronIdParam(c);
    return ok(c, unwrap(await jobStub(c.env, id).get(c.get("tenant_id"))));
  },
});
