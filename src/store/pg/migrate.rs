//! PostgreSQL schema versions, applied under an advisory lock so servers starting together migrate once.
//! The baseline equals SQLite's schema at version 17; each later version is one file per engine.

use crate::store::error::{Result, StoreError};
use crate::store::sql::PgConn;

/// `(version, SQL)` in order.
const MIGRATIONS: &[(i64, &str)] = &[
    (17, include_str!("0017_baseline.sql")),
    (18, include_str!("0018_flow_runs_by_flow.sql")),
    (19, include_str!("0019_waiting_runs_by_id.sql")),
    (20, include_str!("0020_fewer_run_indexes.sql")),
];

/// The newest schema version this build knows.
pub const KNOWN_VERSION: i64 = 20;

/// The advisory lock key held while migrating ("baton-mg").
const LOCK: i64 = 0x6261_746f_6e2d_6d67;

/// Brings the database to [`KNOWN_VERSION`], or refuses a database newer than this build.
pub fn apply(conn: &PgConn) -> Result<()> {
    let mut c = conn.client();
    let mut tx = c.transaction().map_err(db)?;
    tx.execute("SELECT pg_advisory_xact_lock($1)", &[&LOCK])
        .map_err(db)?;
    tx.batch_execute(
        "CREATE TABLE IF NOT EXISTS baton_schema (version BIGINT PRIMARY KEY, applied TEXT NOT NULL)",
    )
    .map_err(db)?;
    let current: Option<i64> = tx
        .query_one("SELECT max(version) FROM baton_schema", &[])
        .map_err(db)?
        .get(0);
    let current = current.unwrap_or(0);
    if current > KNOWN_VERSION {
        return Err(StoreError::Invalid(format!(
            "the database's schema is version {current}, newer than this Baton knows (version \
             {KNOWN_VERSION}): upgrade Baton before starting it on this database"
        )));
    }
    for (version, sql) in MIGRATIONS.iter().filter(|(v, _)| *v > current) {
        tx.batch_execute(sql).map_err(db)?;
        tx.execute(
            "INSERT INTO baton_schema (version, applied) VALUES ($1, $2)",
            &[version, &crate::domain::time::format(chrono::Utc::now())],
        )
        .map_err(db)?;
    }
    tx.commit().map_err(db)
}

fn db(e: postgres::Error) -> StoreError {
    StoreError::Database(e.into())
}
