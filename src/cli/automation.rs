//! `baton automation ls | inspect | pause | resume | delete`, and `baton event ls [--follow]`.

use super::client::{seg, Client};
use crate::domain::automation::{Action, Trigger};
use crate::domain::automation_words;
use crate::output::{short_time, Out, Paint};
use crate::wire::automations::{Automation, EventPage};
use serde_json::{json, Value};
use std::time::Duration;

/// `baton automation …`.
#[derive(clap::Subcommand, Debug)]
pub enum AutomationCmd {
    /// List automations.
    Ls,
    /// Show one automation (by name or id): its trigger and actions in words, and what it did lately.
    Inspect { automation: String },
    /// Disable an automation (it stops counting events).
    Pause { automation: String },
    /// Enable an automation.
    Resume { automation: String },
    /// Delete an automation.
    Delete { automation: String },
}

/// `baton event …`.
#[derive(clap::Subcommand, Debug)]
pub enum EventCmd {
    /// The latest events, oldest first (newest last).
    Ls {
        /// Only events whose name starts with this (repeatable).
        #[arg(long = "name")]
        names: Vec<String>,
        /// Only events about a resource whose id starts with this (e.g. prefect.flow-run.<id>).
        #[arg(long)]
        resource: Option<String>,
        /// How many (at most 50).
        #[arg(long, default_value_t = 20)]
        limit: u32,
        /// Keep printing new events as they arrive (Ctrl-C stops).
        #[arg(long)]
        follow: bool,
    },
}

fn words(a: &Automation) -> (String, String) {
    let trigger = serde_json::from_value::<Trigger>(a.trigger.clone())
        .map(|t| automation_words::trigger(&t))
        .unwrap_or_else(|_| a.trigger.to_string());
    let actions: Vec<String> = a
        .actions
        .iter()
        .chain(&a.actions_on_trigger)
        .map(|v| {
            serde_json::from_value::<Action>(v.clone())
                .map(|x| automation_words::action(&x))
                .unwrap_or_else(|_| v.to_string())
        })
        .collect();
    (trigger, actions.join("; "))
}

/// The automation named (or with the id) `which`.
async fn find(client: &Client, which: &str) -> anyhow::Result<Automation> {
    if which.parse::<uuid::Uuid>().is_ok() {
        return Ok(client.get(&format!("/automations/{}", seg(which))).await?);
    }
    let found: Vec<Automation> = client
        .post(
            "/automations/filter",
            &json!({"automations": {"name": {"any_": [which]}}}),
        )
        .await?;
    match found.len() {
        0 => Err(super::usage(format!(
            "no automation is named '{which}' (see `baton automation ls`)"
        ))),
        1 => Ok(found.into_iter().next().expect("one")),
        n => Err(super::usage(format!(
            "{n} automations are named '{which}'; name one by id: {}",
            found
                .iter()
                .map(|a| a.id.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        ))),
    }
}

/// Runs `baton automation …`.
pub async fn run(client: &Client, out: Out, cmd: AutomationCmd) -> anyhow::Result<()> {
    match cmd {
        AutomationCmd::Ls => {
            let all: Vec<Automation> = client.post("/automations/filter", &json!({})).await?;
            if out.json() {
                return out.print_json(&all);
            }
            if all.is_empty() {
                println!("No automations yet (create them with the Prefect SDK, or `triggers:` in prefect.yaml).");
                return Ok(());
            }
            let mut t = out.table(&["NAME", "ENABLED", "TRIGGER", "ACTIONS", "ID"]);
            for a in &all {
                let (trigger, actions) = words(a);
                let enabled = if a.enabled {
                    out.paint("yes", Paint::Green)
                } else {
                    out.paint("no", Paint::Grey)
                };
                t.add_row(vec![
                    out.cell(&a.name, Some(Paint::Bold)),
                    out.cell(&enabled, None),
                    out.cell(&trigger, None),
                    out.cell(&actions, None),
                    out.cell(&a.id, Some(Paint::Grey)),
                ]);
            }
            println!("{t}");
            Ok(())
        }
        AutomationCmd::Inspect { automation } => inspect(client, out, &automation).await,
        AutomationCmd::Pause { automation } => enable(client, out, &automation, false).await,
        AutomationCmd::Resume { automation } => enable(client, out, &automation, true).await,
        AutomationCmd::Delete { automation } => {
            let a = find(client, &automation).await?;
            client.delete(&format!("/automations/{}", a.id)).await?;
            if out.json() {
                return out.print_json(&json!({"deleted": a.id}));
            }
            println!("Deleted automation '{}'.", a.name);
            Ok(())
        }
    }
}

async fn enable(client: &Client, out: Out, which: &str, on: bool) -> anyhow::Result<()> {
    let a = find(client, which).await?;
    client
        .patch(&format!("/automations/{}", a.id), &json!({"enabled": on}))
        .await?;
    if out.json() {
        return out.print_json(&json!({"id": a.id, "enabled": on}));
    }
    let verb = if on { "Resumed" } else { "Paused" };
    println!("{verb} automation '{}'.", a.name);
    Ok(())
}

async fn inspect(client: &Client, out: Out, which: &str) -> anyhow::Result<()> {
    let a = find(client, which).await?;
    let filter = json!({"filter": {"resource": {"id": [format!("prefect.automation.{}", a.id)]},
                                   "event": {"prefix": ["prefect.automation.action.executed",
                                                        "prefect.automation.action.failed",
                                                        "prefect.automation.triggered"]}},
                        "limit": 10});
    let recent: EventPage = client.post("/events/filter", &filter).await?;
    if out.json() {
        return out.print_json(&json!({"automation": a, "recent": recent.events}));
    }
    let (trigger, actions) = words(&a);
    out.heading(&a.name);
    out.fields(&[
        ("id", a.id.clone()),
        ("enabled", a.enabled.to_string()),
        ("description", a.description.clone()),
        ("trigger", trigger),
        ("actions", actions),
        ("owner", a.owner_resource.clone().unwrap_or_default()),
        ("updated", short_time(Some(&a.updated))),
    ]);
    if recent.events.is_empty() {
        println!("\nNot fired yet.");
        return Ok(());
    }
    println!("\nRecently:");
    for e in &recent.events {
        let name = e["event"]
            .as_str()
            .unwrap_or_default()
            .trim_start_matches("prefect.automation.");
        let reason = e["payload"]["reason"]
            .as_str()
            .map(|r| format!(": {r}"))
            .unwrap_or_default();
        let kind = e["payload"]["action_type"]
            .as_str()
            .map(|k| format!(" ({k})"))
            .unwrap_or_default();
        println!(
            "  {}  {name}{kind}{reason}",
            short_time(e["occurred"].as_str())
        );
    }
    Ok(())
}

fn print_event(out: Out, e: &Value) {
    let res = &e["resource"];
    let name = res["prefect.resource.name"]
        .as_str()
        .or(res["prefect.resource.id"].as_str())
        .unwrap_or_default();
    println!(
        "{}  {}  {}",
        out.paint(e["occurred"].as_str().unwrap_or_default(), Paint::Grey),
        out.paint(e["event"].as_str().unwrap_or_default(), Paint::Bold),
        name
    );
}

/// Runs `baton event …`.
pub async fn run_events(client: &Client, out: Out, cmd: EventCmd) -> anyhow::Result<()> {
    let EventCmd::Ls {
        names,
        resource,
        limit,
        follow,
    } = cmd;
    let mut filter = json!({"order": "DESC"});
    if !names.is_empty() {
        filter["event"] = json!({"prefix": names});
    }
    if let Some(r) = &resource {
        filter["any_resource"] = json!({"id_prefix": [r]});
    }
    let page: EventPage = client
        .post(
            "/events/filter",
            &json!({"filter": filter, "limit": limit.clamp(1, 50)}),
        )
        .await?;
    let mut shown: Vec<Value> = page.events.into_iter().rev().collect();
    if out.json() && !follow {
        return out.print_json(&shown);
    }
    for e in &shown {
        if out.json() {
            println!("{e}");
        } else {
            print_event(out, e);
        }
    }
    if !follow {
        return Ok(());
    }
    let mut seen: std::collections::HashSet<String> = shown
        .iter()
        .filter_map(|e| e["id"].as_str().map(String::from))
        .collect();
    let mut since = shown
        .last()
        .and_then(|e| e["occurred"].as_str().map(String::from));
    loop {
        tokio::select! {
            _ = tokio::signal::ctrl_c() => return Ok(()),
            _ = tokio::time::sleep(Duration::from_millis(500)) => {}
        }
        let mut f = filter.clone();
        f["order"] = json!("ASC");
        if let Some(s) = &since {
            f["occurred"] = json!({"since": s});
        }
        let page: EventPage = client
            .post("/events/filter", &json!({"filter": f, "limit": 50}))
            .await?;
        shown = page.events;
        for e in &shown {
            let id = e["id"].as_str().unwrap_or_default().to_string();
            if !seen.insert(id) {
                continue;
            }
            if out.json() {
                println!("{e}");
            } else {
                print_event(out, e);
            }
            since = e["occurred"].as_str().map(String::from);
        }
    }
}
