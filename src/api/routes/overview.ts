import { fireLagOverTime, runsPerMinute, timelineOf } from "../../job/overview";
import { HOUR } from "../../lib/time";
import { readMinuteCounters } from "../../store/counters";
import { countJobsByStatus, soonestActiveJobs } from "../../store/jobs";
import { validate } from "../body";
import { OverviewSchema } from "../models";
import { defineRoute, ok } from "../route";
import { overviewQuerySchema } from "../schemas";

/** Jobs in the overview's timeline: the soonest to fire. */
export const TIMELINE_JOBS = 20;

/** The dashboard's overview of a tenant, in one request (SPEC §13 spirit: counters, not history). */
export default defineRoute({
  operation: "cron.overview",
  method: "GET",
  path: "/v1/cron/overview",
  doc: {
    summary: "The tenant at a glance: runs per minute, fire lag over time, the next fires",
    description:
      "From the per-minute counters (kept two days; not the run history, so it costs the same " +
      "with a million runs): the runs finished in each minute of the last `hours` by state " +
      "(minutes without runs left out), the fire lag's p50 and p99 per 10 minutes (estimated " +
      "from the crondo_fire_lag_seconds buckets, as histogram_quantile does), and the fire " +
      "times of the next 24 h of the 20 active jobs that fire soonest (at most 200 each).",
    query: overviewQuerySchema,
    response: OverviewSchema,
  },
  mutating: false,
  handler: async (c) => {
    const { hours } = validate(overviewQuerySchema, c.req.query());
    const tenant = c.get("tenant_id");
    const now = Date.now();
    const from = now - hours * HOUR;
    const [minutes, jobs, soonest] = await Promise.all([
      readMinuteCounters(c.env.DB, tenant, from),
      countJobsByStatus(c.env.DB, tenant),
      soonestActiveJobs(c.env.DB, tenant, TIMELINE_JOBS),
    ]);
    const until = now + 24 * HOUR;
    return ok(c, {
      now: new Date(now).toISOString(),
      from: new Date(from).toISOString(),
      jobs: { active: jobs.active ?? 0, paused: jobs.paused ?? 0, completed: jobs.completed ?? 0 },
      runs_per_minute: runsPerMinute(minutes),
      fire_lag: fireLagOverTime(minutes),
      timeline: {
        from: new Date(now).toISOString(),
        to: new Date(until).toISOString(),
        jobs: soonest.map((j) => timelineOf(j, now, until)),
      },
    });
  },
});
