//! Running the actions of a firing, each at most once: a queued action is marked running before it
//! runs and forgotten after; its outcome is an event pair (`prefect.automation.action.triggered`, then
//! `…executed` or `…failed` with the reason). An action found running at start belonged to a server that
//! stopped mid-action: it is reported failed rather than run twice.

use super::deployments::DeploymentRunRequest;
use super::notifications::Delivery;
use super::templates::{id_of_kind, render, render_parameters};
use super::Services;
use crate::domain::automation::{Action, Automation, Source, Trigger};
use crate::domain::event::{resource, Event};
use crate::domain::flow_run::ProposedState;
use crate::domain::{Decision, Doc, StateType};
use crate::store::automation_state::{self as state, QueuedAction};
use crate::store::events;
use serde_json::{json, Value};
use std::sync::Arc;
use uuid::Uuid;

/// What an action achieved: related resources and details for its events, or why it failed.
type Outcome = Result<(Vec<Doc>, Doc), String>;

fn done(related: Vec<Doc>) -> Outcome {
    Ok((related, Doc::new()))
}

fn answered(related: Vec<Doc>) -> Outcome {
    let mut details = Doc::new();
    details.insert("status_code".into(), json!(201));
    Ok((related, details))
}

/// The block an action sent through, and what its receiver answered (Prefect's details).
fn delivered(d: Delivery, id: Uuid, answer: bool) -> Outcome {
    let mut block = resource(
        format!("prefect.block-document.{id}"),
        &[("prefect.resource.role", Value::from("block"))],
    );
    block.insert("prefect.resource.name".into(), Value::from(d.block_name));
    let kind = resource(
        format!("prefect.block-type.{}", d.block_type),
        &[("prefect.resource.role", Value::from("block-type"))],
    );
    let mut details = Doc::new();
    if answer {
        details.insert("status_code".into(), json!(d.status_code));
        details.insert("response_body".into(), json!(d.response_body));
        details.insert("response_headers".into(), Value::Object(d.response_headers));
    }
    Ok((vec![block, kind], details))
}

fn related(kind: &str, id: Uuid, role: &str) -> Doc {
    resource(
        format!("prefect.{kind}.{id}"),
        &[("prefect.resource.role", Value::from(role))],
    )
}

impl Services {
    /// At start: actions left running by a stopped server are reported failed.
    pub async fn recover_actions(&self) {
        let Ok(queued) = self.store.read(state::queued_actions).await else {
            return;
        };
        for q in queued.into_iter().filter(|q| q.status == "running") {
            let a = self.automation(q.automation_id).await.ok();
            let reason =
                "the server stopped while this action ran; it is not run again".to_string();
            self.finish(a.as_ref(), &q, Err(reason)).await;
        }
    }

    /// Starts every pending action (each in its own task).
    pub fn run_queued_actions(self: &Arc<Self>) {
        let s = Arc::clone(self);
        tokio::spawn(async move {
            let Ok(queued) = s.store.read(state::queued_actions).await else {
                return;
            };
            for q in queued.into_iter().filter(|q| q.status == "pending") {
                let id = q.id;
                if !matches!(
                    s.store.write(move |tx| state::start_action(tx, id)).await,
                    Ok(true)
                ) {
                    continue;
                }
                let s = Arc::clone(&s);
                tokio::spawn(async move {
                    let a = s.automation(q.automation_id).await.ok();
                    let outcome = match serde_json::from_value::<Action>(q.action.clone()) {
                        Ok(action) => s.perform(a.as_ref(), &action, &q.firing, q.id).await,
                        Err(e) => Err(format!("the action could not be read: {e}")),
                    };
                    s.finish(a.as_ref(), &q, outcome).await;
                });
            }
        });
    }

    async fn finish(&self, a: Option<&Automation>, q: &QueuedAction, outcome: Outcome) {
        let now = self.clock.now();
        let mut res = resource(
            format!("prefect.automation.{}", q.automation_id),
            &[(
                "prefect.resource.name",
                Value::from(a.map(|a| a.name.clone()).unwrap_or_default()),
            )],
        );
        if let Some(a) = a {
            res.insert("prefect.trigger-type".into(), Value::from(a.trigger.kind()));
            if let Trigger::Event(t) = &a.trigger {
                res.insert("prefect.posture".into(), json!(t.posture));
            }
        }
        let firing = &q.firing;
        let triggering = firing
            .get("triggering_event")
            .and_then(|v| Event::from_json(v, now));
        let (mut rel, extra) = outcome.as_ref().cloned().unwrap_or_default();
        if let Some(id) = firing
            .get("automation_triggered_event_id")
            .and_then(Value::as_str)
        {
            rel.push(resource(
                format!("prefect.event.{id}"),
                &[(
                    "prefect.resource.role",
                    Value::from("automation-triggered-event"),
                )],
            ));
        }
        if let Some(e) = &triggering {
            rel.push(resource(
                format!("prefect.event.{}", e.id),
                &[("prefect.resource.role", Value::from("triggering-event"))],
            ));
        }
        let kind = q.action.get("type").cloned().unwrap_or(Value::Null);
        let mut details = Doc::new();
        details.insert("action_index".into(), json!(q.action_index));
        details.insert("action_type".into(), kind);
        details.insert("invocation".into(), json!(q.id.to_string()));
        let first = Event {
            id: Uuid::now_v7(),
            occurred: now,
            event: "prefect.automation.action.triggered".into(),
            resource: res.clone(),
            related: rel.clone(),
            payload: details.clone(),
            follows: triggering.as_ref().map(|e| e.id),
            received: now,
        };
        let (name, payload) = match &outcome {
            Ok(_) => {
                let mut p = details;
                p.extend(extra);
                ("executed", p)
            }
            Err(reason) => {
                tracing::warn!(automation = %q.automation_id, %reason, "an automation action failed");
                let mut p = details;
                p.insert("reason".into(), json!(reason));
                ("failed", p)
            }
        };
        let second = Event {
            id: Uuid::now_v7(),
            occurred: now,
            event: format!("prefect.automation.action.{name}"),
            resource: res,
            related: rel,
            payload,
            follows: Some(first.id),
            received: now,
        };
        let id = q.id;
        let evs = vec![first, second];
        let stored = evs.clone();
        let written = self
            .store
            .write(move |tx| {
                state::finish_action(tx, id)?;
                for e in &stored {
                    events::insert(tx, e)?;
                }
                Ok(())
            })
            .await;
        if let Err(e) = written {
            tracing::warn!(error = %e, "could not record an automation action's outcome");
        }
        self.bus.publish(evs);
    }

    /// Runs one action of a firing.
    async fn perform(
        &self,
        a: Option<&Automation>,
        action: &Action,
        firing: &Value,
        invocation: Uuid,
    ) -> Outcome {
        let event = firing
            .get("triggering_event")
            .and_then(|v| Event::from_json(v, self.clock.now()));
        let inferred = |kind: &str| -> Result<Uuid, String> {
            event
                .as_ref()
                .and_then(|e| id_of_kind(e, kind))
                .ok_or_else(|| format!("the triggering event names no {kind} to act on"))
        };
        let pick = |source: Source, id: Option<Uuid>, kind: &str| match source {
            Source::Selected => id.ok_or_else(|| format!("no {kind} was selected")),
            Source::Inferred => inferred(kind),
        };
        let fail = |e: super::ServiceError| e.to_string();
        match action {
            Action::DoNothing {} => done(Vec::new()),
            Action::RunDeployment {
                source,
                deployment_id,
                parameters,
                job_variables,
                schedule_after,
            } => {
                let id = pick(*source, *deployment_id, "prefect.deployment")?;
                let ctx = self.template_context(a, firing).await;
                let params = match parameters {
                    Some(p) => render_parameters(p, &ctx)?,
                    None => Doc::new(),
                };
                let mut proposed = ProposedState::of(StateType::Scheduled);
                proposed.details.scheduled_time = Some(
                    self.clock.now()
                        + chrono::Duration::milliseconds((schedule_after * 1000.0) as i64),
                );
                let req = DeploymentRunRequest {
                    state: Some(proposed),
                    parameters: params,
                    job_variables: job_variables.clone().unwrap_or_default(),
                    idempotency_key: Some(format!("automation-action-{invocation}")),
                    tags: Vec::new(),
                    ..Default::default()
                };
                let (run, _) = self.create_deployment_run(id, req).await.map_err(fail)?;
                let mut made = related("flow-run", run.id, "flow-run");
                made.insert("prefect.resource.name".into(), Value::from(run.name));
                answered(vec![related("deployment", id, "target"), made])
            }
            Action::PauseDeployment(t) | Action::ResumeDeployment(t) => {
                let id = pick(t.source, t.id.id, "prefect.deployment")?;
                let pause = matches!(action, Action::PauseDeployment(_));
                self.set_deployment_paused(id, pause).await.map_err(fail)?;
                done(vec![related("deployment", id, "target")])
            }
            Action::PauseWorkQueue(t) | Action::ResumeWorkQueue(t) => {
                let id = pick(t.source, t.id.id, "prefect.work-queue")?;
                let patch = super::work_queues::QueuePatch {
                    is_paused: Some(matches!(action, Action::PauseWorkQueue(_))),
                    ..Default::default()
                };
                self.update_queue_by_id(id, patch).await.map_err(fail)?;
                done(vec![related("work-queue", id, "target")])
            }
            Action::PauseWorkPool(t) | Action::ResumeWorkPool(t) => {
                let id = pick(t.source, t.id.id, "prefect.work-pool")?;
                let name = self.pool_name(id).await.map_err(fail)?;
                let patch = super::work_pools::PoolPatch {
                    is_paused: Some(matches!(action, Action::PauseWorkPool(_))),
                    ..Default::default()
                };
                self.update_pool(name, patch).await.map_err(fail)?;
                done(vec![related("work-pool", id, "target")])
            }
            Action::PauseAutomation(t) | Action::ResumeAutomation(t) => {
                let id = match t.source {
                    Source::Selected => t.id.id.ok_or("no automation was selected")?,
                    Source::Inferred => a.map(|a| a.id).ok_or("the automation is gone")?,
                };
                let enable = matches!(action, Action::ResumeAutomation(_));
                self.set_automation_enabled(id, enable)
                    .await
                    .map_err(fail)?;
                done(vec![related("automation", id, "target")])
            }
            Action::CancelFlowRun {}
            | Action::SuspendFlowRun {}
            | Action::ResumeFlowRun {}
            | Action::ChangeFlowRunState { .. } => {
                let id = inferred("prefect.flow-run")?;
                let (proposed, force) = self.flow_run_proposal(a, action, id).await?;
                let outcome = self
                    .set_flow_run_state(id, proposed, force)
                    .await
                    .map_err(fail)?;
                match outcome.decision {
                    Decision::Accept(_) => answered(vec![related("flow-run", id, "target")]),
                    Decision::Reject { reason, .. }
                    | Decision::Wait { reason, .. }
                    | Decision::Abort { reason } => {
                        Err(format!("the flow run's state was not changed: {reason}"))
                    }
                }
            }
            Action::DeleteFlowRun {} => {
                let id = inferred("prefect.flow-run")?;
                self.delete_flow_run(id).await.map_err(fail)?;
                done(vec![related("flow-run", id, "target")])
            }
            Action::SendNotification {
                block_document_id,
                subject,
                body,
            } => {
                let ctx = self.template_context(a, firing).await;
                let (subject, body) = (render(subject, &ctx)?, render(body, &ctx)?);
                let d = self
                    .notify_through(*block_document_id, &subject, &body)
                    .await?;
                delivered(d, *block_document_id, false)
            }
            Action::CallWebhook {
                block_document_id,
                payload,
            } => {
                let ctx = self.template_context(a, firing).await;
                let payload = render(payload, &ctx)?;
                let d = self.call_webhook(*block_document_id, &payload).await?;
                delivered(d, *block_document_id, true)
            }
        }
    }
}
