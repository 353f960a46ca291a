//! Events: Prefect's event model (`prefect.flow-run.Running`, `prefect.task-run.Completed`…) and the filter
//! that a websocket subscriber sends, matched here as a pure function.

use super::automation::spec_matches;
use super::{time, Doc, Ts};
use serde_json::Value;
use uuid::Uuid;

/// One event. `resource` and each `related` entry are label maps with `prefect.resource.id`.
#[derive(Clone, Debug, PartialEq)]
pub struct Event {
    pub id: Uuid,
    pub occurred: Ts,
    pub event: String,
    pub resource: Doc,
    pub related: Vec<Doc>,
    pub payload: Doc,
    pub follows: Option<Uuid>,
    pub received: Ts,
}

impl Event {
    /// The `prefect.resource.id` of the primary resource.
    pub fn resource_id(&self) -> &str {
        self.resource
            .get("prefect.resource.id")
            .and_then(Value::as_str)
            .unwrap_or("")
    }

    /// The id of the related resource with `role`, e.g. the flow run of a task-run event.
    pub fn related_id(&self, role: &str) -> Option<&str> {
        self.related
            .iter()
            .find(|r| r.get("prefect.resource.role").and_then(Value::as_str) == Some(role))
            .and_then(|r| r.get("prefect.resource.id").and_then(Value::as_str))
    }
}

impl Event {
    /// Prefect's JSON shape of an event (as the API and websockets answer it, and as Baton stores a
    /// triggering event).
    pub fn to_json(&self) -> Value {
        serde_json::json!({
            "id": self.id.to_string(),
            "occurred": time::format(self.occurred),
            "event": self.event,
            "resource": self.resource,
            "related": self.related,
            "payload": self.payload,
            "follows": self.follows.map(|u| u.to_string()),
            "received": time::format(self.received),
        })
    }

    /// Reads an event in Prefect's shape; `None` without a name or a resource id. Missing ids and times
    /// are filled (`now`).
    pub fn from_json(v: &Value, now: Ts) -> Option<Event> {
        let o = v.as_object()?;
        let name = o.get("event")?.as_str()?.to_string();
        let resource = o.get("resource")?.as_object()?.clone();
        resource.get("prefect.resource.id")?.as_str()?;
        let related = match o.get("related") {
            Some(Value::Array(items)) => items
                .iter()
                .filter_map(|r| r.as_object().cloned())
                .collect(),
            _ => Vec::new(),
        };
        let when = |k: &str| o.get(k).and_then(Value::as_str).and_then(time::parse);
        Some(Event {
            id: o
                .get("id")
                .and_then(Value::as_str)
                .and_then(|s| s.parse().ok())
                .unwrap_or_else(Uuid::now_v7),
            occurred: when("occurred").unwrap_or(now),
            event: name,
            resource,
            related,
            payload: o
                .get("payload")
                .and_then(Value::as_object)
                .cloned()
                .unwrap_or_default(),
            follows: o
                .get("follows")
                .and_then(Value::as_str)
                .and_then(|s| s.parse().ok()),
            received: when("received").unwrap_or(now),
        })
    }
}

/// A resource label map entry: `prefect.resource.id` and friends.
pub fn resource(id: String, extra: &[(&str, Value)]) -> Doc {
    let mut doc = Doc::new();
    doc.insert("prefect.resource.id".into(), Value::String(id));
    for (k, v) in extra {
        doc.insert((*k).to_string(), v.clone());
    }
    doc
}

/// What a subscriber wants to see (the subset of Prefect's `EventFilter` Baton interprets).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct EventFilter {
    pub since: Option<Ts>,
    pub until: Option<Ts>,
    pub names: Vec<String>,
    pub name_prefixes: Vec<String>,
    pub exclude_names: Vec<String>,
    pub exclude_prefixes: Vec<String>,
    pub resource_ids: Vec<String>,
    pub resource_id_prefixes: Vec<String>,
    pub any_resource_ids: Vec<String>,
    pub any_resource_id_prefixes: Vec<String>,
    pub related_ids: Vec<String>,
    pub related_roles: Vec<String>,
    /// Label maps (Prefect's glob patterns): of the resource, of some related resource, of any of them.
    pub resource_labels: Doc,
    pub related_labels: Doc,
    pub any_resource_labels: Doc,
    /// Event ids.
    pub ids: Vec<String>,
}

impl EventFilter {
    /// Whether `event` passes the filter. Empty lists do not restrict.
    pub fn matches(&self, event: &Event) -> bool {
        let name = event.event.as_str();
        if self.since.is_some_and(|s| event.occurred < s)
            || self.until.is_some_and(|u| event.occurred > u)
        {
            return false;
        }
        if !self.names.is_empty() || !self.name_prefixes.is_empty() {
            let named = self.names.iter().any(|n| n == name)
                || self
                    .name_prefixes
                    .iter()
                    .any(|p| name.starts_with(p.as_str()));
            if !named {
                return false;
            }
        }
        if self.exclude_names.iter().any(|n| n == name)
            || self
                .exclude_prefixes
                .iter()
                .any(|p| name.starts_with(p.as_str()))
        {
            return false;
        }
        let id = event.resource_id();
        if !id_matches(id, &self.resource_ids, &self.resource_id_prefixes) {
            return false;
        }
        let related: Vec<&str> = event
            .related
            .iter()
            .filter_map(|r| r.get("prefect.resource.id").and_then(Value::as_str))
            .collect();
        if !self.any_resource_ids.is_empty() || !self.any_resource_id_prefixes.is_empty() {
            let any = std::iter::once(id)
                .chain(related.iter().copied())
                .any(|r| id_matches(r, &self.any_resource_ids, &self.any_resource_id_prefixes));
            if !any {
                return false;
            }
        }
        if !self.ids.is_empty() && !self.ids.iter().any(|x| *x == event.id.to_string()) {
            return false;
        }
        if !self.resource_labels.is_empty() && !spec_matches(&self.resource_labels, &event.resource)
        {
            return false;
        }
        if !self.any_resource_labels.is_empty()
            && !std::iter::once(&event.resource)
                .chain(event.related.iter())
                .any(|r| spec_matches(&self.any_resource_labels, r))
        {
            return false;
        }
        if self.related_ids.is_empty()
            && self.related_roles.is_empty()
            && self.related_labels.is_empty()
        {
            return true;
        }
        event.related.iter().any(|r| {
            let label = |k: &str| r.get(k).and_then(Value::as_str).unwrap_or("");
            (self.related_ids.is_empty()
                || self
                    .related_ids
                    .iter()
                    .any(|x| x == label("prefect.resource.id")))
                && (self.related_roles.is_empty()
                    || self
                        .related_roles
                        .iter()
                        .any(|x| x == label("prefect.resource.role")))
                && spec_matches(&self.related_labels, r)
        })
    }
}

fn id_matches(id: &str, ids: &[String], prefixes: &[String]) -> bool {
    if ids.is_empty() && prefixes.is_empty() {
        return true;
    }
    ids.iter().any(|x| x == id) || prefixes.iter().any(|p| id.starts_with(p.as_str()))
}

/// Reads a timestamp label or payload field.
pub fn ts_field(doc: &Doc, key: &str) -> Option<Ts> {
    doc.get(key).and_then(Value::as_str).and_then(time::parse)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Prefect's `Resource` model accepts only string label values; a number there makes the client's
    /// event subscriber (its cancellation observer) drop the websocket.
    #[test]
    fn state_event_labels_are_strings() {
        let now = time::parse("2026-01-01T00:00:00Z").unwrap();
        let mut run = crate::domain::policy::tests::run(None);
        run.run_count = 3;
        run.infrastructure_pid = Some("42".into());
        let to = crate::domain::State::new(crate::domain::StateType::Running, now);
        let e =
            crate::domain::run_state_event::RunStateEvent::new(&run, Some("f"), None, to).event();
        for labels in std::iter::once(&e.resource).chain(e.related.iter()) {
            for (k, v) in labels {
                assert!(v.is_string(), "{k} = {v} is not a string");
            }
        }
        assert_eq!(e.resource["prefect.run-count"], "3");
    }

    fn ev(name: &str, id: &str, related: &[&str]) -> Event {
        let now = time::parse("2026-01-01T00:00:00Z").unwrap();
        Event {
            id: Uuid::now_v7(),
            occurred: now,
            event: name.into(),
            resource: resource(id.into(), &[]),
            related: related.iter().map(|r| resource((*r).into(), &[])).collect(),
            payload: Doc::new(),
            follows: None,
            received: now,
        }
    }

    #[test]
    fn filters_by_name_and_resource() {
        let e = ev(
            "prefect.flow-run.Cancelling",
            "prefect.flow-run.1",
            &["prefect.flow.9"],
        );
        assert!(EventFilter::default().matches(&e));
        let by_name = EventFilter {
            names: vec!["prefect.flow-run.Cancelling".into()],
            ..Default::default()
        };
        assert!(by_name.matches(&e));
        let other = EventFilter {
            names: vec!["prefect.flow-run.Suspended".into()],
            ..Default::default()
        };
        assert!(!other.matches(&e));
        let prefix = EventFilter {
            name_prefixes: vec!["prefect.flow-run.".into()],
            ..Default::default()
        };
        assert!(prefix.matches(&e));
        let res = EventFilter {
            resource_ids: vec!["prefect.flow-run.2".into()],
            ..Default::default()
        };
        assert!(!res.matches(&e));
        let any = EventFilter {
            any_resource_ids: vec!["prefect.flow.9".into()],
            ..Default::default()
        };
        assert!(any.matches(&e));
        let excl = EventFilter {
            exclude_prefixes: vec!["prefect.flow-run".into()],
            ..Default::default()
        };
        assert!(!excl.matches(&e));
        let late = EventFilter {
            since: time::parse("2026-01-02T00:00:00Z"),
            ..Default::default()
        };
        assert!(!late.matches(&e));
    }
}
