-- Baton schema v3: work pools, their queues, and the workers that poll them.

CREATE TABLE work_pools (
    id                      TEXT PRIMARY KEY,
    created                 TEXT NOT NULL,
    updated                 TEXT NOT NULL,
    name                    TEXT NOT NULL UNIQUE,
    description             TEXT,
    type                    TEXT NOT NULL,
    base_job_template       TEXT NOT NULL DEFAULT '{}',
    is_paused               INTEGER NOT NULL DEFAULT 0,
    concurrency_limit       INTEGER,
    default_queue_id        TEXT,
    storage_configuration   TEXT NOT NULL DEFAULT '{}',
    last_polled             TEXT
);

CREATE TABLE work_queues (
    id                  TEXT PRIMARY KEY,
    created             TEXT NOT NULL,
    updated             TEXT NOT NULL,
    work_pool_id        TEXT NOT NULL REFERENCES work_pools(id) ON DELETE CASCADE,
    name                TEXT NOT NULL,
    description         TEXT NOT NULL DEFAULT '',
    is_paused           INTEGER NOT NULL DEFAULT 0,
    concurrency_limit   INTEGER,
    priority            INTEGER NOT NULL DEFAULT 1,
    last_polled         TEXT,
    UNIQUE (work_pool_id, name)
);

CREATE TABLE workers (
    id                          TEXT PRIMARY KEY,
    created                     TEXT NOT NULL,
    updated                     TEXT NOT NULL,
    work_pool_id                TEXT NOT NULL REFERENCES work_pools(id) ON DELETE CASCADE,
    name                        TEXT NOT NULL,
    last_heartbeat_time         TEXT,
    heartbeat_interval_seconds  INTEGER,
    UNIQUE (work_pool_id, name)
);

CREATE INDEX flow_runs_queue_due ON flow_runs(work_queue_id, state_type, next_scheduled_start_time);
