//! Flow run inputs and resuming a paused run: store, read, filter and delete the keyed values sent to a
//! run, and resume it, checking the answer a run that waits for input asked for against the schema it
//! stored (Prefect's `/flow_runs/{id}/resume` and `/flow_runs/{id}/input…`).

use super::orchestration::{transition, SetStateOutcome};
use super::{Result, ServiceError, Services};
use crate::domain::flow_run::ProposedState;
use crate::domain::run_input::{self, RunInput};
use crate::domain::{Decision, StateType};
use crate::store::{flow_runs, run_inputs, StoreError};
use serde_json::Value;
use uuid::Uuid;

/// Prefect's answer when a run to resume is not paused.
const NOT_PAUSED: &str = "Cannot resume a flow run that is not paused.";

impl Services {
    /// Stores a value sent to a run under `key` (409 when the key is taken, 404 without the run).
    pub async fn create_run_input(
        &self,
        flow_run_id: Uuid,
        key: String,
        value: String,
        sender: Option<String>,
    ) -> Result<()> {
        run_input::check_key(&key).map_err(ServiceError::Invalid)?;
        let now = self.clock.now();
        let input = RunInput {
            id: Uuid::now_v7(),
            created: now,
            updated: now,
            flow_run_id,
            key,
            value,
            sender,
        };
        self.store
            .write(move |tx| {
                if flow_runs::get(tx, flow_run_id)?.is_none() {
                    return Err(StoreError::NotFound("flow run"));
                }
                run_inputs::insert(tx, &input)
            })
            .await
            .map_err(|e| match e {
                StoreError::NotFound(_) => ServiceError::NotFound("Flow run not found".into()),
                other => other.into(),
            })
    }

    /// The value sent to a run under `key`.
    pub async fn run_input(&self, flow_run_id: Uuid, key: String) -> Result<RunInput> {
        self.store
            .read(move |tx| run_inputs::get(tx, flow_run_id, &key))
            .await?
            .ok_or_else(input_not_found)
    }

    /// Up to `limit` values sent to a run whose keys start with `prefix`, skipping `exclude`, oldest first.
    pub async fn run_inputs(
        &self,
        flow_run_id: Uuid,
        prefix: String,
        exclude: Vec<String>,
        limit: usize,
    ) -> Result<Vec<RunInput>> {
        Ok(self
            .store
            .read(move |tx| run_inputs::filter(tx, flow_run_id, &prefix, &exclude, limit))
            .await?)
    }

    /// Deletes the value sent to a run under `key`.
    pub async fn delete_run_input(&self, flow_run_id: Uuid, key: String) -> Result<()> {
        let deleted = self
            .store
            .write(move |tx| run_inputs::delete(tx, flow_run_id, &key))
            .await?;
        if deleted {
            Ok(())
        } else {
            Err(input_not_found())
        }
    }

    /// Resumes a paused run: RUNNING for a blocking pause (its process goes on), SCHEDULED "Resuming" for
    /// a suspended one (a worker starts it again). A run waiting for input must get an answer that meets
    /// the schema it stored; the answer is kept under the run's response key once the run resumes.
    pub async fn resume_flow_run(
        &self,
        id: Uuid,
        answer: Option<Value>,
    ) -> Result<SetStateOutcome> {
        let now = self.clock.now();
        let (outcome, events) = self
            .store
            .write(move |tx| {
                let run = flow_runs::get(tx, id)?.ok_or(StoreError::NotFound("flow run"))?;
                let Some(state) = run.state.clone().filter(|s| s.kind == StateType::Paused) else {
                    let decision = Decision::Abort {
                        reason: NOT_PAUSED.into(),
                    };
                    let outcome = SetStateOutcome {
                        decision,
                        state: None,
                        pool: None,
                    };
                    return Ok((outcome, Vec::new()));
                };
                let keyset = state.details.run_input_keyset.clone().unwrap_or_default();
                let answer = answer.filter(|v| !v.is_null()).unwrap_or(Value::Null);
                if !keyset.is_empty() {
                    let checked = answer_or_empty(&answer);
                    let schema = match keyset.get("schema") {
                        Some(k) => run_inputs::get(tx, id, k)?.map(|i| i.value),
                        None => None,
                    };
                    if let Err(reason) = run_input::check_answer(schema.as_deref(), &checked) {
                        let decision = Decision::Reject {
                            state: None,
                            reason,
                        };
                        let outcome = SetStateOutcome {
                            decision,
                            state: Some(state),
                            pool: None,
                        };
                        return Ok((outcome, Vec::new()));
                    }
                }
                let proposal = if state.details.pause_reschedule {
                    let mut p = ProposedState::of(StateType::Scheduled);
                    p.name = Some("Resuming".into());
                    p.details.scheduled_time = Some(now);
                    p
                } else {
                    ProposedState::of(StateType::Running)
                };
                let (outcome, events) = transition(tx, run, proposal, false, now)?;
                let accepted = matches!(outcome.decision, Decision::Accept(_));
                let given = answer.as_object().is_some_and(|o| !o.is_empty());
                if let (true, true, Some(key)) = (accepted, given, keyset.get("response")) {
                    run_inputs::delete(tx, id, key)?;
                    run_inputs::insert(
                        tx,
                        &RunInput {
                            id: Uuid::now_v7(),
                            created: now,
                            updated: now,
                            flow_run_id: id,
                            key: key.clone(),
                            value: answer.to_string(),
                            sender: None,
                        },
                    )?;
                }
                Ok((outcome, events))
            })
            .await
            .map_err(|e| match e {
                StoreError::NotFound(_) => {
                    ServiceError::NotFound(format!("Flow run {id} not found"))
                }
                other => other.into(),
            })?;
        Ok(self.after_transition(outcome, events))
    }
}

/// The answer as checked: none is an empty object, as Prefect takes it.
fn answer_or_empty(answer: &Value) -> Value {
    match answer {
        Value::Null => Value::Object(Default::default()),
        other => other.clone(),
    }
}

fn input_not_found() -> ServiceError {
    ServiceError::NotFound("Flow run input not found".into())
}
