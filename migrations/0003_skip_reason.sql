-- SPEC §4/§6: why a run was skipped (overlap | concurrency_limit | queue_full), NULL otherwise.
ALTER TABLE runs ADD COLUMN skip_reason TEXT;
