//! Event use cases: ingest what clients send on `/api/events/in` (storing each event once and turning
//! `prefect.task-run.*` events into task runs), and replay stored events to new subscribers.

use super::{Result, Services};
use crate::domain::event::{Event, EventFilter};
use crate::domain::task_run::{merge, report_from_event};
use crate::domain::Ts;
use crate::store::{events, task_runs};

impl Services {
    /// Stores events (ignoring ones already stored), records task runs from task-run events, and publishes
    /// the new events. Safe to call again with the same events, in any order.
    pub async fn ingest_events(&self, batch: Vec<Event>) -> Result<usize> {
        if batch.is_empty() {
            return Ok(0);
        }
        let now = self.clock.now();
        let fresh = self
            .store
            .write(move |tx| {
                let mut fresh = Vec::new();
                for mut e in batch {
                    e.received = now;
                    if !events::insert(tx, &e)? {
                        continue;
                    }
                    if let Some(report) = report_from_event(&e, now) {
                        let existing = task_runs::get(tx, report.run.id)?;
                        let state = report.state.clone();
                        let (run, _) = merge(existing, report, now);
                        task_runs::upsert(tx, &run)?;
                        task_runs::insert_state(tx, run.id, &state)?;
                        if state.kind.is_terminal() {
                            // A task that ended holds no slots, whatever its engine did not release.
                            crate::store::concurrency_leases::release_task_run(tx, run.id, now)?;
                        }
                    }
                    fresh.push(e);
                }
                Ok(fresh)
            })
            .await?;
        let n = fresh.len();
        self.bus.publish(fresh);
        Ok(n)
    }

    /// Stored events since `since`, oldest first (a subscriber's backfill).
    pub async fn events_since(&self, since: Ts, limit: u32) -> Result<Vec<Event>> {
        Ok(self
            .store
            .read(move |tx| events::since(tx, since, limit))
            .await?)
    }

    /// One page of the events passing `f` (newest first when `desc`), and how many pass in all.
    pub async fn filter_events(
        &self,
        f: EventFilter,
        desc: bool,
        offset: u64,
        limit: u32,
    ) -> Result<(Vec<Event>, u64)> {
        Ok(self
            .store
            .read(move |tx| {
                let (mut page, mut total) = (Vec::new(), 0u64);
                events::scan(tx, &f, desc, |e| {
                    if total >= offset && page.len() < limit as usize {
                        page.push(e);
                    }
                    total += 1;
                    true
                })?;
                Ok((page, total))
            })
            .await?)
    }

    /// Every event passing `f`, oldest first (for counting).
    pub async fn all_filtered_events(&self, f: EventFilter) -> Result<Vec<Event>> {
        Ok(self
            .store
            .read(move |tx| {
                let mut all = Vec::new();
                events::scan(tx, &f, false, |e| {
                    all.push(e);
                    true
                })?;
                Ok(all)
            })
            .await?)
    }
}
