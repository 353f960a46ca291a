//! Work queues by id (`/api/work_queues/*`): patch, delete, name lookup, listing across pools and create
//! without a pool, with Prefect's status codes. Their runs, health and slots: `work_queue_runs.rs`.

use crate::helpers::*;
use reqwest::StatusCode;
use serde_json::{json, Value};

pub const NO_SUCH_QUEUE: &str = "/work_queues/00000000-0000-0000-0000-000000000000";

pub fn id(v: &Value) -> String {
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
    let (s, found) = app.get("/work_queues/name/Reports").await;
    assert_eq!(
        (s, found["id"].clone()),
        (StatusCode::OK, in_p["id"].clone()),
        "before the default agent pool exists, a queue of any pool"
    );
    let (s, loose) = app.post("/work_queues/", json!({"name": "loose"})).await;
    assert_eq!(s, StatusCode::CREATED, "{loose}");
    assert_eq!(
        loose["work_pool_name"], "default-agent-pool",
        "no pool: Prefect's default agent pool, made on first use"
    );
    let (_, pool) = app.get("/work_pools/default-agent-pool").await;
    assert_eq!(pool["type"], "prefect-agent");
    let (s, v) = app.post("/work_queues/", json!({"name": "loose"})).await;
    assert_detail(s, &v, StatusCode::CONFLICT, "already exists");
    let (s, v) = app.post("/work_queues/", json!({"priority": 1})).await;
    assert_detail(s, &v, StatusCode::UNPROCESSABLE_ENTITY, "name");

    let (s, _) = app.get("/work_queues/name/Reports").await;
    assert_eq!(
        s,
        StatusCode::NOT_FOUND,
        "once it exists, names alone are looked up in the default agent pool"
    );
    let (_, found) = app.get("/work_queues/name/loose").await;
    assert_eq!(found["id"], loose["id"]);
    let (_, default) = app.get("/work_queues/name/default").await;
    assert_eq!(default["work_pool_name"], "default-agent-pool");
    let (s, v) = app.get("/work_queues/name/missing").await;
    assert_detail(s, &v, StatusCode::NOT_FOUND, "missing");

    let (s, all) = app
        .post(
            "/work_queues/filter",
            json!({"work_queues": null, "limit": null, "offset": null}),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{all}");
    assert_eq!(
        names(&all),
        ["Reports", "default", "default", "default", "loose"]
    );
    let (_, empty_body) = app.post_raw("/work_queues/filter", b"").await;
    assert_eq!(names(&empty_body).len(), 5);
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

/// A renamed queue keeps its deployments and runs, as in Prefect (which links them by id): they show the
/// new name, and a new run of the deployment lands in the same queue (before, it named a queue that no
/// longer existed and waited unplaced).
#[tokio::test]
async fn a_renamed_queue_keeps_its_deployments_and_runs() {
    let app = spawn_app_without_worker().await;
    let (s, _) = app
        .post(
            "/work_pools/",
            json!({"name": "renpool", "type": "process"}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED);
    let (s, q) = app
        .post("/work_pools/renpool/queues", json!({"name": "q1"}))
        .await;
    assert_eq!(s, StatusCode::CREATED, "{q}");
    let qid = q["id"].as_str().unwrap().to_string();
    let flow = app.flow("renamed").await;
    let dep = app
        .deployment(
            json!({"name": "d", "flow_id": flow, "work_pool_name": "renpool",
                           "work_queue_name": "q1"}),
        )
        .await;
    let before = app.deployment_run(&dep).await;
    let (s, _) = app
        .patch(&format!("/work_queues/{qid}"), json!({"name": "q2"}))
        .await;
    assert_eq!(s, StatusCode::NO_CONTENT);
    let (_, d) = app.get(&format!("/deployments/{dep}")).await;
    assert_eq!(d["work_queue_name"], "q2", "{d}");
    let (_, old) = app.get(&format!("/flow_runs/{before}")).await;
    assert_eq!(
        (
            old["work_queue_name"].as_str(),
            old["work_queue_id"].as_str()
        ),
        (Some("q2"), Some(qid.as_str()))
    );
    let after = app.deployment_run(&dep).await;
    let (_, new) = app.get(&format!("/flow_runs/{after}")).await;
    assert_eq!(
        (
            new["work_queue_name"].as_str(),
            new["work_queue_id"].as_str()
        ),
        (Some("q2"), Some(qid.as_str()))
    );
    app.stop().await;
}
