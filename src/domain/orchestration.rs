//! The one entry point of flow-run orchestration. [`orchestrate`] decides on a proposed state for a run and,
//! when the decision writes a state, applies it to the run. In order:
//!
//! 1. a claim (SCHEDULED → PENDING) of a deployment's run first meets the deployment's rules: its catch-up
//!    policy may skip the run, then its concurrency limit may enqueue or cancel it;
//! 2. otherwise Prefect's core policy decides ([`policy::decide`]);
//! 3. a written state gets the bookkeeping every state gets ([`policy::apply`]), and an AwaitingRetry that
//!    the run's own engine asked for is marked as retried in process (no worker may start it again).
//!
//! Pure: the caller reads the facts a claim needs beforehand (a [`Context`]), runs this inside its write
//! transaction and persists the run as changed here.

use super::catchup::Catchup;
use super::concurrency::Collision;
use super::flow_run::{FlowRun, ProposedState, RetryType};
use super::policy::{self, Decision};
use super::state::name;
use super::{StateType, Ts};
use chrono::Duration;

/// How long past its time a scheduled run may wait before it is Late.
pub const LATE_AFTER: Duration = Duration::seconds(15);

/// What orchestration knows besides the run and the proposal.
#[derive(Clone, Debug, PartialEq)]
pub struct Context {
    /// The time of the decision (the state's timestamp).
    pub now: Ts,
    /// The client forces the state: every rule is skipped but the bookkeeping.
    pub force: bool,
    /// What a claim needs to know about the run's deployment, read by the caller when
    /// [`reads_deployment`] says so; `None` otherwise (or when the deployment is gone).
    pub deployment: Option<DeploymentFacts>,
}

impl Context {
    /// A context at `now`, not forced, without deployment facts.
    pub fn new(now: Ts) -> Context {
        Context {
            now,
            force: false,
            deployment: None,
        }
    }

    /// The same context, forced or not.
    pub fn forced(mut self, force: bool) -> Context {
        self.force = force;
        self
    }
}

/// What the rules of a claim read about the run's deployment.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct DeploymentFacts {
    /// The deployment's catch-up policy.
    pub catchup: Catchup,
    /// Whether a newer run the scheduler created for the deployment is due too (read for
    /// [`Catchup::Latest`] and a [`catchup_candidate`] only; `false` otherwise).
    pub newer_run_due: bool,
    /// The deployment's concurrency limit, if it has one (and it is active).
    pub slots: Option<Slots>,
    /// A run starting (PENDING → RUNNING) whose deployment slot's lease expired while it was pending, and
    /// no slot is free any more.
    pub slot_lost: bool,
}

/// A deployment's concurrency limit and how full it is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Slots {
    pub limit: i64,
    pub collision: Collision,
    /// Runs of the deployment holding a slot (in a [`StateType::ACTIVE`] state).
    pub active: i64,
}

/// Whether `proposal` claims `run` (SCHEDULED → PENDING).
pub fn is_claim(run: &FlowRun, proposal: &ProposedState) -> bool {
    proposal.kind == StateType::Pending && run.state_type() == Some(StateType::Scheduled)
}

/// Whether `proposal` starts a claimed run that holds a deployment slot (PENDING → RUNNING).
pub fn is_start_with_slot(run: &FlowRun, proposal: &ProposedState) -> bool {
    proposal.kind == StateType::Running
        && run.state_type() == Some(StateType::Pending)
        && run
            .state
            .as_ref()
            .is_some_and(|s| s.details.deployment_concurrency_lease_id.is_some())
}

/// Whether [`orchestrate`] reads [`DeploymentFacts`] for this proposal: an unforced claim of a deployment's
/// run, or the start of a run holding a deployment slot. Callers read the facts only then.
pub fn reads_deployment(run: &FlowRun, proposal: &ProposedState, force: bool) -> bool {
    !force
        && run.deployment_id.is_some()
        && (is_claim(run, proposal) || is_start_with_slot(run, proposal))
}

/// The time a run is due, when its deployment's catch-up policy may skip it: a run the scheduler created
/// for a deployment, still waiting (Scheduled or Late). Runs someone asked for are never skipped.
pub fn catchup_candidate(run: &FlowRun) -> Option<Ts> {
    let state = run.state.as_ref()?;
    let waiting = state.is(StateType::Scheduled, name::SCHEDULED)
        || state.is(StateType::Scheduled, name::LATE);
    if run.deployment_id.is_none() || !run.auto_scheduled || !waiting {
        return None;
    }
    run.next_scheduled_start_time.or(run.expected_start_time)
}

/// The rejection into the Skipped state when the deployment's catch-up policy skips `run` at `now` (on a
/// claim, and when the late-runs sweep looks at a Late run); `None` when the run may go ahead.
pub fn catchup_skip(run: &FlowRun, facts: &DeploymentFacts, now: Ts) -> Option<Decision> {
    let at = catchup_candidate(run)?;
    let newer = facts.catchup == Catchup::Latest && facts.newer_run_due;
    if !facts.catchup.skips(at, newer, now, LATE_AFTER) {
        return None;
    }
    Some(Decision::Reject {
        state: Some(facts.catchup.skipped_state(now)),
        reason: "Skipped by the deployment's catch-up policy.".into(),
    })
}

/// Decides on `proposal` for `run` in `ctx` and, when the decision writes a state, applies it to `run`.
/// An accepted state is returned as written (with its bookkeeping details).
pub fn orchestrate(run: &mut FlowRun, mut proposal: ProposedState, ctx: &Context) -> Decision {
    let now = ctx.now;
    if let (Some(parent), Some(_)) = (run.parent_task_run_id, &run.state) {
        // A subflow's later states name the task run that stands for it in its parent.
        proposal.details.task_run_id = Some(parent);
    }
    if proposal.details.deployment_concurrency_lease_id.is_none() {
        // The lease of the run's deployment slot follows the run from state to state (clients send none).
        proposal.details.deployment_concurrency_lease_id = run
            .state
            .as_ref()
            .and_then(|s| s.details.deployment_concurrency_lease_id);
    }
    if !ctx.force
        && is_start_with_slot(run, &proposal)
        && ctx.deployment.is_some_and(|f| f.slot_lost)
    {
        let decision = policy::slot_lost(now);
        if let Some(state) = decision.written_state().cloned() {
            policy::apply(run, state, now);
        }
        return decision;
    }
    let claim = (!ctx.force && is_claim(run, &proposal))
        .then(|| deployment_rules(run, ctx))
        .flatten();
    let engine_failed = proposal.kind == StateType::Failed && !proposal.retry_elsewhere;
    let decision = claim.unwrap_or_else(|| policy::decide(run, proposal, ctx.force, now));
    let Some(state) = decision.written_state().cloned() else {
        return decision;
    };
    let retry_in_process = engine_failed && state.is(StateType::Scheduled, name::AWAITING_RETRY);
    policy::apply(run, state, now);
    if retry_in_process {
        // The engine that reported FAILED retries in its own process: no worker may start another one.
        run.empirical_policy.retry_type = Some(RetryType::InProcess);
    }
    match (decision, &run.state) {
        (Decision::Accept(_), Some(written)) => Decision::Accept(written.clone()),
        (other, _) => other,
    }
}

/// A claim of a deployment's run: skipped by the catch-up policy, else held back by the concurrency limit.
fn deployment_rules(run: &FlowRun, ctx: &Context) -> Option<Decision> {
    let facts = ctx.deployment.as_ref()?;
    catchup_skip(run, facts, ctx.now).or_else(|| {
        let s = facts.slots?;
        policy::deployment_slot(s.limit, s.active, s.collision, ctx.now)
    })
}

#[cfg(test)]
#[path = "orchestration_tests.rs"]
mod tests;
