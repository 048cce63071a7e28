// pause, resume and trigger share one shape: a body whose fields other than
// idempotency_key are ignored (SPEC §3), and one call on the job's object.
import type { z } from "zod";
import type { Outcome } from "../../lib/outcome";
import { type JobRpc, jobStub } from "../../object/stub";
import { readJsonObject, validate } from "../body";
import { unwrap } from "../errors";
import { changeBy, cronIdParam, defineRoute, ok } from "../route";
import { actionSchema } from "../schemas";

export function jobActionRoute(
  action: "pause" | "resume" | "trigger",
  doc: {
    summary: string;
    description?: string;
    response: z.ZodType;
    examples?: Record<string, unknown>;
  },
) {
  return defineRoute({
    operation: `cron.${action}`,
    method: "POST",
    path: `/v1/cron/${action}/:id`,
    doc: { ...doc, body: actionSchema },
    mutating: true,
    handler: async (c) => {
      const id = cronIdParam(c);
      validate(actionSchema, await readJsonObject(c));
      const stub: JobRpc = jobStub(c.env, id);
      const outcome: Outcome<unknown> = await stub[action](c.get("tenant_id"), changeBy(c));
      return ok(c, unwrap(outcome));
    },
  });
}
