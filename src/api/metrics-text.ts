// GET /v1/cron/metrics in the Prometheus text exposition format 0.0.4 (SPEC §13), from
// the rows of run_counters (src/store/counters.ts; columns in src/job/metrics.ts).
import {
  type CounterRow,
  DURATION_BUCKETS,
  DURATION_COLUMNS,
  FIRE_LAG_BUCKETS,
  LAG_COLUMNS,
} from "../job/metrics";
import {
  FINISHED_STATES,
  JOB_STATUSES,
  type JobStatus,
  RUN_TRIGGERS,
  SKIP_REASONS,
} from "../job/types";

export const METRICS_CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";

export interface MetricsInput {
  jobs: Partial<Record<JobStatus, number>>;
  /** Rows of run_counters: the tenant's (scope ""), or with byJob each job's. */
  counters: CounterRow[];
  /** cron_id → runs in progress */
  inProgress: Map<string, number>;
  /** Per-job series (label cron_id) instead of the tenant's totals. */
  byJob: boolean;
}

type Labels = Record<string, string>;

const labelText = (labels: Labels) => {
  const parts = Object.entries(labels).map(
    ([k, v]) => `${k}="${v.replace(/\\/g, "\\\\").replace(/"/g, '\\"').replace(/\n/g, "\\n")}"`,
  );
  return parts.length ? `{${parts.join(",")}}` : "";
};

/** Seconds from milliseconds, without float noise (1234 ms → "1.234"). */
const seconds = (ms: number) => String(Math.round(ms) / 1000);

export function renderMetrics(input: MetricsInput): string {
  const out: string[] = [];
  const family = (name: string, type: "counter" | "gauge" | "histogram", help: string) => {
    out.push(`# HELP ${name} ${help}`, `# TYPE ${name} ${type}`);
  };
  const sample = (name: string, labels: Labels, value: number | string) =>
    out.push(`${name}${labelText(labels)} ${value}`);

  // The scopes shown: the tenant's, or each job's (only those with counters).
  const byScope = new Map<string, CounterRow[]>(input.byJob ? [] : [["", []]]);
  for (const r of input.counters) byScope.set(r.scope, [...(byScope.get(r.scope) ?? []), r]);
  const scopes = [...byScope.keys()].sort();
  const scopeLabels = (scope: string): Labels => (scope === "" ? {} : { cron_id: scope });
  /** Sum of `column` over a scope's rows that `match`. */
  const sum = (scope: string, column: string, match: (r: CounterRow) => boolean = () => true) =>
    (byScope.get(scope) ?? []).reduce((a, r) => a + (match(r) ? Number(r[column] ?? 0) : 0), 0);
  /** Every combination for the tenant (so rate() works from the first scrape), non-zero ones per job. */
  const counter = (name: string, combos: [Labels, (scope: string) => number][]) => {
    for (const scope of scopes) {
      for (const [labels, of] of combos) {
        const v = of(scope);
        if (scope === "" || v !== 0) sample(name, { ...scopeLabels(scope), ...labels }, v);
      }
    }
  };

  family("crondo_jobs", "gauge", "Jobs of the tenant, by status.");
  for (const status of JOB_STATUSES) sample("crondo_jobs", { status }, input.jobs[status] ?? 0);

  family(
    "crondo_runs_total",
    "counter",
    "Finished runs, by final state and trigger (counted once, when the run finishes).",
  );
  counter(
    "crondo_runs_total",
    FINISHED_STATES.flatMap((state) =>
      RUN_TRIGGERS.map((trigger): [Labels, (scope: string) => number] => [
        { state, trigger },
        (scope) => sum(scope, "runs", (r) => r.state === state && r.trigger === trigger),
      ]),
    ),
  );

  family("crondo_attempts_total", "counter", "HTTP attempts of finished runs, by outcome.");
  counter("crondo_attempts_total", [
    [{ outcome: "success" }, (scope) => sum(scope, "attempts_ok")],
    [{ outcome: "failure" }, (scope) => sum(scope, "attempts_failed")],
  ]);

  family("crondo_skipped_total", "counter", "Slots recorded skipped, by reason.");
  counter(
    "crondo_skipped_total",
    SKIP_REASONS.map((reason) => [
      { reason },
      (scope) => sum(scope, "runs", (r) => r.state === "skipped" && r.skip_reason === reason),
    ]),
  );

  family(
    "crondo_missed_slots_total",
    "counter",
    "Slots that passed unfired (downtime, a delayed alarm), as reported by the runs that counted them.",
  );
  counter("crondo_missed_slots_total", [[{}, (scope) => sum(scope, "missed_slots")]]);

  family("crondo_runs_in_progress", "gauge", "Runs queued, running or waiting for a retry.");
  if (input.byJob) {
    for (const [cronId, n] of [...input.inProgress].sort(([a], [b]) => (a < b ? -1 : 1)))
      sample("crondo_runs_in_progress", { cron_id: cronId }, n);
  } else {
    let total = 0;
    for (const n of input.inProgress.values()) total += n;
    sample("crondo_runs_in_progress", {}, total);
  }

  const histogram = (
    name: string,
    help: string,
    bounds: readonly number[],
    columns: readonly string[],
    key: "lag" | "dur",
  ) => {
    family(name, "histogram", help);
    for (const scope of scopes) {
      const total = sum(scope, `${key}_n`);
      if (scope !== "" && total === 0) continue;
      const labels = scopeLabels(scope);
      bounds.forEach((b, i) => {
        sample(`${name}_bucket`, { ...labels, le: String(b) }, sum(scope, columns[i]!));
      });
      sample(`${name}_bucket`, { ...labels, le: "+Inf" }, total);
      sample(`${name}_sum`, labels, seconds(sum(scope, `${key}_sum_ms`)));
      sample(`${name}_count`, labels, total);
    }
  };
  histogram(
    "crondo_fire_lag_seconds",
    "Start of a run's first request minus when it was due (fire_at), of finished runs.",
    FIRE_LAG_BUCKETS,
    LAG_COLUMNS,
    "lag",
  );
  histogram(
    "crondo_run_duration_seconds",
    "Duration of finished runs, first request to final answer.",
    DURATION_BUCKETS,
    DURATION_COLUMNS,
    "dur",
  );
  return `${out.join("\n")}\n`;
}
