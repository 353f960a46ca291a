//! Faults (issue 7): `kill -9` of `baton serve` while clients write, ~50 runs stream their output as logs,
//! and the scheduler keeps runs ahead; then a restart on the same data dir. The database passes
//! `PRAGMA integrity_check`, every acknowledged write is there, the killed server's runs end CRASHED (none
//! stays PENDING/RUNNING) and their orphaned processes are stopped, and the scheduler neither loses nor
//! duplicates a scheduled run. `BATON_LONG_TESTS=1` repeats the kill/restart cycle five times.

use crate::helpers::poll_every;
use crate::server_proc::{alive, start};
use reqwest::{Client, StatusCode};
use serde_json::{json, Value};
use std::collections::{BTreeMap, BTreeSet};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

const RUNS: usize = 50;

async fn post(c: &Client, url: String, body: Value) -> Option<(StatusCode, Value)> {
    let r = c.post(url).json(&body).send().await.ok()?;
    let s = r.status();
    Some((s, r.json().await.unwrap_or(Value::Null)))
}

async fn get(c: &Client, url: String) -> (StatusCode, Value) {
    let r = c.get(url).send().await.unwrap();
    let s = r.status();
    (s, r.json().await.unwrap_or(Value::Null))
}

/// Between two looks at the server: it is under load here (50 runs, 4 writers), so probes stay sparse.
const EVERY: Duration = Duration::from_millis(100);

async fn count(c: &Client, api: &str, states: &[&str], dep: &str) -> u64 {
    let body = json!({"flow_runs": {"state": {"type": {"any_": states}},
        "deployment_id": {"any_": [dep]}}});
    post(c, format!("{api}/flow_runs/count"), body)
        .await
        .and_then(|(_, v)| v.as_u64())
        .unwrap_or(u64::MAX)
}

/// expected_start_time → number of runs, for a deployment's SCHEDULED runs.
async fn scheduled_times(c: &Client, api: &str, dep: &str) -> BTreeMap<String, u32> {
    let body = json!({"flow_runs": {"deployment_id": {"any_": [dep]}}, "limit": 200});
    let (_, runs) = post(c, format!("{api}/flow_runs/filter"), body)
        .await
        .unwrap();
    let mut out = BTreeMap::new();
    for r in runs.as_array().unwrap() {
        *out.entry(r["expected_start_time"].as_str().unwrap().to_string())
            .or_default() += 1;
    }
    out
}

/// Writes variables and log lines until `stop`, recording the ones the server acknowledged.
async fn writer(api: String, stop: Arc<AtomicBool>, acked: Arc<Mutex<Vec<String>>>, tag: String) {
    let c = Client::builder()
        .timeout(Duration::from_secs(5))
        .build()
        .unwrap();
    let mut i = 0;
    while !stop.load(Ordering::Relaxed) && i < 100_000 {
        i += 1;
        let name = format!("{tag}_{i}");
        match post(
            &c,
            format!("{api}/variables/"),
            json!({"name": name, "value": i}),
        )
        .await
        {
            Some((StatusCode::CREATED, _)) => acked.lock().unwrap().push(name),
            Some(_) => {}
            None => tokio::time::sleep(Duration::from_millis(20)).await,
        }
    }
}

fn integrity_ok(home: &std::path::Path) {
    let db = rusqlite::Connection::open(home.join("baton.db")).unwrap();
    let verdict: String = db
        .query_row("PRAGMA integrity_check", [], |r| r.get(0))
        .unwrap();
    assert_eq!(verdict, "ok", "integrity_check after kill -9");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn kill_9_under_load_then_restart_loses_nothing() {
    let cycles = if std::env::var("BATON_LONG_TESTS").is_ok_and(|v| v == "1") {
        5
    } else {
        1
    };
    let dir = tempfile::tempdir().unwrap();
    let home = dir.path().join("home");
    let c = Client::builder()
        .timeout(Duration::from_secs(20))
        .build()
        .unwrap();
    let mut server = start(&home, &["--limit", "60"]);
    let api = server.api.clone();
    let (_, flow) = post(&c, format!("{api}/flows/"), json!({"name": "faults"}))
        .await
        .unwrap();
    let flow = flow["id"].as_str().unwrap().to_string();
    // Each run prints a line every 100 ms for at most 60 s (bounded, should a test fail).
    let cmd = "sh -c 'i=0; while [ $i -lt 600 ]; do echo tick $i; i=$((i+1)); sleep 0.1; done'";
    let (s, dep) = post(
        &c,
        format!("{api}/deployments/"),
        json!({"name": "ticker",
        "flow_id": flow, "work_pool_name": "default", "job_variables": {"command": cmd}}),
    )
    .await
    .unwrap();
    assert_eq!(s, StatusCode::CREATED, "{dep}");
    let dep = dep["id"].as_str().unwrap().to_string();
    let (s, sched) = post(&c, format!("{api}/deployments/"), json!({"name": "hourly-ahead",
        "flow_id": flow, "work_pool_name": "default",
        "schedules": [{"schedule": {"interval": 600, "anchor_date": "2026-01-01T00:00:00Z"}, "active": true}]}))
    .await
    .unwrap();
    assert_eq!(s, StatusCode::CREATED, "{sched}");
    let sched = sched["id"].as_str().unwrap().to_string();
    let ahead_before = poll_every(
        EVERY,
        "scheduled runs ahead",
        Duration::from_secs(30),
        || scheduled_times(&c, &api, &sched),
        |t| t.len() >= 3,
    )
    .await;
    let acked = Arc::new(Mutex::new(Vec::new()));
    for cycle in 0..cycles {
        let api = server.api.clone();
        for _ in 0..RUNS {
            let url = format!("{api}/deployments/{dep}/create_flow_run");
            let (s, _) = post(&c, url, json!({})).await.unwrap();
            assert_eq!(s, StatusCode::CREATED);
        }
        poll_every(
            EVERY,
            "50 runs RUNNING",
            Duration::from_secs(60),
            || count(&c, &api, &["RUNNING"], &dep),
            |n| *n == RUNS as u64,
        )
        .await;
        let body = json!({"flow_runs": {"deployment_id": {"any_": [dep]},
            "state": {"type": {"any_": ["RUNNING"]}}}, "limit": 200});
        let (_, running) = post(&c, format!("{api}/flow_runs/filter"), body)
            .await
            .unwrap();
        let pids: Vec<u32> = running
            .as_array()
            .unwrap()
            .iter()
            .filter_map(|r| r["infrastructure_pid"].as_str()?.parse().ok())
            .collect();
        assert_eq!(pids.len(), RUNS, "every running run has a pid");
        let first = running[0]["id"].clone();
        let logs = json!({"logs": {"flow_run_id": {"any_": [first]}}, "limit": 200});
        let streamed = poll_every(
            EVERY,
            "log lines streamed",
            Duration::from_secs(20),
            || async {
                let (_, l) = post(&c, format!("{api}/logs/filter"), logs.clone()).await?;
                l.as_array().map(Vec::len)
            },
            |n| n.is_some_and(|n| n > 0),
        )
        .await
        .unwrap();
        // Writers hammer the server, then it is killed mid-write while the runs stream logs.
        let acked_before = acked.lock().unwrap().len();
        let stop = Arc::new(AtomicBool::new(false));
        let writers: Vec<_> = (0..4)
            .map(|w| {
                tokio::spawn(writer(
                    api.clone(),
                    stop.clone(),
                    acked.clone(),
                    format!("c{cycle}w{w}"),
                ))
            })
            .collect();
        poll_every(
            EVERY,
            "200 acknowledged writes",
            Duration::from_secs(20),
            || std::future::ready(acked.lock().unwrap().len()),
            |n| *n >= acked_before + 200,
        )
        .await;
        server.kill9();
        stop.store(true, Ordering::Relaxed);
        for w in writers {
            w.await.unwrap();
        }
        integrity_ok(&home);
        server = start(&home, &["--limit", "60"]);
        let api = server.api.clone();
        // No run stays PENDING or RUNNING: the restarted worker crashes its predecessor's runs...
        poll_every(
            EVERY,
            "no run left PENDING/RUNNING",
            Duration::from_secs(30),
            || count(&c, &api, &["PENDING", "RUNNING"], &dep),
            |n| *n == 0,
        )
        .await;
        let crashed = count(&c, &api, &["CRASHED"], &dep).await;
        assert_eq!(
            crashed,
            (RUNS * (cycle + 1)) as u64,
            "every killed run is CRASHED"
        );
        // ...and stops their orphaned process groups.
        poll_every(
            EVERY,
            "orphaned run processes stopped",
            Duration::from_secs(15),
            || std::future::ready(pids.iter().filter(|p| alive(**p)).count()),
            |left| *left == 0,
        )
        .await;
        // Every acknowledged write survived.
        let names = acked.lock().unwrap().clone();
        for name in &names {
            let (s, _) = get(&c, format!("{api}/variables/name/{name}")).await;
            assert_eq!(s, StatusCode::OK, "acknowledged variable {name} lost");
        }
        let (_, lines) = post(&c, format!("{api}/logs/filter"), logs).await.unwrap();
        assert!(
            lines.as_array().unwrap().len() >= streamed,
            "log lines streamed before the kill were kept"
        );
        println!(
            "faults: cycle {cycle}: {} acknowledged writes kept, {RUNS} running runs CRASHED, {} pids stopped",
            names.len(),
            pids.len()
        );
    }
    // The scheduler kept every run it had scheduled ahead, and made none twice.
    let api = server.api.clone();
    let want = ahead_before.len();
    let after = poll_every(
        EVERY,
        "scheduler after restart",
        Duration::from_secs(30),
        || scheduled_times(&c, &api, &sched),
        |t| t.len() >= want,
    )
    .await;
    assert!(
        after.values().all(|&n| n == 1),
        "duplicate scheduled runs: {after:?}"
    );
    let before: BTreeSet<_> = ahead_before.keys().collect();
    let now: BTreeSet<_> = after.keys().collect();
    assert!(
        before.is_subset(&now),
        "scheduled runs lost: {before:?} vs {now:?}"
    );
    assert_eq!(server.terminate(), Some(0));
    integrity_ok(&home);
}
