//! More of the worker: a `git_clone` pull step, a killed child, a pool limit of one, and why a run waits.

use crate::helpers::*;
use serde_json::{json, Value};
use std::process::Command;
use std::time::Duration;

async fn deploy(app: &TestApp, name: &str, body: Value) -> String {
    let flow = app.flow("jobs").await;
    let mut b = json!({"name": name, "flow_id": flow, "work_pool_name": "default", "enforce_parameter_schema": false});
    b.as_object_mut()
        .unwrap()
        .extend(body.as_object().unwrap().clone());
    app.deployment(b).await
}

/// How long a run may take to get where a test waits for it.
const WAIT: Duration = Duration::from_secs(30);

fn git(dir: &std::path::Path, args: &[&str]) {
    let ok = Command::new("git")
        .args([
            "-c",
            "user.name=Baton Test",
            "-c",
            "user.email=test@example.invalid",
            "-c",
            "init.defaultBranch=main",
        ])
        .args(args)
        .current_dir(dir)
        .output()
        .unwrap();
    assert!(
        ok.status.success(),
        "git {args:?}: {}",
        String::from_utf8_lossy(&ok.stderr)
    );
}

#[tokio::test]
async fn git_clone_pull_steps_fetch_the_code() {
    let app = spawn_app().await;
    let tmp = tempfile::tempdir().unwrap();
    let bare = tmp.path().join("repo.git");
    std::fs::create_dir(&bare).unwrap();
    git(&bare, &["init", "--bare", "-q"]);
    let work = tmp.path().join("work");
    std::fs::create_dir(&work).unwrap();
    git(&work, &["init", "-q"]);
    std::fs::write(
        work.join("jobs.py"),
        "def greet():\n    print('hello from git')\n",
    )
    .unwrap();
    git(&work, &["add", "jobs.py"]);
    git(&work, &["commit", "-q", "-m", "code"]);
    git(&work, &["push", "-q", bare.to_str().unwrap(), "HEAD:main"]);
    let steps = json!([{"prefect.deployments.steps.git_clone": {"repository": bare.to_str().unwrap(), "branch": "main"}}]);
    let dep = deploy(
        &app,
        "from-git",
        json!({"entrypoint": "jobs.py:greet", "pull_steps": steps}),
    )
    .await;
    let id = app.deployment_run(&dep).await;
    let done = poll_until(
        "the run to end",
        WAIT,
        || app.flow_run(&id),
        |r| {
            r.state_type
                .as_deref()
                .is_some_and(|t| ["COMPLETED", "FAILED", "CRASHED"].contains(&t))
        },
    )
    .await;
    let logs = app.log_messages(&id).await;
    assert_eq!(done.state_type.as_deref(), Some("COMPLETED"), "{logs:?}");
    assert_eq!(logs[0], "hello from git");
    app.stop().await;
}

#[tokio::test]
async fn a_killed_child_is_crashed() {
    let app = spawn_app().await;
    let dep = deploy(
        &app,
        "victim",
        json!({"job_variables": {"command": "sleep 60"}}),
    )
    .await;
    let id = app.deployment_run(&dep).await;
    let r = app.wait_state(&id, &["RUNNING"], WAIT).await;
    let pid = r.infrastructure_pid.clone().unwrap();
    Command::new("kill").args(["-KILL", &pid]).status().unwrap();
    let done = app.wait_state(&id, &["CRASHED"], WAIT).await;
    assert!(done
        .state
        .as_ref()
        .unwrap()
        .message
        .as_deref()
        .unwrap()
        .contains("signal"));
    app.stop().await;
}

#[tokio::test]
async fn a_pool_limit_of_one_runs_one_at_a_time() {
    let app = spawn_app().await;
    app.patch("/work_pools/default", json!({"concurrency_limit": 1}))
        .await;
    let dep = deploy(
        &app,
        "short",
        json!({"job_variables": {"command": "sleep 0.2"}}),
    )
    .await;
    let mut ids = Vec::new();
    for _ in 0..5 {
        ids.push(app.deployment_run(&dep).await);
    }
    // Every look also checks that the pool never runs two at once.
    poll_every(
        Duration::from_millis(10),
        "all five complete",
        WAIT,
        || async {
            let (_, active) = app
                .post(
                    "/flow_runs/count",
                    json!({"flow_runs": {"state": {"type": {"any_": ["PENDING", "RUNNING"]}}}}),
                )
                .await;
            assert!(active.as_u64().unwrap() <= 1, "never two at once");
            let (_, done) = app
                .post(
                    "/flow_runs/count",
                    json!({"flow_runs": {"state": {"type": {"any_": ["COMPLETED"]}}}}),
                )
                .await;
            done
        },
        |done| *done == json!(5),
    )
    .await;
    app.stop().await;
}

#[tokio::test]
async fn why_a_run_waits() {
    let app = spawn_app_without_worker().await;
    let dep = deploy(&app, "idle", json!({"paused": true})).await;
    let id = app.deployment_run(&dep).await;
    let (_, why) = app.get(&format!("/baton/flow_runs/{id}/why")).await;
    let text = why["reasons"].to_string();
    assert!(
        text.contains("is paused") && text.contains("No worker has polled"),
        "{text}"
    );
    let (s, v) = app
        .get(&format!("/baton/flow_runs/{}/why", uuid::Uuid::new_v4()))
        .await;
    assert_detail(s, &v, reqwest::StatusCode::NOT_FOUND, "not found");
    app.stop().await;
}

#[tokio::test]
async fn a_failed_command_with_retries_runs_again_in_a_new_process() {
    let app = spawn_app().await;
    let dep = deploy(
        &app,
        "flaky-cmd",
        json!({"job_variables": {"command": "sh -c 'exit 1'"}}),
    )
    .await;
    let (_, r) = app
        .post(
            &format!("/deployments/{dep}/create_flow_run"),
            json!({"empirical_policy": {"retries": 1, "retry_delay": 0}}),
        )
        .await;
    let id = r["id"].as_str().unwrap().to_string();
    let done = app.wait_state(&id, &["FAILED"], WAIT).await;
    assert_eq!(done.run_count, 2, "retried once by the worker: {done:?}");
}

#[tokio::test]
async fn hostile_numbers_are_refused_or_bounded() {
    let app = spawn_app_without_worker().await;
    let flow = app.flow("edge").await;
    let (s, v) = app
        .post(
            "/deployments/",
            json!({"name": "x", "flow_id": flow, "concurrency_limit": 0}),
        )
        .await;
    assert_detail(
        s,
        &v,
        reqwest::StatusCode::UNPROCESSABLE_ENTITY,
        "concurrency_limit",
    );
    let dep = deploy(
        &app,
        "ok",
        json!({"schedules": [{"schedule": {"interval": 3600}}]}),
    )
    .await;
    let (s, v) = app
        .post(
            &format!("/deployments/{dep}/schedule"),
            json!({"min_time": 1e15, "min_runs": 0}),
        )
        .await;
    assert_detail(s, &v, reqwest::StatusCode::UNPROCESSABLE_ENTITY, "min_time");
    let (s, v) = app
        .post(
            "/flow_runs/",
            json!({"flow_id": flow, "state": {"type": "SCHEDULED",
        "state_details": {"scheduled_time": "+262143-06-01T00:00:00+00:00"}}}),
        )
        .await;
    assert_detail(
        s,
        &v,
        reqwest::StatusCode::UNPROCESSABLE_ENTITY,
        "scheduled_time",
    );
    let ids: Vec<String> = (0..1001)
        .map(|_| uuid::Uuid::new_v4().to_string())
        .collect();
    let (s, v) = app
        .post(
            "/flow_runs/filter",
            json!({"flow_runs": {"id": {"any_": ids}}}),
        )
        .await;
    assert_detail(
        s,
        &v,
        reqwest::StatusCode::UNPROCESSABLE_ENTITY,
        "at most 1000",
    );
    let (_, r) = app
        .post(
            "/flow_runs/",
            json!({"flow_id": flow, "empirical_policy": {"retries": 1, "retry_delay": 1e300},
        "state": {"type": "RUNNING"}}),
        )
        .await;
    let (s, out) = app
        .set_state(r["id"].as_str().unwrap(), json!({"type": "FAILED"}), false)
        .await;
    assert_eq!(
        (s, out["state"]["name"].as_str()),
        (reqwest::StatusCode::CREATED, Some("AwaitingRetry")),
        "a huge delay is bounded"
    );
    app.post(
        "/work_pools/default/workers/heartbeat",
        json!({"name": "w", "heartbeat_interval_seconds": i64::MAX}),
    )
    .await;
    let (s, _) = app.get("/health").await;
    assert_eq!(s, reqwest::StatusCode::OK, "the server is still up");
    assert_eq!(
        app.post("/flows/count", json!({})).await.0,
        reqwest::StatusCode::OK,
        "and still writes"
    );
    app.stop().await;
}
