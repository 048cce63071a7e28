import { jobBelongsTo } from "../../store/jobs";
import { jobStats } from "../../store/stats";
import { validate } from "../body";
import { notFound } from "../errors";
import { StatsSchema } from "../models";
import { cronIdParam, defineRoute, ok } from "../route";
import { statsQuerySchema } from "../schemas";

export default defineRoute({
  operation: "cron.stats",
  method: "GET",
  path: "/v1/cron/stats/:id",
  doc: {
    summary: "Statistics over a job's last runs: success rate, duration and fire-lag percentiles",
    query: statsQuerySchema,
    response: StatsSchema,
  },
  mutating: false,
  handler: async (c) => {
    const id = cronIdParam(c);
    const { window } = validate(statsQuerySchema, c.req.query());
    if (!(await jobBelongsTo(c.env.DB, id, c.get("tenant_id")))) throw notFound();
    return ok(c, await jobStats(c.env.DB, id, window));
  },
});
