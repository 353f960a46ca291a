-- Baton schema: a worker's poll reads one queue's due SCHEDULED runs in (next_scheduled_start_time, id)
-- order. The index of 0003 lacked the id, and the poll joined the queues table, so SQLite sorted every due
-- run of the queue on each poll: with 20,000 due runs a poll took ~90 ms, inside the single writer. With
-- the id in the index (and no join) the poll reads its page and stops.
DROP INDEX flow_runs_queue_due;
CREATE INDEX flow_runs_queue_due ON flow_runs(work_queue_id, state_type, next_scheduled_start_time, id);
