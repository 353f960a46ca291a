//! Read models for the dashboard: a keyset page of runs with their flow and deployment names, runs per
//! interval and state, and per deployment its next and last run and its schedules in words.

use super::{Result, ServiceError, Services};
use crate::domain::filter::{Cond, Field, Order, Query, Val};
use crate::domain::flow_run::FlowRun;
use crate::domain::schedule;
use crate::domain::{StateType, Ts};
use crate::store::run_views::{self, HistoryCell, Named};
use crate::store::{deployments, flow_runs, schedules};
use uuid::Uuid;

/// The most intervals one history answers.
pub const MAX_BUCKETS: i64 = 1000;

/// A run with the names the run list shows.
#[derive(Debug, Clone)]
pub struct RunRow {
    pub run: FlowRun,
    pub flow_name: Option<String>,
    pub deployment_name: Option<String>,
}

/// One page of runs, newest expected start first, and where the next page starts.
#[derive(Debug, Clone)]
pub struct RunPage {
    pub rows: Vec<RunRow>,
    pub next: Option<(Ts, Uuid)>,
}

/// A deployment's next scheduled run, its latest other run, and its schedules in words.
#[derive(Debug, Clone)]
pub struct DeploymentSummary {
    pub id: Uuid,
    pub next_run: Option<FlowRun>,
    pub last_run: Option<FlowRun>,
    /// (schedule id, active, words)
    pub schedules: Vec<(Uuid, bool, String)>,
}

impl Services {
    /// Runs matching `cond` after the keyset cursor `after` (expected start, id), newest first.
    pub async fn flow_run_page(
        &self,
        cond: Cond,
        after: Option<(Ts, Uuid)>,
        limit: u32,
    ) -> Result<RunPage> {
        let mut parts = vec![cond];
        if let Some((t, id)) = after {
            parts.push(Cond::KeyBelow(Field::ExpectedStartTime, t, id));
        }
        let q = Query::new(
            Cond::All(parts),
            Order(vec![(Field::ExpectedStartTime, true)]),
            Some(limit),
            0,
        );
        let limit = q.limit as usize;
        self.store
            .read(move |tx| {
                let runs = flow_runs::list(tx, &q)?;
                let flow_ids: Vec<Uuid> = runs.iter().map(|r| r.flow_id).collect();
                let dep_ids: Vec<Uuid> = runs.iter().filter_map(|r| r.deployment_id).collect();
                let flows = run_views::names(tx, Named::Flows, &flow_ids)?;
                let deps = run_views::names(tx, Named::Deployments, &dep_ids)?;
                let next = match runs.last() {
                    Some(last) if runs.len() == limit => {
                        last.expected_start_time.map(|t| (t, last.id))
                    }
                    _ => None,
                };
                let rows = runs
                    .into_iter()
                    .map(|run| RunRow {
                        flow_name: flows.get(&run.flow_id).cloned(),
                        deployment_name: run.deployment_id.and_then(|d| deps.get(&d).cloned()),
                        run,
                    })
                    .collect();
                Ok(RunPage { rows, next })
            })
            .await
            .map_err(Into::into)
    }

    /// Runs per interval and state for runs matching `cond` expected in `[start, end)`.
    pub async fn flow_run_history(
        &self,
        cond: Cond,
        start: Ts,
        end: Ts,
        interval_secs: i64,
    ) -> Result<Vec<HistoryCell>> {
        if interval_secs < 1 {
            return Err(ServiceError::Invalid(
                "history_interval_seconds must be at least 1 second".into(),
            ));
        }
        if end <= start {
            return Err(ServiceError::Invalid(
                "history_end must be after history_start".into(),
            ));
        }
        if (end - start).num_seconds() / interval_secs >= MAX_BUCKETS {
            return Err(ServiceError::Invalid(format!(
                "history would have more than {MAX_BUCKETS} intervals; use a longer interval"
            )));
        }
        Ok(self
            .store
            .read(move |tx| run_views::history(tx, &cond, start, end, interval_secs))
            .await?)
    }

    /// Next and last runs and schedules in words, for each existing deployment of `ids`.
    pub async fn deployment_summaries(&self, ids: Vec<Uuid>) -> Result<Vec<DeploymentSummary>> {
        Ok(self
            .store
            .read(move |tx| {
                let mut out = Vec::with_capacity(ids.len());
                for id in ids {
                    if deployments::get(tx, id)?.is_none() {
                        continue;
                    }
                    let of_dep = Cond::In(Field::DeploymentId, vec![Val::Text(id.to_string())]);
                    let scheduled = Cond::state_types(&[StateType::Scheduled]);
                    let next = Query::new(
                        Cond::All(vec![of_dep.clone(), scheduled]),
                        Order(vec![(Field::NextScheduledStartTime, false)]),
                        Some(1),
                        0,
                    );
                    let last = Query::new(
                        Cond::All(vec![
                            of_dep,
                            Cond::NotIn(
                                Field::StateType,
                                vec![Val::Text(StateType::Scheduled.as_str().into())],
                            ),
                        ]),
                        Order(vec![(Field::ExpectedStartTime, true)]),
                        Some(1),
                        0,
                    );
                    let schedules = schedules::schedules(tx, id)?
                        .into_iter()
                        .map(|s| (s.id, s.active, schedule::describe(&s.schedule)))
                        .collect();
                    out.push(DeploymentSummary {
                        id,
                        next_run: flow_runs::list(tx, &next)?.pop(),
                        last_run: flow_runs::list(tx, &last)?.pop(),
                        schedules,
                    });
                }
                Ok(out)
            })
            .await?)
    }
}
