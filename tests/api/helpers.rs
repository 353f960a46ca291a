//! `spawn_app()`: a real server on 127.0.0.1:0 over a temp data dir, a small typed client, and
//! `poll_until`: the one way tests wait for something to happen.

use baton::app::App;
use baton::config::ServeConfig;
pub use baton::wire::flow_runs::FlowRun;
use baton::wire::states::OrchestrationResult;
use reqwest::StatusCode;
use serde_json::{json, Value};
use std::fmt::Debug;
use std::future::Future;
use std::time::{Duration, Instant};
use tokio::sync::oneshot;

pub struct TestApp {
    pub base: String,
    pub addr: std::net::SocketAddr,
    pub client: reqwest::Client,
    /// The server's data dir.
    pub home: std::path::PathBuf,
    stop: Option<oneshot::Sender<()>>,
    handle: Option<tokio::task::JoinHandle<anyhow::Result<()>>>,
    _dir: tempfile::TempDir,
    _db: Option<TestDatabase>,
}

/// A PostgreSQL database of its own for one test, when `BATON_TEST_DATABASE_URL` names a server (the test
/// command sets it for the PostgreSQL run); dropped with the test.
pub struct TestDatabase {
    admin: String,
    name: String,
    pub url: String,
}

impl TestDatabase {
    /// A new empty database on the server `BATON_TEST_DATABASE_URL` names; `None` without it.
    pub fn create() -> Option<TestDatabase> {
        let admin = std::env::var("BATON_TEST_DATABASE_URL")
            .ok()
            .filter(|u| !u.is_empty())?;
        let name = format!("t_{}", uuid::Uuid::new_v4().simple());
        let base = admin
            .rsplit_once('/')
            .map_or(admin.as_str(), |(b, _)| b)
            .to_string();
        let url = format!("{base}/{name}");
        pg_admin(&admin, &format!("CREATE DATABASE {name}"));
        Some(TestDatabase { admin, name, url })
    }
}

impl Drop for TestDatabase {
    fn drop(&mut self) {
        pg_admin(
            &self.admin,
            &format!("DROP DATABASE IF EXISTS {} WITH (FORCE)", self.name),
        );
    }
}

/// Runs one statement on the PostgreSQL server (on a thread of its own: the `postgres` crate runs its own
/// runtime, which cannot start inside the test's).
fn pg_admin(url: &str, sql: &str) {
    let (url, sql) = (url.to_string(), sql.to_string());
    std::thread::spawn(move || {
        let mut c = postgres::Client::connect(&url, postgres::NoTls)
            .expect("connect to the test PostgreSQL");
        c.batch_execute(&sql)
            .expect("run an admin statement on the test PostgreSQL");
    })
    .join()
    .expect("the PostgreSQL admin thread");
}

pub async fn spawn_app() -> TestApp {
    spawn_with(|_| {}).await
}

/// A server whose in-process worker is off (runs wait for a remote worker).
pub async fn spawn_app_without_worker() -> TestApp {
    spawn_with(|c| c.worker_pools.clear()).await
}

pub async fn spawn_with(adjust: impl FnOnce(&mut ServeConfig)) -> TestApp {
    // The server's errors go into the failing test's output.
    let _ = tracing_subscriber::fmt()
        .with_env_filter("baton=error")
        .with_test_writer()
        .try_init();
    let dir = tempfile::tempdir().unwrap();
    let mut config = ServeConfig::new("127.0.0.1:0".parse().unwrap(), dir.path().join("home"));
    let db = TestDatabase::create();
    config.database = db.as_ref().map(|d| d.url.clone());
    adjust(&mut config);
    let home = config.home.clone();
    let app = App::build(config).await.unwrap();
    let addr = app.addr();
    let (tx, rx) = oneshot::channel::<()>();
    let handle = tokio::spawn(app.run(async move {
        let _ = rx.await;
    }));
    let client = reqwest::Client::builder()
        .timeout(Duration::from_secs(20))
        .build()
        .unwrap();
    TestApp {
        base: format!("http://{addr}/api"),
        addr,
        client,
        home,
        stop: Some(tx),
        handle: Some(handle),
        _dir: dir,
        _db: db,
    }
}

impl TestApp {
    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.base, path)
    }

    /// The body of a GET of `url` (any URL, not only under /api) as text.
    pub async fn text(&self, url: &str) -> String {
        self.client
            .get(url)
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap()
    }

    pub async fn get(&self, path: &str) -> (StatusCode, Value) {
        let r = self.client.get(self.url(path)).send().await.unwrap();
        decode(r).await
    }

    pub async fn post(&self, path: &str, body: Value) -> (StatusCode, Value) {
        let r = self
            .client
            .post(self.url(path))
            .json(&body)
            .send()
            .await
            .unwrap();
        decode(r).await
    }

    pub async fn post_raw(&self, path: &str, body: &'static [u8]) -> (StatusCode, Value) {
        let r = self
            .client
            .post(self.url(path))
            .header("content-type", "application/json")
            .body(body)
            .send()
            .await
            .unwrap();
        decode(r).await
    }

    pub async fn patch(&self, path: &str, body: Value) -> (StatusCode, Value) {
        let r = self
            .client
            .patch(self.url(path))
            .json(&body)
            .send()
            .await
            .unwrap();
        decode(r).await
    }

    pub async fn delete(&self, path: &str) -> (StatusCode, Value) {
        let r = self.client.delete(self.url(path)).send().await.unwrap();
        decode(r).await
    }

    /// Creates (or finds) a flow and returns its id.
    pub async fn flow(&self, name: &str) -> String {
        let (_, f) = self.post("/flows/", json!({"name": name})).await;
        f["id"].as_str().unwrap().to_string()
    }

    /// Creates a flow run from `body` (its `flow_id` set) and returns it.
    pub async fn run(&self, flow_id: &str, body: Value) -> FlowRun {
        let mut b = body;
        b["flow_id"] = json!(flow_id);
        let (status, run) = self.post("/flow_runs/", b).await;
        assert_eq!(status, StatusCode::CREATED, "{run}");
        typed(run)
    }

    /// Creates a deployment from a full body and returns its id.
    pub async fn deployment(&self, body: Value) -> String {
        let (_, d) = self.post("/deployments/", body).await;
        d["id"]
            .as_str()
            .unwrap_or_else(|| panic!("no deployment: {d}"))
            .to_string()
    }

    /// Creates a run of a deployment with the deployment's parameters and returns its id.
    pub async fn deployment_run(&self, deployment_id: &str) -> String {
        let path = format!("/deployments/{deployment_id}/create_flow_run");
        let (_, r) = self.post(&path, json!({})).await;
        r["id"]
            .as_str()
            .unwrap_or_else(|| panic!("no run: {r}"))
            .to_string()
    }

    /// A flow run as the API shows it (fails the test when there is none).
    pub async fn flow_run(&self, id: &str) -> FlowRun {
        let (status, run) = self.get(&format!("/flow_runs/{id}")).await;
        assert_eq!(status, StatusCode::OK, "{run}");
        typed(run)
    }

    /// Polls a flow run until its state type is one of `types`, and returns it.
    pub async fn wait_state(&self, id: &str, types: &[&str], timeout: Duration) -> FlowRun {
        let what = format!("run {id} to reach {types:?}");
        poll_until(
            &what,
            timeout,
            || self.flow_run(id),
            |r| types.contains(&r.state_type.as_deref().unwrap_or_default()),
        )
        .await
    }

    /// The messages of a run's log lines, oldest first (one page), without the worker's lines about the
    /// process's start and end (logger `baton.process`; see [`TestApp::process_lines`]).
    pub async fn log_messages(&self, run_id: &str) -> Vec<String> {
        self.logs_of(run_id, |logger| logger != "baton.process")
            .await
    }

    /// The worker's lines about a run's process (started, ended), oldest first.
    pub async fn process_lines(&self, run_id: &str) -> Vec<String> {
        self.logs_of(run_id, |logger| logger == "baton.process")
            .await
    }

    async fn logs_of(&self, run_id: &str, keep: impl Fn(&str) -> bool) -> Vec<String> {
        let body = json!({"logs": {"flow_run_id": {"any_": [run_id]}}, "sort": "TIMESTAMP_ASC"});
        let (_, logs) = self.post("/logs/filter", body).await;
        logs.as_array()
            .unwrap_or_else(|| panic!("no log list: {logs}"))
            .iter()
            .filter(|l| keep(l["name"].as_str().unwrap_or_default()))
            .map(|l| l["message"].as_str().unwrap_or_default().to_string())
            .collect()
    }

    /// Saves a Secret block `name` holding `value` (on the system `secret` type) and returns it.
    pub async fn secret_block(&self, name: &str, value: &str) -> Value {
        let (_, t) = self.get("/block_types/slug/secret").await;
        let (_, schemas) = self
            .post(
                "/block_schemas/filter",
                json!({"block_schemas": {"block_type_id": {"any_": [t["id"]]}}}),
            )
            .await;
        let body = json!({"name": name, "data": {"value": value}, "block_type_id": t["id"],
                          "block_schema_id": schemas[0]["id"]});
        let (status, d) = self.post("/block_documents/", body).await;
        assert_eq!(status, StatusCode::CREATED, "{d}");
        d
    }

    /// Proposes a state that the server must answer with 201 (or 200); returns its orchestration result.
    pub async fn propose(&self, run_id: &str, state: Value, force: bool) -> OrchestrationResult {
        let (status, result) = self.set_state(run_id, state, force).await;
        assert!(status.is_success(), "{status}: {result}");
        typed(result)
    }

    /// Proposes a state; returns (http status, raw answer), for answers that may be errors.
    pub async fn set_state(&self, run_id: &str, state: Value, force: bool) -> (StatusCode, Value) {
        self.post(
            &format!("/flow_runs/{run_id}/set_state"),
            json!({"state": state, "force": force}),
        )
        .await
    }

    /// Stops the server the way SIGTERM does and waits for a clean exit.
    pub async fn stop(mut self) {
        if let Some(tx) = self.stop.take() {
            let _ = tx.send(());
        }
        if let Some(h) = self.handle.take() {
            h.await.unwrap().unwrap();
        }
    }
}

/// An answer as the wire struct Baton's own CLI reads it with: a field missing or of the wrong type fails
/// the test, naming it.
pub fn typed<T: serde::de::DeserializeOwned>(v: Value) -> T {
    let text = v.to_string();
    let de = &mut serde_json::Deserializer::from_str(&text);
    serde_path_to_error::deserialize(de).unwrap_or_else(|e| {
        panic!(
            "answer does not match {}: {e}\n{v}",
            std::any::type_name::<T>()
        )
    })
}

async fn decode(r: reqwest::Response) -> (StatusCode, Value) {
    let status = r.status();
    let bytes = r.bytes().await.unwrap();
    let v = if bytes.is_empty() {
        Value::Null
    } else {
        serde_json::from_slice(&bytes).unwrap_or(Value::Null)
    };
    (status, v)
}

/// Asserts a 4xx error answer with a `detail` that mentions `needle`.
pub fn assert_detail(status: StatusCode, body: &Value, want: StatusCode, needle: &str) {
    assert_eq!(status, want, "{body}");
    let detail = body["detail"]
        .as_str()
        .unwrap_or_else(|| panic!("no detail string in {body}"));
    assert!(
        detail.contains(needle),
        "detail {detail:?} should mention {needle:?}"
    );
}

/// How long `poll_until` waits between two probes.
pub const POLL_EVERY: Duration = Duration::from_millis(20);

/// Runs `probe` until `done` holds for what it returns (every [`POLL_EVERY`]), and returns that. Past
/// `timeout`, fails naming `what` and the last value seen.
pub async fn poll_until<T: Debug, F: Future<Output = T>>(
    what: &str,
    timeout: Duration,
    probe: impl FnMut() -> F,
    done: impl Fn(&T) -> bool,
) -> T {
    poll_every(POLL_EVERY, what, timeout, probe, done).await
}

/// [`poll_until`] with its own interval, for a probe that checks something on every look.
pub async fn poll_every<T: Debug, F: Future<Output = T>>(
    every: Duration,
    what: &str,
    timeout: Duration,
    mut probe: impl FnMut() -> F,
    done: impl Fn(&T) -> bool,
) -> T {
    let deadline = Instant::now() + timeout;
    loop {
        let seen = probe().await;
        if done(&seen) {
            return seen;
        }
        timed_out(what, timeout, deadline, &seen);
        tokio::time::sleep(every).await;
    }
}

/// [`poll_until`] for code outside the runtime: sleeps the thread between probes.
pub fn poll_until_blocking<T: Debug>(
    what: &str,
    timeout: Duration,
    mut probe: impl FnMut() -> T,
    done: impl Fn(&T) -> bool,
) -> T {
    let deadline = Instant::now() + timeout;
    loop {
        let seen = probe();
        if done(&seen) {
            return seen;
        }
        timed_out(what, timeout, deadline, &seen);
        std::thread::sleep(POLL_EVERY);
    }
}

fn timed_out(what: &str, timeout: Duration, deadline: Instant, seen: &impl Debug) {
    assert!(
        Instant::now() < deadline,
        "timed out after {timeout:?} waiting for {what}; last seen: {seen:?}"
    );
}
