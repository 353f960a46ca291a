//! Unit tests for the flow-run orchestration policy: one test per rule.
use super::*;
use crate::domain::flow_run::RunPolicy;
use crate::domain::Doc;
use uuid::Uuid;

/// A client's transition id.
const TRANSITION: Uuid = Uuid::from_u128(0xab);

pub(crate) fn t(s: &str) -> Ts {
    time::parse(s).unwrap()
}

pub(crate) fn run(state: Option<State>) -> FlowRun {
    let now = t("2026-01-01T00:00:00Z");
    FlowRun {
        id: Uuid::now_v7(),
        created: now,
        updated: now,
        name: "r".into(),
        flow_id: Uuid::now_v7(),
        deployment_id: None,
        deployment_schedule_id: None,
        deployment_version: None,
        work_queue_name: None,
        work_queue_id: None,
        work_pool_id: None,
        work_pool_name: None,
        flow_version: None,
        parameters: Doc::new(),
        idempotency_key: None,
        context: Doc::new(),
        empirical_policy: RunPolicy::default(),
        tags: vec![],
        labels: Doc::new(),
        parent_task_run_id: None,
        state,
        run_count: 0,
        expected_start_time: None,
        next_scheduled_start_time: None,
        start_time: None,
        end_time: None,
        total_run_time: 0.0,
        auto_scheduled: false,
        infrastructure_document_id: None,
        infrastructure_pid: None,
        created_by: None,
        job_variables: Doc::new(),
    }
}

pub(crate) fn in_state(kind: StateType, name: &str) -> FlowRun {
    run(Some(
        State::new(kind, t("2026-01-01T00:00:00Z")).named(name),
    ))
}

pub(crate) fn propose(kind: StateType) -> ProposedState {
    ProposedState::of(kind)
}

fn named(kind: StateType, name: &str) -> ProposedState {
    ProposedState {
        name: Some(name.into()),
        ..ProposedState::of(kind)
    }
}

pub(crate) const NOW: &str = "2026-01-01T00:01:00Z";

pub(crate) fn status(d: &Decision) -> &'static str {
    match d {
        Decision::Accept(_) => "ACCEPT",
        Decision::Reject { .. } => "REJECT",
        Decision::Wait { .. } => "WAIT",
        Decision::Abort { .. } => "ABORT",
    }
}

#[test]
fn first_state_is_accepted() {
    let d = decide(&run(None), propose(StateType::Pending), false, t(NOW));
    assert_eq!(status(&d), "ACCEPT");
}

#[test]
fn claim_succeeds_once() {
    let r = in_state(StateType::Scheduled, "Scheduled");
    assert_eq!(
        status(&decide(&r, propose(StateType::Pending), false, t(NOW))),
        "ACCEPT"
    );
    for from in [
        StateType::Pending,
        StateType::Running,
        StateType::Cancelling,
    ] {
        let r = in_state(from, from.default_name());
        assert_eq!(
            status(&decide(&r, propose(StateType::Pending), false, t(NOW))),
            "ABORT",
            "{from:?}"
        );
    }
}

#[test]
fn pending_then_submitting_is_accepted_once() {
    let r = in_state(StateType::Pending, "Pending");
    assert_eq!(
        status(&decide(
            &r,
            named(StateType::Pending, "Submitting"),
            false,
            t(NOW)
        )),
        "ACCEPT"
    );
    let r = in_state(StateType::Pending, "Submitting");
    assert_eq!(
        status(&decide(
            &r,
            named(StateType::Pending, "Submitting"),
            false,
            t(NOW)
        )),
        "ABORT"
    );
}

#[test]
fn scheduled_time_is_copied_onto_pending() {
    let mut s = State::new(StateType::Scheduled, t("2026-01-01T00:00:00Z"));
    s.details.scheduled_time = Some(t("2026-01-01T00:00:30Z"));
    let d = decide(&run(Some(s)), propose(StateType::Pending), false, t(NOW));
    let Decision::Accept(p) = d else {
        panic!("{d:?}")
    };
    assert_eq!(p.details.scheduled_time, Some(t("2026-01-01T00:00:30Z")));
}

#[test]
fn running_before_scheduled_time_waits() {
    let mut s = State::new(StateType::Pending, t("2026-01-01T00:00:00Z"));
    s.details.scheduled_time = Some(t("2026-01-01T00:01:02.500Z"));
    let d = decide(&run(Some(s)), propose(StateType::Running), false, t(NOW));
    assert_eq!(
        d,
        Decision::Wait {
            delay_seconds: 3,
            reason: "Scheduled time is in the future".into()
        }
    );
}

#[test]
fn running_counts_runs_and_sets_start() {
    let mut r = in_state(StateType::Pending, "Pending");
    let Decision::Accept(s) = decide(&r, propose(StateType::Running), false, t(NOW)) else {
        panic!()
    };
    apply(&mut r, s, t(NOW));
    assert_eq!(r.run_count, 1);
    assert_eq!(r.start_time, Some(t(NOW)));
    assert_eq!(r.expected_start_time, Some(t(NOW)));
    let later = t("2026-01-01T00:01:10Z");
    let Decision::Accept(s) = decide(&r, propose(StateType::Completed), false, later) else {
        panic!()
    };
    apply(&mut r, s, later);
    assert_eq!(r.end_time, Some(later));
    assert!((r.total_run_time - 10.0).abs() < 1e-9);
    assert_eq!(r.state.as_ref().unwrap().details.flow_run_id, Some(r.id));
}

#[test]
fn failed_with_retries_left_becomes_awaiting_retry() {
    let mut r = in_state(StateType::Running, "Running");
    r.run_count = 1;
    r.empirical_policy.retries = Some(1);
    r.empirical_policy.retry_delay = Some(10.0);
    let d = decide(
        &r,
        ProposedState {
            message: Some("boom".into()),
            ..propose(StateType::Failed)
        },
        false,
        t(NOW),
    );
    let Decision::Reject { state: Some(s), .. } = &d else {
        panic!("{d:?}")
    };
    assert_eq!(
        (s.kind, s.name.as_str()),
        (StateType::Scheduled, "AwaitingRetry")
    );
    assert_eq!(s.details.scheduled_time, Some(t("2026-01-01T00:01:10Z")));
    assert_eq!(s.message.as_deref(), Some("boom"));
    r.run_count = 2;
    assert_eq!(
        status(&decide(&r, propose(StateType::Failed), false, t(NOW))),
        "ACCEPT"
    );
}

#[test]
fn retry_runs_count_again() {
    let mut r = in_state(StateType::Scheduled, "AwaitingRetry");
    r.run_count = 1;
    let Decision::Accept(s) = decide(&r, named(StateType::Running, "Retrying"), false, t(NOW))
    else {
        panic!()
    };
    apply(&mut r, s, t(NOW));
    assert_eq!(r.run_count, 2);
}

#[test]
fn cancelling_without_process_cancels_at_once() {
    for from in [StateType::Scheduled, StateType::Pending, StateType::Paused] {
        let d = decide(
            &in_state(from, from.default_name()),
            propose(StateType::Cancelling),
            false,
            t(NOW),
        );
        let Decision::Accept(s) = d else {
            panic!("{d:?}")
        };
        assert_eq!(s.kind, StateType::Cancelled, "{from:?}");
    }
    let mut r = in_state(StateType::Pending, "Pending");
    r.infrastructure_pid = Some("42".into());
    let Decision::Accept(s) = decide(&r, propose(StateType::Cancelling), false, t(NOW)) else {
        panic!()
    };
    assert_eq!(s.kind, StateType::Cancelling);
    let Decision::Accept(s) = decide(
        &in_state(StateType::Running, "Running"),
        propose(StateType::Cancelling),
        false,
        t(NOW),
    ) else {
        panic!()
    };
    assert_eq!(s.kind, StateType::Cancelling);
}

#[test]
fn cancelling_only_ends_cancelled() {
    let r = in_state(StateType::Cancelling, "Cancelling");
    assert_eq!(
        status(&decide(&r, propose(StateType::Completed), false, t(NOW))),
        "REJECT"
    );
    assert_eq!(
        status(&decide(&r, propose(StateType::Cancelled), false, t(NOW))),
        "ACCEPT"
    );
}

#[test]
fn terminal_states_are_protected() {
    for from in [
        StateType::Completed,
        StateType::Failed,
        StateType::Cancelled,
        StateType::Crashed,
    ] {
        let r = in_state(from, from.default_name());
        for to in [
            StateType::Running,
            StateType::Completed,
            StateType::Pending,
            StateType::Failed,
        ] {
            assert_eq!(
                status(&decide(&r, propose(to), false, t(NOW))),
                "REJECT",
                "{from:?}->{to:?}"
            );
        }
        for to in [StateType::Paused, StateType::Cancelling, StateType::Crashed] {
            assert_eq!(
                status(&decide(&r, propose(to), false, t(NOW))),
                "ABORT",
                "{from:?}->{to:?}"
            );
        }
        assert_eq!(
            status(&decide(&r, propose(to_sched()), true, t(NOW))),
            "ACCEPT"
        );
        assert_eq!(
            status(&decide(&r, propose(StateType::Running), true, t(NOW))),
            "ACCEPT",
            "force"
        );
    }
    fn to_sched() -> StateType {
        StateType::Scheduled
    }
}

#[test]
fn retry_from_terminal_resets_run_count() {
    let mut r = in_state(StateType::Failed, "Failed");
    r.run_count = 3;
    r.end_time = Some(t(NOW));
    let Decision::Accept(s) = decide(
        &r,
        named(StateType::Scheduled, "AwaitingRetry"),
        false,
        t(NOW),
    ) else {
        panic!()
    };
    apply(&mut r, s, t(NOW));
    assert_eq!((r.run_count, r.end_time), (0, None));
    assert_eq!(r.next_scheduled_start_time, Some(t(NOW)));
}

#[test]
fn completed_with_persisted_result_rejects_even_retry() {
    let mut s = State::new(StateType::Completed, t(NOW));
    s.data = Some(serde_json::json!({"type": "result", "storage_key": "x"}));
    let d = decide(&run(Some(s)), propose(StateType::Scheduled), false, t(NOW));
    assert_eq!(status(&d), "REJECT");
}

#[test]
fn duplicate_transition_id_is_rejected() {
    let mut s = State::new(StateType::Running, t(NOW));
    s.details.transition_id = Some(TRANSITION);
    let mut p = propose(StateType::Completed);
    p.details.transition_id = Some(TRANSITION);
    assert_eq!(status(&decide(&run(Some(s)), p, false, t(NOW))), "REJECT");
}

#[test]
fn late_only_from_scheduled() {
    let r = in_state(StateType::Running, "Running");
    assert_eq!(
        status(&decide(
            &r,
            named(StateType::Scheduled, "Late"),
            false,
            t(NOW)
        )),
        "REJECT"
    );
    let r = in_state(StateType::Scheduled, "Scheduled");
    assert_eq!(
        status(&decide(
            &r,
            named(StateType::Scheduled, "Late"),
            false,
            t(NOW)
        )),
        "ACCEPT"
    );
}

#[test]
fn pause_rules() {
    let r = in_state(StateType::Pending, "Pending");
    assert_eq!(
        status(&decide(&r, propose(StateType::Paused), false, t(NOW))),
        "REJECT"
    );
    let mut r = in_state(StateType::Running, "Running");
    let mut p = named(StateType::Paused, "Suspended");
    p.details.pause_key = Some("k1".into());
    let Decision::Accept(s) = decide(&r, p.clone(), false, t(NOW)) else {
        panic!()
    };
    apply(&mut r, s, t(NOW));
    assert_eq!(r.pause_keys(), ["k1".to_string()]);
    let mut again = in_state(StateType::Running, "Running");
    again.empirical_policy = r.empirical_policy.clone();
    assert_eq!(status(&decide(&again, p, false, t(NOW))), "REJECT");
    let Decision::Accept(s) = decide(&r, propose(StateType::Running), false, t(NOW)) else {
        panic!()
    };
    let before = r.run_count;
    apply(&mut r, s, t(NOW));
    assert_eq!(r.run_count, before, "resuming does not count a new run");
}

#[test]
fn expired_pause_fails_on_resume() {
    let mut s = State::new(StateType::Paused, t("2026-01-01T00:00:00Z"));
    s.details.pause_timeout = Some(t("2026-01-01T00:00:30Z"));
    let d = decide(&run(Some(s)), propose(StateType::Running), false, t(NOW));
    let Decision::Reject { state: Some(f), .. } = d else {
        panic!("{d:?}")
    };
    assert_eq!(f.kind, StateType::Failed);
}
