//! The orchestration policy for flow runs: given the run and a proposed state, decide ACCEPT, REJECT, WAIT or
//! ABORT (Prefect's core flow policy, with Baton's stricter terminal protection), then apply the bookkeeping
//! that every accepted state gets (run count, start/end time, total run time, expected start time).
//!
//! Pure functions: the caller runs them inside its write transaction and passes `now`.

use super::flow_run::{FlowRun, ProposedState};
use super::{time, State, StateType, Ts};
use serde_json::Value;

/// What the policy decided.
#[derive(Clone, Debug, PartialEq)]
pub enum Decision {
    /// Write this state (the proposal, possibly adjusted).
    Accept(State),
    /// Keep the current state, or move to `state` when one is given (e.g. AwaitingRetry), and say why.
    Reject { state: Option<State>, reason: String },
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
    if proposed.kind == StateType::Scheduled && proposed.scheduled_time().is_none() {
        proposed.set_scheduled_time(now);
    }
    let Some(current) = run.state.as_ref() else {
        return Decision::Accept(proposed);
    };
    if force {
        return Decision::Accept(proposed);
    }
    if let (Some(a), Some(b)) = (proposed.detail_str("transition_id"), current.detail_str("transition_id")) {
        if a == b {
            return reject("This run has already made this transition (same transition_id).");
        }
    }
    let (from, to) = (current.kind, proposed.kind);
    if from.is_terminal() {
        if matches!(to, StateType::Paused | StateType::Cancelling | StateType::Crashed) {
            return Decision::Abort { reason: format!("Run is already {}.", from.as_str()) };
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
    if to == StateType::Pending && matches!(from, StateType::Pending | StateType::Running | StateType::Cancelling) {
        let submitting = from == StateType::Pending && proposed.name == "Submitting" && current.name != "Submitting";
        if !submitting {
            return Decision::Abort {
                reason: format!("This run is already {} and cannot be claimed again.", from.as_str()),
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
        && matches!(from, StateType::Scheduled | StateType::Paused | StateType::Pending)
        && run.infrastructure_pid.is_none()
    {
        let mut cancelled = State::new(StateType::Cancelled, now)
            .with_message("The run was cancelled before any process started it.");
        cancelled.details = proposed.details;
        return Decision::Accept(cancelled);
    }
    if to == StateType::Scheduled && proposed.name == "Late" && from != StateType::Scheduled {
        return reject("Only a scheduled run can be marked Late.");
    }
    if to == StateType::Pending && proposed.scheduled_time().is_none() {
        if let Some(at) = current.scheduled_time() {
            proposed.set_scheduled_time(at);
        }
    }
    if to == StateType::Running && matches!(from, StateType::Scheduled | StateType::Pending) {
        if let Some(at) = current.scheduled_time() {
            let delay = time::seconds_between(now, at);
            if delay > 0.0 {
                return Decision::Wait {
                    delay_seconds: delay.ceil() as i64,
                    reason: "Scheduled time is in the future".into(),
                };
            }
        }
    }
    if to == StateType::Failed && from == StateType::Running && run.run_count <= run.retries() {
        let mut retry = State::new(StateType::Scheduled, now).named("AwaitingRetry");
        retry.message = proposed.message;
        retry.data = proposed.data;
        let delay = chrono::Duration::microseconds((run.retry_delay_seconds() * 1e6) as i64);
        retry.set_scheduled_time(now + delay);
        return Decision::Reject { state: Some(retry), reason: "Retrying".into() };
    }
    if to == StateType::Paused {
        if from != StateType::Running {
            return reject("Cannot pause a run that is not running.");
        }
        if let Some(key) = proposed.detail_str("pause_key") {
            if run.pause_keys().iter().any(|k| k == key) {
                return reject("This pause has already fired.");
            }
        }
    }
    if from == StateType::Paused && to == StateType::Running {
        let timeout = current.detail_str("pause_timeout").and_then(time::parse);
        if timeout.is_some_and(|t| t < now) {
            let failed = State::new(StateType::Failed, now).with_message("The run was paused and never resumed.");
            return Decision::Reject { state: Some(failed), reason: "The pause timed out.".into() };
        }
    }
    Decision::Accept(proposed)
}

fn reject(reason: &str) -> Decision {
    Decision::Reject { state: None, reason: reason.to_string() }
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
    state.details.insert("flow_run_id".into(), Value::String(run.id.to_string()));
    if from_kind.is_some_and(StateType::is_terminal) && !state.kind.is_terminal() {
        run.run_count = 0;
        run.end_time = None;
    }
    if state.kind == StateType::Running && from_kind != Some(StateType::Running) {
        let resuming = from_kind == Some(StateType::Paused);
        if resuming {
            run.empirical_policy.insert("resuming".into(), Value::Bool(true));
        } else {
            run.run_count += 1;
        }
        if run.start_time.is_none() {
            run.start_time = Some(now);
        }
    } else if state.kind != StateType::Paused {
        run.empirical_policy.remove("resuming");
    }
    if let Some(prev) = from.filter(|s| s.kind == StateType::Running && state.kind != StateType::Running) {
        run.total_run_time += time::seconds_between(prev.timestamp, now).max(0.0);
    }
    if state.kind.is_terminal() {
        run.end_time = Some(now);
    }
    if state.kind == StateType::Paused {
        if let Some(key) = state.detail_str("pause_key").map(String::from) {
            let mut keys = run.pause_keys();
            keys.push(key);
            run.empirical_policy.insert("pause_keys".into(), Value::from(keys));
        }
    }
    let scheduled = state.scheduled_time();
    if run.expected_start_time.is_none() {
        run.expected_start_time = Some(scheduled.unwrap_or(now));
    }
    run.next_scheduled_start_time = if state.kind == StateType::Scheduled { scheduled } else { None };
    if state.kind == StateType::Scheduled {
        if let Some(at) = scheduled {
            run.expected_start_time = Some(at);
        }
    }
    run.updated = now;
    run.state = Some(state);
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::domain::Doc;
    use uuid::Uuid;

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
            deployment_version: None,
            work_queue_name: None,
            work_queue_id: None,
            work_pool_id: None,
            work_pool_name: None,
            flow_version: None,
            parameters: Doc::new(),
            idempotency_key: None,
            context: Doc::new(),
            empirical_policy: Doc::new(),
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

    fn in_state(kind: StateType, name: &str) -> FlowRun {
        run(Some(State::new(kind, t("2026-01-01T00:00:00Z")).named(name)))
    }

    fn propose(kind: StateType) -> ProposedState {
        ProposedState::of(kind)
    }

    fn named(kind: StateType, name: &str) -> ProposedState {
        ProposedState { name: Some(name.into()), ..ProposedState::of(kind) }
    }

    const NOW: &str = "2026-01-01T00:01:00Z";

    fn status(d: &Decision) -> &'static str {
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
        assert_eq!(status(&decide(&r, propose(StateType::Pending), false, t(NOW))), "ACCEPT");
        for from in [StateType::Pending, StateType::Running, StateType::Cancelling] {
            let r = in_state(from, from.default_name());
            assert_eq!(status(&decide(&r, propose(StateType::Pending), false, t(NOW))), "ABORT", "{from:?}");
        }
    }

    #[test]
    fn pending_then_submitting_is_accepted_once() {
        let r = in_state(StateType::Pending, "Pending");
        assert_eq!(status(&decide(&r, named(StateType::Pending, "Submitting"), false, t(NOW))), "ACCEPT");
        let r = in_state(StateType::Pending, "Submitting");
        assert_eq!(status(&decide(&r, named(StateType::Pending, "Submitting"), false, t(NOW))), "ABORT");
    }

    #[test]
    fn scheduled_time_is_copied_onto_pending() {
        let mut s = State::new(StateType::Scheduled, t("2026-01-01T00:00:00Z"));
        s.set_scheduled_time(t("2026-01-01T00:00:30Z"));
        let d = decide(&run(Some(s)), propose(StateType::Pending), false, t(NOW));
        let Decision::Accept(p) = d else { panic!("{d:?}") };
        assert_eq!(p.scheduled_time(), Some(t("2026-01-01T00:00:30Z")));
    }

    #[test]
    fn running_before_scheduled_time_waits() {
        let mut s = State::new(StateType::Pending, t("2026-01-01T00:00:00Z"));
        s.set_scheduled_time(t("2026-01-01T00:01:02.500Z"));
        let d = decide(&run(Some(s)), propose(StateType::Running), false, t(NOW));
        assert_eq!(d, Decision::Wait { delay_seconds: 3, reason: "Scheduled time is in the future".into() });
    }

    #[test]
    fn running_counts_runs_and_sets_start() {
        let mut r = in_state(StateType::Pending, "Pending");
        let Decision::Accept(s) = decide(&r, propose(StateType::Running), false, t(NOW)) else { panic!() };
        apply(&mut r, s, t(NOW));
        assert_eq!(r.run_count, 1);
        assert_eq!(r.start_time, Some(t(NOW)));
        assert_eq!(r.expected_start_time, Some(t(NOW)));
        let later = t("2026-01-01T00:01:10Z");
        let Decision::Accept(s) = decide(&r, propose(StateType::Completed), false, later) else { panic!() };
        apply(&mut r, s, later);
        assert_eq!(r.end_time, Some(later));
        assert!((r.total_run_time - 10.0).abs() < 1e-9);
        assert_eq!(r.state.as_ref().unwrap().detail_str("flow_run_id"), Some(r.id.to_string().as_str()));
    }

    #[test]
    fn failed_with_retries_left_becomes_awaiting_retry() {
        let mut r = in_state(StateType::Running, "Running");
        r.run_count = 1;
        r.empirical_policy.insert("retries".into(), Value::from(1));
        r.empirical_policy.insert("retry_delay".into(), Value::from(10));
        let d = decide(&r, ProposedState { message: Some("boom".into()), ..propose(StateType::Failed) }, false, t(NOW));
        let Decision::Reject { state: Some(s), .. } = &d else { panic!("{d:?}") };
        assert_eq!((s.kind, s.name.as_str()), (StateType::Scheduled, "AwaitingRetry"));
        assert_eq!(s.scheduled_time(), Some(t("2026-01-01T00:01:10Z")));
        assert_eq!(s.message.as_deref(), Some("boom"));
        r.run_count = 2;
        assert_eq!(status(&decide(&r, propose(StateType::Failed), false, t(NOW))), "ACCEPT");
    }

    #[test]
    fn retry_runs_count_again() {
        let mut r = in_state(StateType::Scheduled, "AwaitingRetry");
        r.run_count = 1;
        let Decision::Accept(s) = decide(&r, named(StateType::Running, "Retrying"), false, t(NOW)) else { panic!() };
        apply(&mut r, s, t(NOW));
        assert_eq!(r.run_count, 2);
    }

    #[test]
    fn cancelling_without_process_cancels_at_once() {
        for from in [StateType::Scheduled, StateType::Pending, StateType::Paused] {
            let d = decide(&in_state(from, from.default_name()), propose(StateType::Cancelling), false, t(NOW));
            let Decision::Accept(s) = d else { panic!("{d:?}") };
            assert_eq!(s.kind, StateType::Cancelled, "{from:?}");
        }
        let mut r = in_state(StateType::Pending, "Pending");
        r.infrastructure_pid = Some("42".into());
        let Decision::Accept(s) = decide(&r, propose(StateType::Cancelling), false, t(NOW)) else { panic!() };
        assert_eq!(s.kind, StateType::Cancelling);
        let Decision::Accept(s) = decide(&in_state(StateType::Running, "Running"), propose(StateType::Cancelling), false, t(NOW)) else { panic!() };
        assert_eq!(s.kind, StateType::Cancelling);
    }

    #[test]
    fn cancelling_only_ends_cancelled() {
        let r = in_state(StateType::Cancelling, "Cancelling");
        assert_eq!(status(&decide(&r, propose(StateType::Completed), false, t(NOW))), "REJECT");
        assert_eq!(status(&decide(&r, propose(StateType::Cancelled), false, t(NOW))), "ACCEPT");
    }

    #[test]
    fn terminal_states_are_protected() {
        for from in [StateType::Completed, StateType::Failed, StateType::Cancelled, StateType::Crashed] {
            let r = in_state(from, from.default_name());
            for to in [StateType::Running, StateType::Completed, StateType::Pending, StateType::Failed] {
                assert_eq!(status(&decide(&r, propose(to), false, t(NOW))), "REJECT", "{from:?}->{to:?}");
            }
            for to in [StateType::Paused, StateType::Cancelling, StateType::Crashed] {
                assert_eq!(status(&decide(&r, propose(to), false, t(NOW))), "ABORT", "{from:?}->{to:?}");
            }
            assert_eq!(status(&decide(&r, propose(to_sched()), true, t(NOW))), "ACCEPT");
            assert_eq!(status(&decide(&r, propose(StateType::Running), true, t(NOW))), "ACCEPT", "force");
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
        let Decision::Accept(s) = decide(&r, named(StateType::Scheduled, "AwaitingRetry"), false, t(NOW)) else { panic!() };
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
        s.set_detail("transition_id", Value::from("abc"));
        let mut p = propose(StateType::Completed);
        p.details.insert("transition_id".into(), Value::from("abc"));
        assert_eq!(status(&decide(&run(Some(s)), p, false, t(NOW))), "REJECT");
    }

    #[test]
    fn late_only_from_scheduled() {
        let r = in_state(StateType::Running, "Running");
        assert_eq!(status(&decide(&r, named(StateType::Scheduled, "Late"), false, t(NOW))), "REJECT");
        let r = in_state(StateType::Scheduled, "Scheduled");
        assert_eq!(status(&decide(&r, named(StateType::Scheduled, "Late"), false, t(NOW))), "ACCEPT");
    }

    #[test]
    fn pause_rules() {
        let r = in_state(StateType::Pending, "Pending");
        assert_eq!(status(&decide(&r, propose(StateType::Paused), false, t(NOW))), "REJECT");
        let mut r = in_state(StateType::Running, "Running");
        let mut p = named(StateType::Paused, "Suspended");
        p.details.insert("pause_key".into(), Value::from("k1"));
        let Decision::Accept(s) = decide(&r, p.clone(), false, t(NOW)) else { panic!() };
        apply(&mut r, s, t(NOW));
        assert_eq!(r.pause_keys(), vec!["k1".to_string()]);
        let mut again = in_state(StateType::Running, "Running");
        again.empirical_policy = r.empirical_policy.clone();
        assert_eq!(status(&decide(&again, p, false, t(NOW))), "REJECT");
        let Decision::Accept(s) = decide(&r, propose(StateType::Running), false, t(NOW)) else { panic!() };
        let before = r.run_count;
        apply(&mut r, s, t(NOW));
        assert_eq!(r.run_count, before, "resuming does not count a new run");
    }

    #[test]
    fn expired_pause_fails_on_resume() {
        let mut s = State::new(StateType::Paused, t("2026-01-01T00:00:00Z"));
        s.set_detail("pause_timeout", Value::from("2026-01-01T00:00:30Z"));
        let d = decide(&run(Some(s)), propose(StateType::Running), false, t(NOW));
        let Decision::Reject { state: Some(f), .. } = d else { panic!("{d:?}") };
        assert_eq!(f.kind, StateType::Failed);
    }
}
