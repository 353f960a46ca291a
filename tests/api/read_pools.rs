//! A pool's concurrency status, a deployment's work queue check, and the states runs have been in.

use crate::helpers::*;
use reqwest::StatusCode;
use serde_json::{json, Value};

#[tokio::test]
async fn concurrency_status_lists_active_runs_per_queue() {
    let app = spawn_app_without_worker().await;
    let (s, _) = app
        .post(
            "/work_pools/",
            json!({"name": "pool-a", "type": "process", "concurrency_limit": 5}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED);
    for (name, priority, limit) in [("high", 1, Value::from(2)), ("low", 2, Value::Null)] {
        let (s, q) = app
            .post(
                "/work_pools/pool-a/queues",
                json!({"name": name, "priority": priority, "concurrency_limit": limit}),
            )
            .await;
        assert_eq!(s, StatusCode::CREATED, "{q}");
    }
    app.patch("/work_pools/pool-a/queues/default", json!({"priority": 3}))
        .await;
    let flow = app.flow("etl").await;
    let in_queue = |q: &str, state: &str, name: &str| json!({"name": name, "work_pool_name": "pool-a", "work_queue_name": q, "state": {"type": state}});
    let pending = app
        .run(&flow, in_queue("high", "PENDING", "pending-one"))
        .await
        .id;
    app.run(&flow, in_queue("low", "RUNNING", "running-one"))
        .await;
    app.run(&flow, in_queue("low", "RUNNING", "running-two"))
        .await;
    app.run(&flow, in_queue("low", "SCHEDULED", "waiting"))
        .await;

    let (s, st) = app
        .post("/work_pools/pool-a/concurrency_status", json!({}))
        .await;
    assert_eq!(s, StatusCode::OK, "{st}");
    let keys: Vec<&String> = st.as_object().unwrap().keys().collect();
    assert_eq!(
        keys,
        [
            "active_slots",
            "concurrency_limit",
            "queues",
            "count",
            "limit",
            "pages",
            "page"
        ]
    );
    assert_eq!(
        (
            &st["active_slots"],
            &st["concurrency_limit"],
            &st["count"],
            &st["pages"]
        ),
        (&json!(3), &json!(5), &json!(3), &json!(1))
    );
    let names: Vec<&str> = st["queues"]
        .as_array()
        .unwrap()
        .iter()
        .map(|q| q["queue_name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["high", "low", "default"], "by priority");
    let high = &st["queues"][0];
    assert_eq!(
        (
            &high["active_slots"],
            &high["concurrency_limit"],
            &high["flow_run_count"]
        ),
        (&json!(1), &json!(2), &json!(1))
    );
    let run = &high["flow_runs"][0];
    let keys: Vec<&String> = run.as_object().unwrap().keys().collect();
    assert_eq!(
        keys,
        [
            "id",
            "name",
            "state_type",
            "state_name",
            "start_time",
            "state_timestamp",
            "time_in_current_state"
        ]
    );
    assert_eq!(
        (run["id"].as_str(), run["state_type"].as_str()),
        (Some(pending.as_str()), Some("PENDING"))
    );
    assert!(run["time_in_current_state"].as_f64().unwrap() >= 0.0);
    assert_eq!(st["queues"][1]["flow_run_count"], 2);

    let (_, page) = app
        .post(
            "/work_pools/pool-a/concurrency_status",
            json!({"limit": 1, "page": 2, "flow_run_limit": 1}),
        )
        .await;
    assert_eq!(
        (
            &page["pages"],
            &page["page"],
            page["queues"].as_array().unwrap().len()
        ),
        (&json!(3), &json!(2), 1)
    );
    let low = &page["queues"][0];
    assert_eq!(
        (
            &low["queue_name"],
            &low["flow_run_count"],
            low["flow_runs"].as_array().unwrap().len()
        ),
        (&json!("low"), &json!(2), 1)
    );

    let (s, v) = app
        .post("/work_pools/nope/concurrency_status", json!({}))
        .await;
    assert_detail(s, &v, StatusCode::NOT_FOUND, "Work pool 'nope' not found.");
    let (s, v) = app
        .post(
            "/work_pools/pool-a/concurrency_status",
            json!({"limit": 201}),
        )
        .await;
    assert_detail(s, &v, StatusCode::UNPROCESSABLE_ENTITY, "Invalid limit");
    let (s, v) = app
        .post("/work_pools/pool-a/concurrency_status", json!({"page": 0}))
        .await;
    assert_detail(s, &v, StatusCode::UNPROCESSABLE_ENTITY, "page");
    app.stop().await;
}

#[tokio::test]
async fn work_queue_check_lists_every_queue() {
    let app = spawn_app_without_worker().await;
    app.post("/work_pools/", json!({"name": "pool-b", "type": "process"}))
        .await;
    app.post("/work_pools/pool-b/queues", json!({"name": "extra"}))
        .await;
    let flow = app.flow("etl").await;
    let d = app.deployment(json!({"name": "d", "flow_id": flow})).await;
    let (s, qs) = app.get(&format!("/deployments/{d}/work_queue_check")).await;
    assert_eq!(s, StatusCode::OK, "{qs}");
    let qs = qs.as_array().unwrap();
    let (_, all) = app.post("/work_queues/filter", json!({})).await;
    assert_eq!(qs.len(), all.as_array().unwrap().len());
    assert!(qs.iter().any(|q| q["name"] == "extra"));
    let keys: Vec<&String> = qs[0].as_object().unwrap().keys().collect();
    assert_eq!(
        keys,
        [
            "id",
            "created",
            "updated",
            "name",
            "description",
            "is_paused",
            "concurrency_limit",
            "priority",
            "work_pool_id",
            "filter",
            "last_polled"
        ]
    );
    let (s, v) = app
        .get(&format!(
            "/deployments/{}/work_queue_check",
            uuid::Uuid::new_v4()
        ))
        .await;
    assert_detail(s, &v, StatusCode::NOT_FOUND, "Deployment not found");
    app.stop().await;
}

#[tokio::test]
async fn observed_states_are_the_distinct_states_of_run_histories() {
    let app = spawn_app_without_worker().await;
    let flow = app.flow("etl").await;
    let run = app
        .run(&flow, json!({"state": {"type": "RUNNING"}}))
        .await
        .id;
    app.set_state(&run, json!({"type": "COMPLETED"}), false)
        .await;
    let (_, t) = app
        .post(
            "/task_runs/",
            json!({"flow_run_id": run, "task_key": "k", "dynamic_key": "0", "state": {"type": "RUNNING"}}),
        )
        .await;
    let tid = t["id"].as_str().unwrap();
    app.post(
        &format!("/task_runs/{tid}/set_state"),
        json!({"state": {"type": "FAILED", "name": "Boom"}}),
    )
    .await;
    let (s, all) = app.get("/observed-states").await;
    assert_eq!(s, StatusCode::OK, "{all}");
    let pairs: Vec<(String, String)> = all
        .as_array()
        .unwrap()
        .iter()
        .map(|o| {
            (
                o["state_type"].as_str().unwrap().into(),
                o["state_name"].as_str().unwrap().into(),
            )
        })
        .collect();
    assert_eq!(pairs.len(), 3, "{all}");
    assert_eq!(
        pairs[0],
        ("FAILED".to_string(), "Boom".to_string()),
        "last seen first"
    );
    let running = all
        .as_array()
        .unwrap()
        .iter()
        .find(|o| o["state_type"] == "RUNNING")
        .unwrap();
    assert!(
        running["first_seen"].as_str() < running["last_seen"].as_str(),
        "seen in both tables: {running}"
    );
    let keys: Vec<&String> = running.as_object().unwrap().keys().collect();
    assert_eq!(
        keys,
        ["state_type", "state_name", "first_seen", "last_seen"]
    );

    let (_, by_name) = app
        .get("/observed-states?order_by=NAME_ASC&query=%20c%20")
        .await;
    let names: Vec<&str> = by_name
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o["state_name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["Completed"]);
    let (_, b) = app.get("/observed-states?query=b").await;
    assert_eq!(
        b.as_array().unwrap().len(),
        1,
        "names match too, case-insensitively"
    );
    let (_, two) = app.get("/observed-states?order_by=NAME_ASC&limit=2").await;
    assert_eq!(two.as_array().unwrap()[0]["state_type"], "COMPLETED");
    for bad in [
        "?limit=0",
        "?order_by=NEWEST",
        &format!("?query={}", "x".repeat(101)),
    ] {
        let (s, v) = app.get(&format!("/observed-states{bad}")).await;
        assert_detail(s, &v, StatusCode::UNPROCESSABLE_ENTITY, "");
    }
    app.stop().await;
}
