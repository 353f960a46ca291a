//! Unit tests for crash retries and deployment concurrency slots.

use super::tests::{in_state, propose, status, t, NOW};
use super::*;

#[test]
fn crashed_runs_with_retries_left_are_retried() {
    let mut r = in_state(StateType::Running, "Running");
    r.run_count = 1;
    r.empirical_policy.retries = Some(1);
    let d = decide(&r, propose(StateType::Crashed), false, t(NOW));
    let Decision::Reject { state: Some(s), .. } = d else {
        panic!("{d:?}")
    };
    assert_eq!(s.name, "AwaitingRetry");
    let pending = in_state(StateType::Pending, "Pending");
    assert_eq!(
        status(&decide(
            &pending,
            propose(StateType::Crashed),
            false,
            t(NOW)
        )),
        "ACCEPT"
    );
}

#[test]
fn deployment_slots() {
    assert_eq!(deployment_slot(2, 1, Collision::Enqueue, t(NOW)), None);
    let Some(Decision::Reject { state: Some(s), .. }) =
        deployment_slot(2, 2, Collision::Enqueue, t(NOW))
    else {
        panic!()
    };
    assert_eq!(
        (s.kind, s.name.as_str()),
        (StateType::Scheduled, "AwaitingConcurrencySlot")
    );
    assert!(s.details.scheduled_time.unwrap() > t(NOW));
    let Some(Decision::Reject { state: Some(s), .. }) =
        deployment_slot(1, 3, Collision::CancelNew, t(NOW))
    else {
        panic!()
    };
    assert_eq!(s.kind, StateType::Cancelled);
}
