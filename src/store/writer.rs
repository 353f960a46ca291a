//! The single writer with group commit. One thread owns the read-write connection. Callers queue closures;
//! the thread takes closures waiting at that moment (about half of them, see [`writer_batching`]) and runs
//! them in one transaction, each inside its own savepoint, then commits once. A closure that fails is rolled
//! back to its savepoint alone; the others still commit. Every caller is answered only after the commit, so
//! an acknowledged write is a committed write, exactly as with one transaction per call. What the batch
//! saves is the commit: the WAL frames of pages several writes touched (index leaves, the table's last page)
//! are written once per batch instead of once per write.
//!
//! [`writer_batching`]: super::writer_batching

use super::checkpoint::Drain;
use super::error::{Result, StoreError};
use super::writer_alone::{Alone, AloneJob};
pub use super::writer_batching::Batching;
use super::writer_errors::{copy_error, failure_code, sqlite_code};
use super::writer_group::{Group, RepeatJob, Repeatable};
use super::Tx;
use rusqlite::Connection;
use std::any::Any;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::atomic::{AtomicU64, Ordering::Relaxed};
use std::sync::{mpsc, Arc};
use tokio::sync::oneshot;

const LOST: &str = "the transaction was rolled back by an error in a write committed with it";

/// What a finished closure left for after the commit: answers its caller with the commit's outcome.
pub(super) type Reply = Box<dyn FnOnce(std::result::Result<(), &rusqlite::Error>) + Send>;

/// A queued closure: runs inside the open transaction under its own savepoint, or is failed unrun.
trait Work: Send {
    /// Runs the closure; returns its reply and, when it failed with a SQLite error, that error's code.
    fn run(self: Box<Self>, conn: &Connection) -> (Reply, Option<rusqlite::ffi::Error>);
    fn fail(self: Box<Self>, e: StoreError);
}

/// A queued write: an ordinary one runs under its own savepoint; a repeatable one shares a savepoint with
/// the repeatable writes next to it (see [`super::writer_group`]); one alone has a transaction to itself
/// (see [`super::writer_alone`]).
enum Job {
    Once(Box<dyn Work>),
    Repeatable(Box<dyn Repeatable>),
    Alone(Box<dyn Alone>),
}

impl Job {
    fn fail(self, e: StoreError) {
        match self {
            Job::Once(job) => job.fail(e),
            Job::Alone(job) => job.fail(e),
            Job::Repeatable(mut job) => {
                job.fail(e);
                job.finish()(Ok(()));
            }
        }
    }
}

struct WriteJob<F, T> {
    f: F,
    done: oneshot::Sender<Outcome<T>>,
}

impl<F, T> Work for WriteJob<F, T>
where
    F: FnOnce(&Tx) -> Result<T> + Send,
    T: Send + 'static,
{
    fn run(self: Box<Self>, conn: &Connection) -> (Reply, Option<rusqlite::ffi::Error>) {
        run_one(conn, self.f, self.done)
    }

    fn fail(self: Box<Self>, e: StoreError) {
        let _ = self.done.send(Ok(Err(e)));
    }
}

enum Msg {
    Write(Job),
    /// Runs outside any transaction (checkpoints, closing), then answers.
    Raw(Box<dyn FnOnce(&Connection) + Send>),
    /// Closes the connection and ends the thread, then answers.
    Close(oneshot::Sender<rusqlite::Result<()>>),
}

/// A handle on the writer thread; dropping every handle ends the thread.
#[derive(Debug, Clone)]
pub struct Writer {
    tx: mpsc::Sender<Msg>,
    counts: Arc<Counts>,
}

/// What the writer has done, for metrics and tests.
#[derive(Debug, Default)]
pub struct Counts {
    /// Writes queued and not yet started.
    pub queued: AtomicU64,
    /// Writes run (committed or not).
    pub writes: AtomicU64,
    /// Transactions committed.
    pub commits: AtomicU64,
}

/// The outcome a caller gets: its value, its error, or the panic of its closure (re-raised in the caller).
pub(super) type Outcome<T> = std::result::Result<Result<T>, Box<dyn Any + Send>>;

impl Writer {
    /// Starts the writer thread on `conn` (already configured and migrated).
    pub fn start(conn: Connection, drain: Arc<Drain>) -> std::io::Result<Writer> {
        Writer::start_with(conn, drain, Batching::HALVES)
    }

    /// As [`Writer::start`], with batches sized by `batching`.
    pub fn start_with(
        conn: Connection,
        drain: Arc<Drain>,
        batching: Batching,
    ) -> std::io::Result<Writer> {
        let (tx, rx) = mpsc::channel();
        let counts = Arc::new(Counts::default());
        let c = counts.clone();
        std::thread::Builder::new()
            .name("baton-writer".into())
            .spawn(move || run(conn, rx, &c, &drain, batching))?;
        Ok(Writer { tx, counts })
    }

    /// What the writer has done so far.
    pub fn counts(&self) -> &Counts {
        &self.counts
    }

    /// Runs `f` in a write transaction shared with whatever else is queued; resolves after the commit.
    pub async fn write<T, F>(&self, f: F) -> Result<T>
    where
        F: FnOnce(&Tx) -> Result<T> + Send + 'static,
        T: Send + 'static,
    {
        let (done, wait) = oneshot::channel::<Outcome<T>>();
        self.queue(Job::Once(Box::new(WriteJob { f, done })), wait)
            .await
    }

    /// As [`Writer::write`], for a closure that may run more than once before its one commit (it may be
    /// undone and run again when a write committed with it fails): it shares a savepoint with the
    /// repeatable writes next to it instead of having its own. For the hot paths.
    pub async fn write_repeatable<T, F>(&self, f: F) -> Result<T>
    where
        F: Fn(&Tx) -> Result<T> + Send + 'static,
        T: Send + 'static,
    {
        let (done, wait) = oneshot::channel::<Outcome<T>>();
        let job = RepeatJob { f, out: None, done };
        self.queue(Job::Repeatable(Box::new(job)), wait).await
    }

    /// As [`Writer::write`], for a large write: it runs alone in its own transaction, without a savepoint.
    pub async fn write_alone<T, F>(&self, f: F) -> Result<T>
    where
        F: FnOnce(&Tx) -> Result<T> + Send + 'static,
        T: Send + 'static,
    {
        let (done, wait) = oneshot::channel::<Outcome<T>>();
        self.queue(Job::Alone(Box::new(AloneJob { f, done })), wait)
            .await
    }

    async fn queue<T>(&self, job: Job, wait: oneshot::Receiver<Outcome<T>>) -> Result<T> {
        self.counts.queued.fetch_add(1, Relaxed);
        self.tx
            .send(Msg::Write(job))
            .map_err(|_| StoreError::Closed)?;
        match wait.await {
            Ok(Ok(out)) => out,
            Ok(Err(panic)) => std::panic::resume_unwind(panic),
            Err(_) => Err(StoreError::Closed),
        }
    }

    /// Runs `f` on the connection outside any transaction, after every write queued before it.
    pub async fn raw<T, F>(&self, f: F) -> Result<T>
    where
        F: FnOnce(&Connection) -> Result<T> + Send + 'static,
        T: Send + 'static,
    {
        let (done, wait) = oneshot::channel();
        let job = Box::new(move |conn: &Connection| {
            let _ = done.send(f(conn));
        });
        self.tx
            .send(Msg::Raw(job))
            .map_err(|_| StoreError::Closed)?;
        wait.await.map_err(|_| StoreError::Closed)?
    }

    /// Closes the connection once every queued message has run; later calls get [`StoreError::Closed`].
    pub async fn close(&self) -> Result<()> {
        let (done, wait) = oneshot::channel();
        self.tx
            .send(Msg::Close(done))
            .map_err(|_| StoreError::Closed)?;
        Ok(wait.await.map_err(|_| StoreError::Closed)??)
    }
}

/// Runs one closure under a savepoint. Its reply waits for the commit when it succeeded; a failure or panic
/// is rolled back to the savepoint and answered at once.
fn run_one<T, F>(
    conn: &Connection,
    f: F,
    done: oneshot::Sender<Outcome<T>>,
) -> (Reply, Option<rusqlite::ffi::Error>)
where
    F: FnOnce(&Tx) -> Result<T>,
    T: Send + 'static,
{
    if let Err(e) = exec(conn, "SAVEPOINT job") {
        let code = sqlite_code(&e);
        let _ = done.send(Ok(Err(e.into())));
        return (Box::new(|_| {}), code);
    }
    match call(conn, f) {
        Ok(Ok(value)) => {
            let released = exec(conn, "RELEASE job");
            let code = released.as_ref().err().and_then(sqlite_code);
            let reply: Reply = Box::new(move |commit| {
                let r = match (released, commit) {
                    (Err(e), _) => Err(e.into()),
                    (Ok(()), Err(e)) => Err(copy_error(e).into()),
                    (Ok(()), Ok(())) => Ok(value),
                };
                let _ = done.send(Ok(r));
            });
            (reply, code)
        }
        failed => {
            // SQLite may already have rolled the whole transaction back (e.g. on a full disk); the run
            // loop sees that from autocommit and fails the batch's earlier writes.
            if !conn.is_autocommit() {
                let _ = exec(conn, "ROLLBACK TO job").and_then(|_| exec(conn, "RELEASE job"));
            }
            answer_failed(done, failed)
        }
    }
}

/// Answers a write that failed or panicked (already undone) at once; returns the reply for after the
/// commit, which has nothing left to say, and the failure's SQLite code when SQLite failed it.
pub(super) fn answer_failed<T>(
    done: oneshot::Sender<Outcome<T>>,
    failed: Outcome<T>,
) -> (Reply, Option<rusqlite::ffi::Error>) {
    debug_assert!(
        !matches!(failed, Ok(Ok(_))),
        "only failures are answered before the commit"
    );
    let code = match &failed {
        Ok(Err(e)) => failure_code(e),
        _ => None,
    };
    let _ = done.send(failed);
    (Box::new(|_| {}), code)
}

/// Calls a write closure on the writer's open transaction; a panic is caught and returned.
pub(super) fn call<T>(conn: &Connection, f: impl FnOnce(&Tx) -> Result<T>) -> Outcome<T> {
    catch_unwind(AssertUnwindSafe(|| {
        f(&Tx {
            conn: super::sql::Conn::Lite(conn),
            writes: true,
        })
    }))
}

/// Runs a statement without parameters through the statement cache.
pub(super) fn exec(conn: &Connection, sql: &str) -> rusqlite::Result<()> {
    conn.prepare_cached(sql)?.execute([]).map(|_| ())
}

fn run(
    conn: Connection,
    rx: mpsc::Receiver<Msg>,
    counts: &Counts,
    drain: &Drain,
    batching: Batching,
) {
    let mut next = rx.recv().ok();
    while let Some(msg) = next.take() {
        drain.pause_if_asked();
        match msg {
            Msg::Raw(f) => f(&conn),
            Msg::Write(job) => next = batch(&conn, job, &rx, counts, batching),
            Msg::Close(done) => {
                let closed = conn.close().map_err(|(_, e)| e);
                let _ = done.send(closed);
                return;
            }
        }
        if next.is_none() {
            next = rx.recv().ok();
        }
    }
}

/// Commits `first` and writes queued behind it (as many as `batching` takes) together; returns a raw
/// message that ended the batch early, to be run next.
fn batch(
    conn: &Connection,
    first: Job,
    rx: &mpsc::Receiver<Msg>,
    counts: &Counts,
    batching: Batching,
) -> Option<Msg> {
    let mut replies: Vec<Reply> = Vec::new();
    let mut group = Group::default();
    let alone = matches!(first, Job::Alone(_));
    let mut doomed = false;
    let mut queue = Some(first);
    let mut taken = 0;
    let mut leftover = None;
    while let Some(job) = queue.take() {
        counts.queued.fetch_sub(1, Relaxed);
        counts.writes.fetch_add(1, Relaxed);
        let fresh = conn.is_autocommit();
        let begun = if fresh {
            exec(conn, "BEGIN IMMEDIATE")
        } else {
            Ok(())
        };
        if let Err(e) = begun {
            job.fail(e.into());
            break;
        }
        let failure = match job {
            Job::Once(job) => {
                group.close(conn, &mut replies);
                let (reply, failure) = job.run(conn);
                replies.push(reply);
                failure
            }
            Job::Repeatable(job) => group.run(conn, job, &mut replies, fresh),
            Job::Alone(job) => {
                let (reply, failure, ok) = job.run(conn);
                doomed = !ok;
                replies.push(reply);
                failure
            }
        };
        taken += 1;
        if conn.is_autocommit() {
            group.close(conn, &mut replies);
            // The last job's failure rolled back the whole transaction: the earlier ones are gone too,
            // with the same cause (a full disk stays a full disk for each of them).
            let lost = rusqlite::Error::SqliteFailure(
                failure.unwrap_or(rusqlite::ffi::Error::new(rusqlite::ffi::SQLITE_ABORT)),
                Some(LOST.into()),
            );
            for reply in replies.drain(..) {
                reply(Err(&lost));
            }
        }
        if !alone && batching.takes_more(taken, counts.queued.load(Relaxed) as usize) {
            match rx.try_recv() {
                // A write that must be alone starts the next transaction.
                Ok(Msg::Write(job @ Job::Alone(_))) => leftover = Some(Msg::Write(job)),
                Ok(Msg::Write(job)) => queue = Some(job),
                Ok(raw) => leftover = Some(raw),
                Err(_) => {}
            }
        }
    }
    group.close(conn, &mut replies);
    let commit = if conn.is_autocommit() {
        Ok(())
    } else if doomed {
        // A failed write alone whose rollback failed: its transaction is still open and must not commit.
        // Its caller has its answer; nothing was committed.
        let _ = exec(conn, "ROLLBACK");
        replies.clear();
        Ok(())
    } else {
        exec(conn, "COMMIT").inspect_err(|_| {
            let _ = exec(conn, "ROLLBACK");
        })
    };
    if commit.is_ok() && !replies.is_empty() {
        counts.commits.fetch_add(1, Relaxed);
    }
    for reply in replies {
        reply(commit.as_ref().map(|_| ()));
    }
    leftover
}

#[cfg(test)]
#[path = "writer_tests.rs"]
mod tests;
