//! Prefect 2 clients at the edge: the fields a 2.x client (`prefect deployment build --apply`,
//! `deployment apply`) still sends in a deployment body, rewritten into their 3.x form before the body is
//! read: `infra_overrides` is `job_variables`, a single `schedule` (with `is_schedule_active`) is one
//! entry of `schedules`, and `manifest_path` is dropped (2.x always sends it, usually null).

use super::error::{path_error, ApiError, ApiResult};
use serde::de::DeserializeOwned;
use serde_json::{json, Map, Value};

/// Rewrites the 2.x fields of a deployment create or update body in place.
pub fn deployment_fields(body: &mut Map<String, Value>) -> ApiResult<()> {
    body.remove("manifest_path");
    if let Some(overrides) = body.remove("infra_overrides") {
        match body.get("job_variables") {
            Some(given) if !given.is_null() && *given != overrides => {
                return Err(ApiError::invalid(
                    "The `infra_overrides` field has been renamed to `job_variables`; give one of them.",
                ))
            }
            _ if overrides.is_null() => {}
            _ => {
                body.insert("job_variables".into(), overrides);
            }
        }
    }
    let active = body.remove("is_schedule_active");
    let schedule = body.remove("schedule").filter(|s| !s.is_null());
    let has_schedules = body
        .get("schedules")
        .and_then(Value::as_array)
        .is_some_and(|a| !a.is_empty());
    match (schedule, has_schedules) {
        (Some(s), false) => {
            let active = active.and_then(|a| a.as_bool()).unwrap_or(true);
            body.insert(
                "schedules".into(),
                json!([{"schedule": s, "active": active}]),
            );
        }
        (None, _) | (Some(_), true) => {
            if let Some(false) = active.and_then(|a| a.as_bool()) {
                // A 2.x deployment whose schedule is off: its schedules are inactive.
                if let Some(Value::Array(list)) = body.get_mut("schedules") {
                    for s in list.iter_mut().filter_map(Value::as_object_mut) {
                        s.insert("active".into(), Value::Bool(false));
                    }
                }
            }
        }
    }
    Ok(())
}

/// A deployment body of either client generation, read into `T`.
pub fn deployment_body<T: DeserializeOwned>(mut body: Map<String, Value>) -> ApiResult<T> {
    deployment_fields(&mut body)?;
    serde_path_to_error::deserialize(Value::Object(body)).map_err(path_error)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rewritten(v: Value) -> Value {
        let mut m = v.as_object().unwrap().clone();
        deployment_fields(&mut m).unwrap();
        Value::Object(m)
    }

    #[test]
    fn a_2x_body_becomes_its_3x_form() {
        let v = rewritten(json!({"name": "d", "infra_overrides": {"env": {"A": "1"}},
            "manifest_path": null, "schedule": {"interval": 60.0}, "is_schedule_active": false}));
        assert_eq!(v["job_variables"], json!({"env": {"A": "1"}}));
        assert_eq!(
            v["schedules"],
            json!([{"schedule": {"interval": 60.0}, "active": false}])
        );
        assert!(v.get("manifest_path").is_none());
        assert!(v.get("schedule").is_none() && v.get("is_schedule_active").is_none());
        let plain = rewritten(json!({"name": "d", "schedule": null, "infra_overrides": {}}));
        assert_eq!(plain, json!({"name": "d", "job_variables": {}}));
    }

    #[test]
    fn both_names_for_job_variables_must_agree() {
        let mut m = json!({"infra_overrides": {"a": 1}, "job_variables": {"a": 2}})
            .as_object()
            .unwrap()
            .clone();
        assert!(deployment_fields(&mut m).is_err());
    }
}
