-- SPEC §13: counters that survive restarts and purges, never recomputed from the
-- retained history. They are counted by triggers on `runs`, in the statement that writes
-- a run's row: a run counts once, on the transition of its row to a finished state (an
-- insert of a finished row, or an update from an unfinished state to a finished one).
-- So a run counted is a run written, on every write path (batched or not, on any
-- shard): a repeated or retried write of a row already finished changes no counter, and a
-- failed write rolls its counters back with it. Purges delete rows: no trigger counts that.
--
-- One row per (scope, state, trigger, skip_reason), the histograms as columns of it, so
-- a finished run writes three counter rows: the tenant's (scope ''), its job's (scope =
-- cron_id, deleted with the job) and the tenant's minute (scope 'm' + the epoch minute
-- it finished in, zero-padded to 10 digits, trigger and skip_reason ''; the overview's
-- charts; purged after two days).
-- Buckets are cumulative (Prometheus `le`): lag_le_NN counts runs whose fire_lag_ms is at
-- most the NN-th bound of FIRE_LAG_BUCKETS in src/job/metrics.ts, dur_le_NN likewise for
-- DURATION_BUCKETS (test/unit/metrics.test.ts checks the bounds here against those).
CREATE TABLE run_counters (
  tenant_id   TEXT NOT NULL,
  scope       TEXT NOT NULL,
  state       TEXT NOT NULL,
  trigger     TEXT NOT NULL,
  skip_reason TEXT NOT NULL,
  runs INTEGER NOT NULL DEFAULT 0,
  attempts_ok INTEGER NOT NULL DEFAULT 0,
  attempts_failed INTEGER NOT NULL DEFAULT 0,
  missed_slots INTEGER NOT NULL DEFAULT 0,
  lag_n INTEGER NOT NULL DEFAULT 0,
  lag_sum_ms INTEGER NOT NULL DEFAULT 0,
  lag_le_00 INTEGER NOT NULL DEFAULT 0,
  lag_le_01 INTEGER NOT NULL DEFAULT 0,
  lag_le_02 INTEGER NOT NULL DEFAULT 0,
  lag_le_03 INTEGER NOT NULL DEFAULT 0,
  lag_le_04 INTEGER NOT NULL DEFAULT 0,
  lag_le_05 INTEGER NOT NULL DEFAULT 0,
  lag_le_06 INTEGER NOT NULL DEFAULT 0,
  lag_le_07 INTEGER NOT NULL DEFAULT 0,
  lag_le_08 INTEGER NOT NULL DEFAULT 0,
  lag_le_09 INTEGER NOT NULL DEFAULT 0,
  lag_le_10 INTEGER NOT NULL DEFAULT 0,
  lag_le_11 INTEGER NOT NULL DEFAULT 0,
  lag_le_12 INTEGER NOT NULL DEFAULT 0,
  lag_le_13 INTEGER NOT NULL DEFAULT 0,
  lag_le_14 INTEGER NOT NULL DEFAULT 0,
  lag_le_15 INTEGER NOT NULL DEFAULT 0,
  dur_n INTEGER NOT NULL DEFAULT 0,
  dur_sum_ms INTEGER NOT NULL DEFAULT 0,
  dur_le_00 INTEGER NOT NULL DEFAULT 0,
  dur_le_01 INTEGER NOT NULL DEFAULT 0,
  dur_le_02 INTEGER NOT NULL DEFAULT 0,
  dur_le_03 INTEGER NOT NULL DEFAULT 0,
  dur_le_04 INTEGER NOT NULL DEFAULT 0,
  dur_le_05 INTEGER NOT NULL DEFAULT 0,
  dur_le_06 INTEGER NOT NULL DEFAULT 0,
  dur_le_07 INTEGER NOT NULL DEFAULT 0,
  dur_le_08 INTEGER NOT NULL DEFAULT 0,
  dur_le_09 INTEGER NOT NULL DEFAULT 0,
  dur_le_10 INTEGER NOT NULL DEFAULT 0,
  dur_le_11 INTEGER NOT NULL DEFAULT 0,
  dur_le_12 INTEGER NOT NULL DEFAULT 0,
  dur_le_13 INTEGER NOT NULL DEFAULT 0,
  dur_le_14 INTEGER NOT NULL DEFAULT 0,
  PRIMARY KEY (tenant_id, scope, state, trigger, skip_reason)
) WITHOUT ROWID;

-- What a finished run counts, spelled once: the two triggers on `runs` below hand the
-- row to this view, whose INSTEAD OF trigger upserts its three counter rows at once.
CREATE VIEW run_finished AS
  SELECT tenant_id, cron_id, state, trigger, skip_reason, attempt_log, missed_slots, fire_lag_ms, duration_ms, finished_at, created_at FROM runs WHERE 0;

CREATE TRIGGER run_finished_count INSTEAD OF INSERT ON run_finished
BEGIN
  INSERT INTO run_counters (tenant_id, scope, state, trigger, skip_reason, runs, attempts_ok, attempts_failed, missed_slots, lag_n, lag_sum_ms, lag_le_00, lag_le_01, lag_le_02, lag_le_03, lag_le_04, lag_le_05, lag_le_06, lag_le_07, lag_le_08, lag_le_09, lag_le_10, lag_le_11, lag_le_12, lag_le_13, lag_le_14, lag_le_15, dur_n, dur_sum_ms, dur_le_00, dur_le_01, dur_le_02, dur_le_03, dur_le_04, dur_le_05, dur_le_06, dur_le_07, dur_le_08, dur_le_09, dur_le_10, dur_le_11, dur_le_12, dur_le_13, dur_le_14)
  SELECT NEW.tenant_id,
    s.scope,
    NEW.state,
    s.trigger,
    s.skip_reason,
    1,
    (SELECT COUNT(*) FROM json_each(NEW.attempt_log) WHERE json_extract(value, '$.error') IS NULL AND json_extract(value, '$.response_status') BETWEEN 200 AND 299),
    json_array_length(NEW.attempt_log) - (SELECT COUNT(*) FROM json_each(NEW.attempt_log) WHERE json_extract(value, '$.error') IS NULL AND json_extract(value, '$.response_status') BETWEEN 200 AND 299),
    NEW.missed_slots,
    NEW.fire_lag_ms IS NOT NULL,
    coalesce(NEW.fire_lag_ms, 0),
    coalesce(NEW.fire_lag_ms <= 1, 0),
    coalesce(NEW.fire_lag_ms <= 2.5, 0),
    coalesce(NEW.fire_lag_ms <= 5, 0),
    coalesce(NEW.fire_lag_ms <= 10, 0),
    coalesce(NEW.fire_lag_ms <= 25, 0),
    coalesce(NEW.fire_lag_ms <= 50, 0),
    coalesce(NEW.fire_lag_ms <= 100, 0),
    coalesce(NEW.fire_lag_ms <= 250, 0),
    coalesce(NEW.fire_lag_ms <= 500, 0),
    coalesce(NEW.fire_lag_ms <= 1000, 0),
    coalesce(NEW.fire_lag_ms <= 2500, 0),
    coalesce(NEW.fire_lag_ms <= 5000, 0),
    coalesce(NEW.fire_lag_ms <= 10000, 0),
    coalesce(NEW.fire_lag_ms <= 30000, 0),
    coalesce(NEW.fire_lag_ms <= 60000, 0),
    coalesce(NEW.fire_lag_ms <= 300000, 0),
    NEW.duration_ms IS NOT NULL,
    coalesce(NEW.duration_ms, 0),
    coalesce(NEW.duration_ms <= 5, 0),
    coalesce(NEW.duration_ms <= 10, 0),
    coalesce(NEW.duration_ms <= 25, 0),
    coalesce(NEW.duration_ms <= 50, 0),
    coalesce(NEW.duration_ms <= 100, 0),
    coalesce(NEW.duration_ms <= 250, 0),
    coalesce(NEW.duration_ms <= 500, 0),
    coalesce(NEW.duration_ms <= 1000, 0),
    coalesce(NEW.duration_ms <= 2500, 0),
    coalesce(NEW.duration_ms <= 5000, 0),
    coalesce(NEW.duration_ms <= 10000, 0),
    coalesce(NEW.duration_ms <= 30000, 0),
    coalesce(NEW.duration_ms <= 60000, 0),
    coalesce(NEW.duration_ms <= 300000, 0),
    coalesce(NEW.duration_ms <= 900000, 0)
  FROM (SELECT '' AS scope, NEW.trigger AS trigger, coalesce(NEW.skip_reason, '') AS skip_reason
    UNION ALL SELECT NEW.cron_id, NEW.trigger, coalesce(NEW.skip_reason, '')
    UNION ALL SELECT 'm' || printf('%010d', coalesce(NEW.finished_at, NEW.created_at) / 60000), '', '') AS s
  WHERE true
  ON CONFLICT (tenant_id, scope, state, trigger, skip_reason) DO UPDATE SET
    runs = runs + excluded.runs,
    attempts_ok = attempts_ok + excluded.attempts_ok,
    attempts_failed = attempts_failed + excluded.attempts_failed,
    missed_slots = missed_slots + excluded.missed_slots,
    lag_n = lag_n + excluded.lag_n,
    lag_sum_ms = lag_sum_ms + excluded.lag_sum_ms,
    lag_le_00 = lag_le_00 + excluded.lag_le_00,
    lag_le_01 = lag_le_01 + excluded.lag_le_01,
    lag_le_02 = lag_le_02 + excluded.lag_le_02,
    lag_le_03 = lag_le_03 + excluded.lag_le_03,
    lag_le_04 = lag_le_04 + excluded.lag_le_04,
    lag_le_05 = lag_le_05 + excluded.lag_le_05,
    lag_le_06 = lag_le_06 + excluded.lag_le_06,
    lag_le_07 = lag_le_07 + excluded.lag_le_07,
    lag_le_08 = lag_le_08 + excluded.lag_le_08,
    lag_le_09 = lag_le_09 + excluded.lag_le_09,
    lag_le_10 = lag_le_10 + excluded.lag_le_10,
    lag_le_11 = lag_le_11 + excluded.lag_le_11,
    lag_le_12 = lag_le_12 + excluded.lag_le_12,
    lag_le_13 = lag_le_13 + excluded.lag_le_13,
    lag_le_14 = lag_le_14 + excluded.lag_le_14,
    lag_le_15 = lag_le_15 + excluded.lag_le_15,
    dur_n = dur_n + excluded.dur_n,
    dur_sum_ms = dur_sum_ms + excluded.dur_sum_ms,
    dur_le_00 = dur_le_00 + excluded.dur_le_00,
    dur_le_01 = dur_le_01 + excluded.dur_le_01,
    dur_le_02 = dur_le_02 + excluded.dur_le_02,
    dur_le_03 = dur_le_03 + excluded.dur_le_03,
    dur_le_04 = dur_le_04 + excluded.dur_le_04,
    dur_le_05 = dur_le_05 + excluded.dur_le_05,
    dur_le_06 = dur_le_06 + excluded.dur_le_06,
    dur_le_07 = dur_le_07 + excluded.dur_le_07,
    dur_le_08 = dur_le_08 + excluded.dur_le_08,
    dur_le_09 = dur_le_09 + excluded.dur_le_09,
    dur_le_10 = dur_le_10 + excluded.dur_le_10,
    dur_le_11 = dur_le_11 + excluded.dur_le_11,
    dur_le_12 = dur_le_12 + excluded.dur_le_12,
    dur_le_13 = dur_le_13 + excluded.dur_le_13,
    dur_le_14 = dur_le_14 + excluded.dur_le_14;
END;

CREATE TRIGGER runs_count_insert AFTER INSERT ON runs
WHEN NEW.state IN ('succeeded', 'failed', 'skipped', 'cancelled')
BEGIN
  INSERT INTO run_finished (tenant_id, cron_id, state, trigger, skip_reason, attempt_log, missed_slots, fire_lag_ms, duration_ms, finished_at, created_at)
  VALUES (NEW.tenant_id, NEW.cron_id, NEW.state, NEW.trigger, NEW.skip_reason, NEW.attempt_log, NEW.missed_slots, NEW.fire_lag_ms, NEW.duration_ms, NEW.finished_at, NEW.created_at);
END;

CREATE TRIGGER runs_count_finish AFTER UPDATE OF state ON runs
WHEN NEW.state IN ('succeeded', 'failed', 'skipped', 'cancelled') AND OLD.state NOT IN ('succeeded', 'failed', 'skipped', 'cancelled')
BEGIN
  INSERT INTO run_finished (tenant_id, cron_id, state, trigger, skip_reason, attempt_log, missed_slots, fire_lag_ms, duration_ms, finished_at, created_at)
  VALUES (NEW.tenant_id, NEW.cron_id, NEW.state, NEW.trigger, NEW.skip_reason, NEW.attempt_log, NEW.missed_slots, NEW.fire_lag_ms, NEW.duration_ms, NEW.finished_at, NEW.created_at);
END;

-- crondo_runs_in_progress: only the runs in progress are in this index, so counting
-- them reads a handful of entries however long the history is.
CREATE INDEX runs_in_progress ON runs (tenant_id, cron_id)
  WHERE state IN ('queued', 'running', 'retrying');
-- The overview's timeline: a tenant's active jobs, soonest first.
CREATE INDEX jobs_by_tenant_due ON jobs (tenant_id, status, next_run_at);
