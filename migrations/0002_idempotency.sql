-- Idempotency keys (SPEC §9): scoped to tenant + operation + key, kept 24 h.
-- The primary key makes "first request wins" atomic: concurrent requests with the
-- same key race on one INSERT, and only the winner performs the operation.
CREATE TABLE idempotency (
  tenant_id    TEXT    NOT NULL,
  operation    TEXT    NOT NULL,
  key          TEXT    NOT NULL,
  request_hash TEXT    NOT NULL,
  state        TEXT    NOT NULL,              -- pending | done
  status       INTEGER,
  response     TEXT,
  created_at   INTEGER NOT NULL,
  expires_at   INTEGER NOT NULL,
  PRIMARY KEY (tenant_id, operation, key)
);
CREATE INDEX idempotency_by_expiry ON idempotency (expires_at);
