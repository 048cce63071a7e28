// Reads of the counters behind GET /v1/cron/metrics and the overview (SPEC §13). They are
// written by D1 triggers on `runs` (migrations/0007_metrics.sql), in the statement that
// writes a run's row, so no write path has to remember them.
import {
  COUNTER_COLUMNS,
  type CounterRow,
  MINUTE_COUNTERS_KEEP_MS,
  minuteScope,
} from "../job/metrics";

const COLUMNS = `scope, state, trigger, skip_reason, ${COUNTER_COLUMNS.join(", ")}`;

/** The tenant's totals (scope ""), or with `byJob` every job's own instead. */
export async function readCounters(
  db: D1Database,
  tenantId: string,
  byJob: boolean,
): Promise<CounterRow[]> {
  // Scopes sort "" < "cron_…" < "m…": each is one range of the primary key.
  const where = byJob ? "scope >= 'cron_' AND scope < 'cron`'" : "scope = ''";
  const { results } = await db
    .prepare(`SELECT ${COLUMNS} FROM run_counters WHERE tenant_id = ? AND ${where}`)
    .bind(tenantId)
    .all<CounterRow>();
  return results;
}

/** The tenant's per-minute counters from `from` (epoch ms) on. */
export async function readMinuteCounters(
  db: D1Database,
  tenantId: string,
  from: number,
): Promise<CounterRow[]> {
  const { results } = await db
    .prepare(
      `SELECT ${COLUMNS} FROM run_counters WHERE tenant_id = ? AND scope >= ? AND scope < 'n'`,
    )
    .bind(tenantId, minuteScope(from))
    .all<CounterRow>();
  return results;
}

/** Runs in progress (queued, running, retrying) per job, from the partial index. */
export async function runsInProgress(
  db: D1Database,
  tenantId: string,
): Promise<{ cron_id: string; n: number }[]> {
  const { results } = await db
    .prepare(
      `SELECT cron_id, COUNT(*) AS n FROM runs INDEXED BY runs_in_progress
       WHERE tenant_id = ? AND state IN ('queued', 'running', 'retrying') GROUP BY cron_id`,
    )
    .bind(tenantId)
    .all<{ cron_id: string; n: number }>();
  return results;
}

/** A deleted job's own counters go with it; the tenant's totals keep what it did. */
export async function deleteJobCounters(db: D1Database, tenantId: string, cronId: string) {
  await db
    .prepare("DELETE FROM run_counters WHERE tenant_id = ? AND scope = ?")
    .bind(tenantId, cronId)
    .run();
}

/** Deletes per-minute counters older than they are kept, in bounded batches; how many. */
export async function purgeMinuteCounters(db: D1Database, now: number, batch = 5000) {
  const before = minuteScope(now - MINUTE_COUNTERS_KEEP_MS);
  let total = 0;
  for (;;) {
    const res = await db
      .prepare(
        `DELETE FROM run_counters WHERE (tenant_id, scope, state, trigger, skip_reason) IN (
           SELECT tenant_id, scope, state, trigger, skip_reason FROM run_counters
           WHERE scope >= 'm' AND scope < ? LIMIT ?)`,
      )
      .bind(before, batch)
      .run();
    const n = res.meta.changes ?? 0;
    total += n;
    if (n < batch) return total;
  }
}
