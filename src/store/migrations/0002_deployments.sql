-- Baton schema v2: deployments and their schedules; runs remember which schedule made them.

CREATE TABLE deployments (
    id                          TEXT PRIMARY KEY,
    created                     TEXT NOT NULL,
    updated                     TEXT NOT NULL,
    name                        TEXT NOT NULL,
    flow_id                     TEXT NOT NULL REFERENCES flows(id) ON DELETE CASCADE,
    version                     TEXT,
    version_info                TEXT,
    description                 TEXT,
    paused                      INTEGER NOT NULL DEFAULT 0,
    concurrency_limit           INTEGER,
    concurrency_options         TEXT,
    enforce_parameter_schema    INTEGER NOT NULL DEFAULT 1,
    parameter_openapi_schema    TEXT,
    parameters                  TEXT NOT NULL DEFAULT '{}',
    tags                        TEXT NOT NULL DEFAULT '[]',
    labels                      TEXT NOT NULL DEFAULT '{}',
    pull_steps                  TEXT,
    work_queue_name             TEXT,
    work_pool_name              TEXT,
    storage_document_id         TEXT,
    infrastructure_document_id  TEXT,
    path                        TEXT,
    entrypoint                  TEXT,
    job_variables               TEXT NOT NULL DEFAULT '{}',
    last_polled                 TEXT,
    UNIQUE (flow_id, name)
);

CREATE TABLE deployment_schedules (
    id                  TEXT PRIMARY KEY,
    created             TEXT NOT NULL,
    updated             TEXT NOT NULL,
    deployment_id       TEXT NOT NULL REFERENCES deployments(id) ON DELETE CASCADE,
    kind                TEXT NOT NULL,
    cron                TEXT,
    day_or              INTEGER NOT NULL DEFAULT 1,
    interval_seconds    REAL,
    anchor_date         TEXT,
    rrule               TEXT,
    timezone            TEXT,
    active              INTEGER NOT NULL DEFAULT 1,
    max_scheduled_runs  INTEGER,
    parameters          TEXT NOT NULL DEFAULT '{}',
    slug                TEXT,
    next_check_at       TEXT
);
CREATE INDEX deployment_schedules_deployment ON deployment_schedules(deployment_id);

ALTER TABLE flow_runs ADD COLUMN deployment_schedule_id TEXT;
CREATE INDEX flow_runs_schedule ON flow_runs(deployment_schedule_id) WHERE deployment_schedule_id IS NOT NULL;
