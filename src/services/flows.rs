//! Flow use cases: upsert by name, read, list, delete.

use super::{Result, ServiceError, Services};
use crate::domain::filter::{Cond, Query};
use crate::domain::flow::Flow;
use crate::domain::Doc;
use crate::store::flows;
use uuid::Uuid;

impl Services {
    /// Returns the flow named `name`, creating it if needed; `true` when created.
    pub async fn create_flow(
        &self,
        name: String,
        tags: Vec<String>,
        labels: Doc,
    ) -> Result<(Flow, bool)> {
        crate::domain::flow::check_name("a flow", &name).map_err(ServiceError::Invalid)?;
        let now = self.clock.now();
        Ok(self
            .store
            .write(move |tx| flows::upsert(tx, &name, &tags, &labels, now))
            .await?)
    }

    /// The flow with this id.
    pub async fn flow(&self, id: Uuid) -> Result<Flow> {
        self.store
            .read(move |tx| flows::get(tx, id))
            .await?
            .ok_or_else(|| not_found(id))
    }

    /// The flow with this name.
    pub async fn flow_by_name(&self, name: String) -> Result<Flow> {
        let n = name.clone();
        self.store
            .read(move |tx| flows::by_name(tx, &n))
            .await?
            .ok_or_else(|| ServiceError::NotFound(format!("Flow '{name}' not found")))
    }

    /// Flows matching a query.
    pub async fn flows(&self, q: Query) -> Result<Vec<Flow>> {
        Ok(self.store.read(move |tx| flows::list(tx, &q)).await?)
    }

    /// How many flows match.
    pub async fn count_flows(&self, cond: Cond) -> Result<u64> {
        Ok(self.store.read(move |tx| flows::count(tx, &cond)).await?)
    }

    /// Replaces a flow's tags (`PATCH /flows/{id}`).
    pub async fn set_flow_tags(&self, id: Uuid, tags: Vec<String>) -> Result<()> {
        let now = self.clock.now();
        if self
            .store
            .write(move |tx| flows::set_tags(tx, id, &tags, now))
            .await?
        {
            Ok(())
        } else {
            Err(not_found(id))
        }
    }

    /// Deletes a flow with its runs.
    pub async fn delete_flow(&self, id: Uuid) -> Result<()> {
        if self.store.write(move |tx| flows::delete(tx, id)).await? {
            Ok(())
        } else {
            Err(not_found(id))
        }
    }
}

fn not_found(id: Uuid) -> ServiceError {
    ServiceError::NotFound(format!("Flow {id} not found"))
}
