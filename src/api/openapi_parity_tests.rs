//! Baton's request bodies against Prefect 3.9.1's (tests/data/prefect-3.9.1-openapi.json, made by
//! scripts/prefect-openapi.sh): for every operation both servers have, the body's property names and its
//! required fields are Prefect's, but for the deliberate differences of `DIFFERENCES`.

use super::document;
use serde_json::Value;
use std::collections::BTreeSet;

/// A deliberate difference: `(method, Prefect's path, field, why)`. The field is missing from Baton's body
/// (`-field`), extra in Baton's (`+field`), or required on one side only (`!field`).
const DIFFERENCES: &[(&str, &str, &str, &str)] = &[
    (
        "post",
        "/flows/filter",
        "+work_queues",
        "Prefect's own client sends it (null); its server ignores the key, Baton accepts null",
    ),
    (
        "post",
        "/flows/count",
        "+work_queues",
        "Prefect's own client sends it (null); its server ignores the key, Baton accepts null",
    ),
    (
        "post",
        "/work_pools/{work_pool_name}/workers/heartbeat",
        "+return_id",
        "Prefect's client sends it; Baton answers the worker's id when it is true",
    ),
    (
        "post",
        "/flow_runs/",
        "+id",
        "a client may choose the run's id, as Prefect's task runs allow",
    ),
    (
        "post",
        "/flow_runs/{id}/set_state",
        "+baton_retry",
        "Baton's workers ask for a retry to go back to the workers",
    ),
    (
        "post",
        "/task_runs/{id}/set_state",
        "+baton_retry",
        "the same set_state body as flow runs",
    ),
];

/// The names of a body's properties and of its required ones (an array body: its items').
struct Shape {
    properties: BTreeSet<String>,
    required: BTreeSet<String>,
}

/// `schema` with a `$ref` (or an `allOf` of one, as FastAPI writes some) followed into `doc`.
fn resolve<'a>(doc: &'a Value, schema: &'a Value) -> &'a Value {
    let schema = match schema.get("allOf").and_then(Value::as_array) {
        Some(parts) if parts.len() == 1 => &parts[0],
        _ => schema,
    };
    match schema.get("$ref").and_then(Value::as_str) {
        Some(r) => {
            let pointer = r.trim_start_matches('#');
            resolve(
                doc,
                doc.pointer(pointer).unwrap_or_else(|| panic!("no {r}")),
            )
        }
        None => schema,
    }
}

fn shape(doc: &Value, op: &Value) -> Option<Shape> {
    let schema = op.pointer("/requestBody/content/application~1json/schema")?;
    let mut schema = resolve(doc, schema);
    if schema["type"] == "array" {
        schema = resolve(doc, &schema["items"]);
    }
    let names = |v: &Value| -> BTreeSet<String> {
        match v {
            Value::Object(m) => m.keys().cloned().collect(),
            Value::Array(a) => a
                .iter()
                .filter_map(Value::as_str)
                .map(String::from)
                .collect(),
            _ => BTreeSet::new(),
        }
    };
    Some(Shape {
        properties: names(&schema["properties"]),
        required: names(&schema["required"]),
    })
}

/// Baton's path in Prefect's document: the same segments, any parameter name.
fn prefect_path<'a>(prefect: &'a Value, ours: &str) -> Option<&'a str> {
    let segs = |p: &str| -> Vec<String> {
        p.split('/')
            .map(|s| {
                if s.starts_with('{') {
                    "{}".into()
                } else {
                    s.into()
                }
            })
            .collect()
    };
    let want = segs(ours);
    prefect["paths"]
        .as_object()?
        .keys()
        .find(|p| segs(p) == want)
        .map(String::as_str)
}

/// Every difference between the two documents' bodies, as `(method, prefect path, ±!field)`.
fn differences(prefect: &Value, baton: &Value) -> BTreeSet<(String, String, String)> {
    let mut out = BTreeSet::new();
    for (path, item) in baton["paths"].as_object().expect("paths") {
        let Some(theirs_path) = prefect_path(prefect, path) else {
            continue;
        };
        for (method, op) in item.as_object().expect("a path item") {
            let Some(their_op) = prefect["paths"][theirs_path].get(method) else {
                continue;
            };
            let (ours, theirs) = (shape(baton, op), shape(prefect, their_op));
            let key = |f: String| (method.clone(), theirs_path.to_string(), f);
            match (ours, theirs) {
                (None, None) => {}
                (Some(_), None) => {
                    out.insert(key("+body".into()));
                }
                (None, Some(_)) => {
                    out.insert(key("-body".into()));
                }
                (Some(o), Some(t)) => {
                    for f in t.properties.difference(&o.properties) {
                        out.insert(key(format!("-{f}")));
                    }
                    for f in o.properties.difference(&t.properties) {
                        out.insert(key(format!("+{f}")));
                    }
                    for f in o.required.symmetric_difference(&t.required) {
                        out.insert(key(format!("!{f}")));
                    }
                }
            }
        }
    }
    out
}

#[test]
fn request_bodies_have_prefects_fields() {
    let prefect: Value =
        serde_json::from_str(include_str!("../../tests/data/prefect-3.9.1-openapi.json"))
            .expect("the vendored Prefect document parses");
    let found = differences(&prefect, &document());
    let allowed: BTreeSet<(String, String, String)> = DIFFERENCES
        .iter()
        .map(|(m, p, f, _)| (m.to_string(), p.to_string(), f.to_string()))
        .collect();
    let unexpected: Vec<String> = found
        .difference(&allowed)
        .map(|(m, p, f)| format!("{} {p} {f}", m.to_uppercase()))
        .collect();
    let stale: Vec<String> = allowed
        .difference(&found)
        .map(|(m, p, f)| format!("{} {p} {f}", m.to_uppercase()))
        .collect();
    assert!(
        unexpected.is_empty(),
        "request bodies that differ from Prefect 3.9.1's (fix the body, or add a commented entry to \
         DIFFERENCES):\n{}",
        unexpected.join("\n")
    );
    assert!(
        stale.is_empty(),
        "DIFFERENCES entries that are no longer differences:\n{}",
        stale.join("\n")
    );
}
