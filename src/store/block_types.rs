//! The `block_types` and `block_schemas` tables.

use super::codec;
use super::error::{Result, StoreError};
use super::Tx;
use crate::domain::block::{BlockSchema, BlockType};
use crate::domain::block_filter::{SchemaFilter, TypeFilter};
use crate::store::sql::Value as Sql;
use crate::store::sql::{params, params_from_iter, OptionalExtension, Row};
use uuid::Uuid;

const TYPE_COLS: &str = "block_types.id, block_types.created, block_types.updated, block_types.name, \
    block_types.slug, block_types.logo_url, block_types.documentation_url, block_types.description, \
    block_types.code_example, block_types.is_protected";

const SCHEMA_COLS: &str = "block_schemas.id, block_schemas.created, block_schemas.updated, \
    block_schemas.checksum, block_schemas.fields, block_schemas.block_type_id, block_schemas.capabilities, \
    block_schemas.version";

fn type_row(r: &Row) -> crate::store::sql::Result<BlockType> {
    Ok(BlockType {
        id: codec::req_uuid(r, 0)?,
        created: codec::req_ts(r, 1)?,
        updated: codec::req_ts(r, 2)?,
        name: r.get(3)?,
        slug: r.get(4)?,
        logo_url: r.get(5)?,
        documentation_url: r.get(6)?,
        description: r.get(7)?,
        code_example: r.get(8)?,
        is_protected: r.get(9)?,
    })
}

fn schema_row(r: &Row) -> crate::store::sql::Result<BlockSchema> {
    Ok(BlockSchema {
        id: codec::req_uuid(r, 0)?,
        created: codec::req_ts(r, 1)?,
        updated: codec::req_ts(r, 2)?,
        checksum: r.get(3)?,
        fields: codec::parse_json(r, 4)?.unwrap_or_default(),
        block_type_id: codec::req_uuid(r, 5)?,
        capabilities: codec::parse_tags(r, 6)?,
        version: r.get(7)?,
    })
}

/// Inserts a type; a taken slug is a conflict.
pub fn insert_type(tx: &Tx, t: &BlockType) -> Result<()> {
    tx.conn
        .execute(
            "INSERT INTO block_types (id, created, updated, name, slug, logo_url, documentation_url, \
             description, code_example, is_protected) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
            params![
                t.id.to_string(),
                codec::ts(t.created),
                codec::ts(t.updated),
                t.name,
                t.slug,
                t.logo_url,
                t.documentation_url,
                t.description,
                t.code_example,
                t.is_protected
            ],
        )
        .map_err(|e| match e {
            f if f.is_constraint() =>
            {
                StoreError::Conflict(format!("Block type with name \"{}\" already exists", t.name))
            }
            other => other.into(),
        })?;
    Ok(())
}

/// Writes a type's descriptive fields and protection.
pub fn update_type(tx: &Tx, t: &BlockType) -> Result<()> {
    tx.conn.execute(
        "UPDATE block_types SET updated = ?2, name = ?3, logo_url = ?4, documentation_url = ?5, \
         description = ?6, code_example = ?7, is_protected = ?8 WHERE id = ?1",
        params![
            t.id.to_string(),
            codec::ts(t.updated),
            t.name,
            t.logo_url,
            t.documentation_url,
            t.description,
            t.code_example,
            t.is_protected
        ],
    )?;
    Ok(())
}

pub fn get_type(tx: &Tx, id: Uuid) -> Result<Option<BlockType>> {
    let sql = format!("SELECT {TYPE_COLS} FROM block_types WHERE id = ?1");
    Ok(tx
        .conn
        .query_row(&sql, [id.to_string()], type_row)
        .optional()?)
}

pub fn type_by_slug(tx: &Tx, slug: &str) -> Result<Option<BlockType>> {
    let sql = format!("SELECT {TYPE_COLS} FROM block_types WHERE slug = ?1");
    Ok(tx.conn.query_row(&sql, [slug], type_row).optional()?)
}

/// Deletes a type with its schemas and documents.
pub fn delete_type(tx: &Tx, id: Uuid) -> Result<bool> {
    Ok(tx
        .conn
        .execute("DELETE FROM block_types WHERE id = ?1", [id.to_string()])?
        > 0)
}

/// `WHERE` parts for a type filter over `block_types`.
pub(super) fn type_where(f: &TypeFilter, parts: &mut Vec<String>, args: &mut Vec<Sql>) {
    if let Some(like) = &f.name_like {
        args.push(Sql::Text(format!("%{like}%")));
        parts.push(format!("block_types.name LIKE ?{}", args.len()));
    }
    if let Some(slugs) = &f.slugs {
        parts.push(in_list("block_types.slug", slugs.iter().cloned(), args));
    }
}

/// `WHERE` parts for a schema filter over `block_schemas`, joined with AND (or OR when `any`).
pub(super) fn schema_where(f: &SchemaFilter, args: &mut Vec<Sql>) -> Option<String> {
    let mut parts = Vec::new();
    let ids = |v: &[Uuid]| v.iter().map(Uuid::to_string).collect::<Vec<_>>();
    if let Some(v) = &f.type_ids {
        parts.push(in_list("block_schemas.block_type_id", ids(v), args));
    }
    if let Some(v) = &f.ids {
        parts.push(in_list("block_schemas.id", ids(v), args));
    }
    if let Some(v) = &f.versions {
        parts.push(in_list("block_schemas.version", v.iter().cloned(), args));
    }
    if let Some(caps) = &f.capabilities_all {
        args.push(Sql::Text(serde_json::Value::from(caps.clone()).to_string()));
        parts.push(format!(
            "NOT EXISTS (SELECT 1 FROM json_each(?{}) AS want WHERE want.value NOT IN \
             (SELECT value FROM json_each(block_schemas.capabilities)))",
            args.len()
        ));
    }
    if parts.is_empty() {
        return None;
    }
    let join = if f.any { " OR " } else { " AND " };
    Some(format!("({})", parts.join(join)))
}

/// `col IN (?, ?, …)` with the values bound (`0` — never true — for an empty list).
pub(super) fn in_list(
    col: &str,
    values: impl IntoIterator<Item = String>,
    args: &mut Vec<Sql>,
) -> String {
    let mut marks = Vec::new();
    for v in values {
        args.push(Sql::Text(v));
        marks.push(format!("?{}", args.len()));
    }
    if marks.is_empty() {
        return "1 = 0".into();
    }
    format!("{col} IN ({})", marks.join(", "))
}

/// Types matching `f` that have a schema matching `schemas`, by name.
pub fn list_types(
    tx: &Tx,
    f: &TypeFilter,
    schemas: &SchemaFilter,
    offset: u64,
    limit: u32,
) -> Result<Vec<BlockType>> {
    let mut parts = Vec::new();
    let mut args = Vec::new();
    type_where(f, &mut parts, &mut args);
    if let Some(s) = schema_where(schemas, &mut args) {
        parts.push(format!(
            "EXISTS (SELECT 1 FROM block_schemas WHERE block_schemas.block_type_id = block_types.id AND {s})"
        ));
    }
    let wher = if parts.is_empty() {
        "1 = 1".into()
    } else {
        parts.join(" AND ")
    };
    let sql = format!(
        "SELECT {TYPE_COLS} FROM block_types WHERE {wher} ORDER BY block_types.name, block_types.id \
         LIMIT {limit} OFFSET {offset}"
    );
    let mut stmt = tx.conn.prepare(&sql)?;
    let rows = stmt.query_map(params_from_iter(args), type_row)?;
    Ok(rows.collect::<crate::store::sql::Result<_>>()?)
}

/// Inserts a schema; the same checksum and version twice is a conflict.
pub fn insert_schema(tx: &Tx, s: &BlockSchema) -> Result<()> {
    tx.conn.execute(
        "INSERT INTO block_schemas (id, created, updated, checksum, fields, block_type_id, capabilities, \
         version) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
        params![
            s.id.to_string(),
            codec::ts(s.created),
            codec::ts(s.updated),
            s.checksum,
            s.fields.to_string(),
            s.block_type_id.to_string(),
            codec::tags(&s.capabilities),
            s.version
        ],
    )?;
    Ok(())
}

pub fn get_schema(tx: &Tx, id: Uuid) -> Result<Option<BlockSchema>> {
    let sql = format!("SELECT {SCHEMA_COLS} FROM block_schemas WHERE id = ?1");
    Ok(tx
        .conn
        .query_row(&sql, [id.to_string()], schema_row)
        .optional()?)
}

/// The schema with this checksum: of this version, else the newest.
pub fn schema_by_checksum(
    tx: &Tx,
    checksum: &str,
    version: Option<&str>,
) -> Result<Option<BlockSchema>> {
    let sql = format!(
        "SELECT {SCHEMA_COLS} FROM block_schemas WHERE checksum = ?1 AND (CAST(?2 AS TEXT) IS NULL OR version = ?2) \
         ORDER BY created DESC, rowid DESC LIMIT 1"
    );
    Ok(tx
        .conn
        .query_row(&sql, params![checksum, version], schema_row)
        .optional()?)
}

/// Schemas matching `f`, newest first.
pub fn list_schemas(
    tx: &Tx,
    f: &SchemaFilter,
    offset: u64,
    limit: u32,
) -> Result<Vec<BlockSchema>> {
    let mut args = Vec::new();
    let wher = schema_where(f, &mut args).unwrap_or_else(|| "1 = 1".into());
    let sql = format!(
        "SELECT {SCHEMA_COLS} FROM block_schemas WHERE {wher} ORDER BY created DESC, rowid DESC \
         LIMIT {limit} OFFSET {offset}"
    );
    let mut stmt = tx.conn.prepare(&sql)?;
    let rows = stmt.query_map(params_from_iter(args), schema_row)?;
    Ok(rows.collect::<crate::store::sql::Result<_>>()?)
}

/// Every capability some schema has, sorted.
pub fn capabilities(tx: &Tx) -> Result<Vec<String>> {
    let mut stmt = tx.conn.prepare(
        "SELECT DISTINCT c.value FROM block_schemas, json_each(block_schemas.capabilities) AS c ORDER BY 1",
    )?;
    let rows = stmt.query_map([], |r| r.get(0))?;
    Ok(rows.collect::<crate::store::sql::Result<_>>()?)
}

pub fn delete_schema(tx: &Tx, id: Uuid) -> Result<bool> {
    Ok(tx
        .conn
        .execute("DELETE FROM block_schemas WHERE id = ?1", [id.to_string()])?
        > 0)
}
