//! Conversions between domain values and SQLite column values.

use crate::domain::{time, Doc, State, StateDetails, StateType, Ts};
use crate::store::sql::Row;
use crate::store::sql::Value as Sql;
use serde_json::Value;
use uuid::Uuid;

pub fn ts(t: Ts) -> String {
    time::format(t)
}

pub fn opt_ts(t: Option<Ts>) -> Option<String> {
    t.map(time::format)
}

/// A stored value that does not decode: the row surfaces as an error, never as a default (nil UUID, epoch).
#[derive(Debug)]
struct Malformed {
    what: &'static str,
    value: String,
}

impl std::fmt::Display for Malformed {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let shown: String = self.value.chars().take(80).collect();
        write!(f, "malformed {} in the database: '{shown}'", self.what)
    }
}

impl std::error::Error for Malformed {}

fn malformed(i: usize, what: &'static str, value: &str) -> crate::store::sql::Error {
    crate::store::sql::Error::malformed(
        i,
        Box::new(Malformed {
            what,
            value: value.to_string(),
        }),
    )
}

/// Column `i` as a text that `parse` must accept (`None` when NULL).
pub fn decode<T>(
    r: &Row,
    i: usize,
    what: &'static str,
    parse: impl FnOnce(&str) -> Option<T>,
) -> crate::store::sql::Result<Option<T>> {
    let Some(text) = r.get::<_, Option<String>>(i)? else {
        return Ok(None);
    };
    parse(&text)
        .map(Some)
        .ok_or_else(|| malformed(i, what, &text))
}

/// Column `i` as a value that must be there.
pub fn required<T>(
    r: &Row,
    i: usize,
    what: &'static str,
    parse: impl FnOnce(&str) -> Option<T>,
) -> crate::store::sql::Result<T> {
    decode(r, i, what, parse)?.ok_or_else(|| malformed(i, what, "NULL"))
}

/// A nullable timestamp column.
pub fn parse_ts(r: &Row, i: usize) -> crate::store::sql::Result<Option<Ts>> {
    decode(r, i, "timestamp", time::parse)
}

/// A timestamp column that must be set.
pub fn req_ts(r: &Row, i: usize) -> crate::store::sql::Result<Ts> {
    required(r, i, "timestamp", time::parse)
}

/// A nullable UUID column.
pub fn uuid(r: &Row, i: usize) -> crate::store::sql::Result<Option<Uuid>> {
    decode(r, i, "UUID", |s| s.parse().ok())
}

/// A UUID column that must be set.
pub fn req_uuid(r: &Row, i: usize) -> crate::store::sql::Result<Uuid> {
    required(r, i, "UUID", |s| s.parse().ok())
}

/// A JSON object as column text. Serialized straight into a string (`Value`'s `Display` goes through the
/// formatting machinery, and wrapping the map in a `Value` cloned it): this runs for every column of
/// every row written.
pub fn doc(d: &Doc) -> String {
    text(d)
}

/// Compact JSON text of a value that always serializes (maps with string keys, strings, numbers).
pub fn text<T: serde::Serialize + ?Sized>(v: &T) -> String {
    serde_json::to_string(v).unwrap_or_default()
}

fn object(s: &str) -> Option<Doc> {
    match serde_json::from_str::<Value>(s) {
        Ok(Value::Object(m)) => Some(m),
        _ => None,
    }
}

/// A JSON object column (NULL reads as the empty object).
pub fn parse_doc(r: &Row, i: usize) -> crate::store::sql::Result<Doc> {
    Ok(opt_doc(r, i)?.unwrap_or_default())
}

/// A nullable JSON object column.
pub fn opt_doc(r: &Row, i: usize) -> crate::store::sql::Result<Option<Doc>> {
    decode(r, i, "JSON object", object)
}

pub fn tags(t: &[String]) -> String {
    text(t)
}

/// A JSON list of strings column (NULL reads as no tags).
pub fn parse_tags(r: &Row, i: usize) -> crate::store::sql::Result<Vec<String>> {
    Ok(decode(r, i, "tag list", |s| serde_json::from_str(s).ok())?.unwrap_or_default())
}

pub fn json(v: &Option<Value>) -> Option<String> {
    v.as_ref().filter(|v| !v.is_null()).map(text)
}

/// A nullable JSON column.
pub fn parse_json(r: &Row, i: usize) -> crate::store::sql::Result<Option<Value>> {
    decode(r, i, "JSON value", |s| serde_json::from_str(s).ok())
}

/// A state as one JSON column (the run's current state), for reading back without a join.
pub fn state(s: &State) -> String {
    #[derive(serde::Serialize)]
    struct Column<'a> {
        id: Uuid,
        #[serde(rename = "type")]
        kind: &'a str,
        name: &'a str,
        timestamp: String,
        message: &'a Option<String>,
        data: &'a Option<Value>,
        state_details: Doc,
    }
    text(&Column {
        id: s.id,
        kind: s.kind.as_str(),
        name: &s.name,
        timestamp: time::format(s.timestamp),
        message: &s.message,
        data: &s.data,
        state_details: s.details.to_doc(),
    })
}

/// A nullable state column (the run's current state as one JSON document).
pub fn parse_state(r: &Row, i: usize) -> crate::store::sql::Result<Option<State>> {
    decode(r, i, "state", state_of)
}

fn state_of(text: &str) -> Option<State> {
    let v: Value = serde_json::from_str(text).ok()?;
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
            .map(StateDetails::read_stored)
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

#[cfg(test)]
mod tests {
    use super::*;

    fn with_row<T>(
        sql: &str,
        f: impl FnOnce(&Row) -> crate::store::sql::Result<T>,
    ) -> crate::store::sql::Result<T> {
        let conn = rusqlite::Connection::open_in_memory().unwrap();
        crate::store::sql::Conn::Lite(&conn).query_row(sql, [], f)
    }

    #[test]
    fn malformed_values_are_errors_not_defaults() {
        let err = with_row("SELECT 'not-a-uuid'", |r| req_uuid(r, 0)).unwrap_err();
        assert!(err.to_string().contains("malformed UUID"), "{err}");
        assert!(with_row("SELECT 'yesterday'", |r| req_ts(r, 0)).is_err());
        assert!(with_row("SELECT 'yesterday'", |r| parse_ts(r, 0)).is_err());
        assert!(with_row("SELECT '[1'", |r| parse_doc(r, 0)).is_err());
        assert!(with_row("SELECT '[1]'", |r| parse_doc(r, 0)).is_err());
        assert!(with_row("SELECT '{\"type\": \"NOPE\"}'", |r| parse_state(r, 0)).is_err());
        assert!(with_row("SELECT NULL", |r| req_uuid(r, 0)).is_err());
        assert!(with_row("SELECT NULL", |r| req_ts(r, 0)).is_err());
    }

    #[test]
    fn nulls_read_as_absent_and_good_values_decode() {
        assert_eq!(with_row("SELECT NULL", |r| uuid(r, 0)).unwrap(), None);
        assert_eq!(with_row("SELECT NULL", |r| parse_ts(r, 0)).unwrap(), None);
        assert_eq!(
            with_row("SELECT NULL", |r| parse_doc(r, 0)).unwrap(),
            Doc::new()
        );
        assert_eq!(
            with_row("SELECT NULL", |r| parse_tags(r, 0)).unwrap(),
            Vec::<String>::new()
        );
        let id = with_row("SELECT '0190b5c6-0000-7000-8000-000000000001'", |r| {
            req_uuid(r, 0)
        })
        .unwrap();
        assert_eq!(id.to_string(), "0190b5c6-0000-7000-8000-000000000001");
        let t = with_row("SELECT '2026-03-29T01:30:00Z'", |r| req_ts(r, 0)).unwrap();
        assert_eq!(t.timestamp(), 1_774_747_800);
        assert_eq!(
            with_row("SELECT '[\"a\",\"b\"]'", |r| parse_tags(r, 0)).unwrap(),
            vec!["a".to_string(), "b".to_string()]
        );
    }
}
