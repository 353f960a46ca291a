//! A typed HTTP client of Baton's API (Prefect's REST shapes from `wire`, or plain JSON). It only speaks
//! HTTP: the CLI never opens the database. Errors say what went wrong in one line: an unreachable server, a
//! `{"detail": ...}` answer with its status, or a body that is not what the command expected.

use crate::wire::deployments::Deployment;
use crate::wire::flow_runs::FlowRun;
use crate::wire::flows::Flow;
use crate::wire::work_pools::WorkPool;
use reqwest::{Method, StatusCode};
use serde::de::DeserializeOwned;
use serde::Serialize;
use serde_json::{json, Value};
use std::time::Duration;

/// The API URL used when neither `--api`, `BATON_API_URL` nor `PREFECT_API_URL` says otherwise.
pub const DEFAULT_API: &str = "http://127.0.0.1:4200/api";

/// What can go wrong talking to the server.
#[derive(Debug, thiserror::Error)]
pub enum ClientError {
    #[error("cannot reach Baton at {url}; start it with `baton serve` (or point --api / BATON_API_URL at it)")]
    Unreachable { url: String },
    #[error("{detail}")]
    Api { status: u16, detail: String },
    #[error("Baton at {url} did not answer in time; is it overloaded or stuck?")]
    Timeout { url: String },
    #[error("request to {url} failed: {message}")]
    Request { url: String, message: String },
    #[error("unexpected answer from {path}: {message}")]
    Decode { path: String, message: String },
}

impl ClientError {
    /// The HTTP status of an API error.
    pub fn status(&self) -> Option<u16> {
        match self {
            ClientError::Api { status, .. } => Some(*status),
            _ => None,
        }
    }
}

/// Whether `e` is a 404 from the server.
pub fn is_not_found(e: &anyhow::Error) -> bool {
    e.downcast_ref::<ClientError>()
        .and_then(ClientError::status)
        == Some(404)
}

/// Percent-encodes one path segment (names may hold spaces or slashes).
pub fn seg(s: &str) -> String {
    let mut out = String::new();
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// The client: a base URL ending in `/api` and a connection pool.
#[derive(Clone)]
pub struct Client {
    pub base: String,
    http: reqwest::Client,
}

impl Client {
    /// A client of the API at `base` (a trailing `/` is dropped), sending basic-auth credentials from
    /// `BATON_AUTH_STRING` (else `PREFECT_API_AUTH_STRING`) when set.
    pub fn new(base: &str) -> anyhow::Result<Client> {
        let auth = crate::config::client_auth();
        let http = reqwest::Client::builder()
            .default_headers(crate::config::auth_headers(auth.as_deref())?)
            .connect_timeout(Duration::from_secs(5))
            .timeout(Duration::from_secs(60))
            .build()?;
        Ok(Client {
            base: base.trim_end_matches('/').to_string(),
            http,
        })
    }

    /// Sends one request; `None` for an empty body (204).
    pub async fn send(
        &self,
        method: Method,
        path: &str,
        body: Option<&Value>,
    ) -> Result<Option<Value>, ClientError> {
        let url = format!("{}{}", self.base, path);
        let mut req = self.http.request(method, &url);
        if let Some(b) = body {
            req = req.json(b);
        }
        let resp = req.send().await.map_err(|e| {
            let url = self.base.clone();
            if e.is_connect() {
                ClientError::Unreachable { url }
            } else if e.is_timeout() {
                ClientError::Timeout { url }
            } else {
                ClientError::Request {
                    url,
                    message: error_chain(&e),
                }
            }
        })?;
        let status = resp.status();
        let bytes = resp.bytes().await.map_err(|e| ClientError::Decode {
            path: path.to_string(),
            message: e.to_string(),
        })?;
        let value: Option<Value> = if bytes.is_empty() {
            None
        } else {
            serde_json::from_slice(&bytes).ok()
        };
        if !status.is_success() {
            return Err(ClientError::Api {
                status: status.as_u16(),
                detail: detail_of(status, value.as_ref(), &bytes),
            });
        }
        Ok(value)
    }

    async fn typed<T: DeserializeOwned>(
        &self,
        method: Method,
        path: &str,
        body: Option<&Value>,
    ) -> Result<T, ClientError> {
        let v = self.send(method, path, body).await?.unwrap_or(Value::Null);
        serde_json::from_value(v).map_err(|e| ClientError::Decode {
            path: path.to_string(),
            message: e.to_string(),
        })
    }

    /// `GET path` read as `T`.
    pub async fn get<T: DeserializeOwned>(&self, path: &str) -> Result<T, ClientError> {
        self.typed(Method::GET, path, None).await
    }

    /// `POST path` with a JSON body, read as `T`.
    pub async fn post<T: DeserializeOwned, B: Serialize + ?Sized>(
        &self,
        path: &str,
        body: &B,
    ) -> Result<T, ClientError> {
        let body = self.body(path, body)?;
        self.typed(Method::POST, path, Some(&body)).await
    }

    /// `PATCH path` (answers 204).
    pub async fn patch<B: Serialize + ?Sized>(
        &self,
        path: &str,
        body: &B,
    ) -> Result<(), ClientError> {
        let body = self.body(path, body)?;
        self.send(Method::PATCH, path, Some(&body))
            .await
            .map(|_| ())
    }

    /// `DELETE path` (answers 204).
    pub async fn delete(&self, path: &str) -> Result<(), ClientError> {
        self.send(Method::DELETE, path, None).await.map(|_| ())
    }

    /// `POST path` whose answer is ignored (204 or a body).
    pub async fn post_unit<B: Serialize + ?Sized>(
        &self,
        path: &str,
        body: &B,
    ) -> Result<(), ClientError> {
        let body = self.body(path, body)?;
        self.send(Method::POST, path, Some(&body)).await.map(|_| ())
    }

    /// A request body (a `wire` struct or JSON) as JSON.
    fn body<B: Serialize + ?Sized>(&self, path: &str, body: &B) -> Result<Value, ClientError> {
        serde_json::to_value(body).map_err(|e| ClientError::Request {
            url: format!("{}{path}", self.base),
            message: format!("the request body cannot be written as JSON: {e}"),
        })
    }

    /// A deployment by `flow/deployment` name.
    pub async fn deployment_by_name(
        &self,
        flow: &str,
        name: &str,
    ) -> Result<Deployment, ClientError> {
        self.get(&format!("/deployments/name/{}/{}", seg(flow), seg(name)))
            .await
    }

    /// Every deployment (sorted by name), up to 200 per page.
    pub async fn deployments(&self) -> Result<Vec<Deployment>, ClientError> {
        let mut out: Vec<Deployment> = Vec::new();
        loop {
            let page: Vec<Deployment> = self
                .post(
                    "/deployments/filter",
                    &json!({"sort": "NAME_ASC", "limit": 200, "offset": out.len()}),
                )
                .await?;
            let n = page.len();
            out.extend(page);
            if n < 200 {
                return Ok(out);
            }
        }
    }

    /// Flows by id (for showing names).
    pub async fn flows_by_id(&self, ids: &[String]) -> Result<Vec<Flow>, ClientError> {
        let mut ids: Vec<&String> = ids.iter().collect();
        ids.sort();
        ids.dedup();
        let mut out = Vec::new();
        for chunk in ids.chunks(200) {
            let page: Vec<Flow> = self
                .post(
                    "/flows/filter",
                    &json!({"flows": {"id": {"any_": chunk}}, "limit": 200}),
                )
                .await?;
            out.extend(page);
        }
        Ok(out)
    }

    /// A flow run by id.
    pub async fn flow_run(&self, id: &str) -> Result<FlowRun, ClientError> {
        self.get(&format!("/flow_runs/{}", seg(id))).await
    }

    /// Every work pool.
    pub async fn work_pools(&self) -> Result<Vec<WorkPool>, ClientError> {
        self.post("/work_pools/filter", &json!({"offset": 0})).await
    }

    /// One page of a run's logs in time order.
    pub async fn logs(
        &self,
        run_id: &str,
        offset: usize,
    ) -> Result<Vec<crate::wire::logs::Log>, ClientError> {
        self.post(
            "/logs/filter",
            &json!({"logs": {"flow_run_id": {"any_": [run_id]}}, "sort": "TIMESTAMP_ASC",
                    "limit": LOG_PAGE, "offset": offset}),
        )
        .await
    }
}

/// Log lines per page.
pub const LOG_PAGE: usize = 200;

fn detail_of(status: StatusCode, value: Option<&Value>, bytes: &[u8]) -> String {
    match value.and_then(|v| v.get("detail")) {
        Some(Value::String(s)) => s.clone(),
        Some(Value::Array(items)) => items
            .iter()
            .map(|i| match (i.get("loc"), i.get("msg")) {
                (Some(loc), Some(Value::String(msg))) => format!("{loc}: {msg}"),
                _ => i.to_string(),
            })
            .collect::<Vec<_>>()
            .join("; "),
        Some(other) => other.to_string(),
        None => {
            let text = String::from_utf8_lossy(bytes);
            let text = text.trim();
            if text.is_empty() {
                format!("the server answered {status}")
            } else {
                format!("the server answered {status}: {}", truncate(text, 200))
            }
        }
    }
}

fn error_chain(e: &dyn std::error::Error) -> String {
    let mut out = e.to_string();
    let mut source = e.source();
    while let Some(s) = source {
        out.push_str(": ");
        out.push_str(&s.to_string());
        source = s.source();
    }
    out
}

fn truncate(s: &str, n: usize) -> String {
    if s.chars().count() <= n {
        s.to_string()
    } else {
        let cut: String = s.chars().take(n).collect();
        format!("{cut}…")
    }
}
