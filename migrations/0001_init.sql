-- crondo D1 schema. The job Durable Object is the source of truth for a job;
-- `jobs` is the per-tenant index used for listing, retention and the overdue sweep.
CREATE TABLE jobs (
  cron_id        TEXT PRIMARY KEY,
  tenant_id      TEXT    NOT NULL,
  status         TEXT    NOT NULL,              -- active | paused | completed
  next_run_at    INTEGER,                       -- epoch ms, NULL when paused/completed
  retention_days INTEGER NOT NULL,
  record         TEXT    NOT NULL,              -- JSON snapshot of the CronRecord
  created_at     INTEGER NOT NULL,
  updated_at     INTEGER NOT NULL
);
-- cron.list: newest first per tenant (cron_id is a ULID, so it sorts by creation).
CREATE INDEX jobs_by_tenant ON jobs (tenant_id, cron_id DESC);
-- Overdue-alarm sweep.
CREATE INDEX jobs_by_due ON jobs (status, next_run_at);

CREATE TABLE runs (
  run_id          TEXT PRIMARY KEY,
  cron_id         TEXT    NOT NULL,
  tenant_id       TEXT    NOT NULL,
  trigger         TEXT    NOT NULL,             -- schedule | manual
  state           TEXT    NOT NULL,             -- queued | running | retrying | succeeded | failed | skipped
  scheduled_for   INTEGER,                      -- epoch ms of the slot
  started_at      INTEGER,
  finished_at     INTEGER,
  fire_lag_ms     INTEGER,
  attempts        INTEGER NOT NULL DEFAULT 0,
  attempt_log     TEXT    NOT NULL DEFAULT '[]',
  response_status INTEGER,
  duration_ms     INTEGER,
  error           TEXT,
  response_body   TEXT,
  missed_slots    INTEGER NOT NULL DEFAULT 0,
  created_at      INTEGER NOT NULL
);
-- cron.runs.list, newest first, with and without a state filter.
CREATE INDEX runs_by_job ON runs (cron_id, run_id DESC);
CREATE INDEX runs_by_job_state ON runs (cron_id, state, run_id DESC);
-- Retention purge: finished runs by job and age.
CREATE INDEX runs_by_job_finished ON runs (cron_id, finished_at) WHERE finished_at IS NOT NULL;

-- Progress of the daily maintenance (purge continuation point, last results).
CREATE TABLE maintenance (
  name       TEXT PRIMARY KEY,
  value      TEXT    NOT NULL,
  updated_at INTEGER NOT NULL
);
