//! A deployment's parameter schema from a Python signature read as text: JSON Schema in the shape Prefect
//! generates (`{"title": "Parameters", "type": "object", "properties": {name: {title, position, type…,
//! default}}, "required": [...], "definitions": {}}`). Simple annotations map to types (`int`, `float`,
//! `str`, `bool`, `list[...]`, `dict[...]`, `Optional[...]`, `X | None`, `Literal[...]`, dates); literal
//! defaults become JSON; anything else is left untyped rather than guessed.

use super::pylex::{split_top, string_literal};
use super::pysource::PyParam;
use serde_json::{json, Map, Value};

/// The parameter schema of a function's parameters.
pub fn parameter_schema(params: &[PyParam]) -> Value {
    let mut props = Map::new();
    let mut required = Vec::new();
    for (i, p) in params.iter().enumerate() {
        let mut prop = match p.annotation.as_deref().map(annotation_schema) {
            Some(Value::Object(m)) => m,
            _ => Map::new(),
        };
        prop.insert("title".into(), json!(p.name));
        prop.insert("position".into(), json!(i));
        match &p.default {
            None => required.push(json!(p.name)),
            Some(d) => {
                if let Some(v) = literal(d) {
                    prop.insert("default".into(), v);
                }
            }
        }
        props.insert(p.name.clone(), Value::Object(prop));
    }
    let mut schema =
        json!({"title": "Parameters", "type": "object", "properties": props, "definitions": {}});
    if !required.is_empty() {
        schema["required"] = Value::Array(required);
    }
    schema
}

fn generic(t: &str) -> (&str, Option<&str>) {
    match t.find('[') {
        Some(i) if t.ends_with(']') => (t[..i].trim(), Some(&t[i + 1..t.len() - 1])),
        _ => (t, None),
    }
}

fn any_of(mut options: Vec<Value>) -> Value {
    options.dedup();
    if options.len() == 1 {
        options.remove(0)
    } else {
        json!({ "anyOf": options })
    }
}

/// The JSON Schema of a type annotation (`{}` when unknown).
pub fn annotation_schema(ann: &str) -> Value {
    let t = ann.trim();
    if let Some(inner) = string_literal(t) {
        return annotation_schema(&inner);
    }
    let union = split_top(t, '|');
    if union.len() > 1 {
        return any_of(union.into_iter().map(annotation_schema).collect());
    }
    let (head, args) = generic(t);
    let head = head.rsplit('.').next().unwrap_or(head);
    let arg_list = || args.map(|a| split_top(a, ',')).unwrap_or_default();
    match head {
        "None" | "NoneType" => json!({"type": "null"}),
        "int" => json!({"type": "integer"}),
        "float" => json!({"type": "number"}),
        "str" => json!({"type": "string"}),
        "bool" => json!({"type": "boolean"}),
        "datetime" => json!({"type": "string", "format": "date-time"}),
        "date" => json!({"type": "string", "format": "date"}),
        "Optional" => any_of(vec![
            annotation_schema(args.unwrap_or("")),
            json!({"type": "null"}),
        ]),
        "Union" => any_of(arg_list().into_iter().map(annotation_schema).collect()),
        "list" | "List" | "Sequence" | "Iterable" | "tuple" | "Tuple" | "set" | "Set" => {
            let items = match (head, arg_list().as_slice()) {
                ("tuple" | "Tuple", [one, dots]) if dots.trim() == "..." => annotation_schema(one),
                ("tuple" | "Tuple", _) => json!({}),
                (_, [one]) => annotation_schema(one),
                _ => json!({}),
            };
            let mut s = json!({"type": "array", "items": items});
            if matches!(head, "set" | "Set") {
                s["uniqueItems"] = json!(true);
            }
            s
        }
        "dict" | "Dict" | "Mapping" => match arg_list().as_slice() {
            [_, v] => json!({"type": "object", "additionalProperties": annotation_schema(v)}),
            _ => json!({"type": "object"}),
        },
        "Literal" => {
            let values: Vec<Value> = arg_list().into_iter().filter_map(literal).collect();
            let mut s = json!({ "enum": values });
            if values.iter().all(Value::is_string) {
                s["type"] = json!("string");
            } else if values.iter().all(Value::is_i64) {
                s["type"] = json!("integer");
            }
            s
        }
        _ => json!({}),
    }
}

/// A Python literal as JSON (`None`, `True`, numbers, strings, lists, tuples, dicts), or `None`.
pub fn literal(text: &str) -> Option<Value> {
    let t = text.trim();
    match t {
        "None" => return Some(Value::Null),
        "True" => return Some(json!(true)),
        "False" => return Some(json!(false)),
        "" => return None,
        _ => {}
    }
    if let Some(s) = string_literal(t) {
        return Some(json!(s));
    }
    let digits = t.replace('_', "");
    if let Ok(i) = digits.parse::<i64>() {
        return Some(json!(i));
    }
    if let Ok(f) = digits.parse::<f64>() {
        if f.is_finite() && digits.chars().any(|c| c.is_ascii_digit()) {
            return Some(json!(f));
        }
    }
    let items = |inner: &str| -> Option<Vec<Value>> {
        split_top(inner, ',')
            .into_iter()
            .filter(|s| !s.trim().is_empty())
            .map(literal)
            .collect()
    };
    if let Some(inner) = t.strip_prefix('[').and_then(|r| r.strip_suffix(']')) {
        return items(inner).map(Value::Array);
    }
    if let Some(inner) = t.strip_prefix('(').and_then(|r| r.strip_suffix(')')) {
        return items(inner).map(Value::Array);
    }
    if let Some(inner) = t.strip_prefix('{').and_then(|r| r.strip_suffix('}')) {
        let mut m = Map::new();
        for entry in split_top(inner, ',') {
            if entry.trim().is_empty() {
                continue;
            }
            let kv = split_top(entry, ':');
            let [k, v] = kv.as_slice() else {
                return None;
            };
            let key = match literal(k)? {
                Value::String(s) => s,
                other => other.to_string(),
            };
            m.insert(key, literal(v)?);
        }
        return Some(Value::Object(m));
    }
    None
}
