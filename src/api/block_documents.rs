//! `/api/block_documents/…` and the documents of a block type: saved blocks, secrets hidden unless
//! `include_secrets` is asked for.

use super::blocks::{block_schema, block_type, limit, schema_filter, type_filter};
use super::error::{ApiError, ApiResult, Body, Id, ObjectBody};
use super::AppState;
use crate::domain::block::{Referenced, ResolvedDocument};
use crate::domain::block_filter::{DocumentFilter, DocumentQuery, DocumentSort};
use crate::domain::time;
use crate::services::block_documents::{BlockDocumentPatch, NewBlockDocument};
use crate::wire::blocks as wire;
use crate::wire::work_pools::Operator;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::Json;
use serde::Deserialize;
use std::collections::BTreeMap;

pub fn routes() -> axum::Router<AppState> {
    use axum::routing::{get, post};
    axum::Router::new()
        .route("/block_documents/", post(create))
        .route("/block_documents/filter", post(filter))
        .route("/block_documents/count", post(count))
        .route(
            "/block_documents/{id}",
            get(get_one).patch(update).delete(delete),
        )
}

/// `?include_secrets=true`: secret fields in the clear.
#[derive(Debug, Default, Deserialize)]
pub struct Secrets {
    #[serde(default)]
    pub include_secrets: bool,
}

fn references(refs: Vec<(String, Referenced)>) -> BTreeMap<String, wire::BlockDocumentReference> {
    refs.into_iter()
        .map(|(field, r)| {
            let doc = wire::ReferencedDocument {
                id: r.id,
                name: r.name,
                block_type: block_type(r.block_type),
                is_anonymous: r.is_anonymous,
                block_document_references: references(r.references),
            };
            (
                field,
                wire::BlockDocumentReference {
                    block_document: doc,
                },
            )
        })
        .collect()
}

/// A document on the wire.
pub fn document(r: ResolvedDocument) -> wire::BlockDocument {
    let d = r.doc;
    wire::BlockDocument {
        id: d.id,
        created: time::format(d.created),
        updated: time::format(d.updated),
        name: d.name,
        data: d.data,
        block_schema_id: d.block_schema_id,
        block_schema: block_schema(r.schema, Some(r.block_type.clone())),
        block_type_id: d.block_type_id,
        block_type_name: d.block_type_name,
        block_type: block_type(r.block_type),
        block_document_references: references(r.references),
        is_anonymous: d.is_anonymous,
    }
}

fn documents_filter(f: Option<wire::BlockDocumentFilter>) -> DocumentFilter {
    let Some(f) = f else {
        return DocumentFilter::default();
    };
    let name = f.name.unwrap_or_default();
    DocumentFilter {
        any: f.operator == Some(Operator::Or),
        ids: f.id.and_then(|a| a.any_),
        is_anonymous: match f.is_anonymous {
            None => Some(false),
            Some(None) => None,
            Some(Some(eq)) => eq.eq_,
        },
        type_ids: f.block_type_id.and_then(|a| a.any_),
        names: name.any_,
        name_like: name.like_,
    }
}

/// The sections of a document filter as a query (every match, by name).
fn query(b: wire::BlockDocumentCountRequest) -> DocumentQuery {
    DocumentQuery {
        documents: documents_filter(b.block_documents),
        types: type_filter(b.block_types),
        schemas: schema_filter(b.block_schemas),
        ..DocumentQuery::default()
    }
}

pub async fn create(
    State(s): State<AppState>,
    Body(b): Body<wire::BlockDocumentCreate>,
) -> ApiResult<(StatusCode, Json<wire::BlockDocument>)> {
    let doc = s
        .create_block_document(NewBlockDocument {
            name: b.name,
            data: b.data,
            block_schema_id: b.block_schema_id,
            block_type_id: b.block_type_id,
            is_anonymous: b.is_anonymous,
        })
        .await?;
    Ok((StatusCode::CREATED, Json(document(doc))))
}

pub async fn filter(
    State(s): State<AppState>,
    ObjectBody(b): ObjectBody<wire::BlockDocumentFilterRequest>,
) -> ApiResult<Json<Vec<wire::BlockDocument>>> {
    let sort = match b.sort.as_deref() {
        None => DocumentSort::NameAsc,
        Some(name) => DocumentSort::parse(name).ok_or_else(|| {
            ApiError::invalid(format!(
                "sort: '{name}' is not one of NAME_ASC, NAME_DESC, BLOCK_TYPE_AND_NAME_ASC"
            ))
        })?,
    };
    let q = DocumentQuery {
        sort,
        offset: b.offset.unwrap_or(0),
        limit: Some(limit(b.limit)?),
        ..query(b.sections)
    };
    let docs = s.block_documents(q, b.include_secrets).await?;
    Ok(Json(docs.into_iter().map(document).collect()))
}

pub async fn count(
    State(s): State<AppState>,
    ObjectBody(b): ObjectBody<wire::BlockDocumentCountRequest>,
) -> ApiResult<Json<u64>> {
    Ok(Json(s.count_block_documents(query(b)).await?))
}

pub async fn get_one(
    State(s): State<AppState>,
    Id(id): Id,
    Query(q): Query<Secrets>,
) -> ApiResult<Json<wire::BlockDocument>> {
    Ok(Json(document(
        s.block_document(id, q.include_secrets).await?,
    )))
}

pub async fn update(
    State(s): State<AppState>,
    Id(id): Id,
    Body(b): Body<wire::BlockDocumentUpdate>,
) -> ApiResult<StatusCode> {
    let patch = BlockDocumentPatch {
        block_schema_id: b.block_schema_id,
        data: b.data,
        merge_existing_data: b.merge_existing_data,
    };
    s.update_block_document(id, patch).await?;
    Ok(StatusCode::NO_CONTENT)
}

pub async fn delete(State(s): State<AppState>, Id(id): Id) -> ApiResult<StatusCode> {
    s.delete_block_document(id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// `GET /block_types/slug/{slug}/block_documents`: the type's named documents.
pub async fn of_type(
    State(s): State<AppState>,
    Path(slug): Path<String>,
    Query(q): Query<Secrets>,
) -> ApiResult<Json<Vec<wire::BlockDocument>>> {
    let docs = s.block_documents_of_type(slug, q.include_secrets).await?;
    Ok(Json(docs.into_iter().map(document).collect()))
}

/// `GET /block_types/slug/{slug}/block_documents/name/{name}`.
pub async fn by_name(
    State(s): State<AppState>,
    Path((slug, name)): Path<(String, String)>,
    Query(q): Query<Secrets>,
) -> ApiResult<Json<wire::BlockDocument>> {
    let doc = s
        .block_document_by_name(slug, name, q.include_secrets)
        .await?;
    Ok(Json(document(doc)))
}
