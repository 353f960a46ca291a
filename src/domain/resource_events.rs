//! The events Prefect's server emits when a deployment, work pool or work queue is created, updated,
//! paused or deleted (`prefect.deployment.created`, `prefect.work-pool.paused`…), so automations and the
//! event feed see them.

use super::deployment::Deployment;
use super::event::{resource, Event};
use super::work_pool::{WorkPool, WorkQueue};
use super::{Doc, Ts};
use serde_json::{json, Value};
use uuid::Uuid;

fn named(kind: &str, id: Uuid, name: &str) -> Doc {
    resource(
        format!("prefect.{kind}.{id}"),
        &[("prefect.resource.name", Value::from(name))],
    )
}

fn role(kind: &str, id: Uuid, name: Option<&str>, role: &str) -> Doc {
    let mut r = resource(
        format!("prefect.{kind}.{id}"),
        &[("prefect.resource.role", Value::from(role))],
    );
    if let Some(n) = name {
        r.insert("prefect.resource.name".into(), Value::from(n));
    }
    r
}

fn event(name: String, resource: Doc, related: Vec<Doc>, payload: Doc, now: Ts) -> Event {
    Event {
        id: Uuid::now_v7(),
        occurred: now,
        event: name,
        resource,
        related,
        payload,
        follows: None,
        received: now,
    }
}

/// `prefect.deployment.<change>` (`created`, `updated`, `deleted`); `updated` names the fields.
pub fn deployment(
    d: &Deployment,
    change: &str,
    fields: &[&str],
    flow_name: Option<&str>,
    now: Ts,
) -> Event {
    let related = vec![role("flow", d.flow_id, flow_name, "flow")];
    let mut payload = Doc::new();
    if change == "updated" {
        payload.insert("updated_fields".into(), json!(fields));
    }
    event(
        format!("prefect.deployment.{change}"),
        named("deployment", d.id, &d.name),
        related,
        payload,
        now,
    )
}

/// `prefect.work-pool.<change>` (`created`, `updated`, `deleted`, `paused`, `not-ready`).
pub fn work_pool(p: &WorkPool, change: &str, now: Ts) -> Event {
    let mut res = named("work-pool", p.id, &p.name);
    res.insert("prefect.work-pool.type".into(), Value::from(p.kind.clone()));
    event(
        format!("prefect.work-pool.{change}"),
        res,
        Vec::new(),
        Doc::new(),
        now,
    )
}

/// `prefect.work-queue.<change>` (`created`, `updated`, `deleted`, `paused`, `not-ready`).
pub fn work_queue(q: &WorkQueue, pool: Option<&WorkPool>, change: &str, now: Ts) -> Event {
    let related = pool
        .map(|p| {
            let mut r = role("work-pool", p.id, Some(&p.name), "work-pool");
            r.insert("prefect.work-pool.type".into(), Value::from(p.kind.clone()));
            vec![r]
        })
        .unwrap_or_default();
    event(
        format!("prefect.work-queue.{change}"),
        named("work-queue", q.id, &q.name),
        related,
        Doc::new(),
        now,
    )
}

/// The status change of a pause flag: `paused`, or back to `not-ready` until a worker polls.
pub fn pause_change(was: bool, now_paused: bool) -> Option<&'static str> {
    match (was, now_paused) {
        (false, true) => Some("paused"),
        (true, false) => Some("not-ready"),
        _ => None,
    }
}
