import { type JobStats, type StatsRow, summarizeRuns } from "../job/stats";
import type { RecentRuns } from "../job/summary";

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

/**
 * Succeeded and failed among each job's last `window` runs, for a page of jobs in ONE
 * query: a UNION ALL of one index-backed (runs_by_job) subquery per job, so it reads at
 * most `window` rows of each job however long its history. One bound id per job (D1
 * binds at most 100 parameters: a page holds at most 100 jobs).
 */
export async function recentRuns(
  db: D1Database,
  cronIds: readonly string[],
  window: number,
): Promise<Map<string, RecentRuns>> {
  const out = new Map<string, RecentRuns>(
    cronIds.map((id) => [id, { runs: 0, succeeded: 0, failed: 0 }]),
  );
  if (cronIds.length === 0) return out;
  const n = Math.trunc(window);
  const one = `SELECT * FROM (SELECT cron_id, state FROM runs WHERE cron_id = ? ORDER BY run_id DESC LIMIT ${n})`;
  const { results } = await db
    .prepare(
      `SELECT cron_id, COUNT(*) AS runs, SUM(state = 'succeeded') AS succeeded, SUM(state = 'failed') AS failed
       FROM (${cronIds.map(() => one).join(" UNION ALL ")}) GROUP BY cron_id`,
    )
    .bind(...cronIds)
    .all<{ cron_id: string } & RecentRuns>();
  for (const r of results)
    out.set(r.cron_id, { runs: r.runs, succeeded: r.succeeded ?? 0, failed: r.failed ?? 0 });
  return out;
}
