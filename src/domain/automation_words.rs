//! Automations in words, for the CLI: "When prefect.flow-run.Failed happens 1 time within 10s…".

use super::automation::{Action, EventTrigger, Posture, Source, Trigger};
use serde_json::Value;

fn list(items: &[String], none: &str) -> String {
    if items.is_empty() {
        none.to_string()
    } else {
        items.join(" or ")
    }
}

fn seconds(s: f64) -> String {
    if s.fract() == 0.0 {
        format!("{}s", s as i64)
    } else {
        format!("{s}s")
    }
}

fn event_words(t: &EventTrigger) -> String {
    let what = list(&t.expect, "any event");
    let mut out = match t.posture {
        Posture::Reactive => {
            let times = if t.threshold == 1 {
                "1 time".to_string()
            } else {
                format!("{} times", t.threshold)
            };
            let window = if t.within > 0.0 {
                format!(" within {}", seconds(t.within))
            } else {
                String::new()
            };
            format!("When {what} happens {times}{window}")
        }
        Posture::Proactive => {
            let fewer = if t.threshold == 1 {
                "does not happen".to_string()
            } else {
                format!("happens fewer than {} times", t.threshold)
            };
            format!("When {what} {fewer} within {}", seconds(t.within))
        }
    };
    if !t.after.is_empty() {
        out.push_str(&format!(" after {}", list(&t.after, "")));
    }
    if let Some(Value::String(id)) = t.match_resource.get("prefect.resource.id") {
        out.push_str(&format!(" from {id}"));
    }
    if !t.for_each.is_empty() {
        out.push_str(&format!(", for each {}", t.for_each.join(", ")));
    }
    out
}

/// The trigger in one sentence.
pub fn trigger(t: &Trigger) -> String {
    match t {
        Trigger::Event(e) => event_words(e),
        Trigger::Compound(c) => {
            let need = match &c.require {
                Value::String(s) => s.clone(),
                other => other.to_string(),
            };
            let parts: Vec<String> = c.triggers.iter().map(trigger).collect();
            format!("{need} of: {}", parts.join("; "))
        }
        Trigger::Sequence(s) => {
            let parts: Vec<String> = s.triggers.iter().map(trigger).collect();
            format!("in order: {}", parts.join("; then "))
        }
    }
}

fn target(source: Source, id: Option<uuid::Uuid>, what: &str) -> String {
    match (source, id) {
        (Source::Selected, Some(id)) => format!("{what} {id}"),
        _ => format!("the {what} of the event"),
    }
}

/// An action in a few words.
pub fn action(a: &Action) -> String {
    match a {
        Action::DoNothing {} => "Do nothing".into(),
        Action::RunDeployment {
            source,
            deployment_id,
            ..
        } => {
            format!("Run {}", target(*source, *deployment_id, "deployment"))
        }
        Action::PauseDeployment(t) => format!("Pause {}", target(t.source, t.id.id, "deployment")),
        Action::ResumeDeployment(t) => {
            format!("Resume {}", target(t.source, t.id.id, "deployment"))
        }
        Action::CancelFlowRun {} => "Cancel the flow run".into(),
        Action::SuspendFlowRun {} => "Suspend the flow run".into(),
        Action::ResumeFlowRun {} => "Resume the flow run".into(),
        Action::DeleteFlowRun {} => "Delete the flow run".into(),
        Action::ChangeFlowRunState { state, .. } => {
            format!("Change the flow run's state to {state}")
        }
        Action::PauseWorkQueue(t) => format!("Pause {}", target(t.source, t.id.id, "work queue")),
        Action::ResumeWorkQueue(t) => format!("Resume {}", target(t.source, t.id.id, "work queue")),
        Action::PauseWorkPool(t) => format!("Pause {}", target(t.source, t.id.id, "work pool")),
        Action::ResumeWorkPool(t) => format!("Resume {}", target(t.source, t.id.id, "work pool")),
        Action::PauseAutomation(t) => format!("Pause {}", target(t.source, t.id.id, "automation")),
        Action::ResumeAutomation(t) => {
            format!("Resume {}", target(t.source, t.id.id, "automation"))
        }
        Action::SendNotification {
            block_document_id, ..
        } => {
            format!("Send a notification through block {block_document_id}")
        }
        Action::CallWebhook {
            block_document_id, ..
        } => format!("Call the webhook of block {block_document_id}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn triggers_read_as_sentences() {
        let t: Trigger = serde_json::from_value(serde_json::json!({
            "type": "event", "expect": ["prefect.flow-run.Completed"], "after": ["prefect.flow-run.Running"],
            "for_each": ["prefect.resource.id"], "posture": "Proactive", "within": 10
        }))
        .unwrap();
        assert_eq!(
            trigger(&t),
            "When prefect.flow-run.Completed does not happen within 10s after prefect.flow-run.Running, \
             for each prefect.resource.id"
        );
        let r: Trigger = serde_json::from_value(serde_json::json!({
            "type": "event", "expect": ["sensor.reading"], "posture": "Reactive", "threshold": 3,
            "within": 10, "match": {"prefect.resource.id": "sensor.7"}
        }))
        .unwrap();
        assert_eq!(
            trigger(&r),
            "When sensor.reading happens 3 times within 10s from sensor.7"
        );
    }
}
