//! The PostgreSQL engine: a few writer and reader threads, each with its own session, run the same
//! repository closures as SQLite's writer and readers do, one transaction per closure. Several Baton servers
//! may share the database: each write is its own transaction, and rows read to be changed are locked
//! ([`super::sql::dialect::for_update`]) so two servers never both claim a run.

mod migrate;
mod replicas;

use super::error::{Result, StoreError};
use super::sql::{Conn, PgConn};
use super::Tx;
use std::any::Any;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::atomic::AtomicBool;
use std::sync::{mpsc, Arc, Mutex};
use tokio::sync::{oneshot, watch};

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
    /// Whether this server leads (holds the leader lock), kept by a thread of its own.
    leading: watch::Receiver<bool>,
    /// What other servers announce (`None`: the listening session was renewed and something may be missed).
    announced: Mutex<Option<tokio::sync::mpsc::UnboundedReceiver<Option<String>>>>,
    /// Ends the leadership and listening threads.
    stop: Arc<AtomicBool>,
    /// This server's name in announcements.
    origin: Arc<str>,
    /// Writes run; each commits alone.
    writes: Arc<std::sync::atomic::AtomicU64>,
    /// The URL without its password, for messages.
    shown: String,
}

/// A database URL as the `postgres` crate reads it: Prefect's `postgresql+asyncpg://` form is accepted.
pub fn parse_url(url: &str) -> Result<postgres::Config> {
    let plain = match url.split_once("://") {
        Some((scheme, rest))
            if scheme.starts_with("postgresql+") || scheme.starts_with("postgres+") =>
        {
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

fn connect(cfg: &postgres::Config, origin: &Arc<str>) -> Result<PgConn> {
    let client = cfg
        .connect(postgres::NoTls)
        .map_err(|e| StoreError::Database(e.into()))?;
    Ok(PgConn::new(client, origin.clone()))
}

pub use replicas::{notice, CHANNEL};

/// Announces log lines stored in the open transaction to the other servers (sent when it commits).
pub fn announce_logs(conn: &PgConn, ids: &[String]) -> crate::store::sql::Result<()> {
    for chunk in ids.chunks(replicas::LOG_IDS_PER_NOTICE) {
        replicas::announce(conn, serde_json::json!({ "logs": chunk }))?;
    }
    Ok(())
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
        let origin: Arc<str> = uuid::Uuid::new_v4().to_string().into();
        let (c, o) = (cfg.clone(), origin.clone());
        off_runtime(move || -> Result<()> {
            let conn = connect(&c, &o)?;
            migrate::apply(&conn)
        })
        .await??;
        let mut threads = Vec::new();
        let writers = start(&cfg, &origin, WRITERS, "baton-pg-writer", &mut threads)?;
        let readers = start(&cfg, &origin, READERS, "baton-pg-reader", &mut threads)?;
        let stop = Arc::new(AtomicBool::new(false));
        let thread_error =
            |e: std::io::Error| StoreError::Invalid(format!("cannot start a database thread: {e}"));
        let (lead_tx, leading) = watch::channel(false);
        let c = cfg.clone();
        threads.push(
            replicas::spawn("baton-pg-leader", stop.clone(), move |stop| {
                replicas::lead(&c, &lead_tx, stop)
            })
            .map_err(thread_error)?,
        );
        let (out, announced) = tokio::sync::mpsc::unbounded_channel();
        let c = cfg.clone();
        threads.push(
            replicas::spawn("baton-pg-listen", stop.clone(), move |stop| {
                replicas::listen(&c, &out, stop)
            })
            .map_err(thread_error)?,
        );
        Ok(PgEngine {
            writers: Mutex::new(Some(writers)),
            readers: Mutex::new(Some(readers)),
            threads: Mutex::new(threads),
            leading,
            announced: Mutex::new(Some(announced)),
            stop,
            origin,
            writes: Arc::default(),
            shown,
        })
    }

    /// Whether this server leads, as it changes.
    pub fn leadership(&self) -> watch::Receiver<bool> {
        self.leading.clone()
    }

    /// This server's name in announcements.
    pub fn origin(&self) -> &str {
        &self.origin
    }

    /// What other servers announce: each payload once, to the first caller.
    pub fn take_announcements(
        &self,
    ) -> Option<tokio::sync::mpsc::UnboundedReceiver<Option<String>>> {
        self.announced.lock().ok()?.take()
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
        self.writes
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        self.run(&self.writers, "BEGIN", f).await
    }

    /// Writes run and commits made (the same on PostgreSQL: no group commit).
    pub fn write_counts(&self) -> (u64, u64) {
        let n = self.writes.load(std::sync::atomic::Ordering::Relaxed);
        (n, n)
    }

    /// Runs `f` in a read-only transaction that sees one snapshot.
    pub async fn read<T, F>(&self, f: F) -> Result<T>
    where
        F: FnOnce(&Tx) -> Result<T> + Send + 'static,
        T: Send + 'static,
    {
        self.run(
            &self.readers,
            "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY",
            f,
        )
        .await
    }

    async fn run<T, F>(
        &self,
        queue: &Mutex<Option<mpsc::Sender<Job>>>,
        begin: &'static str,
        f: F,
    ) -> Result<T>
    where
        F: FnOnce(&Tx) -> Result<T> + Send + 'static,
        T: Send + 'static,
    {
        let (done, wait) = oneshot::channel::<Outcome<T>>();
        let job: Job = Box::new(move |conn| {
            let out = match conn {
                Err(e) => Ok(Err(e)),
                Ok(conn) => catch_unwind(AssertUnwindSafe(|| in_transaction(conn, begin, f)))
                    .inspect_err(|_| {
                        let _ = conn.batch("ROLLBACK");
                    }),
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
        self.stop.store(true, std::sync::atomic::Ordering::Relaxed);
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
    let out = f(&Tx {
        conn: Conn::Pg(conn),
        writes: begin == "BEGIN",
    });
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
    origin: &Arc<str>,
    n: usize,
    name: &str,
    threads: &mut Vec<std::thread::JoinHandle<()>>,
) -> Result<mpsc::Sender<Job>> {
    let (tx, rx) = mpsc::channel::<Job>();
    let rx = Arc::new(Mutex::new(rx));
    for _ in 0..n {
        let (cfg, rx, origin) = (cfg.clone(), rx.clone(), origin.clone());
        let t = std::thread::Builder::new()
            .name(name.into())
            .spawn(move || serve(&cfg, &origin, &rx))
            .map_err(|e| StoreError::Invalid(format!("cannot start a database thread: {e}")))?;
        threads.push(t);
    }
    Ok(tx)
}

/// One session's thread: takes jobs until the queue closes, reconnecting when the session was lost.
fn serve(cfg: &postgres::Config, origin: &Arc<str>, rx: &Mutex<mpsc::Receiver<Job>>) {
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
            match connect(cfg, origin) {
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
