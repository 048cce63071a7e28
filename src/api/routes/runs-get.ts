import { toCronRun } from "../../job/record";
import { RUN_ID_RE } from "../../lib/ulid";
import { getRun } from "../../store/runs";
import { notFound } from "../errors";
import { CronRunSchema } from "../models";
import { cronIdParam, defineRoute, ok } from "../route";

export default defineRoute({
  operation: "cron.runs.get",
  method: "GET",
  path: "/v1/cron/runs/get/:id/:run_id",
  doc: { summary: "Get one run of a job", response: CronRunSchema },
  tag: "runs",
  mutating: false,
  handler: async (c) => {
    const id = cronIdParam(c);
    const runId = c.req.param("run_id") ?? "";
    if (!RUN_ID_RE.test(runId)) throw notFound("run");
    const row = await getRun(c.env.DB, c.get("tenant_id"), id, runId);
    if (!row) throw notFound("run");
    return ok(c, toCronRun(row));
  },
});
