// The tenant overview's data (GET /v1/cron/overview), pure: runs per minute by state and
// fire-lag percentiles over time from the per-minute counters (src/job/metrics.ts), and
// the next fires of the soonest jobs from their schedules.
import { iso } from "../lib/time";
import { type FireWindow, fireAtOf, nextSlotAfter } from "../schedule/window";
import {
  type CounterRow,
  FIRE_LAG_BUCKETS,
  histogramQuantile,
  LAG_COLUMNS,
  minuteOfScope,
} from "./metrics";
import type { CronRecord } from "./record";
import { scheduleOf } from "./slots";
import { FINISHED_STATES, type RunState } from "./types";

/** Minutes pooled into one fire-lag point: enough runs for a p99 to mean something. */
export const LAG_STEP_MINUTES = 10;
/** Fires listed per job in the timeline (an every-second job has 86,400 a day). */
export const TIMELINE_FIRES_PER_JOB = 200;

type Finished = Exclude<RunState, "queued" | "running" | "retrying">;
export type MinutePoint = { t: string } & Record<Finished, number>;
export interface LagPoint {
  t: string;
  runs: number;
  p50_seconds: number | null;
  p99_seconds: number | null;
}

/** Minutes with runs, oldest first (minutes without runs are left out: zeros). */
export function runsPerMinute(rows: readonly CounterRow[]): MinutePoint[] {
  const byMinute = new Map<number, MinutePoint>();
  for (const r of rows) {
    const minute = minuteOfScope(r.scope);
    let p = byMinute.get(minute);
    if (!p) {
      p = { t: iso(minute)!, succeeded: 0, failed: 0, skipped: 0, cancelled: 0 };
      byMinute.set(minute, p);
    }
    if ((FINISHED_STATES as readonly string[]).includes(r.state))
      p[r.state as Finished] += Number(r.runs);
  }
  return [...byMinute].sort(([a], [b]) => a - b).map(([, p]) => p);
}

/** p50 and p99 of the fire lag per LAG_STEP_MINUTES, estimated from the buckets. */
export function fireLagOverTime(rows: readonly CounterRow[]): LagPoint[] {
  const step = LAG_STEP_MINUTES * 60_000;
  const byStep = new Map<number, { n: number; le: number[] }>();
  for (const r of rows) {
    const at = Math.floor(minuteOfScope(r.scope) / step) * step;
    const acc = byStep.get(at) ?? { n: 0, le: LAG_COLUMNS.map(() => 0) };
    acc.n += Number(r.lag_n);
    LAG_COLUMNS.forEach((c, i) => {
      acc.le[i]! += Number(r[c]);
    });
    byStep.set(at, acc);
  }
  return [...byStep]
    .filter(([, a]) => a.n > 0)
    .sort(([a], [b]) => a - b)
    .map(([at, a]) => ({
      t: iso(at)!,
      runs: a.n,
      p50_seconds: histogramQuantile(FIRE_LAG_BUCKETS, a.le, a.n, 0.5),
      p99_seconds: histogramQuantile(FIRE_LAG_BUCKETS, a.le, a.n, 0.99),
    }));
}

export interface TimelineJob {
  cron_id: string;
  name: string;
  schedule: string | null;
  /** Fire times in [from, to), at most TIMELINE_FIRES_PER_JOB. */
  fires: string[];
  /** More fires fall in the window than are listed. */
  more: boolean;
}

const ms = (s: string | null) => (s === null ? null : Date.parse(s));

/** An active job's fire times in [from, to) from its schedule (a one-shot: its run_at). */
export function timelineOf(job: CronRecord, from: number, to: number): TimelineJob {
  const base = { cron_id: job.cron_id, name: job.name, schedule: job.schedule };
  if (job.schedule === null) {
    const at = ms(job.next_run_at);
    return {
      ...base,
      fires: at !== null && at < to ? [iso(Math.max(at, from))!] : [],
      more: false,
    };
  }
  const w: FireWindow = {
    start_at: ms(job.start_at),
    end_at: ms(job.end_at),
    exclude_dates: job.exclude_dates,
    jitter_seconds: job.jitter_seconds,
  };
  const s = scheduleOf(job);
  const fires: string[] = [];
  // From a little before `from`: a slot before it may fire after it (its jitter).
  let t = from - job.jitter_seconds * 1000 - 1;
  for (;;) {
    const slot = nextSlotAfter(s, w, t);
    if (slot === null || slot >= to) return { ...base, fires, more: false };
    const at = fireAtOf(s, w, job.cron_id, slot);
    if (at >= to) return { ...base, fires, more: false };
    if (at >= from) {
      if (fires.length === TIMELINE_FIRES_PER_JOB) return { ...base, fires, more: true };
      fires.push(iso(at)!);
    }
    t = slot;
  }
}
