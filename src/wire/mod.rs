//! Prefect 3's wire models: the JSON shapes of requests and responses, as plain serde structs. A leaf module:
//! the API converts them to and from domain types, and the CLI uses them as a typed client. Field names and
//! enums are Prefect's; timestamps are RFC 3339 strings; nullable fields are always present.

pub mod artifacts;
pub mod concurrency;
pub mod deployments;
pub mod flow_runs;
pub mod flows;
pub mod logs;
pub mod states;
pub mod task_runs;
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

/// The body of every error answer: `{"detail": "..."}`.
#[derive(Debug, Serialize)]
pub struct ErrorBody {
    pub detail: String,
}

/// For `#[serde(default, deserialize_with = "present")]` on an `Option<T>` field of a PATCH body: a field
/// given is `Some(value)` (with `T = Option<_>`, an explicit null is `Some(None)`, "clear it"); an absent
/// field stays `None`, "leave it". With a non-optional `T`, an explicit null is rejected.
pub fn present<'de, D: Deserializer<'de>, T: Deserialize<'de>>(
    d: D,
) -> Result<Option<T>, D::Error> {
    T::deserialize(d).map(Some)
}
