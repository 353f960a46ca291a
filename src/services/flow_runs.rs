//! Flow-run use cases: create, read, update, delete, and `set_state`, which orchestrates the proposal inside
//! the write transaction (through `orchestration`) and emits the state event in the same commit.

pub use super::orchestration::SetStateOutcome;
use super::orchestration::{build_run, store_run_events, transition};
use super::{Result, ServiceError, Services};
use crate::domain::filter::{Cond, Query};
use crate::domain::flow_run::{FlowRun, FlowRunPatch, NewFlowRun, ProposedState};
use crate::domain::{Doc, State, StateType};
use crate::store::{flow_runs, flows, StoreError};
use uuid::Uuid;

impl Services {
    /// Creates a flow run. With an idempotency key that was used before for the same flow, returns the
    /// existing run and `false`.
    pub async fn create_flow_run(&self, new: NewFlowRun) -> Result<(FlowRun, bool)> {
        let now = self.clock.now();
        let (run, created, events) = self
            .store
            .write_repeatable(move |tx| {
                let flow = flows::get(tx, new.flow_id)?.ok_or_else(|| {
                    StoreError::Invalid(format!("flow_id: flow {} does not exist", new.flow_id))
                })?;
                if let Some(key) = &new.idempotency_key {
                    if let Some(existing) = flow_runs::by_idempotency_key(tx, new.flow_id, key)? {
                        return Ok((existing, false, Vec::new()));
                    }
                }
                let (mut run, events) = build_run(new.clone(), &flow.name, now);
                flow_runs::place(tx, &mut run)?;
                flow_runs::insert(tx, &run)?;
                store_run_events(tx, &events)?;
                Ok((run, true, events))
            })
            .await?;
        self.after_create(&run, created, events);
        Ok((run, created))
    }

    /// What follows a run's creation once it is committed (through `/flow_runs/` or a deployment): publish
    /// its events; a new waiting run may turn Late before the late-runs loop would next look, and may be due
    /// for its pool's workers now.
    pub(super) fn after_create(
        &self,
        run: &FlowRun,
        created: bool,
        events: Vec<crate::domain::run_state_event::RunStateEvent>,
    ) {
        self.bus.publish(events);
        if created && run.state_type() == Some(StateType::Scheduled) {
            self.wake_late_loop(run.next_scheduled_start_time);
            self.wake_pool(run.work_pool_name.as_deref());
        }
    }

    /// The flow run with this id.
    pub async fn flow_run(&self, id: Uuid) -> Result<FlowRun> {
        self.store
            .read(move |tx| flow_runs::get(tx, id))
            .await?
            .ok_or_else(|| not_found(id))
    }

    /// A flow run's state history, oldest first.
    pub async fn flow_run_states(&self, id: Uuid) -> Result<Vec<State>> {
        Ok(self.store.read(move |tx| flow_runs::states(tx, id)).await?)
    }

    /// One state of a flow run's history, by its id.
    pub async fn flow_run_state(&self, id: Uuid) -> Result<State> {
        self.store
            .read(move |tx| flow_runs::state(tx, id))
            .await?
            .ok_or_else(|| ServiceError::NotFound(format!("Flow run state {id} not found")))
    }

    /// Runs matching a query.
    pub async fn flow_runs(&self, q: Query) -> Result<Vec<FlowRun>> {
        Ok(self.store.read(move |tx| flow_runs::list(tx, &q)).await?)
    }

    /// How many runs match.
    pub async fn count_flow_runs(&self, cond: Cond) -> Result<u64> {
        Ok(self
            .store
            .read(move |tx| flow_runs::count(tx, &cond))
            .await?)
    }

    /// Applies a partial update.
    pub async fn update_flow_run(&self, id: Uuid, patch: FlowRunPatch) -> Result<()> {
        let now = self.clock.now();
        self.modify_run(id, move |run| {
            patch.apply(run);
            run.updated = now;
        })
        .await
    }

    /// Merges labels into a run's labels.
    pub async fn update_flow_run_labels(&self, id: Uuid, labels: Doc) -> Result<()> {
        let now = self.clock.now();
        self.modify_run(id, move |run| {
            run.labels.extend(labels);
            run.updated = now;
        })
        .await
    }

    async fn modify_run(
        &self,
        id: Uuid,
        f: impl FnOnce(&mut FlowRun) + Send + 'static,
    ) -> Result<()> {
        self.store
            .write(move |tx| {
                let mut run = flow_runs::get(tx, id)?.ok_or(StoreError::NotFound("flow run"))?;
                let before = run.clone();
                f(&mut run);
                flow_runs::update_changed(tx, &before, &run)
            })
            .await
            .map_err(|e| match e {
                StoreError::NotFound(_) => not_found(id),
                other => other.into(),
            })
    }

    /// Deletes a run with its history, task runs and logs.
    pub async fn delete_flow_run(&self, id: Uuid) -> Result<()> {
        let now = self.clock.now();
        if self
            .store
            .write(move |tx| {
                crate::store::concurrency_leases::release_flow_run(tx, id, now)?;
                flow_runs::delete(tx, id)
            })
            .await?
        {
            Ok(())
        } else {
            Err(not_found(id))
        }
    }

    /// Proposes a state: decided by the policy, written with the history and the state event in one commit.
    pub async fn set_flow_run_state(
        &self,
        id: Uuid,
        proposed: ProposedState,
        force: bool,
    ) -> Result<SetStateOutcome> {
        let now = self.clock.now();
        let (outcome, events) = self
            .store
            .write_repeatable(move |tx| {
                let run = flow_runs::get(tx, id)?.ok_or(StoreError::NotFound("flow run"))?;
                transition(tx, run, proposed.clone(), force, now)
            })
            .await
            .map_err(|e| match e {
                StoreError::NotFound(_) => not_found(id),
                other => ServiceError::from(other),
            })?;
        Ok(self.after_transition(outcome, events))
    }

    /// What follows a flow run's transition once it is committed: wake whoever has work now, and publish
    /// the state events.
    pub(super) fn after_transition(
        &self,
        outcome: SetStateOutcome,
        events: Vec<crate::domain::run_state_event::Published>,
    ) -> SetStateOutcome {
        let written = outcome.decision.written_state().map(|s| s.kind);
        if let (Some(StateType::Pending), Some(s)) = (written, &outcome.state) {
            self.record_claim(s.details.scheduled_time, s.timestamp);
        }
        if let (Some(StateType::Scheduled), Some(s)) = (written, &outcome.state) {
            self.wake_late_loop(s.details.scheduled_time);
        }
        if written.is_some_and(|k| k == StateType::Scheduled || k.is_terminal()) {
            // A run became due again, or a run left its slot (pool, queue and deployment slots are all
            // within the run's pool): that pool's workers may have work now.
            self.wake_pool(outcome.pool.as_deref());
        }
        self.bus.publish(events);
        outcome
    }
}

fn not_found(id: Uuid) -> ServiceError {
    ServiceError::NotFound(format!("Flow run {id} not found"))
}
