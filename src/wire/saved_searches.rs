//! Saved search models.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// `PUT /api/saved_searches/` body.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SavedSearchCreate {
    pub name: String,
    #[serde(default)]
    pub filters: Vec<Value>,
}

/// `POST /api/saved_searches/filter` body.
#[derive(Debug, Default, Deserialize, JsonSchema)]
pub struct SavedSearchFilter {
    #[serde(default)]
    pub limit: Option<u64>,
    #[serde(default)]
    pub offset: Option<u64>,
}

/// A saved search.
#[derive(Debug, Serialize, Deserialize, JsonSchema)]
pub struct SavedSearch {
    pub id: String,
    pub created: Option<String>,
    pub updated: Option<String>,
    pub name: String,
    pub filters: Vec<Value>,
}
