//! Automation and event API models. Triggers and actions travel as JSON here and are read into the
//! domain's typed trigger and action models (which give the 422s naming the failing field).

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// `PUT /api/automations/{id}` body: a whole definition (the owner stays as it was).
#[derive(Debug, Deserialize, JsonSchema)]
pub struct AutomationUpdate {
    pub name: String,
    #[serde(default)]
    pub description: String,
    #[serde(default = "yes")]
    pub enabled: bool,
    #[serde(default)]
    pub tags: Vec<String>,
    pub trigger: Value,
    pub actions: Vec<Value>,
    #[serde(default)]
    pub actions_on_trigger: Vec<Value>,
    #[serde(default)]
    pub actions_on_resolve: Vec<Value>,
}

/// `POST /api/automations/` body: a definition, and the resource that owns it (if any).
#[derive(Debug, Deserialize, JsonSchema)]
pub struct AutomationCreate {
    #[serde(flatten)]
    pub definition: AutomationUpdate,
    #[serde(default)]
    pub owner_resource: Option<String>,
}

/// `POST /api/automations/count` body.
#[derive(Debug, Default, Deserialize, JsonSchema)]
pub struct AutomationCountRequest {
    #[serde(default)]
    pub automations: Option<AutomationFilter>,
}

fn yes() -> bool {
    true
}

/// `PATCH /api/automations/{id}` body.
#[derive(Debug, Deserialize, JsonSchema)]
pub struct AutomationPatch {
    #[serde(default)]
    pub enabled: Option<bool>,
}

/// `POST /api/automations/filter` body.
#[derive(Debug, Default, Deserialize, JsonSchema)]
pub struct AutomationFilterRequest {
    #[serde(default)]
    pub sort: Option<String>,
    #[serde(default)]
    pub offset: u64,
    #[serde(default)]
    pub limit: Option<u64>,
    #[serde(default)]
    pub automations: Option<AutomationFilter>,
}

/// Prefect's `AutomationFilter`: by name and by tags.
#[derive(Debug, Default, Deserialize, JsonSchema)]
pub struct AutomationFilter {
    #[serde(default)]
    pub name: Option<AnyOf>,
    #[serde(default)]
    pub tags: Option<AllOf>,
}

#[derive(Debug, Default, Deserialize, JsonSchema)]
pub struct AnyOf {
    #[serde(default)]
    pub any_: Option<Vec<String>>,
}

#[derive(Debug, Default, Deserialize, JsonSchema)]
pub struct AllOf {
    #[serde(default)]
    pub all_: Option<Vec<String>>,
}

/// An automation as the API answers it.
#[derive(Debug, Serialize, Deserialize, JsonSchema)]
pub struct Automation {
    pub id: String,
    pub created: String,
    pub updated: String,
    pub name: String,
    pub description: String,
    pub enabled: bool,
    pub tags: Vec<String>,
    pub trigger: Value,
    pub actions: Vec<Value>,
    pub actions_on_trigger: Vec<Value>,
    pub actions_on_resolve: Vec<Value>,
    pub owner_resource: Option<String>,
}

/// `POST /api/events/filter` body.
#[derive(Debug, Default, Deserialize, JsonSchema)]
pub struct EventFilterRequest {
    #[serde(default)]
    pub filter: Option<Value>,
    #[serde(default)]
    pub limit: Option<u32>,
}

/// A page of events.
#[derive(Debug, Serialize, Deserialize, JsonSchema)]
pub struct EventPage {
    pub events: Vec<Value>,
    pub total: u64,
    pub next_page: Option<String>,
}

/// `POST /api/events/count-by/{countable}` body.
#[derive(Debug, Deserialize, JsonSchema)]
pub struct CountByRequest {
    pub filter: Value,
    #[serde(default)]
    pub time_unit: Option<String>,
    #[serde(default)]
    pub time_interval: Option<f64>,
}

/// One row of a count.
#[derive(Debug, Serialize, Deserialize, JsonSchema)]
pub struct EventCount {
    pub value: String,
    pub label: String,
    pub count: u64,
    pub start_time: String,
    pub end_time: String,
}

/// An event a client sends (`POST /api/events`).
#[derive(Debug, Serialize, Deserialize, JsonSchema)]
pub struct EventIn {
    pub id: String,
    pub occurred: String,
    pub event: String,
    pub resource: serde_json::Map<String, Value>,
    #[serde(default)]
    pub related: Vec<serde_json::Map<String, Value>>,
    #[serde(default)]
    pub payload: serde_json::Map<String, Value>,
    #[serde(default)]
    pub follows: Option<String>,
}
