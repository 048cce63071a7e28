import type { JobIndexRow, VersionedIndex } from "../job/history-batch";
import { type CronRecord, CronRecordSchema, toCronRecord } from "../job/record";
import type { JobState, JobStatus } from "../job/types";
import { type Page, pageOf } from "./cursor";

export type { JobIndexRow };

export function indexRowOf(state: JobState): JobIndexRow {
  return {
    cron_id: state.cron_id,
    tenant_id: state.tenant_id,
    status: state.status,
    next_run_at: state.next_run_at,
    retention_days: state.config.retention_days,
    record: toCronRecord(state),
    created_at: state.created_at,
    updated_at: state.updated_at,
  };
}

const INSERT_COLUMNS =
  "INSERT INTO jobs (cron_id, tenant_id, status, next_run_at, retention_days, record, created_at, updated_at, shard, version)";

const rowValues = (row: JobIndexRow, shard: string, version: number) => [
  row.cron_id,
  row.tenant_id,
  row.status,
  row.next_run_at,
  row.retention_days,
  JSON.stringify(row.record),
  row.created_at,
  row.updated_at,
  shard,
  version,
];

/**
 * Inserts a new job's index row, with the history shard it was given, only while the
 * tenant is under its quota; false when full.
 */
export async function claimJobSlot(
  db: D1Database,
  row: JobIndexRow,
  quota: number,
  shard: string,
  version = 0,
): Promise<boolean> {
  const res = await db
    .prepare(
      `${INSERT_COLUMNS} SELECT ?, ?, ?, ?, ?, ?, ?, ?, ?, ? WHERE (SELECT COUNT(*) FROM jobs WHERE tenant_id = ?) < ?`,
    )
    .bind(...rowValues(row, shard, version), row.tenant_id, quota)
    .run();
  return (res.meta.changes ?? 0) === 1;
}

/**
 * Writes the index row at once (a status or configuration change an API call waits
 * for). The shard is never changed by an update; a row already written from a later
 * commit (`version`) is left alone.
 */
export function upsertJobStatement(
  db: D1Database,
  row: JobIndexRow,
  shard: string,
  version = 0,
): D1PreparedStatement {
  return db
    .prepare(
      `${INSERT_COLUMNS} VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT(cron_id) DO UPDATE SET status = excluded.status, next_run_at = excluded.next_run_at,
         retention_days = excluded.retention_days, record = excluded.record, updated_at = excluded.updated_at,
         version = excluded.version
       WHERE excluded.version >= jobs.version`,
    )
    .bind(...rowValues(row, shard, version));
}

/**
 * The run progress of many jobs' index rows in one statement (one bound JSON array:
 * D1 allows 100 bound parameters, not 100 rows of them). Only rows that exist are
 * updated (a job deleted meanwhile is not brought back), and only from a newer commit.
 */
export function updateIndexRowsStatement(
  db: D1Database,
  rows: readonly VersionedIndex[],
): D1PreparedStatement {
  const json = JSON.stringify(
    rows.map(({ row, version }) => ({
      cron_id: row.cron_id,
      status: row.status,
      next_run_at: row.next_run_at,
      retention_days: row.retention_days,
      record: JSON.stringify(row.record),
      updated_at: row.updated_at,
      version,
    })),
  );
  return db
    .prepare(
      `UPDATE jobs SET status = n.status, next_run_at = n.next_run_at, retention_days = n.retention_days,
         record = n.record, updated_at = n.updated_at, version = n.version
       FROM (SELECT json_extract(value, '$.cron_id') AS cron_id, json_extract(value, '$.status') AS status,
               json_extract(value, '$.next_run_at') AS next_run_at,
               json_extract(value, '$.retention_days') AS retention_days,
               json_extract(value, '$.record') AS record, json_extract(value, '$.updated_at') AS updated_at,
               json_extract(value, '$.version') AS version
             FROM json_each(?)) AS n
       WHERE jobs.cron_id = n.cron_id AND jobs.version < n.version`,
    )
    .bind(json);
}

/** Which of `cronIds` still have an index row (one statement). */
export function existingJobsStatement(
  db: D1Database,
  cronIds: readonly string[],
): D1PreparedStatement {
  return db
    .prepare("SELECT cron_id FROM jobs WHERE cron_id IN (SELECT value FROM json_each(?))")
    .bind(JSON.stringify(cronIds));
}

/** The history shard of a tenant's job, or null when the tenant has no such job. */
export async function jobShard(
  db: D1Database,
  cronId: string,
  tenantId: string,
): Promise<string | null> {
  const r = await db
    .prepare("SELECT shard FROM jobs WHERE cron_id = ? AND tenant_id = ?")
    .bind(cronId, tenantId)
    .first<{ shard: string }>();
  return r?.shard ?? null;
}

export async function deleteJobRow(db: D1Database, cronId: string): Promise<void> {
  await db.prepare("DELETE FROM jobs WHERE cron_id = ?").bind(cronId).run();
}

/**
 * A deleted job's index row goes, and a tombstone takes its place (migration 0009): the
 * daily maintenance deletes from its shard whatever history lands after the delete.
 */
export async function deleteJobLeavingTombstone(
  db: D1Database,
  job: { cron_id: string; tenant_id: string; shard: string },
  now: number,
): Promise<void> {
  await db.batch([
    db.prepare("DELETE FROM jobs WHERE cron_id = ?").bind(job.cron_id),
    db
      .prepare(
        "INSERT INTO deleted_jobs (cron_id, tenant_id, shard, deleted_at) VALUES (?, ?, ?, ?) ON CONFLICT(cron_id) DO UPDATE SET deleted_at = excluded.deleted_at",
      )
      .bind(job.cron_id, job.tenant_id, job.shard, now),
  ]);
}

/** Tombstones older than `before`, oldest first. */
export async function tombstonesBefore(db: D1Database, before: number, limit: number) {
  const { results } = await db
    .prepare(
      "SELECT cron_id, tenant_id, shard FROM deleted_jobs WHERE deleted_at < ? ORDER BY deleted_at LIMIT ?",
    )
    .bind(before, limit)
    .all<{ cron_id: string; tenant_id: string; shard: string }>();
  return results;
}

export async function dropTombstone(db: D1Database, cronId: string): Promise<void> {
  await db.prepare("DELETE FROM deleted_jobs WHERE cron_id = ?").bind(cronId).run();
}

export async function jobBelongsTo(db: D1Database, cronId: string, tenantId: string) {
  const r = await db
    .prepare("SELECT 1 AS ok FROM jobs WHERE cron_id = ? AND tenant_id = ?")
    .bind(cronId, tenantId)
    .first<{ ok: number }>();
  return r !== null;
}

export async function listJobs(
  db: D1Database,
  tenantId: string,
  opts: { limit: number; after?: string; status?: JobStatus },
): Promise<Page<CronRecord>> {
  const where = ["tenant_id = ?"];
  const binds: unknown[] = [tenantId];
  if (opts.status) {
    where.push("status = ?");
    binds.push(opts.status);
  }
  if (opts.after) {
    where.push("cron_id < ?");
    binds.push(opts.after);
  }
  const { results } = await db
    .prepare(
      `SELECT cron_id, record FROM jobs WHERE ${where.join(" AND ")} ORDER BY cron_id DESC LIMIT ?`,
    )
    .bind(...binds, opts.limit + 1)
    .all<{ cron_id: string; record: string }>();
  return pageOf(
    results,
    opts.limit,
    (r) => r.cron_id,
    (r) => recordOf(r.cron_id, r.record),
  );
}

/** The index keeps each job's record as JSON; a read checks it before anyone relies on it. */
function recordOf(cronId: string, json: string): CronRecord {
  const parsed = CronRecordSchema.safeParse(JSON.parse(json));
  if (!parsed.success) {
    throw new Error(
      `jobs index row ${cronId} does not hold a valid record: ${parsed.error.message}`,
    );
  }
  return parsed.data;
}

/** crondo_jobs{status}: the tenant's jobs per status, from the index (jobs_by_tenant_due). */
export async function countJobsByStatus(
  db: D1Database,
  tenantId: string,
): Promise<Partial<Record<JobStatus, number>>> {
  const { results } = await db
    .prepare("SELECT status, COUNT(*) AS n FROM jobs WHERE tenant_id = ? GROUP BY status")
    .bind(tenantId)
    .all<{ status: JobStatus; n: number }>();
  return Object.fromEntries(results.map((r) => [r.status, r.n]));
}

/** The tenant's active jobs that fire soonest (by the index's next_run_at; jobs_by_tenant_due). */
export async function soonestActiveJobs(
  db: D1Database,
  tenantId: string,
  limit: number,
): Promise<CronRecord[]> {
  const { results } = await db
    .prepare(
      `SELECT cron_id, record FROM jobs WHERE tenant_id = ? AND status = 'active'
       AND next_run_at IS NOT NULL ORDER BY next_run_at LIMIT ?`,
    )
    .bind(tenantId, limit)
    .all<{ cron_id: string; record: string }>();
  return results.map((r) => recordOf(r.cron_id, r.record));
}
