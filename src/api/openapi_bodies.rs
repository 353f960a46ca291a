//! The request-body schemas of `/api/openapi.json`. A body the handler reads as a type (a `wire` struct or
//! an API struct) has its schema derived from that type by `schemars` ([`json`]): the document cannot say
//! anything the deserializer does not do, and that includes Prefect's filter bodies (`wire::filters`).

use crate::wire::filters as f;
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

/// A JSON object, free-form.
pub fn any_object(_: &mut SchemaGenerator) -> Schema {
    schemars::json_schema!({"type": "object"})
}

/// Filter-body schemas, one per endpoint, derived from the structs the handlers read.
macro_rules! filter_bodies {
    ($($f:ident => $ty:ty;)*) => {$(
        pub fn $f(g: &mut SchemaGenerator) -> Schema {
            json::<$ty>(g)
        }
    )*};
}

filter_bodies! {
    flows_filter => f::FlowFilterRequest;
    flows_count => f::FlowCountRequest;
    flow_runs_filter => f::FlowRunFilterRequest;
    flow_runs_count => f::FlowRunCountRequest;
    task_runs_filter => f::TaskRunFilterRequest;
    task_runs_count => f::TaskRunCountRequest;
    deployments_filter => f::DeploymentFilterRequest;
    deployments_count => f::DeploymentCountRequest;
    logs_filter => f::LogFilterRequest;
    variables_filter => f::VariableFilterRequest;
    variables_count => f::VariableCountRequest;
    artifacts_filter => f::ArtifactFilterRequest;
    artifacts_count => f::ArtifactCountRequest;
    latest_artifacts_filter => f::ArtifactCollectionFilterRequest;
    latest_artifacts_count => f::ArtifactCollectionCountRequest;
    run_page => crate::wire::dashboard::RunPageRequest;
    history => crate::wire::dashboard::HistoryRequest;
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
