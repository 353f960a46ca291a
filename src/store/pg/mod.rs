//! The PostgreSQL engine: a few writer and reader threads, each with its own session, run the same
//! repository closures as SQLite's writer and readers do, one transaction per closure. Several Baton servers
//! may share the database: each write is its own transaction, and rows read to be changed are locked
//! ([`super::sql::dialect::for_update`]) so two servers never both claim a run.

mod migrate;

use super::error::{Result, StoreError};
use super::sql::{Conn, PgConn};
use super::Tx;
use std::any::Any;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::{mpsc, Arc, Mutex};
use tokio::sync::oneshot;

pub use migrate::KNOWN_VERSION;

/// Sessions that run writes, and sessions that run reads, per server.
const WRITERS: usize = 4;
const READERS: usize = 4;

type Job = Box<dyn FnOnce(std::result::Result<&PgConn, StoreError>) + Send>;
type Outcome<T> = std::result::Result<Result<T>, Box<dyn Any + Send>>;

/// A PostgreSQL database, shared with any other Baton servers that use it.
#[derive(Debug)]
pub struct PgEngine {
    writers: Mutex<Option<mpsc::Sender<Job>>>,
    readers: Mutex<Option<mpsc::Sender<Job>>>,
    threads: Mutex<Vec<std::thread::JoinHandle<()>>>,
    /// The URL without its password, for messages.
    shown: String,
}

/// A database URL as the `postgres` crate reads it: Prefect's `postgresql+asyncpg://` form is accepted.
pub fn parse_url(url: &str) -> Result<postgres::Config> {
    let plain = match url.split_once("://") {
        Some((scheme, rest)) if scheme.starts_with("postgresql+") || scheme.starts_with("postgres+") => {
            format!("postgresql://{rest}")
        }
        _ => url.to_string(),
    };
    plain
        .parse::<postgres::Config>()
        .map_err(|e| StoreError::Invalid(format!("invalid PostgreSQL URL: {e}")))
}

/// Whether `url` names a PostgreSQL database (rather than a SQLite file).
pub fn is_url(url: &str) -> bool {
    url.starts_with("postgresql://")
        || url.starts_with("postgres://")
        || url.starts_with("postgresql+")
        || url.starts_with("postgres+")
}

fn shown(cfg: &postgres::Config) -> String {
    let host = cfg.get_hosts().first().map_or("?".into(), |h| match h {
        postgres::config::Host::Tcp(h) => h.clone(),
        postgres::config::Host::Unix(p) => p.display().to_string(),
    });
    let port = cfg.get_ports().first().copied().unwrap_or(5432);
    let db = cfg.get_dbname().unwrap_or("");
    format!("postgresql://{host}:{port}/{db}")
}

fn connect(cfg: &postgres::Config) -> Result<PgConn> {
    let client = cfg
        .connect(postgres::NoTls)
        .map_err(|e| StoreError::Database(e.into()))?;
    Ok(PgConn::new(client))
}

/// Runs `f` on a thread outside the async runtime (the `postgres` crate runs its own runtime inside).
async fn off_runtime<T: Send + 'static>(f: impl FnOnce() -> T + Send + 'static) -> Result<T> {
    let (tx, rx) = oneshot::channel();
    std::thread::Builder::new()
        .name("baton-pg-open".into())
        .spawn(move || {
            let _ = tx.send(f());
        })
        .map_err(|e| StoreError::Invalid(format!("cannot start a database thread: {e}")))?;
    rx.await.map_err(|_| StoreError::Closed)
}

impl PgEngine {
    /// Connects, migrates (once among servers starting together), and starts the sessions.
    pub async fn open(url: &str) -> Result<PgEngine> {
        let cfg = parse_url(url)?;
        let shown = shown(&cfg);
        let c = cfg.clone();
        off_runtime(move || -> Result<()> {
            let conn = connect(&c)?;
            migrate::apply(&conn)
        })
        .await??;
        let mut threads = Vec::new();
        let writers = start(&cfg, WRITERS, "baton-pg-writer", &mut threads)?;
        let readers = start(&cfg, READERS, "baton-pg-reader", &mut threads)?;
        Ok(PgEngine {
            writers: Mutex::new(Some(writers)),
            readers: Mutex::new(Some(readers)),
            threads: Mutex::new(threads),
            shown,
        })
    }

    /// The database, without credentials.
    pub fn shown(&self) -> &str {
        &self.shown
    }

    /// Runs `f` in its own read-committed transaction.
    pub async fn write<T, F>(&self, f: F) -> Result<T>
    where
        F: FnOnce(&Tx) -> Result<T> + Send + 'static,
        T: Send + 'static,
    {
        self.run(&self.writers, "BEGIN", f).await
    }

    /// Runs `f` in a read-only transaction that sees one snapshot.
    pub async fn read<T, F>(&self, f: F) -> Result<T>
    where
        F: FnOnce(&Tx) -> Result<T> + Send + 'static,
        T: Send + 'static,
    {
        self.run(&self.readers, "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY", f)
            .await
    }

    async fn run<T, F>(&self, queue: &Mutex<Option<mpsc::Sender<Job>>>, begin: &'static str, f: F) -> Result<T>
    where
        F: FnOnce(&Tx) -> Result<T> + Send + 'static,
        T: Send + 'static,
    {
        let (done, wait) = oneshot::channel::<Outcome<T>>();
        let job: Job = Box::new(move |conn| {
            let out = match conn {
                Err(e) => Ok(Err(e)),
                Ok(conn) => catch_unwind(AssertUnwindSafe(|| in_transaction(conn, begin, f))).inspect_err(
                    |_| {
                        let _ = conn.batch("ROLLBACK");
                    },
                ),
            };
            let _ = done.send(out);
        });
        let sender = queue
            .lock()
            .map_err(|_| StoreError::Closed)?
            .clone()
            .ok_or(StoreError::Closed)?;
        sender.send(job).map_err(|_| StoreError::Closed)?;
        match wait.await {
            Ok(Ok(out)) => out,
            Ok(Err(panic)) => std::panic::resume_unwind(panic),
            Err(_) => Err(StoreError::Closed),
        }
    }

    /// Finishes queued work and closes every session.
    pub async fn close(&self) -> Result<()> {
        self.writers.lock().map_err(|_| StoreError::Closed)?.take();
        self.readers.lock().map_err(|_| StoreError::Closed)?.take();
        let threads = std::mem::take(&mut *self.threads.lock().map_err(|_| StoreError::Closed)?);
        tokio::task::spawn_blocking(move || {
            for t in threads {
                let _ = t.join();
            }
        })
        .await
        .map_err(|_| StoreError::Closed)
    }
}

fn in_transaction<T>(conn: &PgConn, begin: &str, f: impl FnOnce(&Tx) -> Result<T>) -> Result<T> {
    conn.batch(begin)?;
    let out = f(&Tx { conn: Conn::Pg(conn) });
    match out {
        Ok(v) => {
            conn.batch("COMMIT")?;
            Ok(v)
        }
        Err(e) => {
            conn.batch("ROLLBACK")?;
            Err(e)
        }
    }
}

fn start(
    cfg: &postgres::Config,
    n: usize,
    name: &str,
    threads: &mut Vec<std::thread::JoinHandle<()>>,
) -> Result<mpsc::Sender<Job>> {
    let (tx, rx) = mpsc::channel::<Job>();
    let rx = Arc::new(Mutex::new(rx));
    for _ in 0..n {
        let (cfg, rx) = (cfg.clone(), rx.clone());
        let t = std::thread::Builder::new()
            .name(name.into())
            .spawn(move || serve(&cfg, &rx))
            .map_err(|e| StoreError::Invalid(format!("cannot start a database thread: {e}")))?;
        threads.push(t);
    }
    Ok(tx)
}

/// One session's thread: takes jobs until the queue closes, reconnecting when the session was lost.
fn serve(cfg: &postgres::Config, rx: &Mutex<mpsc::Receiver<Job>>) {
    let mut conn: Option<PgConn> = None;
    loop {
        let job = match rx.lock() {
            Ok(r) => match r.recv() {
                Ok(job) => job,
                Err(_) => return,
            },
            Err(_) => return,
        };
        if conn.as_ref().is_none_or(|c| c.client().is_closed()) {
            conn = None;
            match connect(cfg) {
                Ok(c) => conn = Some(c),
                Err(e) => {
                    job(Err(e));
                    continue;
                }
            }
        }
        if let Some(c) = &conn {
            job(Ok(c));
        }
    }
}
