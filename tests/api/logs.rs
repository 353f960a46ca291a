use crate::helpers::*;
use reqwest::StatusCode;
use serde_json::json;

#[tokio::test]
async fn logs_batch_and_filter() {
    let app = spawn_app().await;
    let flow = app.flow("etl").await;
    let run = app.run(&flow, json!({})).await;
    let fr = run.id.as_str();
    let batch: Vec<_> = (0..10)
        .map(|i| json!({"name": "prefect.flow_runs", "level": if i % 2 == 0 { 20 } else { 40 }, "message": format!("line {i}"),
                        "timestamp": format!("2026-11-22 11:40:0{i}.000001+00:00"), "flow_run_id": fr, "task_run_id": null}))
        .collect();
    assert_eq!(
        app.post("/logs/", json!(batch)).await.0,
        StatusCode::CREATED
    );
    assert_eq!(app.post("/logs/", json!([{"name": "x", "level": 20, "message": "other", "timestamp": "2026-11-22T11:40:00Z"}])).await.0, StatusCode::CREATED);
    let f = json!({"logs": {"operator": "and_", "flow_run_id": {"any_": [fr]}}, "sort": "TIMESTAMP_ASC", "limit": null, "offset": 0});
    let (_, all) = app.post("/logs/filter", f).await;
    let msgs: Vec<&str> = all
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l["message"].as_str().unwrap())
        .collect();
    assert_eq!(msgs.len(), 10);
    assert_eq!(msgs[0], "line 0");
    assert_eq!(all[0]["timestamp"], "2026-11-22T11:40:00.000001Z");
    let (_, page) = app.post("/logs/filter", json!({"logs": {"flow_run_id": {"any_": [fr]}}, "sort": "TIMESTAMP_DESC", "limit": 3, "offset": 1})).await;
    let msgs: Vec<&str> = page
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l["message"].as_str().unwrap())
        .collect();
    assert_eq!(msgs, ["line 8", "line 7", "line 6"]);
    let (_, errors) = app
        .post(
            "/logs/filter",
            json!({"logs": {"flow_run_id": {"any_": [fr]}, "level": {"ge_": 40}}}),
        )
        .await;
    assert_eq!(errors.as_array().unwrap().len(), 5);
    let (_, text) = app
        .post(
            "/logs/filter",
            json!({"logs": {"text": {"query": "line -3"}, "flow_run_id": {"any_": [fr]}}}),
        )
        .await;
    assert_eq!(text.as_array().unwrap().len(), 9);
    let (s, v) = app
        .post(
            "/logs/",
            json!([{"name": "x", "level": 20, "message": "m", "timestamp": "not a time"}]),
        )
        .await;
    assert_detail(s, &v, StatusCode::UNPROCESSABLE_ENTITY, "[0].timestamp");
    let (s, v) = app
        .post(
            "/logs/",
            json!([{"name": "x", "message": "m", "timestamp": "2026-01-01T00:00:00Z"}]),
        )
        .await;
    assert_detail(s, &v, StatusCode::UNPROCESSABLE_ENTITY, "level");
    let (s, v) = app
        .post(
            "/logs/filter",
            json!({"logs": {"flow_run_id": {"any_": ["x"]}}}),
        )
        .await;
    assert_detail(
        s,
        &v,
        StatusCode::UNPROCESSABLE_ENTITY,
        "logs.flow_run_id.any_[0]",
    );
    let (_, all) = app.post("/logs/filter", json!({})).await;
    assert_eq!(
        all.as_array().unwrap().len(),
        11,
        "failed batches wrote nothing"
    );
    app.stop().await;
}
