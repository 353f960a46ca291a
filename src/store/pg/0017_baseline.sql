-- Baton's PostgreSQL schema, baseline: equal to the SQLite schema at version 17, i.e. the result of applying
-- src/store/migrations/0001_init.sql .. 0017_run_inputs_saved_searches.sql in order (there is no 0005), translated
-- once. The PostgreSQL engine applies this file as its version 17; every later migration is written once per
-- engine (a SQLite file under src/store/migrations/ and a PostgreSQL file under src/store/pg/). Never edit this
-- file after it has shipped. scripts/pg-schema-check.py compares it with the SQLite migrations.
--
-- Translation rules (same table, column, index and view names, same column order):
--   TEXT -> TEXT COLLATE "C" (byte order, as SQLite's BINARY collation), INTEGER -> BIGINT,
--   REAL -> DOUBLE PRECISION, BLOB -> BYTEA. Booleans stay BIGINT 0/1, times RFC 3339 text, documents JSON text.
--   NOT NULL, DEFAULT, PRIMARY KEY, UNIQUE, CHECK and FOREIGN KEY ... ON DELETE as in SQLite. A SQLite
--   `TEXT PRIMARY KEY` accepts NULL; a PostgreSQL primary key does not (Baton never stores a NULL id).
--   WITHOUT ROWID (concurrency_lease_limits) is dropped: it is a storage layout only.
--   Tables whose rowid the store reads (ORDER BY ... rowid, the trigger loop's cursor) get a last column named
--   `rowid` (an identity), so the Rust SQL is the same on both engines: flow_run_states, task_run_states,
--   events, deployment_schedules, block_schemas, block_document_references, flow_run_inputs. Like SQLite's rowid
--   it grows with insertion order; unlike it, it is never reused and has gaps (an INSERT ... ON CONFLICT DO
--   NOTHING that hits a conflict, or a rolled-back insert, still consumes a value). No SQL may insert into it.
--   events also gets `xid` (the inserting transaction) for a commit-safe cursor: identity values are not assigned
--   in commit order, so on PostgreSQL the trigger loop reads
--     WHERE (xid, rowid) > (last_xid, last_rowid) AND xid < pg_snapshot_xmin(pg_current_snapshot())
--     ORDER BY xid, rowid
--   and automation_cursor keeps `last_xid` beside last_rowid.
--   NULL order: SQLite sorts NULLs first in ascending order, PostgreSQL last. Every index column that can hold
--   NULL (and is not excluded by the index's WHERE ... IS NOT NULL) is declared NULLS FIRST, so the index has
--   SQLite's order. An ORDER BY term on a nullable column must say NULLS FIRST (ASC) / NULLS LAST (DESC) on
--   PostgreSQL, both for SQLite's result order and for the index to serve the sort. Columns that cannot be NULL
--   (NOT NULL, primary keys) keep PostgreSQL's default and their ORDER BY terms take no NULLS clause: the
--   planner does not match `id NULLS FIRST` with an index on (id), even though id is never NULL.
--   automation_buckets."end" is quoted, as in SQLite: END is reserved on PostgreSQL too.
--   Data-only statements of the SQLite migrations (0013's lateness backfill) are not needed on an empty
--   database; no SQLite migration inserts seed rows. The expression index flow_runs_history of 0008 was
--   replaced in 0013 by a plain one, so no index expression needed translating.

CREATE TABLE flows (
    id       TEXT COLLATE "C" PRIMARY KEY,
    created  TEXT COLLATE "C" NOT NULL,
    updated  TEXT COLLATE "C" NOT NULL,
    name     TEXT COLLATE "C" NOT NULL UNIQUE,
    tags     TEXT COLLATE "C" NOT NULL DEFAULT '[]',
    labels   TEXT COLLATE "C" NOT NULL DEFAULT '{}'
);

CREATE TABLE flow_runs (
    id                          TEXT COLLATE "C" PRIMARY KEY,
    created                     TEXT COLLATE "C" NOT NULL,
    updated                     TEXT COLLATE "C" NOT NULL,
    name                        TEXT COLLATE "C" NOT NULL,
    flow_id                     TEXT COLLATE "C" NOT NULL REFERENCES flows(id) ON DELETE CASCADE,
    deployment_id               TEXT COLLATE "C",
    deployment_version          TEXT COLLATE "C",
    work_queue_name             TEXT COLLATE "C",
    work_queue_id               TEXT COLLATE "C",
    work_pool_id                TEXT COLLATE "C",
    work_pool_name              TEXT COLLATE "C",
    flow_version                TEXT COLLATE "C",
    parameters                  TEXT COLLATE "C" NOT NULL DEFAULT '{}',
    idempotency_key             TEXT COLLATE "C",
    context                     TEXT COLLATE "C" NOT NULL DEFAULT '{}',
    empirical_policy            TEXT COLLATE "C" NOT NULL DEFAULT '{}',
    tags                        TEXT COLLATE "C" NOT NULL DEFAULT '[]',
    labels                      TEXT COLLATE "C" NOT NULL DEFAULT '{}',
    parent_task_run_id          TEXT COLLATE "C",
    state_id                    TEXT COLLATE "C",
    state_type                  TEXT COLLATE "C",
    state_name                  TEXT COLLATE "C",
    state_timestamp             TEXT COLLATE "C",
    state                       TEXT COLLATE "C",
    run_count                   BIGINT NOT NULL DEFAULT 0,
    expected_start_time         TEXT COLLATE "C",
    next_scheduled_start_time   TEXT COLLATE "C",
    start_time                  TEXT COLLATE "C",
    end_time                    TEXT COLLATE "C",
    total_run_time              DOUBLE PRECISION NOT NULL DEFAULT 0,
    auto_scheduled              BIGINT NOT NULL DEFAULT 0,
    infrastructure_document_id  TEXT COLLATE "C",
    infrastructure_pid          TEXT COLLATE "C",
    created_by                  TEXT COLLATE "C",
    job_variables               TEXT COLLATE "C" NOT NULL DEFAULT '{}',
    deployment_schedule_id      TEXT COLLATE "C",
    lateness                    DOUBLE PRECISION NOT NULL DEFAULT 0
);
CREATE UNIQUE INDEX flow_runs_idempotency ON flow_runs (flow_id, idempotency_key) WHERE idempotency_key IS NOT NULL;
CREATE INDEX flow_runs_flow ON flow_runs (flow_id);
CREATE INDEX flow_runs_expected_start ON flow_runs (expected_start_time NULLS FIRST, id);
CREATE INDEX flow_runs_state_next ON flow_runs (state_type NULLS FIRST, next_scheduled_start_time NULLS FIRST);
CREATE INDEX flow_runs_deployment_state ON flow_runs (deployment_id NULLS FIRST, state_type NULLS FIRST);
CREATE INDEX flow_runs_parent_task ON flow_runs (parent_task_run_id) WHERE parent_task_run_id IS NOT NULL;
CREATE INDEX flow_runs_schedule ON flow_runs (deployment_schedule_id) WHERE deployment_schedule_id IS NOT NULL;
CREATE INDEX flow_runs_pool_state ON flow_runs (work_pool_id NULLS FIRST, state_type NULLS FIRST);
CREATE INDEX flow_runs_deployment_expected ON flow_runs (deployment_id NULLS FIRST, expected_start_time NULLS FIRST, id);
CREATE INDEX flow_runs_state_expected ON flow_runs (state_type NULLS FIRST, expected_start_time NULLS FIRST, id);
CREATE INDEX flow_runs_state_name ON flow_runs (state_name NULLS FIRST);
CREATE INDEX flow_runs_end_time ON flow_runs (end_time) WHERE end_time IS NOT NULL;
CREATE INDEX flow_runs_waiting ON flow_runs (state_type NULLS FIRST, state_name NULLS FIRST, next_scheduled_start_time NULLS FIRST);
CREATE INDEX flow_runs_queue_due ON flow_runs (work_queue_id NULLS FIRST, state_type NULLS FIRST, next_scheduled_start_time NULLS FIRST, id);
CREATE INDEX flow_runs_history ON flow_runs (state_type NULLS FIRST, state_name NULLS FIRST, expected_start_time NULLS FIRST, total_run_time, lateness);

CREATE TABLE flow_run_states (
    id             TEXT COLLATE "C" PRIMARY KEY,
    flow_run_id    TEXT COLLATE "C" NOT NULL REFERENCES flow_runs(id) ON DELETE CASCADE,
    type           TEXT COLLATE "C" NOT NULL,
    name           TEXT COLLATE "C" NOT NULL,
    timestamp      TEXT COLLATE "C" NOT NULL,
    message        TEXT COLLATE "C",
    data           TEXT COLLATE "C",
    state_details  TEXT COLLATE "C" NOT NULL DEFAULT '{}',
    rowid          BIGINT GENERATED ALWAYS AS IDENTITY UNIQUE
);
CREATE INDEX flow_run_states_run ON flow_run_states (flow_run_id, timestamp);

CREATE TABLE task_runs (
    id                         TEXT COLLATE "C" PRIMARY KEY,
    created                    TEXT COLLATE "C" NOT NULL,
    updated                    TEXT COLLATE "C" NOT NULL,
    name                       TEXT COLLATE "C" NOT NULL,
    flow_run_id                TEXT COLLATE "C",
    task_key                   TEXT COLLATE "C" NOT NULL,
    dynamic_key                TEXT COLLATE "C" NOT NULL,
    cache_key                  TEXT COLLATE "C",
    cache_expiration           TEXT COLLATE "C",
    task_version               TEXT COLLATE "C",
    empirical_policy           TEXT COLLATE "C" NOT NULL DEFAULT '{}',
    tags                       TEXT COLLATE "C" NOT NULL DEFAULT '[]',
    labels                     TEXT COLLATE "C" NOT NULL DEFAULT '{}',
    task_inputs                TEXT COLLATE "C" NOT NULL DEFAULT '{}',
    state_id                   TEXT COLLATE "C",
    state_type                 TEXT COLLATE "C",
    state_name                 TEXT COLLATE "C",
    state_timestamp            TEXT COLLATE "C",
    state                      TEXT COLLATE "C",
    run_count                  BIGINT NOT NULL DEFAULT 0,
    flow_run_run_count         BIGINT NOT NULL DEFAULT 0,
    expected_start_time        TEXT COLLATE "C",
    next_scheduled_start_time  TEXT COLLATE "C",
    start_time                 TEXT COLLATE "C",
    end_time                   TEXT COLLATE "C",
    total_run_time             DOUBLE PRECISION NOT NULL DEFAULT 0
);
CREATE INDEX task_runs_flow_run ON task_runs (flow_run_id NULLS FIRST, expected_start_time NULLS FIRST);

CREATE TABLE task_run_states (
    id             TEXT COLLATE "C" PRIMARY KEY,
    task_run_id    TEXT COLLATE "C" NOT NULL REFERENCES task_runs(id) ON DELETE CASCADE,
    type           TEXT COLLATE "C" NOT NULL,
    name           TEXT COLLATE "C" NOT NULL,
    timestamp      TEXT COLLATE "C" NOT NULL,
    message        TEXT COLLATE "C",
    data           TEXT COLLATE "C",
    state_details  TEXT COLLATE "C" NOT NULL DEFAULT '{}',
    rowid          BIGINT GENERATED ALWAYS AS IDENTITY UNIQUE
);
CREATE INDEX task_run_states_run ON task_run_states (task_run_id, timestamp);

CREATE TABLE logs (
    id           TEXT COLLATE "C" PRIMARY KEY,
    created      TEXT COLLATE "C" NOT NULL,
    name         TEXT COLLATE "C" NOT NULL,
    level        BIGINT NOT NULL,
    message      TEXT COLLATE "C" NOT NULL,
    timestamp    TEXT COLLATE "C" NOT NULL,
    flow_run_id  TEXT COLLATE "C",
    task_run_id  TEXT COLLATE "C"
);
CREATE INDEX logs_flow_run_time ON logs (flow_run_id NULLS FIRST, timestamp);
CREATE INDEX logs_time ON logs (timestamp);

CREATE TABLE events (
    id           TEXT COLLATE "C" PRIMARY KEY,
    occurred     TEXT COLLATE "C" NOT NULL,
    event        TEXT COLLATE "C" NOT NULL,
    resource_id  TEXT COLLATE "C" NOT NULL,
    resource     TEXT COLLATE "C" NOT NULL,
    related      TEXT COLLATE "C" NOT NULL DEFAULT '[]',
    payload      TEXT COLLATE "C" NOT NULL DEFAULT '{}',
    follows      TEXT COLLATE "C",
    received     TEXT COLLATE "C" NOT NULL,
    rowid        BIGINT GENERATED ALWAYS AS IDENTITY UNIQUE,
    xid          xid8 NOT NULL DEFAULT pg_current_xact_id()
);
CREATE INDEX events_occurred ON events (occurred);
-- PostgreSQL only: the trigger loop's cursor order (see the header).
CREATE INDEX events_xid_rowid ON events (xid, rowid);
CREATE INDEX events_resource ON events (resource_id, occurred);

CREATE TABLE deployments (
    id                          TEXT COLLATE "C" PRIMARY KEY,
    created                     TEXT COLLATE "C" NOT NULL,
    updated                     TEXT COLLATE "C" NOT NULL,
    name                        TEXT COLLATE "C" NOT NULL,
    flow_id                     TEXT COLLATE "C" NOT NULL REFERENCES flows(id) ON DELETE CASCADE,
    version                     TEXT COLLATE "C",
    version_info                TEXT COLLATE "C",
    description                 TEXT COLLATE "C",
    paused                      BIGINT NOT NULL DEFAULT 0,
    concurrency_limit           BIGINT,
    concurrency_options         TEXT COLLATE "C",
    enforce_parameter_schema    BIGINT NOT NULL DEFAULT 1,
    parameter_openapi_schema    TEXT COLLATE "C",
    parameters                  TEXT COLLATE "C" NOT NULL DEFAULT '{}',
    tags                        TEXT COLLATE "C" NOT NULL DEFAULT '[]',
    labels                      TEXT COLLATE "C" NOT NULL DEFAULT '{}',
    pull_steps                  TEXT COLLATE "C",
    work_queue_name             TEXT COLLATE "C",
    work_pool_name              TEXT COLLATE "C",
    storage_document_id         TEXT COLLATE "C",
    infrastructure_document_id  TEXT COLLATE "C",
    path                        TEXT COLLATE "C",
    entrypoint                  TEXT COLLATE "C",
    job_variables               TEXT COLLATE "C" NOT NULL DEFAULT '{}',
    last_polled                 TEXT COLLATE "C",
    UNIQUE (flow_id, name)
);
CREATE INDEX deployments_pool ON deployments (work_pool_name NULLS FIRST);

CREATE TABLE deployment_schedules (
    id                  TEXT COLLATE "C" PRIMARY KEY,
    created             TEXT COLLATE "C" NOT NULL,
    updated             TEXT COLLATE "C" NOT NULL,
    deployment_id       TEXT COLLATE "C" NOT NULL REFERENCES deployments(id) ON DELETE CASCADE,
    kind                TEXT COLLATE "C" NOT NULL,
    cron                TEXT COLLATE "C",
    day_or              BIGINT NOT NULL DEFAULT 1,
    interval_seconds    DOUBLE PRECISION,
    anchor_date         TEXT COLLATE "C",
    rrule               TEXT COLLATE "C",
    timezone            TEXT COLLATE "C",
    active              BIGINT NOT NULL DEFAULT 1,
    max_scheduled_runs  BIGINT,
    parameters          TEXT COLLATE "C" NOT NULL DEFAULT '{}',
    slug                TEXT COLLATE "C",
    next_check_at       TEXT COLLATE "C",
    rowid               BIGINT GENERATED ALWAYS AS IDENTITY UNIQUE
);
CREATE INDEX deployment_schedules_deployment ON deployment_schedules (deployment_id);
CREATE INDEX deployment_schedules_next_check ON deployment_schedules (next_check_at NULLS FIRST);

CREATE TABLE work_pools (
    id                     TEXT COLLATE "C" PRIMARY KEY,
    created                TEXT COLLATE "C" NOT NULL,
    updated                TEXT COLLATE "C" NOT NULL,
    name                   TEXT COLLATE "C" NOT NULL UNIQUE,
    description            TEXT COLLATE "C",
    type                   TEXT COLLATE "C" NOT NULL,
    base_job_template      TEXT COLLATE "C" NOT NULL DEFAULT '{}',
    is_paused              BIGINT NOT NULL DEFAULT 0,
    concurrency_limit      BIGINT,
    default_queue_id       TEXT COLLATE "C",
    storage_configuration  TEXT COLLATE "C" NOT NULL DEFAULT '{}',
    last_polled            TEXT COLLATE "C"
);

CREATE TABLE work_queues (
    id                 TEXT COLLATE "C" PRIMARY KEY,
    created            TEXT COLLATE "C" NOT NULL,
    updated            TEXT COLLATE "C" NOT NULL,
    work_pool_id       TEXT COLLATE "C" NOT NULL REFERENCES work_pools(id) ON DELETE CASCADE,
    name               TEXT COLLATE "C" NOT NULL,
    description        TEXT COLLATE "C" NOT NULL DEFAULT '',
    is_paused          BIGINT NOT NULL DEFAULT 0,
    concurrency_limit  BIGINT,
    priority           BIGINT NOT NULL DEFAULT 1,
    last_polled        TEXT COLLATE "C",
    UNIQUE (work_pool_id, name)
);

CREATE TABLE workers (
    id                          TEXT COLLATE "C" PRIMARY KEY,
    created                     TEXT COLLATE "C" NOT NULL,
    updated                     TEXT COLLATE "C" NOT NULL,
    work_pool_id                TEXT COLLATE "C" NOT NULL REFERENCES work_pools(id) ON DELETE CASCADE,
    name                        TEXT COLLATE "C" NOT NULL,
    last_heartbeat_time         TEXT COLLATE "C",
    heartbeat_interval_seconds  BIGINT,
    UNIQUE (work_pool_id, name)
);

CREATE TABLE variables (
    id       TEXT COLLATE "C" PRIMARY KEY,
    created  TEXT COLLATE "C" NOT NULL,
    updated  TEXT COLLATE "C" NOT NULL,
    name     TEXT COLLATE "C" NOT NULL UNIQUE,
    value    TEXT COLLATE "C" NOT NULL DEFAULT 'null',
    tags     TEXT COLLATE "C" NOT NULL DEFAULT '[]'
);

CREATE TABLE artifacts (
    id           TEXT COLLATE "C" PRIMARY KEY,
    created      TEXT COLLATE "C" NOT NULL,
    updated      TEXT COLLATE "C" NOT NULL,
    key          TEXT COLLATE "C",
    type         TEXT COLLATE "C",
    description  TEXT COLLATE "C",
    data         TEXT COLLATE "C",
    metadata     TEXT COLLATE "C",
    flow_run_id  TEXT COLLATE "C",
    task_run_id  TEXT COLLATE "C"
);
CREATE INDEX artifacts_key ON artifacts (key NULLS FIRST, created);
CREATE INDEX artifacts_flow_run ON artifacts (flow_run_id NULLS FIRST);
CREATE INDEX artifacts_task_run ON artifacts (task_run_id NULLS FIRST);

CREATE TABLE artifact_collections (
    key        TEXT COLLATE "C" PRIMARY KEY,
    id         TEXT COLLATE "C" NOT NULL UNIQUE,
    created    TEXT COLLATE "C" NOT NULL,
    updated    TEXT COLLATE "C" NOT NULL,
    latest_id  TEXT COLLATE "C" NOT NULL
);

-- The latest artifact of each key (0007).
CREATE VIEW artifact_latest AS
SELECT c.id AS id, c.created AS created, c.updated AS updated, c.key AS key, c.latest_id AS latest_id,
       a.type AS type, a.description AS description, a.data AS data, a.metadata AS metadata,
       a.flow_run_id AS flow_run_id, a.task_run_id AS task_run_id
FROM artifact_collections c JOIN artifacts a ON a.id = c.latest_id;

CREATE TABLE deployment_catchup (
    deployment_id  TEXT COLLATE "C" PRIMARY KEY REFERENCES deployments(id) ON DELETE CASCADE,
    policy         TEXT COLLATE "C" NOT NULL CHECK (policy IN ('all', 'latest', 'none'))
);

CREATE TABLE block_types (
    id                 TEXT COLLATE "C" PRIMARY KEY,
    created            TEXT COLLATE "C" NOT NULL,
    updated            TEXT COLLATE "C" NOT NULL,
    name               TEXT COLLATE "C" NOT NULL,
    slug               TEXT COLLATE "C" NOT NULL UNIQUE,
    logo_url           TEXT COLLATE "C",
    documentation_url  TEXT COLLATE "C",
    description        TEXT COLLATE "C",
    code_example       TEXT COLLATE "C",
    is_protected       BIGINT NOT NULL DEFAULT 0
);

CREATE TABLE block_schemas (
    id             TEXT COLLATE "C" PRIMARY KEY,
    created        TEXT COLLATE "C" NOT NULL,
    updated        TEXT COLLATE "C" NOT NULL,
    checksum       TEXT COLLATE "C" NOT NULL,
    fields         TEXT COLLATE "C" NOT NULL,
    block_type_id  TEXT COLLATE "C" NOT NULL REFERENCES block_types(id) ON DELETE CASCADE,
    capabilities   TEXT COLLATE "C" NOT NULL DEFAULT '[]',
    version        TEXT COLLATE "C" NOT NULL,
    rowid          BIGINT GENERATED ALWAYS AS IDENTITY UNIQUE,
    UNIQUE (checksum, version)
);
CREATE INDEX block_schemas_type ON block_schemas (block_type_id);

CREATE TABLE block_documents (
    id               TEXT COLLATE "C" PRIMARY KEY,
    created          TEXT COLLATE "C" NOT NULL,
    updated          TEXT COLLATE "C" NOT NULL,
    name             TEXT COLLATE "C" NOT NULL,
    data             BYTEA NOT NULL,
    block_schema_id  TEXT COLLATE "C" NOT NULL REFERENCES block_schemas(id) ON DELETE CASCADE,
    block_type_id    TEXT COLLATE "C" NOT NULL REFERENCES block_types(id) ON DELETE CASCADE,
    block_type_name  TEXT COLLATE "C",
    is_anonymous     BIGINT NOT NULL DEFAULT 0,
    UNIQUE (block_type_id, name)
);
CREATE INDEX block_documents_schema ON block_documents (block_schema_id);
CREATE INDEX block_documents_name ON block_documents (name);

CREATE TABLE block_document_references (
    parent_id     TEXT COLLATE "C" NOT NULL REFERENCES block_documents(id) ON DELETE CASCADE,
    name          TEXT COLLATE "C" NOT NULL,
    reference_id  TEXT COLLATE "C" NOT NULL REFERENCES block_documents(id) ON DELETE CASCADE,
    rowid         BIGINT GENERATED ALWAYS AS IDENTITY UNIQUE,
    PRIMARY KEY (parent_id, name)
);
CREATE INDEX block_document_references_reference ON block_document_references (reference_id);

CREATE TABLE concurrency_limits (
    id                          TEXT COLLATE "C" PRIMARY KEY,
    created                     TEXT COLLATE "C" NOT NULL,
    updated                     TEXT COLLATE "C" NOT NULL,
    name                        TEXT COLLATE "C" NOT NULL UNIQUE,
    lim                         BIGINT NOT NULL,
    active                      BIGINT NOT NULL DEFAULT 1,
    active_slots                BIGINT NOT NULL DEFAULT 0,
    denied_slots                BIGINT NOT NULL DEFAULT 0,
    slot_decay_per_second       DOUBLE PRECISION NOT NULL DEFAULT 0,
    avg_slot_occupancy_seconds  DOUBLE PRECISION NOT NULL DEFAULT 2.0
);

CREATE TABLE concurrency_leases (
    id           TEXT COLLATE "C" PRIMARY KEY,
    created      TEXT COLLATE "C" NOT NULL,
    expires      TEXT COLLATE "C" NOT NULL,
    slots        BIGINT NOT NULL,
    holder_type  TEXT COLLATE "C",
    holder_id    TEXT COLLATE "C"
);
CREATE INDEX concurrency_leases_holder ON concurrency_leases (holder_id NULLS FIRST);
CREATE INDEX concurrency_leases_expires ON concurrency_leases (expires);

-- WITHOUT ROWID on SQLite (0015).
CREATE TABLE concurrency_lease_limits (
    limit_id  TEXT COLLATE "C" NOT NULL REFERENCES concurrency_limits(id) ON DELETE CASCADE,
    lease_id  TEXT COLLATE "C" NOT NULL REFERENCES concurrency_leases(id) ON DELETE CASCADE,
    PRIMARY KEY (limit_id, lease_id)
);
CREATE INDEX concurrency_lease_limits_lease ON concurrency_lease_limits (lease_id);

CREATE TABLE automations (
    id                  TEXT COLLATE "C" PRIMARY KEY,
    created             TEXT COLLATE "C" NOT NULL,
    updated             TEXT COLLATE "C" NOT NULL,
    name                TEXT COLLATE "C" NOT NULL,
    description         TEXT COLLATE "C" NOT NULL DEFAULT '',
    enabled             BIGINT NOT NULL DEFAULT 1,
    tags                TEXT COLLATE "C" NOT NULL DEFAULT '[]',
    trigger             TEXT COLLATE "C" NOT NULL,
    actions             TEXT COLLATE "C" NOT NULL DEFAULT '[]',
    actions_on_trigger  TEXT COLLATE "C" NOT NULL DEFAULT '[]',
    actions_on_resolve  TEXT COLLATE "C" NOT NULL DEFAULT '[]',
    owner_resource      TEXT COLLATE "C"
);
CREATE INDEX automations_owner ON automations (owner_resource NULLS FIRST);

CREATE TABLE automation_buckets (
    automation_id  TEXT COLLATE "C" NOT NULL REFERENCES automations(id) ON DELETE CASCADE,
    trigger_id     TEXT COLLATE "C" NOT NULL,
    bucketing_key  TEXT COLLATE "C" NOT NULL,
    start          TEXT COLLATE "C" NOT NULL,
    "end"          TEXT COLLATE "C" NOT NULL,
    count          BIGINT NOT NULL,
    last_event     TEXT COLLATE "C",
    PRIMARY KEY (automation_id, trigger_id, bucketing_key)
);
CREATE INDEX automation_buckets_end ON automation_buckets ("end");

CREATE TABLE automation_child_firings (
    automation_id      TEXT COLLATE "C" NOT NULL REFERENCES automations(id) ON DELETE CASCADE,
    parent_trigger_id  TEXT COLLATE "C" NOT NULL,
    child_trigger_id   TEXT COLLATE "C" NOT NULL,
    fired              TEXT COLLATE "C" NOT NULL,
    triggering_event   TEXT COLLATE "C",
    PRIMARY KEY (parent_trigger_id, child_trigger_id)
);

CREATE TABLE automation_actions (
    id             TEXT COLLATE "C" PRIMARY KEY,
    automation_id  TEXT COLLATE "C" NOT NULL,
    action_index   BIGINT NOT NULL,
    action         TEXT COLLATE "C" NOT NULL,
    firing         TEXT COLLATE "C" NOT NULL,
    status         TEXT COLLATE "C" NOT NULL DEFAULT 'pending',
    created        TEXT COLLATE "C" NOT NULL
);

CREATE TABLE automation_cursor (
    id          BIGINT PRIMARY KEY CHECK (id = 1),
    last_rowid  BIGINT NOT NULL,
    -- PostgreSQL only: the xid of the event at last_rowid ('0' = before every event).
    last_xid    xid8 NOT NULL DEFAULT '0'
);

CREATE TABLE flow_run_inputs (
    id           TEXT COLLATE "C" PRIMARY KEY,
    created      TEXT COLLATE "C" NOT NULL,
    updated      TEXT COLLATE "C" NOT NULL,
    flow_run_id  TEXT COLLATE "C" NOT NULL,
    key          TEXT COLLATE "C" NOT NULL,
    value        TEXT COLLATE "C" NOT NULL,
    sender       TEXT COLLATE "C",
    rowid        BIGINT GENERATED ALWAYS AS IDENTITY UNIQUE,
    UNIQUE (flow_run_id, key)
);

CREATE TABLE saved_searches (
    id       TEXT COLLATE "C" PRIMARY KEY,
    created  TEXT COLLATE "C" NOT NULL,
    updated  TEXT COLLATE "C" NOT NULL,
    name     TEXT COLLATE "C" NOT NULL UNIQUE,
    filters  TEXT COLLATE "C" NOT NULL DEFAULT '[]'
);

CREATE TABLE server_configuration (
    key    TEXT COLLATE "C" PRIMARY KEY,
    value  TEXT COLLATE "C" NOT NULL
);
