-- Baton schema: indexes for the dashboard's reads with large histories.

-- A deployment's runs newest first (its page, its last run) without sorting all of them.
CREATE INDEX flow_runs_deployment_expected ON flow_runs(deployment_id, expected_start_time, id);
-- Runs of one state newest first (the runs page filtered by state).
CREATE INDEX flow_runs_state_expected ON flow_runs(state_type, expected_start_time, id);
-- Counts by state name (Late).
CREATE INDEX flow_runs_state_name ON flow_runs(state_name);
-- Runs per state and interval read from the index (the overview chart), lateness included: the expression
-- must stay written exactly as store/run_views.rs writes it.
CREATE INDEX flow_runs_history ON flow_runs(state_type, state_name, expected_start_time, total_run_time,
    max(0, unixepoch(start_time, 'subsec') - unixepoch(expected_start_time, 'subsec')));
