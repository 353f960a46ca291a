//! Reading deployment bodies: which fields a create or update sets (absent = unchanged, `null` = cleared),
//! each checked for its type with a 422 naming the field.

use super::error::{ApiError, ApiResult};
use super::schedules::parse_schedule;
use crate::domain::concurrency::ConcurrencyOptions;
use crate::domain::deployment::{DeploymentPatch, NewSchedule};
use crate::domain::Doc;
use serde_json::{Map, Value};
use uuid::Uuid;

type Obj = Map<String, Value>;

fn bad(key: &str, what: &str) -> ApiError {
    ApiError::invalid(format!("{key}: expected {what}"))
}

fn opt_string(o: &Obj, key: &str) -> ApiResult<Option<Option<String>>> {
    match o.get(key) {
        None => Ok(None),
        Some(Value::Null) => Ok(Some(None)),
        Some(Value::String(s)) => Ok(Some(Some(s.clone()))),
        Some(_) => Err(bad(key, "a string or null")),
    }
}

fn opt_any(o: &Obj, key: &str) -> Option<Option<Value>> {
    o.get(key)
        .map(|v| if v.is_null() { None } else { Some(v.clone()) })
}

fn opt_concurrency(o: &Obj, key: &str) -> ApiResult<Option<Option<ConcurrencyOptions>>> {
    match o.get(key) {
        None => Ok(None),
        Some(Value::Null) => Ok(Some(None)),
        Some(v) => ConcurrencyOptions::parse(v)
            .map(|c| Some(Some(c)))
            .map_err(|e| ApiError::invalid(format!("{key}: {e}"))),
    }
}

fn opt_bool(o: &Obj, key: &str) -> ApiResult<Option<bool>> {
    match o.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Bool(b)) => Ok(Some(*b)),
        Some(_) => Err(bad(key, "true or false")),
    }
}

fn opt_int(o: &Obj, key: &str) -> ApiResult<Option<Option<i64>>> {
    match o.get(key) {
        None => Ok(None),
        Some(Value::Null) => Ok(Some(None)),
        Some(v) => v
            .as_i64()
            .map(|i| Some(Some(i)))
            .ok_or_else(|| bad(key, "an integer or null")),
    }
}

fn opt_doc(o: &Obj, key: &str) -> ApiResult<Option<Doc>> {
    match o.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Object(m)) => Ok(Some(m.clone())),
        Some(_) => Err(bad(key, "an object")),
    }
}

fn opt_uuid(o: &Obj, key: &str) -> ApiResult<Option<Option<Uuid>>> {
    match o.get(key) {
        None => Ok(None),
        Some(Value::Null) => Ok(Some(None)),
        Some(Value::String(s)) => s
            .parse()
            .map(|u| Some(Some(u)))
            .map_err(|_| ApiError::invalid(format!("{key}: '{s}' is not a valid UUID"))),
        Some(_) => Err(bad(key, "a UUID string or null")),
    }
}

fn opt_tags(o: &Obj, key: &str) -> ApiResult<Option<Vec<String>>> {
    match o.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Array(a)) => a
            .iter()
            .enumerate()
            .map(|(i, t)| {
                t.as_str()
                    .map(String::from)
                    .ok_or_else(|| bad(&format!("{key}[{i}]"), "a string"))
            })
            .collect::<ApiResult<Vec<_>>>()
            .map(Some),
        Some(_) => Err(bad(key, "a list of strings")),
    }
}

/// A schedule entry of `schedules` (`{schedule, active, max_scheduled_runs, parameters, slug, replaces}`).
pub fn new_schedule(v: &Value, path: &str) -> ApiResult<NewSchedule> {
    let o = v.as_object().ok_or_else(|| bad(path, "an object"))?;
    let schedule = parse_schedule(
        o.get("schedule").unwrap_or(&Value::Null),
        &format!("{path}.schedule"),
    )?;
    Ok(NewSchedule {
        schedule,
        active: opt_bool(o, "active")
            .map_err(|e| prefix(e, path))?
            .unwrap_or(true),
        max_scheduled_runs: opt_int(o, "max_scheduled_runs")
            .map_err(|e| prefix(e, path))?
            .flatten(),
        parameters: opt_doc(o, "parameters")
            .map_err(|e| prefix(e, path))?
            .unwrap_or_default(),
        slug: opt_string(o, "slug")
            .map_err(|e| prefix(e, path))?
            .flatten(),
    })
}

fn prefix(mut e: ApiError, path: &str) -> ApiError {
    e.detail = format!("{path}.{}", e.detail);
    e
}

/// A list of schedule entries.
pub fn new_schedules(v: &Value, path: &str) -> ApiResult<Vec<NewSchedule>> {
    let a = v
        .as_array()
        .ok_or_else(|| bad(path, "a list of schedules"))?;
    a.iter()
        .enumerate()
        .map(|(i, s)| new_schedule(s, &format!("{path}[{i}]")))
        .collect()
}

/// The fields of a deployment create or update body.
pub fn patch(o: &Obj) -> ApiResult<DeploymentPatch> {
    Ok(DeploymentPatch {
        version: opt_string(o, "version")?,
        version_info: opt_any(o, "version_info"),
        description: opt_string(o, "description")?,
        paused: opt_bool(o, "paused")?,
        concurrency_limit: match opt_int(o, "concurrency_limit")? {
            Some(Some(n)) if n < 1 => {
                return Err(bad("concurrency_limit", "a positive integer or null"))
            }
            other => other,
        },
        concurrency_options: opt_concurrency(o, "concurrency_options")?,
        enforce_parameter_schema: opt_bool(o, "enforce_parameter_schema")?,
        parameter_openapi_schema: opt_any(o, "parameter_openapi_schema"),
        parameters: opt_doc(o, "parameters")?,
        tags: opt_tags(o, "tags")?,
        labels: opt_doc(o, "labels")?,
        pull_steps: opt_any(o, "pull_steps"),
        work_queue_name: opt_string(o, "work_queue_name")?,
        work_pool_name: opt_string(o, "work_pool_name")?,
        storage_document_id: opt_uuid(o, "storage_document_id")?,
        infrastructure_document_id: opt_uuid(o, "infrastructure_document_id")?,
        path: opt_string(o, "path")?,
        entrypoint: entrypoint(o)?,
        job_variables: opt_doc(o, "job_variables")?,
        schedules: match o.get("schedules") {
            None | Some(Value::Null) => None,
            Some(v) => Some(new_schedules(v, "schedules")?),
        },
    })
}

/// `name` and `flow_id` of a create body.
pub fn identity(o: &Obj) -> ApiResult<(String, Uuid)> {
    let name = match o.get("name") {
        Some(Value::String(s)) => s.clone(),
        Some(_) => return Err(bad("name", "a string")),
        None => return Err(ApiError::invalid("name: field required")),
    };
    let flow_id = match opt_uuid(o, "flow_id")? {
        Some(Some(u)) => u,
        _ => return Err(ApiError::invalid("flow_id: field required (a UUID)")),
    };
    Ok((name, flow_id))
}

/// The schedule fields of a schedule PATCH.
pub fn schedule_patch(o: &Obj) -> ApiResult<crate::services::deployment_schedules::SchedulePatch> {
    Ok(crate::services::deployment_schedules::SchedulePatch {
        schedule: match o.get("schedule") {
            None | Some(Value::Null) => None,
            Some(v) => Some(parse_schedule(v, "schedule")?),
        },
        active: opt_bool(o, "active")?,
        max_scheduled_runs: opt_int(o, "max_scheduled_runs")?,
        parameters: opt_doc(o, "parameters")?,
        slug: opt_string(o, "slug")?,
    })
}

fn entrypoint(o: &Obj) -> ApiResult<Option<Option<String>>> {
    let e = opt_string(o, "entrypoint")?;
    if let Some(Some(s)) = &e {
        crate::domain::deployment::check_entrypoint(s).map_err(ApiError::invalid)?;
    }
    Ok(e)
}
