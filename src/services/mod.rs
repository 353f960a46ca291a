//! Use cases: each opens one store transaction, applies the domain rules inside it, persists, and then
//! publishes what changed on the in-process event bus. The API, the CLI's server side and the worker call
//! these; none of them touches the store directly.

pub mod artifacts;
pub mod automation_actions;
mod automation_targets;
pub mod automations;
pub mod block_documents;
mod block_reads;
pub mod blocks;
pub mod bus;
pub mod catchup;
pub mod cipher;
pub mod clock;
pub mod concurrency_limits;
pub mod dashboard;
pub mod deployment_schedules;
pub mod deployments;
pub mod dispatch;
pub mod events;
pub mod flow_runs;
pub mod flows;
pub mod graph;
pub mod late_runs;
pub mod leases;
pub mod logs;
mod memory;
pub use memory::run as trim_memory;
pub mod metrics;
mod notifications;
pub mod orchestration;
mod pause_expiry;
pub mod read_models;
pub mod reaper;
pub mod replicas;
pub mod retention;
pub mod run_inputs;
pub mod saved_searches;
pub mod scheduler;
pub mod schema_checks;
pub mod seed;
pub mod slot_loop;
pub mod slot_waiters;
mod system_blocks;
pub mod tag_limits;
pub mod task_queue;
pub mod task_runs;
pub mod templates;
pub mod trigger_loop;
pub mod variables;
pub mod wakes;
pub mod why;
pub mod work_pools;
pub mod work_queue_runs;
pub mod work_queues;

use crate::store::{Store, StoreError};
use bus::Bus;
use clock::Clock;

/// Everything a use case needs, built once by the composition root.
#[derive(Debug)]
pub struct Services {
    pub store: Store,
    pub bus: Bus,
    pub clock: Clock,
    /// Cancelled when the server shuts down: long-lived tasks (websockets, loops) end on it.
    pub stop: tokio_util::sync::CancellationToken,
    /// Wakes the scheduler at once (a deployment or schedule changed).
    pub scheduler_wake: tokio::sync::Notify,
    /// Wakes the late-runs loop (a scheduled run was created or moved).
    pub late_wake: tokio::sync::Notify,
    /// Wakes in-process workers (runs became due, or a pool or queue changed): a counter that only grows,
    /// so a worker never misses a wake-up between two looks.
    pub worker_wake: tokio::sync::watch::Sender<u64>,
    /// Which pools' workers were woken, and when the late-runs loop next looks (see `wakes`).
    pub wakes: wakes::Wakes,
    /// Counters and histograms for `/metrics`.
    pub metrics: metrics::Metrics,
    /// Clients waiting for concurrency slots, in the order they asked.
    pub slot_waiters: std::sync::Arc<slot_waiters::Waiters<leases::Granted>>,
    /// Seals block data at rest.
    pub cipher: std::sync::Arc<cipher::Cipher>,
    /// Wakes the trigger loop (an automation changed).
    pub trigger_wake: tokio::sync::Notify,
    /// Moves on every automation change; the trigger loop idles only while it has not moved since the
    /// loop found no automation enabled.
    pub automation_epoch: std::sync::atomic::AtomicU64,
    /// The server's settings as `GET /admin/settings` shows them, set once by the composition root.
    pub settings: std::sync::OnceLock<serde_json::Value>,
    /// Background task runs waiting for task workers, and the connected task workers.
    pub task_queue: task_queue::TaskQueue,
}

impl Services {
    /// Services over an open store.
    pub fn new(store: Store, clock: Clock) -> Services {
        Services {
            store,
            bus: Bus::new(),
            clock,
            stop: tokio_util::sync::CancellationToken::new(),
            scheduler_wake: tokio::sync::Notify::new(),
            late_wake: tokio::sync::Notify::new(),
            worker_wake: tokio::sync::watch::Sender::new(0),
            wakes: wakes::Wakes::default(),
            metrics: metrics::Metrics::new(),
            slot_waiters: Default::default(),
            cipher: std::sync::Arc::new(cipher::Cipher::ephemeral()),
            trigger_wake: tokio::sync::Notify::new(),
            automation_epoch: std::sync::atomic::AtomicU64::new(0),
            settings: std::sync::OnceLock::new(),
            task_queue: Default::default(),
        }
    }

    /// The same services sealing block data with `cipher` (the data dir's key).
    pub fn with_cipher(mut self, cipher: cipher::Cipher) -> Services {
        self.cipher = std::sync::Arc::new(cipher);
        self
    }
}

impl Services {
    /// The pause between two ticks of a background loop: until `next` (at most `max`), or until `wake` is
    /// notified. Returns `false` when the server is stopping.
    pub async fn pause(
        &self,
        next: Option<crate::domain::Ts>,
        max: std::time::Duration,
        wake: &tokio::sync::Notify,
    ) -> bool {
        let sleep = next
            .map(|t| (t - self.clock.now()).to_std().unwrap_or_default().min(max))
            .unwrap_or(max);
        tokio::select! {
            _ = self.stop.cancelled() => false,
            _ = wake.notified() => true,
            _ = tokio::time::sleep(sleep) => true,
        }
    }
}

/// What a use case can fail with.
#[derive(Debug, thiserror::Error)]
pub enum ServiceError {
    #[error("{0}")]
    NotFound(String),
    #[error("{0}")]
    Conflict(String),
    #[error("{0}")]
    Invalid(String),
    /// The object existed but is gone for good (an expired lease): 410.
    #[error("{0}")]
    Gone(String),
    /// Refused whatever the input (a protected block type): 403.
    #[error("{0}")]
    Forbidden(String),
    /// The request contradicts the stored objects (a reference cycle, a schema of another type): 400.
    #[error("{0}")]
    BadRequest(String),
    #[error(transparent)]
    Store(StoreError),
}

impl From<StoreError> for ServiceError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::NotFound(what) => {
                ServiceError::NotFound(format!("{} not found", capitalise(what)))
            }
            StoreError::Conflict(m) => ServiceError::Conflict(m),
            StoreError::Invalid(m) => ServiceError::Invalid(m),
            other => ServiceError::Store(other),
        }
    }
}

fn capitalise(s: &str) -> String {
    let mut c = s.chars();
    c.next()
        .map(|f| f.to_uppercase().collect::<String>() + c.as_str())
        .unwrap_or_default()
}

/// The services' result type.
pub type Result<T> = std::result::Result<T, ServiceError>;
