-- SPEC §4/§10: when a run was due (its slot plus jitter; NULL for runs recorded before
-- jitter existed, which fired at their slot), and the backfill a run belongs to.
ALTER TABLE runs ADD COLUMN fire_at INTEGER;
ALTER TABLE runs ADD COLUMN backfill_id TEXT;
