//! A state's details (Prefect's `StateDetails`): which run it belongs to, when a SCHEDULED state is due, the
//! cache key, pause settings, the transition id a client set… The API reads them strictly from its wire
//! struct; the store and events are read leniently here; they are stored compactly (the keys that are set).

use super::{time, Doc, Ts};
use serde_json::Value;
use std::collections::BTreeMap;
use uuid::Uuid;

/// A state's details. Keys Prefect 3.9.1's model lacks (an older or newer client's) are kept in `other`, as
/// sent, so nothing a client wrote is lost.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct StateDetails {
    pub flow_run_id: Option<Uuid>,
    pub task_run_id: Option<Uuid>,
    /// The subflow run a parent's task run stands for.
    pub child_flow_run_id: Option<Uuid>,
    /// When a SCHEDULED state is due.
    pub scheduled_time: Option<Ts>,
    pub cache_key: Option<String>,
    pub cache_expiration: Option<Ts>,
    pub deferred: Option<bool>,
    pub untrackable_result: bool,
    /// When a PAUSED run times out.
    pub pause_timeout: Option<Ts>,
    /// A paused run gives up its process and is scheduled again when resumed.
    pub pause_reschedule: bool,
    pub pause_key: Option<String>,
    /// Input name → key, for a run waiting for input.
    pub run_input_keyset: Option<BTreeMap<String, String>>,
    pub refresh_cache: Option<bool>,
    pub retriable: Option<bool>,
    /// A client's id for one transition: a repeated proposal with the same id is answered, not applied twice.
    pub transition_id: Option<Uuid>,
    pub task_parameters_id: Option<Uuid>,
    pub traceparent: Option<String>,
    pub deployment_concurrency_lease_id: Option<Uuid>,
    /// Keys Prefect's model lacks; and, read from the store, values of the wrong type (kept, not read).
    pub other: Doc,
}

impl StateDetails {
    /// Reads stored details (or an event's): a value of the wrong type stays in `other`, so no stored state
    /// becomes unreadable and nothing is lost.
    pub fn read_stored(doc: &Doc) -> StateDetails {
        let mut d = StateDetails::default();
        for (key, v) in doc {
            if !v.is_null() && read_one(&mut d, key, v).is_none() {
                d.other.insert(key.clone(), v.clone());
            }
        }
        d
    }

    /// The keys of `other` that are not Prefect's (a stored value of the wrong type for one of Prefect's
    /// keys is kept, never answered).
    pub fn unknown_keys(&self) -> impl Iterator<Item = (&String, &Value)> {
        self.other
            .iter()
            .filter(|(k, _)| !KEYS.contains(&k.as_str()))
    }

    /// The keys that are set, as stored and as events carry them.
    pub fn to_doc(&self) -> Doc {
        let mut d = self.other.clone();
        for (key, value) in self.fields() {
            if let Some(v) = value {
                d.insert(key.into(), v);
            }
        }
        d
    }

    /// Each key of Prefect's model with its value when set (a flag is set when true).
    pub fn fields(&self) -> [(&'static str, Option<Value>); 18] {
        let id = |u: Option<Uuid>| u.map(|u| Value::String(u.to_string()));
        let at = |t: Option<Ts>| t.map(|t| Value::String(time::format(t)));
        let text = |s: &Option<String>| s.clone().map(Value::String);
        let flag = |b: Option<bool>| b.map(Value::Bool);
        let on = |b: bool| b.then_some(Value::Bool(true));
        [
            ("flow_run_id", id(self.flow_run_id)),
            ("task_run_id", id(self.task_run_id)),
            ("child_flow_run_id", id(self.child_flow_run_id)),
            ("scheduled_time", at(self.scheduled_time)),
            ("cache_key", text(&self.cache_key)),
            ("cache_expiration", at(self.cache_expiration)),
            ("deferred", flag(self.deferred)),
            ("untrackable_result", on(self.untrackable_result)),
            ("pause_timeout", at(self.pause_timeout)),
            ("pause_reschedule", on(self.pause_reschedule)),
            ("pause_key", text(&self.pause_key)),
            (
                "run_input_keyset",
                self.run_input_keyset.as_ref().map(|k| {
                    Value::Object(
                        k.iter()
                            .map(|(a, b)| (a.clone(), Value::String(b.clone())))
                            .collect(),
                    )
                }),
            ),
            ("refresh_cache", flag(self.refresh_cache)),
            ("retriable", flag(self.retriable)),
            ("transition_id", id(self.transition_id)),
            ("task_parameters_id", id(self.task_parameters_id)),
            ("traceparent", text(&self.traceparent)),
            (
                "deployment_concurrency_lease_id",
                id(self.deployment_concurrency_lease_id),
            ),
        ]
    }
}

/// The keys of Prefect's model, in its order.
pub const KEYS: [&str; 18] = [
    "flow_run_id",
    "task_run_id",
    "child_flow_run_id",
    "scheduled_time",
    "cache_key",
    "cache_expiration",
    "deferred",
    "untrackable_result",
    "pause_timeout",
    "pause_reschedule",
    "pause_key",
    "run_input_keyset",
    "refresh_cache",
    "retriable",
    "transition_id",
    "task_parameters_id",
    "traceparent",
    "deployment_concurrency_lease_id",
];

/// Reads one key into `d`; `None` when its value has the wrong type.
fn read_one(d: &mut StateDetails, key: &str, v: &Value) -> Option<()> {
    match key {
        "flow_run_id" => d.flow_run_id = Some(uuid(v)?),
        "task_run_id" => d.task_run_id = Some(uuid(v)?),
        "child_flow_run_id" => d.child_flow_run_id = Some(uuid(v)?),
        "scheduled_time" => d.scheduled_time = Some(at(v)?),
        "cache_key" => d.cache_key = Some(text(v)?),
        "cache_expiration" => d.cache_expiration = Some(at(v)?),
        "deferred" => d.deferred = Some(flag(v)?),
        "untrackable_result" => d.untrackable_result = flag(v)?,
        "pause_timeout" => d.pause_timeout = Some(at(v)?),
        "pause_reschedule" => d.pause_reschedule = flag(v)?,
        "pause_key" => d.pause_key = Some(text(v)?),
        "run_input_keyset" => d.run_input_keyset = Some(keyset(v)?),
        "refresh_cache" => d.refresh_cache = Some(flag(v)?),
        "retriable" => d.retriable = Some(flag(v)?),
        "transition_id" => d.transition_id = Some(uuid(v)?),
        "task_parameters_id" => d.task_parameters_id = Some(uuid(v)?),
        "traceparent" => d.traceparent = Some(text(v)?),
        "deployment_concurrency_lease_id" => d.deployment_concurrency_lease_id = Some(uuid(v)?),
        _ => {
            d.other.insert(key.to_string(), v.clone());
        }
    }
    Some(())
}

fn uuid(v: &Value) -> Option<Uuid> {
    v.as_str()?.parse().ok()
}

fn at(v: &Value) -> Option<Ts> {
    time::parse(v.as_str()?)
}

fn text(v: &Value) -> Option<String> {
    v.as_str().map(String::from)
}

fn flag(v: &Value) -> Option<bool> {
    v.as_bool()
}

fn keyset(v: &Value) -> Option<BTreeMap<String, String>> {
    v.as_object()?
        .iter()
        .map(|(k, v)| Some((k.clone(), text(v)?)))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn doc(v: Value) -> Doc {
        v.as_object().unwrap().clone()
    }

    #[test]
    fn stored_details_round_trip_and_keep_what_is_not_read() {
        let sent = doc(json!({
            "flow_run_id": "0191d1f4-8b39-7c4e-9a55-2f3b0c2f3f10",
            "scheduled_time": "2026-01-01T00:00:00Z",
            "traceparent": "00-ab-cd-01",
            "deferred": false,
            "pause_reschedule": true,
            "future_key": {"a": 1},
        }));
        let d = StateDetails::read_stored(&sent);
        assert_eq!(d.other.len(), 1);
        assert!(d.pause_reschedule);
        assert_eq!(d.deferred, Some(false));
        let stored = d.to_doc();
        assert_eq!(stored.len(), 6, "{stored:?}");
        assert_eq!(StateDetails::read_stored(&stored), d);

        let odd = StateDetails::read_stored(&doc(json!({"transition_id": "not-a-uuid"})));
        assert_eq!(odd.transition_id, None);
        assert_eq!(odd.to_doc(), doc(json!({"transition_id": "not-a-uuid"})));
        assert_eq!(
            odd.unknown_keys().count(),
            0,
            "no unreadable value answered"
        );
    }
}
