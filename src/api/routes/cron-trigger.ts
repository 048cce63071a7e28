import { readJsonObject, validate } from "../body";
import { jobStub } from "../context";
import { unwrap } from "../errors";
import { CronRunSchema } from "../models";
import { cronIdParam, defineRoute, ok } from "../route";
import { actionSchema } from "../schemas";

export default defineRoute({
  operation: "cron.trigger",
  method: "POST",
  path: "/v1/cron/trigger/:id",
  doc: {
    summary: "Start a run now (also for a paused or completed job)",
    body: actionSchema,
    response: CronRunSchema,
    examples: { seed: { job_id: "cron_01HX..." } },
  },
  mutating: true,
  handler: async (c) => {
    const id = cronIdParam(c);
    validate(actionSchema, await readJsonObject(c));
    return ok(c, unwrap(await jobStub(c.env, id).trigger(c.get("tenant_id"))));
  },
});
