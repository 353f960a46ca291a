//! SQLite storage: the only module that knows SQL. One writer connection owns every write (so "database is
//! locked" cannot happen between Baton's own writers), a few read-only connections serve queries, and the
//! schema is migrated from numbered, embedded SQL files at open.
//!
//! Repository functions per table group take a [`Tx`] and return domain types; services decide what a
//! transaction contains by passing a closure to [`Store::write`] or [`Store::read`].

pub mod artifacts;
pub mod automation_state;
pub mod automations;
pub mod block_documents;
pub mod block_types;
pub mod catchup;
mod checkpoint;
mod codec;
pub mod concurrency_leases;
pub mod concurrency_limits;
pub mod deployments;
mod error;
pub mod events;
mod flow_run_columns;
pub mod flow_runs;
pub mod flows;
pub mod graph;
mod history;
pub mod logs;
pub mod maintenance;
mod merge;
mod migrations;
pub mod page_cache;
mod pg;
pub mod pool_status;
mod query;
pub mod read_views;
pub mod retention;
pub mod run_inputs;
pub mod run_views;
pub mod saved_searches;
pub mod schedules;
mod sql;
pub mod stats;
pub mod task_run_views;
pub mod task_runs;
pub mod variables;
mod wal_file;
pub mod work_pools;
pub mod work_queues;
mod writer;
mod writer_alone;
mod writer_batching;
mod writer_errors;
mod writer_group;

pub use error::{Result, StoreError};

use rusqlite::{Connection, OpenFlags, TransactionBehavior};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};

/// A handle on an open transaction (writes) or connection (reads), passed to repository functions.
pub struct Tx<'c> {
    conn: sql::Conn<'c>,
    /// Whether this transaction may write.
    writes: bool,
}

impl Tx<'_> {
    /// On PostgreSQL, what tells the other servers on this database that this transaction stored the event
    /// `id`: the payload for a statement that stores the event and sends it (`pg_notify` on `pg::CHANNEL`,
    /// delivered on commit) in one round trip. `None` on SQLite, whose store has no other servers.
    pub(crate) fn event_notice(&self, id: &str) -> Option<String> {
        match self.conn {
            sql::Conn::Pg(c) => Some(pg::notice(c, serde_json::json!({ "id": id }))),
            sql::Conn::Lite(_) => None,
        }
    }

    /// Tells the other servers that this transaction stored these log lines (live log tails on the other
    /// servers; PostgreSQL only).
    pub(crate) fn announce_logs(&self, ids: impl FnOnce() -> Vec<String>) -> Result<()> {
        if let sql::Conn::Pg(c) = self.conn {
            pg::announce_logs(c, &ids())?;
        }
        Ok(())
    }

    /// What a read of rows this transaction will change ends with: on PostgreSQL in a write, `FOR UPDATE`,
    /// so another server's transaction that read the same row waits and then sees this one's change (two
    /// claims of one run cannot both pass); nothing on SQLite, whose single writer already serializes.
    pub fn lock(&self) -> &'static str {
        if self.writes {
            sql::dialect::for_update(self.conn)
        } else {
            ""
        }
    }
}

/// The database: an embedded SQLite file, or a PostgreSQL database that several servers may share.
#[derive(Debug)]
pub struct Store {
    engine: Engine,
}

#[derive(Debug)]
enum Engine {
    Lite(Lite),
    Pg(pg::PgEngine),
}

/// SQLite: one writer, several readers.
#[derive(Debug)]
struct Lite {
    writer: writer::Writer,
    checkpointer: checkpoint::Checkpointer,
    readers: Vec<tokio_rusqlite::Connection>,
    next_reader: AtomicUsize,
    path: PathBuf,
}

const READERS: usize = 2;

/// The writer's page cache, in KiB (SQLite's default is 2,000). Creating runs touches some twenty B-trees per
/// run; a scheduler batch of 3,000 runs dirtied more pages than the default holds, so SQLite spilled pages to
/// the WAL mid-transaction and wrote them again at commit, and re-read evicted index pages with a system call
/// each (~20 % of the writer's time creating deployments). It grows only as pages are used.
const WRITER_CACHE_KIB: i64 = 32 * 1024;

/// Prepared statements kept per connection. rusqlite's default (16) is fewer than the distinct statements
/// one API write touches across a workload mix, so they were re-prepared on most requests.
const STATEMENT_CACHE: usize = 256;

fn pragmas(conn: &Connection) -> rusqlite::Result<()> {
    conn.set_prepared_statement_cache_capacity(STATEMENT_CACHE);
    conn.busy_timeout(std::time::Duration::from_secs(5))?;
    // Plans do not depend on bound values. Without this, every statement with `LIMIT ?` or a parameter on an
    // indexed range was re-parsed and re-planned each time it ran (SQLite marks such parameters so that a
    // new value gets a new plan): 10 % of the writer's time under load.
    conn.set_db_config(
        rusqlite::config::DbConfig::SQLITE_DBCONFIG_ENABLE_QPSG,
        true,
    )?;
    conn.pragma_update(None, "foreign_keys", "ON")?;
    conn.pragma_update(None, "synchronous", "NORMAL")?;
    // Savepoint and statement journals, and sorts, stay in memory (no temporary files per write).
    conn.pragma_update(None, "temp_store", "MEMORY")?;
    Ok(())
}

impl Store {
    /// Opens (creating and migrating when new) the database file at `path`.
    pub async fn open(path: &Path) -> Result<Store> {
        let file = path.to_path_buf();
        let (conn, side) = tokio::task::spawn_blocking(move || -> Result<_> {
            // The writer alone appends to the WAL: through the layer that writes each commit in one call.
            let mut conn = match wal_file::register() {
                Some(vfs) => Connection::open_with_flags_and_vfs(&file, OpenFlags::default(), vfs)?,
                None => Connection::open(&file)?,
            };
            conn.pragma_update(None, "journal_mode", "WAL")?;
            pragmas(&conn)?;
            conn.pragma_update(None, "wal_autocheckpoint", checkpoint::BACKSTOP_PAGES)?;
            conn.pragma_update(None, "cache_size", -WRITER_CACHE_KIB)?;
            migrations::apply(&mut conn)?;
            let side = Connection::open(&file)?;
            pragmas(&side)?;
            Ok((conn, side))
        })
        .await
        .map_err(|_| StoreError::Closed)??;
        let thread_error =
            |e: std::io::Error| StoreError::Invalid(format!("cannot start a database thread: {e}"));
        let drain = std::sync::Arc::new(checkpoint::Drain::default());
        let writer = writer::Writer::start(conn, drain.clone()).map_err(thread_error)?;
        let checkpointer = checkpoint::Checkpointer::start(side, drain).map_err(thread_error)?;
        let mut readers = Vec::with_capacity(READERS);
        for _ in 0..READERS {
            let flags = OpenFlags::SQLITE_OPEN_READ_ONLY
                | OpenFlags::SQLITE_OPEN_NO_MUTEX
                | OpenFlags::SQLITE_OPEN_URI;
            let reader = tokio_rusqlite::Connection::open_with_flags(path, flags).await?;
            reader
                .call(|conn| -> Result<()> { Ok(pragmas(conn)?) })
                .await?;
            readers.push(reader);
        }
        Ok(Store {
            engine: Engine::Lite(Lite {
                writer,
                checkpointer,
                readers,
                next_reader: AtomicUsize::new(0),
                path: path.to_path_buf(),
            }),
        })
    }

    /// Opens the database `target` names: a PostgreSQL URL (`postgresql://…`, also Prefect's
    /// `postgresql+asyncpg://…`), else a SQLite file path.
    pub async fn open_target(target: &str) -> Result<Store> {
        if pg::is_url(target) {
            Ok(Store {
                engine: Engine::Pg(pg::PgEngine::open(target).await?),
            })
        } else {
            Store::open(Path::new(target)).await
        }
    }

    /// Whether `target` (as [`Store::open_target`] takes it) names a PostgreSQL database.
    pub fn is_postgres_url(target: &str) -> bool {
        pg::is_url(target)
    }

    /// Whether this server leads the background loops, as it changes: always on SQLite; on PostgreSQL, while
    /// it holds the leader lock (one server among those sharing the database).
    pub fn leadership(&self) -> tokio::sync::watch::Receiver<bool> {
        match &self.engine {
            Engine::Lite(_) => tokio::sync::watch::channel(true).1,
            Engine::Pg(p) => p.leadership(),
        }
    }

    /// This server's name in what it announces to the other servers (PostgreSQL only).
    pub fn origin(&self) -> Option<&str> {
        match &self.engine {
            Engine::Lite(_) => None,
            Engine::Pg(p) => Some(p.origin()),
        }
    }

    /// Announcements from the other servers on the database, as JSON `{"o": origin, "id": event id}` (`None`
    /// after the listening session was renewed); given once, and only on PostgreSQL.
    pub fn take_announcements(
        &self,
    ) -> Option<tokio::sync::mpsc::UnboundedReceiver<Option<String>>> {
        match &self.engine {
            Engine::Lite(_) => None,
            Engine::Pg(p) => p.take_announcements(),
        }
    }

    /// Whether this store is on PostgreSQL.
    pub fn is_postgres(&self) -> bool {
        matches!(self.engine, Engine::Pg(_))
    }

    /// The database: the SQLite file, or the PostgreSQL URL without credentials.
    pub fn describe(&self) -> String {
        match &self.engine {
            Engine::Lite(l) => l.path.display().to_string(),
            Engine::Pg(p) => p.shown().to_string(),
        }
    }

    /// Runs `f` atomically on the writer: its changes commit when it returns `Ok` and are rolled back
    /// otherwise. Writes queued at the same moment may share a commit (see [`writer`]); the call
    /// returns after its commit.
    pub async fn write<T, F>(&self, f: F) -> Result<T>
    where
        F: FnOnce(&Tx) -> Result<T> + Send + 'static,
        T: Send + 'static,
    {
        match &self.engine {
            Engine::Lite(l) => l.writer.write(f).await,
            Engine::Pg(p) => p.write(f).await,
        }
    }

    /// As [`Store::write`], for a closure that may run more than once before its one commit: on SQLite it
    /// shares a savepoint with the repeatable writes committed with it (see [`writer_group`]). For the hot
    /// paths: creating runs, their states, logs.
    pub async fn write_repeatable<T, F>(&self, f: F) -> Result<T>
    where
        F: Fn(&Tx) -> Result<T> + Send + 'static,
        T: Send + 'static,
    {
        match &self.engine {
            Engine::Lite(l) => l.writer.write_repeatable(f).await,
            Engine::Pg(p) => p.write(f).await,
        }
    }

    /// As [`Store::write`], for a large write: on SQLite it commits alone, without a savepoint (see
    /// [`writer_alone`]). For the scheduler's batches of runs.
    pub async fn write_alone<T, F>(&self, f: F) -> Result<T>
    where
        F: FnOnce(&Tx) -> Result<T> + Send + 'static,
        T: Send + 'static,
    {
        match &self.engine {
            Engine::Lite(l) => l.writer.write_alone(f).await,
            Engine::Pg(p) => p.write(f).await,
        }
    }

    /// Writes run and commits made since open (group commit makes the second smaller).
    pub fn write_counts(&self) -> (u64, u64) {
        let l = match &self.engine {
            Engine::Lite(l) => l,
            Engine::Pg(p) => return p.write_counts(),
        };
        let c = l.writer.counts();
        (
            c.writes.load(Ordering::Relaxed),
            c.commits.load(Ordering::Relaxed),
        )
    }

    /// `(write calls SQLite made on the WAL, writes that reached the file)` in this process: the writer's
    /// WAL layer joins each commit's calls into one write (`wal_file`).
    pub fn wal_write_counts() -> (u64, u64) {
        wal_file::write_counts()
    }

    /// Runs `f` on a read-only connection (a consistent snapshot for its duration).
    pub async fn read<T, F>(&self, f: F) -> Result<T>
    where
        F: FnOnce(&Tx) -> Result<T> + Send + 'static,
        T: Send + 'static,
    {
        let l = match &self.engine {
            Engine::Lite(l) => l,
            Engine::Pg(p) => return p.read(f).await,
        };
        let i = l.next_reader.fetch_add(1, Ordering::Relaxed) % l.readers.len();
        l.readers[i]
            .call(move |conn| -> Result<T> {
                let tx = conn.transaction_with_behavior(TransactionBehavior::Deferred)?;
                let out = f(&Tx {
                    conn: sql::Conn::Lite(&tx),
                    writes: false,
                });
                tx.finish()?;
                out
            })
            .await
            .map_err(StoreError::from)
    }

    /// Size of the database in bytes: the SQLite file plus its WAL, or PostgreSQL's database size.
    pub async fn size(&self) -> u64 {
        if let Engine::Pg(p) = &self.engine {
            return p
                .read(|tx| {
                    tx.conn
                        .query_row("SELECT pg_database_size(current_database())", [], |r| {
                            r.get::<_, i64>(0)
                        })
                        .map_err(Into::into)
                })
                .await
                .map_or(0, |n| u64::try_from(n).unwrap_or(0));
        }
        self.size_bytes()
    }

    /// Size of the SQLite database file in bytes (main file plus WAL); 0 on PostgreSQL.
    pub fn size_bytes(&self) -> u64 {
        let Engine::Lite(l) = &self.engine else {
            return 0;
        };
        let main = std::fs::metadata(&l.path).map(|m| m.len()).unwrap_or(0);
        let wal = std::fs::metadata(l.path.with_extension("db-wal"))
            .map(|m| m.len())
            .unwrap_or(0);
        main + wal
    }

    /// Checkpoints the WAL and closes every connection; pending writes finish first.
    pub async fn close(self) -> Result<()> {
        let l = match self.engine {
            Engine::Lite(l) => l,
            Engine::Pg(p) => return p.close().await,
        };
        let mut checkpointer = l.checkpointer;
        tokio::task::spawn_blocking(move || checkpointer.stop())
            .await
            .map_err(|_| StoreError::Closed)?;
        for r in l.readers {
            r.close().await.map_err(|_| StoreError::Closed)?;
        }
        l.writer
            .raw(|conn| -> Result<()> {
                conn.execute_batch("PRAGMA optimize; PRAGMA wal_checkpoint(TRUNCATE);")?;
                Ok(())
            })
            .await?;
        l.writer.close().await
    }
}
