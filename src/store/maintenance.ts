// Small named values the daily maintenance keeps between invocations (where the
// purge stopped, say), in the D1 `maintenance` table.

export async function getMaintenanceValue(db: D1Database, name: string): Promise<string | null> {
  const r = await db
    .prepare("SELECT value FROM maintenance WHERE name = ?")
    .bind(name)
    .first<{ value: string }>();
  return r?.value ?? null;
}

/** Stores `value` under `name`; null removes it. */
export async function setMaintenanceValue(
  db: D1Database,
  name: string,
  value: string | null,
  now: number,
): Promise<void> {
  if (value === null) {
    await db.prepare("DELETE FROM maintenance WHERE name = ?").bind(name).run();
    return;
  }
  await db
    .prepare(
      "INSERT INTO maintenance (name, value, updated_at) VALUES (?, ?, ?) ON CONFLICT(name) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at",
    )
    .bind(name, value, now)
    .run();
}

/** Active jobs whose next slot is overdue since before `before` (a lost alarm), oldest first. */
export async function overdueJobs(db: D1Database, before: number, limit: number) {
  const { results } = await db
    .prepare(
      "SELECT cron_id FROM jobs WHERE status = 'active' AND next_run_at IS NOT NULL AND next_run_at < ? ORDER BY next_run_at LIMIT ?",
    )
    .bind(before, limit)
    .all<{ cron_id: string }>();
  return results.map((r) => r.cron_id);
}
