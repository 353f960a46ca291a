-- Baton schema: two indexes fewer on flow runs, each one b-tree less to keep up on every write of a run.
-- The scheduler's runs were filed by schedule only for deleting a schedule's future runs; that statement now
-- names the deployment too and finds them through flow_runs_deployment_state.
DROP INDEX flow_runs_schedule;
-- Filters by state name alone now name every state type with it (store/query.rs), so the indexes that lead
-- with (state_type, state_name) answer them: the name's own index was kept up on every state change.
DROP INDEX flow_runs_state_name;
