//! Global concurrency limit models (`/api/v2/concurrency_limits/*`): slot requests, leases and the minimal
//! limit answers. Prefect reads these bodies as separate body fields, so unknown keys are ignored.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// `mode` of a slot request.
#[derive(Clone, Copy, Debug, Default, Deserialize, PartialEq, Eq, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Mode {
    #[default]
    Concurrency,
    RateLimit,
}

/// The type of a lease holder.
#[derive(Clone, Copy, Debug, Deserialize, Serialize, PartialEq, Eq, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum HolderType {
    FlowRun,
    TaskRun,
    Deployment,
}

/// `holder` of a lease: who holds the slots.
#[derive(Clone, Copy, Debug, Deserialize, Serialize, PartialEq, Eq, JsonSchema)]
pub struct LeaseHolder {
    #[serde(rename = "type")]
    pub kind: HolderType,
    pub id: Uuid,
}

/// `POST /v2/concurrency_limits/increment` body.
#[derive(Debug, Deserialize, JsonSchema)]
pub struct IncrementBody {
    pub names: Vec<String>,
    pub slots: i64,
    #[serde(default)]
    pub mode: Mode,
    /// Deprecated by Prefect; accepted and ignored (limits are created explicitly).
    #[serde(default)]
    pub create_if_missing: Option<bool>,
}

/// `POST /v2/concurrency_limits/decrement` body: slots given back (always concurrency slots; rate-limit
/// slots are not given back, they decay).
#[derive(Debug, Deserialize, JsonSchema)]
pub struct DecrementBody {
    pub names: Vec<String>,
    pub slots: i64,
    /// Deprecated by Prefect; accepted and ignored.
    #[serde(default)]
    pub create_if_missing: Option<bool>,
    /// How long the slots were held.
    #[serde(default)]
    pub occupancy_seconds: Option<f64>,
}

/// `POST /v2/concurrency_limits/increment-with-lease` body.
#[derive(Debug, Deserialize, JsonSchema)]
pub struct LeaseSlotsBody {
    pub names: Vec<String>,
    pub slots: i64,
    #[serde(default)]
    pub mode: Mode,
    #[serde(default)]
    pub lease_duration: Option<f64>,
    #[serde(default)]
    pub holder: Option<LeaseHolder>,
}

/// `POST /v2/concurrency_limits/leases/{id}/renew` body.
#[derive(Debug, Default, Deserialize, JsonSchema)]
pub struct RenewBody {
    #[serde(default)]
    pub lease_duration: Option<f64>,
}

/// `POST /v2/concurrency_limits/decrement-with-lease` body.
#[derive(Debug, Deserialize, JsonSchema)]
pub struct ReleaseBody {
    pub lease_id: Uuid,
}

/// A limit that slots were taken from or given back to.
#[derive(Debug, Serialize, JsonSchema)]
pub struct MinimalLimit {
    pub id: Uuid,
    pub name: String,
    pub limit: i64,
}

/// The answer to a lease request: the lease and the limits it holds slots of.
#[derive(Debug, Serialize, JsonSchema)]
pub struct LeaseGranted {
    pub lease_id: Uuid,
    pub limits: Vec<MinimalLimit>,
}
