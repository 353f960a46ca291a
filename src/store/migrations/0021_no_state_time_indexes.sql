-- Baton schema: two indexes fewer on flow runs, each two entries to move on every state change. Runs of some
-- state types in the order of their expected or next scheduled start are read one state name at a time
-- (store/merge.rs) from flow_runs_history and flow_runs_waiting, which lead with (state_type, state_name).
DROP INDEX flow_runs_state_next;
DROP INDEX flow_runs_state_expected;
-- A deployment's runs in some states by expected start (its upcoming runs) are read in order from its own
-- entries, not by walking every run of the deployment (or of the state) in time order to pick them out.
DROP INDEX flow_runs_deployment_state;
CREATE INDEX flow_runs_deployment_state ON flow_runs(deployment_id, state_type, expected_start_time, id);
