-- Baton schema v4: indexes for the worker poll, the crash reaper, queue polls and the scheduler.

CREATE INDEX flow_runs_pool_state ON flow_runs(work_pool_id, state_type);
CREATE INDEX deployments_pool ON deployments(work_pool_name);
CREATE INDEX deployment_schedules_next_check ON deployment_schedules(next_check_at);
