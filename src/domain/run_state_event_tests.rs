//! Unit tests of a flow run's state event: the stored JSON written from its facts against the event built
//! with its maps, and the lazy build on the bus.

use super::*;
use crate::domain::StateType;
use std::collections::BTreeMap;

fn at(s: &str) -> Ts {
    time::parse(s).unwrap()
}

fn cases() -> Vec<RunStateEvent> {
    let now = at("2026-03-08T09:59:59.123456Z");
    let plain = crate::domain::policy::tests::run(None);
    let mut full = crate::domain::policy::tests::run(None);
    full.run_count = 3;
    full.infrastructure_pid = Some("4242".into());
    full.deployment_id = Some(Uuid::now_v7());
    full.work_queue_id = Some(Uuid::now_v7());
    full.work_pool_id = Some(Uuid::now_v7());
    full.tags = vec!["etl".into(), "needs \"quotes\" / ünïcode".into()];
    let pending = State::new(StateType::Pending, now);
    let mut scheduled = State::new(StateType::Scheduled, now);
    scheduled.name = "Late".into();
    scheduled.message = Some("was due\nat 9".into());
    scheduled.details.scheduled_time = Some(at("2026-03-08T09:00:00Z"));
    scheduled.details.pause_reschedule = true;
    scheduled.details.run_input_keyset = Some(BTreeMap::from([("a".into(), "k".into())]));
    // A client's unknown key, and a stored value of the wrong type for a known key (kept in `other`, and
    // replaced in place when the field is set).
    scheduled
        .details
        .other
        .insert("zz_newer_client".into(), Value::from(1));
    scheduled
        .details
        .other
        .insert("cache_key".into(), Value::from(7));
    let mut running = State::new(StateType::Running, now);
    running.details.flow_run_id = Some(full.id);
    running.details.transition_id = Some(Uuid::now_v7());
    running
        .details
        .other
        .insert("retriable".into(), Value::from("x"));
    let mut keyed = scheduled.clone();
    keyed.details.cache_key = Some("key".into());
    vec![
        RunStateEvent::new(&plain, None, None, pending.clone()),
        RunStateEvent::new(
            &plain,
            Some("my-flow"),
            Some(pending.clone()),
            running.clone(),
        ),
        RunStateEvent::new(&full, Some("f"), Some(running.clone()), scheduled.clone()),
        RunStateEvent::new(&full, Some("f"), Some(scheduled), keyed),
        RunStateEvent::new(&full, Some("f"), Some(pending), running),
    ]
}

/// The JSON written from the facts is, byte for byte, the JSON of the event's maps (as the store writes an
/// event it is given): the stored event and
/// the published one cannot drift apart.
#[test]
fn stored_text_is_the_text_of_the_built_event() {
    for case in cases() {
        let built = case.event();
        assert_eq!(case.stored(), StoredEvent::of(&built), "{case:?}");
    }
}

#[test]
fn details_keep_the_order_and_values_of_to_doc() {
    for case in cases() {
        let text = serde_json::to_string(&DetailsJson(&case.to.details)).unwrap();
        let doc = serde_json::to_string(&case.to.details.to_doc()).unwrap();
        assert_eq!(text, doc);
    }
}

#[test]
fn a_published_run_state_event_is_built_once_on_first_read() {
    let case = cases().remove(2);
    let expected = case.event();
    let published = Published::from(case);
    let Published::RunState(_, built) = &published else {
        panic!("not lazy")
    };
    assert!(built.get().is_none(), "built before anyone read it");
    assert!(published.is_named(&expected.event));
    assert!(!published.is_named("prefect.flow-run.Cancelling"));
    assert!(!published.is_named(&expected.event[1..]));
    assert!(built.get().is_none(), "built to read its name");
    assert_eq!(published.event, expected.event);
    assert_eq!(*published, expected);
    let Published::RunState(_, built) = &published else {
        panic!("not lazy")
    };
    assert!(built.get().is_some());
}

#[test]
fn a_built_event_answers_its_name() {
    let e = cases().remove(0).event();
    let published = Published::from(e.clone());
    assert!(published.is_named(&e.event));
    assert!(!published.is_named("prefect.flow-run.Cancelling"));
}
