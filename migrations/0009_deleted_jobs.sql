-- Jobs deleted lately (SPEC §14). The history consumer checks that a batch's jobs still
-- exist before writing their runs, but a batch checked just before a job's delete and
-- written just after it leaves rows that no job owns in the shard. The delete leaves a
-- tombstone here (primary database); the daily maintenance deletes the job's runs and
-- counters from its shard once more, after every write in flight has landed, then the
-- tombstone.
CREATE TABLE deleted_jobs (
  cron_id    TEXT PRIMARY KEY,
  tenant_id  TEXT NOT NULL,
  shard      TEXT NOT NULL,
  deleted_at INTEGER NOT NULL
);
CREATE INDEX deleted_jobs_by_time ON deleted_jobs (deleted_at);
