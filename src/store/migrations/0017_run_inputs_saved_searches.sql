-- Values sent to a flow run (Prefect's flow run input: the answers to `pause_flow_run(wait_for_input=…)`
-- and `send_input`), and the dashboard's saved searches.
CREATE TABLE flow_run_inputs (
    id TEXT PRIMARY KEY,
    created TEXT NOT NULL,
    updated TEXT NOT NULL,
    flow_run_id TEXT NOT NULL,
    key TEXT NOT NULL,
    value TEXT NOT NULL,
    sender TEXT,
    UNIQUE (flow_run_id, key)
);

CREATE TABLE saved_searches (
    id TEXT PRIMARY KEY,
    created TEXT NOT NULL,
    updated TEXT NOT NULL,
    name TEXT NOT NULL UNIQUE,
    filters TEXT NOT NULL DEFAULT '[]'
);

-- Server-wide settings changed through the API (the default result storage block), as JSON by key.
CREATE TABLE server_configuration (
    key TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
