use crate::helpers::*;
use reqwest::StatusCode;
use serde_json::{json, Value};

#[tokio::test]
async fn flow_run_crud() {
    let app = spawn_app().await;
    let flow = app.flow("etl").await;
    let body = json!({
        "flow_version": "abc", "name": null, "parameters": {"day": "today"}, "context": {},
        "parent_task_run_id": null, "empirical_policy": {"retries": 2, "retry_delay": 5}, "tags": ["prod"],
        "state": {"type": "PENDING", "name": "Pending", "state_details": {"traceparent": "x"}}
    });
    let mut body = body;
    body["flow_id"] = json!(flow);
    let (s, run) = app.post("/flow_runs/", body).await;
    assert_eq!(s, StatusCode::CREATED, "{run}");
    let id = run["id"].as_str().unwrap();
    assert!(
        !run["name"].as_str().unwrap().is_empty(),
        "a name is generated"
    );
    assert_eq!(run["state_type"], "PENDING");
    assert_eq!(run["state"]["state_details"]["traceparent"], "x");
    assert_eq!(run["parameters"], json!({"day": "today"}));
    for key in [
        "deployment_id",
        "work_pool_id",
        "work_queue_id",
        "infrastructure_pid",
        "start_time",
        "end_time",
    ] {
        assert!(
            run.get(key).is_some_and(Value::is_null),
            "{key} present and null"
        );
    }
    let (s, got) = app.get(&format!("/flow_runs/{id}")).await;
    assert_eq!((s, got["id"].clone()), (StatusCode::OK, run["id"].clone()));

    let patch =
        json!({"flow_version": "def", "empirical_policy": {"retries": 0, "retry_delay": 0}});
    assert_eq!(
        app.patch(&format!("/flow_runs/{id}"), patch).await.0,
        StatusCode::NO_CONTENT
    );
    assert_eq!(
        app.patch(
            &format!("/flow_runs/{id}"),
            json!({"infrastructure_pid": "4242"})
        )
        .await
        .0,
        StatusCode::NO_CONTENT
    );
    let labels = json!({"prefect.worker.name": "w1", "prefect.work-pool.name": "p"});
    assert_eq!(
        app.patch(&format!("/flow_runs/{id}/labels"), labels)
            .await
            .0,
        StatusCode::NO_CONTENT
    );
    let (_, got) = app.get(&format!("/flow_runs/{id}")).await;
    assert_eq!(got["flow_version"], "def");
    assert_eq!(got["infrastructure_pid"], "4242");
    assert_eq!(got["empirical_policy"]["retries"], 0);
    assert_eq!(got["labels"]["prefect.worker.name"], "w1");
    assert_eq!(
        got["parameters"],
        json!({"day": "today"}),
        "unpatched fields stay"
    );

    assert_eq!(
        app.delete(&format!("/flow_runs/{id}")).await.0,
        StatusCode::NO_CONTENT
    );
    let (s, v) = app.get(&format!("/flow_runs/{id}")).await;
    assert_detail(s, &v, StatusCode::NOT_FOUND, id);
    let (s, v) = app
        .patch(&format!("/flow_runs/{id}"), json!({"name": "x"}))
        .await;
    assert_detail(s, &v, StatusCode::NOT_FOUND, id);
    let (s, v) = app.delete(&format!("/flow_runs/{id}")).await;
    assert_detail(s, &v, StatusCode::NOT_FOUND, id);
    app.stop().await;
}

#[tokio::test]
async fn idempotency_key_returns_the_same_run() {
    let app = spawn_app().await;
    let flow = app.flow("etl").await;
    let first = app.run(&flow, json!({"idempotency_key": "k1"})).await;
    let (s, again) = app
        .post(
            "/flow_runs/",
            json!({"flow_id": flow, "idempotency_key": "k1"}),
        )
        .await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(json!(first.id), again["id"]);
    app.stop().await;
}

#[tokio::test]
async fn filter_count_sort_and_page() {
    let app = spawn_app().await;
    let etl = app.flow("etl").await;
    let other = app.flow("other").await;
    let mut ids = Vec::new();
    for i in 0..5 {
        let at = format!("2026-01-0{}T00:00:00Z", i + 1);
        let r = app.run(&etl, json!({"name": format!("r{i}"), "tags": ["a"], "state": {"type": "SCHEDULED", "state_details": {"scheduled_time": at}}})).await;
        ids.push(r.id.clone());
    }
    app.run(&other, json!({"state": {"type": "RUNNING"}, "tags": ["b"]}))
        .await;

    let (_, runs) = app.post("/flow_runs/filter", json!({"sort": "EXPECTED_START_TIME_DESC", "limit": 2, "offset": 0,
        "flows": null, "flow_runs": null, "task_runs": null, "deployments": null, "work_pools": null, "work_pool_queues": null})).await;
    let names: Vec<&str> = runs
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["name"].as_str().unwrap())
        .collect();
    assert_eq!(names.len(), 2);
    let (_, asc) = app
        .post(
            "/flow_runs/filter",
            json!({"sort": "EXPECTED_START_TIME_ASC", "flow_runs": {"tags": {"all_": ["a"]}}}),
        )
        .await;
    let names: Vec<&str> = asc
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["r0", "r1", "r2", "r3", "r4"]);
    let (_, page) = app.post("/flow_runs/filter", json!({"sort": "NAME_ASC", "flow_runs": {"tags": {"all_": ["a"]}}, "limit": 2, "offset": 2})).await;
    assert_eq!(page[0]["name"], "r2");
    let (_, sched) = app
        .post(
            "/flow_runs/count",
            json!({"flow_runs": {"state": {"type": {"any_": ["SCHEDULED"]}}}}),
        )
        .await;
    assert_eq!(sched, json!(5));
    let (_, by_flow) = app
        .post(
            "/flow_runs/count",
            json!({"flows": {"name": {"any_": ["other"]}}}),
        )
        .await;
    assert_eq!(by_flow, json!(1));
    let (_, by_id) = app.post("/flow_runs/filter", json!({"flow_runs": {"id": {"any_": [ids[3]]}, "state": {"type": {"any_": ["SCHEDULED"]}}}})).await;
    assert_eq!(by_id[0]["name"], "r3");
    let (_, before) = app
        .post(
            "/flow_runs/count",
            json!({"flow_runs": {"expected_start_time": {"before_": "2026-01-02 00:00:00+00:00"}}}),
        )
        .await;
    assert_eq!(before, json!(2));
    let (_, or) = app.post("/flow_runs/count", json!({"flow_runs": {"operator": "or_", "name": {"any_": ["r0"]}, "tags": {"all_": ["b"]}}})).await;
    assert_eq!(or, json!(2));
    let (_, not_any) = app
        .post(
            "/flow_runs/count",
            json!({"flow_runs": {"state": {"type": {"not_any_": ["SCHEDULED"]}}}}),
        )
        .await;
    assert_eq!(not_any, json!(1));
    let (s, v) = app
        .post(
            "/flow_runs/filter",
            json!({"flow_runs": {"state": {"type": {"any_": ["SLEEPING"]}}}}),
        )
        .await;
    assert_detail(s, &v, StatusCode::UNPROCESSABLE_ENTITY, "SLEEPING");
    app.stop().await;
}

/// Several state types are read as merged per-state arms (store/merge.rs); the pages must be exactly what
/// one sorted list of the matching runs gives, for every sort and offset.
#[tokio::test]
async fn filter_by_several_states_pages_like_one_sorted_list() {
    let app = spawn_app_without_worker().await;
    let flow = app.flow("merge").await;
    let kinds = ["COMPLETED", "FAILED", "CANCELLED", "RUNNING"];
    let mut expected = Vec::new();
    for i in 0..24 {
        let kind = kinds[i % kinds.len()];
        let r = app
            .run(
                &flow,
                json!({"name": format!("m{i:02}"), "tags": [if i % 3 == 0 { "x" } else { "y" }],
                "state": {"type": kind}}),
            )
            .await;
        if kind != "RUNNING" && i % 3 != 0 {
            let at = r.expected_start_time.as_deref().unwrap();
            let at = chrono::DateTime::parse_from_rfc3339(at).unwrap();
            expected.push((at, r.id.clone(), format!("m{i:02}")));
        }
    }
    expected.sort();
    let want_desc: Vec<String> = expected.iter().rev().map(|e| e.2.clone()).collect();
    let mut by_name: Vec<String> = expected.iter().map(|e| e.2.clone()).collect();
    by_name.sort();
    for (sort, want) in [
        ("EXPECTED_START_TIME_DESC", want_desc),
        ("NAME_ASC", by_name),
    ] {
        let mut got = Vec::new();
        for offset in (0..want.len() + 4).step_by(4) {
            let (s, page) = app
                .post(
                    "/flow_runs/filter",
                    json!({"sort": sort, "limit": 4, "offset": offset, "flow_runs": {
                        "state": {"type": {"any_": ["FAILED", "COMPLETED", "CANCELLED", "FAILED"]}},
                        "tags": {"all_": ["y"]}}}),
                )
                .await;
            assert_eq!(s, StatusCode::OK, "{page}");
            got.extend(
                page.as_array()
                    .unwrap()
                    .iter()
                    .map(|r| r["name"].as_str().unwrap().to_string()),
            );
        }
        assert_eq!(got, want, "{sort}");
    }
    app.stop().await;
}

#[tokio::test]
async fn flow_run_bad_input_is_422_and_changes_nothing() {
    let app = spawn_app().await;
    let flow = app.flow("etl").await;
    let run = app.run(&flow, json!({"state": {"type": "RUNNING"}})).await;
    let id = run.id.as_str();
    let (s, v) = app
        .post("/flow_runs/", json!({"flow_id": "not-a-uuid"}))
        .await;
    assert_detail(s, &v, StatusCode::UNPROCESSABLE_ENTITY, "flow_id");
    let (s, v) = app.post("/flow_runs/", json!({"name": "x"})).await;
    assert_detail(s, &v, StatusCode::UNPROCESSABLE_ENTITY, "flow_id");
    let (s, v) = app
        .post(
            "/flow_runs/",
            json!({"flow_id": flow, "state": {"type": "SLEEPING"}}),
        )
        .await;
    assert_detail(s, &v, StatusCode::UNPROCESSABLE_ENTITY, "state.type");
    let (s, v) = app
        .post("/flow_runs/", json!({"flow_id": uuid::Uuid::new_v4()}))
        .await;
    assert_detail(s, &v, StatusCode::UNPROCESSABLE_ENTITY, "flow_id");
    let (s, v) = app
        .patch(&format!("/flow_runs/{id}"), json!({"tags": "prod"}))
        .await;
    assert_detail(s, &v, StatusCode::UNPROCESSABLE_ENTITY, "tags");
    let (s, v) = app.set_state(id, json!({"type": "DONE"}), false).await;
    assert_detail(s, &v, StatusCode::UNPROCESSABLE_ENTITY, "state.type");
    let (s, v) = app
        .post(
            &format!("/flow_runs/{id}/set_state"),
            json!({"force": true}),
        )
        .await;
    assert_detail(s, &v, StatusCode::UNPROCESSABLE_ENTITY, "state");
    let (s, v) = app
        .set_state(
            id,
            json!({"type": "SCHEDULED", "state_details": {"scheduled_time": "soon"}}),
            false,
        )
        .await;
    assert_detail(s, &v, StatusCode::UNPROCESSABLE_ENTITY, "scheduled_time");
    let (s, v) = app
        .set_state("nope", json!({"type": "RUNNING"}), false)
        .await;
    assert_detail(s, &v, StatusCode::UNPROCESSABLE_ENTITY, "not a valid UUID");
    let (s, v) = app
        .set_state(
            &uuid::Uuid::new_v4().to_string(),
            json!({"type": "RUNNING"}),
            false,
        )
        .await;
    assert_detail(s, &v, StatusCode::NOT_FOUND, "not found");
    let (_, after) = app.get(&format!("/flow_runs/{id}")).await;
    assert_eq!(after["state"], json!(run.state), "the run is unchanged");
    assert_eq!(after["tags"], json!(run.tags));
    assert_eq!(app.post("/flow_runs/count", json!({})).await.1, json!(1));
    app.stop().await;
}
