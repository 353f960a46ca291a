//! Deployments, continued: overdue runs turning Late, stored JSON keeping the caller's key order, and
//! schedules listed newest first (helpers in `deployments.rs`).

use crate::deployments::body;
use crate::helpers::*;
use reqwest::StatusCode;
use serde_json::{json, Value};
use std::time::Duration;

#[tokio::test]
async fn overdue_scheduled_runs_turn_late() {
    let app = spawn_app_without_worker().await;
    let flow = app.flow("etl").await;
    let mut b = body(&flow, "0 2 * * *");
    b["schedules"] = json!([]);
    let (_, d) = app.post("/deployments/", b).await;
    let id = d["id"].as_str().unwrap();
    let past = (chrono::Utc::now() - chrono::Duration::seconds(20)).to_rfc3339();
    let (_, run) = app
        .post(
            &format!("/deployments/{id}/create_flow_run"),
            json!({"state": {"type": "SCHEDULED", "state_details": {"scheduled_time": past}}}),
        )
        .await;
    let rid = run["id"].as_str().unwrap();
    let late = poll_until(
        "the run to turn Late",
        Duration::from_secs(10),
        || async {
            let body = json!({"flow_runs": {"id": {"any_": [rid]}}});
            app.post("/flow_runs/filter", body).await.1
        },
        |v| v[0]["state_name"] == "Late",
    )
    .await;
    assert_eq!(late[0]["state_type"], "SCHEDULED");
    assert_eq!(
        late[0]["next_scheduled_start_time"],
        run["next_scheduled_start_time"]
    );
    app.stop().await;
}

/// Stored JSON keeps the caller's key order, as Prefect does (issue 13, item 8): parameters in the
/// signature's order, schema properties, job variables.
#[tokio::test]
async fn stored_json_keeps_the_callers_key_order() {
    let app = spawn_app_without_worker().await;
    let flow = app.flow("ordered").await;
    let (s, d) = app
        .post(
            "/deployments/",
            json!({"name": "keys", "flow_id": flow,
                   "parameters": {"zeta": 1, "alpha": 2, "mid": {"y": 1, "b": 2}},
                   "job_variables": {"env": {"Z": "1", "A": "2"}, "command": "x"},
                   "parameter_openapi_schema": {"type": "object", "properties": {
                       "zeta": {"type": "integer"}, "alpha": {"type": "integer"}, "mid": {"type": "object"}}}}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{d}");
    let id = d["id"].as_str().unwrap();
    let text = app.text(&app.url(&format!("/deployments/{id}"))).await;
    let order = |needles: &[&str]| {
        let at: Vec<usize> = needles
            .iter()
            .map(|n| text.find(n).unwrap_or_else(|| panic!("{n} in {text}")))
            .collect();
        assert!(
            at.windows(2).all(|w| w[0] < w[1]),
            "{needles:?} out of order in {text}"
        );
    };
    order(&["\"zeta\":1", "\"alpha\":2", "\"mid\":{\"y\":1,\"b\":2}"]);
    order(&["\"Z\":\"1\"", "\"A\":\"2\""]);
    order(&["\"zeta\":{", "\"alpha\":{", "\"mid\":{\"type\""]);
    let r = app
        .client
        .post(app.url(&format!("/deployments/{id}/create_flow_run")))
        .json(&json!({"parameters": {"mid": {"q": 0}, "zeta": 5}}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::CREATED);
    let run = r.text().await.unwrap();
    // Prefect merges the run's parameters over the deployment's: the deployment's keys keep their places.
    let p = run.find("\"parameters\":").unwrap();
    assert!(
        run[p..].starts_with("\"parameters\":{\"zeta\":5,\"alpha\":2,\"mid\":{\"q\":0}}"),
        "{}",
        &run[p..p + 80]
    );
    app.stop().await;
}

/// A deployment's schedules are listed as Prefect lists them: the most recently created or changed first.
#[tokio::test]
async fn schedules_are_listed_newest_first() {
    let app = spawn_app_without_worker().await;
    let flow = app.flow("order").await;
    let cron = |m: u32| json!({"schedule": {"cron": format!("{m} * * * *")}});
    let (s, d) = app
        .post(
            "/deployments/",
            json!({"name": "d", "flow_id": flow, "schedules": [cron(1), cron(2), cron(3)]}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{d}");
    let id = d["id"].as_str().unwrap().to_string();
    let crons = |v: &Value| -> Vec<(String, bool)> {
        v.as_array()
            .unwrap()
            .iter()
            .map(|s| {
                (
                    s["schedule"]["cron"].as_str().unwrap().to_string(),
                    s["active"].as_bool().unwrap(),
                )
            })
            .collect()
    };
    let list = |v: &[(&str, bool)]| -> Vec<(String, bool)> {
        v.iter().map(|(c, a)| (c.to_string(), *a)).collect()
    };
    assert_eq!(
        crons(&d["schedules"]),
        list(&[
            ("3 * * * *", true),
            ("2 * * * *", true),
            ("1 * * * *", true)
        ])
    );
    let (s, _) = app
        .post(&format!("/deployments/{id}/schedules"), json!([cron(4)]))
        .await;
    assert_eq!(s, StatusCode::CREATED);
    let (_, all) = app.get(&format!("/deployments/{id}/schedules")).await;
    let second = all[2]["id"].as_str().unwrap().to_string();
    assert_eq!(all[2]["schedule"]["cron"], "2 * * * *");
    let (s, _) = app
        .patch(
            &format!("/deployments/{id}/schedules/{second}"),
            json!({"active": false}),
        )
        .await;
    assert_eq!(s, StatusCode::NO_CONTENT);
    let (_, all) = app.get(&format!("/deployments/{id}/schedules")).await;
    assert_eq!(
        crons(&all),
        list(&[
            ("2 * * * *", false),
            ("4 * * * *", true),
            ("3 * * * *", true),
            ("1 * * * *", true)
        ])
    );
    let (_, d) = app.get(&format!("/deployments/{id}")).await;
    assert_eq!(crons(&d["schedules"]), crons(&all));
    app.stop().await;
}
