//! `baton serve --auth user:pass`: every route needs HTTP basic auth (health and ready excepted, as in
//! Prefect), a wrong or missing credential is a 401 with no data, websockets authenticate by header or by
//! their first `auth` message, and Baton's CLI sends `BATON_AUTH_STRING`.

use crate::helpers::*;
use futures_util::{SinkExt, StreamExt};
use reqwest::StatusCode;
use serde_json::{json, Value};
use std::time::Duration;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::Message;

const AUTH: &str = "admin:s3cret pass";

fn basic(auth: &str) -> String {
    use base64::Engine;
    format!(
        "Basic {}",
        base64::engine::general_purpose::STANDARD.encode(auth)
    )
}

async fn with_auth() -> TestApp {
    spawn_with(|c| c.auth = Some(AUTH.into())).await
}

async fn status_of(app: &TestApp, path: &str, auth: Option<&str>) -> (StatusCode, String) {
    let mut req = app.client.get(format!("http://{}{path}", app.addr));
    if let Some(a) = auth {
        req = req.header("authorization", a);
    }
    let r = req.send().await.unwrap();
    let st = r.status();
    (st, r.text().await.unwrap())
}

#[tokio::test]
async fn every_route_needs_the_credentials() {
    let app = with_auth().await;
    let good = basic(AUTH);
    for path in [
        "/api/flows/filter",
        "/api/variables/filter",
        "/api/artifacts/filter",
    ] {
        let r = app
            .client
            .post(format!("http://{}{path}", app.addr))
            .json(&json!({}))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::UNAUTHORIZED, "{path}");
        assert_eq!(
            r.headers().get("www-authenticate").unwrap(),
            "Basic realm=\"baton\""
        );
        let body: Value = r.json().await.unwrap();
        assert_eq!(body["detail"], "Unauthorized");
    }
    for wrong in [
        basic("admin:nope"),
        basic("admin:s3cret pas"),
        "Bearer abc".into(),
        "Basic %%%".into(),
    ] {
        let (st, body) = status_of(&app, "/api/admin/version", Some(&wrong)).await;
        assert_eq!(st, StatusCode::UNAUTHORIZED, "{wrong}");
        assert!(!body.contains("3."), "no data in a 401: {body}");
    }
    for path in [
        "/",
        "/api/no-such-route",
        "/anything/else",
        "/api/admin/version",
    ] {
        let (st, _) = status_of(&app, path, None).await;
        assert_eq!(st, StatusCode::UNAUTHORIZED, "{path}");
    }
    let (st, body) = status_of(&app, "/api/admin/version", Some(&good)).await;
    assert_eq!(st, StatusCode::OK, "{body}");
    let r = app
        .client
        .post(app.url("/variables/"))
        .header("authorization", &good)
        .json(&json!({"name": "x", "value": 1}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::CREATED);
    for open in ["/api/health", "/api/ready"] {
        let (st, _) = status_of(&app, open, None).await;
        assert_eq!(
            st,
            StatusCode::OK,
            "{open} stays open for probes, as in Prefect"
        );
    }
    let r = app.client.post(app.url("/health")).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED, "only GET is open");
    app.stop().await;
}

type Ws =
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

async fn ws(app: &TestApp, path: &str, header: Option<&str>) -> Result<Ws, String> {
    let mut req = format!("ws://{}/api{path}", app.addr)
        .into_client_request()
        .unwrap();
    req.headers_mut()
        .insert("Sec-WebSocket-Protocol", "prefect".parse().unwrap());
    if let Some(h) = header {
        req.headers_mut()
            .insert("authorization", h.parse().unwrap());
    }
    tokio_tungstenite::connect_async(req)
        .await
        .map(|(ws, _)| ws)
        .map_err(|e| e.to_string())
}

/// Sends an auth message and returns the first answer: a JSON text, or `close <code>`.
async fn auth_answer(ws: &mut Ws, token: Value) -> String {
    ws.send(Message::Text(
        json!({"type": "auth", "token": token}).to_string().into(),
    ))
    .await
    .unwrap();
    let msg = tokio::time::timeout(Duration::from_secs(10), ws.next())
        .await
        .expect("an answer in time");
    match msg {
        Some(Ok(Message::Text(t))) => t.to_string(),
        Some(Ok(Message::Close(Some(f)))) => format!("close {}", u16::from(f.code)),
        other => format!("{other:?}"),
    }
}

#[tokio::test]
async fn websockets_authenticate_by_header_or_token() {
    let app = with_auth().await;
    let ok = json!({"type": "auth_success"}).to_string();
    for path in [
        "/events/out",
        "/events/in",
        "/logs/out",
        "/work_pools/default/workers/connect",
    ] {
        let mut s = ws(&app, path, None).await.unwrap();
        assert_eq!(
            auth_answer(&mut s, json!("admin:wrong")).await,
            "close 1008",
            "{path}"
        );
        let mut s = ws(&app, path, None).await.unwrap();
        assert_eq!(
            auth_answer(&mut s, json!(null)).await,
            "close 1008",
            "{path}"
        );
        let mut s = ws(&app, path, None).await.unwrap();
        assert_eq!(auth_answer(&mut s, json!(AUTH)).await, ok, "{path}");
        let mut s = ws(&app, path, Some(&basic(AUTH))).await.unwrap();
        assert_eq!(auth_answer(&mut s, json!(null)).await, ok, "{path}");
        // Prefect's subscribers ping before they authenticate: the ping is answered, not taken for auth.
        let mut s = ws(&app, path, None).await.unwrap();
        s.send(Message::Ping(b"hi".to_vec().into())).await.unwrap();
        let pong = tokio::time::timeout(Duration::from_secs(10), s.next()).await;
        assert!(
            matches!(pong, Ok(Some(Ok(Message::Pong(_))))),
            "{path}: {pong:?}"
        );
        assert_eq!(auth_answer(&mut s, json!(AUTH)).await, ok, "{path}");
    }
    let err = ws(&app, "/events/out", Some(&basic("admin:wrong"))).await;
    assert!(err.is_err(), "a wrong header is refused at the upgrade");
    app.stop().await;
}

async fn cli(app: &TestApp, auth: Option<&str>, args: &[&str]) -> (i32, String, String) {
    let mut cmd = tokio::process::Command::new(env!("CARGO_BIN_EXE_baton"));
    cmd.arg("--api")
        .arg(&app.base)
        .args(args)
        .env_remove("BATON_AUTH_STRING")
        .env_remove("PREFECT_API_AUTH_STRING")
        .env("NO_COLOR", "1")
        .stdin(std::process::Stdio::null());
    if let Some(a) = auth {
        cmd.env("BATON_AUTH_STRING", a);
    }
    let out = tokio::time::timeout(Duration::from_secs(20), cmd.output())
        .await
        .unwrap()
        .unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[tokio::test]
async fn the_cli_sends_baton_auth_string() {
    let app = with_auth().await;
    let (code, out, err) = cli(&app, Some(AUTH), &["variable", "set", "v", "1"]).await;
    assert_eq!(code, 0, "{out}\n{err}");
    let (code, out, _) = cli(&app, Some(AUTH), &["work-pool", "ls"]).await;
    assert_eq!(code, 0);
    assert!(out.contains("default"), "{out}");
    let (code, _, err) = cli(&app, None, &["variable", "get", "v"]).await;
    assert_eq!(code, 1);
    assert!(err.contains("Unauthorized"), "{err}");
    let (code, _, err) = cli(&app, Some("admin:wrong"), &["variable", "get", "v"]).await;
    assert_eq!(code, 1);
    assert!(err.contains("Unauthorized"), "{err}");
    app.stop().await;
}

/// Ends the worker process when the test ends, passing or failing.
struct Reap(std::process::Child);

impl Drop for Reap {
    fn drop(&mut self) {
        let _ = nix::sys::signal::kill(
            nix::unistd::Pid::from_raw(self.0.id() as i32),
            nix::sys::signal::Signal::SIGTERM,
        );
        let _ = self.0.wait();
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_remote_worker_and_its_runs_authenticate() {
    let mut app = with_auth().await;
    let mut headers = reqwest::header::HeaderMap::new();
    headers.insert("authorization", basic(AUTH).parse().unwrap());
    app.client = reqwest::Client::builder()
        .default_headers(headers)
        .timeout(Duration::from_secs(20))
        .build()
        .unwrap();
    app.post("/work_pools/", json!({"name": "remote", "type": "process"}))
        .await;
    let worker = std::process::Command::new(env!("CARGO_BIN_EXE_baton"))
        .args([
            "worker",
            "start",
            "--pool",
            "remote",
            "--poll-seconds",
            "0.2",
            "--api",
            &app.base,
        ])
        .env("BATON_AUTH_STRING", AUTH)
        .env_remove("PREFECT_API_AUTH_STRING")
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let _worker = Reap(worker);
    let flow = app.flow("jobs").await;
    let check = "sh -c 'test \"$PREFECT_API_AUTH_STRING\" = \"$BATON_AUTH_STRING\" && echo creds-$BATON_AUTH_STRING'";
    let (_, d) = app
        .post(
            "/deployments/",
            json!({"name": "echo", "flow_id": flow, "work_pool_name": "remote",
            "job_variables": {"command": check}}),
        )
        .await;
    let id = app.deployment_run(d["id"].as_str().unwrap()).await;
    app.wait_state(&id, &["COMPLETED"], Duration::from_secs(30))
        .await;
    let want = format!("creds-{AUTH}");
    poll_until(
        "the credentials in the run's env",
        Duration::from_secs(10),
        || app.log_messages(&id),
        |lines| lines.iter().any(|l| l.contains(&want)),
    )
    .await;
    drop(_worker);
    app.stop().await;
}
