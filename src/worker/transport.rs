//! How a worker talks to the server: one small trait, implemented in process (direct service calls, woken
//! by the event bus) and over HTTP (`baton worker start`).

use crate::domain::log::Log;
use crate::domain::{Doc, StateType};
use serde_json::Value;
use std::future::Future;
use tokio_util::sync::CancellationToken;
use uuid::Uuid;

/// A run handed to the worker.
#[derive(Clone, Debug)]
pub struct Ticket {
    pub id: Uuid,
    pub name: String,
    pub flow_id: Uuid,
    pub deployment_id: Option<Uuid>,
    pub parameters: Doc,
    pub job_variables: Doc,
}

/// What the worker needs of a deployment.
#[derive(Clone, Debug, Default)]
pub struct DeploymentInfo {
    pub name: String,
    pub entrypoint: Option<String>,
    pub path: Option<String>,
    pub pull_steps: Option<Value>,
    pub job_variables: Doc,
}

/// The server's answer to a proposed state.
#[derive(Clone, Debug, PartialEq)]
pub enum Answer {
    Accepted(StateType),
    Rejected(Option<StateType>),
    Wait(u64),
    Aborted(String),
}

/// The worker's view of the server.
pub trait Transport: Send + Sync + 'static {
    /// Due runs for this worker's pool and queues, at most `limit`.
    fn poll(&self, limit: usize) -> impl Future<Output = anyhow::Result<Vec<Ticket>>> + Send;
    /// Proposes a state for a run.
    fn propose(
        &self,
        run: Uuid,
        kind: StateType,
        name: Option<String>,
        message: Option<String>,
        force: bool,
    ) -> impl Future<Output = anyhow::Result<Answer>> + Send;
    /// Records the worker's labels on the run, and its process id once there is one.
    fn attach(
        &self,
        run: Uuid,
        pid: Option<u32>,
        labels: Doc,
    ) -> impl Future<Output = anyhow::Result<()>> + Send;
    /// The run's current state type.
    fn state_of(&self, run: Uuid)
        -> impl Future<Output = anyhow::Result<Option<StateType>>> + Send;
    /// The run's deployment.
    fn deployment(
        &self,
        id: Uuid,
    ) -> impl Future<Output = anyhow::Result<Option<DeploymentInfo>>> + Send;
    /// A flow's name.
    fn flow_name(&self, id: Uuid) -> impl Future<Output = anyhow::Result<String>> + Send;
    /// A block document's data, secrets included (`None`: the type has no document of that name).
    fn block_data(
        &self,
        slug: &str,
        name: &str,
    ) -> impl Future<Output = anyhow::Result<Option<Doc>>> + Send;
    /// A variable's value (`None`: no such variable).
    fn variable(
        &self,
        name: &str,
    ) -> impl Future<Output = anyhow::Result<Option<serde_json::Value>>> + Send;
    /// Stores log lines.
    fn send_logs(&self, logs: Vec<Log>) -> impl Future<Output = anyhow::Result<()>> + Send;
    /// Tells the server this worker is alive.
    fn heartbeat(&self) -> impl Future<Output = anyhow::Result<()>> + Send;
    /// Which of these runs are being cancelled (state CANCELLING).
    fn cancelling(&self, runs: Vec<Uuid>)
        -> impl Future<Output = anyhow::Result<Vec<Uuid>>> + Send;
    /// Resolves when a cancellation may have been requested (or after a while).
    fn cancel_signal(&self) -> impl Future<Output = ()> + Send;
    /// Waits until there may be work (or `stop`).
    fn idle(&self, stop: &CancellationToken) -> impl Future<Output = ()> + Send;
}
