// What the jobs page shows beside each record (GET /v1/cron/list, `summary`), pure: the
// next fire computed from the schedule at read time — the list reads the D1 index, whose
// run progress lags an often-firing job by up to 10 s (src/job/history-plan.ts) —, the
// schedule in English and the success of the last runs.
import { iso } from "../lib/time";
import { describeSchedule } from "../schedule";
import { describeWindow, type FireWindow, nextFirings } from "../schedule/window";
import type { CronRecord } from "./record";
import { scheduleOf } from "./slots";

/** Runs the success summary looks at, newest first (as GET /stats's default window). */
export const SUMMARY_WINDOW = 100;

export interface RecentRuns {
  runs: number;
  succeeded: number;
  failed: number;
}

export interface JobSummary {
  next_run_at: string | null;
  description: string;
  success: RecentRuns & { window: number; rate: number | null };
}

const ms = (s: string | null) => (s === null ? null : Date.parse(s));

function windowOf(job: CronRecord): FireWindow {
  return {
    start_at: ms(job.start_at),
    end_at: ms(job.end_at),
    exclude_dates: job.exclude_dates,
    jitter_seconds: job.jitter_seconds,
  };
}

/**
 * When an active job fires next, from its schedule: the index's own value while it is
 * still ahead, else the first fire time at or after `now` (jitter included). A one-shot
 * job keeps the index's value (its run_at, due now or being delivered).
 */
export function nextRunAt(job: CronRecord, now: number): string | null {
  if (job.status !== "active" || job.next_run_at === null) return null;
  if (Date.parse(job.next_run_at) >= now || job.schedule === null) return job.next_run_at;
  const s = scheduleOf(job);
  // A slot a little before now may still fire after it (its jitter): look from there.
  const from = now - job.jitter_seconds * 1000 - 1;
  const next = nextFirings(s, windowOf(job), job.cron_id, from, 3).find((f) => f.fire_at >= now);
  return next ? iso(next.fire_at) : null;
}

export function describeJob(job: CronRecord): string {
  if (job.schedule === null) return `once, at ${job.run_at}`;
  return describeSchedule(scheduleOf(job)) + describeWindow(windowOf(job));
}

export function summarize(job: CronRecord, recent: RecentRuns, now: number): JobSummary {
  const finished = recent.succeeded + recent.failed;
  return {
    next_run_at: nextRunAt(job, now),
    description: describeJob(job),
    success: {
      window: SUMMARY_WINDOW,
      ...recent,
      rate: finished === 0 ? null : recent.succeeded / finished,
    },
  };
}
