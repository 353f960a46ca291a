//! Deployments: CRUD with every field kept whole, upsert by name, runs from a deployment with merged and
//! validated parameters, schedules, and the scheduler creating runs ahead without duplicates.

use crate::helpers::*;
use reqwest::StatusCode;
use serde_json::{json, Value};
use std::time::Duration;

fn body(flow_id: &str, cron: &str) -> Value {
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

#[tokio::test]
async fn overdue_scheduled_runs_turn_late() {
    let app = spawn_app_without_worker().await;
    let flow = app.flow("etl").await;
    let mut b = body(&flow, "0 2 * * *");
    b["schedules"] = json!([]);
    let (_, d) = app.post("/deployments/", b).await;
    let id = d["id"].as_str().unwrap();
    let past = (chrono::Utc::now() - chrono::Duration::seconds(20)).to_rfc3339();
    let (_, run) = app
        .post(
            &format!("/deployments/{id}/create_flow_run"),
            json!({"state": {"type": "SCHEDULED", "state_details": {"scheduled_time": past}}}),
        )
        .await;
    let rid = run["id"].as_str().unwrap();
    let late = poll_until(
        "the run to turn Late",
        Duration::from_secs(10),
        || async {
            let body = json!({"flow_runs": {"id": {"any_": [rid]}}});
            app.post("/flow_runs/filter", body).await.1
        },
        |v| v[0]["state_name"] == "Late",
    )
    .await;
    assert_eq!(late[0]["state_type"], "SCHEDULED");
    assert_eq!(
        late[0]["next_scheduled_start_time"],
        run["next_scheduled_start_time"]
    );
    app.stop().await;
}

/// Stored JSON keeps the caller's key order, as Prefect does (issue 13, item 8): parameters in the
/// signature's order, schema properties, job variables.
#[tokio::test]
async fn stored_json_keeps_the_callers_key_order() {
    let app = spawn_app_without_worker().await;
    let flow = app.flow("ordered").await;
    let (s, d) = app
        .post(
            "/deployments/",
            json!({"name": "keys", "flow_id": flow,
                   "parameters": {"zeta": 1, "alpha": 2, "mid": {"y": 1, "b": 2}},
                   "job_variables": {"env": {"Z": "1", "A": "2"}, "command": "x"},
                   "parameter_openapi_schema": {"type": "object", "properties": {
                       "zeta": {"type": "integer"}, "alpha": {"type": "integer"}, "mid": {"type": "object"}}}}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{d}");
    let id = d["id"].as_str().unwrap();
    let text = app
        .client
        .get(app.url(&format!("/deployments/{id}")))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let order = |needles: &[&str]| {
        let at: Vec<usize> = needles
            .iter()
            .map(|n| text.find(n).unwrap_or_else(|| panic!("{n} in {text}")))
            .collect();
        assert!(
            at.windows(2).all(|w| w[0] < w[1]),
            "{needles:?} out of order in {text}"
        );
    };
    order(&["\"zeta\":1", "\"alpha\":2", "\"mid\":{\"y\":1,\"b\":2}"]);
    order(&["\"Z\":\"1\"", "\"A\":\"2\""]);
    order(&["\"zeta\":{", "\"alpha\":{", "\"mid\":{\"type\""]);
    let r = app
        .client
        .post(app.url(&format!("/deployments/{id}/create_flow_run")))
        .json(&json!({"parameters": {"mid": {"q": 0}, "zeta": 5}}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::CREATED);
    let run = r.text().await.unwrap();
    // Prefect merges the run's parameters over the deployment's: the deployment's keys keep their places.
    let p = run.find("\"parameters\":").unwrap();
    assert!(
        run[p..].starts_with("\"parameters\":{\"zeta\":5,\"alpha\":2,\"mid\":{\"q\":0}}"),
        "{}",
        &run[p..p + 80]
    );
    app.stop().await;
}

/// A deployment's schedules are listed as Prefect lists them: the most recently created or changed first.
#[tokio::test]
async fn schedules_are_listed_newest_first() {
    let app = spawn_app_without_worker().await;
    let flow = app.flow("order").await;
    let cron = |m: u32| json!({"schedule": {"cron": format!("{m} * * * *")}});
    let (s, d) = app
        .post(
            "/deployments/",
            json!({"name": "d", "flow_id": flow, "schedules": [cron(1), cron(2), cron(3)]}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{d}");
    let id = d["id"].as_str().unwrap().to_string();
    let crons = |v: &Value| -> Vec<(String, bool)> {
        v.as_array()
            .unwrap()
            .iter()
            .map(|s| {
                (
                    s["schedule"]["cron"].as_str().unwrap().to_string(),
                    s["active"].as_bool().unwrap(),
                )
            })
            .collect()
    };
    let list = |v: &[(&str, bool)]| -> Vec<(String, bool)> {
        v.iter().map(|(c, a)| (c.to_string(), *a)).collect()
    };
    assert_eq!(
        crons(&d["schedules"]),
        list(&[
            ("3 * * * *", true),
            ("2 * * * *", true),
            ("1 * * * *", true)
        ])
    );
    let (s, _) = app
        .post(&format!("/deployments/{id}/schedules"), json!([cron(4)]))
        .await;
    assert_eq!(s, StatusCode::CREATED);
    let (_, all) = app.get(&format!("/deployments/{id}/schedules")).await;
    let second = all[2]["id"].as_str().unwrap().to_string();
    assert_eq!(all[2]["schedule"]["cron"], "2 * * * *");
    let (s, _) = app
        .patch(
            &format!("/deployments/{id}/schedules/{second}"),
            json!({"active": false}),
        )
        .await;
    assert_eq!(s, StatusCode::NO_CONTENT);
    let (_, all) = app.get(&format!("/deployments/{id}/schedules")).await;
    assert_eq!(
        crons(&all),
        list(&[
            ("2 * * * *", false),
            ("4 * * * *", true),
            ("3 * * * *", true),
            ("1 * * * *", true)
        ])
    );
    let (_, d) = app.get(&format!("/deployments/{id}")).await;
    assert_eq!(crons(&d["schedules"]), crons(&all));
    app.stop().await;
}
