//! The actions an automation runs when it fires: the OSS server's actions, with Prefect's JSON shape
//! (`{"type": "run-deployment", "source": "inferred", …}`) and its rule that a selected source names its
//! object.

use super::Doc;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use uuid::Uuid;

/// Where an action finds the object it works on: chosen when the automation was made, or taken from the
/// triggering event.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Source {
    #[default]
    Selected,
    Inferred,
}

/// What an automation does when it fires (the actions of Prefect's OSS server).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "kebab-case")]
pub enum Action {
    DoNothing {},
    RunDeployment {
        #[serde(default)]
        source: Source,
        #[serde(default)]
        deployment_id: Option<Uuid>,
        #[serde(default)]
        parameters: Option<Doc>,
        #[serde(default)]
        job_variables: Option<Doc>,
        #[serde(default)]
        schedule_after: f64,
    },
    PauseDeployment(Target<DeploymentId>),
    ResumeDeployment(Target<DeploymentId>),
    CancelFlowRun {},
    SuspendFlowRun {},
    ResumeFlowRun {},
    DeleteFlowRun {},
    ChangeFlowRunState {
        #[serde(default)]
        name: Option<String>,
        /// A state type (`COMPLETED`, `FAILED`…).
        state: String,
        #[serde(default)]
        message: Option<String>,
        #[serde(default)]
        force: bool,
    },
    PauseWorkQueue(Target<WorkQueueId>),
    ResumeWorkQueue(Target<WorkQueueId>),
    PauseWorkPool(Target<WorkPoolId>),
    ResumeWorkPool(Target<WorkPoolId>),
    PauseAutomation(Target<AutomationId>),
    ResumeAutomation(Target<AutomationId>),
    SendNotification {
        block_document_id: Uuid,
        #[serde(default = "default_subject")]
        subject: String,
        body: String,
    },
    CallWebhook {
        block_document_id: Uuid,
        #[serde(default)]
        payload: String,
    },
}

fn default_subject() -> String {
    "Prefect automated notification".into()
}

/// A pause/resume target: `source` plus the id field named by `K`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Target<K> {
    #[serde(default)]
    pub source: Source,
    #[serde(flatten)]
    pub id: K,
}

macro_rules! id_field {
    ($name:ident, $field:literal) => {
        #[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
        pub struct $name {
            #[serde(rename = $field, default)]
            pub id: Option<Uuid>,
        }
    };
}
id_field!(DeploymentId, "deployment_id");
id_field!(WorkQueueId, "work_queue_id");
id_field!(WorkPoolId, "work_pool_id");
id_field!(AutomationId, "automation_id");

impl Action {
    /// The action's `type` tag.
    pub fn kind(&self) -> String {
        serde_json::to_value(self)
            .ok()
            .and_then(|v| v.get("type").and_then(Value::as_str).map(String::from))
            .unwrap_or_default()
    }

    /// Prefect's rule: a `selected` source needs the object's id.
    pub fn check(&self) -> Result<(), String> {
        let missing = |source: Source, id: &Option<Uuid>, what: &str| {
            if source == Source::Selected && id.is_none() {
                Err(format!("{what} is required when source is 'selected'"))
            } else {
                Ok(())
            }
        };
        match self {
            Action::RunDeployment {
                source,
                deployment_id,
                ..
            } => missing(*source, deployment_id, "deployment_id"),
            Action::PauseDeployment(t) | Action::ResumeDeployment(t) => {
                missing(t.source, &t.id.id, "deployment_id")
            }
            Action::PauseWorkQueue(t) | Action::ResumeWorkQueue(t) => {
                missing(t.source, &t.id.id, "work_queue_id")
            }
            Action::PauseWorkPool(t) | Action::ResumeWorkPool(t) => {
                missing(t.source, &t.id.id, "work_pool_id")
            }
            Action::PauseAutomation(t) | Action::ResumeAutomation(t) => {
                missing(t.source, &t.id.id, "automation_id")
            }
            Action::ChangeFlowRunState { state, .. } => super::StateType::parse(state)
                .map(|_| ())
                .ok_or_else(|| format!("'{state}' is not a state type")),
            _ => Ok(()),
        }
    }
}
