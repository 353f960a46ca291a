//! Tests of the group-commit writer.

use super::*;
use crate::store::writer_batching::MAX_BATCH;
use std::sync::atomic::AtomicU64;
use std::time::{Duration, Instant};

/// One thread: tasks spawned one after another queue their writes in that order.
fn ordered_runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap()
}

/// A writer on a fresh table `t` that commits every write waiting together (up to [`MAX_BATCH`]): the
/// tests of what one transaction does with its writes.
fn writer() -> Writer {
    writer_with(Batching::WHOLE)
}

fn writer_with(batching: Batching) -> Writer {
    let conn = Connection::open_in_memory().unwrap();
    conn.execute_batch("CREATE TABLE t (n INTEGER PRIMARY KEY)")
        .unwrap();
    Writer::start_with(conn, Arc::default(), batching).unwrap()
}

fn insert(w: &Writer, n: i64) -> impl std::future::Future<Output = Result<()>> + '_ {
    w.write(move |tx| {
        tx.conn.execute("INSERT INTO t (n) VALUES (?1)", [n])?;
        if n % 5 == 0 {
            return Err(StoreError::Invalid(format!(
                "{n} is refused after its insert"
            )));
        }
        Ok(())
    })
}

/// Holds the writer inside a write while `spawn` queues writes behind it, releases it once all
/// `count` are queued (so they run as one batch), and returns the holding write's outcome and theirs.
async fn held_batch<T: Send + 'static>(
    w: &Writer,
    count: u64,
    spawn: impl FnOnce() -> Vec<tokio::task::JoinHandle<T>>,
) -> (Result<bool>, Vec<T>) {
    held(w, count, spawn, false).await
}

/// As [`held_batch`]; with `fresh`, the writer is held outside any transaction, so the queued writes begin
/// their own.
async fn held<T: Send + 'static>(
    w: &Writer,
    count: u64,
    spawn: impl FnOnce() -> Vec<tokio::task::JoinHandle<T>>,
    fresh: bool,
) -> (Result<bool>, Vec<T>) {
    let (release, released) = mpsc::channel::<()>();
    let (started, running) = mpsc::channel::<()>();
    let blocker = tokio::spawn({
        let w = w.clone();
        async move {
            let hold = move || {
                let _ = started.send(());
                Ok(released.recv().is_ok())
            };
            if fresh {
                w.raw(move |_| hold()).await
            } else {
                w.write(move |_| hold()).await
            }
        }
    });
    // The writes are queued only once the blocker runs: queued earlier, they could join its batch.
    let deadline = Instant::now() + Duration::from_secs(10);
    while running.try_recv().is_err() && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(1)).await;
    }
    let tasks = spawn();
    while w.counts().queued.load(Relaxed) < count && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(1)).await;
    }
    release.send(()).unwrap();
    let held = blocker.await.unwrap();
    let mut out = Vec::new();
    for t in tasks {
        out.push(t.await.unwrap());
    }
    (held, out)
}

/// The rows of `t`, in order (read back through the writer, after everything queued before).
fn rows(rt: &tokio::runtime::Runtime, w: &Writer) -> Vec<i64> {
    rt.block_on(w.write(|tx| {
        let mut stmt = tx.conn.prepare("SELECT n FROM t ORDER BY n")?;
        let rows = stmt.query_map([], |r| r.get(0))?;
        Ok(rows.collect::<crate::store::sql::Result<Vec<i64>>>()?)
    }))
    .unwrap()
}

/// `count` inserts committed as one batch; returns their outcomes and the rows left.
fn batched(count: i64) -> (Writer, Vec<Result<()>>, Vec<i64>) {
    batched_by(Batching::WHOLE, count)
}

/// `count` inserts queued behind a blocking write, committed in the batches `batching` makes.
fn batched_by(batching: Batching, count: i64) -> (Writer, Vec<Result<()>>, Vec<i64>) {
    let rt = runtime();
    let w = writer_with(batching);
    let outcomes = held_writes(&rt, &w, count, |n| {
        let w = w.clone();
        async move { insert(&w, n).await }
    });
    let rows = rows(&rt, &w);
    (w, outcomes, rows)
}

/// Queues the writes `make` starts for 1..=`count` (in that order) behind a blocking write, releases it
/// once all are queued, and returns their outcomes.
fn held_writes<T, Fut>(
    rt: &tokio::runtime::Runtime,
    w: &Writer,
    count: i64,
    make: impl Fn(i64) -> Fut,
) -> Vec<T>
where
    T: Send + 'static,
    Fut: std::future::Future<Output = T> + Send + 'static,
{
    rt.block_on(async {
        let (held, out) = held_batch(w, count as u64, || {
            (1..=count).map(|n| tokio::spawn(make(n))).collect()
        })
        .await;
        assert!(held.unwrap());
        out
    })
}

#[test]
fn queued_writes_share_one_commit_and_a_failed_one_is_rolled_back_alone() {
    let (w, outcomes, rows) = batched(20);
    for (n, out) in (1..=20).zip(&outcomes) {
        assert_eq!(out.is_ok(), n % 5 != 0, "write {n}: {out:?}");
    }
    let expected: Vec<i64> = (1..=20).filter(|n| n % 5 != 0).collect();
    assert_eq!(rows, expected);
    // The blocker and the 20 writes behind it: one commit (this writer takes every write waiting), plus
    // the read-back.
    assert_eq!(w.counts().writes.load(Relaxed), 22);
    assert_eq!(w.counts().commits.load(Relaxed), 2);
}

#[test]
fn the_server_commits_a_queue_in_halves() {
    // The blocker and the 20 writes behind it make 21: 11, 5, 4 and 1 (writer_batching). Each write notes
    // how many commits came before it ran, which names its batch.
    let rt = runtime();
    let w = writer_with(Batching::HALVES);
    let seen = Arc::new(std::sync::Mutex::new(Vec::new()));
    let outcomes = held_writes(&rt, &w, 20, |n| {
        let (w, seen) = (w.clone(), seen.clone());
        async move {
            let counts = w.clone();
            w.write(move |tx| {
                seen.lock()
                    .unwrap()
                    .push(counts.counts().commits.load(Relaxed));
                tx.conn.execute("INSERT INTO t (n) VALUES (?1)", [n])?;
                Ok(())
            })
            .await
        }
    });
    assert!(outcomes.iter().all(|o| o.is_ok()));
    assert_eq!(rows(&rt, &w), (1..=20).collect::<Vec<i64>>());
    let mut sizes: Vec<usize> = Vec::new();
    let mut last = None;
    for batch in seen.lock().unwrap().iter() {
        match sizes.last_mut() {
            Some(size) if last == Some(*batch) => *size += 1,
            _ => sizes.push(1),
        }
        last = Some(*batch);
    }
    // The blocker ran first in the first batch, before any of the 20.
    assert_eq!(sizes, vec![10, 5, 4, 1]);
    assert_eq!(w.counts().commits.load(Relaxed), 5, "and the read-back");
}

#[test]
fn a_batch_is_capped() {
    let (w, outcomes, rows) = batched(MAX_BATCH as i64 + 10);
    assert_eq!(outcomes.iter().filter(|o| o.is_ok()).count(), rows.len());
    assert_eq!(w.counts().commits.load(Relaxed), 3);
}

#[test]
fn a_panicking_write_panics_its_caller_and_the_writer_goes_on() {
    let rt = runtime();
    let w = writer();
    let w2 = w.clone();
    let panicked = rt.block_on(rt.spawn(async move {
        w2.write(|tx| -> Result<()> {
            tx.conn.execute("INSERT INTO t (n) VALUES (1)", [])?;
            panic!("boom")
        })
        .await
    }));
    assert!(panicked.unwrap_err().is_panic());
    rt.block_on(insert(&w, 2)).unwrap();
    assert_eq!(
        rows(&rt, &w),
        vec![2],
        "the panicking write's row is rolled back"
    );
}

#[test]
fn closing_answers_later_calls_with_closed() {
    let rt = runtime();
    let w = writer();
    rt.block_on(w.close()).unwrap();
    assert!(matches!(
        rt.block_on(insert(&w, 1)),
        Err(StoreError::Closed)
    ));
}

/// A write that fills the database fails as a disk error; the writes committed with it either commit or
/// fail with the same cause (when SQLite rolled the whole transaction back), never with a generic error.
#[test]
fn a_full_database_fails_writes_as_disk_errors() {
    let rt = runtime();
    let conn = Connection::open_in_memory().unwrap();
    conn.execute_batch("CREATE TABLE b (x BLOB)").unwrap();
    let pages: i64 = conn
        .query_row("PRAGMA page_count", [], |r| r.get(0))
        .unwrap();
    conn.pragma_update(None, "max_page_count", pages + 8)
        .unwrap();
    let w = Writer::start_with(conn, Arc::default(), Batching::WHOLE).unwrap();
    rt.block_on(async {
        let (held, outcomes) = held_batch(&w, 10, || {
            (0..10)
                .map(|i| {
                    let w = w.clone();
                    tokio::spawn(async move {
                        w.write(move |tx| {
                            let size = if i % 3 == 0 { 100_000 } else { 10 };
                            tx.conn
                                .execute("INSERT INTO b (x) VALUES (zeroblob(?1))", [size])?;
                            Ok(())
                        })
                        .await
                    })
                })
                .collect()
        })
        .await;
        assert!(
            matches!(held, Ok(true) | Err(StoreError::Disk(_))),
            "the first write of the batch: {held:?}"
        );
        for (i, r) in outcomes.into_iter().enumerate() {
            if i % 3 == 0 {
                assert!(matches!(r, Err(StoreError::Disk(_))), "write {i}: {r:?}");
            } else {
                assert!(
                    r.is_ok() || matches!(r, Err(StoreError::Disk(_))),
                    "write {i}: {r:?}"
                );
            }
        }
    });
}

#[test]
fn a_write_alone_commits_in_its_own_transaction_without_a_savepoint() {
    let rt = ordered_runtime();
    let w = writer();
    let alone = |n: i64| n == 3 || n == 5;
    let outcomes = held_writes(&rt, &w, 6, |n| {
        let w = w.clone();
        async move {
            if !alone(n) {
                return insert(&w, n).await;
            }
            w.write_alone(move |tx| {
                let savepoint = tx.conn.execute("ROLLBACK TO job", []);
                assert!(savepoint.is_err(), "a write alone runs under no savepoint");
                tx.conn.execute("INSERT INTO t (n) VALUES (?1)", [n])?;
                if n == 5 {
                    return Err(StoreError::Invalid("5 is refused after its insert".into()));
                }
                Ok(())
            })
            .await
        }
    });
    let outcomes: Vec<bool> = outcomes.into_iter().map(|o| o.is_ok()).collect();
    assert_eq!(outcomes, vec![true, true, true, true, false, true]);
    assert_eq!(
        rows(&rt, &w),
        vec![1, 2, 3, 4, 6],
        "the refused write alone is rolled back"
    );
    // [blocker, 1, 2], [3], [4], (5 rolled back), [6], then the read-back.
    assert_eq!(w.counts().commits.load(Relaxed), 5);
}

#[path = "writer_group_tests.rs"]
mod group;

/// The bundled SQLite is built as `.cargo/config.toml` says: no global memory statistics (no allocator
/// mutex), and a page cache of its own for each connection (no shared pool where readers recycle the
/// writer's pages). A build that lost those flags would still pass every other test.
#[test]
fn sqlite_is_built_with_the_projects_flags() {
    let conn = Connection::open_in_memory().unwrap();
    let mut stmt = conn.prepare("PRAGMA compile_options").unwrap();
    let options: Vec<String> = stmt
        .query_map([], |r| r.get(0))
        .unwrap()
        .collect::<std::result::Result<_, _>>()
        .unwrap();
    assert!(
        options.iter().any(|o| o == "DEFAULT_MEMSTATUS=0"),
        "{options:?}"
    );
    assert!(
        !options.iter().any(|o| o == "ENABLE_MEMORY_MANAGEMENT"),
        "{options:?}"
    );
}
