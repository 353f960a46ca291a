//! Variable use cases: create, read by id or name, list, count, patch, delete.

use super::{Result, ServiceError, Services};
use crate::domain::filter::{Cond, Query};
use crate::domain::variable::{self, Variable, VariablePatch};
use crate::store::variables;
use serde_json::Value;
use uuid::Uuid;

/// Which variable: by id or by name.
#[derive(Clone, Debug)]
pub enum VariableRef {
    Id(Uuid),
    Name(String),
}

impl Services {
    /// Creates a variable; 409 when the name is taken.
    pub async fn create_variable(
        &self,
        name: String,
        value: Value,
        tags: Vec<String>,
    ) -> Result<Variable> {
        variable::check_name(&name).map_err(ServiceError::Invalid)?;
        variable::check_value(&value).map_err(ServiceError::Invalid)?;
        let now = self.clock.now();
        let v = Variable {
            id: Uuid::now_v7(),
            created: now,
            updated: now,
            name,
            value,
            tags,
        };
        let stored = v.clone();
        self.store
            .write(move |tx| variables::insert(tx, &stored))
            .await?;
        Ok(v)
    }

    /// One variable.
    pub async fn variable(&self, which: VariableRef) -> Result<Variable> {
        self.store
            .read(move |tx| find(tx, &which))
            .await?
            .ok_or_else(not_found)
    }

    /// Variables matching a query.
    pub async fn variables(&self, q: Query) -> Result<Vec<Variable>> {
        Ok(self.store.read(move |tx| variables::list(tx, &q)).await?)
    }

    /// How many variables match.
    pub async fn count_variables(&self, cond: Cond) -> Result<u64> {
        Ok(self
            .store
            .read(move |tx| variables::count(tx, &cond))
            .await?)
    }

    /// Changes the given fields of a variable.
    pub async fn update_variable(&self, which: VariableRef, patch: VariablePatch) -> Result<()> {
        if let Some(n) = &patch.name {
            variable::check_name(n).map_err(ServiceError::Invalid)?;
        }
        if let Some(v) = &patch.value {
            variable::check_value(v).map_err(ServiceError::Invalid)?;
        }
        let now = self.clock.now();
        let found = self
            .store
            .write(move |tx| {
                let Some(mut v) = find(tx, &which)? else {
                    return Ok(false);
                };
                v.apply(patch, now);
                variables::update(tx, &v)?;
                Ok(true)
            })
            .await?;
        found.then_some(()).ok_or_else(not_found)
    }

    /// Deletes a variable.
    pub async fn delete_variable(&self, which: VariableRef) -> Result<()> {
        let found = self
            .store
            .write(move |tx| match find(tx, &which)? {
                Some(v) => variables::delete(tx, v.id),
                None => Ok(false),
            })
            .await?;
        found.then_some(()).ok_or_else(not_found)
    }
}

fn find(tx: &crate::store::Tx, which: &VariableRef) -> crate::store::Result<Option<Variable>> {
    match which {
        VariableRef::Id(id) => variables::get(tx, *id),
        VariableRef::Name(n) => variables::by_name(tx, n),
    }
}

fn not_found() -> ServiceError {
    ServiceError::NotFound("Variable not found.".into())
}
