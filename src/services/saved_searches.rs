//! Saved searches (save under a name, read, list, delete) and the server's default result storage, the
//! block document that clients use to persist results when their own settings name none.

use super::{Result, ServiceError, Services};
use crate::domain::saved_search::{self, SavedSearch};
use crate::store::{block_documents, block_types, saved_searches};
use serde_json::Value;
use uuid::Uuid;

/// The setting holding the default result storage block's id.
const RESULT_STORAGE: &str = "server-default-result-storage";

impl Services {
    /// Saves a search under its name; `true` when it is new (a taken name gets the new filters).
    pub async fn save_search(
        &self,
        name: String,
        filters: Vec<Value>,
    ) -> Result<(SavedSearch, bool)> {
        saved_search::check_filters(&filters).map_err(ServiceError::Invalid)?;
        let now = self.clock.now();
        let s = SavedSearch {
            id: Uuid::now_v7(),
            created: now,
            updated: now,
            name,
            filters,
        };
        Ok(self
            .store
            .write(move |tx| saved_searches::upsert(tx, &s))
            .await?)
    }

    /// One saved search.
    pub async fn saved_search(&self, id: Uuid) -> Result<SavedSearch> {
        self.store
            .read(move |tx| saved_searches::get(tx, id))
            .await?
            .ok_or_else(search_not_found)
    }

    /// A page of saved searches, by name.
    pub async fn saved_searches(&self, limit: u32, offset: u64) -> Result<Vec<SavedSearch>> {
        Ok(self
            .store
            .read(move |tx| saved_searches::list(tx, limit, offset))
            .await?)
    }

    /// Deletes a saved search.
    pub async fn delete_saved_search(&self, id: Uuid) -> Result<()> {
        if self
            .store
            .write(move |tx| saved_searches::delete(tx, id))
            .await?
        {
            Ok(())
        } else {
            Err(search_not_found())
        }
    }

    /// The default result storage block, if one is set and still exists.
    pub async fn default_result_storage(&self) -> Result<Option<Uuid>> {
        Ok(self
            .store
            .read(move |tx| {
                let id = saved_searches::setting(tx, RESULT_STORAGE)?
                    .and_then(|v| v.as_str().and_then(|s| s.parse::<Uuid>().ok()));
                match id {
                    Some(id) if block_documents::get(tx, id)?.is_some() => Ok(Some(id)),
                    _ => Ok(None),
                }
            })
            .await?)
    }

    /// Sets the default result storage block: it must exist and be able to write (`write-path`).
    pub async fn set_default_result_storage(&self, id: Uuid) -> Result<Uuid> {
        self.store
            .write(move |tx| {
                let Some(doc) = block_documents::get(tx, id)? else {
                    return Ok(Err(ServiceError::NotFound(format!(
                        "Block document {id} not found."
                    ))));
                };
                let writes = block_types::get_schema(tx, doc.doc.block_schema_id)?
                    .is_some_and(|s| s.capabilities.iter().any(|c| c == "write-path"));
                if !writes {
                    return Ok(Err(ServiceError::Invalid(format!(
                        "Block document {id} cannot be used for result storage."
                    ))));
                }
                saved_searches::set_setting(
                    tx,
                    RESULT_STORAGE,
                    Some(&Value::from(id.to_string())),
                )?;
                Ok(Ok(id))
            })
            .await?
    }

    /// Clears the default result storage block.
    pub async fn clear_default_result_storage(&self) -> Result<()> {
        Ok(self
            .store
            .write(move |tx| saved_searches::set_setting(tx, RESULT_STORAGE, None))
            .await?)
    }
}

fn search_not_found() -> ServiceError {
    ServiceError::NotFound("Saved search not found".into())
}
