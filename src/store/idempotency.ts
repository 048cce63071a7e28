// D1 side of SPEC §9: one row per (tenant, operation, key). The primary key makes
// the first request the only one that claims a key; the others read its answer.

export interface IdempotencyScope {
  tenant: string;
  operation: string;
  key: string;
}

export interface IdempotencyRow {
  request_hash: string;
  state: "pending" | "done";
  status: number | null;
  response: string | null;
  expires_at: number;
}

/** Claims the key for a request (or takes over an expired claim); false when someone holds it. */
export async function claimKey(
  db: D1Database,
  s: IdempotencyScope,
  requestHash: string,
  now: number,
  ttlMs: number,
): Promise<boolean> {
  const claim = await db
    .prepare(
      `INSERT INTO idempotency (tenant_id, operation, key, request_hash, state, created_at, expires_at)
       VALUES (?, ?, ?, ?, 'pending', ?, ?)
       ON CONFLICT (tenant_id, operation, key) DO UPDATE
         SET request_hash = excluded.request_hash, state = 'pending', status = NULL, response = NULL,
             created_at = excluded.created_at, expires_at = excluded.expires_at
         WHERE idempotency.expires_at <= ?`,
    )
    .bind(s.tenant, s.operation, s.key, requestHash, now, now + ttlMs, now)
    .run();
  return (claim.meta.changes ?? 0) === 1;
}

/** Records the answer of the request that holds the key. */
export async function completeKey(
  db: D1Database,
  s: IdempotencyScope,
  status: number,
  response: string,
): Promise<void> {
  await db
    .prepare(
      "UPDATE idempotency SET state = 'done', status = ?, response = ? WHERE tenant_id = ? AND operation = ? AND key = ?",
    )
    .bind(status, response, s.tenant, s.operation, s.key)
    .run();
}

export async function readKey(db: D1Database, s: IdempotencyScope) {
  return db
    .prepare(
      "SELECT request_hash, state, status, response, expires_at FROM idempotency WHERE tenant_id = ? AND operation = ? AND key = ?",
    )
    .bind(s.tenant, s.operation, s.key)
    .first<IdempotencyRow>();
}

/** Gives up a claim that produced no answer to replay (the request failed). */
export async function releaseKey(db: D1Database, s: IdempotencyScope): Promise<void> {
  await db
    .prepare(
      "DELETE FROM idempotency WHERE tenant_id = ? AND operation = ? AND key = ? AND state = 'pending'",
    )
    .bind(s.tenant, s.operation, s.key)
    .run();
}

/** Daily maintenance: forget keys past their 24 h, in bounded batches. */
export async function purgeExpiredKeys(db: D1Database, now: number, batch = 1000): Promise<number> {
  let total = 0;
  for (let i = 0; i < 100; i++) {
    const res = await db
      .prepare(
        "DELETE FROM idempotency WHERE rowid IN (SELECT rowid FROM idempotency WHERE expires_at <= ? LIMIT ?)",
      )
      .bind(now, batch)
      .run();
    total += res.meta.changes ?? 0;
    if ((res.meta.changes ?? 0) < batch) break;
  }
  return total;
}
