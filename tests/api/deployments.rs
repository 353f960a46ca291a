//! Deployments: CRUD with every field kept whole, upsert by name, runs from a deployment with merged and
//! validated parameters, schedules, and the scheduler creating runs ahead without duplicates.

use crate::helpers::*;
use reqwest::StatusCode;
use serde_json::{json, Value};
use std::time::Duration;

pub fn body(flow_id: &str, cron: &str) -> Value {
    json!({
        "name": "nightly", "flow_id": flow_id, "paused": false,
        "schedules": [{"schedule": {"cron": cron, "timezone": null, "day_or": true}, "active": true,
                       "max_scheduled_runs": null, "parameters": {}, "slug": null, "replaces": null}],
        "concurrency_limit": 2, "concurrency_options": {"collision_strategy": "ENQUEUE"},
        "enforce_parameter_schema": true,
        "parameter_openapi_schema": {"title": "Parameters", "type": "object",
            "properties": {"n": {"title": "n", "type": "integer", "position": 0},
                           "day": {"title": "day", "type": "string", "default": "today", "position": 1}},
            "required": ["n"], "definitions": {}},
        "parameters": {"n": 1}, "tags": ["prod"], "labels": {"team": "data"},
        "work_pool_name": "default", "work_queue_name": null, "storage_document_id": null,
        "infrastructure_document_id": null, "description": "Nightly ETL", "path": ".",
        "entrypoint": "flows/etl.py:etl", "pull_steps": [{"prefect.deployments.steps.set_working_directory": {"directory": "/srv"}}],
        "job_variables": {"env": {"A": "1"}}, "version": "1.4", "version_info": {"type": "prefect:simple", "version": "1.4"}
    })
}

fn runs_of(dep: &str) -> Value {
    json!({"flow_runs": {"deployment_id": {"any_": [dep]}, "state": {"type": {"any_": ["SCHEDULED"]}}},
           "sort": "EXPECTED_START_TIME_ASC", "limit": 200})
}

/// A deployment's SCHEDULED runs, soonest first.
async fn scheduled_runs(app: &TestApp, dep: &str) -> Value {
    app.post("/flow_runs/filter", runs_of(dep)).await.1
}

#[tokio::test]
async fn deployment_crud_keeps_every_field() {
    let app = spawn_app_without_worker().await;
    let flow = app.flow("etl").await;
    let (s, d) = app.post("/deployments/", body(&flow, "0 2 * * *")).await;
    assert_eq!(s, StatusCode::CREATED, "{d}");
    let id = d["id"].as_str().unwrap().to_string();
    let (_, got) = app.get(&format!("/deployments/{id}")).await;
    let sent = body(&flow, "0 2 * * *");
    for key in [
        "description",
        "version",
        "version_info",
        "parameters",
        "parameter_openapi_schema",
        "entrypoint",
        "path",
        "pull_steps",
        "job_variables",
        "work_pool_name",
        "concurrency_limit",
        "concurrency_options",
        "tags",
        "labels",
    ] {
        assert_eq!(got[key], sent[key], "{key}");
    }
    assert_eq!(got["schedules"][0]["schedule"]["cron"], "0 2 * * *");
    assert_eq!(got["status"], "NOT_READY");
    assert_eq!(got["paused"], false);
    let (s, by_name) = app.get("/deployments/name/etl/nightly").await;
    assert_eq!(
        (s, by_name["id"].as_str()),
        (StatusCode::OK, Some(id.as_str()))
    );
    let (s, v) = app.get("/deployments/name/etl/missing").await;
    assert_detail(s, &v, StatusCode::NOT_FOUND, "etl/missing");

    let mut again = body(&flow, "0 2 * * *");
    again["description"] = json!("changed");
    let (s, d2) = app.post("/deployments/", again).await;
    assert_eq!(
        (s, d2["id"].as_str()),
        (StatusCode::OK, Some(id.as_str())),
        "upsert by flow and name"
    );
    assert_eq!(d2["description"], "changed");
    assert_eq!(
        app.patch(&format!("/deployments/{id}"), json!({"paused": true}))
            .await
            .0,
        StatusCode::NO_CONTENT
    );
    let (_, got) = app.get(&format!("/deployments/{id}")).await;
    assert_eq!(
        (got["paused"].as_bool(), got["description"].as_str()),
        (Some(true), Some("changed"))
    );
    let (_, list) = app
        .post(
            "/deployments/filter",
            json!({"deployments": {"name": {"any_": ["nightly"]}}, "limit": null, "offset": 0}),
        )
        .await;
    assert_eq!(list.as_array().unwrap().len(), 1);
    let (_, n) = app
        .post(
            "/deployments/count",
            json!({"flows": {"name": {"any_": ["etl"]}}}),
        )
        .await;
    assert_eq!(n, json!(1));
    let (_, n) = app
        .post(
            "/deployments/count",
            json!({"deployments": {"flow_or_deployment_name": {"like_": "ET"}}}),
        )
        .await;
    assert_eq!(n, json!(1));
    let (s, v) = app
        .post(
            "/deployments/",
            json!({"name": "x", "flow_id": flow, "tags": "nope"}),
        )
        .await;
    assert_detail(s, &v, StatusCode::UNPROCESSABLE_ENTITY, "tags");
    let (s, v) = app.post("/deployments/", json!({"name": "x", "flow_id": flow, "schedules": [{"schedule": {"cron": "61 * * * *"}}]})).await;
    assert_detail(
        s,
        &v,
        StatusCode::UNPROCESSABLE_ENTITY,
        "schedules[0].schedule",
    );
    let (s, v) = app.post("/deployments/", json!({"name": "x"})).await;
    assert_detail(s, &v, StatusCode::UNPROCESSABLE_ENTITY, "flow_id");
    assert_eq!(
        app.delete(&format!("/automations/owned-by/prefect.deployment.{id}"))
            .await
            .0,
        StatusCode::ACCEPTED
    );
    assert_eq!(
        app.get(&format!("/automations/related-to/prefect.deployment.{id}"))
            .await,
        (StatusCode::OK, json!([]))
    );
    assert_eq!(
        app.delete(&format!("/deployments/{id}")).await.0,
        StatusCode::NO_CONTENT
    );
    let (s, v) = app.get(&format!("/deployments/{id}")).await;
    assert_detail(s, &v, StatusCode::NOT_FOUND, "not found");
    app.stop().await;
}

#[tokio::test]
async fn runs_from_a_deployment_merge_and_validate_parameters() {
    let app = spawn_app_without_worker().await;
    let flow = app.flow("etl").await;
    let (_, d) = app.post("/deployments/", body(&flow, "0 2 * * *")).await;
    let id = d["id"].as_str().unwrap();
    let now = chrono::Utc::now().to_rfc3339();
    let req = json!({"state": {"type": "SCHEDULED", "state_details": {"scheduled_time": now}}, "name": null,
        "parameters": {"day": "2026-11-01"}, "context": {}, "tags": ["adhoc"], "idempotency_key": null,
        "parent_task_run_id": null, "job_variables": {"B": 2}, "labels": {}});
    let (s, run) = app
        .post(&format!("/deployments/{id}/create_flow_run"), req)
        .await;
    assert_eq!(s, StatusCode::CREATED, "{run}");
    assert_eq!(run["parameters"], json!({"n": 1, "day": "2026-11-01"}));
    assert_eq!(run["deployment_id"], id);
    assert_eq!(run["tags"], json!(["prod", "adhoc"]));
    assert_eq!(run["job_variables"], json!({"env": {"A": "1"}, "B": 2}));
    assert_eq!(run["state_type"], "SCHEDULED");
    assert_eq!(run["work_pool_name"], "default");
    let (s, v) = app
        .post(
            &format!("/deployments/{id}/create_flow_run"),
            json!({"parameters": {"n": "many"}}),
        )
        .await;
    // Prefect's answer: 409 naming the field and the reason.
    assert_detail(
        s,
        &v,
        StatusCode::CONFLICT,
        "Error creating flow run: Validation failed for field 'n'. Failure reason: ",
    );
    let (s, v) = app
        .post(
            &format!("/deployments/{}/create_flow_run", uuid::Uuid::new_v4()),
            json!({}),
        )
        .await;
    assert_detail(s, &v, StatusCode::NOT_FOUND, "not found");
    let (_, due) = app.post("/deployments/get_scheduled_flow_runs",
        json!({"deployment_ids": [id], "scheduled_before": (chrono::Utc::now() + chrono::Duration::seconds(10)).format("%Y-%m-%d %H:%M:%S%.6f+00:00").to_string()})).await;
    let due: Vec<&Value> = due
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["auto_scheduled"] == false)
        .collect();
    assert_eq!(due.len(), 1);
    assert!(due[0].get("work_pool_id").is_some());
    let (_, got) = app.get(&format!("/deployments/{id}")).await;
    assert_eq!(got["status"], "READY", "polled deployments are ready");
    app.stop().await;
}

#[tokio::test]
async fn the_scheduler_creates_runs_ahead_without_duplicates() {
    let app = spawn_app_without_worker().await;
    let flow = app.flow("etl").await;
    let (_, d) = app.post("/deployments/", body(&flow, "* * * * *")).await;
    let id = d["id"].as_str().unwrap().to_string();
    let runs = poll_until(
        "at least 60 scheduled runs",
        Duration::from_secs(10),
        || scheduled_runs(&app, &id),
        |v| v.as_array().is_some_and(|a| a.len() >= 60),
    )
    .await;
    let first: Vec<Value> = runs
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["id"].clone())
        .collect();
    assert!(runs[0]["auto_scheduled"].as_bool().unwrap());
    assert_eq!(runs[0]["parameters"], json!({"n": 1}));
    assert!(
        first.len() <= 62,
        "about an hour of minutely runs, got {}",
        first.len()
    );

    let (s, _) = app.post("/deployments/", body(&flow, "* * * * *")).await;
    assert_eq!(s, StatusCode::OK);
    app.post(&format!("/deployments/{id}/schedule"), json!({}))
        .await;
    let (_, after) = app.post("/flow_runs/filter", runs_of(&id)).await;
    let again: Vec<Value> = after
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["id"].clone())
        .collect();
    assert_eq!(
        first, again,
        "a redeploy with the same schedule keeps the same runs"
    );

    app.post("/deployments/", body(&flow, "0 3 * * *")).await;
    let runs = poll_until(
        "3 scheduled runs",
        Duration::from_secs(10),
        || scheduled_runs(&app, &id),
        |v| v.as_array().is_some_and(|a| a.len() == 3),
    )
    .await;
    assert!(runs[0]["expected_start_time"]
        .as_str()
        .unwrap()
        .contains("T03:00:00"));

    app.post(&format!("/deployments/{id}/pause_deployment"), json!({}))
        .await;
    let (_, n) = app.post("/flow_runs/count", runs_of(&id)).await;
    assert_eq!(n, json!(0), "pausing removes future scheduled runs");
    app.post(&format!("/deployments/{id}/resume_deployment"), json!({}))
        .await;
    poll_until(
        "3 scheduled runs",
        Duration::from_secs(10),
        || scheduled_runs(&app, &id),
        |v| v.as_array().is_some_and(|a| a.len() == 3),
    )
    .await;
    app.stop().await;
}

#[tokio::test]
async fn schedule_endpoints() {
    let app = spawn_app_without_worker().await;
    let flow = app.flow("etl").await;
    let mut b = body(&flow, "0 2 * * *");
    b["schedules"] = json!([]);
    let (_, d) = app.post("/deployments/", b).await;
    let id = d["id"].as_str().unwrap().to_string();
    let new = json!([{"schedule": {"cron": "30 6 * * *", "timezone": "Europe/Berlin", "day_or": true}, "active": true,
        "max_scheduled_runs": null, "parameters": {"n": 7}, "slug": null, "replaces": null},
        {"schedule": {"interval": 3600.0, "anchor_date": "2026-01-01T00:00:00Z", "timezone": "UTC"}, "active": true}]);
    let (s, created) = app.post(&format!("/deployments/{id}/schedules"), new).await;
    assert_eq!(s, StatusCode::CREATED, "{created}");
    assert_eq!(created.as_array().unwrap().len(), 2);
    let cron_id = created[0]["id"].as_str().unwrap().to_string();
    let interval_id = created[1]["id"].as_str().unwrap().to_string();
    let (_, listed) = app.get(&format!("/deployments/{id}/schedules")).await;
    assert_eq!(listed.as_array().unwrap().len(), 2);
    let runs = poll_until(
        "at least 6 scheduled runs",
        Duration::from_secs(10),
        || scheduled_runs(&app, &id),
        |v| v.as_array().is_some_and(|a| a.len() >= 6),
    )
    .await;
    assert!(
        runs.as_array()
            .unwrap()
            .iter()
            .any(|r| r["parameters"]["n"] == 7),
        "schedule parameters apply"
    );
    let (s, _) = app
        .patch(
            &format!("/deployments/{id}/schedules/{interval_id}"),
            json!({"active": false}),
        )
        .await;
    assert_eq!(s, StatusCode::NO_CONTENT);
    let runs = poll_until(
        "3 scheduled runs",
        Duration::from_secs(10),
        || scheduled_runs(&app, &id),
        |v| v.as_array().is_some_and(|a| a.len() == 3),
    )
    .await;
    assert!(runs
        .as_array()
        .unwrap()
        .iter()
        .all(|r| r["parameters"]["n"] == 7));
    assert_eq!(
        app.delete(&format!("/deployments/{id}/schedules/{cron_id}"))
            .await
            .0,
        StatusCode::NO_CONTENT
    );
    let (_, n) = app.post("/flow_runs/count", runs_of(&id)).await;
    assert_eq!(n, json!(0));
    let (s, v) = app
        .delete(&format!("/deployments/{id}/schedules/{cron_id}"))
        .await;
    assert_detail(s, &v, StatusCode::NOT_FOUND, "not found");
    let (s, v) = app
        .post(
            &format!("/deployments/{id}/schedules"),
            json!([{"schedule": {"cron": "* * * * *", "timezone": "Mars/Olympus"}}]),
        )
        .await;
    assert_detail(s, &v, StatusCode::UNPROCESSABLE_ENTITY, "Mars/Olympus");
    app.stop().await;
}
