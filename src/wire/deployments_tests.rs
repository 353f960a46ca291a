//! The deployment request bodies read as Prefect 3.9.1's client sends them and refuse what its server
//! refuses.

use super::{DeploymentCreate, DeploymentUpdate};
use serde_json::{json, Value};

/// `prefect deploy --all` (3.9.1) creating a deployment from prefect.yaml, as traced.
fn traced_create() -> Value {
    json!({"name": "yaml-interval", "flow_id": "9e5953e6-46ad-4611-b4bf-efb739a28e57", "paused": false,
        "schedules": [{"schedule": {"interval": 600.0, "anchor_date": "2026-01-01T00:00:00Z", "timezone": "UTC"},
            "active": true, "max_scheduled_runs": null, "parameters": {}, "slug": null, "replaces": null}],
        "concurrency_limit": null, "concurrency_options": null, "enforce_parameter_schema": true,
        "parameter_openapi_schema": {"title": "Parameters", "type": "object", "properties": {}},
        "parameters": {"name": "interval", "sleep": 1}, "tags": ["yaml", "interval"], "labels": {},
        "pull_steps": [{"prefect.deployments.steps.set_working_directory": {"directory": "/tmp/wt6"}}],
        "work_queue_name": "default", "work_pool_name": "my-process-pool", "storage_document_id": null,
        "infrastructure_document_id": null, "description": "Interval-scheduled", "path": null,
        "entrypoint": "my_flow.py:my_flow", "job_variables": {}, "version": "1.0",
        "version_info": {"type": "prefect:simple", "version": "1.0"}})
}

/// The traced body as Baton sends it back: an unset `replaces` is left out.
fn sent_back() -> Value {
    let mut v = traced_create();
    v["schedules"][0]
        .as_object_mut()
        .unwrap()
        .remove("replaces");
    v
}

#[test]
fn the_prefect_clients_create_body_reads_with_nulls_as_clears() {
    let c: DeploymentCreate = serde_json::from_value(traced_create()).unwrap();
    assert_eq!(c.name, "yaml-interval");
    assert_eq!(c.concurrency_limit, Some(None));
    assert_eq!(c.path, Some(None));
    assert_eq!(c.entrypoint, Some(Some("my_flow.py:my_flow".into())));
    assert_eq!(c.paused, Some(false));
    assert_eq!(c.schedules.as_ref().unwrap()[0].active, Some(true));
    assert_eq!(c.global_concurrency_limit_id, None, "absent");
}

#[test]
fn a_create_body_serializes_back_unchanged() {
    let c: DeploymentCreate = serde_json::from_value(traced_create()).unwrap();
    assert_eq!(serde_json::to_value(c).unwrap(), sent_back());
}

#[test]
fn split_keeps_every_field_of_the_update() {
    let (name, _, labels, rest) = serde_json::from_value::<DeploymentCreate>(traced_create())
        .unwrap()
        .split();
    assert_eq!(name, "yaml-interval");
    assert_eq!(labels, Some(Default::default()));
    let mut want = sent_back();
    for k in ["name", "flow_id", "labels"] {
        want.as_object_mut().unwrap().remove(k);
    }
    assert_eq!(serde_json::to_value(rest).unwrap(), want);
}

#[test]
fn a_patch_reads_absent_null_and_value_apart() {
    let u: DeploymentUpdate =
        serde_json::from_value(json!({"description": null, "version": "2", "paused": null}))
            .unwrap();
    assert_eq!(u.description, Some(None));
    assert_eq!(u.version, Some(Some("2".into())));
    assert_eq!(u.path, None);
    assert_eq!(
        u.paused, None,
        "null on a field that cannot be cleared leaves it"
    );
    assert_eq!(
        serde_json::to_value(&u).unwrap(),
        json!({"description": null, "version": "2"})
    );
}

#[test]
fn unknown_fields_are_refused_as_prefect_refuses_them() {
    let mut body = traced_create();
    body["colour"] = json!("blue");
    let e = serde_json::from_value::<DeploymentCreate>(body).unwrap_err();
    assert!(e.to_string().contains("colour"), "{e}");
    let e = serde_json::from_value::<DeploymentUpdate>(json!({"labels": {}})).unwrap_err();
    assert!(
        e.to_string().contains("labels"),
        "Prefect's update has no labels: {e}"
    );
    let e = serde_json::from_value::<DeploymentUpdate>(
        json!({"schedules": [{"schedule": {"cron": "* * * * *"}, "every": 1}]}),
    )
    .unwrap_err();
    assert!(e.to_string().contains("every"), "{e}");
}

#[test]
fn the_old_work_pool_fields_prefect_drops_are_accepted_and_never_sent() {
    let old = json!({"worker_pool_queue_id": "x", "worker_pool_name": "p",
        "worker_pool_queue_name": "q", "work_pool_queue_name": "q"});
    let u: DeploymentUpdate = serde_json::from_value(old.clone()).unwrap();
    assert_eq!(serde_json::to_value(u).unwrap(), json!({}));
    let mut body = traced_create();
    body.as_object_mut()
        .unwrap()
        .extend(old.as_object().unwrap().clone());
    let c: DeploymentCreate = serde_json::from_value(body).unwrap();
    assert_eq!(serde_json::to_value(c).unwrap(), sent_back());
}
