use crate::helpers::*;
use reqwest::StatusCode;
use serde_json::json;

#[tokio::test]
async fn task_runs_over_rest_for_older_clients() {
    let app = spawn_app().await;
    let flow = app.flow("etl").await;
    let run = app.run(&flow, json!({"state": {"type": "RUNNING"}})).await;
    let fr = run.id.as_str();
    let (s, t) = app
        .post(
            "/task_runs/",
            json!({"flow_run_id": fr, "task_key": "k", "dynamic_key": "0", "name": "extract-0",
            "state": {"type": "PENDING"}, "tags": ["x"]}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{t}");
    let id = t["id"].as_str().unwrap();
    let (s, r) = app
        .post(
            &format!("/task_runs/{id}/set_state"),
            json!({"state": {"type": "RUNNING"}}),
        )
        .await;
    assert_eq!(
        (s, r["status"].as_str()),
        (StatusCode::CREATED, Some("ACCEPT"))
    );
    app.post(
        &format!("/task_runs/{id}/set_state"),
        json!({"state": {"type": "COMPLETED"}}),
    )
    .await;
    let (_, r) = app
        .post(
            &format!("/task_runs/{id}/set_state"),
            json!({"state": {"type": "RUNNING"}}),
        )
        .await;
    assert_eq!(r["status"], "REJECT");
    let (s, got) = app.get(&format!("/task_runs/{id}")).await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(
        (got["state_type"].as_str(), got["run_count"].as_i64()),
        (Some("COMPLETED"), Some(1))
    );
    assert!(got["end_time"].is_string());
    let (_, list) = app
        .post(
            "/task_runs/filter",
            json!({"flow_runs": {"id": {"any_": [fr]}}}),
        )
        .await;
    assert_eq!(list.as_array().unwrap().len(), 1);
    let (_, n) = app
        .post(
            "/task_runs/count",
            json!({"task_runs": {"state": {"type": {"any_": ["COMPLETED"]}}}}),
        )
        .await;
    assert_eq!(n, json!(1));
    let (_, n) = app
        .post(
            "/task_runs/count",
            json!({"task_runs": {"name": {"like_": "nothing"}}}),
        )
        .await;
    assert_eq!(n, json!(0));
    let (_, h) = app
        .get(&format!("/task_run_states/?task_run_id={id}"))
        .await;
    assert_eq!(h.as_array().unwrap().len(), 3);
    let (s, v) = app
        .get(&format!("/task_runs/{}", uuid::Uuid::new_v4()))
        .await;
    assert_detail(s, &v, StatusCode::NOT_FOUND, "not found");
    let (s, v) = app.post("/task_runs/", json!({"task_key": "k"})).await;
    assert_detail(s, &v, StatusCode::UNPROCESSABLE_ENTITY, "dynamic_key");
    app.stop().await;
}
