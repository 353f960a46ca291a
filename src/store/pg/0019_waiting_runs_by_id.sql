-- The late-runs loop's first waiting run is ordered by (next_scheduled_start_time, id): see the SQLite
-- migration of the same number.
DROP INDEX flow_runs_waiting;
CREATE INDEX flow_runs_waiting ON flow_runs (state_type NULLS FIRST, state_name NULLS FIRST, next_scheduled_start_time NULLS FIRST, id);
