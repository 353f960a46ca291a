//! `baton worker start`: the real binary polls a pool over HTTP, runs commands, reports states and logs,
//! cancels on request, and stops cleanly on SIGTERM.

use crate::helpers::*;
use serde_json::json;
use std::process::{Command, Stdio};
use std::time::Duration;

/// How long a run may take to reach a state.
const STATE_WAIT: Duration = Duration::from_secs(30);

/// Starts `baton worker start --pool POOL ARGS… --api <app>` (output discarded).
fn start_worker(app: &TestApp, pool: &str, args: &[&str]) -> std::process::Child {
    Command::new(env!("CARGO_BIN_EXE_baton"))
        .args(["worker", "start", "--pool", pool])
        .args(args)
        .args(["--api", &app.base])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap()
}

/// Waits until a worker has registered on `pool` (its first heartbeat: it polls and waits from then on).
async fn registered(app: &TestApp, pool: &str) {
    let path = format!("/work_pools/{pool}/workers/filter");
    poll_until(
        "the worker to register",
        Duration::from_secs(15),
        || async {
            app.post(&path, json!({}))
                .await
                .1
                .as_array()
                .map_or(0, Vec::len)
        },
        |n| *n > 0,
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_remote_worker_runs_and_cancels_runs() {
    let app = spawn_app_without_worker().await;
    app.post("/work_pools/", json!({"name": "remote", "type": "process"}))
        .await;
    let mut worker = start_worker(
        &app,
        "remote",
        &["--name", "far-away", "--poll-seconds", "0.2"],
    );
    let flow = app.flow("jobs").await;
    let (_, d) = app
        .post("/deployments/", json!({"name": "echo", "flow_id": flow, "work_pool_name": "remote",
            "job_variables": {"command": "sh -c 'echo from $BATON_PARAM_WHO'"}, "parameters": {"who": "afar"}}))
        .await;
    let id = app.deployment_run(d["id"].as_str().unwrap()).await;
    let done = app.wait_state(&id, &["COMPLETED"], STATE_WAIT).await;
    assert_eq!(done.labels["prefect.worker.name"], "far-away");
    assert_eq!(app.log_messages(&id).await[0], "from afar");
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
    let id = app.deployment_run(d["id"].as_str().unwrap()).await;
    app.wait_state(&id, &["RUNNING"], STATE_WAIT).await;
    app.propose(&id, json!({"type": "CANCELLING"}), false).await;
    app.wait_state(&id, &["CANCELLED"], STATE_WAIT).await;

    Command::new("kill")
        .args(["-TERM", &worker.id().to_string()])
        .status()
        .unwrap();
    let status = poll_until(
        "the worker to stop on SIGTERM",
        Duration::from_secs(15),
        || std::future::ready(worker.try_wait().unwrap()),
        Option::is_some,
    )
    .await
    .unwrap();
    assert!(status.success());
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_killed_remote_worker_leaves_crashed_runs() {
    let app = spawn_app_without_worker().await;
    app.post("/work_pools/", json!({"name": "remote", "type": "process"}))
        .await;
    let args = [
        "--name",
        "doomed",
        "--poll-seconds",
        "0.2",
        "--heartbeat-seconds",
        "1",
    ];
    let mut worker = start_worker(&app, "remote", &args);
    let flow = app.flow("jobs").await;
    let (_, d) = app
        .post("/deployments/", json!({"name": "sleep", "flow_id": flow, "work_pool_name": "remote", "job_variables": {"command": "sleep 30"}}))
        .await;
    let id = app.deployment_run(d["id"].as_str().unwrap()).await;
    let running = app.wait_state(&id, &["RUNNING"], STATE_WAIT).await;
    Command::new("kill")
        .args(["-KILL", &worker.id().to_string()])
        .status()
        .unwrap();
    worker.wait().unwrap();
    let crashed = app.wait_state(&id, &["CRASHED"], STATE_WAIT).await;
    assert!(crashed
        .state
        .as_ref()
        .unwrap()
        .message
        .as_deref()
        .unwrap()
        .contains("doomed"));
    // The orphaned child (its own process group) is ended here; the pid must be a real child's (> 1).
    let pid: i32 = running
        .infrastructure_pid
        .as_deref()
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

/// Push dispatch: a worker that would poll only every two minutes starts a run created now, and one
/// scheduled a few seconds ahead, within seconds; it waits on the server's answer, not on its poll.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_remote_worker_is_told_of_due_runs_without_polling() {
    let app = spawn_app_without_worker().await;
    app.post("/work_pools/", json!({"name": "pushed", "type": "process"}))
        .await;
    let mut worker = start_worker(&app, "pushed", &["--poll-seconds", "120"]);
    // The worker's first poll and first ask happen at start; wait until it is waiting on the server.
    registered(&app, "pushed").await;
    let flow = app.flow("pushed-jobs").await;
    let (_, d) = app
        .post(
            "/deployments/",
            json!({"name": "now", "flow_id": flow, "work_pool_name": "pushed",
            "job_variables": {"command": "true"}}),
        )
        .await;
    let dep = d["id"].as_str().unwrap().to_string();
    let soon = Duration::from_secs(20);
    let id = app.deployment_run(&dep).await;
    app.wait_state(&id, &["COMPLETED"], soon).await;

    let at = chrono::Utc::now() + chrono::Duration::seconds(3);
    let (st, later) = app
        .post(
            &format!("/deployments/{dep}/create_flow_run"),
            json!({"state": {"type": "SCHEDULED", "state_details": {"scheduled_time": at.to_rfc3339()}}}),
        )
        .await;
    assert!(st.is_success(), "{later}");
    let later = later["id"].as_str().unwrap().to_string();
    let done = app.wait_state(&later, &["COMPLETED"], soon).await;
    let started = done
        .start_time
        .as_deref()
        .and_then(|t| chrono::DateTime::parse_from_rfc3339(t).ok());
    assert!(
        started.is_some_and(|t| t >= at),
        "the scheduled run started at its time, not before: {started:?} vs {at}"
    );
    let _ = worker.kill();
    let _ = worker.wait();
    app.stop().await;
}

/// A worker started on a pool that does not exist creates it (type `process`, as Prefect's workers do) and
/// waits on it at once: a run created afterwards starts without waiting for its (long) poll interval.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_remote_worker_creates_its_missing_pool_and_is_told_of_its_runs() {
    let app = spawn_app_without_worker().await;
    let mut worker = start_worker(&app, "made-by-worker", &["--poll-seconds", "120"]);
    registered(&app, "made-by-worker").await;
    let (st, pool) = app.get("/work_pools/made-by-worker").await;
    assert!(st.is_success(), "{pool}");
    assert_eq!(pool["type"], "process", "{pool}");
    let flow = app.flow("made-by-worker-jobs").await;
    let dep = app
        .deployment(
            json!({"name": "now", "flow_id": flow, "work_pool_name": "made-by-worker",
            "job_variables": {"command": "true"}}),
        )
        .await;
    let id = app.deployment_run(&dep).await;
    app.wait_state(&id, &["COMPLETED"], Duration::from_secs(20))
        .await;
    let _ = worker.kill();
    let _ = worker.wait();
    app.stop().await;
}
