//! Checking values against a JSON schema for the UI's forms, with the workspace variables their
//! placeholders name (`domain::schema_check`).

use super::{Result, ServiceError, Services};
use crate::domain::schema_check;
use crate::domain::Doc;
use crate::store::variables;
use serde_json::Value;
use std::collections::HashMap;

impl Services {
    /// The error tree of `values` against `schema` (empty when valid); 422 when the schema is unusable.
    pub async fn check_against_schema(&self, schema: Value, values: Doc) -> Result<Vec<Value>> {
        let names = schema_check::variable_names(&Value::Object(values.clone()));
        let vars: HashMap<String, Value> = self
            .store
            .read(move |tx| {
                let mut found = HashMap::new();
                for n in names {
                    if let Some(v) = variables::by_name(tx, &n)? {
                        found.insert(n, v.value);
                    }
                }
                Ok(found)
            })
            .await?;
        schema_check::check(&schema, &values, &vars)
            .map_err(|e| ServiceError::Invalid(format!("Invalid schema: {e}")))
    }
}
