//! The `block_documents` table (data sealed by the services: the store never sees it in the clear) and
//! `block_document_references`.

use super::block_types::{in_list, schema_where, type_where};
use super::codec;
use super::error::{Result, StoreError};
use super::Tx;
use crate::domain::block::BlockDocument;
use crate::domain::block_filter::{DocumentFilter, DocumentQuery, DocumentSort};
use crate::domain::Doc;
use crate::store::sql::Value as Sql;
use crate::store::sql::{params, params_from_iter, OptionalExtension, Row};
use uuid::Uuid;

/// A document as stored: its `data` empty, the sealed bytes beside it.
pub struct Sealed {
    pub doc: BlockDocument,
    pub sealed: Vec<u8>,
}

const COLS: &str = "block_documents.id, block_documents.created, block_documents.updated, \
    block_documents.name, block_documents.data, block_documents.block_schema_id, \
    block_documents.block_type_id, block_documents.block_type_name, block_documents.is_anonymous";

fn row(r: &Row) -> crate::store::sql::Result<Sealed> {
    Ok(Sealed {
        doc: BlockDocument {
            id: codec::req_uuid(r, 0)?,
            created: codec::req_ts(r, 1)?,
            updated: codec::req_ts(r, 2)?,
            name: r.get(3)?,
            data: Doc::new(),
            block_schema_id: codec::req_uuid(r, 5)?,
            block_type_id: codec::req_uuid(r, 6)?,
            block_type_name: r.get(7)?,
            is_anonymous: r.get(8)?,
            references: Vec::new(),
        },
        sealed: r.get(4)?,
    })
}

/// Inserts a document and its references; a taken name (per type) is a conflict.
pub fn insert(tx: &Tx, d: &BlockDocument, sealed: &[u8]) -> Result<()> {
    tx.conn
        .execute(
            "INSERT INTO block_documents (id, created, updated, name, data, block_schema_id, block_type_id, \
             block_type_name, is_anonymous) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
            params![
                d.id.to_string(),
                codec::ts(d.created),
                codec::ts(d.updated),
                d.name,
                sealed,
                d.block_schema_id.to_string(),
                d.block_type_id.to_string(),
                d.block_type_name,
                d.is_anonymous
            ],
        )
        .map_err(|e| match e {
            f if f.is_constraint() =>
            {
                StoreError::Conflict("Block already exists".into())
            }
            other => other.into(),
        })?;
    set_references(tx, d.id, &d.references)
}

/// Writes a document's data, schema and references.
pub fn update(tx: &Tx, d: &BlockDocument, sealed: &[u8]) -> Result<()> {
    tx.conn.execute(
        "UPDATE block_documents SET updated = ?2, data = ?3, block_schema_id = ?4 WHERE id = ?1",
        params![
            d.id.to_string(),
            codec::ts(d.updated),
            sealed,
            d.block_schema_id.to_string()
        ],
    )?;
    set_references(tx, d.id, &d.references)
}

fn set_references(tx: &Tx, parent: Uuid, refs: &[(String, Uuid)]) -> Result<()> {
    tx.conn.execute(
        "DELETE FROM block_document_references WHERE parent_id = ?1",
        [parent.to_string()],
    )?;
    for (name, child) in refs {
        tx.conn
            .execute(
                "INSERT INTO block_document_references (parent_id, name, reference_id) VALUES (?1, ?2, ?3)",
                params![parent.to_string(), name, child.to_string()],
            )
            .map_err(|e| match e {
                f if f.is_constraint() =>
                {
                    StoreError::Conflict(format!(
                        "Block document {child} (referenced by field '{name}') does not exist"
                    ))
                }
                other => other.into(),
            })?;
    }
    Ok(())
}

/// A document's references, by field name.
pub fn references(tx: &Tx, parent: Uuid) -> Result<Vec<(String, Uuid)>> {
    let mut stmt = tx.conn.prepare_cached(
        "SELECT name, reference_id FROM block_document_references WHERE parent_id = ?1 ORDER BY rowid",
    )?;
    let rows = stmt.query_map([parent.to_string()], |r| {
        Ok((r.get(0)?, codec::req_uuid(r, 1)?))
    })?;
    Ok(rows.collect::<crate::store::sql::Result<_>>()?)
}

/// The document with this id (its references filled in).
pub fn get(tx: &Tx, id: Uuid) -> Result<Option<Sealed>> {
    let sql = format!("SELECT {COLS} FROM block_documents WHERE id = ?1");
    let found = tx.conn.query_row(&sql, [id.to_string()], row).optional()?;
    with_references(tx, found)
}

/// The document of this type (by slug) and name.
pub fn by_slug_and_name(tx: &Tx, slug: &str, name: &str) -> Result<Option<Sealed>> {
    let sql = format!(
        "SELECT {COLS} FROM block_documents JOIN block_types ON block_types.id = block_documents.block_type_id \
         WHERE block_types.slug = ?1 AND block_documents.name = ?2"
    );
    let found = tx.conn.query_row(&sql, [slug, name], row).optional()?;
    with_references(tx, found)
}

fn with_references(tx: &Tx, found: Option<Sealed>) -> Result<Option<Sealed>> {
    match found {
        Some(mut s) => {
            s.doc.references = references(tx, s.doc.id)?;
            Ok(Some(s))
        }
        None => Ok(None),
    }
}

fn document_where(f: &DocumentFilter, args: &mut Vec<Sql>) -> Option<String> {
    let mut parts = Vec::new();
    let ids = |v: &[Uuid]| v.iter().map(Uuid::to_string).collect::<Vec<_>>();
    if let Some(v) = &f.ids {
        parts.push(in_list("block_documents.id", ids(v), args));
    }
    if let Some(a) = f.is_anonymous {
        parts.push(format!("block_documents.is_anonymous = {}", i32::from(a)));
    }
    if let Some(v) = &f.type_ids {
        parts.push(in_list("block_documents.block_type_id", ids(v), args));
    }
    if let Some(v) = &f.names {
        parts.push(in_list("block_documents.name", v.iter().cloned(), args));
    }
    if let Some(like) = &f.name_like {
        args.push(Sql::Text(format!("%{like}%")));
        parts.push(format!("block_documents.name LIKE ?{}", args.len()));
    }
    if parts.is_empty() {
        return None;
    }
    let join = if f.any { " OR " } else { " AND " };
    Some(format!("({})", parts.join(join)))
}

fn query_where(q: &DocumentQuery, args: &mut Vec<Sql>) -> String {
    let mut parts = Vec::new();
    if let Some(d) = document_where(&q.documents, args) {
        parts.push(d);
    }
    type_where(&q.types, &mut parts, args);
    if let Some(s) = schema_where(&q.schemas, args) {
        parts.push(s);
    }
    if parts.is_empty() {
        "1 = 1".into()
    } else {
        parts.join(" AND ")
    }
}

const FROM: &str =
    "block_documents JOIN block_types ON block_types.id = block_documents.block_type_id \
    JOIN block_schemas ON block_schemas.id = block_documents.block_schema_id";

/// Documents matching the query (references filled in).
pub fn list(tx: &Tx, q: &DocumentQuery) -> Result<Vec<Sealed>> {
    let mut args = Vec::new();
    let wher = query_where(q, &mut args);
    let order = match q.sort {
        DocumentSort::NameAsc => "block_documents.name ASC",
        DocumentSort::NameDesc => "block_documents.name DESC",
        DocumentSort::TypeAndNameAsc => {
            "block_documents.block_type_name ASC, block_documents.name ASC"
        }
    };
    // No limit: the largest, which both engines take (SQLite also reads -1 so; PostgreSQL refuses it).
    let limit = q.limit.map_or(i64::MAX, i64::from);
    let sql = format!(
        "SELECT {COLS} FROM {FROM} WHERE {wher} ORDER BY {order}, block_documents.id LIMIT {limit} OFFSET {}",
        q.offset
    );
    let found: Vec<Sealed> = {
        let mut stmt = tx.conn.prepare(&sql)?;
        let rows = stmt.query_map(params_from_iter(args), row)?;
        rows.collect::<crate::store::sql::Result<_>>()?
    };
    let mut out = Vec::with_capacity(found.len());
    for mut s in found {
        s.doc.references = references(tx, s.doc.id)?;
        out.push(s);
    }
    Ok(out)
}

/// How many documents match.
pub fn count(tx: &Tx, q: &DocumentQuery) -> Result<u64> {
    let mut args = Vec::new();
    let wher = query_where(q, &mut args);
    let sql = format!("SELECT count(*) FROM {FROM} WHERE {wher}");
    Ok(tx
        .conn
        .query_row(&sql, params_from_iter(args), |r| r.get::<_, i64>(0))? as u64)
}

/// Deletes a document (its references to others go with it; fields referring to it disappear).
pub fn delete(tx: &Tx, id: Uuid) -> Result<bool> {
    Ok(tx.conn.execute(
        "DELETE FROM block_documents WHERE id = ?1",
        [id.to_string()],
    )? > 0)
}
