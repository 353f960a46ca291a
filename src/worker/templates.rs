//! `{{ prefect.blocks.<type-slug>.<name>[.<key path>] }}` and `{{ prefect.variables.<name> }}` in a run's
//! job variables, resolved when a worker starts the run, as Prefect's workers do: a placeholder that is the
//! whole string becomes the value with its JSON type; one inside other text becomes its text. A Secret-like
//! document (`{"value": X}`) stands for X. Unlike Prefect's workers, an unknown block or variable fails the
//! run with a message naming it (Prefect's give an unknown variable as "").

use super::transport::Transport;
use crate::domain::Doc;
use serde_json::Value;
use std::collections::HashMap;

/// A placeholder found in a string: its byte range and the name inside the braces.
struct Found {
    start: usize,
    end: usize,
    name: String,
}

fn placeholders(s: &str) -> Vec<Found> {
    let mut out = Vec::new();
    let mut at = 0;
    while let Some(open) = s[at..].find("{{").map(|i| at + i) {
        let Some(close) = s[open + 2..].find("}}").map(|i| open + 2 + i) else {
            break;
        };
        let name = s[open + 2..close].trim();
        let valid = !name.is_empty()
            && name
                .chars()
                .all(|c| c.is_alphanumeric() || "_.-[]$".contains(c));
        if valid && (name.starts_with("prefect.blocks.") || name.starts_with("prefect.variables."))
        {
            out.push(Found {
                start: open,
                end: close + 2,
                name: name.to_string(),
            });
        }
        at = close + 2;
    }
    out
}

/// Looks up blocks and variables once each per resolution.
struct Lookup<'a, T: Transport> {
    t: &'a T,
    blocks: HashMap<(String, String), Doc>,
    variables: HashMap<String, Value>,
}

impl<T: Transport> Lookup<'_, T> {
    async fn value(&mut self, name: &str) -> Result<Value, String> {
        if let Some(var) = name.strip_prefix("prefect.variables.") {
            if let Some(v) = self.variables.get(var) {
                return Ok(v.clone());
            }
            let v = self
                .t
                .variable(var)
                .await
                .map_err(|e| format!("cannot read variable '{var}': {e:#}"))?
                .ok_or_else(|| {
                    format!("variable '{var}' (referenced as {{{{ {name} }}}} in the job variables) does not exist")
                })?;
            self.variables.insert(var.to_string(), v.clone());
            return Ok(v);
        }
        let rest = name.strip_prefix("prefect.blocks.").unwrap_or(name);
        let mut parts = rest.splitn(3, '.');
        let (Some(slug), Some(doc_name)) = (parts.next(), parts.next()) else {
            return Err(format!(
                "{{{{ {name} }}}}: expected prefect.blocks.<type-slug>.<name>"
            ));
        };
        let path = parts.next();
        let key = (slug.to_string(), doc_name.to_string());
        if !self.blocks.contains_key(&key) {
            let data = self
                .t
                .block_data(slug, doc_name)
                .await
                .map_err(|e| format!("cannot read block '{slug}/{doc_name}': {e:#}"))?
                .ok_or_else(|| {
                    format!(
                        "block '{doc_name}' of type '{slug}' (referenced as {{{{ {name} }}}} in the job variables) does not exist"
                    )
                })?;
            self.blocks.insert(key.clone(), data);
        }
        let data = Value::Object(self.blocks[&key].clone());
        let secret_like = data
            .as_object()
            .is_some_and(|o| o.len() == 1 && o.contains_key("value"));
        match path {
            None if secret_like => Ok(data["value"].clone()),
            None => Ok(data),
            Some(p) => {
                let base = match secret_like && !p.starts_with("value") {
                    true => data["value"].clone(),
                    false => data,
                };
                at_path(&base, p).ok_or_else(|| {
                    format!("{{{{ {name} }}}}: block '{slug}/{doc_name}' has no '{p}'")
                })
            }
        }
    }
}

/// `a.b[0].c` inside `v`.
fn at_path(v: &Value, path: &str) -> Option<Value> {
    let mut cur = v;
    for part in path.split('.') {
        let (key, indexes) = match part.find('[') {
            Some(i) => (&part[..i], &part[i..]),
            None => (part, ""),
        };
        if !key.is_empty() {
            cur = cur.get(key)?;
        }
        for idx in indexes.split('[').filter(|s| !s.is_empty()) {
            let n: usize = idx.strip_suffix(']')?.parse().ok()?;
            cur = cur.get(n)?;
        }
    }
    Some(cur.clone())
}

/// Job variables with every block and variable placeholder replaced; `Err` names the one that failed.
pub async fn resolve<T: Transport>(t: &T, vars: Doc) -> Result<Doc, String> {
    let mut lookup = Lookup {
        t,
        blocks: HashMap::new(),
        variables: HashMap::new(),
    };
    let mut out = Doc::new();
    for (k, v) in vars {
        out.insert(k, walk(&mut lookup, v).await?);
    }
    Ok(out)
}

async fn walk<T: Transport>(lookup: &mut Lookup<'_, T>, v: Value) -> Result<Value, String> {
    // Recursion through containers: each nested call is boxed (an async fn cannot hold itself).
    match v {
        Value::String(s) => string(lookup, s).await,
        Value::Array(items) => {
            let mut out = Vec::with_capacity(items.len());
            for item in items {
                out.push(Box::pin(walk(lookup, item)).await?);
            }
            Ok(Value::Array(out))
        }
        Value::Object(o) => {
            let mut out = Doc::new();
            for (k, item) in o {
                out.insert(k, Box::pin(walk(lookup, item)).await?);
            }
            Ok(Value::Object(out))
        }
        other => Ok(other),
    }
}

async fn string<T: Transport>(lookup: &mut Lookup<'_, T>, s: String) -> Result<Value, String> {
    let found = placeholders(&s);
    if found.is_empty() {
        return Ok(Value::String(s));
    }
    if found.len() == 1 && found[0].start == 0 && found[0].end == s.len() {
        return lookup.value(&found[0].name).await;
    }
    let mut out = String::new();
    let mut at = 0;
    for f in found {
        out.push_str(&s[at..f.start]);
        match lookup.value(&f.name).await? {
            Value::String(text) => out.push_str(&text),
            Value::Null => {}
            v @ (Value::Bool(_) | Value::Number(_)) => out.push_str(&v.to_string()),
            _ => {
                return Err(format!(
                    "{{{{ {} }}}} is an object or list and cannot go inside the text \"{s}\"",
                    f.name
                ))
            }
        }
        at = f.end;
    }
    out.push_str(&s[at..]);
    Ok(Value::String(out))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_only_block_and_variable_placeholders() {
        let f = placeholders("a {{ prefect.blocks.secret.k }} b {{other}} {{prefect.variables.x}}");
        let names: Vec<&str> = f.iter().map(|f| f.name.as_str()).collect();
        assert_eq!(names, ["prefect.blocks.secret.k", "prefect.variables.x"]);
        assert!(placeholders("{{ prefect.blocks.secret.k").is_empty());
    }

    #[test]
    fn key_paths() {
        let v = serde_json::json!({"a": {"b": [1, {"c": "x"}]}});
        assert_eq!(at_path(&v, "a.b[1].c"), Some(Value::from("x")));
        assert_eq!(at_path(&v, "a.b[2]"), None);
        assert_eq!(at_path(&v, "a.z"), None);
    }
}
