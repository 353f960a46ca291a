//! Log use cases: store batches, query them.

use super::{Result, Services};
use crate::domain::filter::Query;
use crate::domain::log::Log;
use crate::store::logs;

impl Services {
    /// Stores a batch of log lines in one transaction.
    pub async fn create_logs(&self, mut batch: Vec<Log>) -> Result<usize> {
        let now = self.clock.now();
        for l in &mut batch {
            l.created = now;
        }
        let n = batch.len();
        let batch = self
            .store
            .write(move |tx| logs::insert_many(tx, &batch).map(|()| batch))
            .await?;
        self.bus.publish_logs(batch);
        Ok(n)
    }

    /// Log lines matching a query.
    pub async fn logs(&self, q: Query) -> Result<Vec<Log>> {
        Ok(self.store.read(move |tx| logs::list(tx, &q)).await?)
    }
}
