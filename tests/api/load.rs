//! Load (issue 7): 50 concurrent API clients reading and writing, runs created at 20/s from a deployment,
//! and four claimers racing to claim every run, for 10 s (10 minutes with `BATON_LONG_TESTS=1`). Zero 5xx,
//! zero "database is locked", every acknowledged write readable afterwards, and no run claimed twice: a
//! second PENDING proposal gets ABORT and is counted as a conflict.

use crate::helpers::spawn_app_without_worker;
use reqwest::{Client, StatusCode};
use serde_json::{json, Value};
use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

const CLIENTS: usize = 50;
const CLAIMERS: usize = 4;
const RUNS_PER_SECOND: u64 = 20;

#[derive(Default)]
struct Tally {
    requests: AtomicU64,
    server_errors: Mutex<Vec<String>>,
    latencies_us: Mutex<Vec<u64>>,
    variables: Mutex<Vec<String>>,
    runs: Mutex<Vec<String>>,
    logs: AtomicU64,
    claims: Mutex<HashMap<String, u32>>,
    conflicts: AtomicU64,
    completed: AtomicU64,
}

impl Tally {
    /// Sends, times and screens one request; `None` on a transport error (counted as a failure).
    async fn send(&self, req: reqwest::RequestBuilder) -> Option<(StatusCode, Value)> {
        let t = Instant::now();
        let r = req.send().await;
        self.requests.fetch_add(1, Ordering::Relaxed);
        let r = match r {
            Ok(r) => r,
            Err(e) => {
                self.server_errors
                    .lock()
                    .unwrap()
                    .push(format!("transport: {e}"));
                return None;
            }
        };
        let status = r.status();
        let text = r.text().await.unwrap_or_default();
        self.latencies_us
            .lock()
            .unwrap()
            .push(t.elapsed().as_micros() as u64);
        if status.is_server_error() || text.contains("database is locked") {
            self.server_errors
                .lock()
                .unwrap()
                .push(format!("{status}: {text}"));
        }
        Some((status, serde_json::from_str(&text).unwrap_or(Value::Null)))
    }
}

fn duration() -> Duration {
    if std::env::var("BATON_LONG_TESTS").is_ok_and(|v| v == "1") {
        Duration::from_secs(600)
    } else {
        Duration::from_secs(10)
    }
}

async fn client_loop(base: String, n: usize, flow: String, t: Arc<Tally>, until: Instant) {
    let c = Client::new();
    let mut i = 0u64;
    while Instant::now() < until {
        i += 1;
        match i % 5 {
            0 => {
                let name = format!("v_{n}_{i}");
                let req = c
                    .post(format!("{base}/variables/"))
                    .json(&json!({"name": name, "value": i}));
                if let Some((StatusCode::CREATED, _)) = t.send(req).await {
                    t.variables.lock().unwrap().push(name);
                }
            }
            1 => {
                let req = c
                    .post(format!("{base}/flow_runs/filter"))
                    .json(&json!({"limit": 50, "sort": "EXPECTED_START_TIME_DESC"}));
                t.send(req).await;
            }
            2 => {
                let req = c.post(format!("{base}/flow_runs/")).json(&json!({
                    "flow_id": flow, "state": {"type": "COMPLETED"}, "tags": ["load"]}));
                if let Some((StatusCode::CREATED, run)) = t.send(req).await {
                    let id = run["id"].as_str().unwrap_or_default().to_string();
                    let logs: Vec<Value> = (0..10)
                        .map(|k| {
                            json!({"name": "load", "level": 20, "message": format!("line {k}"),
                            "timestamp": "2026-01-01T00:00:00Z", "flow_run_id": id})
                        })
                        .collect();
                    let req = c.post(format!("{base}/logs/")).json(&logs);
                    if let Some((s, _)) = t.send(req).await {
                        if s.is_success() {
                            t.logs.fetch_add(10, Ordering::Relaxed);
                        }
                    }
                    t.runs.lock().unwrap().push(id);
                }
            }
            3 => {
                let req = c
                    .post(format!("{base}/deployments/filter"))
                    .json(&json!({"limit": 10}));
                t.send(req).await;
            }
            _ => {
                let req = c.post(format!("{base}/flow_runs/count")).json(&json!({}));
                t.send(req).await;
            }
        }
    }
}

/// A worker's claim loop: poll the pool, propose PENDING on each due run, finish the runs it won.
async fn claimer(base: String, n: usize, t: Arc<Tally>, stop: Arc<std::sync::atomic::AtomicBool>) {
    let c = Client::new();
    while !stop.load(Ordering::Relaxed) {
        let req = c
            .post(format!("{base}/work_pools/default/get_scheduled_flow_runs"))
            .json(&json!({"limit": 20}));
        let runs = match t.send(req).await {
            Some((StatusCode::OK, Value::Array(runs))) => runs,
            _ => Vec::new(),
        };
        if runs.is_empty() {
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        for r in runs {
            let id = r["flow_run"]["id"].as_str().unwrap_or_default().to_string();
            let url = format!("{base}/flow_runs/{id}/set_state");
            let req = c
                .post(&url)
                .json(&json!({"state": {"type": "PENDING", "message": format!("claimer {n}")}}));
            let Some((_, out)) = t.send(req).await else {
                continue;
            };
            match out["status"].as_str() {
                Some("ACCEPT") => {
                    *t.claims.lock().unwrap().entry(id.clone()).or_default() += 1;
                    for kind in ["RUNNING", "COMPLETED"] {
                        let req = c.post(&url).json(&json!({"state": {"type": kind}}));
                        t.send(req).await;
                    }
                    t.completed.fetch_add(1, Ordering::Relaxed);
                }
                Some("ABORT") => {
                    t.conflicts.fetch_add(1, Ordering::Relaxed);
                }
                _ => {}
            }
        }
    }
}

fn percentile(sorted: &[u64], p: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let i = ((sorted.len() - 1) as f64 * p).round() as usize;
    sorted[i] as f64 / 1000.0
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn fifty_clients_and_twenty_runs_a_second_lose_nothing_and_claim_once() {
    let app = spawn_app_without_worker().await;
    let base = app.base.clone();
    let flow = app.flow("load").await;
    let (s, dep) = app
        .post(
            "/deployments/",
            json!({"name": "load", "flow_id": flow, "work_pool_name": "default"}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{dep}");
    let dep = dep["id"].as_str().unwrap().to_string();
    let t = Arc::new(Tally::default());
    let run_for = duration();
    let started = Instant::now();
    let until = started + run_for;
    let stop = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let mut tasks = Vec::new();
    for n in 0..CLIENTS {
        tasks.push(tokio::spawn(client_loop(
            base.clone(),
            n,
            flow.clone(),
            t.clone(),
            until,
        )));
    }
    let claimers: Vec<_> = (0..CLAIMERS)
        .map(|n| tokio::spawn(claimer(base.clone(), n, t.clone(), stop.clone())))
        .collect();
    // Open loop: one creation every 50 ms whatever the latency, so the rate holds at 20/s.
    let c = Client::new();
    let mut creations = Vec::new();
    let mut tick = tokio::time::interval(Duration::from_millis(1000 / RUNS_PER_SECOND));
    while Instant::now() < until {
        tick.tick().await;
        let req = c
            .post(format!("{base}/deployments/{dep}/create_flow_run"))
            .json(&json!({}));
        let t = t.clone();
        creations.push(tokio::spawn(async move {
            match t.send(req).await {
                Some((StatusCode::CREATED, run)) => run["id"].as_str().map(String::from),
                _ => None,
            }
        }));
    }
    let mut created = Vec::new();
    for c in creations {
        created.extend(c.await.unwrap());
    }
    for task in tasks {
        task.await.unwrap();
    }
    let asked = run_for.as_secs() * RUNS_PER_SECOND;
    assert!(
        created.len() as u64 >= asked * 9 / 10,
        "only {} of {asked} runs were created",
        created.len()
    );
    // Let the claimers drain the backlog: wait while they make progress (15 s without a new claim is a
    // stall), for at most the load's own duration.
    let drain_started = Instant::now();
    let cap = drain_started + run_for.max(Duration::from_secs(30));
    let mut last = (0, Instant::now());
    loop {
        let n = t.claims.lock().unwrap().len();
        if n >= created.len() || Instant::now() > cap || last.1.elapsed() > Duration::from_secs(15)
        {
            break;
        }
        if n > last.0 {
            last = (n, Instant::now());
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let drained_in = drain_started.elapsed().as_secs_f64();
    stop.store(true, Ordering::Relaxed);
    for cl in claimers {
        cl.await.unwrap();
    }
    let elapsed = started.elapsed().as_secs_f64();

    let errors = t.server_errors.lock().unwrap().clone();
    assert!(
        errors.is_empty(),
        "{} failures, first: {:?}",
        errors.len(),
        &errors[..errors.len().min(5)]
    );
    // Every acknowledged write is readable.
    let runs = t.runs.lock().unwrap().clone();
    let variables = t.variables.lock().unwrap().clone();
    let (_, n) = app.post("/flow_runs/count", json!({})).await;
    assert_eq!(n, json!(runs.len() + created.len()), "runs stored");
    for id in runs.iter().chain(&created).step_by(7) {
        let (s, _) = app.get(&format!("/flow_runs/{id}")).await;
        assert_eq!(s, StatusCode::OK, "run {id}");
    }
    let (_, nv) = app.post("/variables/count", json!({})).await;
    assert_eq!(nv, json!(variables.len()), "variables stored");
    for name in variables.iter().step_by(11) {
        let (s, _) = app.get(&format!("/variables/name/{name}")).await;
        assert_eq!(s, StatusCode::OK, "variable {name}");
    }
    let mut stored_logs = 0u64;
    for id in &runs {
        let (_, logs) = app
            .post(
                "/logs/filter",
                json!({"logs": {"flow_run_id": {"any_": [id]}}, "limit": 200}),
            )
            .await;
        stored_logs += logs.as_array().map_or(0, |l| l.len() as u64);
    }
    assert_eq!(
        stored_logs,
        t.logs.load(Ordering::Relaxed),
        "log lines stored"
    );
    // Every deployment run was claimed exactly once and finished.
    let claims = t.claims.lock().unwrap().clone();
    assert_eq!(claims.len(), created.len(), "every created run was claimed");
    assert!(claims.values().all(|&c| c == 1), "a run was claimed twice");
    let (_, done) = app
        .post(
            "/flow_runs/count",
            json!({"flow_runs": {"deployment_id": {"any_": [dep]}, "state": {"type": {"any_": ["COMPLETED"]}}}}),
        )
        .await;
    assert_eq!(done, json!(created.len()));
    let mut lat = t.latencies_us.lock().unwrap().clone();
    lat.sort_unstable();
    println!(
        "load: {:.0} s, {} requests ({:.0}/s), p50 {:.2} ms, p99 {:.2} ms, max {:.1} ms; {} runs created at 20/s ({} asked), \
         {} claimed once each ({:.1} s after the load to drain the backlog), {} claim conflicts answered ABORT; {} client runs, {} log lines, {} variables; 0 errors",
        elapsed,
        t.requests.load(Ordering::Relaxed),
        t.requests.load(Ordering::Relaxed) as f64 / elapsed,
        percentile(&lat, 0.5),
        percentile(&lat, 0.99),
        percentile(&lat, 1.0),
        created.len(),
        asked,
        claims.len(),
        drained_in,
        t.conflicts.load(Ordering::Relaxed),
        runs.len(),
        stored_logs,
        variables.len(),
    );
    app.stop().await;
}
