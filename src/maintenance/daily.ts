// The daily Cron Trigger (SPEC §1, §7): purge expired history, re-arm lost alarms,
// forget expired idempotency keys. Reaches jobs through their objects and D1 through
// the store; never through the HTTP edge.
import type { Env } from "../env";
import { log } from "../lib/log";
import { MINUTE } from "../lib/time";
import { jobStub } from "../object/stub";
import { purgeMinuteCounters } from "../store/counters";
import { purgeExpiredKeys } from "../store/idempotency";
import { getMaintenanceValue, overdueJobs, setMaintenanceValue } from "../store/maintenance";
import { purgeExpiredRuns } from "../store/purge";

/** A job whose next_run_at is this far behind is considered to have lost its alarm. */
export const OVERDUE_AFTER_MS = 5 * MINUTE;
/** Leave headroom under the scheduled handler's limits (CPU 30 s by default). */
export const PURGE_BUDGET_MS = 20_000;
const SWEEP_LIMIT = 1000;
const PURGE_RESUME_KEY = "purge.resume_after";

/** Re-arms active jobs whose alarm should have fired minutes ago (SPEC §1 safety net). */
export async function sweepOverdue(env: Env, now: number) {
  const overdue = await overdueJobs(env.DB, now - OVERDUE_AFTER_MS, SWEEP_LIMIT);
  const rearmed: string[] = [];
  const errors: string[] = [];
  for (const cron_id of overdue) {
    try {
      const r = await jobStub(env, cron_id).ensureAlarm();
      if (r.rearmed) rearmed.push(cron_id);
    } catch (e) {
      errors.push(`${cron_id}: ${String(e)}`);
    }
  }
  return { overdue: overdue.length, rearmed, errors };
}

/**
 * One purge pass within `budgetMs`, continuing from where the previous invocation
 * stopped and recording where this one stopped (SPEC §7: bounded, resumable).
 */
export async function purgeWithContinuation(
  db: D1Database,
  scheduledTime: number,
  budgetMs: number,
) {
  const resumeAfter = await getMaintenanceValue(db, PURGE_RESUME_KEY);
  const purge = await purgeExpiredRuns(db, {
    now: scheduledTime,
    deadline: Date.now() + budgetMs,
    resumeAfter,
  });
  await setMaintenanceValue(db, PURGE_RESUME_KEY, purge.resume_after, Date.now());
  return { ...purge, resumed_from: resumeAfter };
}

/** The daily Cron Trigger: purge expired history, then the overdue-alarm sweep. */
export async function runDailyMaintenance(env: Env, scheduledTime: number) {
  const started = Date.now();
  const purge = await purgeWithContinuation(env.DB, scheduledTime, PURGE_BUDGET_MS);
  const sweep = await sweepOverdue(env, Date.now());
  const keys_expired = await purgeExpiredKeys(env.DB, Date.now());
  // The overview's per-minute counters; the totals behind /metrics are never purged.
  const minute_counters_expired = await purgeMinuteCounters(env.DB, Date.now());
  const summary = {
    purge_deleted: purge.deleted,
    purge_jobs: purge.jobs_scanned,
    purge_complete: purge.complete,
    purge_resumed_from: purge.resumed_from,
    sweep_overdue: sweep.overdue,
    sweep_rearmed: sweep.rearmed.length,
    sweep_errors: sweep.errors.length,
    idempotency_keys_expired: keys_expired,
    minute_counters_expired,
    duration_ms: Date.now() - started,
  };
  log("maintenance.daily", summary);
  return summary;
}
