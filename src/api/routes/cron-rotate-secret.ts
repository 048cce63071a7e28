import { jobStub } from "../../object/stub";
import { readJsonObject, validate } from "../body";
import { unwrap } from "../errors";
import { CronRecordSchema } from "../models";
import { changeBy, cronIdParam, defineRoute, ok } from "../route";
import { actionSchema } from "../schemas";

export default defineRoute({
  operation: "cron.rotate_secret",
  method: "POST",
  path: "/v1/cron/rotate-secret/:id",
  doc: {
    summary: "Rotate the job's signing secret; the previous one stays valid for 24 h (SPEC §12)",
    description:
      "The record carries the new signing_secret and previous_secret_expires_at. Until then " +
      "every request and event carries both signatures: X-Cron-Signature: t=<t>,v1=<new>,v1=<old>.",
    body: actionSchema,
    response: CronRecordSchema,
  },
  mutating: true,
  handler: async (c) => {
    const id = cronIdParam(c);
    validate(actionSchema, await readJsonObject(c));
    return ok(c, unwrap(await jobStub(c.env, id).rotateSecret(c.get("tenant_id"), changeBy(c))));
  },
});
