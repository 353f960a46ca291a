//! Automations: "when these events happen (or do not), do that". The trigger and action models are
//! Prefect's (`EventTrigger`, `CompoundTrigger`, `SequenceTrigger`, and the OSS server's actions), stored
//! as the JSON the API answers, and matched against events here as pure functions.

use super::event::Event;
use super::{Doc, Ts};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use uuid::Uuid;
use wildmatch::WildMatch;

pub use super::automation_action::{Action, Source};

/// One automation.
#[derive(Clone, Debug, PartialEq)]
pub struct Automation {
    pub id: Uuid,
    pub created: Ts,
    pub updated: Ts,
    pub name: String,
    pub description: String,
    pub enabled: bool,
    pub tags: Vec<String>,
    pub trigger: Trigger,
    pub actions: Vec<Action>,
    pub actions_on_trigger: Vec<Action>,
    pub actions_on_resolve: Vec<Action>,
    /// The resource that owns it (`prefect.deployment.<id>` for a deployment's triggers).
    pub owner_resource: Option<String>,
}

impl Automation {
    /// The automation in Prefect's JSON shape (the API's answer and its events' payload).
    pub fn to_json(&self) -> Value {
        serde_json::json!({
            "id": self.id.to_string(),
            "created": super::time::format(self.created),
            "updated": super::time::format(self.updated),
            "name": self.name,
            "description": self.description,
            "enabled": self.enabled,
            "tags": self.tags,
            "trigger": self.trigger,
            "actions": self.actions,
            "actions_on_trigger": self.actions_on_trigger,
            "actions_on_resolve": self.actions_on_resolve,
            "owner_resource": self.owner_resource,
        })
    }

    /// Every action a firing runs, in order.
    pub fn firing_actions(&self) -> impl Iterator<Item = &Action> {
        self.actions.iter().chain(self.actions_on_trigger.iter())
    }

    /// Whether the automation mentions a resource (`prefect.deployment.<id>`…): it owns it, its trigger
    /// matches on it, or an action works on it.
    pub fn relates_to(&self, resource: &str) -> bool {
        if self.owner_resource.as_deref() == Some(resource) {
            return true;
        }
        let text = |v: &Value| v.to_string().contains(resource);
        let trigger = serde_json::to_value(&self.trigger).unwrap_or_default();
        if text(&trigger) {
            return true;
        }
        let id = resource.rsplit('.').next().unwrap_or(resource);
        self.firing_actions().any(|a| {
            serde_json::to_value(a)
                .map(|v| {
                    v.as_object()
                        .is_some_and(|o| o.values().any(|x| x.as_str() == Some(id)))
                })
                .unwrap_or(false)
        })
    }
}

/// What an automation waits for.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "kebab-case")]
pub enum Trigger {
    Event(EventTrigger),
    Compound(CompoundTrigger),
    Sequence(SequenceTrigger),
}

/// Reactive: fire when `threshold` matching events happen within `within`. Proactive: fire when fewer
/// than `threshold` happen within `within` (after an `after` event, when given).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EventTrigger {
    #[serde(default = "Uuid::new_v4")]
    pub id: Uuid,
    #[serde(default, rename = "match")]
    pub match_resource: Doc,
    /// One label map, or a list of them (each must match some related resource).
    #[serde(default = "empty_object")]
    pub match_related: Value,
    #[serde(default)]
    pub after: Vec<String>,
    #[serde(default)]
    pub expect: Vec<String>,
    #[serde(default)]
    pub for_each: Vec<String>,
    pub posture: Posture,
    #[serde(default = "one")]
    pub threshold: i64,
    /// Seconds.
    #[serde(default)]
    pub within: f64,
}

/// Fires when `require` (all, any, or a number) of its triggers fired within `within` seconds.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CompoundTrigger {
    #[serde(default = "Uuid::new_v4")]
    pub id: Uuid,
    pub triggers: Vec<Trigger>,
    pub within: Option<f64>,
    pub require: Value,
}

/// Fires when its triggers fired in order within `within` seconds.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SequenceTrigger {
    #[serde(default = "Uuid::new_v4")]
    pub id: Uuid,
    pub triggers: Vec<Trigger>,
    pub within: Option<f64>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Posture {
    Reactive,
    Proactive,
}

fn one() -> i64 {
    1
}

fn empty_object() -> Value {
    Value::Object(Default::default())
}

/// Prefect's glob match of one label value: `*` and `?` wildcards, a leading `!` negates.
pub fn glob(expected: &str, value: Option<&str>) -> bool {
    let Some(value) = value else {
        return false;
    };
    match expected.strip_prefix('!') {
        Some(neg) => !WildMatch::new(neg).matches(value),
        None => WildMatch::new(expected).matches(value),
    }
}

/// Whether a resource's labels satisfy a label map (each label: one value or a list, any may match).
pub fn spec_matches(spec: &Doc, resource: &Doc) -> bool {
    spec.iter().all(|(label, expected)| {
        let value = resource.get(label).and_then(Value::as_str);
        match expected {
            Value::String(s) => glob(s, value),
            Value::Array(items) => items
                .iter()
                .filter_map(Value::as_str)
                .any(|s| glob(s, value)),
            _ => false,
        }
    })
}

/// Whether some resource of `candidates` satisfies `spec` (an empty spec matches everything).
fn includes<'a>(spec: &Doc, mut candidates: impl Iterator<Item = &'a Doc>) -> bool {
    spec.is_empty() || candidates.any(|c| spec_matches(spec, c))
}

impl Trigger {
    pub fn id(&self) -> Uuid {
        match self {
            Trigger::Event(t) => t.id,
            Trigger::Compound(t) => t.id,
            Trigger::Sequence(t) => t.id,
        }
    }

    /// `event`, `compound` or `sequence`.
    pub fn kind(&self) -> &'static str {
        match self {
            Trigger::Event(_) => "event",
            Trigger::Compound(_) => "compound",
            Trigger::Sequence(_) => "sequence",
        }
    }

    /// Every event trigger inside, with the chain of composite triggers above it (outermost first).
    pub fn leaves(&self) -> Vec<(&EventTrigger, Vec<&Trigger>)> {
        let mut out = Vec::new();
        self.collect(&mut Vec::new(), &mut out);
        out
    }

    fn collect<'a>(
        &'a self,
        path: &mut Vec<&'a Trigger>,
        out: &mut Vec<(&'a EventTrigger, Vec<&'a Trigger>)>,
    ) {
        match self {
            Trigger::Event(t) => out.push((t, path.clone())),
            Trigger::Compound(CompoundTrigger { triggers, .. })
            | Trigger::Sequence(SequenceTrigger { triggers, .. }) => {
                path.push(self);
                for t in triggers {
                    t.collect(path, out);
                }
                path.pop();
            }
        }
    }

    /// Checks what serde cannot: thresholds, windows, `require`, and each event trigger's posture.
    pub fn check(&self) -> Result<(), String> {
        match self {
            Trigger::Event(t) => {
                if t.threshold < 1 {
                    return Err("threshold must be at least 1".into());
                }
                if t.within < 0.0 || !t.within.is_finite() {
                    return Err("within must be a non-negative number of seconds".into());
                }
                if t.posture == Posture::Proactive && t.within < 10.0 {
                    return Err("within must be at least 10 seconds for a proactive trigger".into());
                }
                Ok(())
            }
            Trigger::Compound(c) => {
                match &c.require {
                    Value::String(s) if s == "any" || s == "all" => {}
                    Value::Number(n) if n.as_u64().is_some_and(|n| n >= 1) => {}
                    _ => return Err("require must be 'any', 'all' or a positive number".into()),
                }
                c.triggers.iter().try_for_each(Trigger::check)
            }
            Trigger::Sequence(s) => s.triggers.iter().try_for_each(Trigger::check),
        }
    }
}

impl EventTrigger {
    /// Whether an event name matches any pattern of `expect` (an empty `expect` matches all).
    pub fn expects(&self, name: &str) -> bool {
        self.expect.is_empty() || self.expect.iter().any(|p| glob(p, Some(name)))
    }

    /// Whether an event name matches a pattern of `after`.
    pub fn starts_after(&self, name: &str) -> bool {
        self.after.iter().any(|p| glob(p, Some(name)))
    }

    /// Reactive within 0 s: every event counts whatever the window.
    pub fn immediate(&self) -> bool {
        self.posture == Posture::Reactive && self.within == 0.0
    }

    /// Whether this trigger is interested in the event at all: its name and its resources.
    pub fn covers(&self, e: &Event) -> bool {
        let named = self.expect.is_empty()
            || self.expects(&e.event)
            || (!self.after.is_empty() && self.starts_after(&e.event));
        if !named || !includes(&self.match_resource, std::iter::once(&e.resource)) {
            return false;
        }
        let specs: Vec<Doc> = match &self.match_related {
            Value::Object(m) => vec![m.clone()],
            Value::Array(items) => items
                .iter()
                .filter_map(|v| v.as_object().cloned())
                .collect(),
            _ => Vec::new(),
        };
        specs.iter().all(|s| includes(s, e.related.iter()))
    }

    /// The values of the `for_each` labels (sorted by label) that split counting into buckets.
    pub fn bucketing_key(&self, e: &Event) -> Vec<String> {
        let mut labels = self.for_each.clone();
        labels.sort();
        labels
            .iter()
            .map(|l| find_label(e, l).unwrap_or_default())
            .collect()
    }

    /// Reactive: enough events; proactive: too few.
    pub fn meets_threshold(&self, count: i64) -> bool {
        match self.posture {
            Posture::Reactive => count >= self.threshold,
            Posture::Proactive => count < self.threshold,
        }
    }
}

/// A label of the event's resource, or `related:<role>:<label>` of a related resource.
pub fn find_label(e: &Event, label: &str) -> Option<String> {
    if let Some(rest) = label.strip_prefix("related:") {
        let (role, l) = rest.split_once(':')?;
        return e
            .related
            .iter()
            .find(|r| r.get("prefect.resource.role").and_then(Value::as_str) == Some(role))
            .and_then(|r| r.get(l).and_then(Value::as_str).map(String::from));
    }
    e.resource
        .get(label)
        .and_then(Value::as_str)
        .map(String::from)
}
