import { SUMMARY_WINDOW, summarize } from "../../job/summary";
import { listJobs } from "../../store/jobs";
import { recentRuns } from "../../store/stats";
import { validate } from "../body";
import { CronPageSchema } from "../models";
import { defineRoute, ok } from "../route";
import { listQuerySchema } from "../schemas";

export default defineRoute({
  operation: "cron.list",
  method: "GET",
  path: "/v1/cron/list",
  doc: {
    summary: "List the tenant's jobs, newest first, each with a summary for a jobs page",
    description:
      "Each item is the job's record plus `summary`: `next_run_at` computed from the schedule " +
      "at read time (the record's own run progress may lag a job firing more often than every " +
      "10 s), the schedule in English, and the success of its last 100 runs — what a jobs " +
      "page needs, in this one request.",
    query: listQuerySchema,
    response: CronPageSchema,
  },
  mutating: false,
  handler: async (c) => {
    const { cursor, ...q } = validate(listQuerySchema, c.req.query());
    const page = await listJobs(c.env.DB, c.get("tenant_id"), { ...q, after: cursor });
    const recent = await recentRuns(
      c.env.DB,
      page.items.map((j) => j.cron_id),
      SUMMARY_WINDOW,
    );
    const now = Date.now();
    return ok(c, {
      items: page.items.map((job) => ({
        ...job,
        summary: summarize(job, recent.get(job.cron_id)!, now),
      })),
      next_cursor: page.next_cursor,
    });
  },
});
