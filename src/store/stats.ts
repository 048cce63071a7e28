import type { VersionedRun } from "../job/history-batch";
import { type JobStats, type StatsRow, summarizeRuns } from "../job/stats";
import type { RecentRuns } from "../job/summary";
import { fanOut, type Shard } from "./shards";

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

/**
 * Succeeded and failed among each job's last `window` runs, for a page of jobs: one
 * statement per shard. For each job of the page (json_each of the ids) a correlated
 * subquery reads that job's newest `window` runs through runs_by_job, so it reads at most
 * `window` rows of each job however long its history, and packs its three counts into
 * one JSON array (a scalar subquery yields one value).
 */
export async function recentRuns(
  shards: readonly Shard[],
  cronIds: readonly string[],
  window: number,
): Promise<Map<string, RecentRuns>> {
  // Each job's runs are in one shard: every shard is asked, and a job's figures are
  // those of the shard that has its runs (the others have none).
  const perShard = await fanOut(shards, ({ db }) => recentRunsIn(db, cronIds, window));
  const out = new Map<string, RecentRuns>();
  for (const id of cronIds) {
    const all = perShard.map((m) => m.get(id)!);
    out.set(
      id,
      all.reduce((a, b) => (b.runs > a.runs ? b : a)),
    );
  }
  return out;
}

export const RECENT_RUNS = `SELECT j.value AS cron_id,
    (SELECT json_array(COUNT(*), coalesce(SUM(state = 'succeeded'), 0),
        coalesce(SUM(state = 'failed'), 0))
      FROM (SELECT state FROM runs WHERE cron_id = j.value ORDER BY run_id DESC LIMIT ?1)
    ) AS counts
  FROM json_each(?2) AS j`;

async function recentRunsIn(
  db: D1Database,
  cronIds: readonly string[],
  window: number,
): Promise<Map<string, RecentRuns>> {
  const out = new Map<string, RecentRuns>();
  if (cronIds.length === 0) return out;
  const { results } = await db
    .prepare(RECENT_RUNS)
    .bind(Math.trunc(window), JSON.stringify(cronIds))
    .all<{ cron_id: string; counts: string }>();
  for (const id of cronIds) out.set(id, { runs: 0, succeeded: 0, failed: 0 });
  for (const r of results) {
    const [runs, succeeded, failed] = JSON.parse(r.counts) as [number, number, number];
    out.set(r.cron_id, { runs, succeeded, failed });
  }
  return out;
}
