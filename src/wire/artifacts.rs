//! Artifact models.

use super::Object;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// `POST /api/artifacts/` body.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ArtifactCreate {
    #[serde(default)]
    pub key: Option<String>,
    #[serde(default, rename = "type")]
    pub kind: Option<String>,
    #[serde(default)]
    pub description: Option<String>,
    #[serde(default)]
    pub data: Option<Value>,
    #[serde(default)]
    pub metadata_: Option<Object>,
    #[serde(default)]
    pub flow_run_id: Option<String>,
    #[serde(default)]
    pub task_run_id: Option<String>,
}

/// `PATCH /api/artifacts/{id}` body: a field given (even as null) is set, an absent one stays.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ArtifactUpdate {
    #[serde(default, deserialize_with = "super::present")]
    pub data: Option<Option<Value>>,
    #[serde(default, deserialize_with = "super::present")]
    pub description: Option<Option<String>>,
    #[serde(default, deserialize_with = "super::present")]
    pub metadata_: Option<Option<Object>>,
}

/// An artifact.
#[derive(Debug, Serialize, Deserialize, JsonSchema)]
pub struct Artifact {
    pub id: String,
    pub created: Option<String>,
    pub updated: Option<String>,
    pub key: Option<String>,
    #[serde(rename = "type")]
    pub kind: Option<String>,
    pub description: Option<String>,
    pub data: Option<Value>,
    pub metadata_: Option<Object>,
    pub flow_run_id: Option<String>,
    pub task_run_id: Option<String>,
}

/// The latest artifact of a key.
#[derive(Debug, Serialize, Deserialize, JsonSchema)]
pub struct ArtifactCollection {
    pub id: String,
    pub created: Option<String>,
    pub updated: Option<String>,
    pub key: String,
    pub latest_id: String,
    #[serde(rename = "type")]
    pub kind: Option<String>,
    pub description: Option<String>,
    pub data: Option<Value>,
    pub metadata_: Option<Object>,
    pub flow_run_id: Option<String>,
    pub task_run_id: Option<String>,
}
