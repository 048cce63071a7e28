// Statistics over a job's last runs (GET /v1/cron/stats/{id}): pure, from the rows
// the store reads, so the dashboard can take the type without any server module.
import { RUN_STATES, type RunRow, type RunState } from "./types";

/** Nearest-rank percentile of an ascending array, or null when empty. */
export function percentile(sorted: number[], p: number): number | null {
  if (sorted.length === 0) return null;
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1]!;
}

export interface JobStats {
  cron_id: string;
  window: number;
  runs: number;
  /** succeeded / (succeeded + failed) over the window, null when no run has finished. */
  success_rate: number | null;
  duration_ms: { p50: number | null; p95: number | null };
  fire_lag_ms: { p50: number | null; p95: number | null };
  counts: Record<RunState, number>;
}

export type StatsRow = Pick<RunRow, "state" | "duration_ms" | "fire_lag_ms">;

/** The statistics of `rows`, a job's last `window` runs. */
export function summarizeRuns(cronId: string, window: number, rows: StatsRow[]): JobStats {
  const counts = Object.fromEntries(RUN_STATES.map((s) => [s, 0])) as Record<RunState, number>;
  const durations: number[] = [];
  const lags: number[] = [];
  for (const r of rows) {
    counts[r.state]++;
    if ((r.state === "succeeded" || r.state === "failed") && r.duration_ms !== null)
      durations.push(r.duration_ms);
    if (r.fire_lag_ms !== null) lags.push(r.fire_lag_ms);
  }
  durations.sort((a, b) => a - b);
  lags.sort((a, b) => a - b);
  const finished = counts.succeeded + counts.failed;
  return {
    cron_id: cronId,
    window,
    runs: rows.length,
    success_rate: finished === 0 ? null : counts.succeeded / finished,
    duration_ms: { p50: percentile(durations, 50), p95: percentile(durations, 95) },
    fire_lag_ms: { p50: percentile(lags, 50), p95: percentile(lags, 95) },
    counts,
  };
}
