//! The four `/paginate` operations: pages of the matching `/filter`, the count, the pages, and the 422s.

use crate::helpers::*;
use reqwest::StatusCode;
use serde_json::{json, Value};

fn names(page: &Value) -> Vec<&str> {
    page["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["name"].as_str().unwrap())
        .collect()
}

#[tokio::test]
async fn pages_match_the_filter_with_count_and_pages() {
    let app = spawn_app_without_worker().await;
    let flow = app.flow("b-flow").await;
    app.flow("a-flow").await;
    app.flow("c-flow").await;

    let (s, p) = app.post("/flows/paginate", json!({"limit": 2})).await;
    assert_eq!(s, StatusCode::OK, "{p}");
    let keys: Vec<&String> = p.as_object().unwrap().keys().collect();
    assert_eq!(keys, ["results", "count", "limit", "pages", "page"]);
    assert_eq!(names(&p), ["a-flow", "b-flow"]);
    assert_eq!(
        (p["count"].as_u64(), p["pages"].as_u64(), p["page"].as_u64()),
        (Some(3), Some(2), Some(1))
    );
    let (_, p2) = app
        .post("/flows/paginate", json!({"limit": 2, "page": 2}))
        .await;
    assert_eq!(names(&p2), ["c-flow"]);
    let (_, past) = app.post("/flows/paginate", json!({"page": 5})).await;
    assert_eq!(
        past,
        json!({"results": [], "count": 3, "limit": 200, "pages": 1, "page": 5})
    );
    let (_, zero) = app.post("/flows/paginate", json!({"limit": 0})).await;
    assert_eq!(
        (
            zero["results"].as_array().unwrap().len(),
            zero["pages"].as_u64()
        ),
        (0, Some(0))
    );
    let (_, filtered) = app
        .post(
            "/flows/paginate",
            json!({"flows": {"name": {"like_": "c-"}}}),
        )
        .await;
    assert_eq!(
        (names(&filtered), filtered["count"].as_u64()),
        (vec!["c-flow"], Some(1))
    );

    for i in 0..3 {
        app.run(&flow, json!({"name": format!("run-{i}")})).await;
    }
    let (_, runs) = app
        .post(
            "/flow_runs/paginate",
            json!({"limit": 2, "sort": "NAME_DESC"}),
        )
        .await;
    assert_eq!(names(&runs), ["run-2", "run-1"]);
    assert_eq!(
        (runs["count"].as_u64(), runs["pages"].as_u64()),
        (Some(3), Some(2))
    );
    let (_, filter) = app
        .post(
            "/flow_runs/filter",
            json!({"limit": 2, "offset": 2, "sort": "NAME_DESC"}),
        )
        .await;
    let (_, page2) = app
        .post(
            "/flow_runs/paginate",
            json!({"limit": 2, "page": 2, "sort": "NAME_DESC"}),
        )
        .await;
    assert_eq!(
        page2["results"][0]["id"], filter[0]["id"],
        "the same items as /flow_runs/filter"
    );
    let keys = |v: &Value| v.as_object().unwrap().keys().cloned().collect::<Vec<_>>();
    assert_eq!(
        keys(&page2["results"][0]),
        keys(&filter[0]),
        "in the same shape"
    );

    let d = app
        .deployment(json!({"name": "dep", "flow_id": flow}))
        .await;
    let (_, deps) = app.post("/deployments/paginate", json!({})).await;
    assert_eq!(
        (deps["results"][0]["id"].as_str(), deps["count"].as_u64()),
        (Some(d.as_str()), Some(1))
    );
    app.stop().await;
}

#[tokio::test]
async fn task_run_pages_have_the_reduced_shape() {
    let app = spawn_app_without_worker().await;
    let flow = app.flow("etl").await;
    let run = app.run(&flow, json!({})).await.id;
    for name in ["t1", "t2"] {
        let (s, _) = app
            .post(
                "/task_runs/",
                json!({"flow_run_id": run, "task_key": name, "dynamic_key": "0", "name": name}),
            )
            .await;
        assert_eq!(s, StatusCode::CREATED);
    }
    let (s, p) = app.post("/task_runs/paginate", json!({"limit": 1})).await;
    assert_eq!(s, StatusCode::OK, "{p}");
    assert_eq!(
        (p["count"].as_u64(), p["pages"].as_u64()),
        (Some(2), Some(2))
    );
    let keys: Vec<&String> = p["results"][0].as_object().unwrap().keys().collect();
    assert_eq!(
        keys,
        [
            "id",
            "created",
            "updated",
            "name",
            "flow_run_id",
            "task_key",
            "state_id",
            "state",
            "task_version",
            "task_inputs",
            "empirical_policy",
            "tags",
            "start_time",
            "end_time",
            "total_run_time",
            "estimated_run_time",
            "estimated_start_time_delta"
        ]
    );
    app.stop().await;
}

#[tokio::test]
async fn bad_pages_limits_and_sorts_are_422() {
    let app = spawn_app().await;
    for path in [
        "/flows/paginate",
        "/flow_runs/paginate",
        "/task_runs/paginate",
        "/deployments/paginate",
    ] {
        let (s, v) = app.post(path, json!({"page": 0})).await;
        assert_detail(s, &v, StatusCode::UNPROCESSABLE_ENTITY, "page");
        let (s, v) = app.post(path, json!({"limit": 201})).await;
        assert_detail(
            s,
            &v,
            StatusCode::UNPROCESSABLE_ENTITY,
            "Invalid limit: must be less than or equal to 200.",
        );
        let (s, v) = app.post(path, json!({"sort": "SIDEWAYS"})).await;
        assert_detail(s, &v, StatusCode::UNPROCESSABLE_ENTITY, "sort");
        let (s, _) = app.post_raw(path, b"").await;
        assert_eq!(s, StatusCode::OK, "{path}: an empty body is every row");
    }
    app.stop().await;
}
