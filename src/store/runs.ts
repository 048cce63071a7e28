// The run history: one `runs` table in each history shard (SPEC §14). Every function
// takes the database of the job's shard; fan-out over all shards is shards.ts.
import { chunkBySize, type VersionedRun } from "../job/history-batch";
import { type AttemptLogEntry, FINISHED_STATES, type RunRow, type RunState } from "../job/types";
import { type Page, pageOf } from "./cursor";

export interface RunDbRow extends Omit<RunRow, "attempt_log"> {
  attempt_log: string;
  version: number;
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

/** One run, one statement (20 bound values): the write path before issue 19, kept for seeding tests and the benchmark's baseline. */
export function upsertRunStatement(db: D1Database, row: RunRow): D1PreparedStatement {
  const values = COLUMNS.map((c) =>
    c === "attempt_log" ? JSON.stringify(row.attempt_log) : (row[c] ?? null),
  );
  return db.prepare(UPSERT_SQL).bind(...values);
}

/** Bytes of JSON bound to one statement: D1 takes values up to 2 MB; statements stay well below. */
export const WRITE_CHUNK_BYTES = 900_000;

const MANY_COLUMNS = [...COLUMNS, "version"] as const;
const FINISHED_LIST = FINISHED_STATES.map((s) => `'${s}'`).join(", ");
const UPSERT_MANY_SQL = `INSERT INTO runs (${MANY_COLUMNS.join(", ")})
  SELECT ${MANY_COLUMNS.map((c) => `json_extract(value, '$.${c}')`).join(", ")} FROM json_each(?) WHERE true
  ON CONFLICT(run_id) DO UPDATE SET ${MANY_COLUMNS.filter(
    (c) => c !== "run_id" && c !== "created_at",
  )
    .map((c) => `${c} = excluded.${c}`)
    .join(", ")}
  WHERE excluded.version > runs.version
    AND (runs.state NOT IN (${FINISHED_LIST}) OR excluded.state IN (${FINISHED_LIST}))`;

/**
 * The statements that write `runs` to one shard: many rows per statement, bound as one
 * JSON array (D1 allows 100 bound parameters per statement, i.e. 5 rows of 20 columns
 * otherwise), chunked by size. A row already holding a newer version is left as it is,
 * and writing the same version twice changes nothing: a redelivered batch is harmless.
 * A finished row never goes back to a state in progress (a newer finished version may
 * replace it, which the metrics' triggers do not count again: they count a row's first
 * move to finished).
 */
export function upsertRunsStatements(
  db: D1Database,
  runs: readonly VersionedRun[],
): D1PreparedStatement[] {
  const values = runs.map(({ row, version }) => {
    const v: Record<string, unknown> = { version };
    for (const c of COLUMNS)
      v[c] = c === "attempt_log" ? JSON.stringify(row.attempt_log) : (row[c] ?? null);
    return v;
  });
  return chunkBySize(values, WRITE_CHUNK_BYTES).map((chunk) =>
    db.prepare(UPSERT_MANY_SQL).bind(JSON.stringify(chunk)),
  );
}

/** A row of `runs` as the API shows it. */
export function fromDb(r: RunDbRow): RunRow {
  return versionedFromDb(r).row;
}

function versionedFromDb(r: RunDbRow): VersionedRun {
  const { version, ...rest } = r;
  return {
    row: { ...rest, attempt_log: JSON.parse(r.attempt_log) as AttemptLogEntry[] },
    version: version ?? 0,
  };
}

export async function getRun(
  db: D1Database,
  tenantId: string,
  cronId: string,
  runId: string,
): Promise<VersionedRun | null> {
  const r = await db
    .prepare("SELECT * FROM runs WHERE run_id = ? AND cron_id = ? AND tenant_id = ?")
    .bind(runId, cronId, tenantId)
    .first<RunDbRow>();
  return r ? versionedFromDb(r) : null;
}

/**
 * A page of a job's runs, newest first. `held` are rows the job's object holds that
 * may not have landed in the shard yet: merged in (the newer version of a run wins),
 * so the page is what the history will say once every write has landed.
 */
export async function listRuns(
  db: D1Database,
  cronId: string,
  opts: { limit: number; after?: string; state?: RunState },
  held: readonly VersionedRun[] = [],
): Promise<Page<VersionedRun>> {
  const rows = await selectRuns(db, "cron_id", cronId, opts);
  if (held.length > 0) {
    const byId = new Map(rows.map((r) => [r.row.run_id, r]));
    for (const h of held) {
      const prev = byId.get(h.row.run_id);
      if (prev && prev.version >= h.version) continue;
      byId.set(h.row.run_id, h);
    }
    rows.length = 0;
    for (const r of byId.values()) {
      if (opts.state && r.row.state !== opts.state) continue;
      if (opts.after && r.row.run_id >= opts.after) continue;
      rows.push(r);
    }
    rows.sort((a, b) => (a.row.run_id < b.row.run_id ? 1 : -1));
    rows.length = Math.min(rows.length, opts.limit + 1);
  }
  return pageOf(
    rows,
    opts.limit,
    (r) => r.row.run_id,
    (r) => r,
  );
}

/**
 * The first `limit + 1` runs of one job (`cron_id`) or one tenant (`tenant_id`) after
 * the cursor, newest first: one statement (per job index-backed, runs_by_job; a
 * tenant-wide read wants an index on (tenant_id, run_id), which the tenant-wide list adds).
 */
export async function selectRuns(
  db: D1Database,
  column: "cron_id" | "tenant_id",
  value: string,
  opts: { limit: number; after?: string; state?: RunState },
): Promise<VersionedRun[]> {
  const where = [`${column} = ?`];
  const binds: unknown[] = [value];
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
  return results.map(versionedFromDb);
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
