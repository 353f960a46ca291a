use crate::helpers::*;
use reqwest::StatusCode;
use serde_json::json;

#[tokio::test]
async fn flows_upsert_read_filter_delete() {
    let app = spawn_app().await;
    let (s, a) = app
        .post(
            "/flows/",
            json!({"name": "etl", "tags": ["t"], "labels": {"k": "v"}}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED);
    let (s, again) = app.post("/flows/", json!({"name": "etl"})).await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(a["id"], again["id"]);
    assert_eq!(again["tags"], json!(["t"]));
    let id = a["id"].as_str().unwrap();
    let (s, got) = app.get(&format!("/flows/{id}")).await;
    assert_eq!((s, got["name"].as_str()), (StatusCode::OK, Some("etl")));
    let (s, got) = app.get("/flows/name/etl").await;
    assert_eq!((s, got["id"].clone()), (StatusCode::OK, a["id"].clone()));
    app.flow("backup").await;
    app.flow("report").await;

    let (_, all) = app.post("/flows/filter", json!({})).await;
    let names: Vec<&str> = all
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["backup", "etl", "report"]);
    let (_, some) = app
        .post("/flows/filter", json!({"flows": {"operator": "and_", "id": {"any_": [id]}}, "limit": null, "offset": 0}))
        .await;
    assert_eq!(some.as_array().unwrap().len(), 1);
    let (_, like) = app
        .post("/flows/filter", json!({"flows": {"name": {"like_": "EP"}}}))
        .await;
    assert_eq!(like[0]["name"], "report");
    let (_, page) = app
        .post(
            "/flows/filter",
            json!({"sort": "NAME_DESC", "limit": 1, "offset": 1}),
        )
        .await;
    assert_eq!(page[0]["name"], "etl");
    assert_eq!(
        app.post("/flows/count", json!({})).await,
        (StatusCode::OK, json!(3))
    );
    let run = app.run(id, json!({"state": {"type": "RUNNING"}})).await;
    let (_, with_running) = app
        .post(
            "/flows/filter",
            json!({"flow_runs": {"state": {"type": {"any_": ["RUNNING"]}}}}),
        )
        .await;
    assert_eq!(with_running.as_array().unwrap().len(), 1);

    assert_eq!(
        app.delete(&format!("/flows/{id}")).await.0,
        StatusCode::NO_CONTENT
    );
    let (s, v) = app.get(&format!("/flows/{id}")).await;
    assert_detail(s, &v, StatusCode::NOT_FOUND, "not found");
    let (s, _) = app.get(&format!("/flow_runs/{}", run.id.as_str())).await;
    assert_eq!(s, StatusCode::NOT_FOUND, "runs go with their flow");
    let (s, v) = app.delete(&format!("/flows/{id}")).await;
    assert_detail(s, &v, StatusCode::NOT_FOUND, "not found");
    app.stop().await;
}

#[tokio::test]
async fn flow_bad_input_is_422_and_changes_nothing() {
    let app = spawn_app().await;
    app.flow("keep").await;
    let (s, v) = app.post("/flows/", json!({"tags": []})).await;
    assert_detail(s, &v, StatusCode::UNPROCESSABLE_ENTITY, "name");
    let (s, v) = app.post("/flows/", json!({"name": 5})).await;
    assert_detail(s, &v, StatusCode::UNPROCESSABLE_ENTITY, "name");
    let (s, v) = app
        .post("/flows/", json!({"name": "x", "tags": "nope"}))
        .await;
    assert_detail(s, &v, StatusCode::UNPROCESSABLE_ENTITY, "tags");
    let (s, v) = app.post_raw("/flows/", b"{not json").await;
    assert_detail(
        s,
        &v,
        StatusCode::UNPROCESSABLE_ENTITY,
        "Invalid request body",
    );
    let (s, v) = app.get("/flows/not-a-uuid").await;
    assert_detail(s, &v, StatusCode::UNPROCESSABLE_ENTITY, "not a valid UUID");
    let (s, v) = app
        .post("/flows/filter", json!({"flows": {"nam": {"any_": ["x"]}}}))
        .await;
    assert_detail(s, &v, StatusCode::UNPROCESSABLE_ENTITY, "flows.nam");
    let (s, v) = app
        .post("/flows/filter", json!({"flows": {"id": {"any_": ["zzz"]}}}))
        .await;
    assert_detail(s, &v, StatusCode::UNPROCESSABLE_ENTITY, "flows.id.any_[0]");
    let (s, v) = app.post("/flows/filter", json!({"sort": "SIDEWAYS"})).await;
    assert_detail(s, &v, StatusCode::UNPROCESSABLE_ENTITY, "sort");
    let (s, v) = app.post("/flows/filter", json!({"limit": -1})).await;
    assert_detail(s, &v, StatusCode::UNPROCESSABLE_ENTITY, "limit");
    let (s, v) = app.get("/flows/name/missing").await;
    assert_detail(s, &v, StatusCode::NOT_FOUND, "missing");
    assert_eq!(
        app.post("/flows/count", json!(null)).await,
        (StatusCode::OK, json!(1))
    );
    let (_, all) = app.post("/flows/filter", json!({"limit": 100000})).await;
    assert_eq!(all[0]["name"], "keep");
    app.stop().await;
}
