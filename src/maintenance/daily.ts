import { purgeExpiredKeys } from "../api/idempotency";
import type { Env } from "../env";
import { log } from "../lib/log";
import { MINUTE } from "../lib/time";
import { jobStub } from "../object/stub";
import { purgeExpiredRuns } from "../store/purge";

/** A job whose next_run_at is this far behind is considered to have lost its alarm. */
export const OVERDUE_AFTER_MS = 5 * MINUTE;
/** Leave headroom under the scheduled handler's limits (CPU 30 s by default). */
export const PURGE_BUDGET_MS = 20_000;
const SWEEP_LIMIT = 1000;

async function getState(db: D1Database, name: string): Promise<string | null> {
  const r = await db
    .prepare("SELECT value FROM maintenance WHERE name = ?")
    .bind(name)
    .first<{ value: string }>();
  return r?.value ?? null;
}

async function setState(db: D1Database, name: string, value: string | null, now: number) {
  if (value === null) await db.prepare("DELETE FROM maintenance WHERE name = ?").bind(name).run();
  else {
    await db
      .prepare(
        "INSERT INTO maintenance (name, value, updated_at) VALUES (?, ?, ?) ON CONFLICT(name) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at",
      )
      .bind(name, value, now)
      .run();
  }
}

/** Re-arms active jobs whose alarm should have fired minutes ago (SPEC §1 safety net). */
export async function sweepOverdue(env: Env, now: number) {
  const { results } = await env.DB.prepare(
    "SELECT cron_id FROM jobs WHERE status = 'active' AND next_run_at IS NOT NULL AND next_run_at < ? ORDER BY next_run_at LIMIT ?",
  )
    .bind(now - OVERDUE_AFTER_MS, SWEEP_LIMIT)
    .all<{ cron_id: string }>();
  const rearmed: string[] = [];
  const errors: string[] = [];
  for (const { cron_id } of results) {
    try {
      const r = await jobStub(env, cron_id).ensureAlarm();
      if (r.rearmed) rearmed.push(cron_id);
    } catch (e) {
      errors.push(`${cron_id}: ${String(e)}`);
    }
  }
  return { overdue: results.length, rearmed, errors };
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
  const resumeAfter = await getState(db, "purge.resume_after");
  const purge = await purgeExpiredRuns(db, {
    now: scheduledTime,
    deadline: Date.now() + budgetMs,
    resumeAfter,
  });
  await setState(db, "purge.resume_after", purge.resume_after, Date.now());
  return { ...purge, resumed_from: resumeAfter };
}

/** The daily Cron Trigger: purge expired history, then the overdue-alarm sweep. */
export async function runDailyMaintenance(env: Env, scheduledTime: number) {
  const started = Date.now();
  const purge = await purgeWithContinuation(env.DB, scheduledTime, PURGE_BUDGET_MS);
  const sweep = await sweepOverdue(env, Date.now());
  const keys_expired = await purgeExpiredKeys(env.DB, Date.now());
  const summary = {
    purge_deleted: purge.deleted,
    purge_jobs: purge.jobs_scanned,
    purge_complete: purge.complete,
    purge_resumed_from: purge.resumed_from,
    sweep_overdue: sweep.overdue,
    sweep_rearmed: sweep.rearmed.length,
    sweep_errors: sweep.errors.length,
    idempotency_keys_expired: keys_expired,
    duration_ms: Date.now() - started,
  };
  log("maintenance.daily", summary);
  return summary;
}
