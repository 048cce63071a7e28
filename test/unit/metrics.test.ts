// The metrics' pure parts: the migration's bucket columns match the bounds the endpoint
// renders, the text format passes Prometheus's own `promtool check metrics`, and the
// quantile estimate of the overview behaves like histogram_quantile.
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { renderMetrics } from "../../src/api/metrics-text";
import {
  COUNTER_COLUMNS,
  type CounterRow,
  DURATION_BUCKETS,
  DURATION_COLUMNS,
  FIRE_LAG_BUCKETS,
  histogramQuantile,
  LAG_COLUMNS,
} from "../../src/job/metrics";
import { promtool } from "../helpers/promtool";

const MIGRATION = readFileSync(
  new URL("../../migrations/0007_metrics.sql", import.meta.url),
  "utf8",
);

function row(scope: string, over: Partial<CounterRow>): CounterRow {
  const r: CounterRow = { scope, state: "succeeded", trigger: "schedule", skip_reason: "" };
  for (const c of COUNTER_COLUMNS) r[c] = 0;
  return { ...r, ...over } as CounterRow;
}

describe("metrics", () => {
  it("the triggers bucket by the same bounds the endpoint renders", () => {
    for (const [columns, bounds, value] of [
      [LAG_COLUMNS, FIRE_LAG_BUCKETS, "fire_lag_ms"],
      [DURATION_COLUMNS, DURATION_BUCKETS, "duration_ms"],
    ] as const) {
      columns.forEach((c, i) => {
        const ms = bounds[i]! * 1000;
        // in the table, and in the one upsert of the counting trigger
        expect(MIGRATION).toContain(`${c} INTEGER NOT NULL DEFAULT 0`);
        const uses = MIGRATION.split(`coalesce(NEW.${value} <= ${ms}, 0)`).length - 1;
        expect(uses, `${c} <= ${ms}`).toBe(1);
      });
    }
    for (const c of COUNTER_COLUMNS)
      expect(MIGRATION.split(`${c} = ${c} + excluded.${c}`).length - 1, c).toBe(1);
  });

  it("renders text that promtool accepts, for the tenant and per job", () => {
    const rows = [
      row("", { runs: 3, attempts_ok: 3, lag_n: 3, lag_sum_ms: 12, lag_le_05: 3, dur_n: 3 }),
      row("", { state: "skipped", skip_reason: "overlap", runs: 2 }),
    ];
    for (const c of [...LAG_COLUMNS.slice(5), ...DURATION_COLUMNS]) rows[0]![c] = 3;
    const tenant = renderMetrics({
      jobs: { active: 2 },
      counters: rows,
      inProgress: new Map([["cron_01", 1]]),
      byJob: false,
    });
    expect(promtool(tenant)).toBe("");
    expect(tenant).toContain('crondo_fire_lag_seconds_bucket{le="0.05"} 3\n');
    expect(tenant).toContain('crondo_fire_lag_seconds_bucket{le="0.025"} 0\n');
    expect(tenant).toContain("crondo_fire_lag_seconds_sum 0.012\n");
    expect(tenant).toContain('crondo_skipped_total{reason="overlap"} 2\n');
    expect(tenant).toContain("crondo_runs_in_progress 1\n");
    const perJob = renderMetrics({
      jobs: { active: 2 },
      counters: rows.map((r) => ({ ...r, scope: "cron_01KX" })),
      inProgress: new Map([["cron_01KX", 1]]),
      byJob: true,
    });
    expect(promtool(perJob)).toBe("");
    expect(perJob).toContain(
      'crondo_runs_total{cron_id="cron_01KX",state="succeeded",trigger="schedule"} 3\n',
    );
    // and promtool does refuse a broken exposition
    expect(promtool("crondo_x{a=b} 1\n")).not.toBe("");
  });

  it("estimates quantiles from cumulative buckets as histogram_quantile does", () => {
    const bounds = [0.1, 0.2, 0.4];
    expect(histogramQuantile(bounds, [0, 0, 0], 0, 0.5)).toBeNull();
    expect(histogramQuantile(bounds, [10, 10, 10], 10, 0.5)).toBeCloseTo(0.05);
    expect(histogramQuantile(bounds, [0, 10, 10], 10, 0.5)).toBeCloseTo(0.15);
    expect(histogramQuantile(bounds, [5, 5, 10], 10, 0.99)).toBeCloseTo(0.2 + 0.2 * 0.98);
    expect(histogramQuantile(bounds, [0, 0, 0], 4, 0.5)).toBe(0.4); // all above the last bound
  });
});
