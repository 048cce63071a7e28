// D1 side of API keys (SPEC §8): the strongly consistent check that refuses a revoked or
// expired key, and the last-use stamp. The statements live in api-keys-sql.mjs, shared
// with the keys CLI.
import { KEY_STATE, TOUCH_KEY } from "./api-keys-sql.mjs";

export interface KeyState {
  revoked_at: number | null;
  expires_at: number | null;
}

/** The key's row, or null for a key created before the table (it has none). */
export async function keyState(db: D1Database, keyHash: string): Promise<KeyState | null> {
  return db.prepare(KEY_STATE).bind(keyHash).first<KeyState>();
}

export interface KeyUse {
  key_hash: string;
  tenant_id: string;
  name: string;
  scopes: readonly string[];
  /** The KV record's created_at (ISO), for a row made by this write. */
  created_at: string;
}

/** Stamps last_used_at = now unless it was stamped less than a minute ago. */
export async function touchKey(db: D1Database, key: KeyUse, now: number): Promise<void> {
  const created = Date.parse(key.created_at);
  await db
    .prepare(TOUCH_KEY)
    .bind(
      key.key_hash,
      key.tenant_id,
      key.name,
      JSON.stringify(key.scopes),
      Number.isNaN(created) ? now : created,
      now,
    )
    .run();
}
