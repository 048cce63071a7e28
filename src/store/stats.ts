import { type JobStats, type StatsRow, summarizeRuns } from "../job/stats";

/** Statistics over a job's last `window` runs (newest first by run id). */
export async function jobStats(db: D1Database, cronId: string, window: number): Promise<JobStats> {
  const { results } = await db
    .prepare(
      "SELECT state, duration_ms, fire_lag_ms FROM runs WHERE cron_id = ? ORDER BY run_id DESC LIMIT ?",
    )
    .bind(cronId, window)
    .all<StatsRow>();
  return summarizeRuns(cronId, window, results);
}
