-- Two indexes fewer on flow runs: see the SQLite migration of the same number.
DROP INDEX flow_runs_schedule;
DROP INDEX flow_runs_state_name;
