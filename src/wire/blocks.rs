//! Block models: types, schemas, documents, their filters (Prefect's `BlockType*`, `BlockSchema*`,
//! `BlockDocument*`). Create and update bodies refuse unknown fields, as Prefect's action models do.

use super::work_pools::{AnyOf, Operator};
use super::Object;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use uuid::Uuid;

/// `POST /api/block_types/` body.
#[derive(Debug, Default, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct BlockTypeCreate {
    pub name: String,
    pub slug: String,
    #[serde(default)]
    pub logo_url: Option<String>,
    #[serde(default)]
    pub documentation_url: Option<String>,
    #[serde(default)]
    pub description: Option<String>,
    #[serde(default)]
    pub code_example: Option<String>,
}

/// `PATCH /api/block_types/{id}` body: only the fields given change (`null` clears one).
#[derive(Debug, Default, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct BlockTypeUpdate {
    #[serde(
        default,
        deserialize_with = "super::present",
        skip_serializing_if = "Option::is_none"
    )]
    pub logo_url: Option<Option<String>>,
    #[serde(
        default,
        deserialize_with = "super::present",
        skip_serializing_if = "Option::is_none"
    )]
    pub documentation_url: Option<Option<String>>,
    #[serde(
        default,
        deserialize_with = "super::present",
        skip_serializing_if = "Option::is_none"
    )]
    pub description: Option<Option<String>>,
    #[serde(
        default,
        deserialize_with = "super::present",
        skip_serializing_if = "Option::is_none"
    )]
    pub code_example: Option<Option<String>>,
}

/// A block type.
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
pub struct BlockType {
    pub id: Uuid,
    pub created: String,
    pub updated: String,
    pub name: String,
    pub slug: String,
    pub logo_url: Option<String>,
    pub documentation_url: Option<String>,
    pub description: Option<String>,
    pub code_example: Option<String>,
    pub is_protected: bool,
}

/// `POST /api/block_schemas/` body.
#[derive(Debug, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct BlockSchemaCreate {
    pub block_type_id: Uuid,
    #[serde(default)]
    pub fields: Object,
    #[serde(default)]
    pub capabilities: Vec<String>,
    #[serde(default = "non_versioned")]
    pub version: String,
}

fn non_versioned() -> String {
    "non-versioned".into()
}

/// A block schema, with its type.
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
pub struct BlockSchema {
    pub id: Uuid,
    pub created: String,
    pub updated: String,
    pub checksum: String,
    pub fields: Object,
    pub block_type_id: Uuid,
    pub block_type: Option<BlockType>,
    pub capabilities: Vec<String>,
    pub version: String,
}

/// `POST /api/block_documents/` body.
#[derive(Debug, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct BlockDocumentCreate {
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default)]
    pub data: Object,
    pub block_schema_id: Uuid,
    pub block_type_id: Uuid,
    #[serde(default)]
    pub is_anonymous: bool,
}

/// `PATCH /api/block_documents/{id}` body.
#[derive(Debug, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct BlockDocumentUpdate {
    #[serde(default)]
    pub block_schema_id: Option<Uuid>,
    #[serde(default)]
    pub data: Option<Object>,
    #[serde(default = "yes")]
    pub merge_existing_data: bool,
}

fn yes() -> bool {
    true
}

/// A document another one refers to.
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
pub struct BlockDocumentReference {
    pub block_document: ReferencedDocument,
}

/// The referenced document, as a read shows it.
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
pub struct ReferencedDocument {
    pub id: Uuid,
    pub name: String,
    pub block_type: BlockType,
    pub is_anonymous: bool,
    pub block_document_references: BTreeMap<String, BlockDocumentReference>,
}

/// A block document, with its schema and type.
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
pub struct BlockDocument {
    pub id: Uuid,
    pub created: String,
    pub updated: String,
    pub name: String,
    pub data: Object,
    pub block_schema_id: Uuid,
    pub block_schema: BlockSchema,
    pub block_type_id: Uuid,
    pub block_type_name: Option<String>,
    pub block_type: BlockType,
    pub block_document_references: BTreeMap<String, BlockDocumentReference>,
    pub is_anonymous: bool,
}

/// `{"like_": "..."}`: contains this text.
#[derive(Debug, Default, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Like {
    #[serde(default)]
    pub like_: Option<String>,
}

/// `{"eq_": true}`.
#[derive(Debug, Default, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct FlagEq {
    #[serde(default)]
    pub eq_: Option<bool>,
}

/// `{"all_": [...]}`: has every one of these.
#[derive(Debug, Default, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct AllOf {
    #[serde(default)]
    pub all_: Option<Vec<String>>,
}

/// A document name: one of these, or containing this text.
#[derive(Debug, Default, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct NameFilter {
    #[serde(default)]
    pub any_: Option<Vec<String>>,
    #[serde(default)]
    pub like_: Option<String>,
}

/// Prefect's `BlockTypeFilter`.
#[derive(Debug, Default, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct BlockTypeFilter {
    #[serde(default)]
    pub name: Option<Like>,
    #[serde(default)]
    pub slug: Option<AnyOf<String>>,
}

/// Prefect's `BlockSchemaFilter`.
#[derive(Debug, Default, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct BlockSchemaFilter {
    #[serde(default)]
    pub operator: Option<Operator>,
    #[serde(default)]
    pub block_type_id: Option<AnyOf<Uuid>>,
    #[serde(default)]
    pub block_capabilities: Option<AllOf>,
    #[serde(default)]
    pub id: Option<AnyOf<Uuid>>,
    #[serde(default)]
    pub version: Option<AnyOf<String>>,
}

/// Prefect's `BlockDocumentFilter`. Without `is_anonymous`, anonymous documents are left out; `null`
/// shows them too.
#[derive(Debug, Default, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct BlockDocumentFilter {
    #[serde(default)]
    pub operator: Option<Operator>,
    #[serde(default)]
    pub id: Option<AnyOf<Uuid>>,
    #[serde(
        default,
        deserialize_with = "super::present",
        skip_serializing_if = "Option::is_none"
    )]
    pub is_anonymous: Option<Option<FlagEq>>,
    #[serde(default)]
    pub block_type_id: Option<AnyOf<Uuid>>,
    #[serde(default)]
    pub name: Option<NameFilter>,
}

/// `POST /api/block_types/filter` body.
#[derive(Debug, Default, Deserialize, Serialize, JsonSchema)]
pub struct BlockTypeFilterRequest {
    #[serde(default)]
    pub block_types: Option<BlockTypeFilter>,
    #[serde(default)]
    pub block_schemas: Option<BlockSchemaFilter>,
    #[serde(default)]
    pub offset: Option<u64>,
    #[serde(default)]
    pub limit: Option<i64>,
}

/// `POST /api/block_schemas/filter` body.
#[derive(Debug, Default, Deserialize, Serialize, JsonSchema)]
pub struct BlockSchemaFilterRequest {
    #[serde(default)]
    pub block_schemas: Option<BlockSchemaFilter>,
    #[serde(default)]
    pub offset: Option<u64>,
    #[serde(default)]
    pub limit: Option<i64>,
}

/// `POST /api/block_documents/filter` body: the count's sections, with secrets, sort and page.
#[derive(Debug, Default, Deserialize, Serialize, JsonSchema)]
pub struct BlockDocumentFilterRequest {
    #[serde(flatten)]
    pub sections: BlockDocumentCountRequest,
    #[serde(default)]
    pub include_secrets: bool,
    #[serde(default)]
    pub sort: Option<String>,
    #[serde(default)]
    pub offset: Option<u64>,
    #[serde(default)]
    pub limit: Option<i64>,
}

/// `POST /api/block_documents/count` body.
#[derive(Debug, Default, Deserialize, Serialize, JsonSchema)]
pub struct BlockDocumentCountRequest {
    #[serde(default)]
    pub block_documents: Option<BlockDocumentFilter>,
    #[serde(default)]
    pub block_types: Option<BlockTypeFilter>,
    #[serde(default)]
    pub block_schemas: Option<BlockSchemaFilter>,
}
