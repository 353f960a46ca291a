//! `baton worker start`: the real binary polls a pool over HTTP, runs commands, reports states and logs,
//! cancels on request, and stops cleanly on SIGTERM.

use crate::helpers::*;
use serde_json::{json, Value};
use std::process::{Command, Stdio};
use std::time::Duration;

async fn wait_state(app: &TestApp, id: &str, want: &str) -> Value {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
    loop {
        let (_, r) = app.get(&format!("/flow_runs/{id}")).await;
        if r["state_type"] == want {
            return r;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "run never reached {want}: {r}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_remote_worker_runs_and_cancels_runs() {
    let app = spawn_app_without_worker().await;
    app.post("/work_pools/", json!({"name": "remote", "type": "process"}))
        .await;
    let mut worker = Command::new(env!("CARGO_BIN_EXE_baton"))
        .args([
            "worker",
            "start",
            "--pool",
            "remote",
            "--name",
            "far-away",
            "--poll-seconds",
            "0.2",
            "--api",
            &app.base,
        ])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let flow = app.flow("jobs").await;
    let (_, d) = app
        .post("/deployments/", json!({"name": "echo", "flow_id": flow, "work_pool_name": "remote",
            "job_variables": {"command": "sh -c 'echo from $BATON_PARAM_WHO'"}, "parameters": {"who": "afar"}}))
        .await;
    let (_, run) = app
        .post(
            &format!("/deployments/{}/create_flow_run", d["id"].as_str().unwrap()),
            json!({}),
        )
        .await;
    let id = run["id"].as_str().unwrap().to_string();
    let done = wait_state(&app, &id, "COMPLETED").await;
    assert_eq!(done["labels"]["prefect.worker.name"], "far-away");
    let (_, logs) = app
        .post(
            "/logs/filter",
            json!({"logs": {"flow_run_id": {"any_": [id]}}}),
        )
        .await;
    assert_eq!(logs[0]["message"], "from afar");
    let (_, workers) = app
        .post("/work_pools/remote/workers/filter", json!({}))
        .await;
    assert_eq!(
        (workers[0]["name"].as_str(), workers[0]["status"].as_str()),
        (Some("far-away"), Some("ONLINE"))
    );

    let (_, d) = app
        .post("/deployments/", json!({"name": "sleep", "flow_id": flow, "work_pool_name": "remote", "job_variables": {"command": "sleep 60"}}))
        .await;
    let (_, run) = app
        .post(
            &format!("/deployments/{}/create_flow_run", d["id"].as_str().unwrap()),
            json!({}),
        )
        .await;
    let id = run["id"].as_str().unwrap().to_string();
    wait_state(&app, &id, "RUNNING").await;
    app.set_state(&id, json!({"type": "CANCELLING"}), false)
        .await;
    wait_state(&app, &id, "CANCELLED").await;

    Command::new("kill")
        .args(["-TERM", &worker.id().to_string()])
        .status()
        .unwrap();
    let deadline = std::time::Instant::now() + Duration::from_secs(15);
    let status = loop {
        if let Some(s) = worker.try_wait().unwrap() {
            break s;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "worker did not stop on SIGTERM"
        );
        std::thread::sleep(Duration::from_millis(20));
    };
    assert!(status.success());
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_killed_remote_worker_leaves_crashed_runs() {
    let app = spawn_app_without_worker().await;
    app.post("/work_pools/", json!({"name": "remote", "type": "process"}))
        .await;
    let mut worker = Command::new(env!("CARGO_BIN_EXE_baton"))
        .args([
            "worker",
            "start",
            "--pool",
            "remote",
            "--name",
            "doomed",
            "--poll-seconds",
            "0.2",
            "--heartbeat-seconds",
            "1",
        ])
        .args(["--api", &app.base])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let flow = app.flow("jobs").await;
    let (_, d) = app
        .post("/deployments/", json!({"name": "sleep", "flow_id": flow, "work_pool_name": "remote", "job_variables": {"command": "sleep 30"}}))
        .await;
    let (_, run) = app
        .post(
            &format!("/deployments/{}/create_flow_run", d["id"].as_str().unwrap()),
            json!({}),
        )
        .await;
    let id = run["id"].as_str().unwrap().to_string();
    let running = wait_state(&app, &id, "RUNNING").await;
    Command::new("kill")
        .args(["-KILL", &worker.id().to_string()])
        .status()
        .unwrap();
    worker.wait().unwrap();
    let crashed = wait_state(&app, &id, "CRASHED").await;
    assert!(crashed["state"]["message"]
        .as_str()
        .unwrap()
        .contains("doomed"));
    // The orphaned child (its own process group) is ended here; the pid must be a real child's (> 1).
    let pid: i32 = running["infrastructure_pid"]
        .as_str()
        .and_then(|p| p.parse().ok())
        .unwrap_or(0);
    if pid > 1 {
        let _ = nix::sys::signal::killpg(
            nix::unistd::Pid::from_raw(pid),
            nix::sys::signal::Signal::SIGKILL,
        );
    }
    app.stop().await;
}
