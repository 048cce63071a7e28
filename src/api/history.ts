// Where a job's run history is read (SPEC §14): the job's object names its shard and
// hands over the rows it holds that may not have landed there yet; the reads below
// merge the two, so a run is visible at once although its write travels through a queue.
import { type Env, shardDb } from "../env";
import type { VersionedRun } from "../job/history-batch";
import { jobStub } from "../object/stub";
import type { AppContext } from "./context";
import { notFound } from "./errors";

export interface JobHistory {
  db: D1Database;
  held: VersionedRun[];
}

/** The caller's job's history shard and held rows; 404 (`what` not found) for another tenant's job. */
export async function jobHistory(
  c: AppContext,
  cronId: string,
  what?: string,
): Promise<JobHistory> {
  const env: Env = c.env;
  const got = await jobStub(env, cronId).heldHistory(c.get("tenant_id"));
  if (!got.ok) throw notFound(what);
  return { db: shardDb(env, got.value.shard), held: got.value.held };
}
