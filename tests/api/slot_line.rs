//! The line for concurrency slots over HTTP: waiters get slots in the order they asked, a waiter that gives
//! up takes nothing, runs that end free their slots, and `/metrics` shows slots and waiters per limit.

use crate::concurrency_limits::{limit_use, wait_in_line};
use crate::helpers::*;
use reqwest::StatusCode;
use serde_json::json;
use std::sync::{Arc, Mutex};
use std::time::Duration;

fn holder(i: u128) -> serde_json::Value {
    json!({"type": "task_run", "id": uuid::Uuid::from_u128(0xA000 + i)})
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn twenty_waiters_get_slots_in_the_order_they_asked() {
    let app = Arc::new(spawn_app_without_worker().await);
    app.post(
        "/v2/concurrency_limits/",
        json!({"name": "one", "limit": 1}),
    )
    .await;
    let (_, first) = app
        .post(
            "/v2/concurrency_limits/increment-with-lease",
            json!({"names": ["one"], "slots": 1, "lease_duration": 60}),
        )
        .await;
    let order = Arc::new(Mutex::new(Vec::new()));
    let mut waiters = Vec::new();
    for i in 0..20u128 {
        let (app2, order) = (app.clone(), order.clone());
        waiters.push(tokio::spawn(async move {
            let body =
                json!({"names": ["one"], "slots": 1, "lease_duration": 60, "holder": holder(i)});
            let (s, got) = app2
                .post("/v2/concurrency_limits/increment-with-lease", body)
                .await;
            assert_eq!(s, StatusCode::OK, "waiter {i}: {got}");
            order.lock().unwrap().push(i);
            let (s, _) = app2
                .post(
                    "/v2/concurrency_limits/decrement-with-lease",
                    json!({"lease_id": got["lease_id"]}),
                )
                .await;
            assert_eq!(s, StatusCode::NO_CONTENT);
        }));
        // The next waiter asks only once this one is in line.
        poll_until(
            "the waiter is in line",
            Duration::from_secs(5),
            || limit_use(&app, "one"),
            |l| l["waiters"].as_array().unwrap().len() == i as usize + 1,
        )
        .await;
    }
    let (s, _) = app
        .post(
            "/v2/concurrency_limits/decrement-with-lease",
            json!({"lease_id": first["lease_id"]}),
        )
        .await;
    assert_eq!(s, StatusCode::NO_CONTENT);
    for w in waiters {
        w.await.unwrap();
    }
    assert_eq!(*order.lock().unwrap(), (0..20).collect::<Vec<u128>>());
    let l = limit_use(&app, "one").await;
    assert_eq!(
        (
            l["active_slots"].as_i64(),
            l["waiters"].as_array().unwrap().len()
        ),
        (Some(0), 0)
    );
}

#[tokio::test]
async fn a_run_that_ends_or_is_deleted_frees_its_and_its_tasks_slots() {
    let app = spawn_app_without_worker().await;
    app.post("/v2/concurrency_limits/", json!({"name": "w", "limit": 5}))
        .await;
    let flow = app.flow("holder").await;
    for end in ["CRASHED", "delete"] {
        let run = app.run(&flow, json!({"state": {"type": "RUNNING"}})).await;
        let (s, task) = app
            .post(
                "/task_runs/",
                json!({"flow_run_id": run.id, "task_key": "t", "dynamic_key": "0", "name": "t-0"}),
            )
            .await;
        assert_eq!(s, StatusCode::CREATED, "{task}");
        for h in [
            json!({"type": "flow_run", "id": run.id}),
            json!({"type": "task_run", "id": task["id"]}),
        ] {
            let (s, _) = app
                .post(
                    "/v2/concurrency_limits/increment-with-lease",
                    json!({"names": ["w"], "slots": 1, "holder": h}),
                )
                .await;
            assert_eq!(s, StatusCode::OK);
        }
        let l = limit_use(&app, "w").await;
        assert_eq!(l["active_slots"], 2);
        assert!(l["holders"]
            .as_array()
            .unwrap()
            .iter()
            .any(|h| h["holder_name"] == "t-0" && h["flow_run_id"] == run.id.as_str()));
        if end == "delete" {
            assert_eq!(
                app.delete(&format!("/flow_runs/{}", run.id)).await.0,
                StatusCode::NO_CONTENT
            );
        } else {
            app.propose(&run.id, json!({"type": end}), false).await;
        }
        assert_eq!(limit_use(&app, "w").await["active_slots"], 0, "after {end}");
    }
    app.stop().await;
}

#[tokio::test]
async fn metrics_show_slots_in_use_and_waiters_per_limit() {
    let app = spawn_app_without_worker().await;
    app.post(
        "/v2/concurrency_limits/",
        json!({"name": "gate", "limit": 1}),
    )
    .await;
    app.post(
        "/v2/concurrency_limits/increment-with-lease",
        json!({"names": ["gate"], "slots": 1}),
    )
    .await;
    let waiting = wait_in_line(&app, json!({"names": ["gate"], "slots": 1}), "gate", 1).await;
    let text = app.text(&format!("http://{}/metrics", app.addr)).await;
    for line in [
        "baton_concurrency_slots_in_use{limit=\"gate\"} 1",
        "baton_concurrency_slot_limit{limit=\"gate\"} 1",
        "baton_concurrency_waiters{limit=\"gate\"} 1",
    ] {
        assert!(text.lines().any(|l| l == line), "no {line:?} in\n{text}");
    }
    waiting.abort();
    app.stop().await;
}

#[tokio::test]
async fn a_waiter_that_gives_up_takes_nothing() {
    let app = spawn_app_without_worker().await;
    app.post(
        "/v2/concurrency_limits/",
        json!({"name": "gate", "limit": 1}),
    )
    .await;
    let (_, held) = app
        .post(
            "/v2/concurrency_limits/increment-with-lease",
            json!({"names": ["gate"], "slots": 1}),
        )
        .await;
    let impatient = reqwest::Client::builder()
        .timeout(Duration::from_millis(300))
        .build()
        .unwrap();
    let gave_up = impatient
        .post(app.url("/v2/concurrency_limits/increment-with-lease"))
        .json(&json!({"names": ["gate"], "slots": 1}))
        .send()
        .await;
    assert!(gave_up.is_err(), "the client timed out");
    poll_until(
        "its place is dropped",
        Duration::from_secs(5),
        || limit_use(&app, "gate"),
        |l| l["waiters"].as_array().unwrap().is_empty(),
    )
    .await;
    app.post(
        "/v2/concurrency_limits/decrement-with-lease",
        json!({"lease_id": held["lease_id"]}),
    )
    .await;
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert_eq!(
        limit_use(&app, "gate").await["active_slots"],
        0,
        "nothing was granted to the client that left"
    );
    app.stop().await;
}

#[tokio::test]
async fn tasks_proposing_running_over_rest_meet_their_tags_limits() {
    let app = spawn_app_without_worker().await;
    app.post(
        "/concurrency_limits/",
        json!({"tag": "db", "concurrency_limit": 1}),
    )
    .await;
    app.post(
        "/concurrency_limits/",
        json!({"tag": "zero", "concurrency_limit": 0}),
    )
    .await;
    let flow = app.flow("tagged").await;
    let run = app.run(&flow, json!({"state": {"type": "RUNNING"}})).await;
    let mut tasks = Vec::new();
    for (i, tags) in [json!(["db"]), json!(["db", "other"]), json!(["zero"])]
        .into_iter()
        .enumerate()
    {
        let body = json!({"flow_run_id": run.id, "task_key": "t", "dynamic_key": i.to_string(), "tags": tags});
        let (s, t) = app.post("/task_runs/", body).await;
        assert_eq!(s, StatusCode::CREATED, "{t}");
        tasks.push(t["id"].as_str().unwrap().to_string());
    }
    let propose = |task: &str, kind: &str| {
        let path = format!("/task_runs/{task}/set_state");
        let body = json!({"state": {"type": kind}});
        let app = &app;
        async move { app.post(&path, body).await.1 }
    };
    assert_eq!(propose(&tasks[0], "RUNNING").await["status"], "ACCEPT");
    assert_eq!(
        propose(&tasks[0], "RUNNING").await["status"],
        "ACCEPT",
        "a task holding its slot goes on"
    );
    let held = propose(&tasks[1], "RUNNING").await;
    assert_eq!(held["status"], "WAIT", "{held}");
    assert!(
        held["details"]["delay_seconds"].as_f64().unwrap() >= 1.0,
        "{held}"
    );
    assert!(
        held["details"]["reason"].as_str().unwrap().contains("db"),
        "{held}"
    );
    let (_, v1) = app.get("/concurrency_limits/tag/db").await;
    assert_eq!(v1["active_slots"], json!([tasks[0]]));
    assert_eq!(propose(&tasks[0], "COMPLETED").await["status"], "ACCEPT");
    assert_eq!(propose(&tasks[1], "RUNNING").await["status"], "ACCEPT");
    let aborted = propose(&tasks[2], "RUNNING").await;
    assert_eq!(aborted["status"], "ABORT", "{aborted}");
    assert!(aborted["details"]["reason"]
        .as_str()
        .unwrap()
        .contains("\"zero\" is 0"));
    // Leaving RUNNING for anything but CANCELLING frees the slot (a retry waits for a new one).
    assert_eq!(propose(&tasks[1], "SCHEDULED").await["status"], "ACCEPT");
    assert_eq!(limit_use(&app, "tag:db").await["active_slots"], 0);
    app.stop().await;
}
