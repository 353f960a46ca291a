//! What the flow-run and pool actions of an automation work on: the state a flow-run action proposes
//! (with Prefect's messages), and a pool's name from its id.

use super::Services;
use crate::domain::automation::{Action, Automation};
use crate::domain::flow_run::ProposedState;
use crate::domain::StateType;
use uuid::Uuid;

impl Services {
    /// The state a flow-run action proposes, with Prefect's messages, and whether it is forced.
    pub(super) async fn flow_run_proposal(
        &self,
        a: Option<&Automation>,
        action: &Action,
        run: Uuid,
    ) -> Result<(ProposedState, bool), String> {
        let by = a.map(|a| a.id.to_string()).unwrap_or_default();
        Ok(match action {
            Action::CancelFlowRun {} => {
                let mut p = ProposedState::of(StateType::Cancelling);
                p.message = Some(format!("Cancelled by Automation {by}"));
                (p, false)
            }
            Action::SuspendFlowRun {} => {
                let mut p = ProposedState::of(StateType::Paused);
                p.name = Some("Suspended".into());
                p.message = Some(format!("Suspended by Automation {by}"));
                p.details.pause_reschedule = true;
                (p, false)
            }
            Action::ResumeFlowRun {} => {
                // A suspended run starts again in a new process; a paused one goes on in its own.
                let current = self.flow_run(run).await.map_err(|e| e.to_string())?;
                if current.state_type() != Some(StateType::Paused) {
                    return Err("Failed to resume flow run: the flow run is not paused".into());
                }
                let again = current
                    .state
                    .as_ref()
                    .is_some_and(|st| st.details.pause_reschedule);
                let mut p = ProposedState::of(if again {
                    StateType::Scheduled
                } else {
                    StateType::Running
                });
                p.name = Some(if again { "Resuming" } else { "Running" }.into());
                (p, false)
            }
            Action::ChangeFlowRunState {
                name,
                state,
                message,
                force,
            } => {
                let kind = StateType::parse(state)
                    .ok_or_else(|| format!("'{state}' is not a state type"))?;
                let mut p = ProposedState::of(kind);
                p.name = name.clone();
                p.message = Some(
                    message
                        .clone()
                        .unwrap_or_else(|| format!("State changed by Automation {by}")),
                );
                (p, *force)
            }
            other => {
                return Err(format!(
                    "{} does not change a flow run's state",
                    other.kind()
                ))
            }
        })
    }

    /// A pool's name from its id.
    pub(super) async fn pool_name(&self, id: Uuid) -> super::Result<String> {
        self.store
            .read(move |tx| crate::store::work_pools::pool(tx, id))
            .await?
            .map(|p| p.name)
            .ok_or_else(|| super::ServiceError::NotFound(format!("Work pool {id} not found")))
    }
}
