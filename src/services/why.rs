//! "Why is this run late?": gathers what a waiting run depends on and lets the domain explain it.

use super::{Result, Services};
use crate::domain::filter::{Cond, Field, Order, Query, Val};
use crate::domain::why::{reasons, WhyFacts};
use crate::domain::StateType;
use uuid::Uuid;

fn holding(field: Field, id: Uuid) -> Query {
    let cond = Cond::All(vec![
        Cond::In(field, vec![Val::Text(id.to_string())]),
        Cond::state_types(&StateType::ACTIVE),
    ]);
    Query::new(cond, Order::asc(Field::Id), None, 0)
}

impl Services {
    /// Plain-words reasons why a run has not started.
    pub async fn why_late(&self, id: Uuid) -> Result<Vec<String>> {
        let run = self.flow_run(id).await?;
        let now = self.clock.now();
        let mut f = WhyFacts {
            state: run.state.as_ref().map(|s| (s.kind, s.name.clone())),
            state_message: run.state.as_ref().and_then(|s| s.message.clone()),
            scheduled_time: run.next_scheduled_start_time,
            now: Some(now),
            pool_name: run.work_pool_name.clone(),
            ..Default::default()
        };
        let ids = |runs: Vec<crate::domain::flow_run::FlowRun>| {
            runs.into_iter()
                .map(|r| r.id.to_string())
                .collect::<Vec<_>>()
        };
        if let Some(dep_id) = run.deployment_id {
            if let Ok(d) = self.deployment(dep_id).await {
                f.deployment = Some((d.name.clone(), d.paused));
                if let Some(limit) = d.concurrency_limit {
                    f.deployment_slots = Some((
                        limit,
                        ids(self.flow_runs(holding(Field::DeploymentId, dep_id)).await?),
                    ));
                }
            }
        }
        if let Some(pool) = &run.work_pool_name {
            match self.pool(pool.clone()).await {
                Ok(p) => {
                    let workers = self.pool_workers(p.id).await?;
                    f.pool = Some((true, p.is_paused, workers.iter().any(|w| w.online(now))));
                    if let Some(limit) = p.concurrency_limit {
                        f.pool_slots = Some((
                            limit,
                            ids(self.flow_runs(holding(Field::WorkPoolId, p.id)).await?),
                        ));
                    }
                    if let Some(qid) = run.work_queue_id {
                        if let Ok((_, q)) = self.queue_by_id(qid).await {
                            f.queue = Some((q.name.clone(), q.is_paused, q.last_polled));
                            if let Some(limit) = q.concurrency_limit {
                                f.queue_slots = Some((
                                    limit,
                                    ids(self.flow_runs(holding(Field::WorkQueueId, qid)).await?),
                                ));
                            }
                        }
                    }
                }
                Err(_) => f.pool = Some((false, false, false)),
            }
        }
        Ok(reasons(&f))
    }
}
