//! `/api/block_types/…`, `/api/block_schemas/…`, `/api/block_capabilities/`: Prefect's block types and
//! schemas. Documents are in `block_documents.rs`.

use super::error::{ApiError, ApiResult, Body, Id, ObjectBody};
use super::AppState;
use crate::domain::block::{BlockSchema, BlockType};
use crate::domain::block_filter::{SchemaFilter, TypeFilter};
use crate::domain::time;
use crate::services::blocks::{BlockTypePatch, NewBlockSchema, NewBlockType};
use crate::wire::blocks as wire;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::Json;
use serde::Deserialize;

pub fn routes() -> axum::Router<AppState> {
    use axum::routing::{get, post};
    axum::Router::new()
        .route("/block_types/", post(create_type))
        .route("/block_types/filter", post(filter_types))
        .route(
            "/block_types/install_system_block_types",
            post(install_system),
        )
        .route("/block_types/slug/{slug}", get(type_by_slug))
        .route(
            "/block_types/slug/{slug}/block_documents",
            get(super::block_documents::of_type),
        )
        .route(
            "/block_types/slug/{slug}/block_documents/name/{name}",
            get(super::block_documents::by_name),
        )
        .route(
            "/block_types/{id}",
            get(get_type).patch(update_type).delete(delete_type),
        )
        .route("/block_schemas/", post(create_schema))
        .route("/block_schemas/filter", post(filter_schemas))
        .route(
            "/block_schemas/checksum/{checksum}",
            get(schema_by_checksum),
        )
        .route("/block_schemas/{id}", get(get_schema).delete(delete_schema))
        .route("/block_capabilities/", get(capabilities))
        .merge(super::block_documents::routes())
}

/// A block type on the wire.
pub fn block_type(t: BlockType) -> wire::BlockType {
    wire::BlockType {
        id: t.id,
        created: time::format(t.created),
        updated: time::format(t.updated),
        name: t.name,
        slug: t.slug,
        logo_url: t.logo_url,
        documentation_url: t.documentation_url,
        description: t.description,
        code_example: t.code_example,
        is_protected: t.is_protected,
    }
}

/// A block schema on the wire, with its type when known.
pub fn block_schema(s: BlockSchema, t: Option<BlockType>) -> wire::BlockSchema {
    wire::BlockSchema {
        id: s.id,
        created: time::format(s.created),
        updated: time::format(s.updated),
        checksum: s.checksum,
        fields: match s.fields {
            serde_json::Value::Object(o) => o,
            _ => Default::default(),
        },
        block_type_id: s.block_type_id,
        block_type: t.map(block_type),
        capabilities: s.capabilities,
        version: s.version,
    }
}

/// Prefect's page size: 200 at most (and by default).
pub fn limit(l: Option<i64>) -> ApiResult<u32> {
    match l {
        None => Ok(200),
        Some(l) if l > 200 => Err(ApiError::invalid(
            "Invalid limit: must be less than or equal to 200.",
        )),
        Some(l) if l < 0 => Err(ApiError::invalid(
            "Invalid limit: must be greater than or equal to 0.",
        )),
        Some(l) => Ok(l as u32),
    }
}

/// A type filter as the domain's.
pub fn type_filter(f: Option<wire::BlockTypeFilter>) -> TypeFilter {
    let f = f.unwrap_or_default();
    TypeFilter {
        name_like: f.name.and_then(|n| n.like_),
        slugs: f.slug.and_then(|s| s.any_),
    }
}

/// A schema filter as the domain's.
pub fn schema_filter(f: Option<wire::BlockSchemaFilter>) -> SchemaFilter {
    let f = f.unwrap_or_default();
    SchemaFilter {
        any: f.operator == Some(crate::wire::work_pools::Operator::Or),
        type_ids: f.block_type_id.and_then(|a| a.any_),
        capabilities_all: f.block_capabilities.and_then(|c| c.all_),
        ids: f.id.and_then(|a| a.any_),
        versions: f.version.and_then(|a| a.any_),
    }
}

pub async fn create_type(
    State(s): State<AppState>,
    Body(b): Body<wire::BlockTypeCreate>,
) -> ApiResult<(StatusCode, Json<wire::BlockType>)> {
    let t = s
        .create_block_type(NewBlockType {
            name: b.name,
            slug: b.slug,
            logo_url: b.logo_url,
            documentation_url: b.documentation_url,
            description: b.description,
            code_example: b.code_example,
        })
        .await?;
    Ok((StatusCode::CREATED, Json(block_type(t))))
}

pub async fn filter_types(
    State(s): State<AppState>,
    ObjectBody(b): ObjectBody<wire::BlockTypeFilterRequest>,
) -> ApiResult<Json<Vec<wire::BlockType>>> {
    let limit = limit(b.limit)?;
    let types = s
        .block_types(
            type_filter(b.block_types),
            schema_filter(b.block_schemas),
            b.offset.unwrap_or(0),
            limit,
        )
        .await?;
    Ok(Json(types.into_iter().map(block_type).collect()))
}

/// Installs (again) the protected system block types: 200 `null`, as Prefect answers.
pub async fn install_system(State(s): State<AppState>) -> ApiResult<Json<()>> {
    s.install_system_block_types().await?;
    Ok(Json(()))
}

pub async fn type_by_slug(
    State(s): State<AppState>,
    Path(slug): Path<String>,
) -> ApiResult<Json<wire::BlockType>> {
    Ok(Json(block_type(s.block_type_by_slug(slug).await?)))
}

pub async fn get_type(State(s): State<AppState>, Id(id): Id) -> ApiResult<Json<wire::BlockType>> {
    Ok(Json(block_type(s.block_type(id).await?)))
}

pub async fn update_type(
    State(s): State<AppState>,
    Id(id): Id,
    Body(b): Body<wire::BlockTypeUpdate>,
) -> ApiResult<StatusCode> {
    let patch = BlockTypePatch {
        logo_url: b.logo_url,
        documentation_url: b.documentation_url,
        description: b.description,
        code_example: b.code_example,
    };
    s.update_block_type(id, patch).await?;
    Ok(StatusCode::NO_CONTENT)
}

pub async fn delete_type(State(s): State<AppState>, Id(id): Id) -> ApiResult<StatusCode> {
    s.delete_block_type(id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// 201 with the new schema, or 200 with the existing one of the same checksum and version.
pub async fn create_schema(
    State(s): State<AppState>,
    Body(b): Body<wire::BlockSchemaCreate>,
) -> ApiResult<(StatusCode, Json<wire::BlockSchema>)> {
    let (schema, created) = s
        .create_block_schema(NewBlockSchema {
            block_type_id: b.block_type_id,
            fields: b.fields,
            capabilities: b.capabilities,
            version: b.version,
        })
        .await?;
    let t = s.block_type(schema.block_type_id).await.ok();
    let status = if created {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    };
    Ok((status, Json(block_schema(schema, t))))
}

pub async fn filter_schemas(
    State(s): State<AppState>,
    ObjectBody(b): ObjectBody<wire::BlockSchemaFilterRequest>,
) -> ApiResult<Json<Vec<wire::BlockSchema>>> {
    let limit = limit(b.limit)?;
    let schemas = s
        .block_schemas(schema_filter(b.block_schemas), b.offset.unwrap_or(0), limit)
        .await?;
    // Each type read once, however many of its schemas are listed.
    let mut types = std::collections::HashMap::new();
    let mut out = Vec::with_capacity(schemas.len());
    for schema in schemas {
        let id = schema.block_type_id;
        let t = match types.get(&id) {
            Some(t) => Option::clone(t),
            None => {
                let t = s.block_type(id).await.ok();
                types.insert(id, t.clone());
                t
            }
        };
        out.push(block_schema(schema, t));
    }
    Ok(Json(out))
}

/// `?version=`: the schema of that version.
#[derive(Debug, Deserialize)]
pub struct VersionQuery {
    pub version: Option<String>,
}

pub async fn schema_by_checksum(
    State(s): State<AppState>,
    Path(checksum): Path<String>,
    Query(q): Query<VersionQuery>,
) -> ApiResult<Json<wire::BlockSchema>> {
    let schema = s.block_schema_by_checksum(checksum, q.version).await?;
    let t = s.block_type(schema.block_type_id).await.ok();
    Ok(Json(block_schema(schema, t)))
}

pub async fn get_schema(
    State(s): State<AppState>,
    Id(id): Id,
) -> ApiResult<Json<wire::BlockSchema>> {
    let schema = s.block_schema(id).await?;
    let t = s.block_type(schema.block_type_id).await.ok();
    Ok(Json(block_schema(schema, t)))
}

pub async fn delete_schema(State(s): State<AppState>, Id(id): Id) -> ApiResult<StatusCode> {
    s.delete_block_schema(id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Every capability of the stored schemas.
pub async fn capabilities(State(s): State<AppState>) -> ApiResult<Json<Vec<String>>> {
    Ok(Json(s.block_capabilities().await?))
}
