//! Embedded, numbered schema migrations, applied at open and tracked in `PRAGMA user_version`.
//! A shipped migration is never edited: add a new file instead.

use rusqlite::Connection;
use rusqlite_migration::{Migrations, M};

fn migrations() -> Migrations<'static> {
    Migrations::new(vec![
        M::up(include_str!("migrations/0001_init.sql")),
        M::up(include_str!("migrations/0002_deployments.sql")),
        M::up(include_str!("migrations/0003_work_pools.sql")),
        M::up(include_str!("migrations/0004_indexes.sql")),
        M::up(include_str!("migrations/0006_variables.sql")),
        M::up(include_str!("migrations/0007_artifacts.sql")),
        M::up(include_str!("migrations/0008_dashboard_indexes.sql")),
        M::up(include_str!("migrations/0009_retention.sql")),
        M::up(include_str!("migrations/0010_catchup.sql")),
        M::up(include_str!("migrations/0011_waiting_runs.sql")),
        M::up(include_str!("migrations/0012_queue_due.sql")),
    ])
}

/// Brings the database to the latest schema.
pub fn apply(conn: &mut Connection) -> Result<(), rusqlite_migration::Error> {
    migrations().to_latest(conn)
}

#[cfg(test)]
mod tests {
    #[test]
    fn migrations_are_valid() {
        super::migrations().validate().unwrap();
    }
}
