//! Flows: a named unit of work that runs belong to. Names are unique.

use super::{Doc, Ts};
use uuid::Uuid;

/// A flow as stored.
#[derive(Clone, Debug, PartialEq)]
pub struct Flow {
    pub id: Uuid,
    pub created: Ts,
    pub updated: Ts,
    pub name: String,
    pub tags: Vec<String>,
    pub labels: Doc,
}
