-- Baton schema: indexes for the dashboard's reads with large histories.

-- A deployment's runs newest first (its page, its last run) without sorting all of them.
CREATE INDEX flow_runs_deployment_expected ON flow_runs(deployment_id, expected_start_time, id);
-- Runs of one state newest first (the runs page filtered by state).
CREATE INDEX flow_runs_state_expected ON flow_runs(state_type, expected_start_time, id);
-- Counts by state name (Late).
CREATE INDEX flow_runs_state_name ON flow_runs(state_name);
-- Runs per interval and state read from the index alone (the overview chart).
CREATE INDEX flow_runs_history ON flow_runs(expected_start_time, state_type, state_name, start_time, total_run_time);
