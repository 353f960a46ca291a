//! Baton's own CLI, continued: flow runs (ls, logs, why, cancel), work pools and queues, errors that say what
//! exists and what to do, and `deployment execute` (helpers in `cli.rs`).

use crate::cli::{baton, deploy_greet};
use crate::helpers::*;
use serde_json::json;

#[tokio::test]
async fn flow_runs_ls_logs_why_and_cancel() {
    let app = spawn_app_without_worker().await;
    deploy_greet(&app).await;
    let run = baton(&app, &["deployment", "run", "greet/hello", "-o", "json"])
        .await
        .ok()
        .json();
    let id = run["id"].as_str().unwrap().to_string();
    let name = run["name"].as_str().unwrap().to_string();
    let ls = baton(&app, &["flow-run", "ls", "-o", "json"])
        .await
        .ok()
        .json();
    assert_eq!(ls[0]["id"], id);
    let r = baton(&app, &["flow-run", "ls"]).await.ok();
    assert!(
        r.stdout.contains(&name) && r.stdout.contains("greet"),
        "{}",
        r.stdout
    );
    app.post(
        "/logs/",
        json!([{"name": "t", "level": 20, "message": "a line from the run",
                               "timestamp": "2026-01-01T00:00:00Z", "flow_run_id": id}]),
    )
    .await;
    let r = baton(&app, &["flow-run", "logs", &name]).await.ok();
    assert!(r.stdout.contains("a line from the run"), "{}", r.stdout);
    let r = baton(&app, &["flow-run", "why", &id]).await.ok();
    assert!(r.stdout.contains("- "), "{}", r.stdout);
    let r = baton(&app, &["flow-run", "inspect", &id]).await.ok();
    assert!(r.stdout.contains("Scheduled"), "{}", r.stdout);
    baton(&app, &["flow-run", "cancel", &id]).await.ok();
    let (_, after) = app.get(&format!("/flow_runs/{id}")).await;
    assert_eq!(after["state_type"], "CANCELLED");
    let r = baton(&app, &["flow-run", "cancel", &id]).await;
    assert_eq!(r.code, 1);
    let f = baton(&app, &["flow", "ls", "-o", "json"]).await.ok().json();
    assert_eq!(f[0]["name"], "greet");
}

#[tokio::test]
async fn work_pools_and_queues() {
    let app = spawn_app_without_worker().await;
    baton(
        &app,
        &[
            "work-pool",
            "create",
            "etl-pool",
            "--concurrency-limit",
            "2",
        ],
    )
    .await
    .ok();
    let pools = baton(&app, &["work-pool", "ls", "-o", "json"])
        .await
        .ok()
        .json();
    assert!(pools
        .as_array()
        .unwrap()
        .iter()
        .any(|p| p["name"] == "etl-pool" && p["concurrency_limit"] == 2));
    let r = baton(&app, &["work-pool", "inspect", "etl-pool"])
        .await
        .ok();
    assert!(
        r.stdout.contains("Work pool 'etl-pool'") && r.stdout.contains("default"),
        "{}",
        r.stdout
    );
    baton(&app, &["work-pool", "pause", "etl-pool"]).await.ok();
    let (_, p) = app.get("/work_pools/etl-pool").await;
    assert_eq!(p["is_paused"], true);
    baton(&app, &["work-pool", "resume", "etl-pool"]).await.ok();
    let (_, p) = app.get("/work_pools/etl-pool").await;
    assert_eq!(p["is_paused"], false);
    baton(
        &app,
        &["work-queue", "create", "fast", "--pool", "etl-pool"],
    )
    .await
    .ok();
    let qs = baton(
        &app,
        &["work-queue", "ls", "--pool", "etl-pool", "-o", "json"],
    )
    .await
    .ok()
    .json();
    assert_eq!(qs.as_array().unwrap().len(), 2);
    baton(&app, &["work-queue", "pause", "fast", "--pool", "etl-pool"])
        .await
        .ok();
    baton(
        &app,
        &["work-queue", "delete", "fast", "--pool", "etl-pool"],
    )
    .await
    .ok();
    baton(&app, &["work-pool", "delete", "etl-pool"]).await.ok();
    let (status, _) = app.get("/work_pools/etl-pool").await;
    assert_eq!(status, 404);
}

#[tokio::test]
async fn errors_name_what_exists_and_what_to_do() {
    let app = spawn_app_without_worker().await;
    deploy_greet(&app).await;
    let r = baton(&app, &["deployment", "inspect", "nope/x"]).await;
    assert_eq!(r.code, 1);
    assert!(
        r.stderr.contains("existing deployments: greet/hello"),
        "{}",
        r.stderr
    );
    let r = baton(&app, &["deployment", "run", "nope"]).await;
    assert_eq!(r.code, 1);
    assert!(r.stderr.contains("greet/hello"), "{}", r.stderr);
    let r = baton(&app, &["work-pool", "inspect", "nope"]).await;
    assert_eq!(r.code, 1);
    assert!(r.stderr.contains("existing pools: default"), "{}", r.stderr);
    let r = baton(
        &app,
        &[
            "deploy",
            "--command",
            "true",
            "--flow",
            "f",
            "-n",
            "d",
            "-p",
            "nope",
        ],
    )
    .await;
    assert_eq!(r.code, 1);
    assert!(r.stderr.contains("existing pools: default"), "{}", r.stderr);
    let r = baton(&app, &["flow-run", "inspect", "no-such-run"]).await;
    assert_eq!(r.code, 1);
    assert_eq!(r.stderr.lines().count(), 1, "{}", r.stderr);
    // No terminal: the wizard does not start; the missing flags are named (usage error).
    let r = baton(&app, &["deploy"]).await;
    assert_eq!(r.code, 2);
    assert!(
        r.stderr.contains("--command") && r.stderr.contains("-n"),
        "{}",
        r.stderr
    );
    let r = baton(&app, &["deployment", "frobnicate"]).await;
    assert_eq!(r.code, 2);
    let mut cmd = tokio::process::Command::new(env!("CARGO_BIN_EXE_baton"));
    let out = cmd
        .args(["--api", "http://127.0.0.1:1/api", "deployment", "ls"])
        .output()
        .await
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("cannot reach Baton at http://127.0.0.1:1/api") && err.contains("baton serve"),
        "{err}"
    );
    let r = baton(&app, &["version"]).await.ok();
    assert!(r.stdout.contains("server at"), "{}", r.stdout);
    let r = baton(&app, &["completions", "bash"]).await.ok();
    assert!(r.stdout.contains("baton"));
}

#[tokio::test]
async fn execute_runs_a_deployment_here_without_a_worker() {
    let app = spawn_app_without_worker().await;
    deploy_greet(&app).await;
    let r = baton(
        &app,
        &[
            "deployment",
            "execute",
            "greet/hello",
            "--param",
            "who=here",
        ],
    )
    .await
    .ok();
    assert!(
        r.stdout.contains("hi here") && r.stdout.contains("Completed"),
        "{}",
        r.stdout
    );
    let later = baton(
        &app,
        &[
            "deployment",
            "run",
            "greet/hello",
            "--start-in",
            "1h",
            "-o",
            "json",
        ],
    )
    .await
    .ok()
    .json();
    let at = chrono::DateTime::parse_from_rfc3339(later["expected_start_time"].as_str().unwrap())
        .unwrap();
    let ahead = at.with_timezone(&chrono::Utc) - chrono::Utc::now();
    assert!(
        ahead > chrono::Duration::minutes(59) && ahead < chrono::Duration::minutes(61),
        "{ahead}"
    );
}
