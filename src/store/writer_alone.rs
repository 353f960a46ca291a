//! Writes that commit alone: a large write (a scheduler batch of thousands of runs) runs as the only write of
//! its transaction, without a savepoint. A savepoint lets one write of a group commit be undone without the
//! others, at the price of SQLite copying every page the write changes into the savepoint's journal; a write
//! alone in its transaction needs no such copy, since a failure rolls back the whole transaction and nothing
//! else is in it (a tenth of the writer's time when the scheduler materialised deployments).

use super::error::Result;
use super::writer::{answer_failed, call, exec, Outcome, Reply};
use super::writer_errors::copy_error;
use super::Tx;
use rusqlite::Connection;
use tokio::sync::oneshot;

/// A queued write that must be the only one in its transaction.
pub(super) struct AloneJob<F, T> {
    pub(super) f: F,
    pub(super) done: oneshot::Sender<Outcome<T>>,
}

/// A write alone in the transaction the writer has just begun.
pub(super) trait Alone: Send {
    /// Runs the closure; on failure rolls the whole transaction back. Returns the reply for after the
    /// commit, the error code when SQLite failed the write, and whether it succeeded (a failed write's
    /// transaction must never be committed, even if its rollback failed).
    fn run(self: Box<Self>, conn: &Connection) -> (Reply, Option<rusqlite::ffi::Error>, bool);
    fn fail(self: Box<Self>, e: super::StoreError);
}

impl<F, T> Alone for AloneJob<F, T>
where
    F: FnOnce(&Tx) -> Result<T> + Send,
    T: Send + 'static,
{
    fn run(self: Box<Self>, conn: &Connection) -> (Reply, Option<rusqlite::ffi::Error>, bool) {
        let done = self.done;
        match call(conn, self.f) {
            Ok(Ok(value)) => {
                let reply: Reply = Box::new(move |commit| {
                    let _ = done.send(Ok(commit.map(|_| value).map_err(|e| copy_error(e).into())));
                });
                (reply, None, true)
            }
            failed => {
                if !conn.is_autocommit() {
                    let _ = exec(conn, "ROLLBACK");
                }
                let (reply, code) = answer_failed(done, failed);
                (reply, code, false)
            }
        }
    }

    fn fail(self: Box<Self>, e: super::StoreError) {
        let _ = self.done.send(Ok(Err(e)));
    }
}
