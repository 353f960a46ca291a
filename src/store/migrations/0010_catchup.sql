-- Baton schema: per-deployment catch-up policy (absent = 'all', Prefect's behaviour).

CREATE TABLE deployment_catchup (
    deployment_id   TEXT PRIMARY KEY REFERENCES deployments(id) ON DELETE CASCADE,
    policy          TEXT NOT NULL CHECK (policy IN ('all', 'latest', 'none'))
);
