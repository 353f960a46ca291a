-- Baton schema v1: flows, flow runs with state history, task runs, logs, events.
-- Times are RFC 3339 UTC text with 6 fractional digits; ids are UUID text; documents are JSON text.

CREATE TABLE flows (
    id          TEXT PRIMARY KEY,
    created     TEXT NOT NULL,
    updated     TEXT NOT NULL,
    name        TEXT NOT NULL UNIQUE,
    tags        TEXT NOT NULL DEFAULT '[]',
    labels      TEXT NOT NULL DEFAULT '{}'
);

CREATE TABLE flow_runs (
    id                          TEXT PRIMARY KEY,
    created                     TEXT NOT NULL,
    updated                     TEXT NOT NULL,
    name                        TEXT NOT NULL,
    flow_id                     TEXT NOT NULL REFERENCES flows(id) ON DELETE CASCADE,
    deployment_id               TEXT,
    deployment_version          TEXT,
    work_queue_name             TEXT,
    work_queue_id               TEXT,
    work_pool_id                TEXT,
    work_pool_name              TEXT,
    flow_version                TEXT,
    parameters                  TEXT NOT NULL DEFAULT '{}',
    idempotency_key             TEXT,
    context                     TEXT NOT NULL DEFAULT '{}',
    empirical_policy            TEXT NOT NULL DEFAULT '{}',
    tags                        TEXT NOT NULL DEFAULT '[]',
    labels                      TEXT NOT NULL DEFAULT '{}',
    parent_task_run_id          TEXT,
    state_id                    TEXT,
    state_type                  TEXT,
    state_name                  TEXT,
    state_timestamp             TEXT,
    state                       TEXT,
    run_count                   INTEGER NOT NULL DEFAULT 0,
    expected_start_time         TEXT,
    next_scheduled_start_time   TEXT,
    start_time                  TEXT,
    end_time                    TEXT,
    total_run_time              REAL NOT NULL DEFAULT 0,
    auto_scheduled              INTEGER NOT NULL DEFAULT 0,
    infrastructure_document_id  TEXT,
    infrastructure_pid          TEXT,
    created_by                  TEXT,
    job_variables               TEXT NOT NULL DEFAULT '{}'
);
CREATE UNIQUE INDEX flow_runs_idempotency ON flow_runs(flow_id, idempotency_key) WHERE idempotency_key IS NOT NULL;
CREATE INDEX flow_runs_flow ON flow_runs(flow_id);
CREATE INDEX flow_runs_expected_start ON flow_runs(expected_start_time, id);
CREATE INDEX flow_runs_state_next ON flow_runs(state_type, next_scheduled_start_time);
CREATE INDEX flow_runs_deployment_state ON flow_runs(deployment_id, state_type);
CREATE INDEX flow_runs_parent_task ON flow_runs(parent_task_run_id) WHERE parent_task_run_id IS NOT NULL;

CREATE TABLE flow_run_states (
    id            TEXT PRIMARY KEY,
    flow_run_id   TEXT NOT NULL REFERENCES flow_runs(id) ON DELETE CASCADE,
    type          TEXT NOT NULL,
    name          TEXT NOT NULL,
    timestamp     TEXT NOT NULL,
    message       TEXT,
    data          TEXT,
    state_details TEXT NOT NULL DEFAULT '{}'
);
CREATE INDEX flow_run_states_run ON flow_run_states(flow_run_id, timestamp);

CREATE TABLE task_runs (
    id                          TEXT PRIMARY KEY,
    created                     TEXT NOT NULL,
    updated                     TEXT NOT NULL,
    name                        TEXT NOT NULL,
    flow_run_id                 TEXT,
    task_key                    TEXT NOT NULL,
    dynamic_key                 TEXT NOT NULL,
    cache_key                   TEXT,
    cache_expiration            TEXT,
    task_version                TEXT,
    empirical_policy            TEXT NOT NULL DEFAULT '{}',
    tags                        TEXT NOT NULL DEFAULT '[]',
    labels                      TEXT NOT NULL DEFAULT '{}',
    task_inputs                 TEXT NOT NULL DEFAULT '{}',
    state_id                    TEXT,
    state_type                  TEXT,
    state_name                  TEXT,
    state_timestamp             TEXT,
    state                       TEXT,
    run_count                   INTEGER NOT NULL DEFAULT 0,
    flow_run_run_count          INTEGER NOT NULL DEFAULT 0,
    expected_start_time         TEXT,
    next_scheduled_start_time   TEXT,
    start_time                  TEXT,
    end_time                    TEXT,
    total_run_time              REAL NOT NULL DEFAULT 0
);
CREATE INDEX task_runs_flow_run ON task_runs(flow_run_id, expected_start_time);

CREATE TABLE task_run_states (
    id            TEXT PRIMARY KEY,
    task_run_id   TEXT NOT NULL REFERENCES task_runs(id) ON DELETE CASCADE,
    type          TEXT NOT NULL,
    name          TEXT NOT NULL,
    timestamp     TEXT NOT NULL,
    message       TEXT,
    data          TEXT,
    state_details TEXT NOT NULL DEFAULT '{}'
);
CREATE INDEX task_run_states_run ON task_run_states(task_run_id, timestamp);

CREATE TABLE logs (
    id           TEXT PRIMARY KEY,
    created      TEXT NOT NULL,
    name         TEXT NOT NULL,
    level        INTEGER NOT NULL,
    message      TEXT NOT NULL,
    timestamp    TEXT NOT NULL,
    flow_run_id  TEXT,
    task_run_id  TEXT
);
CREATE INDEX logs_flow_run_time ON logs(flow_run_id, timestamp);
CREATE INDEX logs_time ON logs(timestamp);

CREATE TABLE events (
    id           TEXT PRIMARY KEY,
    occurred     TEXT NOT NULL,
    event        TEXT NOT NULL,
    resource_id  TEXT NOT NULL,
    resource     TEXT NOT NULL,
    related      TEXT NOT NULL DEFAULT '[]',
    payload      TEXT NOT NULL DEFAULT '{}',
    follows      TEXT,
    received     TEXT NOT NULL
);
CREATE INDEX events_occurred ON events(occurred);
CREATE INDEX events_resource ON events(resource_id, occurred);
