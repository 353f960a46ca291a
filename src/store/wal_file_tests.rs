//! Tests of the WAL layer: what it holds and when it writes, and that readers and a fresh open see every
//! commit whole.

use super::io::Held;
use super::*;
use rusqlite::{Connection, OpenFlags};

#[test]
fn a_run_holds_writes_that_continue_it_and_ends_at_a_commit_page() {
    let mut h = Held::default();
    let mut header = [0u8; FRAME_HEADER];
    header[3] = 7; // page 7, not a commit frame
    assert!(h.add(&header, 32));
    assert!(!h.ends_here(&header));
    let page = [1u8; 4096];
    assert!(h.add(&page, 56));
    assert!(
        !h.ends_here(&page),
        "a page after a frame that is no commit"
    );
    header[7] = 9; // a commit frame: the database is 9 pages after it
    assert!(h.add(&header, 56 + 4096));
    assert!(
        !h.ends_here(&header),
        "the commit ends with its page, not its header"
    );
    assert!(h.add(&page, 56 + 4096 + 24));
    assert!(h.ends_here(&page));
    assert_eq!(h.start, 32);
    assert_eq!(h.bytes.len(), 2 * (24 + 4096));
    assert!(!h.add(&page, 0), "a write elsewhere does not join the run");
}

#[test]
fn a_run_is_written_once_it_reaches_the_limit() {
    let mut h = Held::default();
    let page = vec![0u8; 4096];
    let mut at = 32;
    let mut ends = 0;
    for _ in 0..(HOLD_MAX / 4096 + 1) {
        assert!(h.add(&page, at));
        at += 4096;
        if h.ends_here(&page) {
            ends += 1;
            h.bytes.clear();
        }
    }
    assert_eq!(ends, 1);
}

fn rows(conn: &Connection) -> (i64, i64) {
    conn.query_row(
        "SELECT count(*), coalesce(sum(length(v)), 0) FROM t",
        [],
        |r| Ok((r.get(0)?, r.get(1)?)),
    )
    .unwrap()
}

const TABLE: &str = "CREATE TABLE t (k INTEGER PRIMARY KEY, v BLOB NOT NULL)";

/// A connection in WAL mode through the layer (or, not `layered`, the default VFS), with a cache of
/// `cache_pages` (SQLite's default when `None`), automatic checkpoints only when `checkpoints`, and
/// `schema` created.
fn connect(
    path: &std::path::Path,
    layered: bool,
    cache_pages: Option<i64>,
    checkpoints: bool,
    schema: &str,
) -> Connection {
    let w = if layered {
        let name = register().expect("the default VFS is there to wrap");
        Connection::open_with_flags_and_vfs(path, OpenFlags::default(), name).unwrap()
    } else {
        Connection::open(path).unwrap()
    };
    w.pragma_update(None, "journal_mode", "WAL").unwrap();
    w.pragma_update(None, "synchronous", "NORMAL").unwrap();
    if !checkpoints {
        w.pragma_update(None, "wal_autocheckpoint", 0).unwrap();
    }
    if let Some(pages) = cache_pages {
        w.pragma_update(None, "cache_size", pages).unwrap();
    }
    w.execute_batch(schema).unwrap();
    w
}

/// Transactions small, large (past the limit, spilling the cache mid-transaction), rolled back (round 34
/// both large and rolled back) and updated in place, through the layer; a reader through the default VFS
/// sees each commit whole as it happens, and a connection opened afresh (SQLite rebuilding the WAL index
/// from the file, checking each frame's checksum) sees the same.
#[test]
fn every_commit_reaches_the_file_before_readers_see_it() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("t.db");
    let schema = format!("{TABLE}; CREATE INDEX t_v ON t (v);");
    let w = connect(&path, true, Some(50), true, &schema);
    let r = Connection::open(&path).unwrap();
    let (mut count, mut bytes) = (0i64, 0i64);
    for round in 0..40i64 {
        let size = if round % 5 == 4 { 3_000 } else { 3 };
        let len = 100 + round * 37;
        w.execute_batch("BEGIN").unwrap();
        for i in 0..size {
            w.execute("INSERT INTO t (v) VALUES (randomblob(?1))", [len + i % 5])
                .unwrap();
        }
        if round % 7 == 6 {
            w.execute_batch("ROLLBACK").unwrap();
        } else {
            w.execute_batch("COMMIT").unwrap();
            count += size;
            bytes += (0..size).map(|i| len + i % 5).sum::<i64>();
        }
        assert_eq!(rows(&r), (count, bytes), "round {round}");
        w.execute(
            "UPDATE t SET v = randomblob(length(v)) WHERE k % 13 = ?1",
            [round % 13],
        )
        .unwrap();
        assert_eq!(rows(&r), (count, bytes), "round {round}, after the update");
    }
    drop(r);
    let fresh = Connection::open_with_flags(&path, OpenFlags::SQLITE_OPEN_READ_ONLY).unwrap();
    assert_eq!(rows(&fresh), (count, bytes));
    let check: String = fresh
        .query_row("PRAGMA integrity_check", [], |r| r.get(0))
        .unwrap();
    assert_eq!(check, "ok");
    drop(fresh);
    // The WAL as the writer left it, without a checkpoint: copied and opened as a new database.
    let copy = dir.path().join("copy.db");
    std::fs::copy(&path, &copy).unwrap();
    std::fs::copy(dir.path().join("t.db-wal"), dir.path().join("copy.db-wal")).unwrap();
    let recovered = Connection::open(&copy).unwrap();
    assert_eq!(rows(&recovered), (count, bytes));
    drop(w);
}

/// Small commits, as the server's writes are: each goes to the WAL in one write, whatever its frames.
#[test]
fn a_small_commit_is_one_write() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("t.db");
    let w = connect(
        &path,
        true,
        None,
        true,
        "CREATE TABLE t (k TEXT PRIMARY KEY, v BLOB NOT NULL, n INTEGER); CREATE INDEX t_v ON t (v); \
         CREATE INDEX t_n ON t (n);",
    );
    let (calls0, writes0) = THREAD_COUNTS.with(|c| c.get());
    let commits = 300;
    for i in 0..commits {
        w.execute_batch("BEGIN").unwrap();
        for j in 0..4 {
            w.execute(
                "INSERT INTO t (k, v, n) VALUES (hex(randomblob(16)), randomblob(300), ?1)",
                [((i * 7 + j) % 101) as i64],
            )
            .unwrap();
        }
        w.execute_batch("COMMIT").unwrap();
    }
    let (calls, writes) = THREAD_COUNTS.with(|c| c.get());
    let (calls, writes) = (calls - calls0, writes - writes0);
    // Each commit writes several frames (two calls each). A restart of the WAL after a checkpoint writes
    // the WAL's header and syncs it before the commit's frames: one write more.
    assert!(calls >= 6 * commits, "{calls} calls");
    assert!(
        (commits..commits + commits / 20).contains(&writes),
        "{writes} writes for {calls} calls"
    );
    let r = Connection::open(&path).unwrap();
    let n: i64 = r
        .query_row("SELECT count(*) FROM t", [], |r| r.get(0))
        .unwrap();
    assert_eq!(n, 4 * commits as i64);
}

/// A transaction that spills pages and changes them again makes SQLite write those frames again in place
/// and, at its commit, every checksum from the first of them on, the commit frame's header last, with no
/// page after it. The files as they stand right after the commit (as a crash would leave them) must hold
/// the transaction: SQLite's recovery drops a commit whose checksum does not match.
#[test]
fn a_commit_that_rewrites_its_checksums_is_whole_in_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("t.db");
    let w = connect(&path, true, Some(10), false, TABLE);
    w.execute_batch(
        "BEGIN; \
         WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 2000) \
         INSERT INTO t (v) SELECT randomblob(200) FROM n; \
         UPDATE t SET v = randomblob(201) WHERE k <= 60; \
         COMMIT;",
    )
    .unwrap();
    let copy = dir.path().join("copy.db");
    std::fs::copy(&path, &copy).unwrap();
    std::fs::copy(dir.path().join("t.db-wal"), dir.path().join("copy.db-wal")).unwrap();
    let recovered = Connection::open(&copy).unwrap();
    assert_eq!(rows(&recovered), (2000, 2000 * 200 + 60));
    let check: String = recovered
        .query_row("PRAGMA integrity_check", [], |r| r.get(0))
        .unwrap();
    assert_eq!(check, "ok");
    drop(w);
}

/// Frames a rolled-back transaction spilled are written when the write lock is released, as SQLite would
/// have written them: the WAL file ends where it ends without the layer. The transaction ends with new
/// overflow pages, so its last spill is appended and held (earlier ones are written when a page spilled
/// before is changed again and written over its frame).
#[test]
fn a_rolled_back_spill_leaves_nothing_held() {
    let dir = tempfile::tempdir().unwrap();
    let wal_len = |name: &str, layered: bool| {
        let path = dir.path().join(name);
        let w = connect(&path, layered, Some(10), false, TABLE);
        // Checkpointed first, so that the rollback reads no page back from the WAL (a read writes what is
        // held).
        w.query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(()))
            .unwrap();
        w.execute_batch(
            "BEGIN; \
             WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 700) \
             INSERT INTO t (v) SELECT zeroblob(300) FROM n; \
             WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 20) \
             INSERT INTO t (v) SELECT zeroblob(50000) FROM n; \
             ROLLBACK;",
        )
        .unwrap();
        let len = std::fs::metadata(dir.path().join(format!("{name}-wal")))
            .unwrap()
            .len();
        drop(w);
        len
    };
    let plain = wal_len("plain.db", false);
    assert!(plain > 20 * 4096, "the transaction spilled: {plain} bytes");
    assert_eq!(wal_len("layered.db", true), plain);
}
