//! How deployments look: the `deployment ls` table and the `deployment inspect` view.

use super::client::Client;
use super::deployment::full_names;
use super::params::describe_schedule;
use crate::output::{short_time, Out, Paint};
use crate::wire::deployments::Deployment;
use serde_json::Value;

/// Prints every deployment as a table (or JSON).
pub async fn ls(client: &Client, out: Out) -> anyhow::Result<()> {
    let ds = client.deployments().await?;
    if out.json() {
        return out.print_json(&ds);
    }
    if ds.is_empty() {
        println!("No deployments yet; create one with `baton deploy`.");
        return Ok(());
    }
    let names = full_names(client, &ds).await?;
    let mut rows: Vec<(String, &Deployment)> = ds
        .iter()
        .map(|d| (names.get(&d.id).cloned().unwrap_or_default(), d))
        .collect();
    rows.sort_by(|a, b| a.0.cmp(&b.0));
    let mut t = out.table(&["NAME", "SCHEDULE", "WORK POOL", "STATUS", "TAGS"]);
    for (name, d) in rows {
        let schedule = match d.schedules.as_slice() {
            [] => "-".to_string(),
            ss => ss
                .iter()
                .map(|s| {
                    let mut t = describe_schedule(&s.schedule);
                    if !s.active {
                        t.push_str(" (inactive)");
                    }
                    t
                })
                .collect::<Vec<_>>()
                .join("\n"),
        };
        let (status, paint) = if d.paused {
            ("paused", Paint::Yellow)
        } else if d.status == "READY" {
            ("ready", Paint::Green)
        } else {
            ("not ready", Paint::Grey)
        };
        t.add_row(vec![
            out.cell(&name, Some(Paint::Bold)),
            out.cell(&schedule, None),
            out.cell(d.work_pool_name.as_deref().unwrap_or("-"), None),
            out.cell(status, Some(paint)),
            out.cell(&d.tags.join(", "), None),
        ]);
    }
    println!("{t}");
    Ok(())
}

/// A parameter's JSON Schema type for people: `integer`, `string | null`, `array of string`.
fn type_text(p: &Value) -> String {
    if let Some(options) = p.get("anyOf").and_then(Value::as_array) {
        return options
            .iter()
            .map(type_text)
            .collect::<Vec<_>>()
            .join(" | ");
    }
    match p.get("type").and_then(Value::as_str) {
        Some("array") => match p.get("items").filter(|i| i.get("type").is_some()) {
            Some(items) => format!("array of {}", type_text(items)),
            None => "array".into(),
        },
        Some(t) => t.to_string(),
        None if p.get("enum").is_some() => format!("one of {}", p["enum"]),
        None => "any".into(),
    }
}

/// Prints one deployment for people.
pub fn inspect(out: Out, d: &Deployment, full: &str, catchup: Option<&str>) {
    out.heading(&format!("Deployment '{full}'"));
    let runs = match (&d.entrypoint, d.job_variables.get("command")) {
        (_, Some(Value::String(c))) => format!("command {c:?}"),
        (Some(e), _) => e.clone(),
        _ => "-".into(),
    };
    let opt = |v: &Option<String>| v.clone().unwrap_or_else(|| "-".into());
    let mut rows = vec![
        ("id", d.id.clone()),
        (
            "status",
            if d.paused {
                "paused".into()
            } else {
                d.status.to_lowercase()
            },
        ),
        ("runs", runs),
        ("path", opt(&d.path)),
        ("work pool", opt(&d.work_pool_name)),
        ("work queue", opt(&d.work_queue_name)),
        ("description", opt(&d.description)),
        ("version", opt(&d.version)),
        (
            "tags",
            if d.tags.is_empty() {
                "-".into()
            } else {
                d.tags.join(", ")
            },
        ),
        (
            "parameters",
            Value::Object(d.parameters.clone()).to_string(),
        ),
        (
            "concurrency",
            d.concurrency_limit.map_or("-".into(), |c| c.to_string()),
        ),
        ("catchup", catchup.unwrap_or("-").to_string()),
        ("created", short_time(d.created.as_deref())),
        ("updated", short_time(d.updated.as_deref())),
    ];
    let jv: serde_json::Map<String, Value> = d
        .job_variables
        .iter()
        .filter(|(k, _)| k.as_str() != "command")
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    if !jv.is_empty() {
        rows.push(("job variables", Value::Object(jv).to_string()));
    }
    for s in &d.schedules {
        let state = if s.active { "active" } else { "inactive" };
        rows.push((
            "schedule",
            format!("{} ({state}; id {})", describe_schedule(&s.schedule), s.id),
        ));
    }
    if let Some(props) = d
        .parameter_openapi_schema
        .as_ref()
        .and_then(|s| s.get("properties"))
        .and_then(Value::as_object)
    {
        let required: Vec<&str> = d
            .parameter_openapi_schema
            .as_ref()
            .and_then(|s| s.get("required"))
            .and_then(Value::as_array)
            .map(|r| r.iter().filter_map(Value::as_str).collect())
            .unwrap_or_default();
        for (k, p) in props {
            let ty = type_text(p);
            let extra = match (required.contains(&k.as_str()), p.get("default")) {
                (true, _) => " (required)".to_string(),
                (false, Some(d)) => format!(" = {d}"),
                _ => String::new(),
            };
            rows.push(("parameter", format!("{k}: {ty}{extra}")));
        }
    }
    out.fields(&rows);
}
