import { toCronRun } from "../../job/record";
import { listRuns } from "../../store/runs";
import { validate } from "../body";
import { jobHistory } from "../history";
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
    const { db, held } = await jobHistory(c, id);
    const page = await listRuns(db, id, { limit, after: cursor, state }, held);
    return ok(c, { items: page.items.map((r) => toCronRun(r.row)), next_cursor: page.next_cursor });
  },
});
