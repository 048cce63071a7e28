-- SPEC §11 run operations.
-- The run a replay repeats (NULL for every other run).
ALTER TABLE runs ADD COLUMN replay_of TEXT;
-- GET /v1/cron/runs/list across a tenant's jobs, newest first, with and without a state
-- filter: keyset pages on run_id read straight off these, as deep as they go.
CREATE INDEX runs_by_tenant ON runs (tenant_id, run_id DESC);
CREATE INDEX runs_by_tenant_state ON runs (tenant_id, state, run_id DESC);
-- (A bulk replay's pick — a job's runs of one state, by slot — reads runs_by_job_state
-- and sorts at most that job's rows of the state: rare enough not to cost every run
-- write an index row of its own.)

-- SPEC §11 audit log: one row per change of a job, newest first by audit_id (a ULID).
-- Kept beside the job's runs (not in its object) so that it pages with SQL like runs do,
-- and goes with the job: cron.delete deletes it as it deletes the runs.
CREATE TABLE audit (
  audit_id   TEXT PRIMARY KEY,                -- "aud_" + ULID
  cron_id    TEXT    NOT NULL,
  tenant_id  TEXT    NOT NULL,
  at         INTEGER NOT NULL,                -- epoch ms
  action     TEXT    NOT NULL,
  actor      TEXT    NOT NULL,                -- "key:<12 hex>" or "system"
  request_id TEXT,
  subject    TEXT,                            -- the run or backfill acted on, or NULL
  changes    TEXT    NOT NULL                 -- JSON {field: {from, to}}
);
CREATE INDEX audit_by_job ON audit (cron_id, audit_id DESC);
