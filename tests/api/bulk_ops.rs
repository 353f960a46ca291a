//! The bulk operations, saved searches, the default result storage, the server's settings and the
//! collection registry views, as Prefect 3 serves them.

use crate::helpers::{assert_detail, spawn_app_without_worker};
use reqwest::StatusCode;
use serde_json::{json, Value};

fn ids(v: &Value, key: &str) -> Vec<String> {
    let mut out: Vec<String> = v[key]
        .as_array()
        .unwrap_or_else(|| panic!("no {key}: {v}"))
        .iter()
        .map(|i| i.as_str().unwrap().to_string())
        .collect();
    out.sort();
    out
}

#[tokio::test]
async fn bulk_delete_and_set_state_act_on_what_the_filter_picks() {
    let app = spawn_app_without_worker().await;
    let flow = app.flow("bulk").await;
    let mut runs = Vec::new();
    for tag in ["keep", "drop", "drop", "drop"] {
        runs.push(app.run(&flow, json!({"tags": [tag]})).await.id.to_string());
    }
    let (st, out) = app
        .post(
            "/flow_runs/bulk_set_state",
            json!({"state": {"type": "CANCELLED", "message": "bulk cancel"},
                "flow_runs": {"tags": {"all_": ["drop"]}}, "limit": 2}),
        )
        .await;
    assert_eq!(st, StatusCode::OK, "{out}");
    let results = out["results"].as_array().unwrap();
    assert_eq!(results.len(), 2, "the limit caps the runs: {out}");
    for r in results {
        assert_eq!(r["status"], "ACCEPT");
        assert_eq!(r["state"]["type"], "CANCELLED");
        assert_eq!(r["state"]["message"], "bulk cancel");
        assert_eq!(
            r["state"]["state_details"]["flow_run_id"], r["flow_run_id"],
            "each run gets a state of its own"
        );
    }
    let (st, bad) = app
        .post(
            "/flow_runs/bulk_set_state",
            json!({"state": {"type": "CANCELLED"}, "limit": 51}),
        )
        .await;
    assert_detail(
        st,
        &bad,
        StatusCode::UNPROCESSABLE_ENTITY,
        "less than or equal to 50",
    );
    let (st, bad) = app
        .post("/flow_runs/bulk_delete", json!({"limit": 0}))
        .await;
    assert_detail(
        st,
        &bad,
        StatusCode::UNPROCESSABLE_ENTITY,
        "greater than or equal to 1",
    );

    let (st, out) = app
        .post(
            "/flow_runs/bulk_delete",
            json!({"flow_runs": {"tags": {"all_": ["drop"]}}}),
        )
        .await;
    assert_eq!(st, StatusCode::OK);
    let mut want = runs[1..].to_vec();
    want.sort();
    assert_eq!(ids(&out, "deleted"), want);
    let (_, left) = app.post("/flow_runs/filter", json!({})).await;
    assert_eq!(left.as_array().unwrap().len(), 1);
    let (_, none) = app
        .post(
            "/flow_runs/bulk_delete",
            json!({"flow_runs": {"id": {"any_": []}}}),
        )
        .await;
    assert_eq!(none, json!({"deleted": []}));

    let other = app.flow("bulk-other").await;
    let d1 = app.deployment(json!({"name": "a", "flow_id": other})).await;
    app.deployment(json!({"name": "b", "flow_id": other})).await;
    let (_, out) = app
        .post(
            "/deployments/bulk_delete",
            json!({"deployments": {"name": {"any_": ["a"]}}}),
        )
        .await;
    assert_eq!(ids(&out, "deleted"), vec![d1.clone()]);
    let (st, _) = app.get(&format!("/deployments/{d1}")).await;
    assert_eq!(st, StatusCode::NOT_FOUND);
    let (_, out) = app
        .post(
            "/flows/bulk_delete",
            json!({"flows": {"name": {"any_": ["bulk-other"]}}}),
        )
        .await;
    assert_eq!(ids(&out, "deleted"), vec![other.clone()]);
    let (_, deps) = app.post("/deployments/filter", json!({})).await;
    assert_eq!(deps, json!([]), "a deleted flow takes its deployments");
    app.stop().await;
}

#[tokio::test]
async fn bulk_create_reports_each_item() {
    let app = spawn_app_without_worker().await;
    let flow = app.flow("bulk-create").await;
    let schema = json!({"type": "object", "properties": {"n": {"type": "integer"}}});
    let dep = app
        .deployment(json!({"name": "d", "flow_id": flow, "parameters": {"n": 1},
            "parameter_openapi_schema": schema, "enforce_parameter_schema": true}))
        .await;
    let items = json!([{}, {"name": "second", "parameters": {"n": 9}, "tags": ["x"]},
        {"parameters": {"n": "not-int"}}]);
    let (st, out) = app
        .post(&format!("/deployments/{dep}/create_flow_run/bulk"), items)
        .await;
    assert_eq!(st, StatusCode::OK, "{out}");
    let r = out["results"].as_array().unwrap();
    assert_eq!(r.len(), 3);
    assert_eq!(r[0]["status"], "CREATED");
    assert_eq!(r[1]["status"], "CREATED");
    assert_eq!(r[2]["status"], "FAILED");
    assert!(r[2]["flow_run_id"].is_null());
    assert!(r[2]["error"].as_str().unwrap().contains("'n'"), "{out}");
    let second = r[1]["flow_run_id"].as_str().unwrap();
    let run = app.flow_run(second).await;
    assert_eq!(run.name, "second");
    assert_eq!(run.parameters["n"], 9);

    let many: Vec<Value> = (0..101).map(|_| json!({})).collect();
    let (st, out) = app
        .post(
            &format!("/deployments/{dep}/create_flow_run/bulk"),
            json!(many),
        )
        .await;
    assert_detail(st, &out, StatusCode::BAD_REQUEST, "more than 100");
    let missing = "00000000-0000-0000-0000-000000000000";
    let (st, out) = app
        .post(
            &format!("/deployments/{missing}/create_flow_run/bulk"),
            json!([]),
        )
        .await;
    assert_eq!(st, StatusCode::NOT_FOUND, "{out}");
    app.stop().await;
}

#[tokio::test]
async fn saved_searches_are_saved_by_name() {
    let app = spawn_app_without_worker().await;
    let filter = json!({"object": "flow_run", "property": "state", "type": "state",
        "operation": "or", "value": ["Failed"]});
    let put = |body: Value| {
        let app = &app;
        async move {
            let r = app
                .client
                .put(app.url("/saved_searches/"))
                .json(&body)
                .send()
                .await
                .unwrap();
            let st = r.status();
            (st, r.json::<Value>().await.unwrap())
        }
    };
    let (st, first) = put(json!({"name": "failed runs", "filters": [filter]})).await;
    assert_eq!(st, StatusCode::CREATED, "{first}");
    let (st, again) = put(json!({"name": "failed runs"})).await;
    assert_eq!(st, StatusCode::OK);
    assert_eq!(again["id"], first["id"]);
    assert_eq!(again["filters"], json!([]));
    let (st, bad) = put(json!({"name": "x", "filters": [{"object": "flow_run"}]})).await;
    assert_detail(st, &bad, StatusCode::UNPROCESSABLE_ENTITY, "property");
    put(json!({"name": "a search"})).await;

    let (_, list) = app.post("/saved_searches/filter", json!({})).await;
    let names: Vec<&str> = list
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["a search", "failed runs"]);
    let id = first["id"].as_str().unwrap();
    let (st, got) = app.get(&format!("/saved_searches/{id}")).await;
    assert_eq!(st, StatusCode::OK);
    assert_eq!(got["name"], "failed runs");
    let (st, _) = app.delete(&format!("/saved_searches/{id}")).await;
    assert_eq!(st, StatusCode::NO_CONTENT);
    let (st, gone) = app.get(&format!("/saved_searches/{id}")).await;
    assert_detail(st, &gone, StatusCode::NOT_FOUND, "Saved search not found");
    app.stop().await;
}

#[tokio::test]
async fn default_result_storage_settings_and_registry_views() {
    let app = spawn_app_without_worker().await;
    let put = |body: Value| {
        let app = &app;
        async move {
            let r = app
                .client
                .put(app.url("/admin/storage"))
                .json(&body)
                .send()
                .await
                .unwrap();
            let st = r.status();
            (st, r.json::<Value>().await.unwrap())
        }
    };
    let missing = "00000000-0000-0000-0000-000000000000";
    let (st, out) = put(json!({"default_result_storage_block_id": missing})).await;
    assert_detail(st, &out, StatusCode::NOT_FOUND, "not found");
    let secret = app.secret_block("not-storage", "s3cr3t").await;
    let (st, out) = put(json!({"default_result_storage_block_id": secret["id"]})).await;
    assert_detail(
        st,
        &out,
        StatusCode::UNPROCESSABLE_ENTITY,
        "cannot be used for result storage",
    );

    let (_, types) = app.post("/block_types/filter", json!({})).await;
    let has_fs = types
        .as_array()
        .unwrap()
        .iter()
        .any(|t| t["slug"] == "local-file-system");
    assert!(has_fs, "Baton installs local-file-system: {types}");
    let (_, fs_type) = app.get("/block_types/slug/local-file-system").await;
    let (_, fs_schemas) = app
        .post(
            "/block_schemas/filter",
            json!({"block_schemas": {"block_type_id": {"any_": [fs_type["id"]]}}}),
        )
        .await;
    let (st, doc) = app
        .post(
            "/block_documents/",
            json!({"name": "results", "data": {"basepath": "/tmp/results"},
                "block_type_id": fs_type["id"], "block_schema_id": fs_schemas[0]["id"]}),
        )
        .await;
    assert_eq!(st, StatusCode::CREATED, "{doc}");
    let (st, out) = put(json!({"default_result_storage_block_id": doc["id"]})).await;
    assert_eq!(st, StatusCode::OK, "{out}");
    let (_, got) = app.get("/admin/storage").await;
    assert_eq!(got["default_result_storage_block_id"], doc["id"]);
    let (st, _) = app.delete("/admin/storage").await;
    assert_eq!(st, StatusCode::NO_CONTENT);
    let (_, got) = app.get("/admin/storage").await;
    assert!(got["default_result_storage_block_id"].is_null());

    let (st, settings) = app.get("/admin/settings").await;
    assert_eq!(st, StatusCode::OK);
    let driver = if std::env::var("BATON_TEST_DATABASE_URL").is_ok_and(|u| !u.is_empty()) {
        "postgresql+asyncpg"
    } else {
        "sqlite"
    };
    assert_eq!(settings["server"]["database"]["driver"], driver);
    assert!(settings["api"]["url"].as_str().unwrap().ends_with("/api"));

    let (st, view) = app
        .get("/collections/views/aggregate-worker-metadata")
        .await;
    assert_eq!(st, StatusCode::OK);
    for (c, t) in [
        ("prefect", "process"),
        ("prefect-docker", "docker"),
        ("prefect-kubernetes", "kubernetes"),
    ] {
        assert!(
            view[c][t]["default_base_job_configuration"]["variables"]["properties"].is_object(),
            "{c}/{t}"
        );
    }
    let (st, none) = app.get("/collections/views/demo-flows").await;
    assert_eq!((st, none), (StatusCode::OK, json!({})));
    let (st, out) = app.get("/collections/views/nope").await;
    assert_detail(
        st,
        &out,
        StatusCode::NOT_FOUND,
        "View nope not found in registry",
    );
    app.stop().await;
}
