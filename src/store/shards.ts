// Reading across every history shard (SPEC §14): a tenant's runs live in the shards of
// its jobs, so a tenant-wide read asks each shard and merges (run-queries.ts
// listTenantRuns). Shards are passed in by
// the layer that knows the bindings (src/env.ts `historyShards`).

/** One history database and the name it is known by (its binding name). */
export interface Shard {
  name: string;
  db: D1Database;
}

/** Runs `fn` on every shard at once (each database is its own single-threaded SQLite). */
export function fanOut<T>(shards: readonly Shard[], fn: (shard: Shard) => Promise<T>) {
  return Promise.all(shards.map(fn));
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
