//! Which blocks a list asks for: Prefect's block type, schema and document filters as data.

use uuid::Uuid;

/// Block types by name and slug (and, from a type list, by their schemas).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct TypeFilter {
    /// The name contains this text (case-insensitive).
    pub name_like: Option<String>,
    pub slugs: Option<Vec<String>>,
}

/// Block schemas.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct SchemaFilter {
    /// Any condition suffices (Prefect's `or_`), instead of all.
    pub any: bool,
    pub type_ids: Option<Vec<Uuid>>,
    /// The schema has every one of these capabilities.
    pub capabilities_all: Option<Vec<String>>,
    pub ids: Option<Vec<Uuid>>,
    pub versions: Option<Vec<String>>,
}

/// Block documents.
#[derive(Clone, Debug, PartialEq)]
pub struct DocumentFilter {
    pub any: bool,
    pub ids: Option<Vec<Uuid>>,
    /// `Some(false)` (the default) hides anonymous documents; `None` shows every document.
    pub is_anonymous: Option<bool>,
    pub type_ids: Option<Vec<Uuid>>,
    pub names: Option<Vec<String>>,
    pub name_like: Option<String>,
}

impl Default for DocumentFilter {
    fn default() -> DocumentFilter {
        DocumentFilter {
            any: false,
            ids: None,
            is_anonymous: Some(false),
            type_ids: None,
            names: None,
            name_like: None,
        }
    }
}

/// The order of a document list.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum DocumentSort {
    #[default]
    NameAsc,
    NameDesc,
    TypeAndNameAsc,
}

impl DocumentSort {
    /// Prefect's name of a sort (`NAME_ASC`…).
    pub fn parse(s: &str) -> Option<DocumentSort> {
        match s {
            "NAME_ASC" => Some(DocumentSort::NameAsc),
            "NAME_DESC" => Some(DocumentSort::NameDesc),
            "BLOCK_TYPE_AND_NAME_ASC" => Some(DocumentSort::TypeAndNameAsc),
            _ => None,
        }
    }
}

/// A document list: the documents, their types and their schemas must all match.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct DocumentQuery {
    pub documents: DocumentFilter,
    pub types: TypeFilter,
    pub schemas: SchemaFilter,
    pub sort: DocumentSort,
    pub offset: u64,
    pub limit: Option<u32>,
}
