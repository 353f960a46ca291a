//! `/api/artifacts/*` as Prefect 3 serves it: keyed artifacts and their latest version, filters by run,
//! progress artifacts moved by PATCH, deletes that hand "latest" back to the previous version.

use crate::helpers::{assert_detail, spawn_app};
use reqwest::StatusCode;
use serde_json::{json, Value};

fn ids(v: &Value) -> Vec<String> {
    v.as_array()
        .unwrap()
        .iter()
        .map(|a| a["id"].as_str().unwrap().to_string())
        .collect()
}

#[tokio::test]
async fn artifacts_keys_latest_and_runs() {
    let app = spawn_app().await;
    let flow = app.flow("reports").await;
    let run_a = app.run(&flow, json!({})).await.id;
    let run_b = app.run(&flow, json!({})).await.id;

    let (st, v1) = app
        .post(
            "/artifacts/",
            json!({"key": "daily-report", "type": "markdown", "data": "# v1",
                   "description": "first", "flow_run_id": run_a, "metadata_": {"a": "b"}}),
        )
        .await;
    assert_eq!(st, StatusCode::CREATED, "{v1}");
    assert_eq!(v1["type"], "markdown");
    assert_eq!(v1["metadata_"], json!({"a": "b"}));
    assert_eq!(v1["task_run_id"], Value::Null);
    let (_, v2) = app
        .post(
            "/artifacts/",
            json!({"key": "daily-report", "type": "markdown", "data": "# v2", "flow_run_id": run_b}),
        )
        .await;
    let (_, table) = app
        .post(
            "/artifacts/",
            json!({"type": "table", "data": "[{\"a\": 1}]", "flow_run_id": run_a}),
        )
        .await;
    let (_, progress) = app
        .post(
            "/artifacts/",
            json!({"type": "progress", "data": 0.0, "flow_run_id": run_b}),
        )
        .await;

    let (st, latest) = app.get("/artifacts/daily-report/latest").await;
    assert_eq!(st, StatusCode::OK, "{latest}");
    assert_eq!(latest["latest_id"], v2["id"]);
    assert_eq!(latest["data"], "# v2");
    assert_eq!(latest["key"], "daily-report");
    let (st, body) = app.get("/artifacts/nope/latest").await;
    assert_detail(st, &body, StatusCode::NOT_FOUND, "Artifact not found");

    let (_, of_a) = app
        .post(
            "/artifacts/filter",
            json!({"artifacts": {"flow_run_id": {"any_": [run_a]}}}),
        )
        .await;
    let mut want = vec![
        v1["id"].as_str().unwrap().to_string(),
        table["id"].as_str().unwrap().to_string(),
    ];
    want.sort();
    want.reverse();
    assert_eq!(ids(&of_a), want, "ID_DESC by default");
    let (_, n) = app.post("/artifacts/count", json!({})).await;
    assert_eq!(n, 4);
    let (_, n) = app
        .post(
            "/artifacts/count",
            json!({"artifacts": {"key": {"exists_": true}}}),
        )
        .await;
    assert_eq!(n, 2);
    let (_, n) = app
        .post(
            "/artifacts/count",
            json!({"artifacts": {"type": {"not_any_": ["progress"]}}}),
        )
        .await;
    assert_eq!(n, 3);
    let (_, n) = app
        .post(
            "/artifacts/count",
            json!({"flow_runs": {"id": {"any_": [run_b]}}}),
        )
        .await;
    assert_eq!(n, 2);
    let (_, n) = app
        .post(
            "/artifacts/count",
            json!({"flows": {"name": {"any_": ["reports"]}}}),
        )
        .await;
    assert_eq!(n, 4);
    let (_, l) = app
        .post(
            "/artifacts/latest/filter",
            json!({"artifacts": {"key": {"like_": "daily"}}}),
        )
        .await;
    assert_eq!(l.as_array().unwrap().len(), 1, "{l}");
    assert_eq!(l[0]["latest_id"], v2["id"]);
    let (_, n) = app.post("/artifacts/latest/count", json!({})).await;
    assert_eq!(n, 1);

    let pid = progress["id"].as_str().unwrap();
    let (st, _) = app
        .patch(&format!("/artifacts/{pid}"), json!({"data": 55.5}))
        .await;
    assert_eq!(st, StatusCode::NO_CONTENT);
    let (_, p) = app.get(&format!("/artifacts/{pid}")).await;
    assert_eq!(p["data"], 55.5);
    assert_eq!(p["type"], "progress");

    let (st, _) = app
        .delete(&format!("/artifacts/{}", v2["id"].as_str().unwrap()))
        .await;
    assert_eq!(st, StatusCode::NO_CONTENT);
    let (_, latest) = app.get("/artifacts/daily-report/latest").await;
    assert_eq!(
        latest["latest_id"], v1["id"],
        "the previous version is latest again"
    );
    assert_eq!(latest["data"], "# v1");
    let (st, _) = app
        .delete(&format!("/artifacts/{}", v1["id"].as_str().unwrap()))
        .await;
    assert_eq!(st, StatusCode::NO_CONTENT);
    let (st, _) = app.get("/artifacts/daily-report/latest").await;
    assert_eq!(st, StatusCode::NOT_FOUND);
    let (st, body) = app
        .delete(&format!("/artifacts/{}", v1["id"].as_str().unwrap()))
        .await;
    assert_detail(st, &body, StatusCode::NOT_FOUND, "Artifact not found");
    let (st, body) = app
        .patch(
            &format!("/artifacts/{}", v1["id"].as_str().unwrap()),
            json!({"data": 1}),
        )
        .await;
    assert_detail(st, &body, StatusCode::NOT_FOUND, "Artifact not found");
    app.stop().await;
}

#[tokio::test]
async fn invalid_artifacts_are_422() {
    let app = spawn_app().await;
    let (st, body) = app.post("/artifacts/", json!({"key": "Bad_Key"})).await;
    assert_detail(st, &body, StatusCode::UNPROCESSABLE_ENTITY, "key");
    let (st, body) = app.post("/artifacts/", json!({"flow_run_id": "x"})).await;
    assert_detail(st, &body, StatusCode::UNPROCESSABLE_ENTITY, "flow_run_id");
    let (st, body) = app
        .post("/artifacts/", json!({"metadata_": {"n": 1}}))
        .await;
    assert_detail(st, &body, StatusCode::UNPROCESSABLE_ENTITY, "metadata_");
    let (st, body) = app.post("/artifacts/", json!({"bogus": 1})).await;
    assert_detail(st, &body, StatusCode::UNPROCESSABLE_ENTITY, "bogus");
    let (st, body) = app
        .post("/artifacts/filter", json!({"sort": "NAME_ASC"}))
        .await;
    assert_detail(st, &body, StatusCode::UNPROCESSABLE_ENTITY, "sort");
    let (st, body) = app
        .post(
            "/artifacts/filter",
            json!({"artifacts": {"latest_id": {"any_": []}}}),
        )
        .await;
    assert_detail(st, &body, StatusCode::UNPROCESSABLE_ENTITY, "latest_id");
    let (st, body) = app.get("/artifacts/not-a-uuid").await;
    assert_detail(st, &body, StatusCode::UNPROCESSABLE_ENTITY, "UUID");
    app.stop().await;
}
