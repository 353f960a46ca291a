-- Blocks: types, their schemas, documents (data sealed by the server's key) and the references one
-- document's field makes to another document.
CREATE TABLE block_types (
    id TEXT PRIMARY KEY,
    created TEXT NOT NULL,
    updated TEXT NOT NULL,
    name TEXT NOT NULL,
    slug TEXT NOT NULL UNIQUE,
    logo_url TEXT,
    documentation_url TEXT,
    description TEXT,
    code_example TEXT,
    is_protected INTEGER NOT NULL DEFAULT 0
);

CREATE TABLE block_schemas (
    id TEXT PRIMARY KEY,
    created TEXT NOT NULL,
    updated TEXT NOT NULL,
    checksum TEXT NOT NULL,
    fields TEXT NOT NULL,
    block_type_id TEXT NOT NULL REFERENCES block_types(id) ON DELETE CASCADE,
    capabilities TEXT NOT NULL DEFAULT '[]',
    version TEXT NOT NULL,
    UNIQUE (checksum, version)
);
CREATE INDEX block_schemas_type ON block_schemas (block_type_id);

CREATE TABLE block_documents (
    id TEXT PRIMARY KEY,
    created TEXT NOT NULL,
    updated TEXT NOT NULL,
    name TEXT NOT NULL,
    data BLOB NOT NULL,
    block_schema_id TEXT NOT NULL REFERENCES block_schemas(id) ON DELETE CASCADE,
    block_type_id TEXT NOT NULL REFERENCES block_types(id) ON DELETE CASCADE,
    block_type_name TEXT,
    is_anonymous INTEGER NOT NULL DEFAULT 0,
    UNIQUE (block_type_id, name)
);
CREATE INDEX block_documents_schema ON block_documents (block_schema_id);
CREATE INDEX block_documents_name ON block_documents (name);

CREATE TABLE block_document_references (
    parent_id TEXT NOT NULL REFERENCES block_documents(id) ON DELETE CASCADE,
    name TEXT NOT NULL,
    reference_id TEXT NOT NULL REFERENCES block_documents(id) ON DELETE CASCADE,
    PRIMARY KEY (parent_id, name)
);
CREATE INDEX block_document_references_reference ON block_document_references (reference_id);
