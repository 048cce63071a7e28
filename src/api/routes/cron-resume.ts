import { readJsonObject, validate } from "../body";
import { jobStub } from "../context";
import { unwrap } from "../errors";
import { CronRecordSchema } from "../models";
import { cronIdParam, defineRoute, ok } from "../route";
import { actionSchema } from "../schemas";

export default defineRoute({
  operation: "cron.resume",
  method: "POST",
  path: "/v1/cron/resume/:id",
  doc: {
    summary: "Resume a paused job (next fire computed from now)",
    body: actionSchema,
    response: CronRecordSchema,
    examples: { seed: { cron_id: "..." } },
  },
  mutating: true,
  handler: async (c) => {
    const id = cronIdParam(c);
    validate(actionSchema, await readJsonObject(c));
    return ok(c, unwrap(await jobStub(c.env, id).resume(c.get("tenant_id"))));
  },
});
