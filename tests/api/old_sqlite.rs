//! The database file stays readable by the SQLite users have (issue 13, item 2): Debian 12's `sqlite3`
//! (3.40), Ubuntu 22.04's and Python's `sqlite3` module report `PRAGMA integrity_check` = `ok` on a live
//! `baton.db` with runs in every state and on a `baton backup` copy. Checked with the machine's own
//! SQLite through Python's `sqlite3` module (the system library, not Baton's bundled one).

use crate::helpers::*;
use serde_json::json;
use std::path::Path;
use std::time::Duration;

/// `PRAGMA integrity_check` and the SQLite version, as the machine's Python sees the file.
fn system_integrity(db: &Path) -> (String, String) {
    let script = "import sqlite3, sys\n\
        c = sqlite3.connect('file:' + sys.argv[1] + '?mode=ro', uri=True)\n\
        rows = [r[0] for r in c.execute('PRAGMA integrity_check')]\n\
        c.execute('SELECT count(*) FROM flow_runs').fetchone()\n\
        print(sqlite3.sqlite_version)\n\
        print('; '.join(rows))\n";
    let out = std::process::Command::new("python3")
        .args(["-c", script, db.to_str().unwrap()])
        .output()
        .expect("python3 is on the machine (the test command needs it for the Prefect suites)");
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(
        out.status.success(),
        "python3 failed: {stdout}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let mut lines = stdout.lines();
    let version = lines.next().unwrap_or_default().to_string();
    (version, lines.next().unwrap_or_default().to_string())
}

#[tokio::test]
async fn sqlite_only_system_sqlite_finds_the_database_intact() {
    let app = spawn_app_without_worker().await;
    let flow = app.flow("every-state").await;
    let states = [
        ("SCHEDULED", "Scheduled"),
        ("SCHEDULED", "Late"),
        ("PENDING", "Pending"),
        ("RUNNING", "Running"),
        ("COMPLETED", "Completed"),
        ("FAILED", "Failed"),
        ("CANCELLED", "Cancelled"),
        ("CRASHED", "Crashed"),
        ("PAUSED", "Paused"),
        ("CANCELLING", "Cancelling"),
    ];
    for (i, (kind, name)) in states.iter().enumerate() {
        let expected = (chrono::Utc::now() - chrono::Duration::seconds(30 + i as i64)).to_rfc3339();
        let run = app
            .run(
                &flow,
                json!({"name": format!("run-{i}"), "state": {"type": "SCHEDULED", "name": "Scheduled",
                       "state_details": {"scheduled_time": expected}}}),
            )
            .await;
        let id = run.id.as_str();
        if *kind != "SCHEDULED" || *name != "Scheduled" {
            if matches!(
                *kind,
                "COMPLETED" | "FAILED" | "CRASHED" | "CANCELLING" | "PAUSED"
            ) {
                app.propose(id, json!({"type": "RUNNING", "name": "Running"}), true)
                    .await;
            }
            let (s, body) = app
                .set_state(id, json!({"type": kind, "name": name}), true)
                .await;
            assert!(s.is_success(), "{kind}/{name}: {body}");
        }
    }
    let (_, runs) = app.post("/flow_runs/filter", json!({})).await;
    assert_eq!(runs.as_array().unwrap().len(), states.len());
    let (s, history) = app
        .post(
            "/flow_runs/history",
            json!({"history_start": (chrono::Utc::now() - chrono::Duration::hours(1)).to_rfc3339(),
                   "history_end": (chrono::Utc::now() + chrono::Duration::minutes(1)).to_rfc3339(),
                   "history_interval_seconds": 600}),
        )
        .await;
    assert!(s.is_success(), "{history}");

    let db = app.home.join("baton.db");
    let (version, verdict) = system_integrity(&db);
    assert_eq!(
        verdict, "ok",
        "system SQLite {version} on the live database"
    );

    let backup = app.home.join("copy.db");
    let out = tokio::time::timeout(
        Duration::from_secs(60),
        tokio::process::Command::new(env!("CARGO_BIN_EXE_baton"))
            .args(["backup", backup.to_str().unwrap(), "--home"])
            .arg(&app.home)
            .output(),
    )
    .await
    .expect("backup in time")
    .unwrap();
    assert!(out.status.success(), "{out:?}");
    let (_, verdict) = system_integrity(&backup);
    assert_eq!(verdict, "ok", "system SQLite {version} on the backup");
    app.stop().await;
}
