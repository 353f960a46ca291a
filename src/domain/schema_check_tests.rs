//! The UI's schema check: null for optional fields, placeholders, and the error tree's shape.

use super::*;
use serde_json::json;

fn doc(v: Value) -> Doc {
    v.as_object().unwrap().clone()
}

fn run(schema: Value, values: Value) -> Vec<Value> {
    check(&schema, &doc(values), &HashMap::new()).unwrap()
}

fn spec_schema() -> Value {
    json!({"type": "object", "properties": {
        "n": {"type": "integer", "default": 3},
        "fail": {"type": "boolean"},
        "tags": {"type": "array", "items": {"type": "string"}},
        "cfg": {"type": "object", "properties": {"x": {"type": "integer"}}, "required": ["x"]}},
        "required": ["n"]})
}

#[test]
fn errors_form_a_tree_by_property_and_index() {
    let errors = run(
        spec_schema(),
        json!({"n": "a", "fail": null, "tags": ["a", 2, 3], "cfg": {}}),
    );
    let shape: Vec<Value> = errors
        .iter()
        .map(|e| json!([e["property"], e["errors"].as_array().unwrap().len()]))
        .collect();
    assert_eq!(
        shape,
        vec![json!(["n", 1]), json!(["tags", 2]), json!(["cfg", 1])]
    );
    assert_eq!(errors[1]["errors"][0]["index"], 1);
    assert_eq!(errors[1]["errors"][1]["index"], 2);
    assert_eq!(
        errors[2]["errors"][0]["property"], "x",
        "required goes one level down"
    );
    assert!(errors[2]["errors"][0]["errors"][0]
        .as_str()
        .unwrap()
        .contains("required"));
}

#[test]
fn a_missing_required_property_is_reported_under_its_name() {
    let errors = run(spec_schema(), json!({}));
    assert_eq!(errors.len(), 1);
    assert_eq!(errors[0]["property"], "n");
}

#[test]
fn root_errors_are_plain_strings_and_empty_schemas_accept_anything() {
    let errors = run(json!({"type": "array"}), json!({"a": 1}));
    assert!(errors[0].is_string(), "{errors:?}");
    assert!(run(json!({}), json!({"anything": [1]})).is_empty());
}

#[test]
fn optional_fields_without_default_accept_null() {
    let mut s = json!({"properties": {"a": {"type": "string"}, "b": {"type": "string", "default": "x"},
        "c": {"type": "string"}}, "required": ["c"]});
    preprocess(&mut s);
    assert_eq!(
        s["properties"]["a"]["anyOf"],
        json!([{"type": "string"}, {"type": "null"}])
    );
    assert_eq!(s["properties"]["b"]["type"], "string");
    assert_eq!(s["properties"]["c"]["type"], "string");
    let mut list = json!({"type": "array", "items": [{"type": "integer"}], "properties": {}});
    preprocess(&mut list);
    assert_eq!(list["prefixItems"], json!([{"type": "integer"}]));
    assert!(list.get("items").is_none());
}

#[test]
fn placeholders_are_hydrated_or_reported() {
    let schema = json!({"properties": {"n": {"type": "integer"}, "v": {"type": "integer"},
        "j": {"type": "integer"}, "t": {"type": "integer"}}});
    let vars = HashMap::from([("seven".to_string(), json!(7))]);
    let ok = doc(json!({"n": {"__prefect_kind": "json", "value": "5"},
        "v": {"__prefect_kind": "workspace_variable", "variable_name": "seven"},
        "t": {"__prefect_kind": "jinja", "template": "{{ x }}"}}));
    assert_eq!(check(&schema, &ok, &vars).unwrap(), Vec::<Value>::new());
    let bad = doc(json!({"j": {"__prefect_kind": "json", "value": "{nope"},
        "v": {"__prefect_kind": "workspace_variable", "variable_name": "nope"}}));
    let errors = check(&schema, &bad, &vars).unwrap();
    let text = serde_json::to_string(&errors).unwrap();
    assert!(text.contains("Invalid JSON: "), "{text}");
    assert!(
        text.contains("Variable 'nope' not found in workspace."),
        "{text}"
    );
    assert_eq!(
        variable_names(&Value::Object(bad)),
        vec!["nope".to_string()]
    );
}

#[test]
fn an_invalid_or_unresolvable_schema_is_refused() {
    assert!(check(&json!({"type": "bogus"}), &Doc::new(), &HashMap::new()).is_err());
    let dangling = json!({"properties": {"a": {"$ref": "#/definitions/Missing"}}});
    assert!(check(&dangling, &doc(json!({"a": 1})), &HashMap::new()).is_err());
}

#[test]
fn known_formats_are_checked_and_unknown_ones_ignored() {
    let schema = json!({"properties": {"when": {"type": "string", "format": "date-time"},
        "dir": {"type": "string", "format": "path"}}});
    assert!(run(
        schema.clone(),
        json!({"when": "2026-01-01T00:00:00Z", "dir": "/x"})
    )
    .is_empty());
    let errors = run(schema, json!({"when": "yesterday"}));
    assert_eq!(errors[0]["property"], "when", "{errors:?}");
}
