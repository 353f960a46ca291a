//! Work pools, queues and workers through the API.

use crate::helpers::*;
use reqwest::StatusCode;
use serde_json::json;

#[tokio::test]
async fn pools_queues_and_workers() {
    let app = spawn_app().await;
    let (s, default) = app.get("/work_pools/default").await;
    assert_eq!(
        (s, default["type"].as_str()),
        (StatusCode::OK, Some("process")),
        "a default process pool exists"
    );
    let (s, v) = app.get("/work_pools/missing").await;
    assert_detail(s, &v, StatusCode::NOT_FOUND, "missing");
    let (_, meta) = app
        .get("/collections/views/aggregate-worker-metadata")
        .await;
    let template = meta["prefect"]["process"]["default_base_job_configuration"].clone();
    assert!(template["job_configuration"]["command"].is_string());
    let (s, p) = app.post("/work_pools/", json!({"name": "my-pool", "type": "process", "base_job_template": template, "is_paused": false})).await;
    assert_eq!(s, StatusCode::CREATED, "{p}");
    assert_eq!(p["status"], "NOT_READY");
    assert!(p["default_queue_id"].is_string());
    let (s, v) = app
        .post(
            "/work_pools/",
            json!({"name": "my-pool", "type": "process"}),
        )
        .await;
    assert_detail(s, &v, StatusCode::CONFLICT, "already exists");
    let (_, pools) = app
        .post(
            "/work_pools/filter",
            json!({"limit": null, "offset": 0, "work_pools": null}),
        )
        .await;
    let names: Vec<&str> = pools
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["default", "my-pool"]);
    assert_eq!(app.post("/work_pools/count", json!({})).await.1, json!(2));

    let (s, q) = app
        .post(
            "/work_pools/my-pool/queues",
            json!({"name": "high", "priority": 1, "concurrency_limit": 2}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{q}");
    let (_, qs) = app
        .post(
            "/work_pools/my-pool/queues/filter",
            json!({"work_queues": null, "limit": null, "offset": null}),
        )
        .await;
    assert_eq!(qs.as_array().unwrap().len(), 2);
    let (s, got) = app
        .get(&format!("/work_queues/{}", q["id"].as_str().unwrap()))
        .await;
    assert_eq!(
        (s, got["work_pool_name"].as_str()),
        (StatusCode::OK, Some("my-pool"))
    );
    assert_eq!(
        app.patch(
            "/work_pools/my-pool/queues/high",
            json!({"is_paused": true})
        )
        .await
        .0,
        StatusCode::NO_CONTENT
    );
    let (_, high) = app.get("/work_pools/my-pool/queues/high").await;
    assert_eq!(high["status"], "PAUSED");
    let (s, v) = app.delete("/work_pools/my-pool/queues/default").await;
    assert_detail(s, &v, StatusCode::CONFLICT, "default queue");
    assert_eq!(
        app.delete("/work_pools/my-pool/queues/high").await.0,
        StatusCode::NO_CONTENT
    );

    assert_eq!(
        app.post(
            "/work_pools/my-pool/workers/heartbeat",
            json!({"name": "w1", "heartbeat_interval_seconds": 30})
        )
        .await
        .0,
        StatusCode::NO_CONTENT
    );
    let (_, online) = app
        .post(
            "/work_pools/my-pool/workers/filter",
            json!({"workers": {"status": {"any_": ["ONLINE"]}}}),
        )
        .await;
    assert_eq!(online[0]["name"], "w1");
    let (_, p) = app.get("/work_pools/my-pool").await;
    assert_eq!(
        p["status"], "READY",
        "a pool with an online worker is ready"
    );
    assert_eq!(
        app.delete("/work_pools/my-pool/workers/w1").await.0,
        StatusCode::NO_CONTENT
    );
    assert_eq!(
        app.patch("/work_pools/my-pool", json!({"is_paused": true}))
            .await
            .0,
        StatusCode::NO_CONTENT
    );
    assert_eq!(app.get("/work_pools/my-pool").await.1["status"], "PAUSED");
    let (s, v) = app.delete("/work_pools/default").await;
    assert_detail(s, &v, StatusCode::CONFLICT, "default");
    assert_eq!(
        app.delete("/work_pools/my-pool").await.0,
        StatusCode::NO_CONTENT
    );
    app.stop().await;
}

#[tokio::test]
async fn polls_respect_pause_priority_and_limits() {
    let app = spawn_app_without_worker().await;
    app.post("/work_pools/", json!({"name": "p", "type": "process"}))
        .await;
    app.patch("/work_pools/p/queues/default", json!({"priority": 5}))
        .await;
    let (s, q) = app
        .post(
            "/work_pools/p/queues",
            json!({"name": "urgent", "priority": 1, "concurrency_limit": 1}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{q}");
    let (s, v) = app
        .post(
            "/work_pools/p/queues",
            json!({"name": "zero", "priority": 0}),
        )
        .await;
    assert_detail(s, &v, StatusCode::UNPROCESSABLE_ENTITY, "priority");
    let flow = app.flow("etl").await;
    let mut dep = json!({"name": "d", "flow_id": flow, "work_pool_name": "p", "enforce_parameter_schema": false});
    let (_, d) = app.post("/deployments/", dep.clone()).await;
    dep["name"] = json!("u");
    dep["work_queue_name"] = json!("urgent");
    let (_, u) = app.post("/deployments/", dep).await;
    for d in [&d, &d, &u, &u] {
        let (s, r) = app
            .post(
                &format!("/deployments/{}/create_flow_run", d["id"].as_str().unwrap()),
                json!({}),
            )
            .await;
        assert_eq!(s, StatusCode::CREATED, "{r}");
        assert!(
            r["work_queue_id"].is_string(),
            "runs are placed in their pool's queue: {r}"
        );
    }
    let dep_status = |v: serde_json::Value| (v["status"].clone(), v["last_polled"].is_string());
    let (_, before) = app
        .get(&format!("/deployments/{}", d["id"].as_str().unwrap()))
        .await;
    assert_eq!(dep_status(before), (json!("NOT_READY"), false));
    let body =
        json!({"work_queue_names": [], "scheduled_before": "2100-01-01 00:00:00.000000+00:00"});
    let (_, one) = app
        .post(
            "/work_pools/p/get_scheduled_flow_runs",
            json!({"scheduled_before": "2100-01-01T00:00:00Z", "limit": 1}),
        )
        .await;
    assert_eq!(one.as_array().unwrap().len(), 1, "limit is kept: {one}");
    assert_eq!(
        one[0]["flow_run"]["deployment_id"], u["id"],
        "the limit takes from the first queue"
    );
    for dep in [&d, &u] {
        let (_, polled) = app
            .get(&format!("/deployments/{}", dep["id"].as_str().unwrap()))
            .await;
        assert_eq!(
            dep_status(polled),
            (json!("READY"), true),
            "a poll of its queue makes a deployment ready"
        );
    }
    let (s, got) = app
        .post("/work_pools/p/get_scheduled_flow_runs", body.clone())
        .await;
    assert_eq!(s, StatusCode::OK, "{got}");
    let got = got.as_array().unwrap();
    assert_eq!(
        got.len(),
        3,
        "the urgent queue's limit of 1 holds back one of its runs"
    );
    assert_eq!(
        got[0]["flow_run"]["deployment_id"], u["id"],
        "higher-priority queue first"
    );
    assert!(got[0]["work_pool_id"].is_string() && got[0]["work_queue_id"].is_string());
    let (_, only) = app
        .post(
            "/work_pools/p/get_scheduled_flow_runs",
            json!({"work_queue_names": ["default"], "scheduled_before": "2100-01-01T00:00:00Z"}),
        )
        .await;
    assert_eq!(only.as_array().unwrap().len(), 2);
    let urgent_run = got[0]["flow_run"]["id"].as_str().unwrap();
    app.propose(urgent_run, json!({"type": "PENDING"}), false)
        .await;
    let (_, after) = app
        .post("/work_pools/p/get_scheduled_flow_runs", body.clone())
        .await;
    assert_eq!(
        after.as_array().unwrap().len(),
        2,
        "the urgent slot is taken by the pending run"
    );
    app.patch("/work_pools/p", json!({"is_paused": true})).await;
    let (_, paused) = app
        .post("/work_pools/p/get_scheduled_flow_runs", body)
        .await;
    assert_eq!(paused, json!([]));
    let (_, q) = app.get("/work_pools/p/queues/default").await;
    assert_eq!(q["status"], "PAUSED");
    app.stop().await;
}
