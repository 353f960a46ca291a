//! Reading block documents: open the sealed data, put referenced documents' data in place (each hidden by
//! its own schema's secret fields), and hide the document's own secrets unless they are asked for.

use super::cipher::Cipher;
use crate::domain::block::{
    mask, BlockDocument, Referenced, ResolvedDocument, MAX_REFERENCE_DEPTH,
};
use crate::domain::Doc;
use crate::store::block_documents::{self, Sealed};
use crate::store::block_types;
use crate::store::{StoreError, Tx};
use serde_json::Value;
use uuid::Uuid;

type Result<T> = std::result::Result<T, StoreError>;

/// The data of a stored document.
pub(super) fn open(cipher: &Cipher, s: &Sealed) -> Result<Doc> {
    let bytes = cipher
        .open(&s.sealed)
        .map_err(|e| StoreError::Damaged(format!("block document {}: {e}", s.doc.id)))?;
    match serde_json::from_slice::<Value>(&bytes) {
        Ok(Value::Object(o)) => Ok(o),
        _ => Err(StoreError::Damaged(format!(
            "block document {}: its data is not a JSON object",
            s.doc.id
        ))),
    }
}

/// The data to seal.
pub(super) fn seal(cipher: &Cipher, data: &Doc) -> Vec<u8> {
    cipher.seal(Value::Object(data.clone()).to_string().as_bytes())
}

/// A stored document read in full.
pub(super) fn resolve(
    tx: &Tx,
    cipher: &Cipher,
    s: Sealed,
    secrets: bool,
) -> Result<ResolvedDocument> {
    resolve_at(tx, cipher, s, secrets, 0)
}

fn resolve_at(
    tx: &Tx,
    cipher: &Cipher,
    s: Sealed,
    secrets: bool,
    depth: usize,
) -> Result<ResolvedDocument> {
    let data = open(cipher, &s)?;
    let schema = block_types::get_schema(tx, s.doc.block_schema_id)?
        .ok_or(StoreError::NotFound("block schema"))?;
    let block_type = block_types::get_type(tx, s.doc.block_type_id)?
        .ok_or(StoreError::NotFound("block type"))?;
    let mut data = if secrets {
        data
    } else {
        mask(&data, &schema.secret_fields())
    };
    let mut references = Vec::new();
    if depth < MAX_REFERENCE_DEPTH {
        for (field, child_id) in &s.doc.references {
            let Some(child) = block_documents::get(tx, *child_id)? else {
                continue;
            };
            let child = resolve_at(tx, cipher, child, secrets, depth + 1)?;
            data.insert(field.clone(), Value::Object(child.doc.data.clone()));
            references.push((field.clone(), referenced(child)));
        }
    }
    Ok(ResolvedDocument {
        doc: BlockDocument { data, ..s.doc },
        schema,
        block_type,
        references,
    })
}

fn referenced(r: ResolvedDocument) -> Referenced {
    Referenced {
        id: r.doc.id,
        name: r.doc.name,
        block_type: r.block_type,
        is_anonymous: r.doc.is_anonymous,
        references: r.references,
    }
}

/// Whether making `parent`'s fields refer to `children` would close a cycle (a child is `parent`, or
/// refers to it, however deep).
pub(super) fn closes_cycle(
    tx: &Tx,
    parent: Uuid,
    children: &[(String, Uuid)],
) -> Result<Option<Uuid>> {
    let mut todo: Vec<(Uuid, Uuid)> = children.iter().map(|(_, c)| (*c, *c)).collect();
    let mut seen = std::collections::HashSet::new();
    while let Some((top, id)) = todo.pop() {
        if id == parent {
            return Ok(Some(top));
        }
        if !seen.insert(id) {
            continue;
        }
        for (_, next) in block_documents::references(tx, id)? {
            todo.push((top, next));
        }
    }
    Ok(None)
}
