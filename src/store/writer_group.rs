//! Repeatable writes: closures the writer may run more than once before their one commit. A batch's
//! repeatable writes share one savepoint instead of one each. SQLite copies every page a savepoint's writes
//! touch into its statement journal, once per savepoint: with one savepoint per write, eight writes to the
//! same index pages copied them eight times (13 % of the writer's time creating flow runs).
//!
//! A group that opens its transaction takes no savepoint at all: rolling the transaction back undoes the
//! same writes, and the copies into the savepoint's journal were still 8 % of the writer's time creating
//! runs.
//!
//! A repeatable write that fails without having changed a row needs nothing undone. One that fails after
//! changing rows (or panics) is undone with everything else under the shared savepoint (or with the whole
//! transaction, begun again at once), and the others are then run again, each under its own savepoint, as
//! ordinary writes are. Nobody has been answered yet, so a second run only changes what the first would
//! have returned (a new id, a later time).

use super::error::{Result, StoreError};
use super::writer::{call, exec, Outcome, Reply};
use super::writer_errors::{failure_code, sqlite_code};
use super::Tx;
use rusqlite::Connection;
use tokio::sync::oneshot;

/// A queued repeatable write.
pub(super) trait Repeatable: Send {
    /// Runs the closure in the open transaction, with no savepoint of its own, and keeps its outcome.
    /// Returns whether its changes must be undone (it failed after changing rows, or panicked), with the
    /// SQLite error code of its failure.
    fn attempt(&mut self, conn: &Connection) -> Attempt;
    /// Answers a failure at once; a success is answered with the commit's outcome.
    fn finish(self: Box<Self>) -> Reply;
    /// Fails it unrun (its reply is `e`).
    fn fail(&mut self, e: StoreError);
}

/// How an attempt ended.
pub(super) struct Attempt {
    /// It failed after changing rows, or panicked: what it did must be undone.
    pub dirty: bool,
    /// The SQLite error code of its failure, if it had one.
    pub code: Option<rusqlite::ffi::Error>,
}

pub(super) struct RepeatJob<F, T> {
    pub f: F,
    pub out: Option<Outcome<T>>,
    pub done: oneshot::Sender<Outcome<T>>,
}

impl<F, T> Repeatable for RepeatJob<F, T>
where
    F: Fn(&Tx) -> Result<T> + Send,
    T: Send + 'static,
{
    fn attempt(&mut self, conn: &Connection) -> Attempt {
        let before = conn.total_changes();
        let out = call(conn, &self.f);
        let attempt = match &out {
            Ok(Ok(_)) => Attempt {
                dirty: false,
                code: None,
            },
            Ok(Err(e)) => Attempt {
                dirty: conn.total_changes() != before,
                code: failure_code(e),
            },
            Err(_) => Attempt {
                dirty: true,
                code: None,
            },
        };
        self.out = Some(out);
        attempt
    }

    fn finish(self: Box<Self>) -> Reply {
        let RepeatJob { out, done, .. } = *self;
        match out {
            Some(Ok(Ok(value))) => Box::new(move |commit| {
                let r = commit
                    .map(|()| value)
                    .map_err(|e| super::writer_errors::copy_error(e).into());
                let _ = done.send(Ok(r));
            }),
            // Every job is attempted or failed before it is finished; `Closed` is only a safe default.
            failed => {
                let _ = done.send(failed.unwrap_or(Ok(Err(StoreError::Closed))));
                Box::new(|_| {})
            }
        }
    }

    fn fail(&mut self, e: StoreError) {
        self.out = Some(Ok(Err(e)));
    }
}

/// The repeatable writes run since the batch's last ordinary write, under one savepoint, or under none
/// when the group opened the transaction (`bare`).
#[derive(Default)]
pub(super) struct Group {
    jobs: Vec<Box<dyn Repeatable>>,
    bare: bool,
}

impl Group {
    /// Runs `job` under the group's savepoint (opened by the group's first write, unless that write began
    /// the transaction: `fresh`). When it must be undone, undoes the whole group and runs the others again
    /// one by one; their replies and its own go to `replies` then. Returns the SQLite error code of its
    /// failure, if any.
    pub fn run(
        &mut self,
        conn: &Connection,
        mut job: Box<dyn Repeatable>,
        replies: &mut Vec<Reply>,
        fresh: bool,
    ) -> Option<rusqlite::ffi::Error> {
        if self.jobs.is_empty() {
            self.bare = fresh;
        }
        if self.jobs.is_empty() && !self.bare {
            if let Err(e) = exec(conn, "SAVEPOINT grp") {
                let code = sqlite_code(&e);
                job.fail(e.into());
                replies.push(job.finish());
                return code;
            }
        }
        let attempt = job.attempt(conn);
        if !attempt.dirty {
            self.jobs.push(job);
            return attempt.code;
        }
        // SQLite may already have rolled the whole transaction back (a full disk); the run loop sees that
        // from autocommit and fails every reply of the batch with the cause.
        if !conn.is_autocommit() {
            let _ = self.undo(conn);
        }
        for mut other in std::mem::take(&mut self.jobs) {
            if !conn.is_autocommit() {
                alone(conn, other.as_mut());
            }
            replies.push(other.finish());
        }
        replies.push(job.finish());
        attempt.code
    }

    /// Ends the group before an ordinary write or the commit: releases its savepoint and hands over its
    /// replies.
    pub fn close(&mut self, conn: &Connection, replies: &mut Vec<Reply>) {
        if self.jobs.is_empty() {
            return;
        }
        if !conn.is_autocommit() && !self.bare {
            if let Err(e) = exec(conn, "RELEASE grp") {
                // Not expected (a release only drops the savepoint's journal); the commit then decides.
                tracing::warn!("releasing a group of writes: {e}");
            }
        }
        replies.extend(self.jobs.drain(..).map(|j| j.finish()));
    }
}

impl Group {
    /// Undoes the group's writes: back to its savepoint, or the whole transaction, begun again for the
    /// writes that run again. When that begin fails, the connection is left in autocommit, and the batch
    /// fails every reply with the cause.
    fn undo(&self, conn: &Connection) -> rusqlite::Result<()> {
        if self.bare {
            exec(conn, "ROLLBACK")?;
            exec(conn, "BEGIN IMMEDIATE")
        } else {
            exec(conn, "ROLLBACK TO grp")?;
            exec(conn, "RELEASE grp")
        }
    }
}

/// Runs a repeatable write again under its own savepoint, as an ordinary write runs.
fn alone(conn: &Connection, job: &mut dyn Repeatable) {
    if let Err(e) = exec(conn, "SAVEPOINT job") {
        job.fail(e.into());
        return;
    }
    let attempt = job.attempt(conn);
    if conn.is_autocommit() {
        return;
    }
    if attempt.dirty {
        let _ = exec(conn, "ROLLBACK TO job");
    }
    let _ = exec(conn, "RELEASE job");
}
