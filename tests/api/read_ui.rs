//! Prefect's `/ui/…` reads: a task run with its flow run's name, counts per flow run and flow, next runs,
//! the scatter plot, counts by state, dashboard buckets and the schema check.

use crate::helpers::*;
use reqwest::StatusCode;
use serde_json::{json, Value};

/// A task run of `run`, proposed into `states` in turn; returns its id.
async fn task(app: &TestApp, run: &str, name: &str, states: &[&str]) -> String {
    let (s, t) = app
        .post(
            "/task_runs/",
            json!({"flow_run_id": run, "task_key": name, "dynamic_key": name, "name": name}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{t}");
    let id = t["id"].as_str().unwrap().to_string();
    for st in states {
        let (s, r) = app
            .post(
                &format!("/task_runs/{id}/set_state"),
                json!({"state": {"type": st}}),
            )
            .await;
        assert_eq!(s, StatusCode::CREATED, "{st}: {r}");
    }
    id
}

#[tokio::test]
async fn task_runs_with_names_and_counts_per_flow_run() {
    let app = spawn_app_without_worker().await;
    let flow = app.flow("etl-flow").await;
    let parent = app.run(&flow, json!({"name": "piquant-griffin"})).await.id;
    let t = task(&app, &parent, "extract", &["RUNNING", "COMPLETED"]).await;
    task(&app, &parent, "transform", &["RUNNING", "FAILED"]).await;
    let wrapper = task(&app, &parent, "child-flow-0", &["RUNNING"]).await;
    let child_flow = app.flow("child-flow").await;
    let child = app
        .run(&child_flow, json!({"parent_task_run_id": wrapper}))
        .await
        .id;

    let (s, got) = app.get(&format!("/ui/task_runs/{t}")).await;
    assert_eq!(s, StatusCode::OK, "{got}");
    let (_, plain) = app.get(&format!("/task_runs/{t}")).await;
    let mut keys: Vec<String> = plain.as_object().unwrap().keys().cloned().collect();
    keys.push("flow_run_name".into());
    assert_eq!(
        got.as_object().unwrap().keys().cloned().collect::<Vec<_>>(),
        keys
    );
    assert_eq!(got["flow_run_name"], "piquant-griffin");
    let (s, v) = app
        .get(&format!("/ui/task_runs/{}", uuid::Uuid::new_v4()))
        .await;
    assert_detail(s, &v, StatusCode::NOT_FOUND, "Task not found");

    let nil = uuid::Uuid::nil().to_string();
    let (s, counts) = app
        .post(
            "/ui/flow_runs/count-task-runs",
            json!({"flow_run_ids": [child, parent, nil, parent]}),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{counts}");
    let pairs: Vec<(String, Value)> = counts.as_object().unwrap().clone().into_iter().collect();
    assert_eq!(
        pairs,
        vec![
            (child, json!(0)),
            (parent.clone(), json!(2)),
            (nil, json!(0))
        ],
        "wrappers are left out; request order; duplicates once"
    );
    let (_, empty) = app
        .post("/ui/flow_runs/count-task-runs", json!({"flow_run_ids": []}))
        .await;
    assert_eq!(empty, json!({}));
    let many: Vec<String> = (0..201).map(|_| uuid::Uuid::new_v4().to_string()).collect();
    let (s, v) = app
        .post(
            "/ui/flow_runs/count-task-runs",
            json!({"flow_run_ids": many}),
        )
        .await;
    assert_detail(s, &v, StatusCode::UNPROCESSABLE_ENTITY, "at most 200");
    let (s, v) = app.post("/ui/flow_runs/count-task-runs", json!({})).await;
    assert_detail(s, &v, StatusCode::UNPROCESSABLE_ENTITY, "flow_run_ids");

    let (s, by_state) = app.post("/ui/task_runs/count", json!({})).await;
    assert_eq!(s, StatusCode::OK);
    let keys: Vec<&String> = by_state.as_object().unwrap().keys().collect();
    assert_eq!(
        keys,
        [
            "COMPLETED",
            "PENDING",
            "RUNNING",
            "FAILED",
            "CANCELLED",
            "CRASHED",
            "PAUSED",
            "CANCELLING",
            "SCHEDULED"
        ]
    );
    assert_eq!(
        (
            &by_state["COMPLETED"],
            &by_state["FAILED"],
            &by_state["RUNNING"]
        ),
        (&json!(1), &json!(1), &json!(1))
    );
    let (_, only) = app
        .post(
            "/ui/task_runs/count",
            json!({"task_runs": {"name": {"like_": "extract"}}}),
        )
        .await;
    assert_eq!(
        (&only["COMPLETED"], &only["FAILED"]),
        (&json!(1), &json!(0))
    );

    // Finished task runs per bucket: the completed and the failed one, in the bucket of now.
    let after = "2020-01-01T00:00:00Z";
    let (s, buckets) = app
        .post(
            "/ui/task_runs/dashboard/counts",
            json!({"task_runs": {"start_time": {"after_": after}, "state": {"type": {"any_": ["RUNNING"]}}}}),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{buckets}");
    let buckets = buckets.as_array().unwrap();
    assert_eq!(buckets.len(), 20);
    let last = &buckets[19];
    assert_eq!(
        (&last["completed"], &last["failed"]),
        (&json!(1), &json!(1)),
        "{buckets:?}"
    );
    assert!(buckets[..19]
        .iter()
        .all(|b| b == &json!({"completed": 0, "failed": 0})));
    let (s, v) = app
        .post("/ui/task_runs/dashboard/counts", json!({"task_runs": {}}))
        .await;
    assert_detail(
        s,
        &v,
        StatusCode::UNPROCESSABLE_ENTITY,
        "task_runs.start_time.after_ is required",
    );
    let (s, v) = app.post("/ui/task_runs/dashboard/counts", json!({})).await;
    assert_detail(s, &v, StatusCode::UNPROCESSABLE_ENTITY, "task_runs");
    app.stop().await;
}

#[tokio::test]
async fn flows_deployment_counts_and_next_runs() {
    let app = spawn_app_without_worker().await;
    let with = app.flow("with-deps").await;
    let without = app.flow("without").await;
    app.deployment(json!({"name": "a", "flow_id": with, "paused": true}))
        .await;
    app.deployment(json!({"name": "b", "flow_id": with})).await;
    let (s, counts) = app
        .post(
            "/ui/flows/count-deployments",
            json!({"flow_ids": [without, with]}),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{counts}");
    let pairs: Vec<(String, Value)> = counts.as_object().unwrap().clone().into_iter().collect();
    assert_eq!(
        pairs,
        vec![(without.clone(), json!(0)), (with.clone(), json!(2))]
    );

    let scheduled =
        |at: &str| json!({"state": {"type": "SCHEDULED", "state_details": {"scheduled_time": at}}});
    app.run(&with, scheduled("2031-01-01T00:00:00Z")).await;
    let first = app.run(&with, scheduled("2030-01-01T00:00:00Z")).await.id;
    app.run(&with, json!({"state": {"type": "RUNNING"}})).await;
    let (s, next) = app
        .post("/ui/flows/next-runs", json!({"flow_ids": [with, without]}))
        .await;
    assert_eq!(s, StatusCode::OK, "{next}");
    assert_eq!(next[&without], Value::Null);
    let n = &next[&with];
    let keys: Vec<&String> = n.as_object().unwrap().keys().collect();
    assert_eq!(
        keys,
        [
            "id",
            "flow_id",
            "name",
            "state_name",
            "state_type",
            "next_scheduled_start_time"
        ]
    );
    assert_eq!(
        (n["id"].as_str(), n["state_type"].as_str()),
        (Some(first.as_str()), Some("SCHEDULED"))
    );
    assert_eq!(
        n["next_scheduled_start_time"],
        "2030-01-01T00:00:00.000000Z"
    );
    let (s, v) = app.post("/ui/flows/next-runs", json!({})).await;
    assert_detail(s, &v, StatusCode::UNPROCESSABLE_ENTITY, "flow_ids");
    app.stop().await;
}

#[tokio::test]
async fn the_scatter_plot_has_duration_and_lateness() {
    let app = spawn_app_without_worker().await;
    let flow = app.flow("etl").await;
    let late = app
        .run(&flow, json!({"state": {"type": "SCHEDULED", "state_details": {"scheduled_time": "2020-01-01T00:00:00Z"}}}))
        .await
        .id;
    let done = app
        .run(&flow, json!({"state": {"type": "RUNNING"}}))
        .await
        .id;
    app.set_state(&done, json!({"type": "COMPLETED"}), false)
        .await;
    let (s, runs) = app
        .post("/ui/flow_runs/history", json!({"sort": "NAME_ASC"}))
        .await;
    assert_eq!(s, StatusCode::OK, "{runs}");
    let runs = runs.as_array().unwrap();
    assert_eq!(runs.len(), 2);
    let keys: Vec<&String> = runs[0].as_object().unwrap().keys().collect();
    assert_eq!(
        keys,
        ["id", "state_type", "timestamp", "duration", "lateness"]
    );
    let of = |id: &str| runs.iter().find(|r| r["id"] == id).unwrap().clone();
    assert!(
        of(&late)["lateness"].as_f64().unwrap() > 1e8,
        "late since 2020"
    );
    assert_eq!(of(&late)["timestamp"], "2020-01-01T00:00:00.000000Z");
    assert_eq!(of(&done)["state_type"], "COMPLETED");
    assert!(of(&done)["duration"].as_f64().unwrap() >= 0.0);
    let (_, one) = app
        .post("/ui/flow_runs/history", json!({"limit": 1, "offset": 1}))
        .await;
    assert_eq!(one.as_array().unwrap().len(), 1);
    let (s, v) = app
        .post("/ui/flow_runs/history", json!({"limit": 1001}))
        .await;
    assert_detail(s, &v, StatusCode::UNPROCESSABLE_ENTITY, "1000");
    app.stop().await;
}

#[tokio::test]
async fn schema_validation_answers_an_error_tree() {
    let app = spawn_app().await;
    let schema = json!({"type": "object", "properties": {
        "n": {"type": "integer", "default": 3}, "fail": {"type": "boolean"},
        "tags": {"type": "array", "items": {"type": "string"}},
        "cfg": {"type": "object", "properties": {"x": {"type": "integer"}}, "required": ["x"]}},
        "required": ["n"]});
    let (s, v) = app
        .post(
            "/ui/schemas/validate",
            json!({"schema": schema, "values": {"n": "a", "fail": null, "tags": ["a", 2, 3], "cfg": {}}}),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let keys: Vec<&String> = v.as_object().unwrap().keys().collect();
    assert_eq!(keys, ["errors", "valid"]);
    assert_eq!(v["valid"], false);
    let props: Vec<&Value> = v["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| &e["property"])
        .collect();
    assert_eq!(props, [&json!("n"), &json!("tags"), &json!("cfg")]);
    assert_eq!(v["errors"][1]["errors"][0]["index"], 1);
    assert_eq!(v["errors"][2]["errors"][0]["property"], "x");

    app.post("/variables/", json!({"name": "seven", "value": 7}))
        .await;
    let (_, ok) = app
        .post(
            "/ui/schemas/validate",
            json!({"schema": schema, "values": {"n": {"__prefect_kind": "workspace_variable", "variable_name": "seven"}}}),
        )
        .await;
    assert_eq!(ok, json!({"errors": [], "valid": true}));
    let (_, root) = app
        .post(
            "/ui/schemas/validate",
            json!({"schema": {"type": "array"}, "values": {"a": 1}}),
        )
        .await;
    assert!(root["errors"][0].is_string(), "{root}");
    let (s, v) = app
        .post(
            "/ui/schemas/validate",
            json!({"schema": {"type": "bogus"}, "values": {}}),
        )
        .await;
    assert_detail(s, &v, StatusCode::UNPROCESSABLE_ENTITY, "Invalid schema: ");
    let (s, v) = app
        .post("/ui/schemas/validate", json!({"values": {}}))
        .await;
    assert_detail(s, &v, StatusCode::UNPROCESSABLE_ENTITY, "schema");
    app.stop().await;
}
