import { readJsonObject, validate } from "../body";
import { jobStub } from "../context";
import { unwrap } from "../errors";
import { CronRecordSchema } from "../models";
import { cronIdParam, defineRoute, ok } from "../route";
import { actionSchema } from "../schemas";

export default defineRoute({
  operation: "cron.pause",
  method: "POST",
  path: "/v1/cron/pause/:id",
  doc: {
    summary: "Pause a job",
    body: actionSchema,
    response: CronRecordSchema,
    examples: { seed: { cron_id: "..." } },
  },
  mutating: true,
  handler: async (c) => {
    const id = cronIdParam(c);
    validate(actionSchema, await readJsonObject(c));
    return ok(c, unwrap(await jobStub(c.env, id).pause(c.get("tenant_id"))));
  },
});
