//! The request-body schemas of `/api/openapi.json`. A body the handler reads as a type (a `wire` struct or
//! an API struct) has its schema derived from that type by `schemars` ([`json`]): the document cannot say
//! anything the deserializer does not do. Prefect's filter bodies, which `api::filters` reads by tables, get
//! schemas made from those same tables (`openapi_filters`), one component per endpoint.

use super::openapi_filters as of;
use crate::domain::filter::Entity;
use schemars::generate::{SchemaGenerator, SchemaSettings};
use schemars::{JsonSchema, Schema};
use serde_json::{json, Value};

/// Writes a body's schema into the generator's components and returns the schema an operation holds (a
/// `$ref` to the component where the body has a name).
pub type BodyFn = fn(&mut SchemaGenerator) -> Schema;

/// The generator of the whole document: JSON Schema 2020-12 (OpenAPI 3.1's dialect), components under
/// `#/components/schemas`, schemas as the deserializer reads them.
pub fn generator() -> SchemaGenerator {
    SchemaSettings::draft2020_12()
        .with(|s| {
            s.definitions_path = "/components/schemas".into();
            s.meta_schema = None;
        })
        .for_deserialize()
        .into_generator()
}

/// The schema of a body read as `T`.
pub fn json<T: JsonSchema>(g: &mut SchemaGenerator) -> Schema {
    g.subschema_for::<T>()
}

/// A hand-written component `name`, added once; the `$ref` to it.
fn named(g: &mut SchemaGenerator, name: &str, make: fn() -> Value) -> Schema {
    if !g.definitions().contains_key(name) {
        g.definitions_mut().insert(name.into(), make());
    }
    let target = format!("#/components/schemas/{name}");
    schemars::json_schema!({ "$ref": target })
}

fn obj(props: Value, required: &[&str]) -> Value {
    json!({"type": "object", "properties": props, "required": required})
}

fn time() -> Value {
    json!({"type": "string", "format": "date-time"})
}

/// A JSON object, free-form.
pub fn any_object(_: &mut SchemaGenerator) -> Schema {
    schemars::json_schema!({"type": "object"})
}

/// Filter-body schemas, one component per endpoint (`openapi_filters` makes them from the reader's tables).
macro_rules! filter_bodies {
    ($($(#[$doc:meta])* $f:ident $component:literal => $make:expr;)*) => {$(
        $(#[$doc])*
        pub fn $f(g: &mut SchemaGenerator) -> Schema {
            named(g, $component, || $make)
        }
    )*};
}

filter_bodies! {
    flows_filter "FlowsFilter" => of::body(super::flows::SECTIONS, true);
    flows_count "FlowsCount" => of::body(super::flows::SECTIONS, false);
    flow_runs_filter "FlowRunsFilter" => of::body(super::flow_runs::SECTIONS, true);
    flow_runs_count "FlowRunsCount" => of::body(super::flow_runs::SECTIONS, false);
    task_runs_filter "TaskRunsFilter" => of::body(super::task_runs::SECTIONS, true);
    task_runs_count "TaskRunsCount" => of::body(super::task_runs::SECTIONS, false);
    deployments_filter "DeploymentsFilter" => of::body(super::deployments::SECTIONS, true);
    deployments_count "DeploymentsCount" => of::body(super::deployments::SECTIONS, false);
    logs_filter "LogsFilter" => of::body(&[("logs", Some(Entity::Log))], true);
    variables_filter "VariablesFilter" => of::body(super::variables::SECTIONS, true);
    variables_count "VariablesCount" => of::body(super::variables::SECTIONS, false);
    artifacts_filter "ArtifactsFilter" =>
        of::body(&super::artifacts::sections(Entity::Artifact), true);
    artifacts_count "ArtifactsCount" =>
        of::body(&super::artifacts::sections(Entity::Artifact), false);
    latest_artifacts_filter "LatestArtifactsFilter" =>
        of::body(&super::artifacts::sections(Entity::ArtifactCollection), true);
    latest_artifacts_count "LatestArtifactsCount" =>
        of::body(&super::artifacts::sections(Entity::ArtifactCollection), false);
    /// `POST /baton/flow_runs/page` (`api::dashboard::page`).
    run_page "RunPage" => {
        let mut v = of::body(super::flow_runs::SECTIONS, false);
        v["properties"]["cursor"] = json!({"type": ["string", "null"]});
        v["properties"]["limit"] = json!({"type": ["integer", "null"], "minimum": 1, "maximum": 200});
        v
    };
    /// `POST /flow_runs/history` (`api::dashboard::history` reads it).
    history "History" => {
        let mut v = of::body(super::dashboard::HISTORY_SECTIONS, false);
        v["properties"]["work_pools"] = of::any_of(&["name"]);
        v["properties"]["history_start"] = time();
        v["properties"]["history_end"] = time();
        v["properties"]["history_interval_seconds"] = json!({"type": "number", "minimum": 1});
        v["required"] = json!(["history_start", "history_end", "history_interval_seconds"]);
        v
    };
}

/// The body of every error answer.
pub fn error(g: &mut SchemaGenerator) -> Schema {
    named(g, "Error", || {
        obj(
            json!({"detail": {"anyOf": [{"type": "string"}, {"type": "array"}]}}),
            &["detail"],
        )
    })
}
