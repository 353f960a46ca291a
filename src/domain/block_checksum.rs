//! A block schema's checksum, as Prefect's client and server compute it, so a schema Baton stores is found
//! again by the checksum the SDK asks for: `"sha256:"` + the SHA-256 of the fields (without any
//! `secret_fields` key, and with only the definitions that are not blocks themselves) written as Python's
//! `json.dumps(((fields,), {}), sort_keys=True)` writes them.

use serde_json::{Map, Value};
use sha2::{Digest, Sha256};
use std::collections::BTreeSet;
use std::fmt::Write;

/// The checksum of a schema's `fields`.
pub fn checksum(fields: &Value) -> String {
    let mut f = without_key(fields, "secret_fields");
    if let Some(o) = f.as_object_mut() {
        let defs = o.get("definitions").and_then(Value::as_object).cloned();
        if let Some(defs) = defs.filter(|d| !d.is_empty()) {
            let kept = non_block_definitions(&Value::Object(o.clone()), &defs);
            if kept.is_empty() {
                o.remove("definitions");
            } else {
                o.insert("definitions".into(), Value::Object(kept));
            }
        }
    }
    let mut text = String::new();
    text.push_str("[[");
    python_json(&f, &mut text);
    text.push_str("], {}]");
    let digest = Sha256::digest(text.as_bytes());
    let mut hex = String::with_capacity(71);
    hex.push_str("sha256:");
    for b in digest {
        let _ = write!(hex, "{b:02x}");
    }
    hex
}

fn without_key(v: &Value, key: &str) -> Value {
    match v {
        Value::Object(o) => Value::Object(
            o.iter()
                .filter(|(k, _)| *k != key)
                .map(|(k, v)| (k.clone(), without_key(v, key)))
                .collect(),
        ),
        other => other.clone(),
    }
}

/// The definitions `object` refers to (through `$ref`, also from definitions it keeps) that are not blocks.
fn non_block_definitions(object: &Value, defs: &Map<String, Value>) -> Map<String, Value> {
    let mut kept = Map::new();
    let mut seen = BTreeSet::new();
    let mut todo = refs(object);
    while let Some(r) = todo.pop() {
        let key = r.trim_start_matches("#/definitions/").to_string();
        if !seen.insert(key.clone()) {
            continue;
        }
        // An empty definition counts as none (Python's truth test on the dict).
        if let Some(d) = defs
            .get(&key)
            .filter(|d| d.as_object().is_some_and(|o| !o.is_empty()))
        {
            if d.get("block_type_slug").is_none_or(Value::is_null) {
                kept.insert(key, d.clone());
                todo.extend(refs(d));
            }
        }
    }
    kept
}

fn refs(v: &Value) -> Vec<String> {
    let mut out = Vec::new();
    collect_refs(v, &mut out);
    out
}

fn collect_refs(v: &Value, out: &mut Vec<String>) {
    match v {
        Value::Object(o) => {
            for (k, v) in o {
                match (k.as_str(), v) {
                    ("$ref", Value::String(s)) => out.push(s.clone()),
                    _ => collect_refs(v, out),
                }
            }
        }
        Value::Array(a) => a.iter().for_each(|v| collect_refs(v, out)),
        _ => {}
    }
}

/// `v` as Python's `json.dumps(v, sort_keys=True)` writes it: `", "` and `": "` separators, keys sorted,
/// non-ASCII escaped, floats as Python's `repr`.
fn python_json(v: &Value, out: &mut String) {
    match v {
        Value::Null => out.push_str("null"),
        Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Value::Number(n) => match (n.as_i64(), n.as_u64(), n.as_f64()) {
            (Some(i), _, _) => {
                let _ = write!(out, "{i}");
            }
            (_, Some(u), _) => {
                let _ = write!(out, "{u}");
            }
            (_, _, Some(f)) => out.push_str(&python_float(f)),
            _ => out.push_str("null"),
        },
        Value::String(s) => python_str(s, out),
        Value::Array(a) => {
            out.push('[');
            for (i, x) in a.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                python_json(x, out);
            }
            out.push(']');
        }
        Value::Object(o) => {
            let mut keys: Vec<&String> = o.keys().collect();
            keys.sort();
            out.push('{');
            for (i, k) in keys.into_iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                python_str(k, out);
                out.push_str(": ");
                python_json(&o[k], out);
            }
            out.push('}');
        }
    }
}

fn python_str(s: &str, out: &mut String) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            c if (c as u32) < 0x20 || (c as u32) > 0x7e => {
                let mut buf = [0u16; 2];
                for unit in c.encode_utf16(&mut buf) {
                    let _ = write!(out, "\\u{unit:04x}");
                }
            }
            c => out.push(c),
        }
    }
    out.push('"');
}

/// A float as Python's `repr`: the shortest digits, positional for exponents from -4 to 15, else
/// `1e-05` / `1.5e+16`.
fn python_float(f: f64) -> String {
    if !f.is_finite() {
        return if f.is_nan() {
            "NaN"
        } else if f > 0.0 {
            "Infinity"
        } else {
            "-Infinity"
        }
        .into();
    }
    let sci = format!("{f:e}");
    let (mantissa, exp) = sci.split_once('e').unwrap_or((&sci, "0"));
    let exp: i32 = exp.parse().unwrap_or(0);
    if (-4..16).contains(&exp) {
        let s = format!("{f}");
        if s.contains('.') {
            s
        } else {
            format!("{s}.0")
        }
    } else {
        let sign = if exp < 0 { '-' } else { '+' };
        format!("{mantissa}e{sign}{:02}", exp.abs())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn matches_prefects_checksums() {
        // Computed with Python's `json.dumps([[fields], {}], sort_keys=True)`.
        let f = json!({"title": "MyType", "type": "object", "properties": {"a": {"type": "string"}},
            "secret_fields": [], "block_schema_references": {}});
        assert_eq!(
            checksum(&f),
            "sha256:e72ddbd3f81daec15738a06fd99551fa9d7ff13d100c91214b13f304a8d4e42b"
        );
        assert_eq!(
            checksum(&json!({})),
            "sha256:f8e6e96abbc38504d4e9c99fc57281fa0026bede1fa42db79f22f984501710f4"
        );
        let g = json!({"x": "é\n", "n": [1.5, 1e-05, 1e16, 3], "b": true, "z": null});
        assert_eq!(
            checksum(&g),
            "sha256:413c9e61a72b1f99185c5d4226b90a668074a9946951519dd2d6c0bcfc9839c0"
        );
    }

    #[test]
    fn block_definitions_are_left_out() {
        let with_block = json!({"properties": {"c": {"$ref": "#/definitions/Creds"}},
            "definitions": {"Creds": {"block_type_slug": "creds", "properties": {}}}});
        let without = json!({"properties": {"c": {"$ref": "#/definitions/Creds"}}});
        assert_eq!(checksum(&with_block), checksum(&without));
        let plain = json!({"properties": {"c": {"$ref": "#/definitions/Mode"}},
            "definitions": {"Mode": {"enum": ["a", "b"]}}});
        assert_ne!(
            checksum(&plain),
            checksum(&json!({"properties": {"c": {"$ref": "#/definitions/Mode"}}}))
        );
    }

    #[test]
    fn floats_as_python_writes_them() {
        assert_eq!(python_float(1.0), "1.0");
        assert_eq!(python_float(0.5), "0.5");
        assert_eq!(python_float(1e-5), "1e-05");
        assert_eq!(python_float(1e16), "1e+16");
        assert_eq!(python_float(123456.789), "123456.789");
    }
}
