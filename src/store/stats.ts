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
 * D1 round trip: a batch of one index-backed (runs_by_job) query per job, so it reads at
 * most `window` rows of each job however long its history. (Not one UNION ALL: D1 allows
 * only a few terms in a compound SELECT.)
 */
export async function recentRuns(
  db: D1Database,
  cronIds: readonly string[],
  window: number,
): Promise<Map<string, RecentRuns>> {
  const out = new Map<string, RecentRuns>();
  if (cronIds.length === 0) return out;
  const sql = `SELECT COUNT(*) AS runs, coalesce(SUM(state = 'succeeded'), 0) AS succeeded,
      coalesce(SUM(state = 'failed'), 0) AS failed
    FROM (SELECT state FROM runs WHERE cron_id = ? ORDER BY run_id DESC LIMIT ?)`;
  const results = await db.batch<RecentRuns>(
    cronIds.map((id) => db.prepare(sql).bind(id, Math.trunc(window))),
  );
  cronIds.forEach((id, i) => {
    const r = results[i]?.results[0];
    out.set(id, { runs: r?.runs ?? 0, succeeded: r?.succeeded ?? 0, failed: r?.failed ?? 0 });
  });
  return out;
}
