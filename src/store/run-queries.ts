// Run queries beyond one job's page: the tenant-wide list (SPEC §11 GET /runs/list),
// asked of every history shard (SPEC §14) and merged by run_id, and the runs a bulk
// replay picks, from the job's own shard and the rows its object still holds.
import { mergeNewestFirst } from "../job/history-batch";
import { FINISHED_STATES, type RunRow, type RunState, type RunTrigger } from "../job/types";
import { ulidTime } from "../lib/ulid";
import { type Page, pageOf } from "./cursor";
import { fromDb, type RunDbRow } from "./runs";
import { fanOut, type Shard } from "./shards";

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
 * keyset-paged: every shard answers its first `limit + 1` rows after the cursor and the
 * merge keeps the newest, so a page is exact. Every page, however deep, reads the index
 * runs_by_tenant (or runs_by_tenant_state) from the cursor on in each shard, so a deep
 * page costs what the first does. The time range is an id range for the same reason.
 */
export async function listTenantRuns(
  shards: readonly Shard[],
  tenantId: string,
  q: TenantRunsQuery,
): Promise<Page<RunRow>> {
  const pages = await fanOut(shards, ({ db }) => selectTenantRuns(db, tenantId, q));
  const merged = mergeNewestFirst(pages, (r) => r.run_id).slice(0, q.limit + 1);
  return pageOf(merged, q.limit, (r) => r.run_id, fromDb);
}

/** One shard's part of a tenant page: its first `limit + 1` rows after the cursor. */
async function selectTenantRuns(
  db: D1Database,
  tenantId: string,
  q: TenantRunsQuery,
): Promise<RunDbRow[]> {
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
  return results;
}

export interface ReplayPick {
  state: RunState;
  /** Runs whose slot is in [from, to) (epoch ms). */
  from?: number;
  to?: number;
  limit: number;
}

/**
 * The job's finished runs in `state` a bulk replay repeats, oldest slot first: from its
 * shard, and from `held`, the rows its object holds that may not have landed there yet
 * (a finished row never changes again, so a run is in one or the other or both alike).
 */
export async function runsToReplay(
  db: D1Database,
  cronId: string,
  q: ReplayPick,
  held: readonly RunRow[] = [],
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
  const inRange = (r: RunRow) =>
    r.cron_id === cronId &&
    r.state === q.state &&
    FINISHED.has(r.state) &&
    (q.from === undefined || (r.scheduled_for ?? 0) >= q.from) &&
    (q.to === undefined || (r.scheduled_for ?? 0) < q.to);
  const byId = new Map(results.map((r) => [r.run_id, r]));
  for (const r of held)
    if (inRange(r)) byId.set(r.run_id, { run_id: r.run_id, scheduled_for: r.scheduled_for });
  return [...byId.values()]
    .sort(
      (a, b) => (a.scheduled_for ?? 0) - (b.scheduled_for ?? 0) || (a.run_id < b.run_id ? -1 : 1),
    )
    .slice(0, q.limit);
}

const FINISHED = new Set<RunState>(FINISHED_STATES);
