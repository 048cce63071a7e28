import { allowPrivateTargets } from "../../env";
import { readJsonObject, validate } from "../body";
import { jobStub } from "../context";
import { unwrap } from "../errors";
import { normalizeUpdate } from "../job-input";
import { cronIdParam, defineRoute, ok } from "../route";
import { updateJobSchema } from "../schemas";

export default defineRoute({
  operation: "cron.update",
  method: "PATCH",
  path: "/v1/cron/update/:id",
  mutating: true,
  handler: async (c) => {
    const id = cronIdParam(c);
    const input = validate(updateJobSchema, await readJsonObject(c));
    const patch = normalizeUpdate(input, id, {
      allowPrivate: allowPrivateTargets(c.env),
      now: Date.now(),
    });
    return ok(c, unwrap(await jobStub(c.env, id).update(c.get("tenant_id"), patch)));
  },
});
