//! Unit tests of trigger evaluation: windows, thresholds, proactive deadlines and composite triggers.

use super::*;
use crate::domain::automation::{EventTrigger, Posture, Trigger};
use crate::domain::event::{resource, Event};
use crate::domain::time;
use uuid::Uuid;

fn at(s: i64) -> Ts {
    time::parse("2026-01-01T00:00:00Z").unwrap() + Duration::seconds(s)
}

fn ev(name: &str, id: &str, s: i64) -> Event {
    Event {
        id: Uuid::now_v7(),
        occurred: at(s),
        event: name.into(),
        resource: resource(id.into(), &[]),
        related: Vec::new(),
        payload: Doc::new(),
        follows: None,
        received: at(s),
    }
}

fn trigger(
    posture: Posture,
    after: &[&str],
    expect: &[&str],
    threshold: i64,
    within: f64,
) -> EventTrigger {
    EventTrigger {
        id: Uuid::new_v4(),
        match_resource: Doc::new(),
        match_related: Value::Object(Doc::new()),
        after: after.iter().map(|s| s.to_string()).collect(),
        expect: expect.iter().map(|s| s.to_string()).collect(),
        for_each: vec!["prefect.resource.id".into()],
        posture,
        threshold,
        within,
    }
}

/// Feeds events in order, keeping one bucket (one key), and counts firings.
fn feed(t: &EventTrigger, events: &[Event]) -> (Option<Bucket>, usize) {
    let mut bucket = None;
    let mut fired = 0;
    for e in events {
        if let Some(step) = on_event(t, bucket.clone(), e) {
            bucket = step.bucket;
            fired += usize::from(step.fired.is_some());
        }
    }
    (bucket, fired)
}

#[test]
fn a_threshold_fires_once_on_the_third_event_in_the_window() {
    let t = trigger(Posture::Reactive, &[], &["sensor.reading"], 3, 10.0);
    let two = [ev("sensor.reading", "s7", 0), ev("sensor.reading", "s7", 1)];
    assert_eq!(feed(&t, &two).1, 0);
    let mut more = two.to_vec();
    more.push(ev("sensor.reading", "s7", 2));
    more.push(ev("sensor.reading", "s7", 3));
    let (_, fired) = feed(&t, &more);
    assert_eq!(
        fired, 1,
        "a fourth event in the same window does not fire again"
    );
}

#[test]
fn events_spread_wider_than_the_window_do_not_fire() {
    let t = trigger(Posture::Reactive, &[], &["sensor.reading"], 3, 10.0);
    let spread = [
        ev("sensor.reading", "s7", 0),
        ev("sensor.reading", "s7", 11),
        ev("sensor.reading", "s7", 22),
    ];
    assert_eq!(feed(&t, &spread).1, 0);
}

#[test]
fn an_immediate_trigger_fires_on_every_event() {
    let t = trigger(Posture::Reactive, &[], &["prefect.flow-run.Failed"], 1, 0.0);
    let evs = [
        ev("prefect.flow-run.Failed", "r1", 0),
        ev("prefect.flow-run.Failed", "r1", 1),
    ];
    let (bucket, fired) = feed(&t, &evs);
    assert_eq!(fired, 2);
    assert!(bucket.is_none());
    let other = [ev("prefect.flow-run.Completed", "r1", 0)];
    assert_eq!(feed(&t, &other).1, 0);
}

#[test]
fn proactive_fires_at_the_deadline_when_the_expected_event_never_comes() {
    let t = trigger(
        Posture::Proactive,
        &["prefect.flow-run.Running"],
        &["prefect.flow-run.Completed"],
        1,
        10.0,
    );
    let running = ev("prefect.flow-run.Running", "run-1", 0);
    let (bucket, fired) = feed(&t, std::slice::from_ref(&running));
    assert_eq!(fired, 0);
    let bucket = bucket.expect("the Running event opens a window");
    assert_eq!(bucket.end, at(10));
    let early = on_tick(&t, bucket.clone(), at(5));
    assert!(early.fired.is_none());
    let late = on_tick(&t, bucket, at(10));
    let firing = late.fired.expect("silence until the deadline fires");
    assert_eq!(firing.triggering_event.unwrap().id, running.id);
    assert_eq!(firing.labels["prefect.resource.id"], "run-1");
    assert!(
        late.bucket.is_none(),
        "an `after` window is done once evaluated"
    );
}

#[test]
fn proactive_does_not_fire_when_the_expected_event_arrives_in_time() {
    let t = trigger(
        Posture::Proactive,
        &["prefect.flow-run.Running"],
        &["prefect.flow-run.Completed"],
        1,
        10.0,
    );
    let evs = [
        ev("prefect.flow-run.Running", "run-1", 0),
        ev("prefect.flow-run.Completed", "run-1", 4),
    ];
    let (bucket, fired) = feed(&t, &evs);
    assert_eq!(fired, 0);
    let step = on_tick(&t, bucket.unwrap(), at(10));
    assert!(step.fired.is_none());
    assert!(step.bucket.is_none());
}

#[test]
fn an_expected_event_without_an_open_window_is_ignored() {
    let t = trigger(
        Posture::Proactive,
        &["prefect.flow-run.Running"],
        &["prefect.flow-run.Completed"],
        1,
        10.0,
    );
    assert!(on_event(&t, None, &ev("prefect.flow-run.Completed", "x", 0)).is_none());
}

#[test]
fn a_proactive_window_without_for_each_fires_on_silence() {
    let mut t = trigger(Posture::Proactive, &[], &["heartbeat"], 1, 30.0);
    t.for_each.clear();
    let b = open_window(&t, at(0));
    assert!(on_tick(&t, b.clone(), at(29)).fired.is_none());
    let step = on_tick(&t, b, at(30));
    assert!(step.fired.is_some());
    let next = step.bucket.expect("the next window opens");
    assert_eq!(next.start, at(30));
    assert_eq!(next.end, at(60));
    let (heard, _) = {
        let s = on_event(&t, Some(next), &ev("heartbeat", "h", 31)).unwrap();
        (s.bucket.unwrap(), s.fired)
    };
    assert_eq!(heard.count, 1);
    assert!(on_tick(&t, heard, at(60)).fired.is_none());
}

fn composite(kind: &str, require: Value, children: &[EventTrigger]) -> (Trigger, Vec<Uuid>) {
    let ids = children.iter().map(|c| c.id).collect();
    let kids: Vec<Value> = children
        .iter()
        .map(|c| {
            let mut v = serde_json::to_value(Trigger::Event(c.clone())).unwrap();
            v["type"] = Value::from("event");
            v
        })
        .collect();
    let mut t = serde_json::json!({"type": kind, "triggers": kids, "within": 60});
    if kind == "compound" {
        t["require"] = require;
    }
    (serde_json::from_value(t).unwrap(), ids)
}

fn child(id: Uuid, s: i64) -> ChildFiring {
    ChildFiring {
        child: id,
        at: at(s),
        triggering_event: None,
    }
}

#[test]
fn a_compound_trigger_needs_its_number_of_children_within_its_window() {
    let a = trigger(Posture::Reactive, &[], &["a"], 1, 0.0);
    let b = trigger(Posture::Reactive, &[], &["b"], 1, 0.0);
    let (all, ids) = composite("compound", Value::from("all"), &[a.clone(), b.clone()]);
    let (kept, fire) = on_child_fired(&all, Vec::new(), child(ids[0], 0));
    assert!(!fire);
    let (kept2, fire) = on_child_fired(&all, kept.clone(), child(ids[0], 1));
    assert!(!fire, "the same child twice is one child");
    assert_eq!(kept2.len(), 1);
    let (_, fire) = on_child_fired(&all, kept.clone(), child(ids[1], 61));
    assert!(!fire, "the first firing left the window");
    let (left, fire) = on_child_fired(&all, kept, child(ids[1], 30));
    assert!(fire);
    assert!(left.is_empty(), "a firing starts over");
    let (any, ids) = composite("compound", Value::from("any"), &[a, b]);
    assert!(on_child_fired(&any, Vec::new(), child(ids[1], 0)).1);
}

#[test]
fn a_sequence_fires_only_in_order() {
    let a = trigger(Posture::Reactive, &[], &["a"], 1, 0.0);
    let b = trigger(Posture::Reactive, &[], &["b"], 1, 0.0);
    let (seq, ids) = composite("sequence", Value::Null, &[a, b]);
    let (kept, fire) = on_child_fired(&seq, Vec::new(), child(ids[1], 0));
    assert!(!fire);
    let (kept, fire) = on_child_fired(&seq, kept, child(ids[0], 1));
    assert!(!fire, "b then a is not the sequence");
    let (_, fire) = on_child_fired(&seq, kept, child(ids[1], 2));
    assert!(fire, "a then b (the later b replaced the earlier) is");
}
