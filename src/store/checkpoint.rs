//! WAL checkpoints off the writer's path. SQLite's automatic checkpoint runs inside the commit that crosses
//! its threshold: that commit waits while the WAL is copied into the database file and both are synced
//! (75–100 ms here under load), and every write queued behind it waits too. Here a thread with its own
//! connection copies the WAL back every [`EVERY`] (passive: it never blocks the writer or readers).
//!
//! A passive checkpoint cannot start the WAL over; only the writer's next transaction does, and only when
//! every frame has been copied back. Under continuous writes that moment never comes and the WAL grows
//! without bound. So when the WAL passes [`DRAIN_AT`] frames, the checkpointer asks the writer to pause
//! between two batches; it copies the few frames written since its last pass and answers, and the
//! writer's next transaction starts the WAL over. The pause lasts one small checkpoint, at most
//! [`MAX_PAUSE`]. The writer's automatic checkpoint stays as a backstop at [`BACKSTOP_PAGES`].

use rusqlite::Connection;
use std::sync::atomic::{AtomicBool, Ordering::Relaxed};
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

/// How often the WAL is copied back into the database file.
pub const EVERY: Duration = Duration::from_millis(10);

/// How often the database file is synced after the passes that copied into it, until a drain nears. Each
/// sync has the kernel write back every page the passes since the last one copied, once however often it
/// was copied (the pages a stream of writes keeps dirtying are few): synced after every 10 ms pass, that
/// writeback was most of this thread's CPU.
pub const SYNC_EVERY: Duration = Duration::from_millis(100);

/// WAL frames (pages) after which the writer is asked to let the WAL start over: a WAL file of ~128 MiB
/// under writes that never stop. Each drain pauses the writer for one checkpoint with its two syncs
/// (~2–3 ms here); at 16,000 frames, 3–4 pauses a second under load set the writes' p99.
pub const DRAIN_AT: i64 = 32_000;

/// The longest the writer waits for a drain (a reader holding an old snapshot can keep it from finishing).
pub const MAX_PAUSE: Duration = Duration::from_millis(50);

/// The writer's automatic checkpoint threshold (pages of WAL), reached only if this thread stops working:
/// well above the drain's later asks after a drain that could not finish (each [`DRAIN_AT`] further on).
pub const BACKSTOP_PAGES: u32 = 200_000;

#[derive(Debug, Default)]
struct Flags {
    /// The checkpointer asks the writer to pause.
    wanted: bool,
    /// The writer is paused, waiting for the drain.
    writer_waiting: bool,
    stop: bool,
}

/// What the writer and the checkpointer share.
#[derive(Debug)]
pub struct Drain {
    flags: Mutex<Flags>,
    changed: Condvar,
    /// `flags.wanted`, readable without the lock on the writer's path.
    wanted: AtomicBool,
    /// WAL frames after which the writer is asked to pause ([`DRAIN_AT`] but in tests).
    drain_at: i64,
    /// The longest pause ([`MAX_PAUSE`] but in tests).
    max_pause: Duration,
    /// How many pauses ended with the WAL copied back (so that it started over).
    drained: std::sync::atomic::AtomicU64,
}

impl Default for Drain {
    fn default() -> Self {
        Drain::new(DRAIN_AT, MAX_PAUSE)
    }
}

impl Drain {
    /// Asks for a drain after `drain_at` WAL frames; the writer waits at most `max_pause` for it.
    pub fn new(drain_at: i64, max_pause: Duration) -> Drain {
        Drain {
            flags: Mutex::default(),
            changed: Condvar::new(),
            wanted: AtomicBool::new(false),
            drain_at,
            max_pause,
            drained: Default::default(),
        }
    }

    fn lock(&self) -> MutexGuard<'_, Flags> {
        self.flags.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Tells the checkpoint thread to end (and a paused writer to go on).
    fn stop(&self) {
        self.lock().stop = true;
        self.changed.notify_all();
    }

    /// Called by the writer between batches: when asked, waits (at most [`MAX_PAUSE`]) until the WAL has
    /// been copied back completely.
    pub fn pause_if_asked(&self) {
        if !self.wanted.load(Relaxed) {
            return;
        }
        let deadline = Instant::now() + self.max_pause;
        let mut f = self.lock();
        f.writer_waiting = true;
        self.changed.notify_all();
        while f.wanted && !f.stop {
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                break;
            }
            f = self
                .changed
                .wait_timeout(f, left)
                .unwrap_or_else(|p| p.into_inner())
                .0;
        }
        if !f.wanted {
            self.drained.fetch_add(1, Relaxed);
        }
        f.writer_waiting = false;
        f.wanted = false;
        self.wanted.store(false, Relaxed);
    }

    /// How many of the writer's pauses ended with the WAL copied back completely.
    #[cfg(test)]
    pub fn drained(&self) -> u64 {
        self.drained.load(Relaxed)
    }
}

/// The checkpoint thread; stopped by [`Checkpointer::stop`] (or when dropped).
#[derive(Debug)]
pub struct Checkpointer {
    drain: Arc<Drain>,
    thread: Option<JoinHandle<()>>,
}

impl Checkpointer {
    /// Starts checkpointing the database `conn` is open on; the writer pauses through `drain`.
    pub fn start(conn: Connection, drain: Arc<Drain>) -> std::io::Result<Checkpointer> {
        let shared = drain.clone();
        let db = conn.path().and_then(|p| std::fs::File::open(p).ok());
        let thread = std::thread::Builder::new()
            .name("baton-checkpoint".into())
            .spawn(move || run(&conn, db.as_ref(), &shared))?;
        Ok(Checkpointer {
            drain,
            thread: Some(thread),
        })
    }

    /// Stops the thread and waits for it (at most one checkpoint's time).
    pub fn stop(&mut self) {
        self.drain.stop();
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

impl Drop for Checkpointer {
    fn drop(&mut self) {
        self.drain.stop();
    }
}

fn run(conn: &Connection, db: Option<&std::fs::File>, drain: &Drain) {
    // WAL size at which to ask next: raised after a drain that could not finish (an old reader, or a pass
    // slower than MAX_PAUSE), so the writer is not paused again at once.
    let drain_at = drain.drain_at;
    let mut ask_at = drain_at;
    let mut asked = false;
    let (mut unsynced, mut last_sync) = (false, Instant::now());
    loop {
        {
            let f = drain.lock();
            if f.stop {
                return;
            }
            // Skip the wait only for a writer paused on a request not yet answered.
            if !(f.writer_waiting && f.wanted) {
                let (f, _) = drain
                    .changed
                    .wait_timeout(f, EVERY)
                    .unwrap_or_else(|p| p.into_inner());
                if f.stop {
                    return;
                }
            }
        }
        let (log, copied) = match passive(conn) {
            Ok(r) => r,
            Err(e) => {
                tracing::warn!("WAL checkpoint failed: {e}");
                continue;
            }
        };
        // SQLite syncs the database file only in a pass that copies the whole WAL, which under continuous
        // writes is the drain, with the writer waiting. Syncing here keeps what that sync has left to write
        // small: every SYNC_EVERY, and after every pass once the drain nears.
        unsynced |= copied > 0;
        if let (Some(db), true) = (db, unsynced && sync_now(last_sync.elapsed(), log, ask_at)) {
            if let Err(e) = db.sync_data() {
                tracing::warn!("syncing the database file failed: {e}");
            }
            (unsynced, last_sync) = (false, Instant::now());
        }
        let mut f = drain.lock();
        if log < drain_at {
            ask_at = drain_at;
        }
        if asked {
            if f.writer_waiting && f.wanted {
                // Copied back while the writer waited: its next transaction starts the WAL over (a commit
                // between this pass and that transaction would have prevented it, hence the pause).
                if copied < log {
                    ask_at = log + drain_at;
                }
                f.wanted = false;
                drain.wanted.store(false, Relaxed);
                drain.changed.notify_all();
                asked = false;
            } else if !f.wanted {
                // The writer stopped waiting before this pass finished.
                ask_at = log + drain_at;
                asked = false;
            }
        } else if log >= ask_at {
            f.wanted = true;
            drain.wanted.store(true, Relaxed);
            asked = true;
        }
    }
}

/// Whether to sync the database file after a pass, `since` the last sync, with `log` frames in the WAL and
/// the drain asked for at `ask_at`: every [`SYNC_EVERY`], and always in the last eighth before a drain (so
/// that the drain's own sync, with the writer waiting, finds little to write).
fn sync_now(since: Duration, log: i64, ask_at: i64) -> bool {
    since >= SYNC_EVERY || log >= ask_at - ask_at / 8
}

/// One passive checkpoint: copies what no reader still needs, never waits for the writer or readers.
/// Returns the frames in the WAL and how many of them are now copied back.
fn passive(conn: &Connection) -> rusqlite::Result<(i64, i64)> {
    conn.query_row("PRAGMA wal_checkpoint(PASSIVE)", [], |r| {
        Ok((r.get(1)?, r.get(2)?))
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::writer::Writer;

    #[test]
    fn the_database_file_is_synced_every_interval_and_after_every_pass_near_a_drain() {
        let short = SYNC_EVERY / 10;
        assert!(!sync_now(short, 1_000, DRAIN_AT));
        assert!(!sync_now(short, DRAIN_AT - DRAIN_AT / 8 - 1, DRAIN_AT));
        assert!(sync_now(short, DRAIN_AT - DRAIN_AT / 8, DRAIN_AT));
        assert!(sync_now(short, DRAIN_AT + 5, DRAIN_AT));
        assert!(sync_now(SYNC_EVERY, 1_000, DRAIN_AT));
    }

    /// Under writes that never stop, the drain still lets the WAL start over: its file stays near the
    /// threshold instead of growing with everything written.
    #[test]
    fn the_wal_starts_over_under_continuous_writes() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("t.db");
        let conn = Connection::open(&path).unwrap();
        conn.pragma_update(None, "journal_mode", "WAL").unwrap();
        conn.pragma_update(None, "synchronous", "NORMAL").unwrap();
        // Only the drain may start the WAL over.
        conn.pragma_update(None, "wal_autocheckpoint", 0).unwrap();
        conn.execute_batch("CREATE TABLE t (n INTEGER PRIMARY KEY, b BLOB)")
            .unwrap();
        // A pause long enough for any pass on a loaded machine, so that no drain is given up.
        let drain = Arc::new(Drain::new(64, Duration::from_secs(5)));
        let writer = Writer::start(conn, drain.clone()).unwrap();
        let mut ckpt =
            Checkpointer::start(Connection::open(&path).unwrap(), drain.clone()).unwrap();
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .unwrap();
        // 4 × 2,000 writes of one page each: 32 MiB, 125 times the threshold.
        rt.block_on(async {
            let tasks: Vec<_> = (0..4)
                .map(|_| {
                    let w = writer.clone();
                    tokio::spawn(async move {
                        for _ in 0..2000 {
                            w.write(|tx| {
                                tx.conn
                                    .execute("INSERT INTO t (b) VALUES (zeroblob(3000))", [])?;
                                Ok(())
                            })
                            .await
                            .unwrap();
                        }
                    })
                })
                .collect();
            for t in tasks {
                t.await.unwrap();
            }
        });
        ckpt.stop();
        let wal = std::fs::metadata(path.with_extension("db-wal"))
            .unwrap()
            .len();
        // The WAL file's size is its high-water mark: what was written between two passes of the
        // checkpointer. On a quiet machine it stays a few MB (without the drain it holds everything
        // written, 51 MB), but a checkpointer thread starved by other processes holding both cores lets it
        // grow (49 MB seen under a parallel build), so the size is only reported. What must hold whatever
        // the load: the writer paused for drains that completed, so the WAL started over, again and again.
        let drains = drain.drained();
        assert!(
            drains >= 2,
            "the WAL started over {drains} times (WAL file {wal} bytes): the drain did not work"
        );
        let rows: i64 = rt
            .block_on(writer.write(|tx| {
                Ok(tx
                    .conn
                    .query_row("SELECT count(*) FROM t", [], |r| r.get(0))?)
            }))
            .unwrap();
        assert_eq!(rows, 8000);
    }
}
