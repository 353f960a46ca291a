//! A flow run's state event (`prefect.flow-run.Running`…), kept as the facts it is made of.
//!
//! Every state change stores one, inside the writer's transaction, where time is the scarcest: building
//! its label maps (some forty map entries, each an allocation) cost as much as the row's own update. So the
//! stored JSON is written straight from these facts ([`RunStateEvent::stored`]), and the [`Event`] with its
//! maps is built only when a subscriber reads it ([`Published`]), off the writer. Both shapes are one
//! definition apart; the tests below hold them to the same text.

use super::event::{resource, Event};
use super::flow_run::FlowRun;
use super::state_details::StateDetails;
use super::{time, Doc, State, Ts};
use serde::ser::{Serialize, SerializeMap, SerializeSeq, Serializer};
use serde_json::Value;
use std::sync::OnceLock;
use uuid::Uuid;

/// What a flow run's state event says.
#[derive(Clone, Debug, PartialEq)]
pub struct RunStateEvent {
    pub id: Uuid,
    run_id: Uuid,
    run_name: String,
    run_count: i64,
    infrastructure_pid: Option<String>,
    flow_id: Uuid,
    flow_name: String,
    deployment_id: Option<Uuid>,
    work_queue_id: Option<Uuid>,
    work_pool_id: Option<Uuid>,
    tags: Vec<String>,
    from: Option<State>,
    to: State,
}

/// An event's columns as stored: its label maps and payload as JSON text.
#[derive(Clone, Debug, PartialEq)]
pub struct StoredEvent {
    pub id: Uuid,
    pub occurred: Ts,
    pub event: String,
    pub resource_id: String,
    pub resource: String,
    pub related: String,
    pub payload: String,
    pub follows: Option<Uuid>,
    pub received: Ts,
}

impl StoredEvent {
    /// An event's stored columns.
    pub fn of(e: &Event) -> StoredEvent {
        StoredEvent {
            id: e.id,
            occurred: e.occurred,
            event: e.event.clone(),
            resource_id: e.resource_id().to_string(),
            resource: text(&e.resource),
            related: text(&e.related),
            payload: text(&e.payload),
            follows: e.follows,
            received: e.received,
        }
    }
}

impl RunStateEvent {
    /// The event of `run` entering `to` (from `from`), with a new id.
    pub fn new(run: &FlowRun, flow_name: Option<&str>, from: Option<State>, to: State) -> Self {
        RunStateEvent {
            id: Uuid::now_v7(),
            run_id: run.id,
            run_name: run.name.clone(),
            run_count: run.run_count,
            infrastructure_pid: run.infrastructure_pid.clone(),
            flow_id: run.flow_id,
            flow_name: flow_name.unwrap_or_default().to_string(),
            deployment_id: run.deployment_id,
            work_queue_id: run.work_queue_id,
            work_pool_id: run.work_pool_id,
            tags: run.tags.clone(),
            from,
            to,
        }
    }

    fn name(&self) -> String {
        format!("prefect.flow-run.{}", self.to.name)
    }

    /// The related resources other than the flow: role and id.
    fn others(&self) -> impl Iterator<Item = (&'static str, String)> + '_ {
        let d = self
            .deployment_id
            .map(|d| ("deployment", format!("prefect.deployment.{d}")));
        let q = self
            .work_queue_id
            .map(|q| ("work-queue", format!("prefect.work-queue.{q}")));
        let p = self
            .work_pool_id
            .map(|p| ("work-pool", format!("prefect.work-pool.{p}")));
        let tags = self
            .tags
            .iter()
            .map(|t| ("tag", format!("prefect.tag.{t}")));
        d.into_iter().chain(q).chain(p).chain(tags)
    }

    /// The event, with its label maps.
    pub fn event(&self) -> Event {
        let to = &self.to;
        let mut res = resource(
            format!("prefect.flow-run.{}", self.run_id),
            &[
                ("prefect.resource.name", Value::from(self.run_name.clone())),
                ("prefect.run-count", Value::from(self.run_count.to_string())),
                (
                    "prefect.state-message",
                    Value::from(to.message.clone().unwrap_or_default()),
                ),
                ("prefect.state-name", Value::from(to.name.clone())),
                (
                    "prefect.state-timestamp",
                    Value::from(time::format(to.timestamp)),
                ),
                ("prefect.state-type", Value::from(to.kind.as_str())),
            ],
        );
        if let Some(pid) = &self.infrastructure_pid {
            res.insert(
                "prefect.infrastructure-pid".into(),
                Value::from(pid.clone()),
            );
        }
        let flow = resource(
            format!("prefect.flow.{}", self.flow_id),
            &[
                ("prefect.resource.role", Value::from("flow")),
                ("prefect.resource.name", Value::from(self.flow_name.clone())),
            ],
        );
        let related =
            std::iter::once(flow)
                .chain(self.others().map(|(role, id)| {
                    resource(id, &[("prefect.resource.role", Value::from(role))])
                }))
                .collect();
        let state_json = |s: &State| {
            serde_json::json!({
                "type": s.kind.as_str(), "name": s.name, "message": s.message.clone().unwrap_or_default(),
                "state_details": s.details.to_doc(), "timestamp": time::format(s.timestamp),
            })
        };
        let mut payload = Doc::new();
        payload.insert(
            "intended".into(),
            serde_json::json!({"from": self.from.as_ref().map(|s| s.kind.as_str()), "to": to.kind.as_str()}),
        );
        payload.insert(
            "initial_state".into(),
            self.from.as_ref().map(state_json).unwrap_or(Value::Null),
        );
        payload.insert("validated_state".into(), state_json(to));
        Event {
            id: self.id,
            occurred: to.timestamp,
            event: self.name(),
            resource: res,
            related,
            payload,
            follows: None,
            received: to.timestamp,
        }
    }

    /// The event as stored, its JSON written straight from the facts (the same text as the [`Event`]'s
    /// maps serialized).
    pub fn stored(&self) -> StoredEvent {
        StoredEvent {
            id: self.id,
            occurred: self.to.timestamp,
            event: self.name(),
            resource_id: format!("prefect.flow-run.{}", self.run_id),
            resource: text(&ResourceJson(self)),
            related: text(&RelatedJson(self)),
            payload: text(&PayloadJson(self)),
            follows: None,
            received: self.to.timestamp,
        }
    }
}

/// Compact JSON text of a value that always serializes (string keys, strings, numbers).
fn text<T: Serialize>(v: &T) -> String {
    serde_json::to_string(v).unwrap_or_default()
}

struct ResourceJson<'a>(&'a RunStateEvent);
struct RelatedJson<'a>(&'a RunStateEvent);
struct PayloadJson<'a>(&'a RunStateEvent);
struct StateJson<'a>(&'a State);
struct DetailsJson<'a>(&'a StateDetails);

impl Serialize for ResourceJson<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let (e, to) = (self.0, &self.0.to);
        let mut m = s.serialize_map(None)?;
        m.serialize_entry(
            "prefect.resource.id",
            &format_args!("prefect.flow-run.{}", e.run_id),
        )?;
        m.serialize_entry("prefect.resource.name", &e.run_name)?;
        m.serialize_entry("prefect.run-count", &format_args!("{}", e.run_count))?;
        m.serialize_entry("prefect.state-message", to.message.as_deref().unwrap_or(""))?;
        m.serialize_entry("prefect.state-name", &to.name)?;
        m.serialize_entry("prefect.state-timestamp", &time::format(to.timestamp))?;
        m.serialize_entry("prefect.state-type", to.kind.as_str())?;
        if let Some(pid) = &e.infrastructure_pid {
            m.serialize_entry("prefect.infrastructure-pid", pid)?;
        }
        m.end()
    }
}

impl Serialize for RelatedJson<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        struct Labels<'a>(&'a str, &'a str, Option<&'a str>);
        impl Serialize for Labels<'_> {
            fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                let mut m = s.serialize_map(None)?;
                m.serialize_entry("prefect.resource.id", self.0)?;
                m.serialize_entry("prefect.resource.role", self.1)?;
                if let Some(name) = self.2 {
                    m.serialize_entry("prefect.resource.name", name)?;
                }
                m.end()
            }
        }
        let e = self.0;
        let mut seq = s.serialize_seq(None)?;
        let flow = format!("prefect.flow.{}", e.flow_id);
        seq.serialize_element(&Labels(&flow, "flow", Some(&e.flow_name)))?;
        for (role, id) in e.others() {
            seq.serialize_element(&Labels(&id, role, None))?;
        }
        seq.end()
    }
}

impl Serialize for PayloadJson<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        struct Intended<'a>(Option<&'a str>, &'a str);
        impl Serialize for Intended<'_> {
            fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                let mut m = s.serialize_map(Some(2))?;
                m.serialize_entry("from", &self.0)?;
                m.serialize_entry("to", self.1)?;
                m.end()
            }
        }
        let e = self.0;
        let mut m = s.serialize_map(Some(3))?;
        let from = e.from.as_ref().map(|f| f.kind.as_str());
        m.serialize_entry("intended", &Intended(from, e.to.kind.as_str()))?;
        m.serialize_entry("initial_state", &e.from.as_ref().map(StateJson))?;
        m.serialize_entry("validated_state", &StateJson(&e.to))?;
        m.end()
    }
}

impl Serialize for StateJson<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let st = self.0;
        let mut m = s.serialize_map(Some(5))?;
        m.serialize_entry("type", st.kind.as_str())?;
        m.serialize_entry("name", &st.name)?;
        m.serialize_entry("message", st.message.as_deref().unwrap_or(""))?;
        m.serialize_entry("state_details", &DetailsJson(&st.details))?;
        m.serialize_entry("timestamp", &time::format(st.timestamp))?;
        m.end()
    }
}

impl Serialize for DetailsJson<'_> {
    /// [`StateDetails::to_doc`]'s entries in its order: the other keys first (a set field of the same
    /// name replacing the value in place), then the set fields.
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let d = self.0;
        let mut fields = d.fields();
        let mut m = s.serialize_map(None)?;
        for (k, v) in &d.other {
            match fields.iter_mut().find(|(f, _)| *f == k.as_str()) {
                Some((_, set @ Some(_))) => m.serialize_entry(k, &set.take())?,
                _ => m.serialize_entry(k, v)?,
            }
        }
        for (k, v) in fields.iter().filter_map(|(k, v)| Some((k, v.as_ref()?))) {
            m.serialize_entry(k, v)?;
        }
        m.end()
    }
}

/// An event as the bus carries it: built, or a flow run's state event whose maps are built on first read
/// (most subscribers only take the wake-up and never read it).
#[derive(Debug)]
pub enum Published {
    Built(Event),
    RunState(Box<RunStateEvent>, OnceLock<Event>),
}

impl From<Event> for Published {
    fn from(e: Event) -> Self {
        Published::Built(e)
    }
}

impl From<RunStateEvent> for Published {
    fn from(e: RunStateEvent) -> Self {
        Published::RunState(Box::new(e), OnceLock::new())
    }
}

impl Published {
    /// Whether the event is named `name`, read without building a flow run's state event (the worker's
    /// cancellation watch looks at every event's name).
    pub fn is_named(&self, name: &str) -> bool {
        match self {
            Published::Built(e) => e.event == name,
            Published::RunState(facts, _) => {
                name.strip_prefix("prefect.flow-run.") == Some(facts.to.name.as_str())
            }
        }
    }
}

impl std::ops::Deref for Published {
    type Target = Event;
    fn deref(&self) -> &Event {
        match self {
            Published::Built(e) => e,
            Published::RunState(facts, built) => built.get_or_init(|| facts.event()),
        }
    }
}

#[cfg(test)]
#[path = "run_state_event_tests.rs"]
mod tests;
