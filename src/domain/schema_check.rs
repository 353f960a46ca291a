//! Values checked against a JSON schema as Prefect's UI asks (`POST /ui/schemas/validate`): optional fields
//! without a default also accept null, `__prefect_kind` placeholders are hydrated first (JSON text,
//! workspace variables; Jinja templates are accepted unrendered), and the errors come back as a tree by
//! property and list index instead of a flat list.

use super::Doc;
use serde_json::{json, Map, Value};
use std::collections::HashMap;

/// One step of a path into the values.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Seg {
    Property(String),
    Index(usize),
}

/// What hydration left at a path instead of a value.
#[derive(Clone, Debug, PartialEq)]
enum Placeholder {
    /// A value that could not be hydrated: this message is the path's only error.
    Error(String),
    /// A Jinja template: not rendered here, never an error.
    Template,
}

/// Prefect's schema preprocessing: every property not in its object's `required` list that has a `type`
/// other than null and no `default` also accepts null; list-form `items` become `prefixItems`. Applied to
/// the root's and each definition's properties, recursively.
pub fn preprocess(schema: &mut Value) {
    let Some(obj) = schema.as_object_mut() else {
        return;
    };
    if let Some(Value::Array(items)) = obj.get("items") {
        let items = items.clone();
        obj.remove("items");
        obj.insert("prefixItems".into(), Value::Array(items));
    } else if let Some(items) = obj.get_mut("items") {
        preprocess(items);
    }
    let required: Vec<String> = obj
        .get("required")
        .and_then(Value::as_array)
        .map(|r| {
            r.iter()
                .filter_map(|s| s.as_str().map(String::from))
                .collect()
        })
        .unwrap_or_default();
    if let Some(Value::Object(props)) = obj.get_mut("properties") {
        for (name, prop) in props.iter_mut() {
            let Some(p) = prop.as_object_mut() else {
                continue;
            };
            let nullable_type = p.get("type").is_some_and(|t| t != "null");
            if !required.contains(name) && nullable_type && !p.contains_key("default") {
                if let Some(t) = p.remove("type") {
                    p.insert("anyOf".into(), json!([{"type": t}, {"type": "null"}]));
                }
            }
            preprocess(prop);
        }
    }
    for key in ["definitions", "$defs"] {
        if let Some(Value::Object(defs)) = obj.get_mut(key) {
            defs.values_mut().for_each(preprocess);
        }
    }
}

/// The names of the workspace variables the values' placeholders refer to.
pub fn variable_names(values: &Value) -> Vec<String> {
    let mut out = Vec::new();
    walk_names(values, &mut out);
    out
}

fn walk_names(v: &Value, out: &mut Vec<String>) {
    match v {
        Value::Object(o) if kind(o) == Some("workspace_variable") => {
            if let Some(n) = o.get("variable_name").and_then(Value::as_str) {
                out.push(n.to_string());
            }
        }
        Value::Object(o) => o.values().for_each(|x| walk_names(x, out)),
        Value::Array(a) => a.iter().for_each(|x| walk_names(x, out)),
        _ => {}
    }
}

fn kind(o: &Map<String, Value>) -> Option<&str> {
    o.get("__prefect_kind").and_then(Value::as_str)
}

/// The values with placeholders replaced (a placeholder that cannot be hydrated becomes null), and the
/// placeholders left by path.
fn hydrate(
    v: &Value,
    vars: &HashMap<String, Value>,
    path: &mut Vec<Seg>,
    found: &mut Vec<(Vec<Seg>, Placeholder)>,
) -> Value {
    match v {
        Value::Object(o) => match kind(o) {
            Some("json") => match o.get("value") {
                Some(Value::String(text)) => match serde_json::from_str::<Value>(text) {
                    Ok(parsed) => hydrate(&parsed, vars, path, found),
                    Err(e) => {
                        found.push((
                            path.clone(),
                            Placeholder::Error(format!("Invalid JSON: {e}")),
                        ));
                        Value::Null
                    }
                },
                Some(other) => other.clone(),
                None => Value::Null,
            },
            Some("workspace_variable") => {
                let name = o.get("variable_name").and_then(Value::as_str).unwrap_or("");
                match vars.get(name) {
                    Some(value) => value.clone(),
                    None => {
                        let msg = format!("Variable '{name}' not found in workspace.");
                        found.push((path.clone(), Placeholder::Error(msg)));
                        Value::Null
                    }
                }
            }
            Some("jinja") => {
                found.push((path.clone(), Placeholder::Template));
                Value::Null
            }
            Some("none") => Value::Null,
            _ => Value::Object(
                o.iter()
                    .map(|(k, x)| {
                        path.push(Seg::Property(k.clone()));
                        let h = hydrate(x, vars, path, found);
                        path.pop();
                        (k.clone(), h)
                    })
                    .collect(),
            ),
        },
        Value::Array(a) => Value::Array(
            a.iter()
                .enumerate()
                .map(|(i, x)| {
                    path.push(Seg::Index(i));
                    let h = hydrate(x, vars, path, found);
                    path.pop();
                    h
                })
                .collect(),
        ),
        other => other.clone(),
    }
}

/// Checks `values` against `schema` (after [`preprocess`]), hydrating placeholders with `vars`: the error
/// tree (empty when valid), or why the schema itself is unusable.
pub fn check(
    schema: &Value,
    values: &Doc,
    vars: &HashMap<String, Value>,
) -> Result<Vec<Value>, String> {
    jsonschema::draft202012::meta::validator()
        .validate(schema)
        .map_err(|e| e.to_string())?;
    let mut schema = schema.clone();
    preprocess(&mut schema);
    let validator = jsonschema::draft202012::options()
        .should_validate_formats(true)
        .build(&schema)
        .map_err(|e| format!("Validation failed. Failure reason: {e}"))?;
    let mut placeholders = Vec::new();
    let instance = hydrate(
        &Value::Object(values.clone()),
        vars,
        &mut Vec::new(),
        &mut placeholders,
    );
    let mut errors: Vec<(Vec<Seg>, String)> = Vec::new();
    for e in validator.iter_errors(&instance) {
        let mut path: Vec<Seg> = e
            .instance_path()
            .iter()
            .map(|s| match s {
                jsonschema::paths::LocationSegment::Property(p) => Seg::Property(p.to_string()),
                jsonschema::paths::LocationSegment::Index(i) => Seg::Index(i),
            })
            .collect();
        if let jsonschema::error::ValidationErrorKind::Required { property } = e.kind() {
            path.push(Seg::Property(
                property.as_str().unwrap_or_default().to_string(),
            ));
        }
        if placeholders.iter().any(|(p, _)| *p == path) {
            continue;
        }
        errors.push((path, e.to_string()));
    }
    for (path, p) in placeholders {
        if let Placeholder::Error(msg) = p {
            errors.push((path, msg));
        }
    }
    Ok(tree(errors))
}

/// The errors as Prefect's tree: root errors as strings, the others under `{"property", "errors"}` and
/// `{"index", "errors"}` entries, merged per property and index in first-seen order.
pub fn tree(errors: Vec<(Vec<Seg>, String)>) -> Vec<Value> {
    let mut root = Vec::new();
    for (path, msg) in errors {
        insert(&mut root, &path, msg);
    }
    root
}

fn insert(list: &mut Vec<Value>, path: &[Seg], msg: String) {
    let Some((first, rest)) = path.split_first() else {
        list.push(Value::String(msg));
        return;
    };
    let (key, id) = match first {
        Seg::Property(p) => ("property", Value::from(p.clone())),
        Seg::Index(i) => ("index", Value::from(*i)),
    };
    let pos = list.iter().position(|e| e.get(key) == Some(&id));
    let pos = pos.unwrap_or_else(|| {
        list.push(json!({key: id, "errors": []}));
        list.len() - 1
    });
    if let Some(Value::Array(inner)) = list[pos].get_mut("errors") {
        insert(inner, rest, msg);
    }
}

#[cfg(test)]
#[path = "schema_check_tests.rs"]
mod tests;
