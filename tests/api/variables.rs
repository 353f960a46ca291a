//! `/api/variables/*` as Prefect 3 serves it: create, 409 on a taken name, read by id and name, patch,
//! filter, count, delete, 404s and 422s.

use crate::helpers::{assert_detail, spawn_app};
use reqwest::StatusCode;
use serde_json::json;

#[tokio::test]
async fn variables_round_trip() {
    let app = spawn_app().await;
    let (st, v) = app
        .post(
            "/variables/",
            json!({"name": "db_conf", "value": {"host": "x", "ports": [1, 2]}, "tags": ["prod"]}),
        )
        .await;
    assert_eq!(st, StatusCode::CREATED, "{v}");
    let id = v["id"].as_str().unwrap().to_string();
    assert_eq!(v["value"]["ports"][1], 2);
    assert_eq!(v["tags"], json!(["prod"]));
    assert!(v["created"].as_str().unwrap().ends_with('Z'));

    let (st, dup) = app
        .post("/variables/", json!({"name": "db_conf", "value": 1}))
        .await;
    assert_detail(st, &dup, StatusCode::CONFLICT, "db_conf");

    let (st, got) = app.get(&format!("/variables/{id}")).await;
    assert_eq!(st, StatusCode::OK);
    assert_eq!(got["name"], "db_conf");
    let (_, got) = app.get("/variables/name/db_conf").await;
    assert_eq!(got["id"], id.as_str());

    let (st, _) = app
        .patch("/variables/name/db_conf", json!({"value": "plain"}))
        .await;
    assert_eq!(st, StatusCode::NO_CONTENT);
    let (_, got) = app.get("/variables/name/db_conf").await;
    assert_eq!(got["value"], "plain");
    assert_eq!(got["tags"], json!(["prod"]), "absent fields stay");

    let (st, _) = app
        .patch(
            &format!("/variables/{id}"),
            json!({"value": null, "tags": []}),
        )
        .await;
    assert_eq!(st, StatusCode::NO_CONTENT);
    let (_, got) = app.get(&format!("/variables/{id}")).await;
    assert_eq!(got["value"], json!(null));
    assert_eq!(got["tags"], json!([]));

    for (name, tags) in [("a_one", json!(["x"])), ("b_two", json!(["x", "y"]))] {
        let (st, _) = app
            .post(
                "/variables/",
                json!({"name": name, "value": 3, "tags": tags}),
            )
            .await;
        assert_eq!(st, StatusCode::CREATED);
    }
    let (_, all) = app.post("/variables/filter", json!({"limit": null})).await;
    let names: Vec<&str> = all
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["a_one", "b_two", "db_conf"]);
    let (_, some) = app
        .post(
            "/variables/filter",
            json!({"variables": {"tags": {"all_": ["x", "y"]}}, "sort": "NAME_DESC"}),
        )
        .await;
    assert_eq!(some.as_array().unwrap().len(), 1);
    assert_eq!(some[0]["name"], "b_two");
    let (_, like) = app
        .post(
            "/variables/filter",
            json!({"variables": {"name": {"like_": "_o"}}}),
        )
        .await;
    assert_eq!(like.as_array().unwrap().len(), 1, "{like}");
    let (_, n) = app
        .post(
            "/variables/count",
            json!({"variables": {"tags": {"is_null_": true}}}),
        )
        .await;
    assert_eq!(n, 1);
    let (_, n) = app.post("/variables/count", json!({})).await;
    assert_eq!(n, 3);

    let (st, _) = app.delete("/variables/name/a_one").await;
    assert_eq!(st, StatusCode::NO_CONTENT);
    let (st, _) = app.delete(&format!("/variables/{id}")).await;
    assert_eq!(st, StatusCode::NO_CONTENT);
    let (st, body) = app.get(&format!("/variables/{id}")).await;
    assert_detail(st, &body, StatusCode::NOT_FOUND, "Variable not found");
    let (st, body) = app.delete("/variables/name/a_one").await;
    assert_detail(st, &body, StatusCode::NOT_FOUND, "Variable not found");
    let (st, body) = app.patch("/variables/name/nope", json!({"value": 1})).await;
    assert_detail(st, &body, StatusCode::NOT_FOUND, "Variable not found");
    let (_, n) = app.post("/variables/count", json!(null)).await;
    assert_eq!(n, 1);
    app.stop().await;
}

#[tokio::test]
async fn invalid_variables_are_422() {
    let app = spawn_app().await;
    let (st, body) = app
        .post("/variables/", json!({"name": "Bad Name", "value": 1}))
        .await;
    assert_detail(st, &body, StatusCode::UNPROCESSABLE_ENTITY, "lowercase");
    let (st, body) = app.post("/variables/", json!({"name": "ok"})).await;
    assert_detail(st, &body, StatusCode::UNPROCESSABLE_ENTITY, "value");
    let (st, body) = app
        .post("/variables/", json!({"name": "ok", "value": 1, "extra": 2}))
        .await;
    assert_detail(st, &body, StatusCode::UNPROCESSABLE_ENTITY, "extra");
    let big = "x".repeat(6000);
    let (st, body) = app
        .post("/variables/", json!({"name": "ok", "value": big}))
        .await;
    assert_detail(st, &body, StatusCode::UNPROCESSABLE_ENTITY, "5000");
    let (st, _) = app
        .post("/variables/", json!({"name": "ok", "value": 1}))
        .await;
    assert_eq!(st, StatusCode::CREATED);
    let (st, _) = app
        .post("/variables/", json!({"name": "other", "value": 1}))
        .await;
    assert_eq!(st, StatusCode::CREATED);
    let (st, body) = app
        .patch("/variables/name/ok", json!({"name": "other"}))
        .await;
    assert_detail(st, &body, StatusCode::CONFLICT, "other");
    let (st, body) = app.patch("/variables/name/ok", json!({"name": "UP"})).await;
    assert_detail(st, &body, StatusCode::UNPROCESSABLE_ENTITY, "lowercase");
    let (st, body) = app.get("/variables/not-a-uuid").await;
    assert_detail(st, &body, StatusCode::UNPROCESSABLE_ENTITY, "UUID");
    let (st, body) = app
        .post("/variables/filter", json!({"variables": {"value": {}}}))
        .await;
    assert_detail(
        st,
        &body,
        StatusCode::UNPROCESSABLE_ENTITY,
        "variables.value",
    );
    let (st, body) = app.post("/variables/filter", json!({"sort": "NOPE"})).await;
    assert_detail(st, &body, StatusCode::UNPROCESSABLE_ENTITY, "sort");
    app.stop().await;
}
