-- The late-runs loop asks for the first SCHEDULED run named "Scheduled" by (next_scheduled_start_time, id).
-- Without the id in the index, SQLite sorted every run tied on the first time (a temporary B-tree over their
-- whole rows): with 10,000 deployments on one cron, each wake read 10,000 runs (40 ms), and every scheduler
-- tick wakes it.
DROP INDEX flow_runs_waiting;
CREATE INDEX flow_runs_waiting ON flow_runs(state_type, state_name, next_scheduled_start_time, id);
