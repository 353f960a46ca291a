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
        M::up(include_str!("migrations/0013_lateness_column.sql")),
        M::up(include_str!("migrations/0014_blocks.sql")),
        M::up(include_str!("migrations/0015_concurrency_limits.sql")),
        M::up(include_str!("migrations/0016_automations.sql")),
        M::up(include_str!(
            "migrations/0017_run_inputs_saved_searches.sql"
        )),
        M::up(include_str!("migrations/0018_flow_runs_by_flow.sql")),
        M::up(include_str!("migrations/0019_waiting_runs_by_id.sql")),
        M::up(include_str!("migrations/0020_fewer_run_indexes.sql")),
        M::up(include_str!("migrations/0021_no_state_time_indexes.sql")),
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

#[cfg(test)]
mod portable {
    /// SQL functions, modifiers and operators newer than SQLite 3.37: a schema object (index, view, trigger,
    /// generated column, CHECK) using one is reported damaged by older SQLite, which users open the file with.
    const NEWER_THAN_3_37: &[&str] = &[
        "unixepoch",
        "subsec",
        "->",
        "octet_length",
        "unhex",
        "timediff",
        "concat",
        "string_agg",
        "jsonb",
        "json_pretty",
        "iif(",
        "format(",
        "sign(",
        "median",
        "percentile",
    ];

    #[test]
    fn migration_13_fills_in_the_lateness_of_existing_runs() {
        let mut conn = rusqlite::Connection::open_in_memory().unwrap();
        // Version 11 is the eleventh file, 0012 (there is no 0005).
        super::migrations().to_version(&mut conn, 11).unwrap();
        conn.execute_batch(
            "INSERT INTO flows (id, created, updated, name) VALUES ('f', 'x', 'x', 'flow');
             INSERT INTO flow_runs (id, created, updated, name, flow_id, expected_start_time, start_time)
             VALUES ('late', 'x', 'x', 'a', 'f', '2026-03-01T10:00:00.000000Z', '2026-03-01T10:00:02.500000Z'),
                    ('early', 'x', 'x', 'b', 'f', '2026-03-01T10:00:00.000000Z', '2026-03-01T09:59:00.000000Z'),
                    ('waiting', 'x', 'x', 'c', 'f', '2026-03-01T10:00:00.000000Z', NULL);",
        )
        .unwrap();
        super::apply(&mut conn).unwrap();
        let lateness = |id: &str| -> f64 {
            conn.query_row("SELECT lateness FROM flow_runs WHERE id = ?1", [id], |r| {
                r.get(0)
            })
            .unwrap()
        };
        assert_eq!(lateness("late"), 2.5);
        assert_eq!(lateness("early"), 0.0);
        assert_eq!(lateness("waiting"), 0.0);
    }

    #[test]
    fn schema_objects_use_nothing_newer_than_sqlite_3_37() {
        let mut conn = rusqlite::Connection::open_in_memory().unwrap();
        super::apply(&mut conn).unwrap();
        let mut stmt = conn
            .prepare("SELECT type, name, sql FROM sqlite_schema WHERE sql IS NOT NULL")
            .unwrap();
        let objects: Vec<(String, String, String)> = stmt
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
            .unwrap()
            .map(Result::unwrap)
            .collect();
        assert!(objects.len() > 10, "{objects:?}");
        for (kind, name, sql) in objects {
            let lower = sql.to_lowercase();
            for f in NEWER_THAN_3_37 {
                assert!(!lower.contains(f), "{kind} {name} uses `{f}`: {sql}");
            }
        }
    }
}
