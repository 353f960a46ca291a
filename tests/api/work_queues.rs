//! Work queues by id (`/api/work_queues/*`): patch, delete, name lookup, listing across pools, due runs,
//! health and slot holders, with Prefect's status codes.

use crate::helpers::*;
use reqwest::StatusCode;
use serde_json::{json, Value};

const NO_SUCH_QUEUE: &str = "/work_queues/00000000-0000-0000-0000-000000000000";

fn id(v: &Value) -> String {
    v["id"]
        .as_str()
        .unwrap_or_else(|| panic!("no id in {v}"))
        .to_string()
}

fn names(v: &Value) -> Vec<String> {
    v.as_array()
        .unwrap_or_else(|| panic!("not a list: {v}"))
        .iter()
        .map(|q| q["name"].as_str().unwrap().to_string())
        .collect()
}

#[tokio::test]
async fn queues_are_changed_and_deleted_by_id() {
    let app = spawn_app_without_worker().await;
    app.post("/work_pools/", json!({"name": "p", "type": "process"}))
        .await;
    // What `prefect work-queue create q --pool p --priority 5 --limit 3` sends: the create, then a PATCH.
    let (s, q) = app
        .post(
            "/work_pools/p/queues",
            json!({"name": "q", "description": null, "is_paused": false,
                "concurrency_limit": null, "priority": 5, "filter": null}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{q}");
    assert_eq!(
        (q["priority"].clone(), q["active_slots"].clone()),
        (json!(5), Value::Null)
    );
    let by_id = format!("/work_queues/{}", id(&q));
    let (s, v) = app.patch(&by_id, json!({"concurrency_limit": 3})).await;
    assert_eq!(s, StatusCode::NO_CONTENT, "{v}");
    let (_, got) = app.get(&by_id).await;
    assert_eq!(
        (
            got["concurrency_limit"].clone(),
            got["active_slots"].clone()
        ),
        (json!(3), json!(0)),
        "the limit is kept, and a limited queue counts its busy slots"
    );

    app.patch(&by_id, json!({"is_paused": true})).await;
    assert_eq!(app.get(&by_id).await.1["status"], "PAUSED");
    app.patch(&by_id, json!({"is_paused": false})).await;
    assert_eq!(app.get(&by_id).await.1["status"], "NOT_READY");
    app.patch(&by_id, json!({"concurrency_limit": null})).await;
    assert_eq!(app.get(&by_id).await.1["concurrency_limit"], Value::Null);
    let (s, v) = app
        .patch(
            &by_id,
            json!({"name": "r", "description": "d", "priority": 2}),
        )
        .await;
    assert_eq!(s, StatusCode::NO_CONTENT, "{v}");
    let (_, got) = app.get("/work_pools/p/queues/r").await;
    assert_eq!(
        (
            got["id"].clone(),
            got["description"].clone(),
            got["priority"].clone()
        ),
        (q["id"].clone(), json!("d"), json!(2))
    );

    let (s, v) = app.patch(&by_id, json!({"name": "default"})).await;
    assert_detail(s, &v, StatusCode::CONFLICT, "already exists");
    for (body, field) in [
        (json!({"concurrency_limit": -1}), "concurrency_limit"),
        (json!({"priority": 0}), "priority"),
        (json!({"is_paused": null}), "is_paused"),
        (json!({"is_paused": "yes"}), "is_paused"),
        (json!({"name": ""}), "name"),
        (json!({"last_polled": "soon"}), "last_polled"),
        (json!({"filter": {"tags": ["x"]}}), "filter"),
        (json!({"bogus": 1}), "bogus"),
        (json!([]), "body"),
    ] {
        let (s, v) = app.patch(&by_id, body.clone()).await;
        assert_detail(s, &v, StatusCode::UNPROCESSABLE_ENTITY, field);
    }
    let (s, v) = app.patch("/work_queues/not-a-uuid", json!({})).await;
    assert_detail(s, &v, StatusCode::UNPROCESSABLE_ENTITY, "id");
    let (s, v) = app.patch(NO_SUCH_QUEUE, json!({"is_paused": true})).await;
    assert_detail(s, &v, StatusCode::NOT_FOUND, "not found");

    let (_, pool) = app.get("/work_pools/p").await;
    let default_queue = format!(
        "/work_queues/{}",
        pool["default_queue_id"].as_str().unwrap()
    );
    let (s, v) = app.delete(&default_queue).await;
    assert_detail(s, &v, StatusCode::CONFLICT, "default queue");
    assert_eq!(app.delete(&by_id).await.0, StatusCode::NO_CONTENT);
    let (s, v) = app.get(&by_id).await;
    assert_detail(s, &v, StatusCode::NOT_FOUND, "not found");
    let (s, v) = app.delete(&by_id).await;
    assert_detail(s, &v, StatusCode::NOT_FOUND, "not found");
    app.stop().await;
}

#[tokio::test]
async fn queues_are_found_by_name_listed_across_pools_and_created_without_a_pool() {
    let app = spawn_app_without_worker().await;
    app.post("/work_pools/", json!({"name": "p", "type": "process"}))
        .await;
    let (_, in_p) = app
        .post("/work_pools/p/queues", json!({"name": "Reports"}))
        .await;
    let (s, loose) = app.post("/work_queues/", json!({"name": "loose"})).await;
    assert_eq!(s, StatusCode::CREATED, "{loose}");
    assert_eq!(
        loose["work_pool_name"], "default",
        "no pool: the default pool"
    );
    let (s, v) = app.post("/work_queues/", json!({"name": "loose"})).await;
    assert_detail(s, &v, StatusCode::CONFLICT, "already exists");
    let (s, v) = app.post("/work_queues/", json!({"priority": 1})).await;
    assert_detail(s, &v, StatusCode::UNPROCESSABLE_ENTITY, "name");

    let (s, found) = app.get("/work_queues/name/Reports").await;
    assert_eq!(
        (s, found["id"].clone()),
        (StatusCode::OK, in_p["id"].clone())
    );
    let (_, default) = app.get("/work_queues/name/default").await;
    assert_eq!(
        default["work_pool_name"], "default",
        "of several queues with one name, the default pool's"
    );
    let (s, v) = app.get("/work_queues/name/missing").await;
    assert_detail(s, &v, StatusCode::NOT_FOUND, "missing");

    let (s, all) = app
        .post(
            "/work_queues/filter",
            json!({"work_queues": null, "limit": null, "offset": null}),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{all}");
    assert_eq!(names(&all), ["Reports", "default", "default", "loose"]);
    let (_, empty_body) = app.post_raw("/work_queues/filter", b"").await;
    assert_eq!(names(&empty_body).len(), 4);
    let prefix = json!({"work_queues": {"name": {"startswith_": ["rep", "LOO"]}}});
    assert_eq!(
        names(&app.post("/work_queues/filter", prefix).await.1),
        ["Reports", "loose"]
    );
    let either = json!({"work_queues": {"operator": "or_", "id": {"any_": [id(&loose)]},
        "name": {"any_": ["Reports"]}}});
    assert_eq!(
        names(&app.post("/work_queues/filter", either).await.1),
        ["Reports", "loose"]
    );
    let page = json!({"limit": 2, "offset": 1});
    assert_eq!(
        names(&app.post("/work_queues/filter", page).await.1),
        ["default", "default"]
    );
    let in_pool = json!({"work_queues": {"name": {"startswith_": ["rep"]}}});
    assert_eq!(
        names(&app.post("/work_pools/p/queues/filter", in_pool).await.1),
        ["Reports"]
    );
    for (body, field) in [
        (json!({"work_queues": {"bogus": 1}}), "bogus"),
        (json!({"work_queues": {"operator": "xor_"}}), "operator"),
        (
            json!({"work_queues": {"id": {"any_": ["nope"]}}}),
            "work_queues.id.any_",
        ),
        (json!({"limit": -1}), "limit"),
    ] {
        let (s, v) = app.post("/work_queues/filter", body).await;
        assert_detail(s, &v, StatusCode::UNPROCESSABLE_ENTITY, field);
    }
    app.stop().await;
}

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
    assert_eq!(late["work_queue_id"], q["id"], "{late}");
    runs.insert(0, late);
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
    app.set_state(&running, json!({"type": "PENDING"}), false)
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
    app.set_state(&pending, json!({"type": "PENDING"}), false)
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
