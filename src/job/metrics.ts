// The counters behind GET /v1/cron/metrics and the overview (SPEC §13), pure: the
// histogram bounds, the columns of D1's `run_counters` that hold them, and quantiles from
// buckets. The counting itself is done by D1 triggers on `runs`
// (migrations/0007_metrics.sql): a run counts once, when its row first becomes finished,
// in the statement that writes it — whichever write path or shard writes it.
import { DAY, MINUTE } from "../lib/time";

/** Upper bounds (seconds) of crondo_fire_lag_seconds; +Inf follows. */
export const FIRE_LAG_BUCKETS = [
  0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300,
] as const;
/** Upper bounds (seconds) of crondo_run_duration_seconds; +Inf follows. */
export const DURATION_BUCKETS = [
  0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 900,
] as const;

export const ATTEMPT_OUTCOMES = ["success", "failure"] as const;

/** Per-minute counters are kept this long (the overview shows the last 24 h). */
export const MINUTE_COUNTERS_KEEP_MS = 2 * DAY;

/** Columns of run_counters: cumulative buckets (Prometheus `le`), lag_le_00 … lag_le_15. */
export const LAG_COLUMNS = FIRE_LAG_BUCKETS.map((_, i) => `lag_le_${String(i).padStart(2, "0")}`);
export const DURATION_COLUMNS = DURATION_BUCKETS.map(
  (_, i) => `dur_le_${String(i).padStart(2, "0")}`,
);
/** The value columns of run_counters, every one a sum over the runs of its row. */
export const COUNTER_COLUMNS = [
  "runs",
  "attempts_ok",
  "attempts_failed",
  "missed_slots",
  "lag_n",
  "lag_sum_ms",
  ...LAG_COLUMNS,
  "dur_n",
  "dur_sum_ms",
  ...DURATION_COLUMNS,
] as const;

/** One row of run_counters: a scope's runs of one (state, trigger, skip reason). */
export interface CounterRow {
  scope: string;
  state: string;
  trigger: string;
  skip_reason: string;
  [column: string]: string | number;
}

/** The scope of the tenant's per-minute counters: "m" + the epoch minute, 10 digits. */
export const minuteScope = (ms: number) => `m${String(Math.floor(ms / MINUTE)).padStart(10, "0")}`;
/** The epoch ms a minute scope stands for. */
export const minuteOfScope = (scope: string) => Number(scope.slice(1)) * MINUTE;

/**
 * The q-quantile (0..1) of a histogram given as cumulative bucket counts (one per bound,
 * in seconds) and its total (the +Inf bucket), interpolated linearly inside its bucket as
 * Prometheus's histogram_quantile does; in seconds, or null without observations.
 */
export function histogramQuantile(
  bounds: readonly number[],
  cumulative: readonly number[],
  total: number,
  q: number,
): number | null {
  if (total <= 0) return null;
  const rank = q * total;
  let below = 0;
  for (let i = 0; i < bounds.length; i++) {
    const upTo = cumulative[i] ?? below;
    if (upTo >= rank && upTo > below) {
      const lower = i === 0 ? 0 : bounds[i - 1]!;
      return lower + (bounds[i]! - lower) * ((rank - below) / (upTo - below));
    }
    below = upTo;
  }
  return bounds[bounds.length - 1]!; // in +Inf: the highest finite bound, as Prometheus does
}
