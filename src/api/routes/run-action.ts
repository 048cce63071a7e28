// replay (one run) and cancel share one shape: a job id and a run id in the path, a body
// whose fields other than idempotency_key are ignored, and one call on the job's object.
import { RUN_ID_RE } from "../../lib/ulid";
import { jobStub } from "../../object/stub";
import { readJsonObject, validate } from "../body";
import { type ErrorCode, notFound, unwrap } from "../errors";
import { CronRunSchema } from "../models";
import { changeBy, cronIdParam, defineRoute, ok } from "../route";
import { actionSchema } from "../schemas";

export function runActionRoute(
  action: "replay" | "cancel",
  doc: { summary: string; description: string; errors: ErrorCode[]; status: 200 | 201 },
) {
  return defineRoute({
    operation: `cron.runs.${action}`,
    method: "POST",
    path: `/v1/cron/runs/${action}/:id/:run_id`,
    doc: { ...doc, body: actionSchema, response: CronRunSchema },
    tag: "runs",
    mutating: true,
    handler: async (c) => {
      const id = cronIdParam(c);
      // A path run id that cannot be a run id is a run that does not exist.
      const runId = c.req.param("run_id") ?? "";
      if (!RUN_ID_RE.test(runId)) throw notFound("run");
      validate(actionSchema, await readJsonObject(c));
      const run = await jobStub(c.env, id)[action](c.get("tenant_id"), runId, changeBy(c));
      return ok(c, unwrap(run), doc.status);
    },
  });
}
