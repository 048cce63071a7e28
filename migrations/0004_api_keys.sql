-- API keys (SPEC §8): the strongly consistent side of a key. KV holds the record the
-- edge reads first (`apikey:<sha256>` → tenant, name, scopes, expiry); this table is
-- what refuses a key: the auth middleware reads its row on every request (one point
-- read by primary key), so a revocation or an expiry here takes effect on the very next
-- request, whatever a KV cache still serves. A key created before this table has no row
-- and keeps working read-write until it is revoked (revoking inserts its row).
CREATE TABLE api_keys (
  key_hash     TEXT PRIMARY KEY,              -- sha256 hex of the raw key (never stored)
  tenant_id    TEXT    NOT NULL,
  name         TEXT    NOT NULL,
  scopes       TEXT    NOT NULL,              -- JSON array: ["read"] or ["read","write"]
  created_at   INTEGER NOT NULL,              -- epoch ms
  expires_at   INTEGER,                       -- epoch ms; NULL: never
  revoked_at   INTEGER,                       -- epoch ms; NULL: not revoked
  last_used_at INTEGER                        -- epoch ms, written at most once a minute
);
