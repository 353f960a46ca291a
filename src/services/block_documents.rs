//! Block documents: save (data sealed at rest), read (secrets hidden unless asked for, referenced
//! documents in place), change, list, delete.

use super::block_reads::{closes_cycle, open, resolve, seal};
use super::blocks::{schema_not_found, type_not_found};
use super::{Result, ServiceError, Services};
use crate::domain::block::{self, BlockDocument, ResolvedDocument};
use crate::domain::block_filter::{DocumentFilter, DocumentQuery, DocumentSort};
use crate::domain::Doc;
use crate::store::{block_documents, block_types, Tx};
use serde_json::json;
use uuid::Uuid;

/// A document to save.
#[derive(Clone, Debug)]
pub struct NewBlockDocument {
    pub name: Option<String>,
    pub data: Doc,
    pub block_schema_id: Uuid,
    pub block_type_id: Uuid,
    pub is_anonymous: bool,
}

/// A change to a document's data (and schema).
#[derive(Clone, Debug)]
pub struct BlockDocumentPatch {
    pub block_schema_id: Option<Uuid>,
    pub data: Option<Doc>,
    /// Keep the stored top-level keys the new data does not name.
    pub merge_existing_data: bool,
}

pub(super) fn document_not_found() -> ServiceError {
    ServiceError::NotFound("Block document not found".into())
}

fn cycle(parent: Uuid, child: Uuid) -> ServiceError {
    ServiceError::BadRequest(format!(
        "Cannot create block document reference: it would introduce a cycle into the \
         block_document_reference graph (parent={parent}, reference={child})."
    ))
}

/// A document's data without its references, and its references by field.
type Split = (Doc, Vec<(String, Uuid)>);

/// The references of `data` checked to exist; `Err` with the service error to answer.
fn checked_references(
    tx: &Tx,
    parent: Uuid,
    data: Doc,
) -> crate::store::Result<std::result::Result<Split, ServiceError>> {
    let (plain, refs) = match block::split_references(data) {
        Ok(split) => split,
        Err(e) => return Ok(Err(ServiceError::BadRequest(e))),
    };
    for (field, id) in &refs {
        if block_documents::get(tx, *id)?.is_none() {
            return Ok(Err(ServiceError::Conflict(format!(
                "Field '{field}' refers to block document {id}, which does not exist"
            ))));
        }
    }
    if let Some(child) = closes_cycle(tx, parent, &refs)? {
        return Ok(Err(cycle(parent, child)));
    }
    Ok(Ok((plain, refs)))
}

impl Services {
    /// Saves a document; 409 when its type already has one with this name.
    pub async fn create_block_document(&self, new: NewBlockDocument) -> Result<ResolvedDocument> {
        let name = match new.name.filter(|n| !n.is_empty()) {
            Some(n) => n,
            None if new.is_anonymous => format!("anonymous-{}", Uuid::new_v4()),
            None => {
                return Err(ServiceError::Invalid(
                    "Names must be provided for block documents.".into(),
                ))
            }
        };
        block::check_document_name(&name).map_err(ServiceError::Invalid)?;
        let now = self.clock.now();
        let cipher = self.cipher.clone();
        let id = Uuid::now_v7();
        self.store
            .write(move |tx| {
                let Some(schema) = block_types::get_schema(tx, new.block_schema_id)? else {
                    return Ok(Err(ServiceError::Conflict(format!(
                        "Block schema {} does not exist",
                        new.block_schema_id
                    ))));
                };
                let Some(t) = block_types::get_type(tx, new.block_type_id)? else {
                    return Ok(Err(ServiceError::Conflict(format!(
                        "Block type {} does not exist",
                        new.block_type_id
                    ))));
                };
                if schema.block_type_id != t.id {
                    return Ok(Err(ServiceError::BadRequest(
                        "The block schema is not one of the block type's schemas.".into(),
                    )));
                }
                let (data, references) = match checked_references(tx, id, new.data)? {
                    Ok(split) => split,
                    Err(e) => return Ok(Err(e)),
                };
                let doc = BlockDocument {
                    id,
                    created: now,
                    updated: now,
                    name,
                    data,
                    block_schema_id: schema.id,
                    block_type_id: t.id,
                    block_type_name: Some(t.name),
                    is_anonymous: new.is_anonymous,
                    references,
                };
                block_documents::insert(tx, &doc, &seal(&cipher, &doc.data))?;
                let stored = block_documents::get(tx, id)?
                    .ok_or(crate::store::StoreError::NotFound("block document"))?;
                Ok(Ok(resolve(tx, &cipher, stored, false)?))
            })
            .await?
    }

    /// Changes a document's data: a secret field sent as `********` keeps its value; with
    /// `merge_existing_data` the stored keys the new data does not name stay.
    pub async fn update_block_document(&self, id: Uuid, patch: BlockDocumentPatch) -> Result<()> {
        let now = self.clock.now();
        let cipher = self.cipher.clone();
        self.store
            .write(move |tx| {
                let Some(stored) = block_documents::get(tx, id)? else {
                    return Ok(Err(document_not_found()));
                };
                let mut doc = stored.doc.clone();
                let mut old = open(&cipher, &stored)?;
                for (field, child) in &doc.references {
                    old.insert(field.clone(), json!({"$ref": {"block_document_id": child}}));
                }
                let schema = block_types::get_schema(tx, doc.block_schema_id)?;
                let secrets = schema.map(|s| s.secret_fields()).unwrap_or_default();
                let new = match (&patch.data, patch.merge_existing_data) {
                    (Some(d), merge) => block::patched(&old, d, &secrets, merge),
                    (None, true) => old,
                    (None, false) => Doc::new(),
                };
                if let (Some(sid), Some(_)) = (patch.block_schema_id, &patch.data) {
                    let Some(s) = block_types::get_schema(tx, sid)? else {
                        return Ok(Err(schema_not_found()));
                    };
                    if s.block_type_id != doc.block_type_id {
                        return Ok(Err(ServiceError::BadRequest(
                            "Must migrate block document to a block schema of the same block type."
                                .into(),
                        )));
                    }
                    doc.block_schema_id = sid;
                }
                let (data, references) = match checked_references(tx, id, new)? {
                    Ok(split) => split,
                    Err(e) => return Ok(Err(e)),
                };
                doc.data = data;
                doc.references = references;
                doc.updated = now;
                block_documents::update(tx, &doc, &seal(&cipher, &doc.data))?;
                Ok(Ok(()))
            })
            .await?
    }

    /// One document by id.
    pub async fn block_document(&self, id: Uuid, secrets: bool) -> Result<ResolvedDocument> {
        let cipher = self.cipher.clone();
        self.store
            .read(move |tx| match block_documents::get(tx, id)? {
                Some(s) => Ok(Some(resolve(tx, &cipher, s, secrets)?)),
                None => Ok(None),
            })
            .await?
            .ok_or_else(document_not_found)
    }

    /// One document by its type's slug and its name (anonymous ones too).
    pub async fn block_document_by_name(
        &self,
        slug: String,
        name: String,
        secrets: bool,
    ) -> Result<ResolvedDocument> {
        let cipher = self.cipher.clone();
        self.store
            .read(
                move |tx| match block_documents::by_slug_and_name(tx, &slug, &name)? {
                    Some(s) => Ok(Some(resolve(tx, &cipher, s, secrets)?)),
                    None => Ok(None),
                },
            )
            .await?
            .ok_or_else(document_not_found)
    }

    /// Documents matching a query.
    pub async fn block_documents(
        &self,
        q: DocumentQuery,
        secrets: bool,
    ) -> Result<Vec<ResolvedDocument>> {
        let cipher = self.cipher.clone();
        Ok(self
            .store
            .read(move |tx| {
                block_documents::list(tx, &q)?
                    .into_iter()
                    .map(|s| resolve(tx, &cipher, s, secrets))
                    .collect()
            })
            .await?)
    }

    /// How many documents match.
    pub async fn count_block_documents(&self, q: DocumentQuery) -> Result<u64> {
        Ok(self
            .store
            .read(move |tx| block_documents::count(tx, &q))
            .await?)
    }

    /// The named documents of a type (by slug), by name; 404 when the type does not exist.
    pub async fn block_documents_of_type(
        &self,
        slug: String,
        secrets: bool,
    ) -> Result<Vec<ResolvedDocument>> {
        let t = self
            .block_type_by_slug(slug)
            .await
            .map_err(|_| type_not_found())?;
        let q = DocumentQuery {
            documents: DocumentFilter {
                type_ids: Some(vec![t.id]),
                ..DocumentFilter::default()
            },
            sort: DocumentSort::NameAsc,
            ..DocumentQuery::default()
        };
        self.block_documents(q, secrets).await
    }

    /// Deletes a document; fields of other documents that referred to it disappear.
    pub async fn delete_block_document(&self, id: Uuid) -> Result<()> {
        let gone = self
            .store
            .write(move |tx| block_documents::delete(tx, id))
            .await?;
        gone.then_some(()).ok_or_else(document_not_found)
    }
}
