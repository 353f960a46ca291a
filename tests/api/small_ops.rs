//! Small operations of Prefect's API: a flow's tags replaced, a task run renamed, one state of a run's
//! history read by its id, and Prefect's greeting.

use crate::helpers::*;
use reqwest::StatusCode;
use serde_json::json;

#[tokio::test]
async fn a_flows_tags_are_replaced_and_a_task_run_renamed() {
    let app = spawn_app_without_worker().await;
    let flow = app.flow("etl").await;
    let (s, _) = app
        .patch(&format!("/flows/{flow}"), json!({"tags": ["a", "b"]}))
        .await;
    assert_eq!(s, StatusCode::NO_CONTENT);
    let (_, f) = app.get(&format!("/flows/{flow}")).await;
    assert_eq!(f["tags"], json!(["a", "b"]));
    let (s, v) = app
        .patch(&format!("/flows/{flow}"), json!({"name": "renamed"}))
        .await;
    assert_detail(s, &v, StatusCode::UNPROCESSABLE_ENTITY, "name");
    let missing = uuid::Uuid::new_v4();
    let (s, v) = app
        .patch(&format!("/flows/{missing}"), json!({"tags": []}))
        .await;
    assert_detail(s, &v, StatusCode::NOT_FOUND, "not found");
    let (s, v) = app.patch(&format!("/flows/{missing}"), json!({})).await;
    assert_detail(s, &v, StatusCode::NOT_FOUND, "not found");

    let run = app.run(&flow, json!({})).await;
    let (_, task) = app
        .post(
            "/task_runs/",
            json!({"flow_run_id": run.id, "task_key": "t", "dynamic_key": "0", "name": "t-0"}),
        )
        .await;
    let id = task["id"].as_str().unwrap();
    let (s, _) = app
        .patch(&format!("/task_runs/{id}"), json!({"name": "better"}))
        .await;
    assert_eq!(s, StatusCode::NO_CONTENT);
    let (_, t) = app.get(&format!("/task_runs/{id}")).await;
    assert_eq!(t["name"], "better");
    let (s, v) = app
        .patch(&format!("/task_runs/{id}"), json!({"tags": ["x"]}))
        .await;
    assert_detail(s, &v, StatusCode::UNPROCESSABLE_ENTITY, "tags");
    app.stop().await;
}

#[tokio::test]
async fn one_state_of_a_runs_history_is_read_by_its_id() {
    let app = spawn_app_without_worker().await;
    let flow = app.flow("etl").await;
    let run = app.run(&flow, json!({"state": {"type": "PENDING"}})).await;
    let id = run.id.as_str();
    let (s, _) = app
        .set_state(id, json!({"type": "RUNNING", "message": "go"}), false)
        .await;
    assert_eq!(s, StatusCode::CREATED);
    let (_, history) = app
        .get(&format!("/flow_run_states/?flow_run_id={id}"))
        .await;
    for st in history.as_array().unwrap() {
        let (s, one) = app
            .get(&format!("/flow_run_states/{}", st["id"].as_str().unwrap()))
            .await;
        assert_eq!(s, StatusCode::OK, "{one}");
        assert_eq!(&one, st);
    }
    let (s, v) = app
        .get(&format!("/flow_run_states/{}", uuid::Uuid::new_v4()))
        .await;
    assert_detail(s, &v, StatusCode::NOT_FOUND, "not found");
    let (s, v) = app.get("/flow_run_states/not-a-uuid").await;
    assert_detail(s, &v, StatusCode::UNPROCESSABLE_ENTITY, "id");

    let (_, task) = app
        .post(
            "/task_runs/",
            json!({"flow_run_id": id, "task_key": "t", "dynamic_key": "0",
                "state": {"type": "RUNNING"}}),
        )
        .await;
    let state_id = task["state"]["id"].as_str().unwrap();
    let (s, one) = app.get(&format!("/task_run_states/{state_id}")).await;
    assert_eq!(s, StatusCode::OK, "{one}");
    assert_eq!(one["type"], "RUNNING");
    let (s, v) = app
        .get(&format!("/task_run_states/{}", uuid::Uuid::new_v4()))
        .await;
    assert_detail(s, &v, StatusCode::NOT_FOUND, "not found");
    let (s, hello) = app.get("/hello").await;
    assert_eq!((s, hello), (StatusCode::OK, json!("👋")));
    app.stop().await;
}
