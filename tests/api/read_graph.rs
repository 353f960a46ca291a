//! `GET /flow_runs/{id}/graph-v2` and `/graph`: task runs and subflows as nodes, edges from task inputs,
//! encapsulation, artifacts, states, `since`, and the 404s.

use crate::helpers::*;
use reqwest::StatusCode;
use serde_json::{json, Value};

/// A task run of `run` named `name` with these inputs, left RUNNING; returns its id.
async fn running_task(app: &TestApp, run: &str, name: &str, inputs: Value) -> String {
    let (s, t) = app
        .post(
            "/task_runs/",
            json!({"flow_run_id": run, "task_key": name, "dynamic_key": "0", "name": name,
                   "task_inputs": inputs, "state": {"type": "RUNNING"}}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{t}");
    t["id"].as_str().unwrap().to_string()
}

/// A task run of `run` named `name` with these inputs, run to COMPLETED; returns its id.
async fn task(app: &TestApp, run: &str, name: &str, inputs: Value) -> String {
    let id = running_task(app, run, name, inputs).await;
    let (s, _) = app
        .post(
            &format!("/task_runs/{id}/set_state"),
            json!({"state": {"type": "COMPLETED"}}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED);
    id
}

fn dep(id: &str) -> Value {
    json!([{"input_type": "task_run", "id": id}])
}

fn node<'a>(g: &'a Value, id: &str) -> &'a Value {
    g["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|pair| pair[0] == id)
        .map(|pair| &pair[1])
        .unwrap_or_else(|| panic!("no node {id} in {g}"))
}

fn ids(edges: &Value) -> Vec<String> {
    edges
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["id"].as_str().unwrap().to_string())
        .collect()
}

#[tokio::test]
async fn graph_v2_has_tasks_subflows_edges_artifacts_and_states() {
    let app = spawn_app_without_worker().await;
    let flow = app.flow("etl-flow").await;
    let parent = app
        .run(&flow, json!({"state": {"type": "RUNNING"}}))
        .await
        .id;
    let extract = task(&app, &parent, "extract", json!({})).await;
    let transform = task(&app, &parent, "transform", json!({"x": dep(&extract)})).await;
    let wrapper = running_task(
        &app,
        &parent,
        "child-flow-0",
        json!({"wait_for": dep(&transform)}),
    )
    .await;
    let inner = task(
        &app,
        &parent,
        "inner",
        json!({"__parents__": dep(&extract)}),
    )
    .await;
    let child_flow = app.flow("child-flow").await;
    let child = app
        .run(
            &child_flow,
            json!({"name": "shiny-nyala", "parent_task_run_id": wrapper, "state": {"type": "RUNNING"}}),
        )
        .await
        .id;
    for body in [
        json!({"key": "transform-result", "type": "markdown", "data": "x", "flow_run_id": parent, "task_run_id": transform}),
        json!({"key": "prog", "type": "progress", "data": 42, "flow_run_id": parent}),
        json!({"type": "result", "data": "r", "flow_run_id": parent}),
    ] {
        assert_eq!(app.post("/artifacts/", body).await.0, StatusCode::CREATED);
    }

    let (s, g) = app.get(&format!("/flow_runs/{parent}/graph-v2")).await;
    assert_eq!(s, StatusCode::OK, "{g}");
    let keys: Vec<&String> = g.as_object().unwrap().keys().collect();
    assert_eq!(
        keys,
        [
            "start_time",
            "end_time",
            "root_node_ids",
            "nodes",
            "artifacts",
            "states"
        ]
    );
    assert_eq!(g["nodes"].as_array().unwrap().len(), 4, "{g}");
    let sub = node(&g, &child);
    assert_eq!(
        (sub["kind"].as_str(), sub["label"].as_str()),
        (Some("flow-run"), Some("child-flow / shiny-nyala"))
    );
    assert_eq!(ids(&sub["parents"]), vec![transform.clone()]);
    assert_eq!(ids(&node(&g, &transform)["children"]), vec![child.clone()]);
    assert_eq!(ids(&node(&g, &transform)["parents"]), vec![extract.clone()]);
    assert_eq!(
        ids(&node(&g, &inner)["encapsulating"]),
        vec![extract.clone()]
    );
    assert_eq!(node(&g, &extract)["kind"], "task-run");
    let roots: Vec<&str> = g["root_node_ids"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap())
        .collect();
    assert!(roots.contains(&extract.as_str()) && roots.contains(&inner.as_str()));
    assert!(!roots.contains(&child.as_str()));
    let art = &node(&g, &transform)["artifacts"][0];
    assert_eq!(
        (
            art["key"].as_str(),
            art["type"].as_str(),
            art["is_latest"].as_bool(),
            &art["data"]
        ),
        (
            Some("transform-result"),
            Some("markdown"),
            Some(true),
            &Value::Null
        )
    );
    assert_eq!(
        g["artifacts"].as_array().unwrap().len(),
        1,
        "results are left out"
    );
    assert_eq!(
        (
            g["artifacts"][0]["type"].as_str(),
            &g["artifacts"][0]["data"]
        ),
        (Some("progress"), &json!(42))
    );
    let states: Vec<&str> = g["states"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["type"].as_str().unwrap())
        .collect();
    assert_eq!(states, ["RUNNING"]);
    assert!(g["start_time"].is_string() && g["end_time"].is_null());

    // Nodes that ended before `since` are left out; the running subflow stays.
    let since = "2999-01-01T00:00:00Z";
    let (_, later) = app
        .get(&format!("/flow_runs/{parent}/graph-v2?since={since}"))
        .await;
    let kept: Vec<&Value> = later["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| &p[0])
        .collect();
    assert_eq!(kept, vec![&json!(child)]);
    assert_eq!(later["states"], g["states"]);
    let (s, v) = app
        .get(&format!("/flow_runs/{parent}/graph-v2?since=yesterday"))
        .await;
    assert_detail(s, &v, StatusCode::UNPROCESSABLE_ENTITY, "since");

    let missing = uuid::Uuid::new_v4();
    let (s, v) = app.get(&format!("/flow_runs/{missing}/graph-v2")).await;
    assert_detail(
        s,
        &v,
        StatusCode::NOT_FOUND,
        &format!("Flow run {missing} not found"),
    );
    app.stop().await;
}

#[tokio::test]
async fn graph_v1_lists_direct_task_runs_with_upstream_dependencies() {
    let app = spawn_app_without_worker().await;
    let flow = app.flow("etl-flow").await;
    let parent = app
        .run(&flow, json!({"state": {"type": "RUNNING"}}))
        .await
        .id;
    let a = task(&app, &parent, "a", json!({})).await;
    let b = task(
        &app,
        &parent,
        "b",
        json!({"x": dep(&a), "y": dep(&a), "wait_for": dep(&a)}),
    )
    .await;
    let (s, list) = app.get(&format!("/flow_runs/{parent}/graph")).await;
    assert_eq!(s, StatusCode::OK, "{list}");
    let list = list.as_array().unwrap();
    assert_eq!(list.len(), 2);
    let got_ids: Vec<&str> = list.iter().map(|d| d["id"].as_str().unwrap()).collect();
    let mut want = vec![a.as_str(), b.as_str()];
    want.sort();
    want.reverse();
    assert_eq!(got_ids, want, "newest id first");
    let db = list.iter().find(|d| d["id"] == b.as_str()).unwrap();
    let keys: Vec<&String> = db.as_object().unwrap().keys().collect();
    assert_eq!(
        keys,
        [
            "id",
            "name",
            "upstream_dependencies",
            "state",
            "expected_start_time",
            "start_time",
            "end_time",
            "total_run_time",
            "estimated_run_time",
            "untrackable_result"
        ]
    );
    assert_eq!(
        db["upstream_dependencies"],
        json!([{"input_type": "task_run", "id": a}])
    );
    assert_eq!(db["state"]["type"], "COMPLETED");
    assert!(db["total_run_time"].is_f64());
    let missing = uuid::Uuid::new_v4();
    let (s, v) = app.get(&format!("/flow_runs/{missing}/graph")).await;
    assert_detail(
        s,
        &v,
        StatusCode::NOT_FOUND,
        &format!("Flow run with id {missing} not found"),
    );
    app.stop().await;
}
