-- Baton schema: the late-runs loop reads SCHEDULED runs named "Scheduled" in time order. With only
-- (state_type, next_scheduled_start_time) it walked every run already Late before reaching them, on each
-- wake (every new scheduled run wakes it), which grew with the number of Late runs.
CREATE INDEX flow_runs_waiting ON flow_runs(state_type, state_name, next_scheduled_start_time);
