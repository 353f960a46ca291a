//! The trigger loop: reads every stored event once, in the order it was stored (a cursor on the events
//! table, kept in the same transaction as the buckets it updates), evaluates the enabled automations'
//! triggers on it, and looks again when a proactive window closes. A firing queues its actions in that
//! transaction too, so a restart neither loses nor repeats a firing; the actions then run once each
//! (`automation_actions.rs`).

use super::Services;
use crate::domain::automation::{Automation, EventTrigger, Posture, Trigger};
use crate::domain::event::{resource, Event};
use crate::domain::trigger_eval::{self, ChildFiring, Firing};
use crate::domain::Ts;
use crate::store::automation_state::{self as state, QueuedAction};
use crate::store::{automations, events, StoreError, Tx};
use serde_json::{json, Value};
use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::broadcast::error::{RecvError, TryRecvError};
use uuid::Uuid;

/// How many events one transaction evaluates.
const BATCH: u32 = 500;
/// The longest the loop sleeps without an event.
const IDLE: Duration = Duration::from_secs(30);
/// The shortest time between two passes while events keep coming.
const MIN_GAP: Duration = Duration::from_millis(5);

/// Runs until the server stops.
pub async fn run(s: Arc<Services>) {
    s.recover_actions().await;
    let mut rx = s.bus.subscribe();
    let mut actions_due = true;
    // The automation epoch at which the loop last found no automation enabled: until the epoch moves,
    // there is nothing to evaluate.
    let mut idle_at = None;
    loop {
        let started = tokio::time::Instant::now();
        let mut next = None;
        let epoch = s.automation_epoch.load(Ordering::Acquire);
        if idle_at != Some(epoch) {
            match s.evaluate_triggers().await {
                Ok(pass) => {
                    next = pass.next;
                    actions_due |= pass.fired;
                    // An automation enabled while this pass ran moved the epoch: no idling then.
                    idle_at = pass.idle.then_some(epoch);
                }
                Err(e) => {
                    tracing::warn!(error = %e, "trigger evaluation failed; retrying");
                    next = Some(s.clock.now() + chrono::Duration::seconds(1));
                }
            }
        }
        if std::mem::take(&mut actions_due) {
            s.run_queued_actions();
        }
        let sleep = next
            .map(|t| (t - s.clock.now()).to_std().unwrap_or_default().min(IDLE))
            .unwrap_or(IDLE);
        tokio::select! {
            _ = s.stop.cancelled() => return,
            _ = s.trigger_wake.notified() => actions_due = true,
            got = rx.recv() => {
                if matches!(got, Err(RecvError::Closed)) {
                    return;
                }
                // Under a stream of events, passes are at least MIN_GAP apart; each reads every event
                // stored so far, so the wake-ups queued meanwhile are spent.
                tokio::time::sleep_until(started + MIN_GAP).await;
                while !matches!(rx.try_recv(), Err(TryRecvError::Empty | TryRecvError::Closed)) {}
            }
            _ = tokio::time::sleep(sleep) => {}
        }
    }
}

/// What one pass did.
#[derive(Debug, Default)]
pub struct PassOutcome {
    /// When a proactive window closes next.
    pub next: Option<Ts>,
    /// Whether a trigger fired (actions are queued).
    pub fired: bool,
    /// No automation was enabled (nothing was read or written).
    pub idle: bool,
}

/// What one pass produced: events to publish after the commit, and when to look again.
struct Pass {
    emitted: Vec<Event>,
    next: Option<Ts>,
}

impl Services {
    /// One pass: new events first, then the clock. Returns when the next proactive window closes.
    pub async fn evaluate_triggers(&self) -> super::Result<PassOutcome> {
        if !self.store.read(automations::any_enabled).await? {
            // Nothing to evaluate and no write until an automation is enabled (which moves the cursor to
            // its start and the automation epoch).
            return Ok(PassOutcome {
                idle: true,
                ..Default::default()
            });
        }
        let now = self.clock.now();
        let pass = self
            .store
            .write(move |tx| {
                let all: Vec<Automation> = automations::all(tx)?
                    .into_iter()
                    .filter(|a| a.enabled)
                    .collect();
                let mut pass = Pass {
                    emitted: Vec::new(),
                    next: None,
                };
                let cursor = match state::cursor(tx)? {
                    Some(c) => c,
                    None => {
                        // The first look: only events from now on concern automations.
                        let last = events::last_rowid(tx)?;
                        state::set_cursor(tx, last)?;
                        last
                    }
                };
                let batch = events::after_rowid(tx, cursor, BATCH)?;
                let read_to = batch.last().map_or(cursor, |(last, _)| *last);
                if read_to != cursor {
                    state::set_cursor(tx, read_to)?;
                }
                if events::beyond_horizon(tx, read_to)? {
                    // Stored events wait for older transactions to end: look again soon.
                    pass.next = Some(now + chrono::Duration::milliseconds(20));
                }
                for (_, e) in &batch {
                    for a in &all {
                        if is_own(a, e) {
                            // An automation does not react to its own events: one that watches every
                            // event would otherwise fire on its own firing, forever.
                            continue;
                        }
                        for (leaf, path) in a.trigger.leaves() {
                            if leaf.covers(e) {
                                on_event(tx, a, leaf, &path, e, now, &mut pass)?;
                            }
                        }
                    }
                }
                for a in &all {
                    for (leaf, path) in a.trigger.leaves() {
                        if leaf.posture == Posture::Proactive {
                            on_clock(tx, a, leaf, &path, now, &mut pass)?;
                        }
                    }
                }
                // Proactive windows that closed were evaluated above; the rest only wait for an event.
                state::sweep_buckets(tx, now - chrono::Duration::hours(1))?;
                if batch.len() as u32 == BATCH {
                    pass.next = Some(now);
                }
                Ok(pass)
            })
            .await?;
        let fired = !pass.emitted.is_empty();
        self.bus.publish(pass.emitted);
        Ok(PassOutcome {
            next: pass.next,
            fired,
            idle: false,
        })
    }
}

/// Whether an event is about the automation itself (its firing, its actions' outcomes, its changes).
fn is_own(a: &Automation, e: &Event) -> bool {
    e.resource_id()
        .strip_prefix("prefect.automation.")
        .is_some_and(|id| id == a.id.to_string())
}

fn on_event(
    tx: &Tx,
    a: &Automation,
    leaf: &EventTrigger,
    path: &[&Trigger],
    e: &Event,
    now: Ts,
    pass: &mut Pass,
) -> Result<(), StoreError> {
    let key = leaf.bucketing_key(e);
    let existing = state::bucket(tx, a.id, leaf.id, &key)?;
    let Some(step) = trigger_eval::on_event(leaf, existing, e) else {
        return Ok(());
    };
    state::set_bucket(tx, a.id, leaf.id, &key, step.bucket.as_ref())?;
    if let Some(f) = step.fired {
        fired(tx, a, path, leaf.id, f, now, pass)?;
    }
    Ok(())
}

fn on_clock(
    tx: &Tx,
    a: &Automation,
    leaf: &EventTrigger,
    path: &[&Trigger],
    now: Ts,
    pass: &mut Pass,
) -> Result<(), StoreError> {
    if leaf.for_each.is_empty() && state::bucket(tx, a.id, leaf.id, &[])?.is_none() {
        let b = trigger_eval::open_window(leaf, now);
        state::set_bucket(tx, a.id, leaf.id, &[], Some(&b))?;
    }
    for b in state::buckets(tx, a.id, leaf.id)? {
        if b.end > now {
            pass.next = Some(pass.next.map_or(b.end, |n| n.min(b.end)));
            continue;
        }
        let key = b.key.clone();
        let step = trigger_eval::on_tick(leaf, b, now);
        state::set_bucket(tx, a.id, leaf.id, &key, step.bucket.as_ref())?;
        if let Some(nb) = &step.bucket {
            if nb.end > now {
                pass.next = Some(pass.next.map_or(nb.end, |n| n.min(nb.end)));
            }
        }
        if let Some(f) = step.fired {
            fired(tx, a, path, leaf.id, f, now, pass)?;
        }
    }
    Ok(())
}

/// Trigger `from` fired: a child of a composite waits for its siblings; the automation's own trigger runs
/// its actions.
fn fired(
    tx: &Tx,
    a: &Automation,
    path: &[&Trigger],
    from: Uuid,
    f: Firing,
    now: Ts,
    pass: &mut Pass,
) -> Result<(), StoreError> {
    if let Some((parent, above)) = path.split_last() {
        let stored = state::child_firings(tx, parent.id())?;
        let (kept, fire) = trigger_eval::on_child_fired(
            parent,
            stored,
            ChildFiring {
                child: from,
                at: now,
                triggering_event: f.triggering_event.clone(),
            },
        );
        state::set_child_firings(tx, a.id, parent.id(), &kept)?;
        if fire {
            return fired(tx, a, above, parent.id(), f, now, pass);
        }
        return Ok(());
    }
    fire_automation(tx, a, f, now, pass)
}

fn fire_automation(
    tx: &Tx,
    a: &Automation,
    f: Firing,
    now: Ts,
    pass: &mut Pass,
) -> Result<(), StoreError> {
    let firing_id = Uuid::now_v7();
    let mut res = resource(
        format!("prefect.automation.{}", a.id),
        &[("prefect.resource.name", Value::from(a.name.clone()))],
    );
    if let Trigger::Event(t) = &a.trigger {
        res.insert("prefect.posture".into(), json!(t.posture));
    }
    let related = f
        .triggering_event
        .iter()
        .map(|e| {
            resource(
                format!("prefect.event.{}", e.id),
                &[("prefect.resource.role", Value::from("triggering-event"))],
            )
        })
        .collect();
    let mut payload = crate::domain::Doc::new();
    payload.insert("triggering_labels".into(), Value::Object(f.labels.clone()));
    payload.insert(
        "triggering_event".into(),
        f.triggering_event
            .as_ref()
            .map(Event::to_json)
            .unwrap_or(Value::Null),
    );
    let triggered = Event {
        id: Uuid::now_v7(),
        occurred: now,
        event: "prefect.automation.triggered".into(),
        resource: res,
        related,
        payload,
        follows: None,
        received: now,
    };
    events::insert(tx, &triggered)?;
    let firing = json!({
        "id": firing_id.to_string(),
        "triggered": crate::domain::time::format(now),
        "triggering_labels": f.labels,
        "triggering_event": f.triggering_event.as_ref().map(Event::to_json),
        "automation_triggered_event_id": triggered.id.to_string(),
    });
    for (i, action) in a.firing_actions().enumerate() {
        let q = QueuedAction {
            id: Uuid::now_v7(),
            automation_id: a.id,
            action_index: i as i64,
            action: serde_json::to_value(action).unwrap_or_default(),
            firing: firing.clone(),
            status: "pending".into(),
        };
        state::queue_action(tx, &q, now)?;
    }
    pass.emitted.push(triggered);
    Ok(())
}
