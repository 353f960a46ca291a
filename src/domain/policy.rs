//! The orchestration policy for flow runs: given the run and a proposed state, decide ACCEPT, REJECT, WAIT or
//! ABORT (Prefect's core flow policy, with Baton's stricter terminal protection), then apply the bookkeeping
//! that every accepted state gets (run count, start/end time, total run time, expected start time).
//!
//! Pure functions that take `now`; the one caller is `orchestration::orchestrate`, which adds the rules of
//! claims (catch-up, deployment slots) and runs inside the service's write transaction.

use super::concurrency::Collision;
use super::flow_run::{FlowRun, ProposedState};
use super::pause_policy;
use super::state::name;
use super::{time, State, StateType, Ts};
use serde_json::Value;

/// What the policy decided.
#[derive(Clone, Debug, PartialEq)]
pub enum Decision {
    /// Write this state (the proposal, possibly adjusted).
    Accept(State),
    /// Keep the current state, or move to `state` when one is given (e.g. AwaitingRetry), and say why.
    Reject {
        state: Option<State>,
        reason: String,
    },
    /// Try again after `delay_seconds`.
    Wait { delay_seconds: i64, reason: String },
    /// The transition is invalid; the client should stop trying.
    Abort { reason: String },
}

impl Decision {
    /// The state that the decision writes, if any.
    pub fn written_state(&self) -> Option<&State> {
        match self {
            Decision::Accept(s) => Some(s),
            Decision::Reject { state, .. } => state.as_ref(),
            _ => None,
        }
    }
}

/// Decides on a proposed state for `run` at `now`. With `force`, every proposal is accepted as given.
pub fn decide(run: &FlowRun, proposed: ProposedState, force: bool, now: Ts) -> Decision {
    let mut proposed = proposed.into_state(now);
    if proposed.kind == StateType::Scheduled && proposed.details.scheduled_time.is_none() {
        proposed.details.scheduled_time = Some(now);
    }
    let Some(current) = run.state.as_ref() else {
        return Decision::Accept(proposed);
    };
    if force {
        return Decision::Accept(proposed);
    }
    if let (Some(a), Some(b)) = (
        proposed.details.transition_id,
        current.details.transition_id,
    ) {
        if a == b {
            return reject("This run has already made this transition (same transition_id).");
        }
    }
    let (from, to) = (current.kind, proposed.kind);
    if from.is_terminal() {
        if matches!(
            to,
            StateType::Paused | StateType::Cancelling | StateType::Crashed
        ) {
            return Decision::Abort {
                reason: format!("Run is already {}.", from.as_str()),
            };
        }
        if from == StateType::Completed && has_persisted_result(current) {
            return reject("This run has already completed.");
        }
        if to != StateType::Scheduled {
            return reject(&format!(
                "This run is already {}; only a retry (a SCHEDULED state) or force can change it.",
                from.as_str()
            ));
        }
        return Decision::Accept(proposed);
    }
    if to == StateType::Pending
        && matches!(
            from,
            StateType::Pending | StateType::Running | StateType::Cancelling
        )
    {
        let submitting = from == StateType::Pending
            && proposed.name == name::SUBMITTING
            && current.name != name::SUBMITTING;
        if !submitting {
            return Decision::Abort {
                reason: format!(
                    "This run is already {} and cannot be claimed again.",
                    from.as_str()
                ),
            };
        }
    }
    if from == StateType::Cancelling && to != StateType::Cancelled {
        return reject(&format!(
            "Cannot move a cancelling run to {}; a cancelling run can only become CANCELLED.",
            to.as_str()
        ));
    }
    if to == StateType::Cancelling
        && matches!(
            from,
            StateType::Scheduled | StateType::Paused | StateType::Pending
        )
        && run.infrastructure_pid.is_none()
    {
        let mut cancelled = State::new(StateType::Cancelled, now)
            .with_message("The run was cancelled before any process started it.");
        cancelled.details = proposed.details;
        return Decision::Accept(cancelled);
    }
    if to == StateType::Scheduled && proposed.name == name::LATE && from != StateType::Scheduled {
        return reject("Only a scheduled run can be marked Late.");
    }
    if to == StateType::Pending && proposed.details.scheduled_time.is_none() {
        proposed.details.scheduled_time = current.details.scheduled_time;
    }
    if to == StateType::Running && matches!(from, StateType::Scheduled | StateType::Pending) {
        if let Some(at) = current.details.scheduled_time {
            let delay = time::seconds_between(now, at);
            if delay > 0.0 {
                return Decision::Wait {
                    delay_seconds: delay.ceil() as i64,
                    reason: "Scheduled time is in the future".into(),
                };
            }
        }
    }
    let retryable = matches!(to, StateType::Failed | StateType::Crashed);
    if retryable && from == StateType::Running && run.run_count <= run.retries() {
        let mut retry = State::new(StateType::Scheduled, now).named(name::AWAITING_RETRY);
        retry.message = proposed.message;
        retry.data = proposed.data;
        let delay = chrono::Duration::microseconds((run.retry_delay_seconds() * 1e6) as i64);
        retry.details.scheduled_time = Some(now.checked_add_signed(delay).unwrap_or(now));
        return Decision::Reject {
            state: Some(retry),
            reason: "Retrying".into(),
        };
    }
    let pause_rule = if to == StateType::Paused {
        pause_policy::pausing(run, current, &proposed)
    } else if from == StateType::Paused {
        pause_policy::leaving_pause(run, current, &proposed, now)
    } else {
        None
    };
    pause_rule.unwrap_or(Decision::Accept(proposed))
}

/// Seconds an enqueued run waits before it is offered again.
pub const SLOT_WAIT_SECONDS: i64 = 5;

/// The decision for a claim (SCHEDULED → PENDING) of a deployment run when the deployment already has
/// `active` runs holding slots out of `limit`; `None` when a slot is free.
pub fn deployment_slot(limit: i64, active: i64, collision: Collision, now: Ts) -> Option<Decision> {
    if limit == 0 {
        return Some(Decision::Abort {
            reason:
                "The deployment concurrency limit is 0. The flow will deadlock if submitted again."
                    .into(),
        });
    }
    if active < limit {
        return None;
    }
    let state = match collision {
        Collision::CancelNew => State::new(StateType::Cancelled, now)
            .with_message("Cancelled: the deployment's concurrency limit is reached."),
        Collision::Enqueue => {
            let mut s =
                State::new(StateType::Scheduled, now).named(name::AWAITING_CONCURRENCY_SLOT);
            s.details.scheduled_time = Some(
                now.checked_add_signed(chrono::Duration::seconds(SLOT_WAIT_SECONDS))
                    .unwrap_or(now),
            );
            s.with_message("Waiting for a slot: the deployment's concurrency limit is reached.")
        }
    };
    Some(Decision::Reject {
        state: Some(state),
        reason: "The deployment's concurrency limit is reached.".into(),
    })
}

/// The decision for a run starting after its deployment slot's lease expired while no slot is free: it is
/// cancelled rather than run over the limit.
pub fn slot_lost(now: Ts) -> Decision {
    let state = State::new(StateType::Cancelled, now).with_message(
        "Deployment concurrency slot lost during provisioning - no slots available to continue execution",
    );
    Decision::Reject {
        state: Some(state),
        reason: "Deployment concurrency limit reached after lease expiry.".into(),
    }
}

fn reject(reason: &str) -> Decision {
    Decision::Reject {
        state: None,
        reason: reason.to_string(),
    }
}

fn has_persisted_result(state: &State) -> bool {
    match &state.data {
        None | Some(Value::Null) => false,
        Some(Value::Object(m)) => m.get("type").and_then(Value::as_str) != Some("unpersisted"),
        Some(_) => true,
    }
}

/// Applies an accepted `state` to `run`: the bookkeeping every transition gets, forced or not.
pub fn apply(run: &mut FlowRun, mut state: State, now: Ts) {
    let from = run.state.as_ref();
    let from_kind = from.map(|s| s.kind);
    state.details.flow_run_id = Some(run.id);
    if from_kind.is_some_and(StateType::is_terminal) && !state.kind.is_terminal() {
        run.run_count = 0;
        run.end_time = None;
    }
    if state.kind == StateType::Running || state.kind.is_terminal() {
        run.empirical_policy.retry_type = None;
    }
    if state.kind == StateType::Running && from_kind != Some(StateType::Running) {
        let resuming = from_kind == Some(StateType::Paused);
        if resuming {
            run.empirical_policy.resuming = true;
        } else {
            run.run_count += 1;
        }
        if run.start_time.is_none() {
            run.start_time = Some(now);
        }
    } else if state.kind != StateType::Paused {
        run.empirical_policy.resuming = false;
    }
    if let Some(prev) =
        from.filter(|s| s.kind == StateType::Running && state.kind != StateType::Running)
    {
        run.total_run_time += time::seconds_between(prev.timestamp, now).max(0.0);
    }
    if state.kind.is_terminal() {
        run.end_time = Some(now);
    }
    let prior = run.state.clone();
    pause_policy::apply(run, prior.as_ref(), &state);
    let scheduled = state.details.scheduled_time;
    if run.expected_start_time.is_none() {
        run.expected_start_time = Some(scheduled.unwrap_or(now));
    }
    run.next_scheduled_start_time = if state.kind == StateType::Scheduled {
        scheduled
    } else {
        None
    };
    if state.kind == StateType::Scheduled {
        if let Some(at) = scheduled {
            run.expected_start_time = Some(at);
        }
    }
    run.updated = now;
    run.state = Some(state);
}

#[cfg(test)]
#[path = "policy_tests.rs"]
pub(crate) mod tests;

#[cfg(test)]
#[path = "policy_slot_tests.rs"]
mod slot_tests;
