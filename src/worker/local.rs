//! The in-process transport: the worker inside `baton serve` calls services directly and is woken by the
//! event bus and by a timer set to the pool's next due run, so a run starts within milliseconds of being due.

use super::transport::{Answer, DeploymentInfo, Ticket, Transport};
use crate::domain::filter::{Cond, Field, Order, Query, Val};
use crate::domain::flow_run::{FlowRunPatch, ProposedState};
use crate::domain::log::Log;
use crate::domain::{Decision, Doc, StateType};
use crate::services::Services;
use std::sync::Arc;
use std::time::Duration;
use tokio_util::sync::CancellationToken;
use uuid::Uuid;

/// The longest the worker sleeps without a reason to wake.
const MAX_IDLE: Duration = Duration::from_secs(10);

/// Direct service calls for a worker of `pool`.
pub struct Local {
    pub services: Arc<Services>,
    pub pool: String,
    pub queues: Vec<String>,
    pub name: String,
    pub wake: tokio::sync::Mutex<tokio::sync::watch::Receiver<u64>>,
    /// The pool's wake generation before the last look for work (see `Services::wake_pool`).
    seen: std::sync::atomic::AtomicU64,
}

impl Local {
    /// A local transport for `pool` (all its queues when `queues` is empty).
    pub fn new(services: Arc<Services>, pool: String, queues: Vec<String>, name: String) -> Local {
        let wake = tokio::sync::Mutex::new(services.worker_wake.subscribe());
        Local {
            services,
            pool,
            queues,
            name,
            wake,
            seen: std::sync::atomic::AtomicU64::new(u64::MAX),
        }
    }
}

impl Transport for Local {
    async fn poll(&self, limit: usize) -> anyhow::Result<Vec<Ticket>> {
        let generation = self.services.wakes.pool_generation(&self.pool);
        self.seen
            .store(generation, std::sync::atomic::Ordering::SeqCst);
        let now = self.services.clock.now();
        let limit = u32::try_from(limit).unwrap_or(u32::MAX);
        let assigned = self
            .services
            .runs_for_pool(self.pool.clone(), self.queues.clone(), now, Some(limit))
            .await?;
        Ok(assigned
            .into_iter()
            .map(|a| Ticket {
                id: a.run.id,
                name: a.run.name,
                flow_id: a.run.flow_id,
                deployment_id: a.run.deployment_id,
                parameters: a.run.parameters,
                job_variables: a.run.job_variables,
            })
            .collect())
    }

    async fn propose(
        &self,
        run: Uuid,
        kind: StateType,
        name: Option<String>,
        message: Option<String>,
        force: bool,
    ) -> anyhow::Result<Answer> {
        let proposed = ProposedState {
            name,
            message,
            retry_elsewhere: kind == StateType::Failed,
            ..ProposedState::of(kind)
        };
        let out = self
            .services
            .set_flow_run_state(run, proposed, force)
            .await?;
        Ok(match out.decision {
            Decision::Accept(s) => Answer::Accepted(s.kind),
            Decision::Reject { .. } => Answer::Rejected(out.state.map(|s| s.kind)),
            Decision::Wait { delay_seconds, .. } => {
                Answer::Wait(u64::try_from(delay_seconds).unwrap_or(1))
            }
            Decision::Abort { reason } => Answer::Aborted(reason),
        })
    }

    async fn attach(&self, run: Uuid, pid: Option<u32>, labels: Doc) -> anyhow::Result<()> {
        if let Some(pid) = pid {
            let patch = FlowRunPatch {
                infrastructure_pid: Some(pid.to_string()),
                ..Default::default()
            };
            self.services.update_flow_run(run, patch).await?;
        }
        self.services.update_flow_run_labels(run, labels).await?;
        Ok(())
    }

    async fn state_of(&self, run: Uuid) -> anyhow::Result<Option<StateType>> {
        Ok(self.services.flow_run(run).await?.state_type())
    }

    async fn deployment(&self, id: Uuid) -> anyhow::Result<Option<DeploymentInfo>> {
        match self.services.deployment(id).await {
            Ok(d) => Ok(Some(DeploymentInfo {
                name: d.name,
                entrypoint: d.entrypoint,
                path: d.path,
                pull_steps: d.pull_steps,
                job_variables: d.job_variables,
            })),
            Err(crate::services::ServiceError::NotFound(_)) => Ok(None),
            Err(e) => Err(e.into()),
        }
    }

    async fn flow_name(&self, id: Uuid) -> anyhow::Result<String> {
        Ok(self.services.flow(id).await?.name)
    }

    async fn block_data(&self, slug: &str, name: &str) -> anyhow::Result<Option<Doc>> {
        let found = self
            .services
            .block_document_by_name(slug.to_string(), name.to_string(), true)
            .await;
        match found {
            Ok(d) => Ok(Some(d.doc.data)),
            Err(crate::services::ServiceError::NotFound(_)) => Ok(None),
            Err(e) => Err(e.into()),
        }
    }

    async fn variable(&self, name: &str) -> anyhow::Result<Option<serde_json::Value>> {
        let which = crate::services::variables::VariableRef::Name(name.to_string());
        match self.services.variable(which).await {
            Ok(v) => Ok(Some(v.value)),
            Err(crate::services::ServiceError::NotFound(_)) => Ok(None),
            Err(e) => Err(e.into()),
        }
    }

    async fn send_logs(&self, logs: Vec<Log>) -> anyhow::Result<()> {
        self.services.create_logs(logs).await?;
        Ok(())
    }

    async fn heartbeat(&self) -> anyhow::Result<()> {
        self.services
            .worker_heartbeat(self.pool.clone(), self.name.clone(), Some(30))
            .await?;
        Ok(())
    }

    async fn cancelling(&self, runs: Vec<Uuid>) -> anyhow::Result<Vec<Uuid>> {
        let cond = Cond::All(vec![
            Cond::In(
                Field::Id,
                runs.iter().map(|r| Val::Text(r.to_string())).collect(),
            ),
            Cond::state_types(&[StateType::Cancelling]),
        ]);
        let q = Query::new(cond, Order::asc(Field::Id), None, 0);
        Ok(self
            .services
            .flow_runs(q)
            .await?
            .into_iter()
            .map(|r| r.id)
            .collect())
    }

    async fn cancel_signal(&self) {
        let mut rx = self.services.bus.subscribe();
        loop {
            match tokio::time::timeout(MAX_IDLE, rx.recv()).await {
                Ok(Ok(e)) if e.is_named("prefect.flow-run.Cancelling") => return,
                Ok(Ok(_)) => continue,
                _ => return,
            }
        }
    }

    async fn idle(&self, stop: &CancellationToken) {
        let mut wake = self.wake.lock().await;
        let seen = self.seen.load(std::sync::atomic::Ordering::SeqCst);
        if self.services.wakes.pool_generation(&self.pool) != seen {
            // Woken since the last look (runs were made due meanwhile): look again at once.
            return;
        }
        let now = self.services.clock.now();
        // A run already due that the last poll did not take (limits full) is no reason to poll again at once:
        // a freed slot or a new run wakes the worker through `wake`.
        let next = self
            .services
            .next_due_in_pool(self.pool.clone())
            .await
            .ok()
            .flatten()
            .filter(|t| *t > now);
        let sleep = next
            .map(|t| (t - now).to_std().unwrap_or_default().min(MAX_IDLE))
            .unwrap_or(MAX_IDLE);
        let deadline = tokio::time::Instant::now() + sleep;
        self.services
            .pool_wake(&mut wake, &self.pool, seen, deadline, stop)
            .await;
    }
}

/// After a restart: runs this worker had claimed are CRASHED (CANCELLING ones CANCELLED) and a process of
/// theirs that outlived the old server is ended, since nothing can follow it any more; so no run stays
/// PENDING or RUNNING forever.
pub async fn reap_orphans(services: &Arc<Services>, worker_name: &str) {
    let cond = Cond::state_types(&StateType::ACTIVE);
    let mut skipped: u64 = 0;
    loop {
        // Runs marked here leave the result set; only the ones skipped stay ahead of the page.
        let q = Query::new(cond.clone(), Order::asc(Field::Id), None, skipped);
        let Ok(runs) = services.flow_runs(q).await else {
            return;
        };
        let n = runs.len();
        for run in runs {
            let ours = run
                .labels
                .get("prefect.worker.name")
                .and_then(|v| v.as_str())
                == Some(worker_name);
            let pid = run
                .infrastructure_pid
                .as_deref()
                .and_then(|p| p.parse::<u32>().ok());
            if !ours {
                skipped += 1;
                continue;
            }
            if let Some(pid) =
                pid.filter(|p| super::process::is_run_process(*p, &run.id.to_string()))
            {
                super::process::signal_group(pid, nix::sys::signal::Signal::SIGKILL);
            }
            let (kind, message) = if run.state_type() == Some(StateType::Cancelling) {
                (
                    StateType::Cancelled,
                    "Cancelled: the server restarted and the run's process is gone.",
                )
            } else {
                (
                    StateType::Crashed,
                    "The server restarted and the run's process is gone.",
                )
            };
            let proposed = ProposedState {
                message: Some(message.into()),
                ..ProposedState::of(kind)
            };
            match services.set_flow_run_state(run.id, proposed, false).await {
                Ok(out) if out.decision.written_state().is_some() => {
                    tracing::info!(run = %run.id, "marked a run left by a previous instance as {}", kind.as_str());
                }
                Ok(_) => skipped += 1,
                Err(e) => {
                    skipped += 1;
                    tracing::warn!(run = %run.id, error = %e, "could not mark an orphaned run");
                }
            }
        }
        if n < crate::domain::filter::MAX_LIMIT as usize {
            return;
        }
    }
}
