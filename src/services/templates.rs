//! Jinja templates in automation actions (a run's parameters, a notification's subject and body, a
//! webhook's payload), rendered from the firing: the automation, the triggering event, its labels, and
//! the objects the event names (`flow_run`, `flow`, `deployment`, `work_pool`, `work_queue`), as
//! Prefect's server offers them.

use super::Services;
use crate::domain::automation::Automation;
use crate::domain::event::Event;
use crate::domain::{time, Doc};
use minijinja::Environment;
use serde_json::{json, Value};
use uuid::Uuid;

/// Whether a string holds template syntax (then it is rendered, as Prefect's "v1" templates are).
pub fn is_template(s: &str) -> bool {
    s.contains("{{") || s.contains("{%")
}

fn env() -> Environment<'static> {
    let mut env = Environment::new();
    env.set_auto_escape_callback(|_| minijinja::AutoEscape::None);
    env
}

/// Renders one template with `ctx`.
pub fn render(template: &str, ctx: &Value) -> Result<String, String> {
    env()
        .render_str(template, minijinja::value::Serde(ctx))
        .map_err(|e| format!("Template rendering failed: {e}"))
}

/// Checks a template's syntax: `(line, message)` of the first error.
pub fn validate(template: &str) -> Result<(), (usize, String)> {
    let env = env();
    match env.template_from_str(template) {
        Ok(_) => Ok(()),
        Err(e) => Err((
            e.line().unwrap_or(1),
            e.detail().unwrap_or("syntax error").to_string(),
        )),
    }
}

/// Renders every template inside a parameter document: strings with template syntax, and Prefect's
/// `{"__prefect_kind": "jinja", "template": …}` values.
pub fn render_parameters(params: &Doc, ctx: &Value) -> Result<Doc, String> {
    params
        .iter()
        .map(|(k, v)| Ok((k.clone(), render_value(v, ctx)?)))
        .collect()
}

fn render_value(v: &Value, ctx: &Value) -> Result<Value, String> {
    Ok(match v {
        Value::String(s) if is_template(s) => Value::String(render(s, ctx)?),
        Value::Object(o) => match o.get("__prefect_kind").and_then(Value::as_str) {
            Some("jinja") => {
                let t = o
                    .get("template")
                    .and_then(Value::as_str)
                    .unwrap_or_default();
                Value::String(render(t, ctx)?)
            }
            Some("json") => o
                .get("value")
                .and_then(Value::as_str)
                .and_then(|s| serde_json::from_str(s).ok())
                .unwrap_or(Value::Null),
            Some(_) => v.clone(),
            None => Value::Object(render_parameters(o, ctx)?),
        },
        Value::Array(items) => Value::Array(
            items
                .iter()
                .map(|i| render_value(i, ctx))
                .collect::<Result<_, _>>()?,
        ),
        other => other.clone(),
    })
}

/// A resource label map with `id` and `name` as well (Prefect's `Resource.id` and `.name`).
fn with_shortcuts(labels: &Value) -> Value {
    let mut m = labels.as_object().cloned().unwrap_or_default();
    for (short, long) in [
        ("id", "prefect.resource.id"),
        ("name", "prefect.resource.name"),
        ("role", "prefect.resource.role"),
    ] {
        if let Some(v) = m.get(long).cloned() {
            m.entry(short.to_string()).or_insert(v);
        }
    }
    Value::Object(m)
}

/// The first id of the kind (`prefect.flow-run`, `prefect.deployment`…) among the event's resource and
/// related resources.
pub fn id_of_kind(e: &Event, kind: &str) -> Option<Uuid> {
    let prefix = format!("{kind}.");
    std::iter::once(e.resource_id())
        .chain(
            e.related
                .iter()
                .filter_map(|r| r.get("prefect.resource.id").and_then(Value::as_str)),
        )
        .find_map(|id| id.strip_prefix(prefix.as_str()))
        .and_then(|rest| rest.parse().ok())
}

impl Services {
    /// What templates of one firing can use.
    pub async fn template_context(&self, a: Option<&Automation>, firing: &Value) -> Value {
        let event = firing
            .get("triggering_event")
            .and_then(|v| Event::from_json(v, self.clock.now()));
        let mut ctx = json!({
            "automation": a.map(Automation::to_json),
            "labels": firing.get("triggering_labels").cloned().unwrap_or(json!({})),
            "firing": firing,
        });
        let Some(e) = event else {
            return ctx;
        };
        let mut ev = e.to_json();
        ev["resource"] = with_shortcuts(&ev["resource"]);
        if let Some(items) = ev["related"].as_array_mut() {
            for r in items.iter_mut() {
                *r = with_shortcuts(r);
            }
        }
        ctx["event"] = ev;
        if let Some(id) = id_of_kind(&e, "prefect.flow-run") {
            if let Ok(run) = self.flow_run(id).await {
                ctx["flow_run"] = json!({
                    "id": run.id.to_string(),
                    "name": run.name,
                    "flow_id": run.flow_id.to_string(),
                    "deployment_id": run.deployment_id.map(|d| d.to_string()),
                    "parameters": run.parameters,
                    "tags": run.tags,
                    "run_count": run.run_count,
                    "work_queue_name": run.work_queue_name,
                    "work_pool_name": run.work_pool_name,
                    "start_time": run.start_time.map(time::format),
                    "end_time": run.end_time.map(time::format),
                    "expected_start_time": run.expected_start_time.map(time::format),
                    "state_type": run.state.as_ref().map(|s| s.kind.as_str()),
                    "state_name": run.state.as_ref().map(|s| s.name.clone()),
                    "state": run.state.as_ref().map(|s| json!({
                        "type": s.kind.as_str(),
                        "name": s.name,
                        "message": s.message,
                        "timestamp": time::format(s.timestamp),
                    })),
                });
            }
        }
        if let Some(id) = id_of_kind(&e, "prefect.flow") {
            if let Ok(f) = self.flow(id).await {
                ctx["flow"] = json!({"id": f.id.to_string(), "name": f.name, "tags": f.tags});
            }
        }
        if let Some(id) = id_of_kind(&e, "prefect.deployment") {
            if let Ok(d) = self.deployment(id).await {
                ctx["deployment"] = json!({
                    "id": d.id.to_string(), "name": d.name, "flow_id": d.flow_id.to_string(),
                    "paused": d.paused, "description": d.description, "version": d.version,
                });
            }
        }
        for (kind, key) in [
            ("prefect.work-pool", "work_pool"),
            ("prefect.work-queue", "work_queue"),
        ] {
            if let Some(id) = id_of_kind(&e, kind) {
                let name = std::iter::once(&e.resource)
                    .chain(e.related.iter())
                    .find(|r| {
                        r.get("prefect.resource.id").and_then(Value::as_str)
                            == Some(&format!("{kind}.{id}"))
                    })
                    .and_then(|r| r.get("prefect.resource.name").cloned());
                ctx[key] = json!({"id": id.to_string(), "name": name});
            }
        }
        ctx
    }
}
