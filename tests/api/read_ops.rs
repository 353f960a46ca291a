//! Reads of runs and pools: lateness, task run history, the log CSV, observed states, a pool's
//! concurrency status and a deployment's work queue check.

use crate::helpers::*;
use reqwest::StatusCode;
use serde_json::{json, Value};

fn past(at: &str) -> Value {
    json!({"state": {"type": "SCHEDULED", "state_details": {"scheduled_time": at}}})
}

#[tokio::test]
async fn lateness_averages_over_matching_runs() {
    let app = spawn_app_without_worker().await;
    let flow = app.flow("etl").await;
    let late = app.run(&flow, past("2020-01-01T00:00:00Z")).await.id;
    let done = app
        .run(&flow, json!({"state": {"type": "RUNNING"}}))
        .await
        .id;
    app.set_state(&done, json!({"type": "COMPLETED"}), false)
        .await;
    let (s, only_done) = app
        .post(
            "/flow_runs/lateness",
            json!({"flow_runs": {"id": {"any_": [done]}}}),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{only_done}");
    assert!(only_done.as_f64().unwrap() < 1.0, "{only_done}");
    let (_, only_late) = app
        .post(
            "/flow_runs/lateness",
            json!({"flow_runs": {"id": {"any_": [late]}}}),
        )
        .await;
    let (_, both) = app.post("/flow_runs/lateness", json!({})).await;
    let (only_late, both) = (only_late.as_f64().unwrap(), both.as_f64().unwrap());
    assert!(only_late > 1e8, "late since 2020: {only_late}");
    assert!(
        (both - only_late / 2.0).abs() < 60.0,
        "the average of both: {both}"
    );
    let (_, none) = app
        .post(
            "/flow_runs/lateness",
            json!({"flow_runs": {"id": {"any_": []}}}),
        )
        .await;
    assert_eq!(none, Value::Null);
    let (s, _) = app.post_raw("/flow_runs/lateness", b"").await;
    assert_eq!(s, StatusCode::OK);
    app.stop().await;
}

#[tokio::test]
async fn task_run_history_counts_per_interval_and_state() {
    let app = spawn_app_without_worker().await;
    let flow = app.flow("etl").await;
    let run = app.run(&flow, json!({})).await.id;
    for (name, end) in [("a", "COMPLETED"), ("b", "COMPLETED"), ("c", "FAILED")] {
        let (_, t) = app
            .post(
                "/task_runs/",
                json!({"flow_run_id": run, "task_key": name, "dynamic_key": "0", "state": {"type": "RUNNING"}}),
            )
            .await;
        let id = t["id"].as_str().unwrap();
        app.post(
            &format!("/task_runs/{id}/set_state"),
            json!({"state": {"type": end}}),
        )
        .await;
    }
    let body = json!({"history_start": "2020-01-01T00:00:00+02:00", "history_end": "2100-01-01T00:00:00Z",
                      "history_interval_seconds": 86400.0 * 366.0 * 10.0});
    let (s, h) = app.post("/task_runs/history", body).await;
    assert_eq!(s, StatusCode::OK, "{h}");
    let h = h.as_array().unwrap();
    assert_eq!(h.len(), 8);
    assert_eq!(
        h[0]["interval_start"], "2019-12-31T22:00:00.000000Z",
        "in UTC"
    );
    let states: Vec<Value> = h
        .iter()
        .flat_map(|i| i["states"].as_array().unwrap().clone())
        .collect();
    let summary: Vec<(String, String, i64)> = states
        .iter()
        .map(|s| {
            (
                s["state_type"].as_str().unwrap().into(),
                s["state_name"].as_str().unwrap().into(),
                s["count_runs"].as_i64().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        summary,
        vec![
            ("COMPLETED".into(), "Completed".into(), 2),
            ("FAILED".into(), "Failed".into(), 1)
        ]
    );
    assert!(states[0]["sum_estimated_run_time"].is_f64());
    let (_, filtered) = app
        .post(
            "/task_runs/history",
            json!({"history_start": "2020-01-01T00:00:00Z", "history_end": "2100-01-01T00:00:00Z",
                   "history_interval_seconds": 1e9, "task_runs": {"state": {"type": {"any_": ["FAILED"]}}}}),
        )
        .await;
    assert_eq!(
        filtered[0]["states"].as_array().unwrap().len(),
        1,
        "{filtered}"
    );
    let (_, empty) = app
        .post(
            "/task_runs/history",
            json!({"history_start": "2026-01-02T00:00:00Z", "history_end": "2026-01-01T00:00:00Z", "history_interval_seconds": 60}),
        )
        .await;
    assert_eq!(empty, json!([]));
    let (_, capped) = app
        .post(
            "/task_runs/history",
            json!({"history_start": "2026-01-01T00:00:00Z", "history_end": "2026-01-02T00:00:00Z", "history_interval_seconds": 1}),
        )
        .await;
    assert_eq!(capped.as_array().unwrap().len(), 500);
    let (s, v) = app
        .post(
            "/task_runs/history",
            json!({"history_start": "2026-01-01T00:00:00Z", "history_end": "2026-01-02T00:00:00Z", "history_interval_seconds": 0.5}),
        )
        .await;
    assert_detail(
        s,
        &v,
        StatusCode::UNPROCESSABLE_ENTITY,
        "History interval must not be less than 1 second.",
    );
    let (s, v) = app
        .post(
            "/task_runs/history",
            json!({"history_start": "2026-01-01T00:00:00Z"}),
        )
        .await;
    assert_detail(s, &v, StatusCode::UNPROCESSABLE_ENTITY, "history_end");
    app.stop().await;
}

#[tokio::test]
async fn logs_download_as_csv() {
    let app = spawn_app_without_worker().await;
    let flow = app.flow("etl").await;
    let run = app.run(&flow, json!({"name": "piquant griffin"})).await.id;
    let other = app.run(&flow, json!({})).await.id;
    let task = uuid::Uuid::new_v4().to_string();
    let lines = json!([
        {"name": "x", "level": 40, "message": "boom, \"quoted\"\nnext", "timestamp": "2026-12-05T12:07:46.090360Z", "flow_run_id": run, "task_run_id": task},
        {"name": "x", "level": 20, "message": "Beginning", "timestamp": "2026-01-01T00:00:00Z", "flow_run_id": run},
        {"name": "x", "level": 20, "message": "elsewhere", "timestamp": "2026-01-01T00:00:01Z", "flow_run_id": other},
    ]);
    assert_eq!(app.post("/logs/", lines).await.0, StatusCode::CREATED);
    let r = app
        .client
        .get(app.url(&format!("/flow_runs/{run}/logs/download")))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let header = |name: &str| r.headers()[name].to_str().unwrap().to_string();
    assert_eq!(header("content-type"), "text/csv; charset=utf-8");
    assert_eq!(
        header("content-disposition"),
        "attachment; filename=\"flow-run-logs.csv\"; filename*=UTF-8''piquant%20griffin-logs.csv"
    );
    let body = r.text().await.unwrap();
    assert_eq!(
        body,
        format!(
            "timestamp,level,flow_run_id,task_run_id,message\r\n\
             2026-01-01 00:00:00+00:00,20,{run},,Beginning\r\n\
             2026-12-05 12:07:46.090360+00:00,40,{run},{task},\"boom, \"\"quoted\"\"\nnext\"\r\n"
        )
    );
    let r = app
        .client
        .get(app.url(&format!(
            "/flow_runs/{}/logs/download",
            uuid::Uuid::new_v4()
        )))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
    let v: Value = r.json().await.unwrap();
    assert_eq!(v["detail"], "Flow run not found");
    app.stop().await;
}

#[tokio::test]
async fn logs_download_reads_every_page() {
    let app = spawn_app_without_worker().await;
    let flow = app.flow("etl").await;
    let run = app.run(&flow, json!({})).await.id;
    let batch: Vec<Value> = (0..2500)
        .map(|i| json!({"name": "x", "level": 20, "message": format!("line {i}"),
                        "timestamp": format!("2026-01-01T00:{:02}:{:02}.{:06}Z", i / 3600 % 60, i / 60 % 60, i), "flow_run_id": run}))
        .collect();
    assert_eq!(
        app.post("/logs/", json!(batch)).await.0,
        StatusCode::CREATED
    );
    let body = app
        .text(&app.url(&format!("/flow_runs/{run}/logs/download")))
        .await;
    assert_eq!(
        body.matches("\r\n").count(),
        2501,
        "the header and every line"
    );
    assert!(body.trim_end().ends_with("line 2499"));
    app.stop().await;
}
