// The daily Cron Trigger (SPEC §1, §7): purge expired history, re-arm lost alarms,
// forget expired idempotency keys. Reaches jobs through their objects and D1 through
// the store; never through the HTTP edge.
import { type Env, historyShards, shardDb } from "../env";
import { log } from "../lib/log";
import { MINUTE } from "../lib/time";
import { jobStub } from "../object/stub";
import { deleteJobCounters, purgeMinuteCounters } from "../store/counters";
import { purgeExpiredKeys } from "../store/idempotency";
import { dropTombstone, tombstonesBefore } from "../store/jobs";
import { getMaintenanceValue, overdueJobs, setMaintenanceValue } from "../store/maintenance";
import { purgeExpiredRuns } from "../store/purge";
import { deleteRunsOfJob } from "../store/runs";
import type { Shard } from "../store/shards";

/** A job whose next_run_at is this far behind is considered to have lost its alarm. */
export const OVERDUE_AFTER_MS = 5 * MINUTE;
/**
 * Wall-clock budget of one invocation's purge. A Cron Trigger firing at most hourly may
 * run 15 minutes (Workers limits); the purge spends that time waiting for D1, not on
 * CPU (its 30 s default limit is far away: a few hundred statements of 1,000 rows), and
 * the sweeps after it need seconds. 5 minutes purges about 2.5 million rows a shard at
 * the ~8,000 rows/s of BENCHMARKS.md "D1 scale"; more waits for the next day's run
 * (continuation).
 */
export const PURGE_BUDGET_MS = 300_000;
const SWEEP_LIMIT = 1000;
const PURGE_RESUME_KEY = "purge.resume_after";

/**
 * How long after a delete its tombstone is swept: far longer than a consumer batch takes
 * between its jobs-exist check and its write (a batch checking later drops the rows).
 */
export const TOMBSTONE_GRACE_MS = 10 * MINUTE;
const TOMBSTONE_LIMIT = 1000;

/**
 * Deleted jobs' tombstones past their grace: their runs and counters are deleted from
 * their shard once more (rows a history write landed after the delete), then the
 * tombstone. A shard that fails keeps its tombstones for the next day.
 */
export async function sweepTombstones(env: Env, now: number) {
  const due = await tombstonesBefore(env.DB, now - TOMBSTONE_GRACE_MS, TOMBSTONE_LIMIT);
  let orphans = 0;
  const errors: string[] = [];
  for (const t of due) {
    try {
      const db = shardDb(env, t.shard);
      orphans += await deleteRunsOfJob(db, t.cron_id);
      await deleteJobCounters(db, t.tenant_id, t.cron_id);
      await dropTombstone(env.DB, t.cron_id);
    } catch (e) {
      errors.push(`${t.cron_id}: ${String(e)}`);
    }
  }
  return { tombstones: due.length, orphan_runs_deleted: orphans, errors };
}

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
 * stopped and recording where this one stopped (SPEC §7: bounded, resumable). With a
 * `shard`, the pass covers the jobs of that shard only (their runs live there) and
 * keeps its own continuation point.
 */
export async function purgeWithContinuation(
  db: D1Database,
  scheduledTime: number,
  budgetMs: number,
  shard?: Shard,
) {
  const key = shard ? `${PURGE_RESUME_KEY}.${shard.name}` : PURGE_RESUME_KEY;
  const resumeAfter = await getMaintenanceValue(db, key);
  const purge = await purgeExpiredRuns(shard?.db ?? db, {
    now: scheduledTime,
    deadline: Date.now() + budgetMs,
    resumeAfter,
    ...(shard ? { shard: { name: shard.name, primary: db } } : {}),
  });
  await setMaintenanceValue(db, key, purge.resume_after, Date.now());
  return { ...purge, resumed_from: resumeAfter };
}

/**
 * The purge of every history shard, all at once (each database is its own SQLite, so
 * the shards purge in parallel within one budget); the totals, and each shard's pass.
 */
export async function purgeAllShards(
  primary: D1Database,
  shards: readonly Shard[],
  scheduledTime: number,
  budgetMs: number,
) {
  const passes = await Promise.all(
    shards.map(async (shard) => ({
      shard: shard.name,
      ...(await purgeWithContinuation(primary, scheduledTime, budgetMs, shard)),
    })),
  );
  return {
    deleted: passes.reduce((n, p) => n + p.deleted, 0),
    jobs_scanned: passes.reduce((n, p) => n + p.jobs_scanned, 0),
    complete: passes.every((p) => p.complete),
    resumed_from: passes.some((p) => p.resumed_from !== null)
      ? Object.fromEntries(passes.map((p) => [p.shard, p.resumed_from]))
      : null,
    shards: passes,
  };
}

/** The daily Cron Trigger: purge expired history, then the overdue-alarm sweep. */
export async function runDailyMaintenance(env: Env, scheduledTime: number) {
  const started = Date.now();
  const purge = await purgeAllShards(env.DB, historyShards(env), scheduledTime, PURGE_BUDGET_MS);
  const sweep = await sweepOverdue(env, Date.now());
  const tombstones = await sweepTombstones(env, Date.now());
  const keys_expired = await purgeExpiredKeys(env.DB, Date.now());
  // The overview's per-minute counters; the totals behind /metrics are never purged.
  let minute_counters_expired = 0;
  for (const { db } of historyShards(env))
    minute_counters_expired += await purgeMinuteCounters(db, Date.now());
  const summary = {
    purge_deleted: purge.deleted,
    purge_jobs: purge.jobs_scanned,
    purge_complete: purge.complete,
    purge_resumed_from: purge.resumed_from,
    sweep_overdue: sweep.overdue,
    sweep_rearmed: sweep.rearmed.length,
    sweep_errors: sweep.errors.length,
    tombstones_swept: tombstones.tombstones - tombstones.errors.length,
    orphan_runs_deleted: tombstones.orphan_runs_deleted,
    tombstone_errors: tombstones.errors.length,
    idempotency_keys_expired: keys_expired,
    minute_counters_expired,
    duration_ms: Date.now() - started,
  };
  log("maintenance.daily", summary);
  return summary;
}
