-- Baton schema: each run's lateness (seconds its start came after its expected start) as a column written with
-- its state, in place of the expression index of 0008. That index used `unixepoch(..., 'subsec')`, which SQLite
-- learned in 3.42: older SQLite (Debian 12's sqlite3, Python's sqlite3 module) reported the index as damaged in
-- `PRAGMA integrity_check` and would have damaged it on a write. No schema object may depend on a function or
-- modifier newer than SQLite 3.37 (store/migrations.rs tests this).
DROP INDEX IF EXISTS flow_runs_history;
ALTER TABLE flow_runs ADD COLUMN lateness REAL NOT NULL DEFAULT 0;
-- A one-time backfill (a statement, not a schema object): Baton's own SQLite runs it.
UPDATE flow_runs SET lateness = max(0, unixepoch(start_time, 'subsec') - unixepoch(expected_start_time, 'subsec'))
    WHERE start_time IS NOT NULL AND expected_start_time IS NOT NULL;
CREATE INDEX flow_runs_history ON flow_runs(state_type, state_name, expected_start_time, total_run_time, lateness);
