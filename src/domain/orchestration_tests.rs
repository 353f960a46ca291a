//! Unit tests for `orchestrate`: one test per rule it adds to the core policy (claims of deployment runs,
//! catch-up, slots, in-process retries, force) and for the bookkeeping it applies.

use super::*;
use crate::domain::policy::tests::{in_state, propose, run, status, t, NOW};
use crate::domain::State;
use uuid::Uuid;

fn now() -> Ts {
    t(NOW)
}

/// A run the scheduler created for a deployment, due an hour before `NOW` and now Late.
fn missed_run() -> FlowRun {
    let mut r = in_state(StateType::Scheduled, name::LATE);
    r.deployment_id = Some(Uuid::now_v7());
    r.auto_scheduled = true;
    r.next_scheduled_start_time = Some(now() - Duration::hours(1));
    r
}

/// A deployment's run waiting for its time (just due), asked for by someone.
fn deployment_run() -> FlowRun {
    let mut r = in_state(StateType::Scheduled, name::SCHEDULED);
    r.deployment_id = Some(Uuid::now_v7());
    r.next_scheduled_start_time = Some(now());
    r
}

fn with(facts: DeploymentFacts) -> Context {
    Context {
        deployment: Some(facts),
        ..Context::new(now())
    }
}

fn full(collision: Collision) -> DeploymentFacts {
    DeploymentFacts {
        slots: Some(Slots {
            limit: 1,
            collision,
            active: 1,
        }),
        ..DeploymentFacts::default()
    }
}

fn written(d: &Decision) -> (StateType, &str) {
    let s = d.written_state().expect("a written state");
    (s.kind, s.name.as_str())
}

#[test]
fn a_run_is_claimed_once() {
    let mut r = deployment_run();
    let first = orchestrate(
        &mut r,
        propose(StateType::Pending),
        &with(Default::default()),
    );
    assert_eq!(status(&first), "ACCEPT");
    assert_eq!(r.state_type(), Some(StateType::Pending));
    let again = orchestrate(
        &mut r,
        propose(StateType::Pending),
        &with(full(Collision::Enqueue)),
    );
    assert_eq!(status(&again), "ABORT");
    assert_eq!(r.state_type(), Some(StateType::Pending));
}

#[test]
fn only_an_unforced_claim_of_a_deployment_run_reads_deployment_facts() {
    let r = deployment_run();
    assert!(reads_deployment(&r, &propose(StateType::Pending), false));
    assert!(!reads_deployment(&r, &propose(StateType::Pending), true));
    assert!(!reads_deployment(&r, &propose(StateType::Cancelled), false));
    let ad_hoc = in_state(StateType::Scheduled, name::SCHEDULED);
    assert!(!reads_deployment(
        &ad_hoc,
        &propose(StateType::Pending),
        false
    ));
}

#[test]
fn catchup_none_skips_a_missed_run_when_it_is_claimed() {
    let facts = DeploymentFacts {
        catchup: Catchup::None,
        ..Default::default()
    };
    let mut r = missed_run();
    let d = orchestrate(&mut r, propose(StateType::Pending), &with(facts));
    assert_eq!(status(&d), "REJECT");
    assert_eq!(written(&d), (StateType::Cancelled, name::SKIPPED));
    let s = r.state.as_ref().unwrap();
    assert!(s.is(StateType::Cancelled, name::SKIPPED));
    assert_eq!(r.end_time, Some(now()));
}

#[test]
fn catchup_all_runs_every_missed_run() {
    let mut r = missed_run();
    let d = orchestrate(
        &mut r,
        propose(StateType::Pending),
        &with(Default::default()),
    );
    assert_eq!(status(&d), "ACCEPT");
}

#[test]
fn catchup_latest_skips_only_when_a_newer_run_is_due() {
    let latest = |newer_run_due| DeploymentFacts {
        catchup: Catchup::Latest,
        newer_run_due,
        ..Default::default()
    };
    let mut r = missed_run();
    let d = orchestrate(&mut r, propose(StateType::Pending), &with(latest(true)));
    assert_eq!(written(&d), (StateType::Cancelled, name::SKIPPED));
    assert!(d
        .written_state()
        .unwrap()
        .message
        .as_deref()
        .unwrap()
        .contains("latest"));
    let mut newest = missed_run();
    let d = orchestrate(
        &mut newest,
        propose(StateType::Pending),
        &with(latest(false)),
    );
    assert_eq!(status(&d), "ACCEPT");
}

#[test]
fn catchup_never_skips_a_run_someone_asked_for() {
    let facts = DeploymentFacts {
        catchup: Catchup::None,
        ..Default::default()
    };
    let mut r = missed_run();
    r.auto_scheduled = false;
    assert_eq!(catchup_candidate(&r), None);
    let d = orchestrate(&mut r, propose(StateType::Pending), &with(facts));
    assert_eq!(status(&d), "ACCEPT");
    let waiting_for_retry = in_state(StateType::Scheduled, name::AWAITING_RETRY);
    assert_eq!(catchup_candidate(&waiting_for_retry), None);
}

#[test]
fn catchup_skip_is_the_rule_the_late_sweep_applies() {
    let facts = DeploymentFacts {
        catchup: Catchup::None,
        ..Default::default()
    };
    let Some(Decision::Reject { state: Some(s), .. }) = catchup_skip(&missed_run(), &facts, now())
    else {
        panic!("not skipped")
    };
    assert!(s.is(StateType::Cancelled, name::SKIPPED));
    let mut just_due = missed_run();
    just_due.next_scheduled_start_time = Some(now() - Duration::seconds(5));
    assert_eq!(catchup_skip(&just_due, &facts, now()), None);
}

#[test]
fn a_full_deployment_enqueues_the_claim() {
    let mut r = deployment_run();
    let d = orchestrate(
        &mut r,
        propose(StateType::Pending),
        &with(full(Collision::Enqueue)),
    );
    assert_eq!(status(&d), "REJECT");
    assert_eq!(
        written(&d),
        (StateType::Scheduled, name::AWAITING_CONCURRENCY_SLOT)
    );
    assert_eq!(r.state_type(), Some(StateType::Scheduled));
    assert!(r.next_scheduled_start_time.unwrap() > now());
}

#[test]
fn a_full_deployment_cancels_the_new_run_with_cancel_new() {
    let mut r = deployment_run();
    let d = orchestrate(
        &mut r,
        propose(StateType::Pending),
        &with(full(Collision::CancelNew)),
    );
    assert_eq!(written(&d).0, StateType::Cancelled);
    assert_eq!(r.state_type(), Some(StateType::Cancelled));
}

#[test]
fn a_free_slot_lets_the_claim_through() {
    let mut facts = full(Collision::CancelNew);
    facts.slots.as_mut().unwrap().limit = 2;
    let mut r = deployment_run();
    let d = orchestrate(&mut r, propose(StateType::Pending), &with(facts));
    assert_eq!(status(&d), "ACCEPT");
}

#[test]
fn catchup_comes_before_the_slots() {
    let facts = DeploymentFacts {
        catchup: Catchup::None,
        ..full(Collision::Enqueue)
    };
    let mut r = missed_run();
    let d = orchestrate(&mut r, propose(StateType::Pending), &with(facts));
    assert_eq!(written(&d), (StateType::Cancelled, name::SKIPPED));
}

#[test]
fn force_skips_the_claim_rules() {
    let mut r = deployment_run();
    let ctx = with(full(Collision::CancelNew)).forced(true);
    let d = orchestrate(&mut r, propose(StateType::Pending), &ctx);
    assert_eq!(status(&d), "ACCEPT");
    assert_eq!(r.state_type(), Some(StateType::Pending));
    let mut done = in_state(StateType::Completed, name::COMPLETED);
    let d = orchestrate(&mut done, propose(StateType::Running), &ctx);
    assert_eq!(status(&d), "ACCEPT");
    assert_eq!(done.run_count, 1);
}

fn failing_with_retries() -> FlowRun {
    let mut r = in_state(StateType::Running, name::RUNNING);
    r.run_count = 1;
    r.empirical_policy.retries = Some(1);
    r
}

#[test]
fn an_engine_that_failed_retries_in_process() {
    let mut r = failing_with_retries();
    let d = orchestrate(&mut r, propose(StateType::Failed), &Context::new(now()));
    assert_eq!(written(&d), (StateType::Scheduled, name::AWAITING_RETRY));
    assert_eq!(r.empirical_policy.retry_type, Some(RetryType::InProcess));
    orchestrate(&mut r, propose(StateType::Running), &Context::new(now()));
    assert_eq!(r.empirical_policy.retry_type, None, "cleared on RUNNING");
}

#[test]
fn a_failure_after_the_process_ended_is_retried_by_a_worker() {
    let mut r = failing_with_retries();
    let mut p = propose(StateType::Failed);
    p.retry_elsewhere = true;
    let d = orchestrate(&mut r, p, &Context::new(now()));
    assert_eq!(written(&d), (StateType::Scheduled, name::AWAITING_RETRY));
    assert_eq!(r.empirical_policy.retry_type, None);
    let mut crashed = failing_with_retries();
    orchestrate(
        &mut crashed,
        propose(StateType::Crashed),
        &Context::new(now()),
    );
    assert_eq!(crashed.empirical_policy.retry_type, None);
}

#[test]
fn an_accepted_state_is_returned_as_written() {
    let mut r = in_state(StateType::Pending, name::PENDING);
    let Decision::Accept(s) =
        orchestrate(&mut r, propose(StateType::Running), &Context::new(now()))
    else {
        panic!()
    };
    assert_eq!(Some(&s), r.state.as_ref());
    assert_eq!(s.details.flow_run_id, Some(r.id));
}

#[test]
fn decisions_that_write_nothing_leave_the_run_alone() {
    let mut r = in_state(StateType::Completed, name::COMPLETED);
    let before = r.clone();
    let d = orchestrate(&mut r, propose(StateType::Running), &Context::new(now()));
    assert_eq!(status(&d), "REJECT");
    assert_eq!(r, before);
}

#[test]
fn a_subflows_later_states_name_its_parent_task_run() {
    let parent = Uuid::now_v7();
    let mut first = run(None);
    first.parent_task_run_id = Some(parent);
    orchestrate(
        &mut first,
        propose(StateType::Pending),
        &Context::new(now()),
    );
    let s: &State = first.state.as_ref().unwrap();
    assert_eq!(s.details.task_run_id, None);
    orchestrate(
        &mut first,
        propose(StateType::Running),
        &Context::new(now()),
    );
    let s = first.state.as_ref().unwrap();
    assert_eq!(s.details.task_run_id, Some(parent));
}
