//! The crash reaper: a worker that misses three heartbeats is offline, and the runs it had claimed
//! (PENDING or RUNNING, labelled with its name) are CRASHED, so retries apply and slots are freed.

use super::orchestration::transition;
use super::{Result, Services};
use crate::domain::flow_run::ProposedState;
use crate::domain::StateType;
use crate::store::{flow_runs, work_pools};
use std::sync::Arc;
use std::time::Duration;

const EVERY: Duration = Duration::from_secs(2);

impl Services {
    /// Crashes the runs of workers that went offline; returns how many.
    pub async fn reap_offline_workers(&self) -> Result<usize> {
        let now = self.clock.now();
        let (n, events) = self
            .store
            .write(move |tx| {
                let mut events = Vec::new();
                let mut n = 0;
                for w in work_pools::all_workers(tx)? {
                    if w.online(now) {
                        continue;
                    }
                    for run in flow_runs::claimed_by_worker(tx, w.work_pool_id, &w.name)? {
                        let msg = format!(
                            "Worker '{}' stopped sending heartbeats while the run was in progress.",
                            w.name
                        );
                        let kind = if run.state_type() == Some(StateType::Cancelling) {
                            StateType::Cancelled
                        } else {
                            StateType::Crashed
                        };
                        let crashed = ProposedState {
                            message: Some(msg),
                            ..ProposedState::of(kind)
                        };
                        let (_, evs) = transition(tx, run, crashed, false, now)?;
                        events.extend(evs);
                        n += 1;
                    }
                }
                Ok((n, events))
            })
            .await?;
        if n > 0 {
            self.bus.publish(events);
            self.wake_workers();
        }
        Ok(n)
    }
}

/// Runs the reaper until the server stops.
pub async fn run(services: Arc<Services>) {
    loop {
        match services.reap_offline_workers().await {
            Ok(0) => {}
            Ok(n) => tracing::warn!(runs = n, "crashed runs of workers that went offline"),
            Err(e) => tracing::warn!(error = %e, "the crash reaper failed"),
        }
        tokio::select! {
            _ = services.stop.cancelled() => return,
            _ = tokio::time::sleep(EVERY) => {}
        }
    }
}
