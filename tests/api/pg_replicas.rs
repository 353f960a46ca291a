//! Several servers on one PostgreSQL database (run by the test command's PostgreSQL pass; without
//! `BATON_TEST_DATABASE_URL` these tests have nothing to run on and return at once): a run is claimed once
//! whichever server the claims go to, an event stored through one server reaches another's subscribers, and
//! exactly one server leads, another taking over when it stops.

use crate::events_ws::{connect, next_json};
use crate::helpers::*;
use futures_util::SinkExt;
use serde_json::json;
use std::time::{Duration, Instant};
use tokio_tungstenite::tungstenite::Message;

/// `n` servers without in-process workers on one new database, or `None` on SQLite.
async fn servers(n: usize) -> Option<(TestDatabase, Vec<TestApp>)> {
    let db = TestDatabase::create()?;
    let mut apps = Vec::new();
    for _ in 0..n {
        let url = db.url.clone();
        apps.push(
            spawn_with(move |c| {
                c.worker_pools.clear();
                c.database = Some(url);
            })
            .await,
        );
    }
    Some((db, apps))
}

async fn leads(app: &TestApp) -> bool {
    let text = app.text(&format!("http://{}/metrics", app.addr)).await;
    text.lines().any(|l| l.trim() == "baton_leader 1")
}

#[tokio::test]
async fn pg_only_a_run_is_claimed_once_across_servers() {
    let Some((_db, apps)) = servers(3).await else {
        return;
    };
    let flow = apps[0].flow("etl").await;
    for round in 0..5 {
        let run = apps[round % 3]
            .run(&flow, json!({"state": {"type": "SCHEDULED"}}))
            .await;
        let mut claims = Vec::new();
        for i in 0..12 {
            let (app, id) = (&apps[i % 3], run.id.clone());
            claims.push(async move {
                let (_, body) = app.set_state(&id, json!({"type": "PENDING"}), false).await;
                body["status"].as_str().unwrap_or_default().to_string()
            });
        }
        let results = futures_util::future::join_all(claims).await;
        let accepted = results.iter().filter(|s| *s == "ACCEPT").count();
        assert_eq!(accepted, 1, "round {round}: {results:?}");
    }
    for app in apps {
        app.stop().await;
    }
}

#[tokio::test]
async fn pg_only_an_event_stored_through_one_server_reaches_another_servers_subscribers() {
    let Some((_db, apps)) = servers(2).await else {
        return;
    };
    let flow = apps[0].flow("etl").await;
    let run = apps[0]
        .run(&flow, json!({"state": {"type": "RUNNING"}}))
        .await;
    let mut ws = connect(&apps[0], "/events/out").await;
    crate::events_ws::auth(&mut ws).await;
    let since = (chrono::Utc::now() - chrono::Duration::minutes(1)).to_rfc3339();
    let filter = json!({"type": "filter", "filter": {"occurred": {"since": since, "until": null},
        "event": {"name": ["prefect.flow-run.Cancelling"]}, "any_resource": null, "order": "DESC"}});
    ws.send(Message::Text(filter.to_string().into()))
        .await
        .unwrap();
    tokio::time::sleep(Duration::from_millis(200)).await;
    let started = Instant::now();
    apps[1]
        .propose(
            &run.id,
            json!({"type": "CANCELLING", "name": "Cancelling"}),
            false,
        )
        .await;
    let msg = next_json(&mut ws).await;
    let took = started.elapsed();
    assert_eq!(
        msg["event"]["event"], "prefect.flow-run.Cancelling",
        "{msg}"
    );
    assert_eq!(
        msg["event"]["resource"]["prefect.resource.id"],
        format!("prefect.flow-run.{}", run.id)
    );
    assert!(took < Duration::from_secs(1), "seen after {took:?}");
    for app in apps {
        app.stop().await;
    }
}

#[tokio::test]
async fn pg_only_one_server_leads_and_another_takes_over_when_it_stops() {
    let Some((_db, mut apps)) = servers(2).await else {
        return;
    };
    let (a, b) = poll_until(
        "exactly one leader",
        Duration::from_secs(10),
        || async { (leads(&apps[0]).await, leads(&apps[1]).await) },
        |(a, b)| a != b,
    )
    .await;
    let leader = apps.remove(if a && !b { 0 } else { 1 });
    leader.stop().await;
    let stopped = Instant::now();
    poll_until(
        "the other server leads",
        Duration::from_secs(10),
        || leads(&apps[0]),
        |l| *l,
    )
    .await;
    assert!(stopped.elapsed() < Duration::from_secs(10));
    for app in apps {
        app.stop().await;
    }
}

#[tokio::test]
async fn pg_only_db_stats_reads_the_database_and_backup_points_to_pg_dump() {
    let Some((db, apps)) = servers(1).await else {
        return;
    };
    let flow = apps[0].flow("etl").await;
    apps[0]
        .run(&flow, json!({"state": {"type": "SCHEDULED"}}))
        .await;
    let out = tokio::process::Command::new(env!("CARGO_BIN_EXE_baton"))
        .args(["db", "stats", "--database", &db.url, "--output", "json"])
        .env_remove("BATON_DATABASE_URL")
        .output()
        .await
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let stats: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let runs = stats["tables"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["name"] == "flow_runs")
        .expect("flow_runs listed");
    assert_eq!(runs["rows"], 1, "{stats}");
    assert!(runs["bytes"].as_u64().unwrap() > 0, "{stats}");
    let out = tokio::process::Command::new(env!("CARGO_BIN_EXE_baton"))
        .args(["backup", "/nonexistent/backup.db"])
        .env("BATON_DATABASE_URL", &db.url)
        .output()
        .await
        .unwrap();
    assert!(!out.status.success());
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("pg_dump"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    for app in apps {
        app.stop().await;
    }
}

#[tokio::test]
async fn pg_only_log_lines_sent_to_one_server_reach_another_servers_log_stream() {
    let Some((_db, apps)) = servers(2).await else {
        return;
    };
    let flow = apps[0].flow("logged").await;
    let run = apps[0].run(&flow, json!({})).await.id;
    let mut ws = connect(&apps[0], "/logs/out").await;
    crate::events_ws::auth(&mut ws).await;
    let now = chrono::Utc::now();
    let filter = json!({"level": {"ge_": 0, "le_": null},
        "timestamp": {"before_": (now + chrono::Duration::days(1)).to_rfc3339(),
                      "after_": (now - chrono::Duration::minutes(1)).to_rfc3339()},
        "flow_run_id": {"any_": [run]}, "task_run_id": null});
    ws.send(Message::Text(
        json!({"type": "filter", "filter": filter})
            .to_string()
            .into(),
    ))
    .await
    .unwrap();
    tokio::time::sleep(Duration::from_millis(200)).await;
    let started = Instant::now();
    let line = json!([{"name": "prefect.flow_runs", "level": 20, "message": "from B",
        "timestamp": chrono::Utc::now().to_rfc3339(), "flow_run_id": run, "task_run_id": null}]);
    assert_eq!(
        apps[1].post("/logs/", line).await.0,
        reqwest::StatusCode::CREATED
    );
    let msg = next_json(&mut ws).await;
    assert_eq!(msg["log"]["message"], "from B", "{msg}");
    assert!(
        started.elapsed() < Duration::from_secs(1),
        "{:?}",
        started.elapsed()
    );
    for app in apps {
        app.stop().await;
    }
}

#[tokio::test]
async fn pg_only_in_process_workers_of_several_servers_run_each_run_once() {
    let Some(db) = TestDatabase::create() else {
        return;
    };
    let mut apps = Vec::new();
    for _ in 0..3 {
        let url = db.url.clone();
        apps.push(spawn_with(move |c| c.database = Some(url)).await);
    }
    let out = tempfile::tempdir().unwrap();
    let file = out.path().join("ran.txt");
    let flow = apps[0].flow("jobs").await;
    let cmd = format!("sh -c 'echo $BATON_FLOW_RUN_ID >> {}'", file.display());
    let dep = apps[1]
        .deployment(
            json!({"name": "once", "flow_id": flow, "work_pool_name": "default",
                           "job_variables": {"command": cmd}, "enforce_parameter_schema": false}),
        )
        .await;
    let mut ids = Vec::new();
    for i in 0..24 {
        let (_, r) = apps[i % 3]
            .post(&format!("/deployments/{dep}/create_flow_run"), json!({}))
            .await;
        ids.push(r["id"].as_str().unwrap().to_string());
    }
    for id in &ids {
        let done = apps[0]
            .wait_state(
                id,
                &["COMPLETED", "FAILED", "CRASHED"],
                Duration::from_secs(60),
            )
            .await;
        assert_eq!(done.state_type.as_deref(), Some("COMPLETED"), "{done:?}");
        assert_eq!(done.run_count, 1, "{done:?}");
    }
    let text = std::fs::read_to_string(&file).unwrap();
    let mut ran: Vec<&str> = text.lines().collect();
    ran.sort();
    let mut want: Vec<&str> = ids.iter().map(String::as_str).collect();
    want.sort();
    assert_eq!(ran, want, "each run ran once");
    for app in apps {
        app.stop().await;
    }
}

#[tokio::test]
async fn pg_only_a_limits_slots_are_not_overtaken_across_servers() {
    let Some((_db, apps)) = servers(3).await else {
        return;
    };
    apps[0]
        .post("/v2/concurrency_limits/", json!({"name": "db", "limit": 2}))
        .await;
    let mut takers = Vec::new();
    for i in 0..12 {
        let app = &apps[i % 3];
        takers.push(async move {
            let r = app
                .client
                .post(app.url("/v2/concurrency_limits/increment-with-lease"))
                .json(&json!({"names": ["db"], "slots": 1, "lease_duration": 60}))
                .timeout(Duration::from_secs(3))
                .send()
                .await;
            matches!(r, Ok(r) if r.status() == reqwest::StatusCode::OK)
        });
    }
    let granted = futures_util::future::join_all(takers)
        .await
        .into_iter()
        .filter(|g| *g)
        .count();
    assert_eq!(
        granted, 2,
        "slots granted across 3 servers for a limit of 2"
    );
    let (_, limit) = apps[2].get("/v2/concurrency_limits/db").await;
    assert_eq!(limit["active_slots"], 2, "{limit}");
    for app in apps {
        app.stop().await;
    }
}

#[tokio::test]
async fn pg_only_a_schema_newer_than_this_baton_is_refused_with_a_clear_message() {
    let Some((db, apps)) = servers(1).await else {
        return;
    };
    for app in apps {
        app.stop().await;
    }
    let url = db.url.clone();
    std::thread::spawn(move || {
        let mut c = postgres::Client::connect(&url, postgres::NoTls).unwrap();
        c.batch_execute(
            "INSERT INTO baton_schema (version, applied) VALUES (9999, 'a newer Baton')",
        )
        .unwrap();
    })
    .join()
    .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let mut config =
        baton::config::ServeConfig::new("127.0.0.1:0".parse().unwrap(), dir.path().join("home"));
    config.database = Some(db.url.clone());
    let err = match baton::app::App::build(config).await {
        Ok(_) => panic!("a server started on a schema newer than it knows"),
        Err(e) => format!("{e:#}"),
    };
    assert!(
        err.contains("version 9999") && err.contains("upgrade Baton"),
        "{err}"
    );
}
