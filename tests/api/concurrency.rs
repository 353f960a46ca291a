//! Many clients writing at once: no errors, no "database is locked", every row there.

use crate::helpers::*;
use reqwest::StatusCode;
use serde_json::json;
use std::sync::Arc;
use std::time::{Duration, Instant};

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn sixteen_clients_create_and_transition_runs() {
    let app = Arc::new(spawn_app().await);
    let flow = app.flow("load").await;
    let until = Instant::now() + Duration::from_secs(3);
    let mut tasks = Vec::new();
    for client in 0..16 {
        let app = app.clone();
        let flow = flow.clone();
        tasks.push(tokio::spawn(async move {
            let mut made = Vec::new();
            let mut errors = Vec::new();
            while Instant::now() < until {
                let (s, run) = app.post("/flow_runs/", json!({"flow_id": flow, "tags": [format!("c{client}")], "state": {"type": "SCHEDULED"}})).await;
                if s != StatusCode::CREATED {
                    errors.push(format!("create {s}: {run}"));
                    continue;
                }
                let id = run["id"].as_str().unwrap().to_string();
                for st in ["PENDING", "RUNNING", "COMPLETED"] {
                    let (s, r) = app.set_state(&id, json!({"type": st}), false).await;
                    if s != StatusCode::CREATED || r["status"] != "ACCEPT" {
                        errors.push(format!("{st} {s}: {r}"));
                    }
                }
                made.push(id);
            }
            (made, errors)
        }));
    }
    let mut all = Vec::new();
    for t in tasks {
        let (made, errors) = t.await.unwrap();
        assert!(errors.is_empty(), "errors: {errors:?}");
        all.extend(made);
    }
    assert!(all.len() >= 16, "each client made runs");
    let (_, n) = app.post("/flow_runs/count", json!({})).await;
    assert_eq!(n.as_u64().unwrap(), all.len() as u64);
    let (_, done) = app
        .post(
            "/flow_runs/count",
            json!({"flow_runs": {"state": {"type": {"any_": ["COMPLETED"]}}}}),
        )
        .await;
    assert_eq!(done.as_u64().unwrap(), all.len() as u64);
    for id in all.iter().step_by(all.len() / 16) {
        let (s, r) = app.get(&format!("/flow_runs/{id}")).await;
        assert_eq!((s, r["run_count"].as_i64()), (StatusCode::OK, Some(1)));
    }
    match Arc::try_unwrap(app) {
        Ok(app) => app.stop().await,
        Err(_) => panic!("app still shared"),
    }
}
