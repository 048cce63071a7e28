import { readJsonObject, validate } from "../body";
import { jobStub } from "../context";
import { unwrap } from "../errors";
import { cronIdParam, defineRoute, ok } from "../route";
import { actionSchema } from "../schemas";

export default defineRoute({
  operation: "cron.resume",
  method: "POST",
  path: "/v1/cron/resume/:id",
  mutating: true,
  handler: async (c) => {
    const id = cronIdParam(c);
    validate(actionSchema, await readJsonObject(c));
    return ok(c, unwrap(await jobStub(c.env, id).resume(c.get("tenant_id"))));
  },
});
