// The SQL of the api_keys table (migrations/0004_api_keys.sql), spelled once for both of
// its writers: the Worker binds the parameters (src/store/api-keys.ts), the keys CLI
// inlines them as literals for `wrangler d1 execute --command` (scripts/lib/keys-core.mjs).
// Plain JavaScript on purpose, so that the CLI (Node) imports the same statements.

/** A new key's row (keys create): written before its KV record. */
export const INSERT_KEY = `INSERT INTO api_keys (key_hash, tenant_id, name, scopes, created_at, expires_at)
VALUES (?, ?, ?, ?, ?, ?)`;

/**
 * Revokes a key (keys revoke), also one created before this table (no row yet: it is
 * inserted revoked). A second revoke keeps the first revocation time.
 */
export const REVOKE_KEY = `INSERT INTO api_keys (key_hash, tenant_id, name, scopes, created_at, revoked_at)
VALUES (?, ?, ?, ?, ?, ?)
ON CONFLICT (key_hash) DO UPDATE SET revoked_at = COALESCE(api_keys.revoked_at, excluded.revoked_at)`;

/** What refuses a key: read on every request, one point read by primary key. */
export const KEY_STATE = "SELECT revoked_at, expires_at FROM api_keys WHERE key_hash = ?";

/**
 * Records a use (the Worker, off the request's path). The WHERE keeps it to at most one
 * write a minute per key whatever the number of isolates; a key created before this
 * table gets its row here, with the scopes of its KV record.
 * Parameters: key_hash, tenant_id, name, scopes, created_at, now.
 */
export const TOUCH_KEY = `INSERT INTO api_keys (key_hash, tenant_id, name, scopes, created_at, last_used_at)
VALUES (?1, ?2, ?3, ?4, ?5, ?6)
ON CONFLICT (key_hash) DO UPDATE SET last_used_at = excluded.last_used_at
WHERE api_keys.last_used_at IS NULL OR api_keys.last_used_at <= excluded.last_used_at - 60000`;

/** Every row, for keys list and revoke by prefix. */
export const LIST_KEYS =
  "SELECT key_hash, tenant_id, name, scopes, created_at, expires_at, revoked_at, last_used_at FROM api_keys";
