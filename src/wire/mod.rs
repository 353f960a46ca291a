//! Prefect 3's wire models: the JSON shapes of requests and responses, as plain serde structs. A leaf module:
//! the API converts them to and from domain types, and the CLI uses them as a typed client. Field names and
//! enums are Prefect's; timestamps are RFC 3339 strings; nullable fields are always present.

pub mod artifacts;
pub mod automations;
pub mod blocks;
pub mod bulk;
pub mod concurrency;
pub mod concurrency_limits;
pub mod dashboard;
pub mod deployments;
pub mod filter_requests;
pub mod filters;
pub mod flow_runs;
pub mod flows;
pub mod graph;
pub mod logs;
pub mod paginate;
pub mod run_inputs;
pub mod saved_searches;
pub mod schedules;
pub mod states;
pub mod task_runs;
pub mod task_workers;
pub mod ui;
pub mod variables;
pub mod work_pools;
pub mod work_queues;

use serde::{Deserialize, Deserializer, Serialize};

/// The Prefect server version Baton is compatible with (`GET /api/admin/version`); clients refuse a different
/// major version.
pub const PREFECT_SERVER_VERSION: &str = "3.9.1";
/// Prefect's API version (`GET /api/version`).
pub const API_VERSION: &str = "0.8.4";

/// A JSON object.
pub type Object = serde_json::Map<String, serde_json::Value>;

/// `GET /api/ready` answer.
#[derive(Debug, Serialize, Deserialize, schemars::JsonSchema)]
pub struct Ready {
    pub message: String,
}

/// `GET /api/admin/storage` answer (Prefect's server default result storage).
#[derive(Debug, Serialize, Deserialize, schemars::JsonSchema)]
pub struct ServerDefaultResultStorage {
    pub default_result_storage_block_id: Option<String>,
}

/// `PUT /api/admin/storage` body: the block document clients persist results with by default.
#[derive(Debug, Deserialize, schemars::JsonSchema)]
pub struct ServerDefaultResultStorageUpdate {
    pub default_result_storage_block_id: uuid::Uuid,
}

/// The body of every error answer: `{"detail": "..."}`.
#[derive(Debug, Serialize)]
pub struct ErrorBody {
    pub detail: String,
}

/// The tri-state of a PATCH field. For `#[serde(default, deserialize_with = "present")]` on an `Option<T>`
/// field: a field given is `Some(value)` (with `T = Option<_>`, an explicit null is `Some(None)`, "clear
/// it"); an absent field stays `None`, "leave it". With a non-optional `T`, an explicit null is rejected.
/// So a field that may be cleared is `Option<Option<T>>`: absent `None`, null `Some(None)`, a value
/// `Some(Some(v))`; add `skip_serializing_if = "Option::is_none"` so a body built by a client keeps the
/// absent ones absent.
pub fn present<'de, D: Deserializer<'de>, T: Deserialize<'de>>(
    d: D,
) -> Result<Option<T>, D::Error> {
    T::deserialize(d).map(Some)
}

#[cfg(test)]
mod tests {
    use super::present;
    use serde::{Deserialize, Serialize};
    use serde_json::json;

    #[derive(Debug, Deserialize, Serialize, PartialEq)]
    struct Patch {
        #[serde(
            default,
            deserialize_with = "present",
            skip_serializing_if = "Option::is_none"
        )]
        clearable: Option<Option<u32>>,
        #[serde(default, deserialize_with = "present")]
        required_if_given: Option<u32>,
    }

    fn read(v: serde_json::Value) -> Result<Patch, serde_json::Error> {
        serde_json::from_value(v)
    }

    #[test]
    fn an_absent_field_is_none_leave_it() {
        let p = read(json!({})).unwrap();
        assert_eq!(p.clearable, None);
        assert_eq!(p.required_if_given, None);
    }

    #[test]
    fn an_explicit_null_is_some_none_clear_it() {
        assert_eq!(
            read(json!({"clearable": null})).unwrap().clearable,
            Some(None)
        );
    }

    #[test]
    fn a_value_is_some_some_set_it() {
        let p = read(json!({"clearable": 3, "required_if_given": 4})).unwrap();
        assert_eq!(p.clearable, Some(Some(3)));
        assert_eq!(p.required_if_given, Some(4));
    }

    #[test]
    fn null_is_refused_where_the_field_cannot_be_cleared() {
        assert!(read(json!({"required_if_given": null})).is_err());
        assert!(read(json!({"clearable": "x"})).is_err());
    }

    #[test]
    fn the_three_states_serialize_back_as_they_came() {
        for body in [
            json!({}),
            json!({"clearable": null}),
            json!({"clearable": 5}),
        ] {
            let mut out = serde_json::to_value(read(body.clone()).unwrap()).unwrap();
            out.as_object_mut().unwrap().remove("required_if_given");
            assert_eq!(out, body);
        }
    }
}
