//! Variable models.

use schemars::JsonSchema;
use serde::{Deserialize, Deserializer, Serialize};
use serde_json::Value;

/// `POST /api/variables/` body.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct VariableCreate {
    pub name: String,
    pub value: Value,
    #[serde(default)]
    pub tags: Vec<String>,
}

/// `PATCH /api/variables/…` body: absent fields stay as they are; `"value": null` sets null.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct VariableUpdate {
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default, deserialize_with = "present")]
    pub value: Option<Value>,
    #[serde(default)]
    pub tags: Option<Vec<String>>,
}

fn present<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Value>, D::Error> {
    Value::deserialize(d).map(Some)
}

/// A variable.
#[derive(Debug, Serialize, Deserialize, JsonSchema)]
pub struct Variable {
    pub id: String,
    pub created: Option<String>,
    pub updated: Option<String>,
    pub name: String,
    pub value: Value,
    pub tags: Vec<String>,
}
