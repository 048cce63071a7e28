import { type CronRecord, CronRecordSchema, toCronRecord } from "../job/record";
import type { JobState, JobStatus } from "../job/types";
import { type Page, pageOf } from "./cursor";

/** The per-tenant index row of a job; the Durable Object keeps it in step with its state. */
export interface JobIndexRow {
  cron_id: string;
  tenant_id: string;
  status: JobStatus;
  next_run_at: number | null;
  retention_days: number;
  record: CronRecord;
  created_at: number;
  updated_at: number;
}

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
  "INSERT INTO jobs (cron_id, tenant_id, status, next_run_at, retention_days, record, created_at, updated_at)";

const rowValues = (row: JobIndexRow) => [
  row.cron_id,
  row.tenant_id,
  row.status,
  row.next_run_at,
  row.retention_days,
  JSON.stringify(row.record),
  row.created_at,
  row.updated_at,
];

/** Inserts a new job's index row only while the tenant is under its quota; false when full. */
export async function claimJobSlot(
  db: D1Database,
  row: JobIndexRow,
  quota: number,
): Promise<boolean> {
  const res = await db
    .prepare(
      `${INSERT_COLUMNS} SELECT ?, ?, ?, ?, ?, ?, ?, ? WHERE (SELECT COUNT(*) FROM jobs WHERE tenant_id = ?) < ?`,
    )
    .bind(...rowValues(row), row.tenant_id, quota)
    .run();
  return (res.meta.changes ?? 0) === 1;
}

export function upsertJobStatement(db: D1Database, row: JobIndexRow): D1PreparedStatement {
  return db
    .prepare(
      `${INSERT_COLUMNS} VALUES (?, ?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT(cron_id) DO UPDATE SET status = excluded.status, next_run_at = excluded.next_run_at,
         retention_days = excluded.retention_days, record = excluded.record, updated_at = excluded.updated_at`,
    )
    .bind(...rowValues(row));
}

export async function deleteJobRow(db: D1Database, cronId: string): Promise<void> {
  await db.prepare("DELETE FROM jobs WHERE cron_id = ?").bind(cronId).run();
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
