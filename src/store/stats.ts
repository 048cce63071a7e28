import type { VersionedRun } from "../job/history-batch";
import { type JobStats, type StatsRow, summarizeRuns } from "../job/stats";

/**
 * Statistics over a job's last `window` runs (newest first by run id), read from its
 * shard; `held` are rows its object holds that may not have landed yet (merged in).
 */
export async function jobStats(
  db: D1Database,
  cronId: string,
  window: number,
  held: readonly VersionedRun[] = [],
): Promise<JobStats> {
  const { results } = await db
    .prepare(
      "SELECT run_id, version, state, duration_ms, fire_lag_ms FROM runs WHERE cron_id = ? ORDER BY run_id DESC LIMIT ?",
    )
    .bind(cronId, window)
    .all<StatsRow & { run_id: string; version: number }>();
  if (held.length === 0) return summarizeRuns(cronId, window, results);
  const byId = new Map(results.map((r) => [r.run_id, r]));
  for (const { row, version } of held) {
    const prev = byId.get(row.run_id);
    if (!prev || prev.version < version) byId.set(row.run_id, { ...row, version });
  }
  const rows = [...byId.values()].sort((a, b) => (a.run_id < b.run_id ? 1 : -1)).slice(0, window);
  return summarizeRuns(cronId, window, rows);
}
