//! Work on a database file outside a running server's store: statistics, VACUUM, online backup through the
//! SQLite backup API (one step, so the copy is a consistent snapshot even while a server writes), restore,
//! and integrity checks. Synchronous: the CLI calls these directly.

use super::error::{Result, StoreError};
use super::stats::{self, DbStats};
use super::{sql, Tx};
use rusqlite::{Connection, OpenFlags};
use std::path::Path;
use std::time::Duration;

fn open_read_only(path: &Path) -> Result<Connection> {
    if !path.exists() {
        return Err(StoreError::Invalid(format!(
            "no database at {}",
            path.display()
        )));
    }
    let conn = Connection::open_with_flags(
        path,
        OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )?;
    conn.busy_timeout(Duration::from_secs(30))?;
    Ok(conn)
}

/// Rows and sizes per table of the database at `path`.
pub fn file_stats(path: &Path) -> Result<DbStats> {
    let conn = open_read_only(path)?;
    let tx = conn.unchecked_transaction()?;
    let out = stats::db_stats(&Tx {
        conn: sql::Conn::Lite(&tx),
        writes: false,
    });
    tx.finish()?;
    out
}

/// `PRAGMA integrity_check` of the database at `path`: `Ok` when SQLite answers "ok".
/// Rows and bytes per table of a PostgreSQL database (its own session, on a thread of its own: the `postgres`
/// crate runs its own runtime).
pub fn pg_stats(url: &str) -> Result<DbStats> {
    let cfg = super::pg::parse_url(url)?;
    std::thread::spawn(move || -> Result<DbStats> {
        let client = cfg
            .connect(postgres::NoTls)
            .map_err(|e| StoreError::Database(e.into()))?;
        let conn = sql::PgConn::new(client, "stats".into());
        stats::db_stats(&Tx {
            conn: sql::Conn::Pg(&conn),
            writes: false,
        })
    })
    .join()
    .map_err(|_| StoreError::Closed)?
}

pub fn integrity_check(path: &Path) -> Result<()> {
    let conn = open_read_only(path)?;
    check(&conn, path)
}

fn check(conn: &Connection, path: &Path) -> Result<()> {
    let mut stmt = conn.prepare("PRAGMA integrity_check")?;
    let problems: Vec<String> = stmt
        .query_map([], |r| r.get::<_, String>(0))?
        .collect::<rusqlite::Result<_>>()?;
    if problems == ["ok"] {
        Ok(())
    } else {
        Err(StoreError::Invalid(format!(
            "{} failed its integrity check: {}",
            path.display(),
            problems.join("; ")
        )))
    }
}

/// Checkpoints the WAL and rebuilds the database at `path` into the smallest file; returns (bytes before,
/// bytes after). The caller makes sure no server is using it.
pub fn vacuum(path: &Path) -> Result<(u64, u64)> {
    let size = |p: &Path| {
        std::fs::metadata(p).map(|m| m.len()).unwrap_or(0)
            + std::fs::metadata(p.with_extension("db-wal"))
                .map(|m| m.len())
                .unwrap_or(0)
    };
    if !path.exists() {
        return Err(StoreError::Invalid(format!(
            "no database at {}",
            path.display()
        )));
    }
    let before = size(path);
    let conn = Connection::open(path)?;
    conn.busy_timeout(Duration::from_secs(30))?;
    conn.execute_batch(
        "PRAGMA wal_checkpoint(TRUNCATE); VACUUM; PRAGMA wal_checkpoint(TRUNCATE);",
    )?;
    drop(conn);
    Ok((before, size(path)))
}

/// Copies every page of `from` into `to` in one backup step, i.e. under one read transaction of `from`: a
/// consistent snapshot, however much others write meanwhile. Retries while the databases are busy.
fn copy_all(from: &Connection, to: &mut Connection) -> Result<()> {
    use rusqlite::backup::StepResult;
    let b = rusqlite::backup::Backup::new(from, to)?;
    let deadline = std::time::Instant::now() + Duration::from_secs(60);
    loop {
        match b.step(-1)? {
            StepResult::Done => return Ok(()),
            StepResult::More | StepResult::Busy | StepResult::Locked
                if std::time::Instant::now() < deadline =>
            {
                std::thread::sleep(Duration::from_millis(20));
            }
            _ => {
                return Err(StoreError::Invalid(
                    "the database stayed busy for a minute; try again".into(),
                ))
            }
        }
    }
}

/// Copies the database at `db` into a new file `dest` as one consistent snapshot, while other connections
/// (a running server) may keep writing; the copy is integrity-checked before it takes `dest`'s name.
pub fn backup(db: &Path, dest: &Path) -> Result<()> {
    let src = open_read_only(db)?;
    let tmp = dest.with_extension("baton-partial");
    let _ = std::fs::remove_file(&tmp);
    let result = (|| -> Result<()> {
        let mut out = Connection::open(&tmp)?;
        copy_all(&src, &mut out)?;
        out.pragma_update(None, "journal_mode", "DELETE")?;
        check(&out, dest)?;
        Ok(())
    })();
    match result {
        Ok(()) => std::fs::rename(&tmp, dest)
            .map_err(|e| StoreError::Invalid(format!("cannot write {}: {e}", dest.display()))),
        Err(e) => {
            let _ = std::fs::remove_file(&tmp);
            Err(e)
        }
    }
}

/// Replaces the database at `db` with the backup `src` (checked first). The caller makes sure no server
/// is using `db`.
pub fn restore(src: &Path, db: &Path) -> Result<()> {
    integrity_check(src)?;
    let from = open_read_only(src)?;
    let mut to = Connection::open(db)?;
    to.busy_timeout(Duration::from_secs(30))?;
    copy_all(&from, &mut to)?;
    to.execute_batch("PRAGMA wal_checkpoint(TRUNCATE);")?;
    check(&to, db)
}
