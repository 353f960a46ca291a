//! The protected block types every server has from its first start (`secret`, `webhook`,
//! `local-file-system`, the ones Prefect's server protects), with Baton's own schema for each. The field
//! names are Prefect's, so a document the SDK saves reads the same here; the SDK registers its own schema
//! of a type beside Baton's when the two differ.

use super::{Result, Services};
use crate::domain::block::{BlockSchema, BlockType};
use crate::domain::block_checksum::checksum;
use crate::store::block_types;
use serde_json::{json, Value};
use uuid::Uuid;

/// The version of Baton's system schemas.
const VERSION: &str = "baton-1";

struct System {
    name: &'static str,
    slug: &'static str,
    description: &'static str,
    capabilities: &'static [&'static str],
    fields: fn() -> Value,
}

const SYSTEM: &[System] = &[
    System {
        name: "Secret",
        slug: "secret",
        description: "A value kept secret: stored encrypted, and shown as ******** unless secrets are asked for.",
        capabilities: &[],
        fields: || {
            json!({
                "title": "Secret", "type": "object", "block_type_slug": "secret",
                "description": "A value kept secret.",
                "properties": {"value": {"title": "Value", "description": "The secret: text, or any JSON value.",
                    "anyOf": [{"type": "string", "format": "password", "writeOnly": true}, {}]}},
                "required": ["value"], "secret_fields": ["value"], "block_schema_references": {}
            })
        },
    },
    System {
        name: "Webhook",
        slug: "webhook",
        description: "An HTTP endpoint to call, with its method and headers; its URL and headers are secret.",
        capabilities: &[],
        fields: || {
            json!({
                "title": "Webhook", "type": "object", "block_type_slug": "webhook",
                "description": "An HTTP endpoint to call.",
                "properties": {
                    "method": {"title": "Method", "enum": ["GET", "POST", "PUT", "PATCH", "DELETE"],
                        "type": "string", "default": "POST"},
                    "url": {"title": "URL", "type": "string", "format": "password", "writeOnly": true},
                    "headers": {"title": "Headers", "type": "object", "additionalProperties": {"type": "string"}},
                    "allow_private_urls": {"title": "Allow private URLs", "type": "boolean", "default": true},
                    "verify": {"title": "Verify TLS certificates", "type": "boolean", "default": true}
                },
                "required": ["url"], "secret_fields": ["url", "headers.*"], "block_schema_references": {}
            })
        },
    },
    System {
        name: "Local File System",
        slug: "local-file-system",
        description: "Files in a directory of the machine that runs the flow.",
        capabilities: &["get-directory", "put-directory", "read-path", "write-path"],
        fields: || {
            json!({
                "title": "LocalFileSystem", "type": "object", "block_type_slug": "local-file-system",
                "description": "Files in a local directory.",
                "properties": {"basepath": {"title": "Base path", "description": "The directory files go to.",
                    "anyOf": [{"type": "string"}, {"type": "null"}], "default": null}},
                "secret_fields": [], "block_schema_references": {}
            })
        },
    },
];

impl Services {
    /// Installs the protected system block types and their schemas, or restores them (a PATCHed
    /// description is put back). Safe to repeat.
    pub async fn install_system_block_types(&self) -> Result<()> {
        let now = self.clock.now();
        self.store
            .write(move |tx| {
                for s in SYSTEM {
                    let t = match block_types::type_by_slug(tx, s.slug)? {
                        Some(mut t) => {
                            t.name = s.name.into();
                            t.description = Some(s.description.into());
                            t.is_protected = true;
                            t.updated = now;
                            block_types::update_type(tx, &t)?;
                            t
                        }
                        None => {
                            let t = BlockType {
                                id: Uuid::now_v7(),
                                created: now,
                                updated: now,
                                name: s.name.into(),
                                slug: s.slug.into(),
                                logo_url: None,
                                documentation_url: None,
                                description: Some(s.description.into()),
                                code_example: None,
                                is_protected: true,
                            };
                            block_types::insert_type(tx, &t)?;
                            t
                        }
                    };
                    let fields = (s.fields)();
                    let sum = checksum(&fields);
                    if block_types::schema_by_checksum(tx, &sum, Some(VERSION))?.is_none() {
                        block_types::insert_schema(
                            tx,
                            &BlockSchema {
                                id: Uuid::now_v7(),
                                created: now,
                                updated: now,
                                checksum: sum,
                                fields,
                                block_type_id: t.id,
                                capabilities: s
                                    .capabilities
                                    .iter()
                                    .map(|c| c.to_string())
                                    .collect(),
                                version: VERSION.into(),
                            },
                        )?;
                    }
                }
                Ok(())
            })
            .await?;
        Ok(())
    }
}
