import { readCounters, runsInProgress } from "../../store/counters";
import { countJobsByStatus } from "../../store/jobs";
import { validate } from "../body";
import { METRICS_CONTENT_TYPE, renderMetrics } from "../metrics-text";
import { MetricsTextSchema } from "../models";
import { defineRoute } from "../route";
import { metricsQuerySchema } from "../schemas";

/** SPEC §13: the tenant's counters for Prometheus; a read-scope key is enough. */
export default defineRoute({
  operation: "cron.metrics",
  method: "GET",
  path: "/v1/cron/metrics",
  doc: {
    summary: "Prometheus metrics of the tenant (text format 0.0.4)",
    description:
      "crondo_jobs{status}, crondo_runs_total{state,trigger}, crondo_attempts_total{outcome}, " +
      "crondo_skipped_total{reason}, crondo_missed_slots_total, crondo_runs_in_progress and the " +
      "histograms crondo_fire_lag_seconds and crondo_run_duration_seconds. Counters count a run " +
      "once, when it finishes, and never go backwards (they are kept apart from the run history: " +
      "restarts and purges do not touch them). With by=job every series but crondo_jobs carries a " +
      "cron_id label instead of being the tenant's total (a deleted job's series go with it; the " +
      "totals keep what it did).",
    query: metricsQuerySchema,
    response: MetricsTextSchema,
    contentType: METRICS_CONTENT_TYPE,
  },
  mutating: false,
  handler: async (c) => {
    const { by } = validate(metricsQuerySchema, c.req.query());
    const tenant = c.get("tenant_id");
    const byJob = by === "job";
    const [jobs, rows, inProgress] = await Promise.all([
      countJobsByStatus(c.env.DB, tenant),
      readCounters(c.env.DB, tenant, byJob),
      runsInProgress(c.env.DB, tenant),
    ]);
    const text = renderMetrics({
      jobs,
      counters: rows,
      inProgress: new Map(inProgress.map((r) => [r.cron_id, r.n])),
      byJob,
    });
    return c.body(text, 200, { "Content-Type": METRICS_CONTENT_TYPE });
  },
});
