//! Log use cases: store batches, query them.

use super::{Result, Services};
use crate::domain::filter::Query;
use crate::domain::log::Log;
use crate::store::logs;
use std::sync::Arc;

impl Services {
    /// Stores a batch of log lines in one transaction.
    pub async fn create_logs(&self, mut batch: Vec<Log>) -> Result<usize> {
        let now = self.clock.now();
        for l in &mut batch {
            l.created = now;
        }
        let n = batch.len();
        let batch = Arc::new(batch);
        let lines = batch.clone();
        self.store
            .write_repeatable(move |tx| logs::insert_many(tx, &lines))
            .await?;
        // The writer dropped its copy with the closure; cloning is only a fallback.
        self.bus
            .publish_logs(Arc::try_unwrap(batch).unwrap_or_else(|b| (*b).clone()));
        Ok(n)
    }

    /// Log lines matching a query.
    pub async fn logs(&self, q: Query) -> Result<Vec<Log>> {
        Ok(self.store.read(move |tx| logs::list(tx, &q)).await?)
    }
}
