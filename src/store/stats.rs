//! Numbers about what is stored: runs by state, late runs, worker heartbeats (for `/metrics`), and rows and
//! bytes per table (for `baton db stats`).

use super::error::Result;
use super::Tx;
use crate::domain::state::name;
use crate::domain::Ts;
use crate::store::sql::OptionalExtension;

/// How many flow runs are in each state type (types with no runs are absent).
pub fn runs_by_state(tx: &Tx) -> Result<Vec<(String, u64)>> {
    let mut stmt = tx.conn.prepare_cached(
        "SELECT state_type, count(*) FROM flow_runs WHERE state_type IS NOT NULL GROUP BY state_type",
    )?;
    let rows = stmt.query_map([], |r| {
        Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)? as u64))
    })?;
    Ok(rows.collect::<crate::store::sql::Result<_>>()?)
}

/// How many runs wait in the Late state.
pub fn late_runs(tx: &Tx) -> Result<u64> {
    let n: i64 = tx.conn.query_row(
        &format!(
            "SELECT count(*) FROM flow_runs WHERE state_type = 'SCHEDULED' AND state_name = '{}'",
            name::LATE
        ),
        [],
        |r| r.get(0),
    )?;
    Ok(n as u64)
}

/// Every worker: (pool name, worker name, last heartbeat).
pub fn worker_heartbeats(tx: &Tx) -> Result<Vec<(String, String, Option<Ts>)>> {
    let mut stmt = tx.conn.prepare_cached(
        "SELECT p.name, w.name, w.last_heartbeat_time FROM workers w JOIN work_pools p ON p.id = w.work_pool_id",
    )?;
    let rows = stmt.query_map([], |r| {
        Ok((
            r.get::<_, String>(0)?,
            r.get::<_, String>(1)?,
            super::codec::parse_ts(r, 2)?,
        ))
    })?;
    Ok(rows.collect::<crate::store::sql::Result<_>>()?)
}

/// One table's size.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TableStats {
    pub name: String,
    pub rows: u64,
    /// Bytes used by the table and its indexes, when SQLite has `dbstat` compiled in.
    pub bytes: Option<u64>,
}

/// The whole database's size.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DbStats {
    pub page_size: u64,
    pub pages: u64,
    pub free_pages: u64,
    pub tables: Vec<TableStats>,
}

/// Rows per table and, with `dbstat`, bytes per table (indexes counted with their table).
pub fn db_stats(tx: &Tx) -> Result<DbStats> {
    if tx.conn.is_pg() {
        return pg_stats(tx);
    }
    let pragma = |name: &str| -> Result<u64> {
        let v: i64 = tx
            .conn
            .query_row(&format!("PRAGMA {name}"), [], |r| r.get(0))?;
        Ok(v as u64)
    };
    let names: Vec<String> = {
        let mut stmt = tx.conn.prepare(
            "SELECT name FROM sqlite_schema WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name",
        )?;
        let rows = stmt.query_map([], |r| r.get(0))?;
        rows.collect::<crate::store::sql::Result<_>>()?
    };
    let has_dbstat = tx
        .conn
        .query_row("SELECT 1 FROM dbstat LIMIT 1", [], |_| Ok(()))
        .optional()
        .is_ok();
    let mut tables = Vec::new();
    for name in names {
        let quoted = name.replace('"', "\"\"");
        let rows: i64 =
            tx.conn
                .query_row(&format!("SELECT count(*) FROM \"{quoted}\""), [], |r| {
                    r.get(0)
                })?;
        let bytes = if has_dbstat {
            let b: i64 = tx.conn.query_row(
                "SELECT coalesce(sum(pgsize), 0) FROM dbstat WHERE name = ?1 \
                 OR name IN (SELECT name FROM sqlite_schema WHERE type = 'index' AND tbl_name = ?1)",
                [&name],
                |r| r.get(0),
            )?;
            Some(b as u64)
        } else {
            None
        };
        tables.push(TableStats {
            name,
            rows: rows as u64,
            bytes,
        });
    }
    Ok(DbStats {
        page_size: pragma("page_size")?,
        pages: pragma("page_count")?,
        free_pages: pragma("freelist_count")?,
        tables,
    })
}

/// [`db_stats`] on PostgreSQL: its block size and database size, and each table's rows and total size
/// (indexes and TOAST included).
fn pg_stats(tx: &Tx) -> Result<DbStats> {
    let (page_size, bytes): (i64, i64) = tx.conn.query_row(
        "SELECT CAST(current_setting('block_size') AS BIGINT), pg_database_size(current_database())",
        [],
        |r| Ok((r.get(0)?, r.get(1)?)),
    )?;
    let names: Vec<String> = {
        let mut stmt = tx.conn.prepare(
            "SELECT CAST(tablename AS TEXT) FROM pg_tables WHERE schemaname = current_schema() ORDER BY 1",
        )?;
        let rows = stmt.query_map([], |r| r.get(0))?;
        rows.collect::<crate::store::sql::Result<_>>()?
    };
    let mut tables = Vec::new();
    for name in names {
        let quoted = name.replace('"', "\"\"");
        let (rows, size): (i64, i64) = tx.conn.query_row(
            &format!(
                "SELECT (SELECT count(*) FROM \"{quoted}\"), pg_total_relation_size(CAST(CAST(?1 AS TEXT) AS regclass))"
            ),
            [&format!("\"{quoted}\"")],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )?;
        tables.push(TableStats {
            name,
            rows: rows as u64,
            bytes: Some(size as u64),
        });
    }
    let page = page_size.max(1) as u64;
    Ok(DbStats {
        page_size: page,
        pages: bytes as u64 / page,
        free_pages: 0,
        tables,
    })
}
