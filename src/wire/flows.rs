//! Flow models.

use super::Object;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// `POST /api/flows/` body.
#[derive(Debug, Deserialize, Serialize, JsonSchema)]
pub struct FlowCreate {
    pub name: String,
    #[serde(default)]
    pub tags: Vec<String>,
    #[serde(default)]
    pub labels: Option<Object>,
}

/// A flow.
#[derive(Debug, Serialize, Deserialize, JsonSchema)]
pub struct Flow {
    pub id: String,
    pub created: Option<String>,
    pub updated: Option<String>,
    pub name: String,
    pub tags: Vec<String>,
    pub labels: Object,
}

/// `PATCH /api/flows/{id}` body (Prefect's `FlowUpdate`): the flow's tags, replaced when given.
#[derive(Debug, Default, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct FlowUpdate {
    #[serde(default)]
    pub tags: Option<Vec<String>>,
}
