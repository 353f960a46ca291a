//! How an event trigger counts events and when it fires, as a pure function of the trigger, its bucket
//! (the window being counted for one `for_each` key) and the event or the clock. The store keeps the
//! buckets, so a half-counted threshold or a pending proactive deadline survives a restart.

use super::automation::{EventTrigger, Posture, Trigger};
use super::event::Event;
use super::{Doc, Ts};
use chrono::Duration;
use serde_json::Value;

/// How far before its first event a reactive window opens, so an event that arrives slightly out of
/// order still counts.
pub const LOOKBACK_SECONDS: i64 = 15 * 60;

/// The window being counted for one trigger and one bucketing key.
#[derive(Clone, Debug, PartialEq)]
pub struct Bucket {
    pub key: Vec<String>,
    pub start: Ts,
    pub end: Ts,
    pub count: i64,
    pub last_event: Option<Event>,
}

/// One firing of a trigger.
#[derive(Clone, Debug, PartialEq)]
pub struct Firing {
    /// The `for_each` labels and the values they had.
    pub labels: Doc,
    /// The event that completed the count, or for a proactive trigger the last event seen.
    pub triggering_event: Option<Event>,
}

/// The outcome of one evaluation: the bucket to keep (`None`: delete it) and a firing, if any.
#[derive(Clone, Debug, PartialEq)]
pub struct Step {
    pub bucket: Option<Bucket>,
    pub fired: Option<Firing>,
}

fn within(t: &EventTrigger) -> Duration {
    Duration::milliseconds((t.within * 1000.0).round() as i64)
}

fn labels(t: &EventTrigger, key: &[String]) -> Doc {
    let mut names = t.for_each.clone();
    names.sort();
    names
        .into_iter()
        .zip(key.iter())
        .map(|(l, v)| (l, Value::String(v.clone())))
        .collect()
}

/// An event for this trigger arrives (the caller checked `covers`). `existing` is the stored bucket for
/// the event's key. `None`: nothing to change.
pub fn on_event(t: &EventTrigger, existing: Option<Bucket>, e: &Event) -> Option<Step> {
    let key = t.bucketing_key(e);
    let mut bucket = existing;
    let mut changed = false;
    if !t.after.is_empty() && t.starts_after(&e.event) && bucket.is_none() {
        bucket = Some(Bucket {
            key: key.clone(),
            start: e.occurred,
            end: e.occurred + within(t),
            count: if t.expects(&e.event) { -1 } else { 0 },
            last_event: Some(e.clone()),
        });
        changed = true;
    }
    if bucket.is_none() && t.after.is_empty() && t.expects(&e.event) {
        bucket = Some(Bucket {
            key,
            start: e.occurred - Duration::seconds(LOOKBACK_SECONDS),
            end: e.occurred + within(t),
            count: 0,
            last_event: Some(e.clone()),
        });
        changed = true;
    }
    if !t.expects(&e.event) {
        return changed.then_some(Step {
            bucket,
            fired: None,
        });
    }
    let bucket = bucket?;
    Some(evaluate(t, bucket, e.occurred, Some(e)))
}

/// The clock reached `now` with no event: a proactive trigger whose window closed with too few events
/// fires; a window that ended is replaced or dropped.
pub fn on_tick(t: &EventTrigger, bucket: Bucket, now: Ts) -> Step {
    evaluate(t, bucket, now, None)
}

/// A fresh bucket for a proactive trigger without `for_each`, so silence alone can fire it.
pub fn open_window(t: &EventTrigger, now: Ts) -> Bucket {
    Bucket {
        key: Vec::new(),
        start: now,
        end: now + within(t),
        count: 0,
        last_event: None,
    }
}

fn evaluate(t: &EventTrigger, mut bucket: Bucket, now: Ts, event: Option<&Event>) -> Step {
    let mut count = i64::from(event.is_some());
    if now < bucket.start {
        // A late event, from before this window: it does not count.
        return Step {
            bucket: Some(bucket),
            fired: None,
        };
    }
    let previous_last = bucket.last_event.clone();
    if count > 0 && (t.immediate() || (bucket.start <= now && now < bucket.end)) {
        bucket.count += count;
        bucket.last_event = event.cloned();
        count = 0;
    }
    let ready = t.posture == Posture::Reactive || bucket.end <= now;
    let meets = t.meets_threshold(bucket.count);
    let mut fired = None;
    if ready && meets {
        fired = Some(Firing {
            labels: labels(t, &bucket.key),
            triggering_event: event.cloned().or_else(|| bucket.last_event.clone()),
        });
    } else if now < bucket.end {
        if let Some(e) = event {
            if t.posture == Posture::Proactive && t.starts_after(&e.event) && t.expects(&e.event) {
                // The same event both expected and starting: the window restarts from it.
                let last = match previous_last {
                    Some(p)
                        if t.expects(&p.event)
                            && !t.starts_after(&p.event)
                            && p.occurred >= e.occurred =>
                    {
                        p
                    }
                    _ => e.clone(),
                };
                return Step {
                    bucket: Some(Bucket {
                        key: bucket.key,
                        start: e.occurred,
                        end: e.occurred + within(t),
                        count: 0,
                        last_event: Some(last),
                    }),
                    fired: None,
                };
            }
        }
        return Step {
            bucket: Some(bucket),
            fired: None,
        };
    }
    if !t.after.is_empty() || t.within == 0.0 {
        return Step {
            bucket: None,
            fired,
        };
    }
    let start = bucket.end.max(now);
    let next = Bucket {
        key: bucket.key,
        start,
        end: start + within(t),
        count: 0,
        last_event: None,
    };
    if t.posture == Posture::Reactive && count > 0 {
        let again = evaluate(t, next, now, event);
        return Step {
            bucket: again.bucket,
            fired: fired.or(again.fired),
        };
    }
    Step {
        bucket: Some(Bucket { count, ..next }),
        fired,
    }
}

/// A child trigger of a compound or sequence trigger fired, waiting for its siblings.
#[derive(Clone, Debug, PartialEq)]
pub struct ChildFiring {
    pub child: uuid::Uuid,
    pub at: Ts,
    pub triggering_event: Option<Event>,
}

/// A child of `parent` fired: the child firings to keep, and whether the parent fires now (Prefect's
/// rules: a compound needs `require` distinct children within `within`; a sequence needs every child,
/// in order).
pub fn on_child_fired(
    parent: &Trigger,
    stored: Vec<ChildFiring>,
    new: ChildFiring,
) -> (Vec<ChildFiring>, bool) {
    let (children, window) = match parent {
        Trigger::Compound(c) => (&c.triggers, c.within),
        Trigger::Sequence(s) => (&s.triggers, s.within),
        Trigger::Event(_) => return (stored, true),
    };
    let expected = match parent {
        Trigger::Compound(c) => match &c.require {
            Value::String(s) if s == "any" => 1,
            Value::Number(n) => n.as_u64().unwrap_or(1) as usize,
            _ => children.len(),
        },
        _ => children.len(),
    };
    if expected <= 1 && matches!(parent, Trigger::Compound(_)) {
        return (stored, true);
    }
    let oldest = window.map(|w| new.at - Duration::milliseconds((w * 1000.0) as i64));
    let mut kept: Vec<ChildFiring> = stored
        .into_iter()
        .filter(|f| f.child != new.child && oldest.is_none_or(|o| f.at >= o))
        .collect();
    kept.push(new);
    let ready = match parent {
        Trigger::Sequence(_) => {
            let mut order = kept.clone();
            order.sort_by_key(|f| f.at);
            order
                .iter()
                .map(|f| f.child)
                .eq(children.iter().map(Trigger::id))
        }
        _ => kept.len() >= expected,
    };
    if ready {
        (Vec::new(), true)
    } else {
        (kept, false)
    }
}

#[cfg(test)]
#[path = "trigger_eval_tests.rs"]
mod tests;
