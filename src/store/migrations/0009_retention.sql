-- Baton schema: finished runs by end time, for the retention loop.

CREATE INDEX flow_runs_end_time ON flow_runs(end_time) WHERE end_time IS NOT NULL;
