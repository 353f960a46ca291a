//! Bodies read as typed wire structs since the OpenAPI document is derived from them: a deployment's run,
//! a work pool's create and update (with Prefect's storage configuration), the scheduling window, and the
//! filter sections Prefect's client sends.

use crate::helpers::*;
use reqwest::StatusCode;
use serde_json::json;

#[tokio::test]
async fn a_deployment_run_body_refuses_unknown_fields_and_keeps_the_known_ones() {
    let app = spawn_app_without_worker().await;
    let flow = app.flow("etl").await;
    let dep = app
        .deployment(json!({"name": "d", "flow_id": flow, "parameters": {"x": 1}}))
        .await;
    let path = format!("/deployments/{dep}/create_flow_run");
    let (s, v) = app.post(&path, json!({"colour": "blue"})).await;
    assert_detail(s, &v, StatusCode::UNPROCESSABLE_ENTITY, "colour");
    let (s, v) = app.post(&path, json!({"tags": "etl"})).await;
    assert_detail(s, &v, StatusCode::UNPROCESSABLE_ENTITY, "tags");
    let (s, v) = app.post(&path, json!([])).await;
    assert_detail(s, &v, StatusCode::UNPROCESSABLE_ENTITY, "JSON object");
    let (_, n) = app.post("/flow_runs/count", json!({})).await;
    assert_eq!(n, json!(0), "nothing was created");

    let (s, run) = app
        .post(
            &path,
            json!({"name": "named", "tags": ["a"], "labels": {"team": "data"},
                "enforce_parameter_schema": false, "context": {"k": "v"},
                "empirical_policy": {"retries": 2}, "parameters": {"x": 2}}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{run}");
    assert_eq!(run["name"], "named");
    assert_eq!(run["parameters"], json!({"x": 2}));
    assert_eq!(run["labels"]["team"], "data");
    assert!(run["tags"].as_array().unwrap().contains(&json!("a")));
    let (s, run) = app.post(&path, serde_json::Value::Null).await;
    assert_eq!(
        s,
        StatusCode::CREATED,
        "an empty body runs with the deployment's values"
    );
    assert_eq!(run["parameters"], json!({"x": 1}));
    app.stop().await;
}

#[tokio::test]
async fn a_work_pool_keeps_its_storage_configuration_and_refuses_unknown_fields() {
    let app = spawn_app_without_worker().await;
    let block = "5d3b0c9e-7c55-4b8e-9d0c-3c4f1a2b6e70";
    let (s, v) = app
        .post(
            "/work_pools/",
            json!({"name": "p", "type": "process", "colour": "blue"}),
        )
        .await;
    assert_detail(s, &v, StatusCode::UNPROCESSABLE_ENTITY, "colour");
    let (s, v) = app
        .post(
            "/work_pools/",
            json!({"name": "p", "storage_configuration": {"bucket": "x"}}),
        )
        .await;
    assert_detail(s, &v, StatusCode::UNPROCESSABLE_ENTITY, "bucket");
    let (s, pool) = app
        .post(
            "/work_pools/",
            json!({"name": "p", "type": "process", "concurrency_limit": 3,
                "storage_configuration": {"bundle_upload_step": {"prefect_aws.upload": {"bucket": "b"}},
                    "default_result_storage_block_id": block}}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{pool}");
    let storage = &pool["storage_configuration"];
    assert_eq!(storage["default_result_storage_block_id"], block);
    assert_eq!(
        storage["bundle_upload_step"]["prefect_aws.upload"]["bucket"],
        "b"
    );
    assert!(storage["bundle_execution_step"].is_null());

    for (body, field) in [
        (json!({"name": "renamed"}), "name"),
        (json!({"type": "docker"}), "type"),
        (json!({"concurrency_limit": -1}), "concurrency_limit"),
    ] {
        let (s, v) = app.patch("/work_pools/p", body).await;
        assert_detail(s, &v, StatusCode::UNPROCESSABLE_ENTITY, field);
    }
    let (s, _) = app
        .patch(
            "/work_pools/p",
            json!({"concurrency_limit": null, "storage_configuration": {}}),
        )
        .await;
    assert_eq!(s, StatusCode::NO_CONTENT);
    let (_, pool) = app.get("/work_pools/p").await;
    assert!(pool["concurrency_limit"].is_null(), "{pool}");
    assert!(pool["storage_configuration"]["default_result_storage_block_id"].is_null());
    assert_eq!(pool["type"], "process", "unchanged");
    app.stop().await;
}

#[tokio::test]
async fn filters_take_the_sections_prefects_client_sends() {
    let app = spawn_app_without_worker().await;
    let flow = app.flow("etl").await;
    app.run(&flow, json!({})).await;
    // Prefect's client sends `work_queues` (null) to /flows/filter; Prefect's UI sends it to history.
    let (s, flows) = app
        .post(
            "/flows/filter",
            json!({"flows": null, "work_pools": null, "work_queues": null}),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{flows}");
    assert_eq!(flows.as_array().unwrap().len(), 1);
    let (s, h) = app
        .post(
            "/flow_runs/history",
            json!({"history_start": "2020-01-01T00:00:00Z", "history_end": "2020-01-01T01:00:00Z",
                "history_interval_seconds": 600, "work_queues": null, "flows": {"name": {"any_": ["etl"]}}}),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{h}");
    assert_eq!(h.as_array().unwrap().len(), 6);
    // Task runs take Prefect's four sections; a filter they cannot apply is refused, not ignored.
    let (s, v) = app
        .post(
            "/task_runs/filter",
            json!({"work_pools": {"name": {"any_": ["x"]}}}),
        )
        .await;
    assert_detail(s, &v, StatusCode::UNPROCESSABLE_ENTITY, "work_pools");
    let (s, v) = app
        .post(
            &format!("/flow_runs/{}/set_state", "not-a-uuid"),
            json!({"state": {"type": "RUNNING"}}),
        )
        .await;
    assert_detail(s, &v, StatusCode::UNPROCESSABLE_ENTITY, "id");
    app.stop().await;
}

#[tokio::test]
async fn a_scheduling_window_names_a_wrong_field() {
    let app = spawn_app_without_worker().await;
    let flow = app.flow("etl").await;
    let dep = app
        .deployment(json!({"name": "d", "flow_id": flow,
            "schedules": [{"schedule": {"interval": 3600}}]}))
        .await;
    let path = format!("/deployments/{dep}/schedule");
    for (body, field) in [
        (json!({"max_runs": "three"}), "max_runs"),
        (json!({"start_time": "yesterday"}), "start_time"),
        (json!({"min_time": -5}), "min_time"),
    ] {
        let (s, v) = app.post(&path, body).await;
        assert_detail(s, &v, StatusCode::UNPROCESSABLE_ENTITY, field);
    }
    let (s, v) = app
        .post(
            &path,
            json!({"start_time": "2030-01-01T00:00:00Z", "end_time": "2030-01-01T05:30:00Z",
                "min_runs": 0, "min_time": 19800, "max_runs": 100, "ignored": true}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    // Hourly from the deployment's creation: 5 or 6 fire times between 00:00 and 05:30.
    let created = v["created"].as_u64().unwrap();
    assert!((5..=6).contains(&created), "{v}");
    let (_, n) = app
        .post(
            "/flow_runs/count",
            json!({"flow_runs": {"deployment_id": {"any_": [dep]},
                "expected_start_time": {"after_": "2029-12-31T00:00:00Z"}}}),
        )
        .await;
    assert_eq!(n.as_u64(), Some(created), "{n}");
    app.stop().await;
}

/// Found by the fuzzer once the filter schemas were real: a list of a thousand tags made SQLite refuse the
/// query (an expression tree deeper than 1,000) and the server answer 500.
#[tokio::test]
async fn a_thousand_tags_filter_like_one() {
    let app = spawn_app_without_worker().await;
    let flow = app.flow("etl").await;
    app.run(&flow, json!({"tags": ["a", "b"]})).await;
    app.run(&flow, json!({"tags": ["a"]})).await;
    let mut many: Vec<String> = (0..999).map(|i| format!("t{i}")).collect();
    many.push("b".into());
    let count = |body| {
        let app = &app;
        async move {
            let (s, n) = app.post("/flow_runs/count", body).await;
            assert_eq!(s, StatusCode::OK, "{n}");
            n.as_u64().unwrap()
        }
    };
    assert_eq!(
        count(json!({"flow_runs": {"tags": {"any_": many}}})).await,
        1
    );
    assert_eq!(
        count(json!({"flow_runs": {"tags": {"all_": ["a", "a", "b"]}}})).await,
        1
    );
    assert_eq!(
        count(json!({"flow_runs": {"tags": {"all_": ["a"]}}})).await,
        2
    );
    assert_eq!(
        count(json!({"flow_runs": {"tags": {"any_": ["a", "zz"]}}})).await,
        2
    );
    let mut all = many[..999].to_vec();
    all.push("a".into());
    assert_eq!(
        count(json!({"flow_runs": {"tags": {"all_": all}}})).await,
        0
    );
    assert_eq!(count(json!({"flows": {"tags": {"any_": many}}})).await, 0);
    app.stop().await;
}

/// A run's empirical policy is read as Prefect's `FlowRunPolicy`: a wrong type is refused naming the field,
/// and the run answers with every field of Prefect's shape.
#[tokio::test]
async fn a_runs_policy_is_prefects_flow_run_policy() {
    let app = spawn_app_without_worker().await;
    let flow = app.flow("etl").await;
    for (policy, field) in [
        (json!({"retries": "3"}), "empirical_policy.retries"),
        (
            json!({"retry_delay": [1, 2]}),
            "empirical_policy.retry_delay",
        ),
        (
            json!({"retry_type": "later"}),
            "empirical_policy.retry_type",
        ),
    ] {
        let (s, v) = app
            .post(
                "/flow_runs/",
                json!({"flow_id": flow, "empirical_policy": policy}),
            )
            .await;
        assert_detail(s, &v, StatusCode::UNPROCESSABLE_ENTITY, field);
    }
    let run = app
        .run(
            &flow,
            json!({"empirical_policy": {"retries": 2.0, "retry_delay": 5}}),
        )
        .await;
    assert_eq!(
        json!(run.empirical_policy),
        json!({"max_retries": 0, "retry_delay_seconds": 0.0, "retries": 2, "retry_delay": 5,
            "pause_keys": [], "resuming": false, "retry_type": null})
    );
    let id = run.id.as_str();
    let (s, v) = app
        .patch(
            &format!("/flow_runs/{id}"),
            json!({"empirical_policy": {"retries": -1.5}}),
        )
        .await;
    assert_detail(s, &v, StatusCode::UNPROCESSABLE_ENTITY, "retries");
    let (s, _) = app
        .patch(
            &format!("/flow_runs/{id}"),
            json!({"empirical_policy": {"max_retries": 4}}),
        )
        .await;
    assert_eq!(s, StatusCode::NO_CONTENT);
    let got = app.flow_run(id).await;
    assert_eq!(got.empirical_policy.max_retries, 4);
    assert!(got.empirical_policy.retries.is_none(), "{got:?}");
    app.stop().await;
}

/// Work pool filters are Prefect's `WorkPoolFilter`: by id, name and type, `and_` or `or_`; a criterion
/// Baton cannot apply is refused instead of silently ignored (which returned every pool).
#[tokio::test]
async fn work_pool_filters_apply_every_criterion_they_accept() {
    let app = spawn_app_without_worker().await;
    let (_, a) = app
        .post("/work_pools/", json!({"name": "a", "type": "process"}))
        .await;
    app.post("/work_pools/", json!({"name": "b", "type": "docker"}))
        .await;
    let names = |v: &serde_json::Value| -> Vec<String> {
        let mut n: Vec<String> = v
            .as_array()
            .unwrap()
            .iter()
            .map(|p| p["name"].as_str().unwrap().to_string())
            .collect();
        n.sort();
        n
    };
    let (_, got) = app
        .post(
            "/work_pools/filter",
            json!({"work_pools": {"id": {"any_": [a["id"]]}}}),
        )
        .await;
    assert_eq!(names(&got), ["a"]);
    let (_, got) = app
        .post(
            "/work_pools/filter",
            json!({"work_pools": {"operator": "or_", "name": {"any_": ["a"]}, "type": {"any_": ["docker"]}}}),
        )
        .await;
    assert_eq!(names(&got), ["a", "b"]);
    let (_, got) = app
        .post(
            "/work_pools/filter",
            json!({"work_pools": {"name": {"any_": ["a"]}, "type": {"any_": ["docker"]}}}),
        )
        .await;
    assert_eq!(names(&got), Vec::<String>::new());
    let (_, n) = app
        .post(
            "/work_pools/count",
            json!({"work_pools": {"type": {"any_": ["process"]}}}),
        )
        .await;
    assert_eq!(n, json!(2), "a and the default pool");
    let (s, v) = app
        .post(
            "/work_pools/filter",
            json!({"work_pools": {"name": {"like_": "a"}}}),
        )
        .await;
    assert_detail(s, &v, StatusCode::UNPROCESSABLE_ENTITY, "like_");
    app.stop().await;
}

/// A deployment answers its work queue's id, as Prefect does (it was always null), and a queue it names in
/// an existing pool is created.
#[tokio::test]
async fn a_deployment_names_its_work_queues_id() {
    let app = spawn_app_without_worker().await;
    let flow = app.flow("etl").await;
    let (_, q) = app
        .post("/work_pools/default/queues", json!({"name": "fast"}))
        .await;
    let (_, default_q) = app.get("/work_pools/default/queues/default").await;
    for (body, want) in [
        (
            json!({"work_pool_name": "default"}),
            default_q["id"].clone(),
        ),
        (
            json!({"work_pool_name": "default", "work_queue_name": "fast"}),
            q["id"].clone(),
        ),
    ] {
        let mut body = body;
        body["name"] = json!(format!("d-{}", want.as_str().unwrap_or("none")));
        body["flow_id"] = json!(flow);
        let (s, d) = app.post("/deployments/", body).await;
        assert_eq!(s, StatusCode::CREATED, "{d}");
        assert_eq!(d["work_queue_id"], want, "{d}");
        let (_, again) = app
            .get(&format!("/deployments/{}", d["id"].as_str().unwrap()))
            .await;
        assert_eq!(again["work_queue_id"], want);
    }
    // A queue the deployment names in an existing pool is created, as Prefect creates it.
    let (s, d) = app
        .post(
            "/deployments/",
            json!({"name": "d-new", "flow_id": flow, "work_pool_name": "default",
                "work_queue_name": "later"}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{d}");
    let (s, later) = app.get("/work_pools/default/queues/later").await;
    assert_eq!(s, StatusCode::OK, "{later}");
    assert_eq!(d["work_queue_id"], later["id"]);
    let id = d["id"].as_str().unwrap();
    let (s, _) = app
        .patch(
            &format!("/deployments/{id}"),
            json!({"work_queue_name": "moved"}),
        )
        .await;
    assert_eq!(s, StatusCode::NO_CONTENT);
    let (_, moved) = app.get("/work_pools/default/queues/moved").await;
    let (_, d) = app.get(&format!("/deployments/{id}")).await;
    assert_eq!(d["work_queue_id"], moved["id"], "{moved}");
    app.stop().await;
}
