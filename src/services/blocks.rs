//! Block types and schemas: register, read, change, delete, and the system types every server has.

use super::{Result, ServiceError, Services};
use crate::domain::block::{self, BlockSchema, BlockType};
use crate::domain::block_checksum::checksum;
use crate::domain::block_filter::{SchemaFilter, TypeFilter};
use crate::store::block_types;
use serde_json::Value;
use uuid::Uuid;

/// A block type to register.
#[derive(Clone, Debug, Default)]
pub struct NewBlockType {
    pub name: String,
    pub slug: String,
    pub logo_url: Option<String>,
    pub documentation_url: Option<String>,
    pub description: Option<String>,
    pub code_example: Option<String>,
}

/// The descriptive fields of a type a PATCH changes (`Some(None)` clears one).
#[derive(Clone, Debug, Default)]
pub struct BlockTypePatch {
    pub logo_url: Option<Option<String>>,
    pub documentation_url: Option<Option<String>>,
    pub description: Option<Option<String>>,
    pub code_example: Option<Option<String>>,
}

/// A block schema to register.
#[derive(Clone, Debug)]
pub struct NewBlockSchema {
    pub block_type_id: Uuid,
    pub fields: crate::domain::Doc,
    pub capabilities: Vec<String>,
    pub version: String,
}

/// Escapes `<`, `>` and `&`, as Prefect stores a type's description and code example.
fn escaped(s: Option<String>) -> Option<String> {
    s.map(|s| {
        s.replace('&', "&amp;")
            .replace('<', "&lt;")
            .replace('>', "&gt;")
    })
}

pub(super) fn type_not_found() -> ServiceError {
    ServiceError::NotFound("Block type not found".into())
}

pub(super) fn schema_not_found() -> ServiceError {
    ServiceError::NotFound("Block schema not found".into())
}

impl Services {
    /// Registers a type; 409 when the slug is taken, 403 for a name Prefect reserves.
    pub async fn create_block_type(&self, new: NewBlockType) -> Result<BlockType> {
        block::check_type_name(&new.name).map_err(ServiceError::Invalid)?;
        block::check_slug(&new.slug).map_err(ServiceError::Invalid)?;
        if block::reserved_type_name(&new.name) {
            return Err(ServiceError::Forbidden(
                "Block type names beginning with 'Prefect' are reserved.".into(),
            ));
        }
        let now = self.clock.now();
        let t = BlockType {
            id: Uuid::now_v7(),
            created: now,
            updated: now,
            name: new.name,
            slug: new.slug,
            logo_url: new.logo_url,
            documentation_url: new.documentation_url,
            description: escaped(new.description),
            code_example: escaped(new.code_example),
            is_protected: false,
        };
        let stored = t.clone();
        self.store
            .write(move |tx| block_types::insert_type(tx, &stored))
            .await?;
        Ok(t)
    }

    /// Changes a type's descriptive fields (protected types too, as Prefect allows).
    pub async fn update_block_type(&self, id: Uuid, patch: BlockTypePatch) -> Result<()> {
        let now = self.clock.now();
        let found = self
            .store
            .write(move |tx| {
                let Some(mut t) = block_types::get_type(tx, id)? else {
                    return Ok(false);
                };
                let set = |f: &mut Option<String>, v: Option<Option<String>>| {
                    if let Some(v) = v {
                        *f = v;
                    }
                };
                set(&mut t.logo_url, patch.logo_url);
                set(&mut t.documentation_url, patch.documentation_url);
                set(&mut t.description, patch.description);
                set(&mut t.code_example, patch.code_example);
                t.updated = now;
                block_types::update_type(tx, &t)?;
                Ok(true)
            })
            .await?;
        found.then_some(()).ok_or_else(type_not_found)
    }

    pub async fn block_type(&self, id: Uuid) -> Result<BlockType> {
        self.store
            .read(move |tx| block_types::get_type(tx, id))
            .await?
            .ok_or_else(type_not_found)
    }

    pub async fn block_type_by_slug(&self, slug: String) -> Result<BlockType> {
        self.store
            .read(move |tx| block_types::type_by_slug(tx, &slug))
            .await?
            .ok_or_else(type_not_found)
    }

    /// Types matching `f` with a schema matching `schemas`, by name.
    pub async fn block_types(
        &self,
        f: TypeFilter,
        schemas: SchemaFilter,
        offset: u64,
        limit: u32,
    ) -> Result<Vec<BlockType>> {
        Ok(self
            .store
            .read(move |tx| block_types::list_types(tx, &f, &schemas, offset, limit))
            .await?)
    }

    /// Deletes a type with its schemas and documents; 403 for a protected type.
    pub async fn delete_block_type(&self, id: Uuid) -> Result<()> {
        self.store
            .write(move |tx| {
                let Some(t) = block_types::get_type(tx, id)? else {
                    return Ok(Err(type_not_found()));
                };
                if t.is_protected {
                    return Ok(Err(ServiceError::Forbidden(
                        "Protected block types cannot be deleted.".into(),
                    )));
                }
                block_types::delete_type(tx, id)?;
                Ok(Ok(()))
            })
            .await?
    }

    /// Registers a schema; an existing one with the same checksum and version is answered instead
    /// (`false`: not created).
    pub async fn create_block_schema(&self, new: NewBlockSchema) -> Result<(BlockSchema, bool)> {
        let now = self.clock.now();
        let mut fields = new.fields;
        let sum = checksum(&Value::Object(fields.clone()));
        fields
            .entry("block_schema_references")
            .or_insert_with(|| Value::Object(Default::default()));
        let refs: Vec<String> = fields["block_schema_references"]
            .as_object()
            .map(|o| {
                o.values()
                    .flat_map(|v| match v {
                        Value::Array(a) => a.clone(),
                        other => vec![other.clone()],
                    })
                    .filter_map(|r| r.get("block_type_slug")?.as_str().map(String::from))
                    .collect()
            })
            .unwrap_or_default();
        let schema = BlockSchema {
            id: Uuid::now_v7(),
            created: now,
            updated: now,
            checksum: sum,
            fields: Value::Object(fields),
            block_type_id: new.block_type_id,
            capabilities: new.capabilities,
            version: new.version,
        };
        self.store
            .write(move |tx| {
                if let Some(found) =
                    block_types::schema_by_checksum(tx, &schema.checksum, Some(&schema.version))?
                {
                    return Ok(Ok((found, false)));
                }
                if block_types::get_type(tx, schema.block_type_id)?.is_none() {
                    return Ok(Err(type_not_found()));
                }
                for slug in refs {
                    if block_types::type_by_slug(tx, &slug)?.is_none() {
                        return Ok(Err(ServiceError::Conflict(format!(
                            "Cannot create block schema because block type '{slug}' was not found. \
                             Did you forget to register the block type?"
                        ))));
                    }
                }
                block_types::insert_schema(tx, &schema)?;
                Ok(Ok((schema, true)))
            })
            .await?
    }

    pub async fn block_schema(&self, id: Uuid) -> Result<BlockSchema> {
        self.store
            .read(move |tx| block_types::get_schema(tx, id))
            .await?
            .ok_or_else(schema_not_found)
    }

    /// The schema with this checksum (and version, when given; else the newest).
    pub async fn block_schema_by_checksum(
        &self,
        sum: String,
        version: Option<String>,
    ) -> Result<BlockSchema> {
        self.store
            .read(move |tx| block_types::schema_by_checksum(tx, &sum, version.as_deref()))
            .await?
            .ok_or_else(schema_not_found)
    }

    /// Schemas matching `f`, newest first.
    pub async fn block_schemas(
        &self,
        f: SchemaFilter,
        offset: u64,
        limit: u32,
    ) -> Result<Vec<BlockSchema>> {
        Ok(self
            .store
            .read(move |tx| block_types::list_schemas(tx, &f, offset, limit))
            .await?)
    }

    /// Deletes a schema (and the documents on it); 403 when its type is protected.
    pub async fn delete_block_schema(&self, id: Uuid) -> Result<()> {
        self.store
            .write(move |tx| {
                let Some(s) = block_types::get_schema(tx, id)? else {
                    return Ok(Err(schema_not_found()));
                };
                if block_types::get_type(tx, s.block_type_id)?.is_some_and(|t| t.is_protected) {
                    return Ok(Err(ServiceError::Forbidden(
                        "Block schemas for protected block types cannot be deleted.".into(),
                    )));
                }
                block_types::delete_schema(tx, id)?;
                Ok(Ok(()))
            })
            .await?
    }

    /// Every capability some schema has.
    pub async fn block_capabilities(&self) -> Result<Vec<String>> {
        Ok(self.store.read(block_types::capabilities).await?)
    }
}
