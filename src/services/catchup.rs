//! Catch-up use cases: read and set a deployment's policy, skip missed runs when a worker claims them, and
//! sweep Late runs (after downtime) so that only what the policy allows is left waiting.

use super::flow_runs::transition;
use super::late_runs::grace;
use super::{Result, ServiceError, Services};
use crate::domain::catchup::Catchup;
use crate::domain::flow_run::{FlowRun, ProposedState};
use crate::domain::state::name;
use crate::domain::{Decision, StateType, Ts};
use crate::store::{catchup, deployments, flow_runs, StoreError, Tx};
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
                        if let Some(Decision::Reject {
                            state: Some(state), ..
                        }) = claim_decision(tx, &run, now)?
                        {
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

/// When a worker claims `run` (or a sweep looks at it): a rejection into the Skipped state when its
/// deployment's policy skips it, else `None`.
pub(super) fn claim_decision(
    tx: &Tx,
    run: &FlowRun,
    now: Ts,
) -> crate::store::Result<Option<Decision>> {
    let (Some(dep), true) = (run.deployment_id, run.auto_scheduled) else {
        return Ok(None);
    };
    let Some(state) = &run.state else {
        return Ok(None);
    };
    if !state.is(StateType::Scheduled, name::SCHEDULED)
        && !state.is(StateType::Scheduled, name::LATE)
    {
        return Ok(None);
    }
    let policy = catchup::get(tx, dep)?;
    let Some(at) = run.next_scheduled_start_time.or(run.expected_start_time) else {
        return Ok(None);
    };
    let newer = policy == Catchup::Latest && catchup::newer_due(tx, dep, at, now)?;
    if !policy.skips(at, newer, now, grace()) {
        return Ok(None);
    }
    Ok(Some(Decision::Reject {
        state: Some(policy.skipped_state(now)),
        reason: "Skipped by the deployment's catch-up policy.".into(),
    }))
}
