//! Disk faults (issue 7): a full disk (the server runs under a small file-size limit, `ulimit -f`, with
//! SIGXFSZ ignored so writes fail with EFBIG as on a full disk) answers writes with a 503 naming the
//! cause and keeps serving reads; a read-only data dir stops `baton serve` at start with a clear error.
//! Either way nothing stored is lost and the database passes `PRAGMA integrity_check` afterwards.

use crate::server_proc::{start, try_start_under};
use reqwest::{Client, StatusCode};
use serde_json::{json, Value};
use std::os::unix::fs::PermissionsExt;
use std::path::Path;

async fn post(c: &Client, url: String, body: Value) -> (StatusCode, Value) {
    let r = c.post(url).json(&body).send().await.unwrap();
    let s = r.status();
    (s, r.json().await.unwrap_or(Value::Null))
}

fn integrity_ok(home: &Path) {
    let db = rusqlite::Connection::open(home.join("baton.db")).unwrap();
    let verdict: String = db
        .query_row("PRAGMA integrity_check", [], |r| r.get(0))
        .unwrap();
    assert_eq!(verdict, "ok");
}

/// Creates `n` variables named `{tag}_{i}`; returns the names the server acknowledged.
async fn variables(c: &Client, api: &str, tag: &str, n: usize) -> Vec<String> {
    let mut acked = Vec::new();
    for i in 0..n {
        let name = format!("{tag}_{i}");
        let (s, _) = post(
            c,
            format!("{api}/variables/"),
            json!({"name": name, "value": i}),
        )
        .await;
        if s == StatusCode::CREATED {
            acked.push(name);
        }
    }
    acked
}

async fn all_present(c: &Client, api: &str, names: &[String]) {
    for name in names {
        let r = c
            .get(format!("{api}/variables/name/{name}"))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::OK, "acknowledged {name} lost");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_full_disk_gives_clear_errors_and_loses_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let home = dir.path().join("home");
    let c = Client::new();
    let server = start(&home, &["--no-worker"]);
    let before = variables(&c, &server.api, "before", 20).await;
    assert_eq!(before.len(), 20);
    assert_eq!(server.terminate(), Some(0));
    let used: u64 = std::fs::read_dir(&home)
        .unwrap()
        .map(|e| e.unwrap().metadata().unwrap().len())
        .max()
        .unwrap();
    // Room for the database as it is plus 256 KiB (`ulimit -f` counts 512-byte blocks in sh).
    let blocks = used / 512 + 512;
    let prelude = format!("ulimit -f {blocks}; trap '' XFSZ");
    let server = try_start_under(&home, &["--no-worker"], Some(&prelude)).unwrap();
    let api = server.api.clone();
    let line = "x".repeat(1000);
    let mut full = None;
    for batch in 0..2_000 {
        let logs: Vec<Value> = (0..100)
            .map(|_| {
                json!({"name": "fill", "level": 20, "message": line,
                "timestamp": "2026-01-01T00:00:00Z"})
            })
            .collect();
        let (s, v) = post(&c, format!("{api}/logs/"), Value::Array(logs)).await;
        if !s.is_success() {
            full = Some((batch, s, v));
            break;
        }
    }
    let (batch, status, body) = full.expect("the file-size limit was never reached");
    assert!(batch > 0, "the first write already failed: {body}");
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE, "{body}");
    let detail = body["detail"].as_str().unwrap();
    assert!(
        detail.contains("is the disk full"),
        "the error says the disk is full: {detail}"
    );
    // Reads still work while writes fail, and the server stays up.
    all_present(&c, &api, &before).await;
    let (s, _) = post(
        &c,
        format!("{api}/variables/"),
        json!({"name": "late", "value": 1}),
    )
    .await;
    assert!(
        s == StatusCode::CREATED || s == StatusCode::SERVICE_UNAVAILABLE,
        "{s}"
    );
    server.terminate();
    integrity_ok(&home);
    // With room again, everything acknowledged is there and writes work.
    let server = start(&home, &["--no-worker"]);
    all_present(&c, &server.api, &before).await;
    assert_eq!(variables(&c, &server.api, "after", 3).await.len(), 3);
    assert_eq!(server.terminate(), Some(0));
    integrity_ok(&home);
}

/// Runs the server as `nobody` when the tests run as root (root ignores permission bits).
fn drop_root() -> Option<&'static str> {
    use std::os::unix::fs::MetadataExt;
    let root = std::fs::metadata("/proc/self").is_ok_and(|m| m.uid() == 0);
    root.then_some("exec setpriv --reuid=65534 --regid=65534 --clear-groups \"$0\" \"$@\"")
}

fn chmod(path: &Path, mode: u32) {
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_read_only_data_dir_is_a_clear_error_at_start() {
    let dir = tempfile::tempdir().unwrap();
    chmod(dir.path(), 0o777);
    // A fresh dir nobody may write.
    let empty = dir.path().join("empty");
    std::fs::create_dir(&empty).unwrap();
    chmod(&empty, 0o555);
    let Err(err) = try_start_under(&empty, &["--no-worker"], drop_root()) else {
        panic!("baton serve started in a read-only dir");
    };
    assert!(
        err.contains("data dir") && err.contains("is not writable"),
        "unclear error: {err}"
    );
    println!("read-only data dir: {}", err.trim());
    assert_eq!(
        std::fs::read_dir(&empty).unwrap().count(),
        0,
        "nothing written"
    );

    // A data dir with data, made read-only.
    let home = dir.path().join("home");
    let c = Client::new();
    let server = start(&home, &["--no-worker"]);
    let kept = variables(&c, &server.api, "kept", 5).await;
    assert_eq!(server.terminate(), Some(0));
    for e in std::fs::read_dir(&home).unwrap() {
        chmod(&e.unwrap().path(), 0o444);
    }
    chmod(&home, 0o555);
    let Err(err) = try_start_under(&home, &["--no-worker"], drop_root()) else {
        panic!("baton serve started on a read-only data dir");
    };
    assert!(err.contains("is not writable"), "unclear error: {err}");
    chmod(&home, 0o755);
    for e in std::fs::read_dir(&home).unwrap() {
        chmod(&e.unwrap().path(), 0o644);
    }
    integrity_ok(&home);
    let server = start(&home, &["--no-worker"]);
    all_present(&c, &server.api, &kept).await;
    assert_eq!(server.terminate(), Some(0));
}
