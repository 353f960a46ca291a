//! `GET /api/openapi.json`: the OpenAPI 3.1 document of every Baton endpoint, built from
//! `openapi_table::operations()`, tables kept beside the route table. A unit test reads the router's source
//! and fails when a route has no entry here (or an entry no route), so the document cannot drift from the
//! code. Request-body schemas are derived from the types the handlers read (`openapi_bodies`), and a second
//! test holds each body's fields to Prefect 3.9.1's (`openapi_parity_tests.rs`).

use super::openapi_bodies::{error, generator};
use super::openapi_table::{operations, Op};
use axum::Json;
use schemars::generate::SchemaGenerator;
use serde_json::{json, Map, Value};
use std::sync::OnceLock;

/// Path parameters holding ids (UUIDs); every other path parameter is a free string.
const UUID_PARAMS: &[&str] = &["id", "schedule_id"];

fn operation(o: &Op, g: &mut SchemaGenerator) -> Value {
    let mut success = json!({"description": "Success"});
    if let Some(schema) = o.response.and_then(|answer| answer(g)) {
        success["content"] = json!({"application/json": {"schema": schema}});
    }
    let mut params: Vec<Value> = o
        .path
        .split('/')
        .filter_map(|seg| seg.strip_prefix('{')?.strip_suffix('}'))
        .map(|name| {
            let schema = if UUID_PARAMS.contains(&name) {
                json!({"type": "string", "format": "uuid"})
            } else {
                json!({"type": "string", "minLength": 1})
            };
            json!({"name": name, "in": "path", "required": true, "schema": schema})
        })
        .collect();
    for (name, required) in o.query {
        params.push(json!({"name": name, "in": "query", "required": required,
            "schema": {"type": "string", "format": "uuid"}}));
    }
    let mut out = json!({
        "summary": o.summary,
        "operationId": format!("{} {}", o.method, o.path),
        "parameters": params,
        "responses": {
            "2XX": success,
            "4XX": {"description": "Invalid request or missing object",
                    "content": {"application/json": {"schema": error(g)}}},
        },
    });
    if let Some(body) = o.body {
        out["requestBody"] = json!({"required": true, "content": {"application/json":
            {"schema": body(g)}}});
    }
    out
}

/// The whole document.
pub fn document() -> Value {
    let mut g = generator();
    let mut paths = Map::new();
    for o in operations() {
        let entry = paths.entry(o.path.to_string()).or_insert_with(|| json!({}));
        entry[o.method] = operation(o, &mut g);
    }
    let components = Value::Object(g.take_definitions(true));
    json!({
        "openapi": "3.1.0",
        "info": {
            "title": "Baton",
            "version": env!("CARGO_PKG_VERSION"),
            "description": "Prefect 3's REST API as served by Baton, plus Baton's own /baton/ extensions.",
        },
        "servers": [{"url": "/api"}],
        "paths": paths,
        "components": {"schemas": components},
    })
}

/// `GET /api/openapi.json`.
pub async fn serve() -> Json<Value> {
    static DOC: OnceLock<Value> = OnceLock::new();
    Json(DOC.get_or_init(document).clone())
}

#[cfg(test)]
#[path = "openapi_tests.rs"]
mod tests;

#[cfg(test)]
#[path = "openapi_parity_tests.rs"]
mod parity_tests;
