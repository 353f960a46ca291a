//! `GET /metrics`: every line is valid exposition text, and the numbers move with what happens (runs by
//! state, late runs, dispatch latency, worker heartbeats, request latency by route pattern, database size).

use crate::helpers::*;
use reqwest::StatusCode;
use serde_json::json;
use std::collections::HashMap;

/// One sample: metric name, labels, value.
type Sample = (String, HashMap<String, String>, f64);

fn is_name(s: &str) -> bool {
    let mut chars = s.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_' || c == ':')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_' || c == ':')
}

fn parse_labels(s: &str) -> Result<HashMap<String, String>, String> {
    let mut out = HashMap::new();
    let mut rest = s;
    while !rest.is_empty() {
        let (key, after) = rest.split_once("=\"").ok_or(format!("no =\" in {rest}"))?;
        if !is_name(key) {
            return Err(format!("bad label name {key}"));
        }
        let mut value = String::new();
        let mut chars = after.char_indices();
        let end = loop {
            match chars.next() {
                Some((_, '\\')) => match chars.next() {
                    Some((_, 'n')) => value.push('\n'),
                    Some((_, c @ ('\\' | '"'))) => value.push(c),
                    other => return Err(format!("bad escape {other:?}")),
                },
                Some((i, '"')) => break i,
                Some((_, c)) => value.push(c),
                None => return Err("unterminated label value".into()),
            }
        };
        out.insert(key.to_string(), value);
        rest = &after[end + 1..];
        rest = rest.strip_prefix(',').unwrap_or(rest);
    }
    Ok(out)
}

/// Parses the exposition, failing on any line that is not valid.
fn parse(text: &str) -> Vec<Sample> {
    let mut samples = Vec::new();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(
        lines.last(),
        Some(&"# EOF"),
        "OpenMetrics text ends with # EOF"
    );
    for line in &lines[..lines.len() - 1] {
        if let Some(meta) = line.strip_prefix("# ") {
            let mut parts = meta.splitn(3, ' ');
            let (kind, name) = (parts.next().unwrap(), parts.next().unwrap_or(""));
            assert!(
                ["HELP", "TYPE", "UNIT"].contains(&kind),
                "bad comment: {line}"
            );
            assert!(is_name(name), "bad metric name in {line}");
            if kind == "TYPE" {
                let t = parts.next().unwrap_or("");
                assert!(
                    ["counter", "gauge", "histogram", "info", "unknown"].contains(&t),
                    "{line}"
                );
            }
            continue;
        }
        let (series, value) = line
            .rsplit_once(' ')
            .unwrap_or_else(|| panic!("no value: {line}"));
        let (name, labels) = match series.split_once('{') {
            Some((n, l)) => (
                n,
                parse_labels(l.strip_suffix('}').expect("closing brace"))
                    .unwrap_or_else(|e| panic!("{e}: {line}")),
            ),
            None => (series, HashMap::new()),
        };
        assert!(is_name(name), "bad sample name: {line}");
        let v: f64 = match value {
            "+Inf" => f64::INFINITY,
            "-Inf" => f64::NEG_INFINITY,
            v => v.parse().unwrap_or_else(|_| panic!("bad value: {line}")),
        };
        samples.push((name.to_string(), labels, v));
    }
    samples
}

fn value(samples: &[Sample], name: &str, labels: &[(&str, &str)]) -> f64 {
    samples
        .iter()
        .find(|(n, l, _)| {
            n == name
                && labels
                    .iter()
                    .all(|(k, v)| l.get(*k).map(String::as_str) == Some(*v))
        })
        .map(|s| s.2)
        .unwrap_or_else(|| panic!("no sample {name} {labels:?}"))
}

async fn scrape(app: &TestApp) -> Vec<Sample> {
    let r = app
        .client
        .get(format!("http://{}/metrics", app.addr))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let ct = r.headers()["content-type"].to_str().unwrap().to_string();
    assert!(ct.starts_with("application/openmetrics-text"), "{ct}");
    parse(&r.text().await.unwrap())
}

#[tokio::test]
async fn metrics_parse_and_move() {
    let app = spawn_app_without_worker().await;
    let before = scrape(&app).await;
    assert_eq!(
        value(&before, "baton_flow_runs", &[("state", "SCHEDULED")]),
        0.0
    );
    assert_eq!(
        value(&before, "baton_dispatch_latency_seconds_count", &[]),
        0.0
    );
    assert!(value(&before, "baton_database_size_bytes", &[]) > 0.0);
    let (writes, commits) = (
        value(&before, "baton_database_writes", &[]),
        value(&before, "baton_database_commits", &[]),
    );
    assert!(
        writes >= 1.0 && commits >= 1.0 && commits <= writes,
        "{writes} {commits}"
    );

    let flow = app.flow("metered").await;
    let past = (chrono::Utc::now() - chrono::Duration::seconds(3)).to_rfc3339();
    let run = app
        .run(
            &flow,
            json!({"state": {"type": "SCHEDULED", "state_details": {"scheduled_time": past}}}),
        )
        .await;
    let id = run.id.as_str();
    let (_, r) = app.get(&format!("/flow_runs/{id}")).await;
    assert_eq!(r["state"]["type"], "SCHEDULED");
    let (st, out) = app.set_state(id, json!({"type": "PENDING"}), false).await;
    assert_eq!(st, StatusCode::CREATED, "{out}");
    assert_eq!(out["status"], "ACCEPT", "{out}");
    let (st, _) = app
        .post(
            "/work_pools/default/workers/heartbeat",
            json!({"name": "w1"}),
        )
        .await;
    assert!(st.is_success());
    for _ in 0..3 {
        app.get(&format!("/flows/{flow}")).await;
    }

    let after = scrape(&app).await;
    assert_eq!(
        value(&after, "baton_flow_runs", &[("state", "PENDING")]),
        1.0
    );
    assert_eq!(
        value(&after, "baton_flow_runs", &[("state", "SCHEDULED")]),
        0.0
    );
    assert_eq!(
        value(&after, "baton_dispatch_latency_seconds_count", &[]),
        1.0
    );
    let latency = value(&after, "baton_dispatch_latency_seconds_sum", &[]);
    assert!(
        (2.5..600.0).contains(&latency),
        "claimed ~3 s after its time: {latency}"
    );
    assert_eq!(
        value(
            &after,
            "baton_dispatch_latency_seconds_bucket",
            &[("le", "+Inf")]
        ),
        1.0
    );
    assert_eq!(
        value(
            &after,
            "baton_worker_heartbeats_total",
            &[("pool", "default")]
        ),
        1.0
    );
    let age = value(
        &after,
        "baton_worker_heartbeat_age_seconds",
        &[("pool", "default"), ("worker", "w1")],
    );
    assert!((0.0..60.0).contains(&age), "{age}");
    let flows_get = value(
        &after,
        "baton_http_request_duration_seconds_count",
        &[
            ("route", "/api/flows/{id}"),
            ("method", "GET"),
            ("status", "200"),
        ],
    );
    assert_eq!(flows_get, 3.0, "one series per route pattern");
    assert!(value(&after, "baton_scheduler_ticks_total", &[]) >= 1.0);
    app.stop().await;
}

#[tokio::test]
async fn late_runs_are_counted() {
    let app = spawn_app_without_worker().await;
    let flow = app.flow("late").await;
    let past = (chrono::Utc::now() - chrono::Duration::minutes(5)).to_rfc3339();
    let run = app
        .run(
            &flow,
            json!({"state": {"type": "SCHEDULED", "state_details": {"scheduled_time": past}}}),
        )
        .await;
    let id = run.id.clone();
    poll_until(
        "the run to turn Late",
        std::time::Duration::from_secs(20),
        || app.flow_run(&id),
        |r| r.state.as_ref().is_some_and(|s| s.name == "Late"),
    )
    .await;
    assert_eq!(value(&scrape(&app).await, "baton_late_runs", &[]), 1.0);
    app.stop().await;
}
