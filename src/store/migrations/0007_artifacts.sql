-- Baton schema: artifacts, and the latest artifact of each key (Prefect's artifact collections).

CREATE TABLE artifacts (
    id          TEXT PRIMARY KEY,
    created     TEXT NOT NULL,
    updated     TEXT NOT NULL,
    key         TEXT,
    type        TEXT,
    description TEXT,
    data        TEXT,
    metadata    TEXT,
    flow_run_id TEXT,
    task_run_id TEXT
);
CREATE INDEX artifacts_key ON artifacts(key, created);
CREATE INDEX artifacts_flow_run ON artifacts(flow_run_id);
CREATE INDEX artifacts_task_run ON artifacts(task_run_id);

CREATE TABLE artifact_collections (
    key         TEXT PRIMARY KEY,
    id          TEXT NOT NULL UNIQUE,
    created     TEXT NOT NULL,
    updated     TEXT NOT NULL,
    latest_id   TEXT NOT NULL
);

CREATE VIEW artifact_latest AS
SELECT c.id AS id, c.created AS created, c.updated AS updated, c.key AS key, c.latest_id AS latest_id,
       a.type AS type, a.description AS description, a.data AS data, a.metadata AS metadata,
       a.flow_run_id AS flow_run_id, a.task_run_id AS task_run_id
FROM artifact_collections c JOIN artifacts a ON a.id = c.latest_id;
