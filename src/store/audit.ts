// The audit log of SPEC §11 in D1: one row per change of a job, newest first by its
// ULID id, deleted with the job. Behind these functions so that a sharded history
// (SPEC §14) can keep a job's log beside its runs.
import type { AuditEntry } from "../job/audit";
import { iso } from "../lib/time";
import { type Page, pageOf } from "./cursor";

interface AuditDbRow {
  audit_id: string;
  at: number;
  action: string;
  actor: string;
  request_id: string | null;
  subject: string | null;
  changes: string;
}

export function insertAuditStatement(
  db: D1Database,
  audit_id: string,
  cron_id: string,
  tenant_id: string,
  e: AuditEntry,
): D1PreparedStatement {
  return db
    .prepare(
      "INSERT INTO audit (audit_id, cron_id, tenant_id, at, action, actor, request_id, subject, changes) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
    )
    .bind(
      audit_id,
      cron_id,
      tenant_id,
      e.at,
      e.action,
      e.actor,
      e.request_id,
      e.subject,
      JSON.stringify(e.changes),
    );
}

/** An entry as the API shows it. */
export interface AuditItem {
  audit_id: string;
  at: string;
  action: string;
  actor: string;
  request_id: string | null;
  subject: string | null;
  changes: Record<string, { from: unknown; to: unknown }>;
}

export async function listAudit(
  db: D1Database,
  cronId: string,
  opts: { limit: number; after?: string },
): Promise<Page<AuditItem>> {
  const where = ["cron_id = ?"];
  const binds: unknown[] = [cronId];
  if (opts.after) {
    where.push("audit_id < ?");
    binds.push(opts.after);
  }
  const { results } = await db
    .prepare(
      `SELECT audit_id, at, action, actor, request_id, subject, changes FROM audit WHERE ${where.join(" AND ")} ORDER BY audit_id DESC LIMIT ?`,
    )
    .bind(...binds, opts.limit + 1)
    .all<AuditDbRow>();
  return pageOf(
    results,
    opts.limit,
    (r) => r.audit_id,
    (r) => ({ ...r, at: iso(r.at)!, changes: JSON.parse(r.changes) }),
  );
}

export async function deleteAuditOfJob(db: D1Database, cronId: string): Promise<void> {
  await db.prepare("DELETE FROM audit WHERE cron_id = ?").bind(cronId).run();
}
