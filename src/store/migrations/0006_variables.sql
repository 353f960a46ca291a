-- Baton schema: variables (named JSON values, unique by name).

CREATE TABLE variables (
    id          TEXT PRIMARY KEY,
    created     TEXT NOT NULL,
    updated     TEXT NOT NULL,
    name        TEXT NOT NULL UNIQUE,
    value       TEXT NOT NULL DEFAULT 'null',
    tags        TEXT NOT NULL DEFAULT '[]'
);
