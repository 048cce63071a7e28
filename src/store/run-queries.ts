// Run queries beyond one job's page: the tenant-wide list (SPEC §11 GET /runs/list) and
// the runs a bulk replay picks. Small functions taking the database, so that a sharded
// history (SPEC §14) can route them: the tenant list to every shard and merge by run_id,
// the replay pick to the job's own shard.
import type { RunRow, RunState, RunTrigger } from "../job/types";
import { ulidTime } from "../lib/ulid";
import { type Page, pageOf } from "./cursor";
import { fromDb, type RunDbRow } from "./runs";

export interface TenantRunsQuery {
  limit: number;
  /** run_id of the last item of the previous page. */
  after?: string;
  state?: RunState;
  trigger?: RunTrigger;
  /** Runs created in [from, to) (epoch ms): the time inside their run_id. */
  from?: number;
  to?: number;
}

/**
 * The tenant's runs across its jobs, newest first by run_id (a ULID: creation order),
 * keyset-paged: every page, however deep, reads the index runs_by_tenant (or
 * runs_by_tenant_state) from the cursor on, so a deep page costs what the first does.
 * The time range is an id range for the same reason.
 */
export async function listTenantRuns(
  db: D1Database,
  tenantId: string,
  q: TenantRunsQuery,
): Promise<Page<RunRow>> {
  const where = ["tenant_id = ?"];
  const binds: unknown[] = [tenantId];
  if (q.state) {
    where.push("state = ?");
    binds.push(q.state);
  }
  if (q.trigger) {
    where.push("trigger = ?");
    binds.push(q.trigger);
  }
  if (q.after) {
    where.push("run_id < ?");
    binds.push(q.after);
  }
  if (q.from !== undefined) {
    where.push("run_id >= ?");
    binds.push(`run_${ulidTime(q.from)}`);
  }
  if (q.to !== undefined) {
    where.push("run_id < ?");
    binds.push(`run_${ulidTime(q.to)}`);
  }
  const { results } = await db
    .prepare(`SELECT * FROM runs WHERE ${where.join(" AND ")} ORDER BY run_id DESC LIMIT ?`)
    .bind(...binds, q.limit + 1)
    .all<RunDbRow>();
  return pageOf(results, q.limit, (r) => r.run_id, fromDb);
}

export interface ReplayPick {
  state: RunState;
  /** Runs whose slot is in [from, to) (epoch ms). */
  from?: number;
  to?: number;
  limit: number;
}

/** The job's finished runs in `state` a bulk replay repeats, oldest slot first. */
export async function runsToReplay(
  db: D1Database,
  cronId: string,
  q: ReplayPick,
): Promise<Pick<RunRow, "run_id" | "scheduled_for">[]> {
  const where = ["cron_id = ?", "state = ?", "finished_at IS NOT NULL"];
  const binds: unknown[] = [cronId, q.state];
  if (q.from !== undefined) {
    where.push("scheduled_for >= ?");
    binds.push(q.from);
  }
  if (q.to !== undefined) {
    where.push("scheduled_for < ?");
    binds.push(q.to);
  }
  const { results } = await db
    .prepare(
      `SELECT run_id, scheduled_for FROM runs WHERE ${where.join(" AND ")} ORDER BY scheduled_for ASC, run_id ASC LIMIT ?`,
    )
    .bind(...binds, q.limit)
    .all<Pick<RunRow, "run_id" | "scheduled_for">>();
  return results;
}
