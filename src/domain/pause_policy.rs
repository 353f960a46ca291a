//! Prefect's rules for pausing and resuming a flow run. A *pause* blocks the run's process until it is
//! resumed (or its `pause_timeout` passes); a *suspension* (a Paused state named "Suspended", or any pause
//! with `pause_reschedule`) lets the process exit, and resuming reschedules the run so a worker starts it
//! again from the top, skipping the pauses that already fired (the run's `pause_keys`).

use super::flow_run::FlowRun;
use super::policy::Decision;
use super::run_policy::RetryType;
use super::{State, StateType, Ts};

/// "suspend" or "pause", as Prefect words its reasons.
fn verb(state: &State) -> &'static str {
    if state.name == "Suspended" || state.details.pause_reschedule {
        "suspend"
    } else {
        "pause"
    }
}

fn reject(reason: String) -> Option<Decision> {
    Some(Decision::Reject {
        state: None,
        reason,
    })
}

/// The decision on a proposal into PAUSED, when a rule refuses it.
pub fn pausing(run: &FlowRun, current: &State, proposed: &State) -> Option<Decision> {
    let verb = verb(proposed);
    if current.kind != StateType::Running {
        return reject(format!(
            "Cannot {verb} flows that are not currently running."
        ));
    }
    if let Some(key) = &proposed.details.pause_key {
        if run.pause_keys().iter().any(|k| k == key) {
            return reject(format!("This {verb} has already fired."));
        }
    }
    if proposed.details.pause_reschedule {
        if run.parent_task_run_id.is_some() {
            return Some(Decision::Abort {
                reason: format!("Cannot {verb} subflows."),
            });
        }
        if run.deployment_id.is_none() {
            return Some(Decision::Abort {
                reason: format!("Cannot {verb} flows without a deployment."),
            });
        }
    }
    None
}

/// The decision on a proposal out of PAUSED, when a rule refuses it: only RUNNING, SCHEDULED, CANCELLING
/// or a final state may follow; a suspended run needs its deployment to be rescheduled; and once the pause
/// timed out the run fails instead (cancelling still goes through, so a worker can end the process).
pub fn leaving_pause(
    run: &FlowRun,
    current: &State,
    proposed: &State,
    now: Ts,
) -> Option<Decision> {
    let to = proposed.kind;
    let allowed = matches!(
        to,
        StateType::Running | StateType::Scheduled | StateType::Cancelling
    ) || to.is_terminal();
    if !allowed {
        return reject(format!(
            "This run cannot transition to the {} state from the {} state.",
            to.as_str(),
            current.kind.as_str()
        ));
    }
    let what = current.name.to_lowercase();
    if current.details.pause_reschedule && run.deployment_id.is_none() {
        return reject(format!(
            "Cannot reschedule a {what} flow run without a deployment."
        ));
    }
    if to == StateType::Cancelling {
        return None;
    }
    if current.details.pause_timeout.is_some_and(|t| t < now) && !to.is_terminal() {
        let failed = State::new(StateType::Failed, now)
            .with_message(format!("The flow was {what} and never resumed."));
        return Some(Decision::Reject {
            state: Some(failed),
            reason: format!(
                "The flow run {} has timed out and can no longer resume.",
                verb(current)
            ),
        });
    }
    None
}

/// The bookkeeping of a written state on a paused run: a pause records its key; leaving a blocking pause
/// for SCHEDULED (its process is gone) starts a new attempt from the top, so its pauses fire again.
pub fn apply(run: &mut FlowRun, from: Option<&State>, to: &State) {
    if to.kind == StateType::Paused {
        if let Some(key) = to.details.pause_key.clone() {
            run.empirical_policy.pause_keys.push(key);
        }
    }
    let Some(from) = from.filter(|s| s.kind == StateType::Paused) else {
        return;
    };
    if to.kind == StateType::Scheduled && !from.details.pause_reschedule {
        run.empirical_policy.resuming = false;
        run.empirical_policy.pause_keys.clear();
        run.empirical_policy.retry_type = Some(RetryType::Reschedule);
    } else if to.kind != StateType::Paused {
        run.empirical_policy.resuming = true;
    }
}
