-- SPEC §14: run history spread over several D1 databases. Every shard gets the whole
-- schema (the same migrations); only `runs` is used there. The primary database (DB)
-- keeps the jobs index, API keys, idempotency and maintenance state, and is the shard
-- of the jobs created before sharding (their index rows get shard 'DB').
--
-- A job's shard, chosen when it is created and kept with it.
ALTER TABLE jobs ADD COLUMN shard TEXT NOT NULL DEFAULT 'DB';
-- The per-shard purge pages over the jobs of one shard.
CREATE INDEX jobs_by_shard ON jobs (shard, cron_id);
-- Row versions: the job object numbers its commits; a write carrying an older version
-- than the row holds changes nothing (writes arrive through a queue, possibly twice and
-- out of order), so a run's row can never go back to an earlier state.
ALTER TABLE jobs ADD COLUMN version INTEGER NOT NULL DEFAULT 0;
ALTER TABLE runs ADD COLUMN version INTEGER NOT NULL DEFAULT 0;
