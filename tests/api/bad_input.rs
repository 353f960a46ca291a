//! Bad input (DESIGN §10): oversized bodies, deep JSON, invalid UTF-8, huge limits, unknown fields, path
//! traversal in dashboard paths and entrypoints, wrong methods and non-upgrade websocket calls. Each gets a
//! 4xx JSON answer whose `detail` says what is wrong, and nothing is stored.

use crate::helpers::{assert_detail, spawn_app, TestApp};
use reqwest::StatusCode;
use serde_json::{json, Value};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// Sends `request_line` verbatim (no client-side path normalisation) and returns (status, JSON body).
async fn raw_get(app: &TestApp, target: &str) -> (u16, Value) {
    let mut s = tokio::net::TcpStream::connect(app.addr).await.unwrap();
    let req = format!("GET {target} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n");
    s.write_all(req.as_bytes()).await.unwrap();
    let mut out = Vec::new();
    s.read_to_end(&mut out).await.unwrap();
    let text = String::from_utf8_lossy(&out);
    let status = text
        .split_whitespace()
        .nth(1)
        .and_then(|c| c.parse().ok())
        .unwrap_or(0);
    let body = text.split_once("\r\n\r\n").map_or("", |b| b.1);
    (status, serde_json::from_str(body).unwrap_or(Value::Null))
}

#[tokio::test]
async fn an_oversized_body_is_413_with_a_detail() {
    let app = spawn_app().await;
    let big = vec![b' '; baton::api::MAX_BODY_BYTES + 1024];
    let r = app
        .client
        .post(app.url("/logs/"))
        .header("content-type", "application/json")
        .body(big)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::PAYLOAD_TOO_LARGE);
    let body: Value = r.json().await.unwrap();
    assert!(
        body["detail"].as_str().unwrap().contains("length limit"),
        "{body}"
    );
    app.stop().await;
}

#[tokio::test]
async fn deeply_nested_json_is_refused_not_overflowed() {
    let app = spawn_app().await;
    let depth = 100_000;
    let deep = format!("{}{}", "[".repeat(depth), "]".repeat(depth));
    let nested_obj = format!(
        "{{\"name\":\"x\",\"labels\":{}1{}}}",
        "{\"a\":".repeat(depth),
        "}".repeat(depth)
    );
    for (path, body, needle) in [
        ("/flow_runs/filter", deep.clone(), "recursion limit"),
        ("/flows/", nested_obj, "recursion limit"),
        ("/logs/", deep, "Invalid request body"),
    ] {
        let r = app
            .client
            .post(app.url(path))
            .header("content-type", "application/json")
            .body(body)
            .send()
            .await
            .unwrap();
        let status = r.status();
        let v: Value = r.json().await.unwrap();
        assert_detail(status, &v, StatusCode::UNPROCESSABLE_ENTITY, needle);
    }
    let (_, flows) = app.post("/flows/filter", json!({})).await;
    assert_eq!(flows, json!([]), "nothing was stored");
    app.stop().await;
}

#[tokio::test]
async fn invalid_utf8_is_422_naming_utf8() {
    let app = spawn_app().await;
    let (status, body) = app.post_raw("/flows/", b"{\"name\": \"\xff\xfe\"}").await;
    assert_detail(status, &body, StatusCode::UNPROCESSABLE_ENTITY, "UTF-8");
    let (status, body) = app.post_raw("/flow_runs/filter", b"\xc3\x28").await;
    assert_detail(status, &body, StatusCode::UNPROCESSABLE_ENTITY, "UTF-8");
    app.stop().await;
}

#[tokio::test]
async fn huge_limits_and_offsets_are_capped_or_refused() {
    let app = spawn_app().await;
    let flow = app.flow("f").await;
    for _ in 0..3 {
        app.run(&flow, json!({})).await;
    }
    for body in [
        json!({"limit": u64::MAX}),
        json!({"limit": 1_000_000_000_000u64, "offset": 0}),
        json!({"offset": u64::MAX}),
        json!({"offset": i64::MAX}),
        json!({"limit": 200, "offset": 1u64 << 63}),
    ] {
        let (status, runs) = app.post("/flow_runs/filter", body.clone()).await;
        assert_eq!(status, StatusCode::OK, "{body} -> {runs}");
        assert!(runs.as_array().unwrap().len() <= 3);
    }
    for (body, needle) in [
        (json!({"limit": -1}), "limit"),
        (json!({"limit": 1.5}), "limit"),
        (json!({"offset": "9"}), "offset"),
        (json!({"limit": 1e300}), "limit"),
    ] {
        let (status, v) = app.post("/flow_runs/filter", body).await;
        assert_detail(status, &v, StatusCode::UNPROCESSABLE_ENTITY, needle);
    }
    let (status, v) = app
        .post(
            "/logs/filter",
            json!({"limit": u64::MAX, "offset": u64::MAX}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{v}");
    app.stop().await;
}

#[tokio::test]
async fn unknown_filter_fields_are_named() {
    let app = spawn_app().await;
    let (status, v) = app
        .post("/flow_runs/filter", json!({"flow_runz": {}}))
        .await;
    assert_detail(status, &v, StatusCode::UNPROCESSABLE_ENTITY, "flow_runz");
    let (status, v) = app
        .post(
            "/baton/schedules/preview",
            json!({"schedule": {"interval": 60}, "bogus": 1}),
        )
        .await;
    assert_detail(status, &v, StatusCode::UNPROCESSABLE_ENTITY, "bogus");
    app.stop().await;
}

#[tokio::test]
async fn dashboard_path_traversal_is_refused_in_every_encoding() {
    let app = spawn_app().await;
    for target in [
        "/ui/../Cargo.toml",
        "/ui/%2e%2e/Cargo.toml",
        "/ui/%2E%2E%2F%2E%2E%2FCargo.toml",
        "/assets/..%2f..%2fCargo.toml",
        "/assets/%252e%252e/%252e%252e/Cargo.toml",
        "/ui/..%5c..%5cCargo.toml",
        "/ui/%00",
        "/../../etc/passwd",
    ] {
        let (status, body) = raw_get(&app, target).await;
        assert_eq!(status, 400, "{target}: {body}");
        assert!(
            body["detail"]
                .as_str()
                .is_some_and(|d| d.starts_with("Invalid dashboard path")),
            "{target}: {body}"
        );
    }
    let (status, _) = raw_get(&app, "/ui/app.js").await;
    assert_eq!(status, 200);
    app.stop().await;
}

#[tokio::test]
async fn entrypoints_that_leave_the_working_dir_are_refused() {
    let app = spawn_app().await;
    let flow = app.flow("f").await;
    for e in [
        "../../etc/evil.py:main",
        "flows/../../x.py:f",
        "..\\x.py:f",
        "a.py\u{0}:f",
    ] {
        let (status, v) = app
            .post(
                "/deployments/",
                json!({"name": "d", "flow_id": flow, "entrypoint": e}),
            )
            .await;
        assert_detail(status, &v, StatusCode::UNPROCESSABLE_ENTITY, "entrypoint");
    }
    let (_, n) = app.post("/deployments/count", json!({})).await;
    assert_eq!(n, json!(0));
    let (status, v) = app
        .post(
            "/deployments/",
            json!({"name": "d", "flow_id": flow, "entrypoint": "flows/etl..v2.py:main"}),
        )
        .await;
    assert_eq!(
        status,
        StatusCode::CREATED,
        "dots inside a name are fine: {v}"
    );
    app.stop().await;
}

#[tokio::test]
async fn banned_name_characters_are_refused() {
    let app = spawn_app().await;
    for name in ["a/b", "x%y", "<script>", "nul\u{0}"] {
        let (status, v) = app.post("/flows/", json!({"name": name})).await;
        assert_detail(
            status,
            &v,
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid character",
        );
    }
    app.stop().await;
}

#[tokio::test]
async fn framework_rejections_are_json_with_a_detail() {
    let app = spawn_app().await;
    let r = app.client.put(app.url("/flows/")).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::METHOD_NOT_ALLOWED);
    let v: Value = r.json().await.unwrap();
    assert!(v["detail"].is_string(), "{v}");
    for path in [
        "/events/in",
        "/events/out",
        "/work_pools/default/workers/connect",
    ] {
        let (status, v) = app.get(path).await;
        assert!(status.is_client_error(), "{path}: {status}");
        assert!(v["detail"].is_string(), "{path}: {v}");
    }
    let (status, v) = raw_get(&app, "/api/work_pools/%ff%fe").await;
    assert!((400..500).contains(&status), "{status} {v}");
    assert!(v["detail"].is_string(), "{v}");
    let (status, v) = app.get("/flows/not-a-uuid").await;
    assert_detail(
        status,
        &v,
        StatusCode::UNPROCESSABLE_ENTITY,
        "not a valid UUID",
    );
    app.stop().await;
}

#[tokio::test]
async fn the_openapi_document_lists_every_operation_and_each_is_routed() {
    let app = spawn_app().await;
    let (status, doc) = app.get("/openapi.json").await;
    assert_eq!(status, StatusCode::OK);
    assert!(doc["openapi"].as_str().unwrap().starts_with("3."));
    let paths = doc["paths"].as_object().unwrap();
    assert!(paths.len() > 60, "{} paths", paths.len());
    let mut checked = 0;
    for (path, ops) in paths {
        if path == "/baton/live" {
            continue; // an endless event stream
        }
        let concrete = path
            .replace("{id}", "00000000-0000-0000-0000-000000000000")
            .replace("{schedule_id}", "00000000-0000-0000-0000-000000000000")
            .replace('{', "x")
            .replace('}', "");
        for method in ops.as_object().unwrap().keys() {
            let m = reqwest::Method::from_bytes(method.to_uppercase().as_bytes()).unwrap();
            let r = app
                .client
                .request(m, app.url(&concrete))
                .header("content-type", "application/json")
                .body("{}")
                .send()
                .await
                .unwrap();
            let status = r.status();
            let v: Value = r.json().await.unwrap_or(Value::Null);
            assert_ne!(status, StatusCode::METHOD_NOT_ALLOWED, "{method} {path}");
            assert!(!status.is_server_error(), "{method} {path}: {v}");
            assert!(
                v["detail"] != json!("Not Found: no such API route"),
                "{method} {path} is documented but not routed"
            );
            checked += 1;
        }
    }
    assert!(checked > 80, "{checked} operations");
    app.stop().await;
}
