//! The in-process worker of `baton serve`: commands and plain Python functions run at once, output becomes
//! logs, failures and timeouts end FAILED, cancellation stops the process group.

use crate::helpers::*;
use serde_json::{json, Value};
use std::time::Duration;

async fn deploy(app: &TestApp, name: &str, job_variables: Value, extra: Value) -> String {
    let flow = app.flow("jobs").await;
    let mut body = json!({"name": name, "flow_id": flow, "work_pool_name": "default", "job_variables": job_variables,
                          "enforce_parameter_schema": false});
    if let (Some(b), Some(e)) = (body.as_object_mut(), extra.as_object()) {
        b.extend(e.clone());
    }
    app.deployment(body).await
}

async fn run(app: &TestApp, deployment: &str, parameters: Value) -> String {
    let (_, r) = app
        .post(
            &format!("/deployments/{deployment}/create_flow_run"),
            json!({"parameters": parameters}),
        )
        .await;
    r["id"]
        .as_str()
        .unwrap_or_else(|| panic!("no run: {r}"))
        .to_string()
}

/// How long a run may take to reach a state.
const STATE_WAIT: Duration = Duration::from_secs(20);

#[tokio::test]
async fn commands_run_at_once_with_parameters_and_logs() {
    let app = spawn_app().await;
    let cmd = "sh -c 'echo hello $BATON_PARAM_NAME; echo oops >&2'";
    let dep = deploy(
        &app,
        "hello",
        json!({"command": cmd}),
        json!({"parameters": {"name": "world"}}),
    )
    .await;
    let id = run(&app, &dep, json!({})).await;
    let done = app
        .wait_state(&id, &["COMPLETED", "FAILED", "CRASHED"], STATE_WAIT)
        .await;
    assert_eq!(done.state_type.as_deref(), Some("COMPLETED"), "{done:?}");
    assert_eq!(done.run_count, 1);
    assert!(done.infrastructure_pid.is_some());
    assert_eq!(done.labels["prefect.work-pool.name"], "default");
    let lines = app.log_messages(&id).await;
    assert!(lines.contains(&"hello world".to_string()), "{lines:?}");
    assert!(lines.contains(&"oops".to_string()), "{lines:?}");
    // The line saying the process ended comes after its last output, in time order.
    let all = poll_until(
        "the process's end in the run's logs",
        STATE_WAIT,
        || async {
            let body = json!({"logs": {"flow_run_id": {"any_": [id]}}, "sort": "TIMESTAMP_ASC"});
            let (_, logs) = app.post("/logs/filter", body).await;
            logs.as_array()
                .unwrap()
                .iter()
                .map(|l| l["message"].as_str().unwrap().to_string())
                .collect::<Vec<_>>()
        },
        |l| l.iter().any(|m| m.contains("exited with code")),
    )
    .await;
    assert!(
        all.last().unwrap().ends_with("exited with code 0."),
        "{all:?}"
    );

    let failing = deploy(
        &app,
        "fails",
        json!({"command": "sh -c 'exit 3'"}),
        json!({}),
    )
    .await;
    let id = run(&app, &failing, json!({})).await;
    let done = app
        .wait_state(&id, &["COMPLETED", "FAILED", "CRASHED"], STATE_WAIT)
        .await;
    assert_eq!(done.state_type.as_deref(), Some("FAILED"));
    assert!(done
        .state
        .as_ref()
        .unwrap()
        .message
        .as_deref()
        .unwrap()
        .contains("code 3"));
    // The worker's own lines tell of the process: which one started, with what command, and how it ended.
    let pid = done.infrastructure_pid.clone().unwrap();
    let lines = poll_until(
        "the worker's lines about the process",
        STATE_WAIT,
        || app.process_lines(&id),
        |l| l.len() >= 2,
    )
    .await;
    assert!(
        lines[0].starts_with("Worker '")
            && lines[0].ends_with(&format!("started process {pid}: sh -c 'exit 3'")),
        "{lines:?}"
    );
    assert_eq!(
        lines[1],
        format!("Process {pid} exited with code 3."),
        "{lines:?}"
    );

    let missing = deploy(
        &app,
        "missing",
        json!({"command": "/no/such/program"}),
        json!({}),
    )
    .await;
    let id = run(&app, &missing, json!({})).await;
    let done = app
        .wait_state(&id, &["COMPLETED", "FAILED", "CRASHED"], STATE_WAIT)
        .await;
    assert_eq!(done.state_type.as_deref(), Some("FAILED"));
    assert!(app
        .log_messages(&id)
        .await
        .iter()
        .any(|l| l.contains("could not start")));
    app.stop().await;
}

#[tokio::test]
async fn python_functions_run_through_the_bootstrap() {
    let app = spawn_app().await;
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("jobs.py"),
        "def greet(name, times=1):\n    for _ in range(times):\n        print(f'hi {name}')\n\ndef boom():\n    raise ValueError('nope')\n",
    )
    .unwrap();
    let path = dir.path().to_string_lossy().to_string();
    let greet = deploy(
        &app,
        "greet",
        json!({}),
        json!({"entrypoint": "jobs.py:greet", "path": path}),
    )
    .await;
    let id = run(&app, &greet, json!({"name": "ada", "times": 2})).await;
    let done = app
        .wait_state(&id, &["COMPLETED", "FAILED", "CRASHED"], STATE_WAIT)
        .await;
    assert_eq!(
        done.state_type.as_deref(),
        Some("COMPLETED"),
        "{done:?} {:?}",
        app.log_messages(&id).await
    );
    assert_eq!(app.log_messages(&id).await, ["hi ada", "hi ada"]);
    let boom = deploy(
        &app,
        "boom",
        json!({}),
        json!({"entrypoint": "jobs.py:boom", "path": path}),
    )
    .await;
    let id = run(&app, &boom, json!({})).await;
    let done = app
        .wait_state(&id, &["COMPLETED", "FAILED", "CRASHED"], STATE_WAIT)
        .await;
    assert_eq!(done.state_type.as_deref(), Some("FAILED"));
    assert!(
        app.log_messages(&id)
            .await
            .iter()
            .any(|l| l.contains("ValueError: nope")),
        "traceback in the logs"
    );
    app.stop().await;
}

#[tokio::test]
async fn cancellation_and_timeouts_stop_the_process_group() {
    let app = spawn_app().await;
    let dep = deploy(
        &app,
        "sleepy",
        json!({"command": "sh -c 'sleep 60 & sleep 60; wait'"}),
        json!({}),
    )
    .await;
    let id = run(&app, &dep, json!({})).await;
    let running = app.wait_state(&id, &["RUNNING"], STATE_WAIT).await;
    let pid: i32 = running
        .infrastructure_pid
        .as_deref()
        .unwrap()
        .parse()
        .unwrap();
    let started = std::time::Instant::now();
    app.propose(
        &id,
        json!({"type": "CANCELLING", "name": "Cancelling"}),
        false,
    )
    .await;
    let done = app.wait_state(&id, &["CANCELLED"], STATE_WAIT).await;
    assert!(
        started.elapsed() < Duration::from_secs(10),
        "cancelled within seconds"
    );
    assert!(done.end_time.is_some());
    poll_until(
        "the whole process group to be gone",
        Duration::from_secs(5),
        || {
            std::future::ready(
                nix::sys::signal::killpg(nix::unistd::Pid::from_raw(pid), None).is_ok(),
            )
        },
        |alive| !alive,
    )
    .await;
    let slow = deploy(
        &app,
        "slow",
        json!({"command": "sleep 60", "timeout_seconds": 1}),
        json!({}),
    )
    .await;
    let id = run(&app, &slow, json!({})).await;
    let done = app
        .wait_state(&id, &["FAILED", "COMPLETED", "CRASHED"], STATE_WAIT)
        .await;
    assert_eq!(
        (done.state_type.as_deref(), done.state_name.as_deref()),
        (Some("FAILED"), Some("TimedOut"))
    );
    app.stop().await;
}
