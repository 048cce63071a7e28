import { toCronRun } from "../../job/record";
import { jobBelongsTo } from "../../store/jobs";
import { listRuns } from "../../store/runs";
import { validate } from "../body";
import { notFound } from "../errors";
import { RunPageSchema } from "../models";
import { cronIdParam, defineRoute, ok } from "../route";
import { runsListQuerySchema } from "../schemas";

export default defineRoute({
  operation: "cron.runs.list",
  method: "GET",
  path: "/v1/cron/runs/list/:id",
  doc: {
    summary: "List a job's runs, newest first",
    query: runsListQuerySchema,
    response: RunPageSchema,
  },
  tag: "runs",
  mutating: false,
  handler: async (c) => {
    const id = cronIdParam(c);
    const { cursor, state, limit } = validate(runsListQuerySchema, c.req.query());
    if (!(await jobBelongsTo(c.env.DB, id, c.get("tenant_id")))) throw notFound();
    const page = await listRuns(c.env.DB, id, { limit, after: cursor, state });
    return ok(c, { items: page.items.map(toCronRun), next_cursor: page.next_cursor });
  },
});
