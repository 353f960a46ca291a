//! Flow-run use cases: create, read, update, delete, and `set_state`, which runs the orchestration policy
//! inside the write transaction and emits the state event in the same commit.

use super::{Result, ServiceError, Services};
use crate::domain::event::{flow_run_state_event, Event};
use crate::domain::filter::{Cond, Query};
use crate::domain::flow_run::{
    generate_name, FlowRun, FlowRunPatch, NewFlowRun, ProposedState, RETRY_IN_PROCESS,
};
use crate::domain::policy::{self, Decision};
use crate::domain::state::name;
use crate::domain::task_run::apply_state as apply_task_state;
use crate::domain::{Doc, State, StateType, Ts};
use crate::store::{flow_runs, flows, task_runs, StoreError, Tx};
use uuid::Uuid;

/// The answer to a proposed state.
#[derive(Debug, Clone)]
pub struct SetStateOutcome {
    pub decision: Decision,
    /// The run's state after the decision (the new one when written, else the current one).
    pub state: Option<State>,
}

impl Services {
    /// Creates a flow run. With an idempotency key that was used before for the same flow, returns the
    /// existing run and `false`.
    pub async fn create_flow_run(&self, new: NewFlowRun) -> Result<(FlowRun, bool)> {
        let now = self.clock.now();
        let (run, created, events) = self
            .store
            .write(move |tx| {
                let flow = flows::get(tx, new.flow_id)?.ok_or_else(|| {
                    StoreError::Invalid(format!("flow_id: flow {} does not exist", new.flow_id))
                })?;
                if let Some(key) = &new.idempotency_key {
                    if let Some(existing) = flow_runs::by_idempotency_key(tx, new.flow_id, key)? {
                        return Ok((existing, false, Vec::new()));
                    }
                }
                let (mut run, events) = build_run(new, &flow.name, now);
                flow_runs::place(tx, &mut run)?;
                flow_runs::insert(tx, &run)?;
                store_events(tx, &events)?;
                Ok((run, true, events))
            })
            .await?;
        if created && run.state_type() == Some(StateType::Scheduled) {
            // A new waiting run may turn Late before the late-runs loop would next look.
            self.late_wake.notify_one();
        }
        self.bus.publish(events);
        Ok((run, created))
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
        if self
            .store
            .write(move |tx| flow_runs::delete(tx, id))
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
            .write(move |tx| {
                let run = flow_runs::get(tx, id)?.ok_or(StoreError::NotFound("flow run"))?;
                transition(tx, run, proposed, force, now)
            })
            .await
            .map_err(|e| match e {
                StoreError::NotFound(_) => not_found(id),
                other => ServiceError::from(other),
            })?;
        let written = outcome.decision.written_state().map(|s| s.kind);
        if let (Some(StateType::Pending), Some(s)) = (written, &outcome.state) {
            self.record_claim(s.scheduled_time(), s.timestamp);
        }
        if written == Some(StateType::Scheduled) {
            self.late_wake.notify_one();
        }
        if written.is_some_and(|k| k == StateType::Scheduled || k.is_terminal()) {
            // A run became due again, or a run left its slot: workers may have work now.
            self.wake_workers();
        }
        self.bus.publish(events);
        Ok(outcome)
    }
}

/// Decides and applies a proposed state on `run` inside the caller's transaction: the state, its history row,
/// the subflow's parent task run and the state event are written together.
pub(super) fn transition(
    tx: &Tx,
    mut run: FlowRun,
    mut proposed: ProposedState,
    force: bool,
    now: Ts,
) -> crate::store::Result<(SetStateOutcome, Vec<Event>)> {
    let id = run.id;
    if let Some(parent) = run.parent_task_run_id {
        proposed.details.insert(
            "task_run_id".into(),
            serde_json::Value::String(parent.to_string()),
        );
    }
    let claim =
        proposed.kind == StateType::Pending && run.state_type() == Some(StateType::Scheduled);
    let slot = if claim && !force {
        match super::catchup::claim_decision(tx, &run, now)? {
            Some(skip) => Some(skip),
            None => deployment_slot_decision(tx, &run, now)?,
        }
    } else {
        None
    };
    let in_process = proposed.kind == StateType::Failed && !proposed.retry_elsewhere;
    let decision = slot.unwrap_or_else(|| policy::decide(&run, proposed, force, now));
    let Some(new_state) = decision.written_state().cloned() else {
        let state = match decision {
            Decision::Reject { .. } => run.state.clone(),
            _ => None,
        };
        return Ok((SetStateOutcome { decision, state }, Vec::new()));
    };
    let from = run.state.clone();
    let before = run.clone();
    let in_process_retry = in_process && new_state.name == name::AWAITING_RETRY;
    policy::apply(&mut run, new_state, now);
    if in_process_retry {
        // The engine that reported FAILED retries in its own process: no worker may start another one.
        run.empirical_policy.insert(
            "retry_type".into(),
            serde_json::Value::from(RETRY_IN_PROCESS),
        );
    }
    flow_runs::update_changed(tx, &before, &run)?;
    let state = run.state.clone();
    let mut events = Vec::new();
    if let Some(s) = &state {
        flow_runs::insert_state(tx, id, s)?;
        mirror_onto_parent_task(tx, &run, s, now)?;
        let flow = flows::get(tx, run.flow_id)?;
        events.push(flow_run_state_event(
            &run,
            flow.as_ref().map(|f| f.name.as_str()),
            from.as_ref(),
            s,
        ));
    }
    store_events(tx, &events)?;
    let decision = match decision {
        Decision::Accept(_) => Decision::Accept(
            state
                .clone()
                .unwrap_or_else(|| State::new(StateType::Pending, now)),
        ),
        other => other,
    };
    Ok((SetStateOutcome { decision, state }, events))
}

/// A claim of a deployment run that has a concurrency limit: enqueue or cancel when no slot is free.
fn deployment_slot_decision(
    tx: &Tx,
    run: &FlowRun,
    now: Ts,
) -> crate::store::Result<Option<Decision>> {
    let Some(dep_id) = run.deployment_id else {
        return Ok(None);
    };
    let Some(dep) = crate::store::deployments::get(tx, dep_id)? else {
        return Ok(None);
    };
    let Some(limit) = dep.concurrency_limit else {
        return Ok(None);
    };
    let collision = dep.concurrency_options.unwrap_or_default().collision;
    let active = flow_runs::active_in_deployment(tx, dep_id)?;
    Ok(policy::deployment_slot(limit, active, collision, now))
}

pub(super) fn build_run(new: NewFlowRun, flow_name: &str, now: Ts) -> (FlowRun, Vec<Event>) {
    let id = new.id.unwrap_or_else(Uuid::now_v7);
    let mut run = FlowRun {
        id,
        created: now,
        updated: now,
        name: new
            .name
            .filter(|n| !n.is_empty())
            .unwrap_or_else(|| generate_name(id.as_u128() ^ (id.as_u128() >> 64))),
        flow_id: new.flow_id,
        deployment_id: new.deployment_id,
        deployment_schedule_id: new.deployment_schedule_id,
        deployment_version: new.deployment_version,
        work_queue_name: new.work_queue_name,
        work_queue_id: None,
        work_pool_id: None,
        work_pool_name: new.work_pool_name,
        flow_version: new.flow_version,
        parameters: new.parameters,
        idempotency_key: new.idempotency_key,
        context: new.context,
        empirical_policy: new.empirical_policy,
        tags: new.tags,
        labels: new.labels,
        parent_task_run_id: new.parent_task_run_id,
        state: None,
        run_count: 0,
        expected_start_time: None,
        next_scheduled_start_time: None,
        start_time: None,
        end_time: None,
        total_run_time: 0.0,
        auto_scheduled: new.auto_scheduled,
        infrastructure_document_id: new.infrastructure_document_id,
        infrastructure_pid: None,
        created_by: new.created_by,
        job_variables: new.job_variables,
    };
    let proposed = new
        .state
        .unwrap_or_else(|| ProposedState::of(StateType::Pending));
    let mut events = Vec::new();
    if let Decision::Accept(state) = policy::decide(&run, proposed, false, now) {
        policy::apply(&mut run, state, now);
        if let Some(s) = &run.state {
            events.push(flow_run_state_event(&run, Some(flow_name), None, s));
        }
    }
    (run, events)
}

/// A subflow's parent task run follows the subflow's state (Prefect's server does the same; clients never
/// set it themselves).
fn mirror_onto_parent_task(
    tx: &Tx,
    run: &FlowRun,
    state: &State,
    now: Ts,
) -> crate::store::Result<()> {
    let Some(parent) = run.parent_task_run_id else {
        return Ok(());
    };
    let Some(mut task) = task_runs::get(tx, parent)? else {
        return Ok(());
    };
    let mut copy = state.clone();
    copy.id = Uuid::now_v7();
    copy.details.remove("flow_run_id");
    copy.details.insert(
        "task_run_id".into(),
        serde_json::Value::String(parent.to_string()),
    );
    copy.details.insert(
        "child_flow_run_id".into(),
        serde_json::Value::String(run.id.to_string()),
    );
    if apply_task_state(&mut task, copy, true, now) {
        task_runs::upsert(tx, &task)?;
        if let Some(s) = &task.state {
            task_runs::insert_state(tx, parent, s)?;
        }
    }
    Ok(())
}

pub(super) fn store_events(tx: &Tx, events: &[Event]) -> crate::store::Result<()> {
    for e in events {
        crate::store::events::insert(tx, e)?;
    }
    Ok(())
}

fn not_found(id: Uuid) -> ServiceError {
    ServiceError::NotFound(format!("Flow run {id} not found"))
}
