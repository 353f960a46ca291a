//! Catch-up use cases: read and set a deployment's policy, and sweep Late runs (after downtime) so that only
//! what the policy allows is left waiting. A claim meets the same rule in `domain::orchestrate`.

use super::orchestration::{catchup_skip, transition};
use super::{Result, ServiceError, Services};
use crate::domain::catchup::Catchup;
use crate::domain::flow_run::ProposedState;
use crate::domain::{StateType, Ts};
use crate::store::{catchup, deployments, flow_runs, StoreError};
use uuid::Uuid;

/// Runs checked per write transaction in a sweep.
const PAGE: u32 = 200;

impl Services {
    /// A deployment's catch-up policy.
    pub async fn deployment_catchup(&self, id: Uuid) -> Result<Catchup> {
        self.store
            .read(move |tx| {
                deployments::get(tx, id)?.ok_or(StoreError::NotFound("deployment"))?;
                catchup::get(tx, id)
            })
            .await
            .map_err(ServiceError::from)
    }

    /// Sets a deployment's catch-up policy, then applies it to runs already Late.
    pub async fn set_deployment_catchup(&self, id: Uuid, policy: Catchup) -> Result<()> {
        self.store
            .write(move |tx| {
                deployments::get(tx, id)?.ok_or(StoreError::NotFound("deployment"))?;
                catchup::set(tx, id, policy)
            })
            .await?;
        self.skip_missed_runs(self.clock.now()).await?;
        Ok(())
    }

    /// Skips the Late runs that their deployment's policy says not to run; returns how many.
    pub async fn skip_missed_runs(&self, now: Ts) -> Result<usize> {
        let mut after = None;
        let mut total = 0;
        loop {
            let (seen, last, skipped, events) = self
                .store
                .write(move |tx| {
                    let page = catchup::late_candidates(tx, after, PAGE)?;
                    let mut events = Vec::new();
                    let mut skipped = 0;
                    for (id, _, _) in &page {
                        let Some(run) = flow_runs::get(tx, *id)? else {
                            continue;
                        };
                        if let Some(state) = catchup_skip(tx, &run, now)? {
                            let mut p = ProposedState::of(StateType::Cancelled);
                            p.name = Some(state.name);
                            p.message = state.message;
                            let (_, evs) = transition(tx, run, p, false, now)?;
                            events.extend(evs);
                            skipped += 1;
                        }
                    }
                    Ok((page.len(), page.last().map(|c| c.1), skipped, events))
                })
                .await?;
            self.bus.publish(events);
            total += skipped;
            if seen < PAGE as usize {
                return Ok(total);
            }
            after = last;
        }
    }
}
