-- Automations, and the state their triggers keep between events: counting windows (buckets), child
-- firings of compound and sequence triggers, the actions of each firing (run at most once), and how far
-- the trigger loop has read the events table (by rowid, so every stored event is evaluated exactly once,
-- across restarts).
CREATE TABLE automations (
    id TEXT PRIMARY KEY,
    created TEXT NOT NULL,
    updated TEXT NOT NULL,
    name TEXT NOT NULL,
    description TEXT NOT NULL DEFAULT '',
    enabled INTEGER NOT NULL DEFAULT 1,
    tags TEXT NOT NULL DEFAULT '[]',
    trigger TEXT NOT NULL,
    actions TEXT NOT NULL DEFAULT '[]',
    actions_on_trigger TEXT NOT NULL DEFAULT '[]',
    actions_on_resolve TEXT NOT NULL DEFAULT '[]',
    owner_resource TEXT
);
CREATE INDEX automations_owner ON automations(owner_resource);

CREATE TABLE automation_buckets (
    automation_id TEXT NOT NULL REFERENCES automations(id) ON DELETE CASCADE,
    trigger_id TEXT NOT NULL,
    bucketing_key TEXT NOT NULL,
    start TEXT NOT NULL,
    "end" TEXT NOT NULL,
    count INTEGER NOT NULL,
    last_event TEXT,
    PRIMARY KEY (automation_id, trigger_id, bucketing_key)
);
CREATE INDEX automation_buckets_end ON automation_buckets("end");

CREATE TABLE automation_child_firings (
    automation_id TEXT NOT NULL REFERENCES automations(id) ON DELETE CASCADE,
    parent_trigger_id TEXT NOT NULL,
    child_trigger_id TEXT NOT NULL,
    fired TEXT NOT NULL,
    triggering_event TEXT,
    PRIMARY KEY (parent_trigger_id, child_trigger_id)
);

-- One row per action of a firing: 'pending', then 'running' while it runs, then deleted. A row found
-- 'running' at start belonged to a server that stopped mid-action: it is reported failed, not re-run.
CREATE TABLE automation_actions (
    id TEXT PRIMARY KEY,
    automation_id TEXT NOT NULL,
    action_index INTEGER NOT NULL,
    action TEXT NOT NULL,
    firing TEXT NOT NULL,
    status TEXT NOT NULL DEFAULT 'pending',
    created TEXT NOT NULL
);

CREATE TABLE automation_cursor (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    last_rowid INTEGER NOT NULL
);
