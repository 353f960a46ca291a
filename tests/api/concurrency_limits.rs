//! Concurrency limits over HTTP: both of Prefect's APIs with its shapes and status codes, slots taken in
//! the order clients asked, leases released when their runs end, and deployment slots held by leases.

use crate::helpers::*;
use reqwest::StatusCode;
use serde_json::{json, Value};
use std::time::Duration;

pub async fn limit_use(app: &TestApp, name: &str) -> Value {
    let (s, all) = app.get("/baton/concurrency_limits").await;
    assert_eq!(s, StatusCode::OK, "{all}");
    all.as_array()
        .unwrap()
        .iter()
        .find(|l| l["name"] == name)
        .cloned()
        .unwrap_or_else(|| panic!("no limit {name} in {all}"))
}

/// Sends `POST /v2/concurrency_limits/increment` with `body` in the background and returns once the
/// request waits in line for `limit` (its `waiters` number `n`); the request's answer comes later.
pub async fn wait_in_line(
    app: &TestApp,
    body: Value,
    limit: &str,
    n: usize,
) -> tokio::task::JoinHandle<reqwest::Result<reqwest::Response>> {
    let (client, url) = (
        app.client.clone(),
        app.url("/v2/concurrency_limits/increment"),
    );
    let waiting = tokio::spawn(async move { client.post(url).json(&body).send().await });
    poll_until(
        "the request waits in line",
        Duration::from_secs(5),
        || limit_use(app, limit),
        |l| l["waiters"].as_array().unwrap().len() == n,
    )
    .await;
    waiting
}

#[tokio::test]
async fn global_limits_answer_as_prefect() {
    let app = spawn_app_without_worker().await;
    let (s, made) = app
        .post(
            "/v2/concurrency_limits/",
            json!({"name": "warehouse", "limit": 3}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{made}");
    for key in [
        "denied_slots",
        "avg_slot_occupancy_seconds",
        "slot_decay_per_second",
    ] {
        assert!(made.get(key).is_some(), "create answers {key}: {made}");
    }
    let id = made["id"].as_str().unwrap().to_string();
    let (s, by_name) = app.get("/v2/concurrency_limits/warehouse").await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(by_name["id"], id.as_str());
    assert!(
        by_name.get("denied_slots").is_none(),
        "a read has no denied_slots: {by_name}"
    );
    let (s, _) = app.get(&format!("/v2/concurrency_limits/{id}")).await;
    assert_eq!(s, StatusCode::OK);
    let (s, body) = app
        .post(
            "/v2/concurrency_limits/",
            json!({"name": "warehouse", "limit": 1}),
        )
        .await;
    assert_detail(s, &body, StatusCode::CONFLICT, "warehouse");
    let (s, _) = app
        .patch(
            "/v2/concurrency_limits/warehouse",
            json!({"limit": 4, "active": false}),
        )
        .await;
    assert_eq!(s, StatusCode::NO_CONTENT);
    let (_, l) = app.get("/v2/concurrency_limits/warehouse").await;
    assert_eq!(
        (l["limit"].as_i64(), l["active"].as_bool()),
        (Some(4), Some(false))
    );
    let (s, page) = app.post("/v2/concurrency_limits/filter", json!({})).await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(page.as_array().unwrap().len(), 1);
    for (body, needle) in [
        (json!({"name": "neg", "limit": -1}), "limit"),
        (json!({"name": "a/b", "limit": 1}), "name"),
        (
            json!({"name": "x", "limit": 1, "avg_slot_occupancy_seconds": 3}),
            "avg_slot_occupancy_seconds",
        ),
        (
            json!({"name": "x", "limit": 1, "slot_decay_per_second": -1.0}),
            "slot_decay_per_second",
        ),
    ] {
        let (s, b) = app.post("/v2/concurrency_limits/", body.clone()).await;
        assert_detail(s, &b, StatusCode::UNPROCESSABLE_ENTITY, needle);
    }
    let (s, b) = app
        .post("/v2/concurrency_limits/filter", json!({"limit": 201}))
        .await;
    assert_detail(s, &b, StatusCode::UNPROCESSABLE_ENTITY, "Invalid limit");
    let (s, b) = app
        .patch("/v2/concurrency_limits/warehouse", json!({"limit": null}))
        .await;
    assert_detail(s, &b, StatusCode::UNPROCESSABLE_ENTITY, "limit");
    let (s, _) = app.delete("/v2/concurrency_limits/warehouse").await;
    assert_eq!(s, StatusCode::NO_CONTENT);
    let (s, b) = app.get("/v2/concurrency_limits/warehouse").await;
    assert_detail(s, &b, StatusCode::NOT_FOUND, "not found");
    app.stop().await;
}

#[tokio::test]
async fn slots_are_all_or_nothing_and_unknown_names_are_skipped() {
    let app = spawn_app_without_worker().await;
    app.post("/v2/concurrency_limits/", json!({"name": "a", "limit": 2}))
        .await;
    app.post("/v2/concurrency_limits/", json!({"name": "b", "limit": 1}))
        .await;
    let (s, got) = app
        .post(
            "/v2/concurrency_limits/increment-with-lease",
            json!({"names": ["a", "b", "nope"], "slots": 1, "lease_duration": 60}),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{got}");
    assert_eq!(got["limits"].as_array().unwrap().len(), 2);
    let lease = got["lease_id"].as_str().unwrap().to_string();
    assert_eq!(limit_use(&app, "a").await["active_slots"], 1);
    let (s, b) = app
        .post(
            "/v2/concurrency_limits/increment",
            json!({"names": ["a"], "slots": 3}),
        )
        .await;
    assert_detail(
        s,
        &b,
        StatusCode::UNPROCESSABLE_ENTITY,
        "greater than the limit",
    );
    let (s, b) = app
        .post(
            "/v2/concurrency_limits/increment",
            json!({"names": ["a"], "slots": 1, "mode": "rate_limit"}),
        )
        .await;
    assert_detail(s, &b, StatusCode::UNPROCESSABLE_ENTITY, "slot decay");
    let (s, none) = app
        .post(
            "/v2/concurrency_limits/increment-with-lease",
            json!({"names": ["nope"], "slots": 1}),
        )
        .await;
    assert_eq!((s, none["limits"].clone()), (StatusCode::OK, json!([])));
    // `b` is full: a request for `a` and `b` waits, and `a` is not taken meanwhile.
    let waiting = wait_in_line(&app, json!({"names": ["a", "b"], "slots": 1}), "b", 1).await;
    assert_eq!(
        limit_use(&app, "a").await["active_slots"],
        1,
        "nothing taken of `a` while `b` is full"
    );
    let (s, _) = app
        .post(
            "/v2/concurrency_limits/decrement-with-lease",
            json!({"lease_id": lease}),
        )
        .await;
    assert_eq!(s, StatusCode::NO_CONTENT);
    assert_eq!(waiting.await.unwrap().unwrap().status(), StatusCode::OK);
    assert_eq!(limit_use(&app, "a").await["active_slots"], 1);
    assert_eq!(limit_use(&app, "b").await["active_slots"], 1);
    let (s, _) = app
        .post(
            "/v2/concurrency_limits/decrement-with-lease",
            json!({"lease_id": lease}),
        )
        .await;
    assert_eq!(s, StatusCode::NO_CONTENT, "releasing twice is not an error");
    let (s, b) = app
        .post(
            &format!("/v2/concurrency_limits/leases/{lease}/renew"),
            json!({}),
        )
        .await;
    assert_detail(s, &b, StatusCode::GONE, "Lease not found");
    let (s, got) = app
        .post(
            "/v2/concurrency_limits/decrement",
            json!({"names": ["a", "b"], "slots": 1, "occupancy_seconds": 2.0}),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{got}");
    assert_eq!(limit_use(&app, "b").await["active_slots"], 0);
    app.stop().await;
}

#[tokio::test]
async fn tag_limits_are_global_limits_named_after_the_tag() {
    let app = spawn_app_without_worker().await;
    let (s, made) = app
        .post(
            "/concurrency_limits/",
            json!({"tag": "db", "concurrency_limit": 1}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{made}");
    let (s, again) = app
        .post(
            "/concurrency_limits/",
            json!({"tag": "db", "concurrency_limit": 2}),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "an existing tag is resized: {again}");
    assert_eq!(
        (again["id"].clone(), again["concurrency_limit"].as_i64()),
        (made["id"].clone(), Some(2))
    );
    let (_, v2) = app.get("/v2/concurrency_limits/tag:db").await;
    assert_eq!(v2["id"], made["id"]);
    let task = uuid::Uuid::from_u128(7);
    let (s, got) = app
        .post(
            "/concurrency_limits/increment",
            json!({"names": ["db", "other"], "task_run_id": task}),
        )
        .await;
    assert_eq!(
        (s, got[0]["name"].clone()),
        (StatusCode::OK, json!("db")),
        "{got}"
    );
    let (_, read) = app.get("/concurrency_limits/tag/db").await;
    assert_eq!(read["active_slots"], json!([task]));
    let (s, page) = app
        .post("/concurrency_limits/filter", json!({"limit": 10}))
        .await;
    assert_eq!((s, page.as_array().unwrap().len()), (StatusCode::OK, 1));
    let (s, got) = app
        .post(
            "/concurrency_limits/decrement",
            json!({"names": ["db"], "task_run_id": task}),
        )
        .await;
    assert_eq!(
        (s, got[0]["name"].clone()),
        (StatusCode::OK, json!("tag:db"))
    );
    assert_eq!(
        app.get("/concurrency_limits/tag/db").await.1["active_slots"],
        json!([])
    );
    // Reset frees every slot; with an override, those task runs hold one each.
    app.post(
        "/concurrency_limits/increment",
        json!({"names": ["db"], "task_run_id": task}),
    )
    .await;
    let (s, b) = app
        .post(
            "/concurrency_limits/tag/db/reset",
            json!({"slot_override": [uuid::Uuid::from_u128(9)]}),
        )
        .await;
    assert_eq!((s, b), (StatusCode::OK, Value::Null));
    assert_eq!(
        app.get("/concurrency_limits/tag/db").await.1["active_slots"],
        json!([uuid::Uuid::from_u128(9)])
    );
    assert_eq!(limit_use(&app, "tag:db").await["active_slots"], 1);
    app.post(
        "/concurrency_limits/",
        json!({"tag": "zero", "concurrency_limit": 0}),
    )
    .await;
    let res = app
        .client
        .post(app.url("/concurrency_limits/increment"))
        .json(&json!({"names": ["zero"], "task_run_id": task}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::LOCKED);
    assert!(
        res.headers().get("retry-after").is_none(),
        "a limit of 0 says: do not retry"
    );
    let (s, b) = app.get("/concurrency_limits/tag/nope").await;
    assert_detail(s, &b, StatusCode::NOT_FOUND, "not found");
    let (s, b) = app.delete("/concurrency_limits/tag/db").await;
    assert_eq!((s, b), (StatusCode::OK, Value::Null));
    let (s, _) = app.delete("/concurrency_limits/tag/db").await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    app.stop().await;
}

#[tokio::test]
async fn a_deployment_slot_is_a_lease_named_in_the_runs_state() {
    let app = spawn_app_without_worker().await;
    let flow = app.flow("etl").await;
    let dep = app
        .deployment(json!({"name": "limited", "flow_id": flow, "work_pool_name": "default", "concurrency_limit": 1}))
        .await;
    let name = format!("deployment:{dep}");
    let a = app.deployment_run(&dep).await;
    let b = app.deployment_run(&dep).await;
    let claimed = app.propose(&a, json!({"type": "PENDING"}), false).await;
    let lease = claimed
        .state
        .as_ref()
        .unwrap()
        .state_details
        .deployment_concurrency_lease_id;
    assert!(lease.is_some(), "the claim names its lease: {claimed:?}");
    let l = limit_use(&app, &name).await;
    assert_eq!(
        (l["kind"].as_str(), l["active_slots"].as_i64()),
        (Some("deployment"), Some(1))
    );
    assert_eq!(l["holders"][0]["lease_id"], json!(lease));
    let (_, d) = app.get(&format!("/deployments/{dep}")).await;
    let gate = &d["global_concurrency_limit"];
    assert_eq!(
        (gate["name"].as_str(), gate["active_slots"].as_i64()),
        (Some(name.as_str()), Some(1)),
        "{d}"
    );
    let (s, r) = app.set_state(&b, json!({"type": "PENDING"}), false).await;
    assert_eq!(
        (s, r["status"].as_str()),
        (StatusCode::CREATED, Some("REJECT")),
        "{r}"
    );
    let running = app.propose(&a, json!({"type": "RUNNING"}), false).await;
    assert_eq!(
        running
            .state
            .unwrap()
            .state_details
            .deployment_concurrency_lease_id,
        lease,
        "kept at RUNNING"
    );
    let (s, _) = app
        .post(
            &format!("/v2/concurrency_limits/leases/{}/renew", lease.unwrap()),
            json!({"lease_duration": 300}),
        )
        .await;
    assert_eq!(s, StatusCode::NO_CONTENT, "the engine renews it");
    let waiting = app
        .flow_run(&b)
        .await
        .state
        .unwrap()
        .state_details
        .scheduled_time;
    app.propose(&a, json!({"type": "COMPLETED"}), false).await;
    // The freed slot is offered at once to the run that waited for it.
    let b_now = app.flow_run(&b).await;
    let due = b_now.state.unwrap().state_details.scheduled_time;
    assert!(
        due < waiting,
        "due now ({due:?}), not at the end of its wait ({waiting:?})"
    );
    let claim_b = app.propose(&b, json!({"type": "PENDING"}), false).await;
    assert_eq!(claim_b.status, "ACCEPT");
    app.propose(&b, json!({"type": "CANCELLED"}), false).await;
    assert_eq!(limit_use(&app, &name).await["active_slots"], 0);
    let (s, _) = app
        .patch(
            &format!("/deployments/{dep}"),
            json!({"concurrency_limit": 2}),
        )
        .await;
    assert_eq!(s, StatusCode::NO_CONTENT);
    assert_eq!(limit_use(&app, &name).await["limit"], 2);
    app.patch(
        &format!("/deployments/{dep}"),
        json!({"concurrency_limit": null}),
    )
    .await;
    let (_, all) = app.get("/baton/concurrency_limits").await;
    assert!(
        all.as_array().unwrap().is_empty(),
        "the deployment's limit goes with its concurrency_limit: {all}"
    );
    app.stop().await;
}
