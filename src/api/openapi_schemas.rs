//! The request-body schemas of `/api/openapi.json`, one per body shape the handlers accept (Prefect's
//! fields, as the handlers' parsers and `wire` structs read them; `closed` where a struct refuses unknown
//! fields). Kept by hand: many bodies are still read field by field, with no type to derive them from.

use serde_json::{json, Map, Value};

/// A request body shape, named in `#/components/schemas`.
#[derive(Clone, Copy, Debug)]
pub enum Body {
    AnyObject,
    ArtifactCreate,
    ArtifactUpdate,
    Catchup,
    ConcurrencyStatus,
    DeploymentCreate,
    DeploymentRun,
    DeploymentRuns,
    DeploymentUpdate,
    Filter,
    FlowCreate,
    FlowRunCreate,
    FlowRunUpdate,
    Heartbeat,
    History,
    LeaseRelease,
    LeaseRenew,
    LeaseSlots,
    Logs,
    PoolRuns,
    Preview,
    QueueCreate,
    QueueFilter,
    QueueRuns,
    QueueUpdate,
    ScheduleUpdate,
    Schedules,
    SetState,
    Slots,
    TaskRunCreate,
    VariableCreate,
    VariableUpdate,
    WorkPoolCreate,
    WorkPoolUpdate,
}

impl Body {
    /// The component name.
    pub fn name(self) -> String {
        format!("{self:?}")
    }
}

const STATE_TYPES: &[&str] = &[
    "SCHEDULED",
    "PENDING",
    "RUNNING",
    "COMPLETED",
    "FAILED",
    "CANCELLED",
    "CRASHED",
    "PAUSED",
    "CANCELLING",
];

fn obj(props: Value, required: &[&str]) -> Value {
    json!({"type": "object", "properties": props, "required": required})
}

/// `v` with no properties but its own (a `wire` struct with `deny_unknown_fields`).
fn closed(mut v: Value) -> Value {
    v["additionalProperties"] = json!(false);
    v
}

fn uuid() -> Value {
    json!({"type": "string", "format": "uuid"})
}

fn time() -> Value {
    json!({"type": "string", "format": "date-time"})
}

/// A flow or deployment name (`domain::flow::check_name`).
fn name() -> Value {
    json!({"type": "string", "pattern": "^[^/%&<>]*[^/%&<>\\s][^/%&<>]*$"})
}

fn strings() -> Value {
    json!({"type": "array", "items": {"type": "string"}})
}

fn nullable(kind: &str) -> Value {
    json!({"type": [kind, "null"]})
}

fn state_create() -> Value {
    obj(
        json!({
            "type": {"type": "string", "enum": STATE_TYPES}, "name": nullable("string"), "message": nullable("string"),
            "state_details": {"type": "object", "properties": {
                "scheduled_time": time(), "pause_key": {"type": "string"}}},
        }),
        &["type"],
    )
}

fn schedule_spec() -> Value {
    json!({"oneOf": [
        obj(json!({"cron": {"type": "string"}, "timezone": nullable("string"), "day_or": {"type": "boolean"}}), &["cron"]),
        obj(json!({"interval": {"type": "number"}, "anchor_date": time(), "timezone": nullable("string")}), &["interval"]),
        obj(json!({"rrule": {"type": "string"}, "timezone": nullable("string")}), &["rrule"]),
    ]})
}

/// `wire::deployments::DeploymentScheduleCreate`.
fn schedule_create() -> Value {
    closed(obj(
        json!({"schedule": schedule_spec(), "active": {"type": "boolean"},
            "max_scheduled_runs": nullable("integer"), "parameters": {"type": "object"},
            "slug": nullable("string"), "replaces": nullable("string")}),
        &["schedule"],
    ))
}

/// `wire::deployments::DeploymentCreate` (`create`) or `DeploymentUpdate`: Prefect's fields, no others.
fn deployment(create: bool) -> Value {
    let id = json!({"type": ["string", "null"], "format": "uuid"});
    let mut props = json!({
        "entrypoint": nullable("string"), "path": nullable("string"), "description": nullable("string"),
        "version": nullable("string"), "version_info": {"type": ["object", "null"]}, "tags": strings(),
        "parameters": {"type": "object"}, "job_variables": {"type": "object"},
        "work_pool_name": nullable("string"), "work_queue_name": nullable("string"),
        "paused": {"type": "boolean"}, "concurrency_limit": {"type": ["integer", "null"], "minimum": 1},
        "concurrency_options": {"type": ["object", "null"], "required": ["collision_strategy"],
            "properties": {"collision_strategy": {"type": "string", "enum": ["ENQUEUE", "CANCEL_NEW"]},
                "grace_period_seconds": {"type": ["integer", "null"], "minimum": 60, "maximum": 86400}}},
        "global_concurrency_limit_id": {"type": "null"}, "enforce_parameter_schema": {"type": "boolean"},
        "parameter_openapi_schema": {"type": ["object", "null"]},
        "pull_steps": {"type": ["array", "null"], "items": {"type": "object"}}, "schedules": {"type": "array", "items": schedule_create()},
        "storage_document_id": id, "infrastructure_document_id": id,
    });
    if create {
        props["name"] = name();
        props["flow_id"] = uuid();
        props["labels"] = json!({"type": ["object", "null"]});
    }
    closed(obj(props, if create { &["name", "flow_id"] } else { &[] }))
}

fn pool(required: &[&str]) -> Value {
    obj(
        json!({"name": {"type": "string"}, "type": {"type": "string"},
            "description": nullable("string"), "is_paused": {"type": "boolean"},
            "concurrency_limit": nullable("integer"), "base_job_template": {"type": "object"}}),
        required,
    )
}

fn queue(create: bool) -> Value {
    let mut props = json!({"name": {"type": "string", "minLength": 1},
        "description": if create { nullable("string") } else { json!({"type": "string"}) },
        "is_paused": {"type": "boolean"},
        "concurrency_limit": {"type": ["integer", "null"], "minimum": 0},
        "priority": {"type": "integer", "minimum": 1, "maximum": 1_000_000},
        "filter": {"type": "null"}});
    if !create {
        props["last_polled"] = json!({"type": ["string", "null"], "format": "date-time"});
    }
    closed(obj(props, if create { &["name"] } else { &[] }))
}

fn schema(b: Body) -> Value {
    match b {
        Body::AnyObject => json!({"type": "object"}),
        Body::Catchup => obj(
            json!({"catchup": {"type": "string", "enum": ["all", "latest", "none"]}}),
            &["catchup"],
        ),
        Body::Filter => {
            let mut props = Map::new();
            for section in [
                "flows",
                "flow_runs",
                "task_runs",
                "deployments",
                "work_pools",
                "work_queues",
                "variables",
                "artifacts",
                "logs",
                "workers",
            ] {
                props.insert(section.into(), json!({"type": ["object", "null"]}));
            }
            props.insert(
                "limit".into(),
                json!({"type": ["integer", "null"], "minimum": 0}),
            );
            props.insert(
                "offset".into(),
                json!({"type": ["integer", "null"], "minimum": 0}),
            );
            props.insert("sort".into(), nullable("string"));
            json!({"type": "object", "properties": props})
        }
        Body::FlowCreate => obj(
            json!({"name": name(), "tags": strings(), "labels": {"type": "object"}}),
            &["name"],
        ),
        Body::FlowRunCreate => obj(
            json!({"flow_id": uuid(), "name": nullable("string"), "parameters": {"type": "object"},
                "state": state_create(), "tags": strings(), "idempotency_key": nullable("string"),
                "deployment_id": uuid(), "work_pool_name": nullable("string"),
                "work_queue_name": nullable("string"), "job_variables": {"type": "object"},
                "empirical_policy": {"type": "object"}, "parent_task_run_id": uuid()}),
            &["flow_id"],
        ),
        Body::FlowRunUpdate => obj(
            json!({"name": nullable("string"), "parameters": {"type": "object"}, "tags": strings(),
                "infrastructure_pid": nullable("string"), "empirical_policy": {"type": "object"},
                "job_variables": {"type": "object"}}),
            &[],
        ),
        Body::SetState => obj(
            json!({"state": state_create(), "force": {"type": "boolean"}}),
            &["state"],
        ),
        Body::TaskRunCreate => obj(
            json!({"flow_run_id": uuid(), "task_key": {"type": "string"},
                "dynamic_key": {"type": "string"}, "name": nullable("string"),
                "state": state_create(), "tags": strings(), "task_inputs": {"type": "object"}}),
            &["task_key", "dynamic_key"],
        ),
        Body::Logs => json!({"type": "array", "items": obj(
            json!({"name": {"type": "string"}, "level": {"type": "integer"},
                "message": {"type": "string"}, "timestamp": time(), "flow_run_id": uuid(),
                "task_run_id": uuid()}),
            &["name", "level", "message", "timestamp"],
        )}),
        Body::DeploymentCreate => deployment(true),
        Body::DeploymentUpdate => deployment(false),
        Body::DeploymentRun => obj(
            json!({"parameters": {"type": "object"}, "name": nullable("string"), "tags": strings(),
                "state": state_create(), "job_variables": {"type": "object"},
                "idempotency_key": nullable("string"), "work_queue_name": nullable("string")}),
            &[],
        ),
        Body::DeploymentRuns => obj(
            json!({"deployment_ids": {"type": "array", "items": uuid()},
                "scheduled_before": time(), "limit": {"type": "integer", "minimum": 0}}),
            &["deployment_ids"],
        ),
        Body::Schedules => json!({"type": "array", "items": schedule_create()}),
        Body::ScheduleUpdate => closed(obj(
            json!({"schedule": schedule_spec(), "active": {"type": "boolean"}, "slug": nullable("string"),
                "max_scheduled_runs": nullable("integer"), "parameters": {"type": "object"}}),
            &[],
        )),
        Body::History => obj(
            json!({"history_start": time(), "history_end": time(),
                "history_interval_seconds": {"type": "number"}, "flow_runs": {"type": "object"}}),
            &["history_start", "history_end", "history_interval_seconds"],
        ),
        Body::WorkPoolCreate => pool(&["name"]),
        Body::WorkPoolUpdate => pool(&[]),
        Body::QueueCreate => queue(true),
        Body::QueueUpdate => queue(false),
        Body::QueueFilter => {
            let ids = json!({"type": ["object", "null"],
                "properties": {"any_": {"type": ["array", "null"], "items": uuid()}}});
            let names = json!({"type": ["object", "null"],
                "properties": {"any_": strings(), "startswith_": strings()}});
            obj(
                json!({"work_queues": {"type": ["object", "null"], "additionalProperties": false,
                    "properties": {"operator": {"type": "string", "enum": ["and_", "or_"]},
                        "id": ids, "name": names}},
                    "limit": {"type": "integer", "minimum": 0},
                    "offset": {"type": "integer", "minimum": 0}}),
                &[],
            )
        }
        Body::QueueRuns => obj(
            json!({"scheduled_before": time(), "limit": {"type": "integer", "minimum": 0}}),
            &[],
        ),
        Body::ConcurrencyStatus => obj(
            json!({"page": {"type": "integer", "minimum": 1}, "limit": {"type": "integer", "minimum": 0}}),
            &[],
        ),
        Body::PoolRuns => obj(
            json!({"work_queue_names": strings(), "scheduled_before": time(),
                "scheduled_after": time(), "limit": {"type": "integer", "minimum": 0}}),
            &[],
        ),
        Body::Heartbeat => obj(
            json!({"name": {"type": "string"}, "heartbeat_interval_seconds": {"type": "integer"},
                "return_id": {"type": "boolean"}}),
            &["name"],
        ),
        Body::Slots => obj(
            json!({"names": {"type": "array", "items": {"type": "string"}, "minItems": 1},
                "slots": {"type": "integer", "minimum": 1},
                "mode": {"type": "string", "enum": ["concurrency", "rate_limit"]},
                "create_if_missing": {"type": ["boolean", "null"]},
                "occupancy_seconds": {"type": ["number", "null"], "exclusiveMinimum": 0}}),
            &["names", "slots"],
        ),
        Body::LeaseSlots => obj(
            json!({"names": {"type": "array", "items": {"type": "string"}, "minItems": 1},
                "slots": {"type": "integer", "minimum": 1},
                "mode": {"type": "string", "enum": ["concurrency", "rate_limit"]},
                "lease_duration": {"type": "number", "minimum": 60, "maximum": 86400},
                "holder": {"type": ["object", "null"], "properties": {
                    "type": {"type": "string", "enum": ["flow_run", "task_run", "deployment"]},
                    "id": uuid()}, "required": ["type", "id"]}}),
            &["names", "slots"],
        ),
        Body::LeaseRenew => obj(
            json!({"lease_duration": {"type": "number", "minimum": 60, "maximum": 86400}}),
            &[],
        ),
        Body::LeaseRelease => obj(json!({"lease_id": uuid()}), &["lease_id"]),
        Body::VariableCreate => obj(
            json!({"name": {"type": "string"}, "value": {}, "tags": strings()}),
            &["name"],
        ),
        Body::VariableUpdate => obj(
            json!({"name": {"type": "string"}, "value": {}, "tags": strings()}),
            &[],
        ),
        Body::ArtifactCreate => obj(
            json!({"key": nullable("string"), "type": nullable("string"), "description": nullable("string"),
                "data": {}, "metadata_": {"type": ["object", "null"]}, "flow_run_id": uuid(),
                "task_run_id": uuid()}),
            &[],
        ),
        Body::ArtifactUpdate => obj(
            json!({"data": {}, "description": nullable("string"), "metadata_": {"type": ["object", "null"]}}),
            &[],
        ),
        Body::Preview => obj(
            json!({"schedule": schedule_spec(), "start": time(), "end": time(),
                "count": {"type": "integer", "minimum": 1, "maximum": 1000}}),
            &["schedule"],
        ),
    }
}

const ALL: &[Body] = &[
    Body::AnyObject,
    Body::ArtifactCreate,
    Body::ArtifactUpdate,
    Body::Catchup,
    Body::ConcurrencyStatus,
    Body::DeploymentCreate,
    Body::DeploymentRun,
    Body::DeploymentRuns,
    Body::DeploymentUpdate,
    Body::Filter,
    Body::FlowCreate,
    Body::FlowRunCreate,
    Body::FlowRunUpdate,
    Body::Heartbeat,
    Body::History,
    Body::Logs,
    Body::PoolRuns,
    Body::Preview,
    Body::QueueCreate,
    Body::QueueFilter,
    Body::QueueRuns,
    Body::QueueUpdate,
    Body::ScheduleUpdate,
    Body::Schedules,
    Body::SetState,
    Body::TaskRunCreate,
    Body::Slots,
    Body::LeaseSlots,
    Body::LeaseRenew,
    Body::LeaseRelease,
    Body::VariableCreate,
    Body::VariableUpdate,
    Body::WorkPoolCreate,
    Body::WorkPoolUpdate,
];

/// `components.schemas`: every body shape plus the error answer.
pub fn components() -> Value {
    let mut out = Map::new();
    for b in ALL {
        out.insert(b.name(), schema(*b));
    }
    out.insert(
        "Error".into(),
        obj(
            json!({"detail": {"anyOf": [{"type": "string"}, {"type": "array"}]}}),
            &["detail"],
        ),
    );
    Value::Object(out)
}
