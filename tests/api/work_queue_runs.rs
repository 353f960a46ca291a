//! A work queue's runs by the queue's id: `get_runs` (a poll, within the queue's pause and limit), `status`
//! (late runs, last poll, health) and `concurrency_status` (the runs holding its slots).

use crate::helpers::*;
use crate::work_queues::{id, NO_SUCH_QUEUE};
use reqwest::StatusCode;
use serde_json::{json, Value};

/// A pool `p` with queue `q` (limit 1), a deployment in it with three runs due now, and a Late run.
async fn queue_with_runs(app: &TestApp) -> (String, Value, Vec<Value>) {
    app.post("/work_pools/", json!({"name": "p", "type": "process"}))
        .await;
    let (_, q) = app
        .post(
            "/work_pools/p/queues",
            json!({"name": "q", "concurrency_limit": 1}),
        )
        .await;
    let flow = app.flow("etl").await;
    let (_, dep) = app
        .post(
            "/deployments/",
            json!({"name": "d", "flow_id": flow, "work_pool_name": "p", "work_queue_name": "q"}),
        )
        .await;
    let mut runs = Vec::new();
    for _ in 0..3 {
        let (s, r) = app
            .post(
                &format!("/deployments/{}/create_flow_run", id(&dep)),
                json!({}),
            )
            .await;
        assert_eq!(s, StatusCode::CREATED, "{r}");
        runs.push(r);
    }
    let late = app
        .run(
            &flow,
            json!({"work_pool_name": "p", "work_queue_name": "q", "state": {"type": "SCHEDULED",
                "name": "Late", "state_details": {"scheduled_time": "2020-01-01T00:00:00Z"}}}),
        )
        .await;
    assert_eq!(json!(late.work_queue_id), q["id"], "{late:?}");
    runs.insert(0, json!(late));
    (format!("/work_queues/{}", id(&q)), dep, runs)
}

#[tokio::test]
async fn get_runs_reads_a_queue_as_a_poll_within_its_limit() {
    let app = spawn_app_without_worker().await;
    let (queue, dep, runs) = queue_with_runs(&app).await;
    let soon = json!({"limit": 10, "scheduled_before": "2100-01-01 00:00:00.000000+00:00"});
    let (s, v) = app
        .post(&format!("{NO_SUCH_QUEUE}/get_runs"), soon.clone())
        .await;
    assert_detail(s, &v, StatusCode::NOT_FOUND, "not found");

    let peek = app
        .client
        .post(app.url(&format!("{queue}/get_runs")))
        .header("x-prefect-ui", "true")
        .json(&soon)
        .send()
        .await
        .unwrap();
    assert_eq!(peek.status(), StatusCode::OK);
    assert_eq!(
        app.get(&queue).await.1["last_polled"],
        Value::Null,
        "Prefect's UI looking is not a poll"
    );
    let (s, got) = app.post(&format!("{queue}/get_runs"), soon.clone()).await;
    assert_eq!(s, StatusCode::OK, "{got}");
    assert_eq!(
        got.as_array().unwrap().iter().map(id).collect::<Vec<_>>(),
        [id(&runs[0])],
        "the earliest run, within the queue's limit of one"
    );
    let (_, polled) = app.get(&queue).await;
    assert_eq!(
        (polled["status"].clone(), polled["last_polled"].is_string()),
        (json!("READY"), true),
        "a read of its runs is a poll of the queue"
    );
    let (_, d) = app.get(&format!("/deployments/{}", id(&dep))).await;
    assert_eq!(d["status"], "READY", "and makes its deployments ready");

    app.patch(&queue, json!({"concurrency_limit": null})).await;
    let (_, all) = app.post(&format!("{queue}/get_runs"), json!({})).await;
    assert_eq!(
        all.as_array().unwrap().len(),
        4,
        "no time bound when none is given"
    );
    for (body, want) in [
        (json!({"limit": 0}), 0),
        (json!({"limit": 2}), 2),
        (json!({"scheduled_before": "2021-01-01T00:00:00Z"}), 1),
        (json!({"scheduled_before": "2000-01-01T00:00:00Z"}), 0),
    ] {
        let (_, got) = app.post(&format!("{queue}/get_runs"), body.clone()).await;
        assert_eq!(got.as_array().map(Vec::len), Some(want), "{body}: {got}");
    }
    for (body, field) in [
        (json!({"scheduled_before": "nope"}), "scheduled_before"),
        (json!({"limit": -1}), "limit"),
        (json!([]), "body"),
    ] {
        let (s, v) = app.post(&format!("{queue}/get_runs"), body).await;
        assert_detail(s, &v, StatusCode::UNPROCESSABLE_ENTITY, field);
    }

    let running = id(&runs[1]);
    app.propose(&running, json!({"type": "PENDING"}), false)
        .await;
    app.patch(&queue, json!({"concurrency_limit": 2})).await;
    assert_eq!(app.get(&queue).await.1["active_slots"], 1);
    let (_, one) = app.post(&format!("{queue}/get_runs"), soon.clone()).await;
    assert_eq!(
        one.as_array().unwrap().len(),
        1,
        "one slot of two is free: {one}"
    );
    app.patch(&queue, json!({"is_paused": true})).await;
    let (_, paused) = app.post(&format!("{queue}/get_runs"), soon).await;
    assert_eq!(paused, json!([]), "a paused queue hands out nothing");
    app.stop().await;
}

#[tokio::test]
async fn status_and_concurrency_status_of_a_queue() {
    let app = spawn_app_without_worker().await;
    let (queue, _, runs) = queue_with_runs(&app).await;
    let policy = json!({"maximum_late_runs": 0, "maximum_seconds_since_last_polled": 60});
    let (s, st) = app.get(&format!("{queue}/status")).await;
    assert_eq!(s, StatusCode::OK, "{st}");
    assert_eq!(
        st,
        json!({"healthy": false, "late_runs_count": 1, "last_polled": null,
            "health_check_policy": policy})
    );
    let (_, pool) = app.get("/work_pools/p").await;
    let default_queue = format!(
        "/work_queues/{}",
        pool["default_queue_id"].as_str().unwrap()
    );
    app.post(&format!("{default_queue}/get_runs"), json!({}))
        .await;
    let (_, fresh) = app.get(&format!("{default_queue}/status")).await;
    assert_eq!(
        (
            fresh["healthy"].clone(),
            fresh["late_runs_count"].clone(),
            fresh["last_polled"].is_string()
        ),
        (json!(true), json!(0), true),
        "polled just now with no late runs: healthy"
    );
    let (s, v) = app.get(&format!("{NO_SUCH_QUEUE}/status")).await;
    assert_detail(s, &v, StatusCode::NOT_FOUND, "not found");

    let (s, empty) = app
        .post_raw(&format!("{queue}/concurrency_status"), b"")
        .await;
    assert_eq!(s, StatusCode::OK, "{empty}");
    assert_eq!(
        empty,
        json!({"active_slots": 0, "concurrency_limit": 1, "flow_runs": [], "count": 0,
            "limit": 200, "pages": 0, "page": 1})
    );
    let pending = id(&runs[2]);
    app.propose(&pending, json!({"type": "PENDING"}), false)
        .await;
    let (_, held) = app
        .post(&format!("{queue}/concurrency_status"), json!({"page": 1}))
        .await;
    assert_eq!(
        (
            held["active_slots"].clone(),
            held["count"].clone(),
            held["pages"].clone()
        ),
        (json!(1), json!(1), json!(1))
    );
    let run = &held["flow_runs"][0];
    assert_eq!(
        (
            run["id"].as_str(),
            run["state_type"].as_str(),
            run["state_name"].as_str()
        ),
        (Some(pending.as_str()), Some("PENDING"), Some("Pending"))
    );
    assert!(
        run["time_in_current_state"]
            .as_f64()
            .is_some_and(|t| t >= 0.0),
        "{run}"
    );
    let (_, past_end) = app
        .post(&format!("{queue}/concurrency_status"), json!({"page": 2}))
        .await;
    assert_eq!(
        (past_end["flow_runs"].clone(), past_end["page"].clone()),
        (json!([]), json!(2))
    );
    let (s, v) = app
        .post(&format!("{queue}/concurrency_status"), json!({"page": 0}))
        .await;
    assert_detail(s, &v, StatusCode::UNPROCESSABLE_ENTITY, "page");
    let (s, v) = app
        .post(&format!("{NO_SUCH_QUEUE}/concurrency_status"), json!({}))
        .await;
    assert_detail(s, &v, StatusCode::NOT_FOUND, "not found");
    app.stop().await;
}
