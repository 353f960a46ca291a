//! WAL checkpoints off the writer's path. SQLite's automatic checkpoint runs inside the commit that crosses
//! the threshold, so every thousandth page or so one API write waited for the database file to be written
//! and synced. Here a thread with its own connection copies the WAL back every [`EVERY`] instead; the
//! writer's own automatic checkpoint stays as a backstop at a higher threshold ([`BACKSTOP_PAGES`]) should
//! this thread fall behind.

use rusqlite::Connection;
use std::sync::mpsc;
use std::thread::JoinHandle;
use std::time::Duration;

/// How often the WAL is copied back into the database file.
pub const EVERY: Duration = Duration::from_millis(20);

/// The writer's automatic checkpoint threshold (pages of WAL), reached only when this thread falls behind.
pub const BACKSTOP_PAGES: u32 = 10_000;

/// The checkpoint thread; stopped by [`Checkpointer::stop`] (or when dropped).
#[derive(Debug)]
pub struct Checkpointer {
    stop: Option<mpsc::Sender<()>>,
    thread: Option<JoinHandle<()>>,
}

impl Checkpointer {
    /// Starts checkpointing the database `conn` is open on.
    pub fn start(conn: Connection) -> std::io::Result<Checkpointer> {
        let (stop, stopped) = mpsc::channel::<()>();
        let thread = std::thread::Builder::new()
            .name("baton-checkpoint".into())
            .spawn(move || {
                while let Err(mpsc::RecvTimeoutError::Timeout) = stopped.recv_timeout(EVERY) {
                    if let Err(e) = passive(&conn) {
                        tracing::warn!("WAL checkpoint failed: {e}");
                    }
                }
            })?;
        Ok(Checkpointer {
            stop: Some(stop),
            thread: Some(thread),
        })
    }

    /// Stops the thread and waits for it (at most one checkpoint's time).
    pub fn stop(&mut self) {
        self.stop.take();
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

impl Drop for Checkpointer {
    fn drop(&mut self) {
        self.stop.take();
    }
}

/// One passive checkpoint: copies what no reader still needs, never waits for the writer or readers.
fn passive(conn: &Connection) -> rusqlite::Result<()> {
    conn.query_row("PRAGMA wal_checkpoint(PASSIVE)", [], |_| Ok(()))
}
