//! Orchestration inside a write transaction: read the facts a proposal needs from the store, call
//! [`domain::orchestrate`](crate::domain::orchestrate), then persist the run, its history row, the subflow's
//! parent task run and the state event together. Every use case that creates a flow run or changes its
//! state (`set_state`, deployments, the scheduler, the late-runs sweep, catch-up, the reaper) goes through
//! here.
//!
//! Architecture invariant: this module calls no other service module, and no use case imports another to
//! change a run's state.

use crate::domain::catchup::Catchup;
use crate::domain::event::Event;
use crate::domain::flow_run::{generate_name, FlowRun, NewFlowRun, ProposedState};
use crate::domain::lease::{Holder, HolderKind, Lease};
use crate::domain::orchestration::{self, orchestrate, Context, DeploymentFacts, Slots};
use crate::domain::run_state_event::{Published, RunStateEvent};
use crate::domain::task_run::apply_state as apply_task_state;
use crate::domain::{Decision, State, StateType, Ts};
use crate::store::{
    catchup, concurrency_leases, concurrency_limits, deployments, flow_runs, flows, run_inputs,
    task_runs, Result, Tx,
};
use uuid::Uuid;

/// The answer to a proposed state.
#[derive(Debug, Clone)]
pub struct SetStateOutcome {
    pub decision: Decision,
    /// The run's state after the decision (the new one when written, else the current one).
    pub state: Option<State>,
    /// The run's work pool, whose workers a written state may concern.
    pub pool: Option<String>,
}

/// Orchestrates `proposed` on `run` inside the caller's transaction and writes what the decision implies:
/// the run, its state history row, the subflow's parent task run and the state event.
pub(super) fn transition(
    tx: &Tx,
    mut run: FlowRun,
    proposed: ProposedState,
    force: bool,
    now: Ts,
) -> Result<(SetStateOutcome, Vec<Published>)> {
    let (deployment, gate) = if orchestration::reads_deployment(&run, &proposed, force) {
        deployment_facts(tx, &run, now)?
    } else {
        (None, None)
    };
    let ctx = Context {
        deployment,
        ..Context::new(now).forced(force)
    };
    let mut before = run.clone();
    let mut decision = orchestrate(&mut run, proposed, &ctx);
    if decision.written_state().is_none() {
        let state = match decision {
            Decision::Reject { .. } => run.state.clone(),
            _ => None,
        };
        let pool = run.work_pool_name;
        return Ok((
            SetStateOutcome {
                decision,
                state,
                pool,
            },
            Vec::new(),
        ));
    }
    hold_deployment_slot(tx, &before, &mut run, &mut decision, gate, now)?;
    flow_runs::update_changed(tx, &before, &run)?;
    let mut events = Vec::new();
    if let Some(s) = &run.state {
        flow_runs::insert_state(tx, run.id, s)?;
        if let (StateType::Paused, Some(keys)) = (s.kind, &s.details.run_input_keyset) {
            // Input stored under the keys of a pause that fires now belongs to an earlier attempt.
            for key in keys.values() {
                run_inputs::delete(tx, run.id, key)?;
            }
        }
        mirror_onto_parent_task(tx, &run, s, now)?;
        let flow = flows::name(tx, run.flow_id)?;
        let event = RunStateEvent::new(&run, flow.as_deref(), before.state.take(), s.clone());
        crate::store::events::insert_stored(tx, &event.stored())?;
        events.push(Published::from(event));
    }
    let (state, pool) = (run.state, run.work_pool_name);
    Ok((
        SetStateOutcome {
            decision,
            state,
            pool,
        },
        events,
    ))
}

/// A deployment's own limit, as a claim or start of one of its runs sees it.
#[derive(Clone, Copy, Debug)]
struct Gate {
    limit_id: Uuid,
    /// How long a slot's lease lasts before the run's engine renews it.
    lease: chrono::Duration,
}

/// The lease length of a deployment slot when the deployment names no grace period (five minutes).
const SLOT_LEASE_SECONDS: i64 = 300;

/// What a claim or start of `run` needs to know about its deployment; `None` when it has none (or it is
/// gone). With a concurrency limit, also the deployment's own limit.
fn deployment_facts(
    tx: &Tx,
    run: &FlowRun,
    now: Ts,
) -> Result<(Option<DeploymentFacts>, Option<Gate>)> {
    let Some(id) = run.deployment_id else {
        return Ok((None, None));
    };
    let Some((concurrency_limit, concurrency_options)) = deployments::limit_of(tx, id)? else {
        return Ok((None, None));
    };
    let mut facts = catchup_facts(tx, run, now)?;
    let mut gate = None;
    if let Some(limit) = concurrency_limit {
        let l = concurrency_limits::deployment_gate(tx, id, limit, now)?;
        let options = concurrency_options.unwrap_or_default();
        let lease =
            chrono::Duration::seconds(options.grace_period_seconds.unwrap_or(SLOT_LEASE_SECONDS));
        if l.active {
            facts.slots = Some(Slots {
                limit: l.limit,
                collision: options.collision,
                active: l.in_use(now),
            });
            let lease_id = run
                .state
                .as_ref()
                .and_then(|s| s.details.deployment_concurrency_lease_id);
            if let Some(lid) = lease_id.filter(|_| run.state_type() == Some(StateType::Pending)) {
                let alive = concurrency_leases::get(tx, lid)?.is_some_and(|x| x.is_alive(now));
                facts.slot_lost = !alive && l.in_use(now) >= l.limit;
            }
        }
        gate = Some(Gate {
            limit_id: l.id,
            lease,
        });
    }
    Ok((Some(facts), gate))
}

/// The deployment-slot lease that goes with a written state: a claim takes a slot under a new lease (its id
/// in the state's details), a start renews it (or takes a slot again when it expired), and a run leaving
/// the active states releases what it and its task runs hold, unless it retries in its own process.
fn hold_deployment_slot(
    tx: &Tx,
    before: &FlowRun,
    run: &mut FlowRun,
    decision: &mut Decision,
    gate: Option<Gate>,
    now: Ts,
) -> Result<()> {
    let (from, Some(state)) = (before.state_type(), run.state.as_mut()) else {
        return Ok(());
    };
    let to = state.kind;
    let was_active = from.is_some_and(|f| StateType::ACTIVE.contains(&f));
    if let (Some(g), true) = (
        gate,
        to == StateType::Pending && from == Some(StateType::Scheduled),
    ) {
        let lease = slot_lease(g, run.id, now);
        concurrency_leases::insert(tx, &lease)?;
        state.details.deployment_concurrency_lease_id = Some(lease.id);
        if let Decision::Accept(s) = decision {
            s.details.deployment_concurrency_lease_id = Some(lease.id);
        }
    } else if let (Some(g), true) = (
        gate,
        to == StateType::Running && from == Some(StateType::Pending),
    ) {
        if let Some(lid) = state.details.deployment_concurrency_lease_id {
            match concurrency_leases::get(tx, lid)? {
                Some(l) if l.is_alive(now) => {
                    concurrency_leases::set_expiry(tx, lid, now + g.lease)?
                }
                _ => {
                    concurrency_leases::delete(tx, lid)?;
                    concurrency_leases::insert(
                        tx,
                        &Lease {
                            id: lid,
                            ..slot_lease(g, run.id, now)
                        },
                    )?;
                }
            }
        }
    } else if !StateType::ACTIVE.contains(&to) && (was_active || to.is_terminal()) {
        let in_process_retry = run.empirical_policy.retry_type
            == Some(crate::domain::flow_run::RetryType::InProcess)
            && state.name == crate::domain::state::name::AWAITING_RETRY;
        if !in_process_retry {
            let freed = concurrency_leases::release_flow_run(tx, run.id, now)?;
            if let (true, Some(dep)) = (freed > 0, run.deployment_id) {
                offer_freed_slot(tx, dep, run.id, now)?;
            }
        }
    }
    Ok(())
}

/// A deployment slot was freed: the run that has waited longest for one (AwaitingConcurrencySlot) is due
/// now rather than when its wait runs out, so a worker claims it at once.
fn offer_freed_slot(tx: &Tx, deployment: Uuid, freed_by: Uuid, now: Ts) -> Result<()> {
    let waiting = crate::domain::state::name::AWAITING_CONCURRENCY_SLOT;
    let Some(mut next) = flow_runs::longest_waiting_for_slot(tx, deployment, waiting, freed_by)?
    else {
        return Ok(());
    };
    let before = next.clone();
    if let Some(s) = next.state.as_mut() {
        s.details.scheduled_time = Some(now);
    }
    next.next_scheduled_start_time = Some(now);
    flow_runs::update_changed(tx, &before, &next)
}

/// A new lease on one slot of a deployment's own limit, held by `run`.
fn slot_lease(g: Gate, run: Uuid, now: Ts) -> Lease {
    Lease {
        id: Uuid::now_v7(),
        limits: vec![g.limit_id],
        slots: 1,
        holder: Some(Holder {
            kind: HolderKind::FlowRun,
            id: run,
        }),
        created: now,
        expires: now + g.lease,
    }
}

/// The facts the catch-up rule reads about `run`'s deployment (no slots).
fn catchup_facts(tx: &Tx, run: &FlowRun, now: Ts) -> Result<DeploymentFacts> {
    let mut facts = DeploymentFacts::default();
    let (Some(id), Some(at)) = (run.deployment_id, orchestration::catchup_candidate(run)) else {
        return Ok(facts);
    };
    facts.catchup = catchup::get(tx, id)?;
    if facts.catchup == Catchup::Latest {
        facts.newer_run_due = catchup::newer_due(tx, id, at, now)?;
    }
    Ok(facts)
}

/// The Skipped state `run` ends in when its deployment's catch-up policy skips it at `now` (the late-runs
/// sweep asks this of Late runs; a claim meets the same rule in [`orchestrate`]).
pub(super) fn catchup_skip(tx: &Tx, run: &FlowRun, now: Ts) -> Result<Option<State>> {
    let facts = catchup_facts(tx, run, now)?;
    Ok(match orchestration::catchup_skip(run, &facts, now) {
        Some(Decision::Reject { state, .. }) => state,
        _ => None,
    })
}

/// A new run from a client's request, its first state orchestrated, with the state event to store.
pub(super) fn build_run(
    new: NewFlowRun,
    flow_name: &str,
    now: Ts,
) -> (FlowRun, Vec<RunStateEvent>) {
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
    orchestrate(&mut run, proposed, &Context::new(now));
    if let Some(s) = &run.state {
        events.push(RunStateEvent::new(&run, Some(flow_name), None, s.clone()));
    }
    (run, events)
}

/// A subflow's parent task run follows the subflow's state (Prefect's server does the same; clients never
/// set it themselves).
fn mirror_onto_parent_task(tx: &Tx, run: &FlowRun, state: &State, now: Ts) -> Result<()> {
    let Some(parent) = run.parent_task_run_id else {
        return Ok(());
    };
    let Some(mut task) = task_runs::get(tx, parent)? else {
        return Ok(());
    };
    let mut copy = state.clone();
    copy.id = Uuid::now_v7();
    copy.details.flow_run_id = None;
    copy.details.task_run_id = Some(parent);
    copy.details.child_flow_run_id = Some(run.id);
    if apply_task_state(&mut task, copy, true, now) {
        task_runs::upsert(tx, &task)?;
        if let Some(s) = &task.state {
            task_runs::insert_state(tx, parent, s)?;
        }
    }
    Ok(())
}

/// Stores flow runs' state events in the caller's transaction (published on the bus after the commit).
pub(super) fn store_run_events(tx: &Tx, events: &[RunStateEvent]) -> Result<()> {
    for e in events {
        crate::store::events::insert_stored(tx, &e.stored())?;
    }
    Ok(())
}

/// Stores events in the caller's transaction (published on the bus after the commit).
pub(super) fn store_events(tx: &Tx, events: &[Event]) -> Result<()> {
    for e in events {
        crate::store::events::insert(tx, e)?;
    }
    Ok(())
}
