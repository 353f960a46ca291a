//! The dashboard's server side: pages of files (SPA fallback, embedded assets, no traversal), keyset pages
//! of runs, runs per interval and state, deployment summaries, and the live stream.

use crate::helpers::*;
use reqwest::StatusCode;
use serde_json::{json, Value};
use std::time::Duration;

#[tokio::test]
async fn pages_get_the_app_and_files_are_served_with_their_types() {
    let app = spawn_app_without_worker().await;
    for page in [
        "/",
        "/runs",
        "/runs/abc",
        "/deployments/x",
        "/work-pools/default",
        "/flows",
    ] {
        let r = app
            .client
            .get(format!("http://{}{page}", app.addr))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::OK, "{page}");
        assert!(r.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/html"));
        assert!(r.headers().contains_key("content-security-policy"));
        assert!(r.text().await.unwrap().contains("/ui/app.js"));
    }
    let js = app
        .client
        .get(format!("http://{}/ui/app.js", app.addr))
        .send()
        .await
        .unwrap();
    assert_eq!(js.status(), StatusCode::OK);
    assert!(js.headers()["content-type"]
        .to_str()
        .unwrap()
        .contains("javascript"));
    let etag = js.headers()["etag"].clone();
    let again = app
        .client
        .get(format!("http://{}/ui/app.js", app.addr))
        .header("if-none-match", etag)
        .send()
        .await
        .unwrap();
    assert_eq!(again.status(), StatusCode::NOT_MODIFIED);
    let css = app
        .client
        .get(format!(
            "http://{}/assets/vendor/uplot/uPlot.min.css",
            app.addr
        ))
        .send()
        .await
        .unwrap();
    assert!(css.headers()["content-type"]
        .to_str()
        .unwrap()
        .starts_with("text/css"));
    for bad in [
        "/ui/../Cargo.toml",
        "/ui/%2e%2e/Cargo.toml",
        "/assets/..%2f..%2fCargo.toml",
        "/ui/nope.js",
        "/favicon.ico",
    ] {
        let r = app
            .client
            .get(format!("http://{}{bad}", app.addr))
            .send()
            .await
            .unwrap();
        // A traversal the client did not normalise away is refused outright (400), see bad_input.rs.
        let status = r.status();
        assert!(
            status == StatusCode::NOT_FOUND || status == StatusCode::BAD_REQUEST,
            "{bad}: {status}"
        );
        let body: Value = r.json().await.unwrap();
        assert!(body["detail"].is_string(), "{bad}");
    }
    let (status, body) = app.get("/no-such-route-under-api").await;
    assert_detail(status, &body, StatusCode::NOT_FOUND, "no such API route");
    app.stop().await;
}

#[tokio::test]
async fn run_pages_walk_every_run_once_newest_first_with_names() {
    let app = spawn_app_without_worker().await;
    let flow = app.flow("paged").await;
    let (_, d) = app
        .post("/deployments/", json!({"name": "dep", "flow_id": flow}))
        .await;
    let at = "2026-01-01T00:00:00Z";
    let mut ids = Vec::new();
    for i in 0..7 {
        // Four runs share one expected start, so the id breaks the tie.
        let when = if i < 4 {
            at.to_string()
        } else {
            format!("2026-01-0{}T00:00:00Z", i - 2)
        };
        let r = app
            .run(
                &flow,
                json!({"name": format!("r{i}"), "deployment_id": d["id"],
                       "state": {"type": "SCHEDULED", "state_details": {"scheduled_time": when}}}),
            )
            .await;
        ids.push(r.id.clone());
    }
    let mut seen = Vec::new();
    let mut cursor = Value::Null;
    for _ in 0..10 {
        let (status, page) = app
            .post(
                "/baton/flow_runs/page",
                json!({"limit": 3, "cursor": cursor}),
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{page}");
        for r in page["results"].as_array().unwrap() {
            assert_eq!(r["flow_name"], "paged");
            assert_eq!(r["deployment_name"], "dep");
            seen.push(r["id"].as_str().unwrap().to_string());
        }
        cursor = page["next_cursor"].clone();
        if cursor.is_null() {
            break;
        }
    }
    let mut want = ids.clone();
    want.sort();
    let mut got = seen.clone();
    got.sort();
    assert_eq!(got, want, "every run exactly once");
    assert_eq!(seen[0], ids[6], "the newest expected start comes first");
    let (status, page) = app
        .post(
            "/baton/flow_runs/page",
            json!({"flow_runs": {"name": {"like_": "r1"}}, "work_pools": {"name": {"any_": ["nope"]}}}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{page}");
    assert_eq!(page["results"].as_array().unwrap().len(), 0);
    let (status, body) = app
        .post("/baton/flow_runs/page", json!({"cursor": "garbage"}))
        .await;
    assert_detail(status, &body, StatusCode::UNPROCESSABLE_ENTITY, "cursor");
    let (status, body) = app
        .post("/baton/flow_runs/page", json!({"limit": 100000}))
        .await;
    assert_detail(status, &body, StatusCode::UNPROCESSABLE_ENTITY, "limit");
    app.stop().await;
}

#[tokio::test]
async fn history_counts_runs_per_interval_and_state() {
    let app = spawn_app_without_worker().await;
    let flow = app.flow("hist").await;
    for (when, state) in [
        ("2026-01-01T00:10:00Z", "COMPLETED"),
        ("2026-01-01T00:20:00Z", "COMPLETED"),
        ("2026-01-01T00:30:00Z", "FAILED"),
        ("2026-01-01T02:30:00Z", "COMPLETED"),
        ("2026-01-01T05:00:00Z", "COMPLETED"),
    ] {
        let r = app
            .run(
                &flow,
                json!({"state": {"type": "SCHEDULED", "state_details": {"scheduled_time": when}}}),
            )
            .await;
        let id = r.id.as_str();
        app.propose(id, json!({"type": state}), true).await;
    }
    let (status, h) = app
        .post(
            "/flow_runs/history",
            json!({"history_start": "2026-01-01T00:00:00Z", "history_end": "2026-01-01T03:00:00Z",
                   "history_interval_seconds": 3600}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{h}");
    let h = h.as_array().unwrap();
    assert_eq!(h.len(), 3);
    assert_eq!(h[0]["interval_start"], "2026-01-01T00:00:00.000000Z");
    assert_eq!(h[2]["interval_end"], "2026-01-01T03:00:00.000000Z");
    let count = |i: usize, t: &str| -> i64 {
        h[i]["states"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|s| s["state_type"] == t)
            .map(|s| s["count_runs"].as_i64().unwrap())
            .sum()
    };
    assert_eq!((count(0, "COMPLETED"), count(0, "FAILED")), (2, 1));
    assert_eq!(count(1, "COMPLETED"), 0);
    assert_eq!(
        count(2, "COMPLETED"),
        1,
        "the 05:00 run is outside the range"
    );
    let (status, body) = app
        .post(
            "/flow_runs/history",
            json!({"history_start": "2026-01-01T00:00:00Z", "history_end": "2026-01-02T00:00:00Z",
                   "history_interval_seconds": 1}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let intervals = body.as_array().unwrap();
    assert_eq!(intervals.len(), 500, "at most 500 intervals, as Prefect");
    assert_eq!(
        intervals[499]["interval_end"],
        "2026-01-01T00:08:20.000000Z"
    );
    let (status, body) = app
        .post(
            "/flow_runs/history",
            json!({"history_start": "2026-01-02T00:00:00Z", "history_end": "2026-01-01T00:00:00Z",
                   "history_interval_seconds": 60}),
        )
        .await;
    assert_eq!((status, body), (StatusCode::OK, json!([])));
    app.stop().await;
}

#[tokio::test]
async fn deployment_summaries_give_next_and_last_runs_and_schedules_in_words() {
    let app = spawn_app_without_worker().await;
    let flow = app.flow("summed").await;
    let (_, d) = app
        .post(
            "/deployments/",
            json!({"name": "nightly", "flow_id": flow, "schedules": [
                {"schedule": {"cron": "0 2 * * *", "timezone": "Europe/Berlin"}, "active": true}]}),
        )
        .await;
    let id = d["id"].as_str().unwrap();
    let done = app.run(&flow, json!({"deployment_id": id})).await;
    app.propose(done.id.as_str(), json!({"type": "FAILED"}), true)
        .await;
    let s = poll_until(
        "the scheduler to make a run",
        Duration::from_secs(10),
        || async {
            let (status, s) = app
                .post("/baton/deployments/summary", json!({"ids": [id]}))
                .await;
            assert_eq!(status, StatusCode::OK, "{s}");
            s
        },
        |s| !s[0]["next_run"].is_null(),
    )
    .await;
    assert_eq!(s[0]["last_run"]["state_type"], "FAILED");
    assert_eq!(s[0]["next_run"]["state_type"], "SCHEDULED");
    assert_eq!(
        s[0]["schedules"][0]["description"],
        "every day at 02:00 Europe/Berlin"
    );
    let (status, body) = app
        .post("/baton/deployments/summary", json!({"ids": ["x"]}))
        .await;
    assert_detail(status, &body, StatusCode::UNPROCESSABLE_ENTITY, "ids.0");
    app.stop().await;
}

#[tokio::test]
async fn the_live_stream_carries_state_changes_and_the_runs_log_lines() {
    let app = spawn_app_without_worker().await;
    let flow = app.flow("live").await;
    let run = app.run(&flow, json!({})).await;
    let id = run.id.clone();
    let resp = app
        .client
        .get(format!("{}/baton/live?flow_run_id={id}", app.base))
        .send()
        .await
        .unwrap();
    assert!(resp.headers()["content-type"]
        .to_str()
        .unwrap()
        .starts_with("text/event-stream"));
    let mut resp = resp;
    app.propose(&id, json!({"type": "RUNNING"}), false).await;
    app.post(
        "/logs/",
        json!([{"name": "t", "level": 20, "message": "a live line", "timestamp": "2026-01-01T00:00:00Z", "flow_run_id": id},
               {"name": "t", "level": 20, "message": "another run's line", "timestamp": "2026-01-01T00:00:00Z",
                "flow_run_id": "00000000-0000-0000-0000-000000000000"}]),
    )
    .await;
    let mut text = String::new();
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    while !(text.contains("event: flow_run") && text.contains("a live line")) {
        let chunk = tokio::time::timeout_at(deadline, resp.chunk())
            .await
            .unwrap_or_else(|_| panic!("stream so far: {text}"))
            .unwrap()
            .expect("the stream stays open");
        text.push_str(&String::from_utf8_lossy(&chunk));
    }
    assert!(text.contains("\"state_type\":\"RUNNING\""), "{text}");
    assert!(!text.contains("another run's line"), "{text}");
    let (status, body) = app.get("/baton/live?flow_run_id=nope").await;
    assert_detail(
        status,
        &body,
        StatusCode::UNPROCESSABLE_ENTITY,
        "flow_run_id",
    );
    app.stop().await;
}

#[tokio::test]
async fn a_steadily_printing_command_ships_its_lines_while_it_runs() {
    let app = spawn_app().await;
    let flow = app.flow("ticker").await;
    let (_, d) = app
        .post(
            "/deployments/",
            json!({"name": "tick", "flow_id": flow, "work_pool_name": "default",
                   "job_variables": {"command": "sh -c 'for i in $(seq 1 100); do echo tick $i; sleep 0.1; done'"}}),
        )
        .await;
    let id = &app.deployment_run(d["id"].as_str().unwrap()).await;
    let (_, run) = poll_until(
        "three lines while the run runs",
        Duration::from_secs(8),
        || async { (app.log_messages(id).await.len(), app.flow_run(id).await) },
        |(lines, _)| *lines >= 3,
    )
    .await;
    assert_eq!(
        run.state_type.as_deref(),
        Some("RUNNING"),
        "lines arrived only at the end"
    );
    app.propose(id, json!({"type": "CANCELLING"}), false).await;
    app.stop().await;
}
