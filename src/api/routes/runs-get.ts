import { toCronRun } from "../../job/record";
import { RUN_ID_RE } from "../../lib/ulid";
import { getRun } from "../../store/runs";
import { notFound } from "../errors";
import { jobHistory } from "../history";
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
    // A run the object still holds is answered from it (its write may be on its way).
    const { db, held } = await jobHistory(c, id, "run");
    const run =
      held.find((r) => r.row.run_id === runId) ?? (await getRun(db, c.get("tenant_id"), id, runId));
    if (!run) throw notFound("run");
    return ok(c, toCronRun(run.row));
  },
});
