//! `baton backup` under write load, `baton restore` (refused while a server runs), `baton db stats` and
//! `baton db vacuum`, all through the built binary against a real server's data dir.

use crate::helpers::*;
use baton::store::maintenance;
use serde_json::{json, Value};
use std::path::Path;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

async fn baton(args: &[&str]) -> (i32, String, String) {
    let out = tokio::time::timeout(
        Duration::from_secs(60),
        tokio::process::Command::new(env!("CARGO_BIN_EXE_baton"))
            .args(args)
            .env_remove("BATON_HOME")
            .env("NO_COLOR", "1")
            .stdin(std::process::Stdio::null())
            .output(),
    )
    .await
    .expect("baton finished in time")
    .unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// Every row of every table, sorted: two databases with equal dumps hold the same data.
fn dump(path: &Path) -> Vec<String> {
    let conn =
        rusqlite::Connection::open_with_flags(path, rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY)
            .unwrap();
    let tables: Vec<String> = conn
        .prepare("SELECT name FROM sqlite_schema WHERE type = 'table' ORDER BY name")
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    let mut out = vec![format!(
        "user_version {}",
        conn.query_row("PRAGMA user_version", [], |r| r.get::<_, i64>(0))
            .unwrap()
    )];
    for t in tables {
        let mut stmt = conn.prepare(&format!("SELECT * FROM \"{t}\"")).unwrap();
        let n = stmt.column_count();
        let mut rows: Vec<String> = stmt
            .query_map([], |r| {
                let cells: Vec<String> = (0..n)
                    .map(|i| format!("{:?}", r.get::<_, rusqlite::types::Value>(i).unwrap()))
                    .collect();
                Ok(format!("{t}: {}", cells.join(" | ")))
            })
            .unwrap()
            .map(Result::unwrap)
            .collect();
        rows.sort();
        out.extend(rows);
    }
    out
}

/// In a consistent snapshot every run's current state is in its history, and every history row has its run.
fn consistent(path: &Path) -> usize {
    let conn =
        rusqlite::Connection::open_with_flags(path, rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY)
            .unwrap();
    let runs: i64 = conn
        .query_row("SELECT count(*) FROM flow_runs", [], |r| r.get(0))
        .unwrap();
    let missing: i64 = conn
        .query_row(
            "SELECT count(*) FROM flow_runs r WHERE r.state_id IS NOT NULL \
             AND NOT EXISTS (SELECT 1 FROM flow_run_states s WHERE s.id = r.state_id)",
            [],
            |r| r.get(0),
        )
        .unwrap();
    let orphans: i64 = conn
        .query_row(
            "SELECT count(*) FROM flow_run_states s WHERE NOT EXISTS (SELECT 1 FROM flow_runs r WHERE r.id = s.flow_run_id)",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!((missing, orphans), (0, 0), "a torn snapshot");
    runs as usize
}

#[tokio::test]
async fn sqlite_only_backup_under_load_restores_identically() {
    let app = spawn_app_without_worker().await;
    let home = app.home.to_str().unwrap().to_string();
    let flow = app.flow("busy").await;
    let stop = Arc::new(AtomicBool::new(false));
    let written = Arc::new(AtomicUsize::new(0));
    let mut writers = Vec::new();
    for _ in 0..3 {
        let (client, url, flow, stop, written) = (
            app.client.clone(),
            app.url("/flow_runs/"),
            flow.clone(),
            stop.clone(),
            written.clone(),
        );
        writers.push(tokio::spawn(async move {
            while !stop.load(Ordering::Relaxed) {
                let body =
                    json!({"flow_id": flow, "state": {"type": "SCHEDULED"}, "tags": ["load"]});
                let r = client.post(&url).json(&body).send().await.unwrap();
                assert_eq!(r.status(), 201);
                written.fetch_add(1, Ordering::Relaxed);
            }
        }));
    }
    poll_until(
        "the load to get going (50 runs written)",
        Duration::from_secs(20),
        || std::future::ready(written.load(Ordering::Relaxed)),
        |n| *n >= 50,
    )
    .await;
    let dir = tempfile::tempdir().unwrap();
    let mut sizes = Vec::new();
    for i in 0..3 {
        let file = dir.path().join(format!("b{i}.db"));
        let (code, out, err) = baton(&["backup", file.to_str().unwrap(), "--home", &home]).await;
        assert_eq!(code, 0, "{out}\n{err}");
        maintenance::integrity_check(&file).unwrap();
        sizes.push(consistent(&file));
    }
    let during = written.load(Ordering::Relaxed);
    assert!(sizes.windows(2).all(|w| w[0] <= w[1]), "{sizes:?}");
    assert!(sizes[0] >= 50, "{sizes:?}");

    let (code, _, err) = baton(&[
        "backup",
        dir.path().join("b0.db").to_str().unwrap(),
        "--home",
        &home,
    ])
    .await;
    assert_eq!(code, 1, "an existing file is not replaced without --force");
    assert!(err.contains("--force"), "{err}");

    let (code, out, err) = baton(&["-o", "json", "db", "stats", "--home", &home]).await;
    assert_eq!(code, 0, "{err}");
    let stats: Value = serde_json::from_str(&out).unwrap();
    let runs = stats["tables"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["name"] == "flow_runs")
        .unwrap();
    assert!(runs["rows"].as_u64().unwrap() >= 50, "{runs}");
    assert!(
        runs["bytes"].as_u64().unwrap() > 0,
        "dbstat is compiled in: {runs}"
    );

    let backup = dir.path().join("b2.db");
    let (code, _, err) = baton(&["restore", backup.to_str().unwrap(), "--home", &home]).await;
    assert_eq!(code, 1);
    assert!(err.contains("server is running"), "{err}");
    let (code, _, err) = baton(&["db", "vacuum", "--home", &home]).await;
    assert_eq!(code, 1);
    assert!(err.contains("server is running"), "{err}");

    stop.store(true, Ordering::Relaxed);
    for w in writers {
        w.await.unwrap();
    }
    app.stop().await;
    assert!(written.load(Ordering::Relaxed) >= during);

    let home2 = dir.path().join("restored");
    let (code, out, err) = baton(&[
        "restore",
        backup.to_str().unwrap(),
        "--home",
        home2.to_str().unwrap(),
    ])
    .await;
    assert_eq!(code, 0, "{out}\n{err}");
    let restored = home2.join("baton.db");
    maintenance::integrity_check(&restored).unwrap();
    assert_eq!(
        dump(&backup),
        dump(&restored),
        "the restored database is identical to the backup"
    );

    let garbage = dir.path().join("garbage.db");
    std::fs::write(&garbage, b"not a database at all, just some bytes of text").unwrap();
    let before = dump(&restored);
    let (code, _, err) = baton(&[
        "restore",
        garbage.to_str().unwrap(),
        "--home",
        home2.to_str().unwrap(),
    ])
    .await;
    assert_eq!(code, 1, "{err}");
    assert!(err.contains("not a database"), "{err}");
    assert_eq!(
        dump(&restored),
        before,
        "a failed restore leaves the database alone"
    );

    let (code, out, err) = baton(&["db", "vacuum", "--home", home2.to_str().unwrap()]).await;
    assert_eq!(code, 0, "{out}\n{err}");
    assert_eq!(dump(&backup), dump(&restored), "vacuum keeps every row");

    let config = baton::config::ServeConfig::new("127.0.0.1:0".parse().unwrap(), home2.clone());
    let server = baton::app::App::build(config).await.unwrap();
    let addr = server.addr();
    let (tx, rx) = tokio::sync::oneshot::channel::<()>();
    let handle = tokio::spawn(server.run(async move {
        let _ = rx.await;
    }));
    let n: u64 = reqwest::Client::new()
        .post(format!("http://{addr}/api/flow_runs/count"))
        .json(&json!({}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(
        n as usize, sizes[2],
        "the restored server serves the backed-up runs"
    );
    tx.send(()).unwrap();
    handle.await.unwrap().unwrap();
}

#[tokio::test]
async fn a_second_server_on_the_same_home_is_refused() {
    let app = spawn_app_without_worker().await;
    let config = baton::config::ServeConfig::new("127.0.0.1:0".parse().unwrap(), app.home.clone());
    let err = baton::app::App::build(config).await.err().expect("refused");
    assert!(err.to_string().contains("already serving"), "{err}");
    app.stop().await;
}

/// The key of the block secrets goes beside the backup (mode 0600) and comes back with a restore, so a
/// restored data dir reads its secrets.
#[tokio::test]
async fn sqlite_only_backup_carries_the_secrets_key() {
    let dir = tempfile::tempdir().unwrap();
    let home = dir.path().join("home");
    let app = spawn_with(|c| c.home = home.clone()).await;
    app.secret_block("kept", "kept-zq-55").await;
    let file = dir.path().join("snap.db");
    let (code, out, err) = baton(&[
        "backup",
        file.to_str().unwrap(),
        "--home",
        home.to_str().unwrap(),
    ])
    .await;
    assert_eq!(code, 0, "{out}{err}");
    app.stop().await;
    let key = dir.path().join("snap.db.key");
    assert_eq!(
        std::fs::read(&key).unwrap(),
        std::fs::read(home.join("secrets.key")).unwrap()
    );
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        assert_eq!(
            std::fs::metadata(&key).unwrap().permissions().mode() & 0o777,
            0o600
        );
    }
    let fresh = dir.path().join("fresh");
    let (code, out, err) = baton(&[
        "restore",
        file.to_str().unwrap(),
        "--home",
        fresh.to_str().unwrap(),
    ])
    .await;
    assert_eq!(code, 0, "{out}{err}");
    let back = spawn_with(|c| c.home = fresh.clone()).await;
    let (_, d) = back
        .get("/block_types/slug/secret/block_documents/name/kept?include_secrets=true")
        .await;
    assert_eq!(d["data"]["value"], "kept-zq-55", "{d}");
    back.stop().await;
}
