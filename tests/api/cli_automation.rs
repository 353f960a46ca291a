//! `baton automation ls | inspect | pause | resume | delete` and `baton event ls` against a real server:
//! triggers and actions in words, what an automation did lately, and errors that name what is wrong.

use crate::cli::baton;
use crate::helpers::*;
use serde_json::json;
use std::time::Duration;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn automation_and_event_commands() {
    let app = spawn_app_without_worker().await;
    let r = baton(&app, &["automation", "ls"]).await.ok();
    assert!(r.stdout.contains("No automations yet"), "{}", r.stdout);
    let body = json!({"name": "hot", "actions": [{"type": "do-nothing"}],
        "trigger": {"type": "event", "expect": ["sensor.hot"], "posture": "Reactive", "threshold": 1, "within": 0}});
    let (_, a) = app.post("/automations/", body).await;
    let id = a["id"].as_str().unwrap().to_string();
    let r = baton(&app, &["automation", "ls"]).await.ok();
    assert!(
        r.stdout.contains("When sensor.hot happens 1 time"),
        "{}",
        r.stdout
    );
    assert!(r.stdout.contains("Do nothing"), "{}", r.stdout);

    let e = json!([{"id": uuid::Uuid::new_v4(), "occurred": baton::domain::time::format(chrono::Utc::now()),
                    "event": "sensor.hot", "resource": {"prefect.resource.id": "sensor.1"}}]);
    app.post("/events", e).await;
    poll_until(
        "the automation fired",
        Duration::from_secs(10),
        || async { baton(&app, &["automation", "inspect", "hot"]).await.stdout },
        |out| out.contains("action.executed (do-nothing)"),
    )
    .await;

    baton(&app, &["automation", "pause", "hot"]).await.ok();
    let (_, read) = app.get(&format!("/automations/{id}")).await;
    assert_eq!(read["enabled"], false);
    baton(&app, &["automation", "resume", &id]).await.ok();
    let (_, read) = app.get(&format!("/automations/{id}")).await;
    assert_eq!(read["enabled"], true);
    let r = baton(&app, &["automation", "pause", "nope"]).await;
    assert_ne!(r.code, 0);
    assert!(
        r.stderr.contains("no automation is named 'nope'"),
        "{}",
        r.stderr
    );

    let r = baton(&app, &["event", "ls", "--name", "sensor."])
        .await
        .ok();
    assert!(
        r.stdout.contains("sensor.hot") && r.stdout.contains("sensor.1"),
        "{}",
        r.stdout
    );
    assert!(!r.stdout.contains("prefect.automation"), "{}", r.stdout);
    let r = baton(
        &app,
        &[
            "-o",
            "json",
            "event",
            "ls",
            "--name",
            "prefect.automation.action",
        ],
    )
    .await
    .ok();
    let names: Vec<String> = r
        .json()
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["event"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(
        names,
        [
            "prefect.automation.action.triggered",
            "prefect.automation.action.executed"
        ],
        "oldest first"
    );

    baton(&app, &["automation", "delete", "hot"]).await.ok();
    let (status, _) = app.get(&format!("/automations/{id}")).await;
    assert_eq!(status, reqwest::StatusCode::NOT_FOUND);
    app.stop().await;
}
