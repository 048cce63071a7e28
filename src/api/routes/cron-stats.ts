import { jobStats } from "../../store/stats";
import { validate } from "../body";
import { jobHistory } from "../history";
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
    const { db, held } = await jobHistory(c, id);
    return ok(c, await jobStats(db, id, window, held));
  },
});
