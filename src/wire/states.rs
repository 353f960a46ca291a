//! State models and the orchestration result.

use super::Object;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::collections::BTreeMap;
use uuid::Uuid;

/// A state as proposed by a client.
#[derive(Debug, Default, Deserialize, Serialize, JsonSchema)]
pub struct StateCreate {
    #[serde(rename = "type")]
    pub kind: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub data: Option<Value>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub state_details: Option<StateDetails>,
}

impl StateCreate {
    /// A state of type `kind` (`"SCHEDULED"`, …) named `name`.
    pub fn new(kind: &str, name: &str) -> StateCreate {
        StateCreate {
            kind: kind.into(),
            name: Some(name.into()),
            ..StateCreate::default()
        }
    }

    /// With `message`.
    pub fn message(mut self, message: &str) -> StateCreate {
        self.message = Some(message.into());
        self
    }
}

/// `POST /api/flow_runs/{id}/set_state` body.
#[derive(Debug, Deserialize, Serialize, JsonSchema)]
pub struct SetState {
    pub state: StateCreate,
    #[serde(default)]
    pub force: bool,
    /// Baton's workers say `"reschedule"` when they report FAILED after the run's process ended, so a retry
    /// goes back to the workers rather than to an in-process retry.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub baton_retry: Option<String>,
}

/// A state.
#[derive(Debug, Serialize, Deserialize, Clone, JsonSchema)]
pub struct State {
    pub id: String,
    #[serde(rename = "type")]
    pub kind: String,
    pub name: String,
    pub timestamp: String,
    pub message: Option<String>,
    pub data: Option<Value>,
    pub state_details: StateDetails,
}

/// Prefect's `StateDetails`; keys its model lacks (an older or newer client's) are kept in `other`. Times
/// are ISO 8601 text, read where they come in so a 422 names the bad one.
#[derive(Debug, Default, Clone, Deserialize, Serialize, JsonSchema)]
pub struct StateDetails {
    #[serde(default)]
    pub flow_run_id: Option<Uuid>,
    #[serde(default)]
    pub task_run_id: Option<Uuid>,
    #[serde(default)]
    pub child_flow_run_id: Option<Uuid>,
    #[serde(default)]
    pub scheduled_time: Option<String>,
    #[serde(default)]
    pub cache_key: Option<String>,
    #[serde(default)]
    pub cache_expiration: Option<String>,
    #[serde(default)]
    pub deferred: Option<bool>,
    #[serde(default)]
    pub untrackable_result: bool,
    #[serde(default)]
    pub pause_timeout: Option<String>,
    #[serde(default)]
    pub pause_reschedule: bool,
    #[serde(default)]
    pub pause_key: Option<String>,
    #[serde(default)]
    pub run_input_keyset: Option<BTreeMap<String, String>>,
    #[serde(default)]
    pub refresh_cache: Option<bool>,
    #[serde(default)]
    pub retriable: Option<bool>,
    #[serde(default)]
    pub transition_id: Option<Uuid>,
    #[serde(default)]
    pub task_parameters_id: Option<Uuid>,
    #[serde(default)]
    pub traceparent: Option<String>,
    #[serde(default)]
    pub deployment_concurrency_lease_id: Option<Uuid>,
    #[serde(flatten)]
    pub other: Object,
}

/// The answer to a proposed state.
#[derive(Debug, Serialize, Deserialize, JsonSchema)]
pub struct OrchestrationResult {
    pub state: Option<State>,
    pub status: String,
    pub details: Object,
}
