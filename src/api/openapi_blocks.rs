//! The `/api/openapi.json` entries of the block routes (`blocks.rs`, `block_documents.rs`), in the route
//! table's order.

use super::openapi_answers::answer;
use super::openapi_bodies::json;
use super::openapi_table::{op, q, with, Op};
use crate::wire::blocks as b;

const SECRETS: &[(&str, bool)] = &[("include_secrets", false)];

/// The block type, schema, capability and document operations.
pub const OPERATIONS: &[Op] = &[
    with(
        "post",
        "/block_types/",
        "Create a block type",
        json::<b::BlockTypeCreate>,
    )
    .returns(answer(super::blocks::create_type)),
    with(
        "post",
        "/block_types/filter",
        "Filter block types",
        json::<b::BlockTypeFilterRequest>,
    )
    .returns(answer(super::blocks::filter_types)),
    op(
        "post",
        "/block_types/install_system_block_types",
        "Install the system block types",
    )
    .returns(answer(super::blocks::install_system)),
    op(
        "get",
        "/block_types/slug/{slug}",
        "Read a block type by slug",
    )
    .returns(answer(super::blocks::type_by_slug)),
    q(
        "get",
        "/block_types/slug/{slug}/block_documents",
        "Read a block type's documents",
        SECRETS,
    )
    .returns(answer(super::block_documents::of_type)),
    q(
        "get",
        "/block_types/slug/{slug}/block_documents/name/{name}",
        "Read a block document by type slug and name",
        SECRETS,
    )
    .returns(answer(super::block_documents::by_name)),
    op("get", "/block_types/{id}", "Read a block type").returns(answer(super::blocks::get_type)),
    with(
        "patch",
        "/block_types/{id}",
        "Update a block type",
        json::<b::BlockTypeUpdate>,
    )
    .returns(answer(super::blocks::update_type)),
    op("delete", "/block_types/{id}", "Delete a block type")
        .returns(answer(super::blocks::delete_type)),
    with(
        "post",
        "/block_schemas/",
        "Create a block schema",
        json::<b::BlockSchemaCreate>,
    )
    .returns(answer(super::blocks::create_schema)),
    with(
        "post",
        "/block_schemas/filter",
        "Filter block schemas",
        json::<b::BlockSchemaFilterRequest>,
    )
    .returns(answer(super::blocks::filter_schemas)),
    q(
        "get",
        "/block_schemas/checksum/{checksum}",
        "Read a block schema by checksum",
        &[("version", false)],
    )
    .returns(answer(super::blocks::schema_by_checksum)),
    op("get", "/block_schemas/{id}", "Read a block schema")
        .returns(answer(super::blocks::get_schema)),
    op("delete", "/block_schemas/{id}", "Delete a block schema")
        .returns(answer(super::blocks::delete_schema)),
    op("get", "/block_capabilities/", "Read the block capabilities")
        .returns(answer(super::blocks::capabilities)),
    with(
        "post",
        "/block_documents/",
        "Create a block document",
        json::<b::BlockDocumentCreate>,
    )
    .returns(answer(super::block_documents::create)),
    with(
        "post",
        "/block_documents/filter",
        "Filter block documents",
        json::<b::BlockDocumentFilterRequest>,
    )
    .returns(answer(super::block_documents::filter)),
    with(
        "post",
        "/block_documents/count",
        "Count block documents",
        json::<b::BlockDocumentCountRequest>,
    )
    .returns(answer(super::block_documents::count)),
    q(
        "get",
        "/block_documents/{id}",
        "Read a block document",
        SECRETS,
    )
    .returns(answer(super::block_documents::get_one)),
    with(
        "patch",
        "/block_documents/{id}",
        "Update a block document",
        json::<b::BlockDocumentUpdate>,
    )
    .returns(answer(super::block_documents::update)),
    op("delete", "/block_documents/{id}", "Delete a block document")
        .returns(answer(super::block_documents::delete)),
];
