//! `/api/automations/*`, `/api/templates/validate` and the events API over HTTP: Prefect's shapes and
//! status codes, filters, paging and counts, and an automation firing end to end on the real server.

use crate::helpers::{assert_detail, poll_until, spawn_app_without_worker, TestApp};
use reqwest::StatusCode;
use serde_json::{json, Value};
use std::time::Duration;

fn body(name: &str, expect: &str, threshold: i64) -> Value {
    json!({
        "name": name,
        "trigger": {"type": "event", "expect": [expect], "posture": "Reactive",
                    "threshold": threshold, "within": 30, "match": {"prefect.resource.id": "sensor.*"}},
        "actions": [{"type": "do-nothing"}],
    })
}

async fn emit(app: &TestApp, name: &str, resource: &str) {
    let e = json!([{
        "id": uuid::Uuid::new_v4().to_string(),
        "occurred": baton::domain::time::format(chrono::Utc::now()),
        "event": name,
        "resource": {"prefect.resource.id": resource},
    }]);
    let (status, b) = app.post("/events", e).await;
    assert_eq!(status, StatusCode::NO_CONTENT, "{b}");
}

async fn events(app: &TestApp, filter: Value) -> Vec<Value> {
    let (status, page) = app.post("/events/filter", json!({"filter": filter})).await;
    assert_eq!(status, StatusCode::OK, "{page}");
    page["events"].as_array().unwrap().clone()
}

#[tokio::test]
async fn automations_answer_prefects_shapes_and_codes() {
    let app = spawn_app_without_worker().await;
    let (status, a) = app
        .post("/automations/", body("heat", "sensor.hot", 2))
        .await;
    assert_eq!(status, StatusCode::CREATED, "{a}");
    let id = a["id"].as_str().unwrap().to_string();
    assert_eq!(a["enabled"], true);
    assert_eq!(a["trigger"]["for_each"], json!([]));
    assert_eq!(a["trigger"]["match_related"], json!({}));
    assert!(
        a["trigger"]["id"].is_string(),
        "each trigger gets an id: {a}"
    );
    assert_eq!(a["actions"], json!([{"type": "do-nothing"}]));

    let (_, listed) = app.post("/automations/filter", json!({})).await;
    assert_eq!(listed.as_array().unwrap().len(), 1);
    let (_, n) = app.post("/automations/count", json!({})).await;
    assert_eq!(n, json!(1));
    let (_, none) = app
        .post(
            "/automations/filter",
            json!({"automations": {"name": {"any_": ["other"]}}}),
        )
        .await;
    assert_eq!(none, json!([]));

    let (status, _) = app
        .patch(&format!("/automations/{id}"), json!({"enabled": false}))
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let (_, read) = app.get(&format!("/automations/{id}")).await;
    assert_eq!(read["enabled"], false);

    let missing = uuid::Uuid::new_v4();
    let (status, b) = app.get(&format!("/automations/{missing}")).await;
    assert_detail(status, &b, StatusCode::NOT_FOUND, "Automation not found");
    let (status, b) = app
        .post(
            "/automations/",
            json!({"name": "x", "trigger": {"type": "event"}, "actions": []}),
        )
        .await;
    assert_detail(status, &b, StatusCode::UNPROCESSABLE_ENTITY, "posture");
    let proactive = json!({"name": "x", "actions": [],
        "trigger": {"type": "event", "posture": "Proactive", "within": 1}});
    let (status, b) = app.post("/automations/", proactive).await;
    assert_detail(
        status,
        &b,
        StatusCode::UNPROCESSABLE_ENTITY,
        "at least 10 seconds",
    );
    let selected = json!({"name": "x", "trigger": {"type": "event", "posture": "Reactive"},
        "actions": [{"type": "run-deployment", "source": "selected"}]});
    let (status, b) = app.post("/automations/", selected).await;
    assert_detail(
        status,
        &b,
        StatusCode::UNPROCESSABLE_ENTITY,
        "deployment_id is required",
    );

    let (status, b) = app
        .post("/templates/validate", json!("hi {{ flow_run.name }}"))
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT, "{b}");
    let (status, b) = app
        .post("/templates/validate", json!("hi {{ flow_run.name "))
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(b["error"]["line"], 1, "{b}");

    let (status, _) = app.delete(&format!("/automations/{id}")).await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let (status, _) = app.delete(&format!("/automations/{id}")).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let changes: Vec<String> = events(
        &app,
        json!({"resource": {"id": [format!("prefect.automation.{id}")]}, "order": "ASC"}),
    )
    .await
    .iter()
    .map(|e| e["event"].as_str().unwrap().to_string())
    .collect();
    assert_eq!(
        changes,
        [
            "prefect.automation.created",
            "prefect.automation.updated",
            "prefect.automation.deleted"
        ]
    );
    app.stop().await;
}

#[tokio::test]
async fn owned_automations_are_found_and_cleared_by_their_owner() {
    let app = spawn_app_without_worker().await;
    let mut b = body("owned", "x.y", 1);
    b["owner_resource"] = json!("prefect.deployment.d1");
    let (_, a) = app.post("/automations/", b).await;
    app.post("/automations/", body("free", "x.y", 1)).await;
    let (_, related) = app
        .get("/automations/related-to/prefect.deployment.d1")
        .await;
    assert_eq!(related.as_array().unwrap().len(), 1);
    assert_eq!(related[0]["id"], a["id"]);
    let (status, _) = app
        .delete("/automations/owned-by/prefect.deployment.d1")
        .await;
    assert_eq!(status, StatusCode::ACCEPTED);
    let (_, left) = app.post("/automations/filter", json!({})).await;
    assert_eq!(left.as_array().unwrap().len(), 1);
    assert_eq!(left[0]["name"], "free");
    app.stop().await;
}

#[tokio::test]
async fn a_threshold_fires_once_and_its_action_outcome_is_an_event() {
    let app = spawn_app_without_worker().await;
    let (_, a) = app
        .post("/automations/", body("heat", "sensor.hot", 3))
        .await;
    let id = a["id"].as_str().unwrap().to_string();
    for _ in 0..2 {
        emit(&app, "sensor.hot", "sensor.7").await;
    }
    emit(&app, "sensor.hot", "other.1").await;
    let mine = json!({"resource": {"id": [format!("prefect.automation.{id}")]},
                      "event": {"prefix": ["prefect.automation.action", "prefect.automation.triggered"]}});
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert!(
        events(&app, mine.clone()).await.is_empty(),
        "two events of three fired"
    );
    emit(&app, "sensor.hot", "sensor.7").await;
    emit(&app, "sensor.hot", "sensor.7").await;
    let seen = poll_until(
        "the action's outcome",
        Duration::from_secs(10),
        || events(&app, mine.clone()),
        |e| {
            e.iter()
                .any(|e| e["event"] == "prefect.automation.action.executed")
        },
    )
    .await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    let seen_after = events(&app, mine).await;
    assert_eq!(seen_after.len(), seen.len(), "fired once: {seen_after:?}");
    let names: Vec<&str> = seen.iter().map(|e| e["event"].as_str().unwrap()).collect();
    assert_eq!(
        names,
        [
            "prefect.automation.action.executed",
            "prefect.automation.action.triggered",
            "prefect.automation.triggered"
        ]
    );
    let executed = &seen[0];
    assert_eq!(executed["payload"]["action_type"], "do-nothing");
    let roles: Vec<&str> = executed["related"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["prefect.resource.role"].as_str().unwrap())
        .collect();
    assert!(
        roles.contains(&"triggering-event") && roles.contains(&"automation-triggered-event"),
        "{executed}"
    );
    app.stop().await;
}

#[tokio::test]
async fn events_page_and_count_as_prefect_does() {
    let app = spawn_app_without_worker().await;
    for i in 0..7 {
        emit(
            &app,
            if i % 2 == 0 { "demo.even" } else { "demo.odd" },
            &format!("demo.{i}"),
        )
        .await;
    }
    let (status, page) = app
        .post(
            "/events/filter",
            json!({"filter": {"event": {"prefix": ["demo."]}}, "limit": 3}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{page}");
    assert_eq!(page["total"], 7);
    assert_eq!(page["events"].as_array().unwrap().len(), 3);
    let first = page["events"][0]["occurred"].as_str().unwrap().to_string();
    let last = page["events"][2]["occurred"].as_str().unwrap().to_string();
    assert!(first >= last, "newest first by default");
    let next = page["next_page"].as_str().unwrap();
    let path = next.split("/api").nth(1).unwrap();
    let (status, page2) = app.get(path).await;
    assert_eq!(status, StatusCode::OK, "{page2}");
    assert_eq!(page2["events"].as_array().unwrap().len(), 3);
    assert_ne!(page2["events"][0]["id"], page["events"][0]["id"]);
    let (status, b) = app.get("/events/filter/next?page-token=bogus").await;
    assert_detail(status, &b, StatusCode::FORBIDDEN, "Invalid page token");

    let (_, by_event) = app
        .post(
            "/events/count-by/event",
            json!({"filter": {"event": {"prefix": ["demo."]}}}),
        )
        .await;
    assert_eq!(by_event[0]["value"], "demo.even");
    assert_eq!(by_event[0]["count"], 4);
    assert_eq!(by_event[1]["count"], 3);
    let (_, by_day) = app
        .post(
            "/events/count-by/day",
            json!({"filter": {"event": {"prefix": ["demo."]}}}),
        )
        .await;
    let total: u64 = by_day
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["count"].as_u64().unwrap())
        .sum();
    assert_eq!(total, 7);
    let (status, b) = app
        .post(
            "/events/count-by/time",
            json!({"filter": {}, "time_unit": "second", "time_interval": 1}),
        )
        .await;
    assert_detail(status, &b, StatusCode::UNPROCESSABLE_ENTITY, "too many");
    let (status, b) = app
        .post("/events/count-by/planet", json!({"filter": {}}))
        .await;
    assert_detail(status, &b, StatusCode::UNPROCESSABLE_ENTITY, "planet");
    app.stop().await;
}
