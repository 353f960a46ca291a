//! Blocks (Prefect's typed configuration): block types, their schemas and documents. The rules here are
//! pure: names, hiding secret fields, PATCH merges that keep a hidden value, and the references one
//! document makes to another.

use super::{Doc, Ts};
use serde_json::Value;
use uuid::Uuid;

/// What a secret field's value reads as unless secrets are asked for.
pub const MASK: &str = "********";

/// A block type (`secret`, `aws-credentials`, a user's own `Block` subclass).
#[derive(Clone, Debug, PartialEq)]
pub struct BlockType {
    pub id: Uuid,
    pub created: Ts,
    pub updated: Ts,
    pub name: String,
    pub slug: String,
    pub logo_url: Option<String>,
    pub documentation_url: Option<String>,
    pub description: Option<String>,
    pub code_example: Option<String>,
    /// A system type: it cannot be deleted.
    pub is_protected: bool,
}

/// One version of a block type's fields (a JSON schema).
#[derive(Clone, Debug, PartialEq)]
pub struct BlockSchema {
    pub id: Uuid,
    pub created: Ts,
    pub updated: Ts,
    pub checksum: String,
    pub fields: Value,
    pub block_type_id: Uuid,
    pub capabilities: Vec<String>,
    pub version: String,
}

impl BlockSchema {
    /// The dotted paths of the fields whose values are secret (`value`, `creds.password`, `headers.*`).
    pub fn secret_fields(&self) -> Vec<String> {
        self.fields
            .get("secret_fields")
            .and_then(Value::as_array)
            .map(|a| {
                a.iter()
                    .filter_map(Value::as_str)
                    .map(String::from)
                    .collect()
            })
            .unwrap_or_default()
    }
}

/// A saved block: values for a schema's fields. `data` holds no references: those are in `references`.
#[derive(Clone, Debug, PartialEq)]
pub struct BlockDocument {
    pub id: Uuid,
    pub created: Ts,
    pub updated: Ts,
    pub name: String,
    pub data: Doc,
    pub block_schema_id: Uuid,
    pub block_type_id: Uuid,
    pub block_type_name: Option<String>,
    pub is_anonymous: bool,
    /// Field name → the document it refers to.
    pub references: Vec<(String, Uuid)>,
}

/// A document as read: its data with referenced documents' data in place (secrets hidden unless asked
/// for), with its schema and type.
#[derive(Clone, Debug, PartialEq)]
pub struct ResolvedDocument {
    pub doc: BlockDocument,
    pub schema: BlockSchema,
    pub block_type: BlockType,
    pub references: Vec<(String, Referenced)>,
}

/// A document another one refers to, as a read shows it.
#[derive(Clone, Debug, PartialEq)]
pub struct Referenced {
    pub id: Uuid,
    pub name: String,
    pub block_type: BlockType,
    pub is_anonymous: bool,
    pub references: Vec<(String, Referenced)>,
}

/// How deep references are followed on a read.
pub const MAX_REFERENCE_DEPTH: usize = 50;

/// Why a name is refused (Prefect's messages).
pub fn check_document_name(name: &str) -> Result<(), String> {
    check_banned(name)?;
    if !name
        .chars()
        .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
    {
        return Err(
            "name: Block document name must only contain lowercase letters, numbers, and dashes."
                .into(),
        );
    }
    Ok(())
}

/// A block type's name: anything but `/%&><`, and not Prefect's own prefix.
pub fn check_type_name(name: &str) -> Result<(), String> {
    check_banned(name)
}

/// A block type's slug: lowercase letters, digits and dashes.
pub fn check_slug(slug: &str) -> Result<(), String> {
    if slug
        .chars()
        .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
    {
        Ok(())
    } else {
        Err("slug: must only contain lowercase letters, numbers, and dashes".into())
    }
}

fn check_banned(name: &str) -> Result<(), String> {
    if name.is_empty() || name.chars().any(|c| "/%&><".contains(c)) {
        return Err("name: String should match pattern '^[^/%&><]+$'".into());
    }
    Ok(())
}

/// Whether a type name is reserved for Prefect's own types (it starts with "prefect", in any case).
pub fn reserved_type_name(name: &str) -> bool {
    name.to_ascii_lowercase().starts_with("prefect")
}

/// `data` with every secret field's value replaced by [`MASK`]. A path names a leaf (a value that is not an
/// object); `a.*` hides every leaf under `a`. `null` stays `null`.
pub fn mask(data: &Doc, secret_fields: &[String]) -> Doc {
    let mut out = Value::Object(data.clone());
    for path in secret_fields {
        let parts: Vec<&str> = path.split('.').collect();
        match parts.iter().position(|p| *p == "*") {
            Some(star) => {
                if let Some(node) = at_mut(&mut out, &parts[..star]) {
                    mask_leaves(node);
                }
            }
            None => {
                if let Some(leaf) = at_mut(&mut out, &parts) {
                    if !leaf.is_null() && !leaf.is_object() {
                        *leaf = Value::String(MASK.into());
                    }
                }
            }
        }
    }
    match out {
        Value::Object(o) => o,
        _ => Doc::new(),
    }
}

fn at_mut<'a>(mut v: &'a mut Value, parts: &[&str]) -> Option<&'a mut Value> {
    for p in parts {
        v = v.as_object_mut()?.get_mut(*p)?;
    }
    Some(v)
}

fn at<'a>(mut v: &'a Value, parts: &[&str]) -> Option<&'a Value> {
    for p in parts {
        v = v.as_object()?.get(*p)?;
    }
    Some(v)
}

fn mask_leaves(v: &mut Value) {
    match v {
        Value::Object(o) => o.values_mut().for_each(mask_leaves),
        Value::Null => {}
        leaf => *leaf = Value::String(MASK.into()),
    }
}

/// The data a PATCH leaves: a secret field sent as [`MASK`] keeps its stored value; then the new top-level
/// keys replace the old ones (`merge`), or the new data replaces it all.
pub fn patched(old: &Doc, new: &Doc, secret_fields: &[String], merge: bool) -> Doc {
    let old_v = Value::Object(old.clone());
    let mut new_v = Value::Object(new.clone());
    for path in secret_fields {
        let parts: Vec<&str> = path.split('.').collect();
        let prefix = match parts.iter().position(|p| *p == "*") {
            Some(star) => &parts[..star],
            None => &parts[..],
        };
        let mut trail: Vec<String> = prefix.iter().map(|s| s.to_string()).collect();
        if let Some(node) = at_mut(&mut new_v, prefix) {
            keep_masked(node, &old_v, &mut trail);
        }
    }
    let new = match new_v {
        Value::Object(o) => o,
        _ => Doc::new(),
    };
    if merge {
        let mut out = old.clone();
        out.extend(new);
        out
    } else {
        new
    }
}

/// Replaces every [`MASK`] leaf under `node` (at `trail` in the data) with the old value there.
fn keep_masked(node: &mut Value, old: &Value, trail: &mut Vec<String>) {
    match node {
        Value::Object(o) => {
            for (k, v) in o.iter_mut() {
                trail.push(k.clone());
                keep_masked(v, old, trail);
                trail.pop();
            }
        }
        Value::String(s) if s == MASK => {
            let parts: Vec<&str> = trail.iter().map(String::as_str).collect();
            if let Some(was) = at(old, &parts) {
                *node = was.clone();
            }
        }
        _ => {}
    }
}

/// Splits the top-level references out of `data` (`{"key": {"$ref": {"block_document_id": ...}}}`); a
/// reference deeper down is plain data.
pub fn split_references(data: Doc) -> Result<(Doc, Vec<(String, Uuid)>), String> {
    let mut plain = Doc::new();
    let mut refs = Vec::new();
    for (key, value) in data {
        let Some(r) = value.as_object().and_then(|o| o.get("$ref")) else {
            plain.insert(key, value);
            continue;
        };
        let id = r
            .get("block_document_id")
            .and_then(Value::as_str)
            .and_then(|s| s.parse::<Uuid>().ok())
            .ok_or_else(|| {
                format!("Received block reference without a block_document_id in key {key}")
            })?;
        refs.push((key, id));
    }
    Ok((plain, refs))
}

#[cfg(test)]
#[path = "block_tests.rs"]
mod tests;
