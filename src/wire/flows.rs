//! Flow models.

use super::Object;
use serde::{Deserialize, Serialize};

/// `POST /api/flows/` body.
#[derive(Debug, Deserialize)]
pub struct FlowCreate {
    pub name: String,
    #[serde(default)]
    pub tags: Vec<String>,
    #[serde(default)]
    pub labels: Option<Object>,
}

/// A flow.
#[derive(Debug, Serialize, Deserialize)]
pub struct Flow {
    pub id: String,
    pub created: Option<String>,
    pub updated: Option<String>,
    pub name: String,
    pub tags: Vec<String>,
    pub labels: Object,
}
