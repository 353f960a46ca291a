//! A remote worker cut off from the server (issue 7): `baton worker start` talks to the API through a
//! loopback proxy the test controls. While the proxy refuses every connection (5 s; 60 s with
//! `BATON_LONG_TESTS=1`) the run's process keeps going; when the proxy lets traffic through again, the
//! lines it printed meanwhile are delivered (each exactly once) and its final state lands.

use crate::helpers::*;
use crate::server_proc::{alive, signal};
use nix::sys::signal::Signal;
use serde_json::json;
use std::net::SocketAddr;
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::net::{TcpListener, TcpStream};

/// A TCP proxy to `to`; while `cut` is set it drops open connections and refuses new ones.
async fn proxy(to: SocketAddr, cut: Arc<AtomicBool>) -> SocketAddr {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        while let Ok((mut inbound, _)) = listener.accept().await {
            if cut.load(Ordering::SeqCst) {
                continue; // dropped: the worker sees the connection reset
            }
            let cut = cut.clone();
            tokio::spawn(async move {
                let Ok(mut outbound) = TcpStream::connect(to).await else {
                    return;
                };
                let copy = tokio::io::copy_bidirectional(&mut inbound, &mut outbound);
                let watch = async {
                    while !cut.load(Ordering::SeqCst) {
                        tokio::time::sleep(Duration::from_millis(20)).await;
                    }
                };
                tokio::select! {
                    _ = copy => {}
                    _ = watch => {} // both sockets close when dropped here
                }
            });
        }
    });
    addr
}

async fn lines_of(app: &TestApp, id: &str) -> Vec<String> {
    let mut out = Vec::new();
    for page in 0..100 {
        let (_, logs) = app
            .post(
                "/logs/filter",
                json!({"logs": {"flow_run_id": {"any_": [id]}}, "limit": 200,
                    "offset": page * 200, "sort": "TIMESTAMP_ASC"}),
            )
            .await;
        let logs = logs.as_array().unwrap();
        out.extend(
            logs.iter()
                .filter(|l| l["name"] != "baton.process")
                .filter_map(|l| l["message"].as_str().map(String::from)),
        );
        if logs.len() < 200 {
            break;
        }
    }
    out
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_worker_cut_off_keeps_running_buffers_logs_and_reports_on_reconnect() {
    let cut_for = if std::env::var("BATON_LONG_TESTS").is_ok_and(|v| v == "1") {
        60
    } else {
        5
    };
    let app = spawn_app_without_worker().await;
    app.post("/work_pools/", json!({"name": "far", "type": "process"}))
        .await;
    let cut = Arc::new(AtomicBool::new(false));
    let via = proxy(app.addr, cut.clone()).await;
    let mut worker = Command::new(env!("CARGO_BIN_EXE_baton"))
        .args(["worker", "start", "--pool", "far", "--name", "islander"])
        .args([
            "--poll-seconds",
            "0.2",
            "--api",
            &format!("http://{via}/api"),
        ])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    // One line every 100 ms, lasting the cut plus 4 s.
    let total = (cut_for + 4) * 10;
    let cmd = format!(
        "sh -c 'i=0; while [ $i -lt {total} ]; do echo line $i; i=$((i+1)); sleep 0.1; done'"
    );
    let flow = app.flow("island").await;
    let (_, d) = app
        .post(
            "/deployments/",
            json!({"name": "ticker", "flow_id": flow,
            "work_pool_name": "far", "job_variables": {"command": cmd}}),
        )
        .await;
    let id = app.deployment_run(d["id"].as_str().unwrap()).await;
    let (_, r) = poll_until(
        "the run to start (RUNNING, a pid, a line)",
        Duration::from_secs(30),
        || async {
            let r = app.flow_run(&id).await;
            let started =
                r.state_type.as_deref() == Some("RUNNING") && !lines_of(&app, &id).await.is_empty();
            (started, r)
        },
        |(started, r)| *started && r.infrastructure_pid.is_some(),
    )
    .await;
    let pid: u32 = r.infrastructure_pid.as_deref().unwrap().parse().unwrap();

    cut.store(true, Ordering::SeqCst);
    let seen_before = lines_of(&app, &id).await.len();
    let cut_until = Instant::now() + Duration::from_secs(cut_for);
    while Instant::now() < cut_until {
        assert!(
            alive(pid),
            "the run's process died while the worker was cut off"
        );
        assert_eq!(
            app.flow_run(&id).await.state_type.as_deref(),
            Some("RUNNING")
        );
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    let seen_during = lines_of(&app, &id).await.len();
    assert!(
        seen_during <= seen_before + 3,
        "lines reached the server through the cut: {seen_before} -> {seen_during}"
    );
    cut.store(false, Ordering::SeqCst);

    let final_state = Duration::from_secs(cut_for + 60);
    app.wait_state(&id, &["COMPLETED"], final_state).await;
    let lines = poll_until(
        "every line",
        Duration::from_secs(30),
        || lines_of(&app, &id),
        |lines| lines.len() >= total as usize,
    )
    .await;
    let want: Vec<String> = (0..total).map(|i| format!("line {i}")).collect();
    assert_eq!(lines, want, "every line delivered once, in order");
    signal(worker.id(), Signal::SIGTERM);
    poll_until(
        "the worker to stop on SIGTERM",
        Duration::from_secs(15),
        || std::future::ready(worker.try_wait().unwrap()),
        Option::is_some,
    )
    .await;
    app.stop().await;
}
