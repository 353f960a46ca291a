-- Global concurrency and rate limits (a tag limit is the limit named `tag:<tag>`, a deployment's the
-- limit named `deployment:<id>`), and the leases that hold their slots. Slots taken without a lease are
-- counted on the limit (`active_slots`, drained from `updated` by `slot_decay_per_second`); slots held by
-- a lease count only while the lease has not expired, so an abandoned lease frees its slots by itself.
CREATE TABLE concurrency_limits (
    id TEXT PRIMARY KEY,
    created TEXT NOT NULL,
    updated TEXT NOT NULL,
    name TEXT NOT NULL UNIQUE,
    lim INTEGER NOT NULL,
    active INTEGER NOT NULL DEFAULT 1,
    active_slots INTEGER NOT NULL DEFAULT 0,
    denied_slots INTEGER NOT NULL DEFAULT 0,
    slot_decay_per_second REAL NOT NULL DEFAULT 0,
    avg_slot_occupancy_seconds REAL NOT NULL DEFAULT 2.0
);

CREATE TABLE concurrency_leases (
    id TEXT PRIMARY KEY,
    created TEXT NOT NULL,
    expires TEXT NOT NULL,
    slots INTEGER NOT NULL,
    holder_type TEXT,
    holder_id TEXT
);
CREATE INDEX concurrency_leases_holder ON concurrency_leases (holder_id);
CREATE INDEX concurrency_leases_expires ON concurrency_leases (expires);

CREATE TABLE concurrency_lease_limits (
    limit_id TEXT NOT NULL REFERENCES concurrency_limits(id) ON DELETE CASCADE,
    lease_id TEXT NOT NULL REFERENCES concurrency_leases(id) ON DELETE CASCADE,
    PRIMARY KEY (limit_id, lease_id)
) WITHOUT ROWID;
CREATE INDEX concurrency_lease_limits_lease ON concurrency_lease_limits (lease_id);
