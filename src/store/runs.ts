import { type AttemptLogEntry, FINISHED_STATES, type RunRow, type RunState } from "../job/types";
import { type Page, pageOf } from "./cursor";

export interface RunDbRow extends Omit<RunRow, "attempt_log"> {
  attempt_log: string;
}

const COLUMNS = [
  "run_id",
  "cron_id",
  "tenant_id",
  "trigger",
  "state",
  "scheduled_for",
  "fire_at",
  "started_at",
  "finished_at",
  "fire_lag_ms",
  "attempts",
  "attempt_log",
  "response_status",
  "duration_ms",
  "error",
  "response_body",
  "missed_slots",
  "skip_reason",
  "backfill_id",
  "replay_of",
  "created_at",
] as const;

// A finished row is final: a stale write of the same run (an older version redelivered
// after the final one) never moves it back, so it cannot be counted twice either when
// the final version comes again (the metrics' triggers count the transition to finished,
// migrations/0007_metrics.sql).
const UPSERT_SQL = `INSERT INTO runs (${COLUMNS.join(", ")}) VALUES (${COLUMNS.map(() => "?").join(", ")})
  ON CONFLICT(run_id) DO UPDATE SET ${COLUMNS.filter((c) => c !== "run_id" && c !== "created_at")
    .map((c) => `${c} = excluded.${c}`)
    .join(", ")}
  WHERE runs.state NOT IN (${FINISHED_STATES.map((s) => `'${s}'`).join(", ")})`;

export function upsertRunStatement(db: D1Database, row: RunRow): D1PreparedStatement {
  const values = COLUMNS.map((c) =>
    c === "attempt_log" ? JSON.stringify(row.attempt_log) : (row[c] ?? null),
  );
  return db.prepare(UPSERT_SQL).bind(...values);
}

export function fromDb(r: RunDbRow): RunRow {
  return { ...r, attempt_log: JSON.parse(r.attempt_log) as AttemptLogEntry[] };
}

export async function getRun(
  db: D1Database,
  tenantId: string,
  cronId: string,
  runId: string,
): Promise<RunRow | null> {
  const r = await db
    .prepare("SELECT * FROM runs WHERE run_id = ? AND cron_id = ? AND tenant_id = ?")
    .bind(runId, cronId, tenantId)
    .first<RunDbRow>();
  return r ? fromDb(r) : null;
}

export async function listRuns(
  db: D1Database,
  cronId: string,
  opts: { limit: number; after?: string; state?: RunState },
): Promise<Page<RunRow>> {
  const where = ["cron_id = ?"];
  const binds: unknown[] = [cronId];
  if (opts.state) {
    where.push("state = ?");
    binds.push(opts.state);
  }
  if (opts.after) {
    where.push("run_id < ?");
    binds.push(opts.after);
  }
  const { results } = await db
    .prepare(`SELECT * FROM runs WHERE ${where.join(" AND ")} ORDER BY run_id DESC LIMIT ?`)
    .bind(...binds, opts.limit + 1)
    .all<RunDbRow>();
  return pageOf(results, opts.limit, (r) => r.run_id, fromDb);
}

/** Deletes a job's whole run history in bounded batches (D1 statements have a time limit). */
export async function deleteRunsOfJob(
  db: D1Database,
  cronId: string,
  batch = 5000,
): Promise<number> {
  let total = 0;
  for (;;) {
    const res = await db
      .prepare(
        "DELETE FROM runs WHERE run_id IN (SELECT run_id FROM runs WHERE cron_id = ? LIMIT ?)",
      )
      .bind(cronId, batch)
      .run();
    const n = res.meta.changes ?? 0;
    total += n;
    if (n < batch) return total;
  }
}
