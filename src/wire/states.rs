//! State models and the orchestration result.

use super::Object;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::Value;

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
    pub state_details: Option<Object>,
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
    pub state_details: Object,
}

/// The answer to a proposed state.
#[derive(Debug, Serialize, Deserialize, JsonSchema)]
pub struct OrchestrationResult {
    pub state: Option<State>,
    pub status: String,
    pub details: Object,
}
