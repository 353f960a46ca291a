//! The HTTP transport: `baton worker start` on any machine talks to the server's REST API only (nothing
//! connects into a worker). Between polls it holds one long request to the server
//! (`/api/baton/work_pools/{name}/wait`) that answers the moment there may be work, so a run starts as
//! soon as it is due; when that request cannot be made (an older server, a proxy that cuts it, the server
//! down) the worker polls every couple of seconds instead. It checks its runs for cancellation.

use super::transport::{Answer, DeploymentInfo, Ticket, Transport};
use crate::domain::log::Log;
use crate::domain::{time, Doc, StateType};
use crate::wire::filters::{
    FlowRunFilter, FlowRunFilterRequest, IdFilter, StateFilter, TextFilter,
};
use anyhow::Context;
use serde_json::{json, Value};
use std::time::Duration;
use tokio_util::sync::CancellationToken;
use uuid::Uuid;

/// A worker's connection to a remote server.
/// The server answered with an error status (as opposed to not answering at all).
#[derive(Debug, thiserror::Error)]
#[error("{url} answered {status}: {text}")]
pub struct Refused {
    pub url: String,
    pub status: u16,
    pub text: String,
}

pub struct Http {
    client: reqwest::Client,
    api: String,
    pub pool: String,
    pub queues: Vec<String>,
    pub name: String,
    pub poll_every: Duration,
    /// The heartbeat interval announced to the server (it counts the worker offline after three missed).
    pub heartbeat_seconds: u64,
    /// The server's work generation this worker last saw ([`NEVER_ASKED`] before the first answer).
    seen: std::sync::atomic::AtomicU64,
}

/// [`Http::seen`] before the server first answered.
const NEVER_ASKED: u64 = u64::MAX;

/// How long one wait for work may last (under the client's 30 s request timeout).
const WAIT_SECONDS: f64 = 25.0;

impl Http {
    /// A client of the API at `api` (e.g. `http://127.0.0.1:4200/api`), sending basic-auth credentials
    /// from `BATON_AUTH_STRING` (else `PREFECT_API_AUTH_STRING`) when set.
    pub fn new(
        api: &str,
        pool: String,
        queues: Vec<String>,
        name: String,
        poll_every: Duration,
    ) -> anyhow::Result<Http> {
        let auth = crate::config::client_auth();
        let client = reqwest::Client::builder()
            .default_headers(crate::config::auth_headers(auth.as_deref())?)
            .timeout(Duration::from_secs(30))
            .build()?;
        Ok(Http {
            client,
            api: api.trim_end_matches('/').to_string(),
            pool,
            queues,
            name,
            poll_every,
            heartbeat_seconds: 30,
            seen: std::sync::atomic::AtomicU64::new(NEVER_ASKED),
        })
    }

    async fn call(
        &self,
        method: reqwest::Method,
        path: &str,
        body: Option<Value>,
    ) -> anyhow::Result<Value> {
        let url = format!("{}{}", self.api, path);
        let mut req = self.client.request(method, &url);
        if let Some(b) = body {
            req = req.json(&b);
        }
        let resp = req
            .send()
            .await
            .with_context(|| format!("cannot reach {url}"))?;
        let status = resp.status();
        let text = resp.text().await.unwrap_or_default();
        if !status.is_success() {
            return Err(Refused {
                url,
                status: status.as_u16(),
                text,
            }
            .into());
        }
        Ok(if text.trim().is_empty() {
            Value::Null
        } else {
            serde_json::from_str(&text).unwrap_or(Value::Null)
        })
    }

    /// Creates the worker's pool (type `process`) when the server has none of that name, as Prefect's
    /// workers do; returns whether it did. Another worker creating it at the same moment is no error.
    pub async fn ensure_pool(&self) -> anyhow::Result<bool> {
        if self
            .found(&format!("/work_pools/{}", segment(&self.pool)))
            .await?
            .is_some()
        {
            return Ok(false);
        }
        let body = json!({"name": self.pool, "type": "process"});
        match self
            .call(reqwest::Method::POST, "/work_pools/", Some(body))
            .await
        {
            Ok(_) => Ok(true),
            Err(e) if e.downcast_ref::<Refused>().is_some_and(|r| r.status == 409) => Ok(false),
            Err(e) => Err(e),
        }
    }

    /// A GET whose 404 is an answer (`None`), not an error.
    async fn found(&self, path: &str) -> anyhow::Result<Option<Value>> {
        match self.call(reqwest::Method::GET, path, None).await {
            Ok(v) => Ok(Some(v)),
            Err(e) if e.downcast_ref::<Refused>().is_some_and(|r| r.status == 404) => Ok(None),
            Err(e) => Err(e),
        }
    }
}

/// A path segment with the characters a URL path cannot hold escaped.
fn segment(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'a'..=b'z' | b'A'..=b'Z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

fn uuid_of(v: &Value) -> Option<Uuid> {
    v.as_str().and_then(|s| s.parse().ok())
}

fn doc_of(v: &Value) -> Doc {
    v.as_object().cloned().unwrap_or_default()
}

impl Transport for Http {
    async fn poll(&self, limit: usize) -> anyhow::Result<Vec<Ticket>> {
        let before = time::format(chrono::Utc::now() + chrono::Duration::seconds(1));
        let body =
            json!({"work_queue_names": self.queues, "scheduled_before": before, "limit": limit});
        let v = self
            .call(
                reqwest::Method::POST,
                &format!("/work_pools/{}/get_scheduled_flow_runs", self.pool),
                Some(body),
            )
            .await?;
        Ok(v.as_array()
            .map(|a| {
                a.iter()
                    .filter_map(|item| {
                        let r = &item["flow_run"];
                        Some(Ticket {
                            id: uuid_of(&r["id"])?,
                            name: r["name"].as_str().unwrap_or_default().to_string(),
                            flow_id: uuid_of(&r["flow_id"])?,
                            deployment_id: uuid_of(&r["deployment_id"]),
                            parameters: doc_of(&r["parameters"]),
                            job_variables: doc_of(&r["job_variables"]),
                        })
                    })
                    .collect()
            })
            .unwrap_or_default())
    }

    async fn propose(
        &self,
        run: Uuid,
        kind: StateType,
        name: Option<String>,
        message: Option<String>,
        force: bool,
    ) -> anyhow::Result<Answer> {
        let retry = (kind == StateType::Failed).then_some("reschedule");
        let body = json!({"state": {"type": kind.as_str(), "name": name, "message": message}, "force": force,
                          "baton_retry": retry});
        let v = self
            .call(
                reqwest::Method::POST,
                &format!("/flow_runs/{run}/set_state"),
                Some(body),
            )
            .await?;
        let state = v["state"]["type"].as_str().and_then(StateType::parse);
        Ok(match v["status"].as_str() {
            Some("ACCEPT") => Answer::Accepted(state.unwrap_or(kind)),
            Some("REJECT") => Answer::Rejected(state),
            Some("WAIT") => Answer::Wait(v["details"]["delay_seconds"].as_u64().unwrap_or(1)),
            _ => Answer::Aborted(
                v["details"]["reason"]
                    .as_str()
                    .unwrap_or("aborted")
                    .to_string(),
            ),
        })
    }

    async fn attach(&self, run: Uuid, pid: Option<u32>, labels: Doc) -> anyhow::Result<()> {
        if let Some(pid) = pid {
            self.call(
                reqwest::Method::PATCH,
                &format!("/flow_runs/{run}"),
                Some(json!({"infrastructure_pid": pid.to_string()})),
            )
            .await?;
        }
        self.call(
            reqwest::Method::PATCH,
            &format!("/flow_runs/{run}/labels"),
            Some(Value::Object(labels)),
        )
        .await?;
        Ok(())
    }

    async fn state_of(&self, run: Uuid) -> anyhow::Result<Option<StateType>> {
        let v = self
            .call(reqwest::Method::GET, &format!("/flow_runs/{run}"), None)
            .await?;
        Ok(v["state_type"].as_str().and_then(StateType::parse))
    }

    async fn deployment(&self, id: Uuid) -> anyhow::Result<Option<DeploymentInfo>> {
        let v = self
            .call(reqwest::Method::GET, &format!("/deployments/{id}"), None)
            .await?;
        Ok(Some(DeploymentInfo {
            name: v["name"].as_str().unwrap_or_default().to_string(),
            entrypoint: v["entrypoint"].as_str().map(String::from),
            path: v["path"].as_str().map(String::from),
            pull_steps: Some(v["pull_steps"].clone()).filter(|p| !p.is_null()),
            job_variables: doc_of(&v["job_variables"]),
        }))
    }

    async fn flow_name(&self, id: Uuid) -> anyhow::Result<String> {
        let v = self
            .call(reqwest::Method::GET, &format!("/flows/{id}"), None)
            .await?;
        Ok(v["name"].as_str().unwrap_or_default().to_string())
    }

    async fn block_data(&self, slug: &str, name: &str) -> anyhow::Result<Option<Doc>> {
        let path = format!(
            "/block_types/slug/{}/block_documents/name/{}?include_secrets=true",
            segment(slug),
            segment(name)
        );
        Ok(self.found(&path).await?.map(|v| doc_of(&v["data"])))
    }

    async fn variable(&self, name: &str) -> anyhow::Result<Option<Value>> {
        let path = format!("/variables/name/{}", segment(name));
        Ok(self.found(&path).await?.map(|v| v["value"].clone()))
    }

    async fn send_logs(&self, logs: Vec<Log>) -> anyhow::Result<()> {
        let body: Vec<Value> = logs
            .into_iter()
            .map(|l| {
                json!({"name": l.name, "level": l.level, "message": l.message, "timestamp": time::format(l.timestamp),
                       "flow_run_id": l.flow_run_id.map(|u| u.to_string()), "task_run_id": l.task_run_id.map(|u| u.to_string())})
            })
            .collect();
        self.call(reqwest::Method::POST, "/logs/", Some(Value::Array(body)))
            .await?;
        Ok(())
    }

    async fn heartbeat(&self) -> anyhow::Result<()> {
        let body = json!({"name": self.name, "heartbeat_interval_seconds": self.heartbeat_seconds});
        self.call(
            reqwest::Method::POST,
            &format!("/work_pools/{}/workers/heartbeat", self.pool),
            Some(body),
        )
        .await?;
        Ok(())
    }

    async fn cancelling(&self, runs: Vec<Uuid>) -> anyhow::Result<Vec<Uuid>> {
        let cancelling = TextFilter {
            any_: Some(vec![StateType::Cancelling.as_str().into()]),
            ..TextFilter::default()
        };
        let filter = FlowRunFilterRequest {
            flow_runs: Some(FlowRunFilter {
                id: Some(IdFilter {
                    any_: Some(runs),
                    ..IdFilter::default()
                }),
                state: Some(StateFilter {
                    kind: Some(cancelling),
                    ..StateFilter::default()
                }),
                ..FlowRunFilter::default()
            }),
            ..FlowRunFilterRequest::default()
        };
        let body = serde_json::to_value(filter)?;
        let v = self
            .call(reqwest::Method::POST, "/flow_runs/filter", Some(body))
            .await?;
        Ok(v.as_array()
            .map(|a| a.iter().filter_map(|r| uuid_of(&r["id"])).collect())
            .unwrap_or_default())
    }

    async fn cancel_signal(&self) {
        tokio::time::sleep(Duration::from_secs(2)).await;
    }

    /// Waits until the server says there may be work (push dispatch), or `poll_every` when it cannot.
    async fn idle(&self, stop: &CancellationToken) {
        use std::sync::atomic::Ordering::Relaxed;
        let seen = Some(self.seen.load(Relaxed)).filter(|g| *g != NEVER_ASKED);
        let path = format!("/baton/work_pools/{}/wait", segment(&self.pool));
        let ask = self.call(
            reqwest::Method::POST,
            &path,
            Some(json!({"seen": seen, "wait_seconds": WAIT_SECONDS})),
        );
        tokio::select! {
            _ = stop.cancelled() => {}
            answer = ask => match answer.ok().and_then(|v| v.get("generation")?.as_u64()) {
                Some(generation) => self.seen.store(generation, Relaxed),
                None => {
                    self.seen.store(NEVER_ASKED, Relaxed);
                    tokio::select! {
                        _ = stop.cancelled() => {}
                        _ = tokio::time::sleep(self.poll_every) => {}
                    }
                }
            },
        }
    }
}
