//! Repeatable writes in a batch: groups with and without a savepoint, undone and run again.

use super::*;

/// Inserts `n` as a repeatable write (refused after its insert when `n % 5 == 0`, refused before it when
/// `n % 7 == 0`); counts its runs in `runs`. With `fresh`, write 1 (first in a batch that begins its own
/// transaction) checks that no group savepoint is open.
fn insert_repeatable(
    w: &Writer,
    n: i64,
    runs: Arc<AtomicU64>,
    fresh: bool,
) -> impl std::future::Future<Output = Result<()>> + '_ {
    w.write_repeatable(move |tx| {
        runs.fetch_add(1, Relaxed);
        if fresh && n == 1 {
            let savepoint = tx.conn.execute("ROLLBACK TO grp", []);
            assert!(
                savepoint.is_err(),
                "a group that began its transaction has no savepoint"
            );
        }
        if n % 7 == 0 {
            return Err(StoreError::Invalid(format!(
                "{n} is refused before its insert"
            )));
        }
        tx.conn.execute("INSERT INTO t (n) VALUES (?1)", [n])?;
        if n % 5 == 0 {
            return Err(StoreError::Invalid(format!(
                "{n} is refused after its insert"
            )));
        }
        Ok(())
    })
}

/// Writes 1..=count queued as one batch: repeatable ones, and ordinary ones where `ordinary(n)`. Returns
/// their outcomes, the rows left and how often the repeatable closures ran.
/// With `fresh`, the batch begins its own transaction (otherwise an ordinary write holding the writer
/// begins it).
fn mixed_batch(
    count: i64,
    ordinary: fn(i64) -> bool,
    fresh: bool,
) -> (Vec<Result<()>>, Vec<i64>, u64) {
    let rt = ordered_runtime();
    let w = writer();
    let runs = Arc::new(AtomicU64::new(0));
    let outcomes = rt.block_on(async {
        let (held, out) = held(
            &w,
            count as u64,
            || {
                (1..=count)
                    .map(|n| {
                        let (w, runs) = (w.clone(), runs.clone());
                        tokio::spawn(async move {
                            if ordinary(n) {
                                insert(&w, n).await
                            } else {
                                insert_repeatable(&w, n, runs, fresh).await
                            }
                        })
                    })
                    .collect()
            },
            fresh,
        )
        .await;
        assert!(held.unwrap());
        out
    });
    let rows = rows(&rt, &w);
    assert_eq!(
        w.counts().commits.load(Relaxed),
        2,
        "one batch, then the read-back"
    );
    (outcomes, rows, runs.load(Relaxed))
}

#[test]
fn repeatable_writes_share_a_savepoint_and_a_failed_one_is_undone_alone() {
    // Fresh: the first group began the transaction and has no savepoint; 5 undoes it by rolling the
    // transaction back. The second group (after 1-4 ran again, each alone) has one.
    for fresh in [false, true] {
        let (outcomes, rows, runs) = mixed_batch(12, |_| false, fresh);
        for (n, out) in (1..=12).zip(&outcomes) {
            assert_eq!(out.is_ok(), n % 5 != 0 && n % 7 != 0, "write {n}: {out:?}");
        }
        assert_eq!(rows, vec![1, 2, 3, 4, 6, 8, 9, 11, 12], "fresh {fresh}");
        // 5 and 10 failed after their insert: each undid its group (1-4; then 6, 8, 9, with 7 refused
        // before writing), which ran again one by one.
        assert_eq!(runs, 12 + 4 + 4, "fresh {fresh}");
    }
}

#[test]
fn ordinary_writes_between_repeatable_ones_keep_their_own_savepoints() {
    for fresh in [false, true] {
        let (outcomes, rows, runs) = mixed_batch(12, |n| n % 3 == 0, fresh);
        for (n, out) in (1..=12).zip(&outcomes) {
            let refused = n % 5 == 0 || (n % 3 != 0 && n % 7 == 0);
            assert_eq!(out.is_ok(), !refused, "write {n}: {out:?}");
        }
        assert_eq!(rows, vec![1, 2, 3, 4, 6, 8, 9, 11, 12], "fresh {fresh}");
        // Groups: [1, 2], [4, 5] (5 undoes 4, which runs again), [7, 8], [10] (10 undoes only itself),
        // [11].
        assert_eq!(runs, 8 + 1, "fresh {fresh}");
    }
}

#[test]
fn a_panicking_repeatable_write_panics_its_caller_and_the_others_commit() {
    for fresh in [false, true] {
        let rt = ordered_runtime();
        let w = writer();
        let runs = Arc::new(AtomicU64::new(0));
        let results = rt.block_on(async {
            let spawn = || {
                (1..=3)
                    .map(|n| {
                        let (w, runs) = (w.clone(), runs.clone());
                        tokio::spawn(async move {
                            // The caller's task panics: `Err` here.
                            tokio::spawn(async move {
                                w.write_repeatable(move |tx| {
                                    runs.fetch_add(1, Relaxed);
                                    tx.conn.execute("INSERT INTO t (n) VALUES (?1)", [n])?;
                                    assert!(n != 2, "boom");
                                    Ok(())
                                })
                                .await
                            })
                            .await
                        })
                    })
                    .collect::<Vec<_>>()
            };
            let (held, out) = held(&w, 3, spawn, fresh).await;
            assert!(held.unwrap());
            out
        });
        assert!(matches!(results[0], Ok(Ok(()))) && matches!(results[2], Ok(Ok(()))));
        assert!(results[1].as_ref().is_err_and(|e| e.is_panic()));
        assert_eq!(
            rows(&rt, &w),
            vec![1, 3],
            "the panicking write's row is rolled back (fresh {fresh})"
        );
        assert_eq!(
            runs.load(Relaxed),
            3 + 1,
            "1 ran again after 2 undid the group (fresh {fresh})"
        );
    }
}
