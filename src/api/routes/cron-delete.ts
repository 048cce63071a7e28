import { jobStub } from "../../object/stub";
import { readJsonObject, validate } from "../body";
import { unwrap } from "../errors";
import { DeletedSchema } from "../models";
import { cronIdParam, defineRoute, ok } from "../route";
import { actionSchema } from "../schemas";

export default defineRoute({
  operation: "cron.delete",
  method: "DELETE",
  path: "/v1/cron/delete/:id",
  doc: {
    summary: "Delete a job, its alarm and its run history",
    body: actionSchema,
    response: DeletedSchema,
  },
  mutating: true,
  handler: async (c) => {
    const id = cronIdParam(c);
    validate(actionSchema, await readJsonObject(c));
    return ok(c, unwrap(await jobStub(c.env, id).remove(c.get("tenant_id"))));
  },
});
