// Human output of the CLI: aligned tables and key/value blocks. `--json` bypasses all of it.
import type { CronRecord, CronRun } from "../client";

export function table(headers: string[], rows: (string | number | null | undefined)[][]): string {
  const cells = rows.map((r) => r.map((c) => (c === null || c === undefined ? "-" : String(c))));
  const widths = headers.map((h, i) => Math.max(h.length, ...cells.map((r) => r[i]!.length)));
  const line = (r: string[]) =>
    r
      .map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i]!)))
      .join("  ")
      .trimEnd();
  return [line(headers), ...cells.map(line)].join("\n");
}

export function keyValues(obj: Record<string, unknown>): string {
  const width = Math.max(...Object.keys(obj).map((k) => k.length));
  return Object.entries(obj)
    .map(([k, v]) => {
      const text =
        v === null || v === undefined ? "-" : typeof v === "object" ? JSON.stringify(v) : String(v);
      return `${k.padEnd(width)}  ${text}`;
    })
    .join("\n");
}

export const jobsTable = (jobs: CronRecord[]) =>
  table(
    ["ID", "NAME", "STATUS", "SCHEDULE", "TZ", "NEXT RUN", "LAST"],
    jobs.map((j) => [
      j.cron_id,
      j.name.length > 40 ? `${j.name.slice(0, 39)}…` : j.name,
      j.status,
      j.schedule ?? `at ${j.run_at}`,
      j.timezone,
      j.next_run_at,
      j.last_run_state,
    ]),
  );

export const runsTable = (runs: CronRun[]) =>
  table(
    ["RUN ID", "STATE", "TRIGGER", "SCHEDULED FOR", "HTTP", "ATTEMPTS", "MS", "LAG MS"],
    runs.map((r) => [
      r.run_id,
      r.state,
      r.trigger,
      r.scheduled_for,
      r.response_status,
      r.attempts,
      r.duration_ms,
      r.fire_lag_ms,
    ]),
  );
