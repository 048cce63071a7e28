// Reading across every history shard (SPEC §14): a tenant's runs live in the shards of
// its jobs, so a tenant-wide read asks each shard and merges. Shards are passed in by
// the layer that knows the bindings (src/env.ts `historyShards`).
import { mergeNewestFirst, type VersionedRun } from "../job/history-batch";
import type { RunState } from "../job/types";
import { type Page, pageOf } from "./cursor";
import { selectRuns } from "./runs";

/** One history database and the name it is known by (its binding name). */
export interface Shard {
  name: string;
  db: D1Database;
}

/** Runs `fn` on every shard at once (each database is its own single-threaded SQLite). */
export function fanOut<T>(shards: readonly Shard[], fn: (shard: Shard) => Promise<T>) {
  return Promise.all(shards.map(fn));
}

/**
 * A tenant's runs over all shards, newest first (run ids sort by creation): each shard
 * answers its first `limit + 1` rows after the cursor, the merge keeps the newest.
 */
export async function listTenantRuns(
  shards: readonly Shard[],
  tenantId: string,
  opts: { limit: number; after?: string; state?: RunState },
): Promise<Page<VersionedRun>> {
  const pages = await fanOut(shards, ({ db }) => selectRuns(db, "tenant_id", tenantId, opts));
  const merged = mergeNewestFirst(pages, (r) => r.row.run_id);
  return pageOf(
    merged,
    opts.limit,
    (r) => r.row.run_id,
    (r) => r,
  );
}

/** How many runs each shard holds (of one job, or all): for maintenance and tests. */
export async function countRuns(shards: readonly Shard[], cronId?: string) {
  const counts = await fanOut(shards, async ({ name, db }) => {
    const r = cronId
      ? await db.prepare("SELECT COUNT(*) AS n FROM runs WHERE cron_id = ?").bind(cronId).first()
      : await db.prepare("SELECT COUNT(*) AS n FROM runs").first();
    return [name, Number((r as { n: number } | null)?.n ?? 0)] as const;
  });
  return Object.fromEntries(counts) as Record<string, number>;
}
