//! The page cache layer (`baton::store::page_cache`) in a process of its own, installed before SQLite's
//! first use as `main` does: a workload of inserts, updates and deletes across indexed columns makes SQLite
//! swap pages through the moved key, and every row must read back as committed, through the table and
//! through each index, with the database intact: with Baton's pages and journal, and with small pages,
//! auto-vacuum, a rollback journal and rolled-back transactions.

use rusqlite::{params, Connection};
use std::collections::BTreeMap;

/// A small deterministic generator (xorshift64*).
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
    /// Lowercase letters, `min` to `min + spread - 1` of them.
    fn text(&mut self, min: usize, spread: u64) -> String {
        let len = min + self.below(spread.max(1)) as usize;
        (0..len)
            .map(|_| char::from(b'a' + self.below(26) as u8))
            .collect()
    }
}

/// How a database is set up for the workload.
struct Shape {
    page_size: u32,
    journal: &'static str,
    auto_vacuum: &'static str,
    /// One transaction in this many is rolled back instead of committed.
    rollback_every: u64,
}

/// Runs the workload on a database of `shape`; every row must read back as the committed ones were
/// written, through the table and each index, and the database must be intact.
fn workload(dir: &std::path::Path, name: &str, shape: &Shape) {
    let mut conn = Connection::open(dir.join(name)).unwrap();
    conn.pragma_update(None, "page_size", shape.page_size)
        .unwrap();
    conn.pragma_update(None, "auto_vacuum", shape.auto_vacuum)
        .unwrap();
    conn.pragma_update(None, "journal_mode", shape.journal)
        .unwrap();
    // A cache smaller than the database: pages are evicted and fetched again between swaps.
    conn.pragma_update(None, "cache_size", 64).unwrap();
    conn.execute_batch(
        "CREATE TABLE t (k TEXT PRIMARY KEY, v TEXT NOT NULL, n INTEGER NOT NULL);
         CREATE INDEX t_v ON t (v);
         CREATE INDEX t_n ON t (n, v);",
    )
    .unwrap();
    let page_size: u32 = conn
        .query_row("PRAGMA page_size", [], |r| r.get(0))
        .unwrap();
    assert_eq!(page_size, shape.page_size);
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15 ^ u64::from(shape.page_size));
    let mut model: BTreeMap<String, (String, i64)> = BTreeMap::new();
    for round in 0..300u64 {
        let keep = round % shape.rollback_every != shape.rollback_every - 1;
        let mut next = model.clone();
        let tx = conn.transaction().unwrap();
        for _ in 0..40 {
            let roll = rng.below(10);
            let existing = (!next.is_empty())
                .then(|| {
                    next.keys()
                        .nth(rng.below(next.len() as u64) as usize)
                        .cloned()
                })
                .flatten();
            match (roll, existing) {
                (0..=4, _) | (_, None) => {
                    let (k, v, n) = (rng.text(24, 1), rng.text(40, 200), rng.below(1000) as i64);
                    tx.execute(
                        "INSERT OR REPLACE INTO t (k, v, n) VALUES (?1, ?2, ?3)",
                        params![k, v, n],
                    )
                    .unwrap();
                    next.insert(k, (v, n));
                }
                (5..=7, Some(k)) => {
                    let (v, n) = (rng.text(40, 200), rng.below(1000) as i64);
                    tx.execute("UPDATE t SET v = ?2, n = ?3 WHERE k = ?1", params![k, v, n])
                        .unwrap();
                    next.insert(k, (v, n));
                }
                (_, Some(k)) => {
                    tx.execute("DELETE FROM t WHERE k = ?1", params![k])
                        .unwrap();
                    next.remove(&k);
                }
            }
        }
        if keep {
            tx.commit().unwrap();
            model = next;
        } else {
            tx.rollback().unwrap();
        }
    }
    let check: String = conn
        .query_row("PRAGMA integrity_check", [], |r| r.get(0))
        .unwrap();
    assert_eq!(check, "ok", "{name}");
    let rows = |sql: &str| -> Vec<(String, String, i64)> {
        let mut stmt = conn.prepare(sql).unwrap();
        stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap()
    };
    let expected: Vec<(String, String, i64)> = model
        .iter()
        .map(|(k, (v, n))| (k.clone(), v.clone(), *n))
        .collect();
    assert_eq!(rows("SELECT k, v, n FROM t ORDER BY k"), expected, "{name}");
    let mut by_v = expected.clone();
    by_v.sort_by(|a, b| (&a.1, &a.0).cmp(&(&b.1, &b.0)));
    assert_eq!(
        rows("SELECT k, v, n FROM t INDEXED BY t_v ORDER BY v, k"),
        by_v,
        "{name}"
    );
    let mut by_n = expected;
    by_n.sort_by(|a, b| (a.2, &a.1, &a.0).cmp(&(b.2, &b.1, &b.0)));
    assert_eq!(
        rows("SELECT k, v, n FROM t INDEXED BY t_n ORDER BY n, v, k"),
        by_n,
        "{name}"
    );
}

#[test]
fn pages_swapped_through_the_moved_key_keep_every_row() {
    // SAFETY: the test harness has not used SQLite yet (this file's only test), and nothing else runs.
    let installed = unsafe { baton::store::page_cache::install() };
    assert!(
        installed,
        "SQLite was in use before the test installed the layer"
    );
    let dir = tempfile::tempdir().unwrap();
    // Baton's shape: 4 KiB pages, WAL, every transaction committed.
    let wal = Shape {
        page_size: 4096,
        journal: "WAL",
        auto_vacuum: "NONE",
        rollback_every: u64::MAX,
    };
    workload(dir.path(), "wal.db", &wal);
    let swaps = baton::store::page_cache::parked_swaps();
    assert!(
        swaps > 0,
        "the workload never swapped pages through the temporary key: it tests nothing"
    );
    // Another page size (another temporary key), pages moved by auto-vacuum, a rollback journal, and one
    // transaction in five rolled back after its swaps.
    let small = Shape {
        page_size: 512,
        journal: "DELETE",
        auto_vacuum: "FULL",
        rollback_every: 5,
    };
    workload(dir.path(), "small.db", &small);
    assert!(
        baton::store::page_cache::parked_swaps() > swaps,
        "no swap with 512-byte pages"
    );
}
