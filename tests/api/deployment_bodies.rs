//! Deployment create and update bodies read as typed wire structs: unknown fields refused as Prefect
//! refuses them (with the field named), the old work-pool fields Prefect drops accepted, and a PATCH telling
//! an absent field (unchanged) from a null one (cleared).

use crate::helpers::*;
use reqwest::StatusCode;
use serde_json::json;

#[tokio::test]
async fn unknown_deployment_fields_are_refused_naming_the_field() {
    let app = spawn_app_without_worker().await;
    let flow = app.flow("etl").await;
    let (s, v) = app
        .post(
            "/deployments/",
            json!({"name": "d", "flow_id": flow, "colour": "blue"}),
        )
        .await;
    assert_detail(s, &v, StatusCode::UNPROCESSABLE_ENTITY, "colour");
    let (s, v) = app
        .post(
            "/deployments/",
            json!({"name": "d", "flow_id": flow, "schedules": [{"schedule": {"interval": 60}, "every": 2}]}),
        )
        .await;
    assert_detail(s, &v, StatusCode::UNPROCESSABLE_ENTITY, "every");
    let (s, v) = app.post("/deployments/", json!([])).await;
    assert_detail(s, &v, StatusCode::UNPROCESSABLE_ENTITY, "JSON object");
    let (_, n) = app.post("/deployments/count", json!({})).await;
    assert_eq!(n, json!(0), "nothing was stored");

    let (_, d) = app
        .post("/deployments/", json!({"name": "d", "flow_id": flow}))
        .await;
    let id = d["id"].as_str().unwrap();
    for (body, field) in [
        (json!({"colour": "blue"}), "colour"),
        (json!({"labels": {"team": "x"}}), "labels"),
        (json!({"name": "renamed"}), "name"),
        (json!({"concurrency_limit": 0}), "concurrency_limit"),
        (json!({"paused": "yes"}), "paused"),
    ] {
        let (s, v) = app.patch(&format!("/deployments/{id}"), body).await;
        assert_detail(s, &v, StatusCode::UNPROCESSABLE_ENTITY, field);
    }
    app.stop().await;
}

#[tokio::test]
async fn a_patch_clears_a_null_field_and_leaves_an_absent_one() {
    let app = spawn_app_without_worker().await;
    let flow = app.flow("etl").await;
    let (_, d) = app
        .post(
            "/deployments/",
            json!({"name": "d", "flow_id": flow, "description": "about", "version": "1",
                "labels": {"team": "data"}}),
        )
        .await;
    let id = d["id"].as_str().unwrap();
    let (s, _) = app
        .patch(
            &format!("/deployments/{id}"),
            json!({"description": null, "tags": ["t"]}),
        )
        .await;
    assert_eq!(s, StatusCode::NO_CONTENT);
    let (_, got) = app.get(&format!("/deployments/{id}")).await;
    assert_eq!(got["description"], json!(null));
    assert_eq!(got["version"], "1");
    assert_eq!(got["tags"], json!(["t"]));
    assert_eq!(got["labels"]["team"], "data");
    app.stop().await;
}

#[tokio::test]
async fn old_work_pool_fields_are_dropped_as_prefect_drops_them() {
    let app = spawn_app_without_worker().await;
    let flow = app.flow("etl").await;
    let (s, d) = app
        .post(
            "/deployments/",
            json!({"name": "d", "flow_id": flow, "worker_pool_name": "old", "worker_pool_queue_name": "q",
                "work_pool_queue_name": "q", "worker_pool_queue_id": null}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{d}");
    let (s, v) = app
        .post(
            "/deployments/",
            json!({"name": "g", "flow_id": flow,
                "global_concurrency_limit_id": "6f1f8b8e-0000-4000-8000-000000000000"}),
        )
        .await;
    assert_detail(
        s,
        &v,
        StatusCode::UNPROCESSABLE_ENTITY,
        "global_concurrency_limit_id",
    );
    let (s, _) = app
        .post(
            "/deployments/",
            json!({"name": "g", "flow_id": flow, "global_concurrency_limit_id": null}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED);
    app.stop().await;
}

#[tokio::test]
async fn a_schedule_patch_is_read_strictly() {
    let app = spawn_app_without_worker().await;
    let flow = app.flow("etl").await;
    let (_, d) = app
        .post(
            "/deployments/",
            json!({"name": "d", "flow_id": flow, "paused": true,
                "schedules": [{"schedule": {"interval": 3600}, "slug": "hourly"}]}),
        )
        .await;
    let id = d["id"].as_str().unwrap();
    let sid = d["schedules"][0]["id"].as_str().unwrap();
    let path = format!("/deployments/{id}/schedules/{sid}");
    let (s, v) = app.patch(&path, json!({"every": 2})).await;
    assert_detail(s, &v, StatusCode::UNPROCESSABLE_ENTITY, "every");
    let (s, v) = app.patch(&path, json!({"active": "no"})).await;
    assert_detail(s, &v, StatusCode::UNPROCESSABLE_ENTITY, "active");
    let (s, _) = app
        .patch(&path, json!({"active": false, "slug": null}))
        .await;
    assert_eq!(s, StatusCode::NO_CONTENT);
    let (_, all) = app.get(&format!("/deployments/{id}/schedules")).await;
    assert_eq!(all[0]["active"], false);
    assert_eq!(all[0]["slug"], json!(null));
    app.stop().await;
}
