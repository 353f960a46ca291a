//! Artifacts: results a run publishes for people (markdown, tables, links, progress). An artifact may carry
//! a `key`; the newest artifact of each key is its "latest" (Prefect's artifact collection), which is what
//! `Artifact.get(key)` and the latest endpoints read. Keys are lowercase letters, digits and dashes.

use super::{Doc, Ts};
use serde_json::Value;
use uuid::Uuid;

/// The longest metadata value kept whole; longer ones are cut and end in `...` (Prefect's rule).
pub const MAX_METADATA_VALUE_LEN: usize = 500;

/// An artifact as stored.
#[derive(Clone, Debug, PartialEq)]
pub struct Artifact {
    pub id: Uuid,
    pub created: Ts,
    pub updated: Ts,
    pub key: Option<String>,
    pub kind: Option<String>,
    pub description: Option<String>,
    pub data: Option<Value>,
    pub metadata: Option<Doc>,
    pub flow_run_id: Option<Uuid>,
    pub task_run_id: Option<Uuid>,
}

/// The latest artifact of a key.
#[derive(Clone, Debug, PartialEq)]
pub struct ArtifactCollection {
    /// The collection's own id (stable while the key has artifacts).
    pub id: Uuid,
    pub created: Ts,
    pub updated: Ts,
    pub key: String,
    pub latest_id: Uuid,
    pub kind: Option<String>,
    pub description: Option<String>,
    pub data: Option<Value>,
    pub metadata: Option<Doc>,
    pub flow_run_id: Option<Uuid>,
    pub task_run_id: Option<Uuid>,
}

/// A change to an artifact: `Some(x)` sets the field to `x` (which may be null).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ArtifactPatch {
    pub data: Option<Option<Value>>,
    pub description: Option<Option<String>>,
    pub metadata: Option<Option<Doc>>,
}

/// Checks a key; the error says what to fix.
pub fn check_key(key: &str) -> Result<(), String> {
    if key
        .chars()
        .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
    {
        Ok(())
    } else {
        Err("key: Artifact key must only contain lowercase letters, numbers, and dashes.".into())
    }
}

/// Checks metadata (string values only) and cuts values longer than [`MAX_METADATA_VALUE_LEN`].
pub fn clean_metadata(mut m: Doc) -> Result<Doc, String> {
    for (k, v) in m.iter_mut() {
        let Value::String(s) = v else {
            return Err(format!("metadata_.{k}: expected a string"));
        };
        if s.chars().count() > MAX_METADATA_VALUE_LEN {
            let cut: String = s.chars().take(MAX_METADATA_VALUE_LEN).collect();
            *v = Value::String(cut + "...");
        }
    }
    Ok(m)
}

impl Artifact {
    /// Applies a patch in place.
    pub fn apply(&mut self, patch: ArtifactPatch, now: Ts) {
        if let Some(d) = patch.data {
            self.data = d;
        }
        if let Some(d) = patch.description {
            self.description = d;
        }
        if let Some(m) = patch.metadata {
            self.metadata = m;
        }
        self.updated = now;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn keys() {
        assert!(check_key("daily-report-2").is_ok());
        assert!(check_key("daily_report").is_err());
        assert!(check_key("Daily").is_err());
    }

    #[test]
    fn metadata_is_strings_cut_at_500() {
        let mut m = Doc::new();
        m.insert("a".into(), json!("x".repeat(600)));
        let m = clean_metadata(m).unwrap();
        assert_eq!(m["a"].as_str().unwrap().len(), 503);
        let mut bad = Doc::new();
        bad.insert("n".into(), json!(1));
        assert!(clean_metadata(bad).is_err());
    }
}
