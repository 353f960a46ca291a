//! Conversions between domain values and SQLite column values.

use crate::domain::{time, Doc, State, StateType, Ts};
use rusqlite::types::Value as Sql;
use serde_json::Value;
use uuid::Uuid;

pub fn ts(t: Ts) -> String {
    time::format(t)
}

pub fn opt_ts(t: Option<Ts>) -> Option<String> {
    t.map(time::format)
}

pub fn parse_ts(s: Option<String>) -> Option<Ts> {
    s.as_deref().and_then(time::parse)
}

pub fn req_ts(s: String) -> Ts {
    time::parse(&s).unwrap_or_default()
}

pub fn uuid(s: Option<String>) -> Option<Uuid> {
    s.and_then(|s| s.parse().ok())
}

pub fn req_uuid(s: String) -> Uuid {
    s.parse().unwrap_or_default()
}

pub fn doc(d: &Doc) -> String {
    Value::Object(d.clone()).to_string()
}

pub fn parse_doc(s: Option<String>) -> Doc {
    match s.and_then(|s| serde_json::from_str::<Value>(&s).ok()) {
        Some(Value::Object(m)) => m,
        _ => Doc::new(),
    }
}

pub fn tags(t: &[String]) -> String {
    Value::from(t.to_vec()).to_string()
}

pub fn parse_tags(s: String) -> Vec<String> {
    serde_json::from_str(&s).unwrap_or_default()
}

pub fn json(v: &Option<Value>) -> Option<String> {
    v.as_ref().filter(|v| !v.is_null()).map(Value::to_string)
}

pub fn parse_json(s: Option<String>) -> Option<Value> {
    s.and_then(|s| serde_json::from_str(&s).ok())
}

/// A state as one JSON column (the run's current state), for reading back without a join.
pub fn state(s: &State) -> String {
    serde_json::json!({
        "id": s.id.to_string(),
        "type": s.kind.as_str(),
        "name": s.name,
        "timestamp": time::format(s.timestamp),
        "message": s.message,
        "data": s.data,
        "state_details": s.details,
    })
    .to_string()
}

pub fn parse_state(s: Option<String>) -> Option<State> {
    let v: Value = serde_json::from_str(&s?).ok()?;
    let o = v.as_object()?;
    Some(State {
        id: o.get("id")?.as_str()?.parse().ok()?,
        kind: StateType::parse(o.get("type")?.as_str()?)?,
        name: o
            .get("name")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_string(),
        timestamp: o
            .get("timestamp")
            .and_then(Value::as_str)
            .and_then(time::parse)?,
        message: o.get("message").and_then(Value::as_str).map(String::from),
        data: o.get("data").filter(|d| !d.is_null()).cloned(),
        details: o
            .get("state_details")
            .and_then(Value::as_object)
            .cloned()
            .unwrap_or_default(),
    })
}

/// A domain filter value as an SQL value.
pub fn val(v: &crate::domain::filter::Val) -> Sql {
    match v {
        crate::domain::filter::Val::Text(s) => Sql::Text(s.clone()),
        crate::domain::filter::Val::Int(i) => Sql::Integer(*i),
    }
}
