//! The schemas of Prefect's filter bodies (`POST /…/filter`, `/count`, `/flow_runs/history`), generated from
//! the tables `api::filters` reads them with: each endpoint's sections, each entity's keys
//! (`filter_keys::keys`) and the operations each kind of key takes ([`ops`]; a unit test holds the reader
//! to that list). Only what the reader accepts is in a schema: unknown keys and operations are refused.

use super::filter_keys::{keys, Kind};
use crate::domain::filter::Entity;
use serde_json::{json, Map, Value};

/// The value one filter operation takes.
#[derive(Clone, Copy, Debug)]
pub(super) enum Arg {
    /// A list of strings (of UUIDs for an id key).
    List,
    Text,
    Bool,
    Time,
    Number,
}

/// The operations a kind of key takes, with their values.
pub(super) fn ops(kind: Kind) -> &'static [(&'static str, Arg)] {
    use Arg::*;
    match kind {
        Kind::Id => &[("any_", List), ("not_any_", List), ("is_null_", Bool)],
        Kind::Text => &[
            ("any_", List),
            ("not_any_", List),
            ("like_", Text),
            ("startswith_", Text),
            ("is_null_", Bool),
            ("exists_", Bool),
        ],
        Kind::Tags => &[("all_", List), ("any_", List), ("is_null_", Bool)],
        Kind::Time => &[("before_", Time), ("after_", Time), ("is_null_", Bool)],
        Kind::Level => &[("ge_", Number), ("le_", Number), ("is_null_", Bool)],
        Kind::Exists => &[("exists_", Bool)],
        Kind::LogText => &[("query", Text)],
        Kind::Bool => &[("eq_", Bool)],
        Kind::State => &[],
    }
}

fn closed(props: Map<String, Value>) -> Value {
    json!({"type": ["object", "null"], "properties": props, "additionalProperties": false})
}

fn operator() -> Value {
    json!({"type": ["string", "null"], "enum": ["and_", "or_", null]})
}

fn arg(a: Arg, kind: Kind) -> Value {
    match (a, kind) {
        (Arg::List, Kind::Id) => {
            json!({"type": ["array", "null"], "items": {"type": "string", "format": "uuid"}, "maxItems": 1000})
        }
        (Arg::List, _) => {
            json!({"type": ["array", "null"], "items": {"type": "string"}, "maxItems": 1000})
        }
        (Arg::Text, _) => json!({"type": ["string", "null"]}),
        (Arg::Bool, _) => json!({"type": ["boolean", "null"]}),
        (Arg::Time, _) => json!({"type": ["string", "null"], "format": "date-time"}),
        (Arg::Number, _) => json!({"type": ["number", "null"]}),
    }
}

fn key(kind: Kind) -> Value {
    let mut props = Map::new();
    if let Kind::State = kind {
        props.insert("operator".into(), operator());
        props.insert("type".into(), key(Kind::Text));
        props.insert("name".into(), key(Kind::Text));
    }
    for (op, a) in ops(kind) {
        props.insert((*op).into(), arg(*a, kind));
    }
    closed(props)
}

/// An entity's filter object (`{"operator", <key>: {<op>: value}}`).
pub(super) fn entity(e: Entity) -> Value {
    let mut props = Map::new();
    props.insert("operator".into(), operator());
    for (name, _, kind) in keys(e) {
        props.insert((*name).into(), key(*kind));
    }
    closed(props)
}

/// A filter body of `sections` (`None`: a section Baton cannot filter by, only `null` accepted); `paged`
/// adds `sort`, `limit` and `offset` (the `/filter` endpoints; `/count` takes none).
pub(super) fn body(sections: &[(&str, Option<Entity>)], paged: bool) -> Value {
    let mut props = Map::new();
    for (name, e) in sections {
        let schema = match e {
            Some(e) => entity(*e),
            None => json!({"type": "null"}),
        };
        props.insert((*name).into(), schema);
    }
    if paged {
        props.insert("sort".into(), json!({"type": ["string", "null"]}));
        props.insert(
            "limit".into(),
            json!({"type": ["integer", "null"], "minimum": 0}),
        );
        props.insert(
            "offset".into(),
            json!({"type": ["integer", "null"], "minimum": 0}),
        );
    }
    json!({"type": "object", "properties": props})
}

/// `{field: {"any_": [strings]}}`: the `work_pools` section of `/flow_runs/history`, read apart from
/// the other sections.
pub(super) fn any_of(fields: &[&str]) -> Value {
    let mut inner = Map::new();
    for f in fields {
        let mut any = Map::new();
        any.insert("any_".into(), arg(Arg::List, Kind::Text));
        inner.insert(
            (*f).into(),
            json!({"type": ["object", "null"], "properties": any}),
        );
    }
    json!({"type": ["object", "null"], "properties": inner})
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api::filters::entity_filter;

    fn sample(a: Arg, kind: Kind) -> Value {
        match (a, kind) {
            (Arg::List, Kind::Id) => json!(["7f8d2c1e-0000-4000-8000-000000000001"]),
            (Arg::List, _) => json!(["COMPLETED"]),
            (Arg::Text, _) => json!("x"),
            (Arg::Bool, _) => json!(true),
            (Arg::Time, _) => json!("2026-01-01T00:00:00Z"),
            (Arg::Number, _) => json!(20),
        }
    }

    const ALL_OPS: &[&str] = &[
        "any_",
        "not_any_",
        "all_",
        "like_",
        "startswith_",
        "is_null_",
        "exists_",
        "before_",
        "after_",
        "ge_",
        "le_",
        "eq_",
        "query",
    ];

    /// The schema's operations are exactly the reader's: each listed one is accepted with a value of its
    /// schema, every other one refused.
    #[test]
    fn the_schema_lists_what_the_reader_accepts() {
        for e in [
            Entity::Flow,
            Entity::FlowRun,
            Entity::TaskRun,
            Entity::Deployment,
            Entity::Log,
            Entity::Artifact,
            Entity::ArtifactCollection,
            Entity::Variable,
        ] {
            for (name, _, kind) in keys(e) {
                if let Kind::State = kind {
                    let v =
                        json!({*name: {"type": {"any_": ["COMPLETED"]}, "name": {"like_": "x"}}});
                    assert!(entity_filter(e, &v, "f").is_ok(), "{e:?}.{name}");
                    continue;
                }
                for op in ALL_OPS {
                    let listed = ops(*kind).iter().find(|(o, _)| o == op);
                    let value = listed.map_or(json!(["x"]), |(_, a)| sample(*a, *kind));
                    let got = entity_filter(e, &json!({*name: {*op: value}}), "f");
                    assert_eq!(
                        got.is_ok(),
                        listed.is_some(),
                        "{e:?}.{name}.{op}: the reader and the schema disagree"
                    );
                }
            }
        }
    }
}
