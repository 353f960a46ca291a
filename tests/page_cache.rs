//! The page cache layer (`baton::store::page_cache`) in a process of its own, installed before SQLite's
//! first use as `main` does: a workload of inserts, updates and deletes across indexed columns makes SQLite
//! swap pages through the moved key, and every row must read back as written, through the table and
//! through each index, with the database intact.

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

#[test]
fn pages_swapped_through_the_moved_key_keep_every_row() {
    assert!(
        baton::store::page_cache::install(),
        "SQLite was in use before the test installed the layer"
    );
    let dir = tempfile::tempdir().unwrap();
    let conn = Connection::open(dir.path().join("t.db")).unwrap();
    conn.pragma_update(None, "journal_mode", "WAL").unwrap();
    // A cache smaller than the database: pages are evicted and fetched again between swaps.
    conn.pragma_update(None, "cache_size", 64).unwrap();
    conn.execute_batch(
        "CREATE TABLE t (k TEXT PRIMARY KEY, v TEXT NOT NULL, n INTEGER NOT NULL);
         CREATE INDEX t_v ON t (v);
         CREATE INDEX t_n ON t (n, v);",
    )
    .unwrap();
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
    let mut model: BTreeMap<String, (String, i64)> = BTreeMap::new();
    let mut conn = conn;
    for _ in 0..300 {
        let tx = conn.transaction().unwrap();
        for _ in 0..40 {
            let roll = rng.below(10);
            let existing = (!model.is_empty())
                .then(|| {
                    model
                        .keys()
                        .nth(rng.below(model.len() as u64) as usize)
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
                    model.insert(k, (v, n));
                }
                (5..=7, Some(k)) => {
                    let (v, n) = (rng.text(40, 200), rng.below(1000) as i64);
                    tx.execute("UPDATE t SET v = ?2, n = ?3 WHERE k = ?1", params![k, v, n])
                        .unwrap();
                    model.insert(k, (v, n));
                }
                (_, Some(k)) => {
                    tx.execute("DELETE FROM t WHERE k = ?1", params![k])
                        .unwrap();
                    model.remove(&k);
                }
            }
        }
        tx.commit().unwrap();
    }
    assert!(
        baton::store::page_cache::parked_swaps() > 0,
        "the workload never swapped pages through the temporary key: it tests nothing"
    );
    let check: String = conn
        .query_row("PRAGMA integrity_check", [], |r| r.get(0))
        .unwrap();
    assert_eq!(check, "ok");
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
    assert_eq!(rows("SELECT k, v, n FROM t ORDER BY k"), expected);
    let mut by_v = expected.clone();
    by_v.sort_by(|a, b| (&a.1, &a.0).cmp(&(&b.1, &b.0)));
    assert_eq!(
        rows("SELECT k, v, n FROM t INDEXED BY t_v ORDER BY v, k"),
        by_v
    );
    let mut by_n = expected;
    by_n.sort_by(|a, b| (a.2, &a.1, &a.0).cmp(&(b.2, &b.1, &b.0)));
    assert_eq!(
        rows("SELECT k, v, n FROM t INDEXED BY t_n ORDER BY n, v, k"),
        by_n
    );
}
