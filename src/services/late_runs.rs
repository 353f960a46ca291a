//! Late runs: a SCHEDULED run still waiting 15 s after its scheduled time is renamed Late (through the
//! orchestration policy, so the state history and events record it).

use super::orchestration::transition;
use super::{Result, Services};
use crate::domain::filter::{Cond, Field, Order, Query};
use crate::domain::flow_run::ProposedState;
use crate::domain::orchestration::LATE_AFTER;
use crate::domain::state::name;
use crate::domain::{StateType, Ts};
use crate::store::flow_runs;
use chrono::Duration;
use std::sync::Arc;

const MAX_SLEEP: std::time::Duration = std::time::Duration::from_secs(15);

fn waiting(before: Option<Ts>) -> Cond {
    let mut parts = vec![
        Cond::state_types(&[StateType::Scheduled]),
        Cond::state_names(&[name::SCHEDULED]),
    ];
    if let Some(b) = before {
        parts.push(Cond::Before(Field::NextScheduledStartTime, b));
    }
    Cond::All(parts)
}

impl Services {
    /// Marks every run that is late at `now`; returns how many.
    pub async fn mark_late_runs(&self, now: Ts) -> Result<usize> {
        let mut total = 0;
        loop {
            let q = Query::new(
                waiting(Some(now.checked_sub_signed(LATE_AFTER).unwrap_or(now))),
                Order::asc(Field::NextScheduledStartTime),
                Some(200),
                0,
            );
            let (n, events) = self
                .store
                .write(move |tx| {
                    let runs = flow_runs::list(tx, &q)?;
                    let n = runs.len();
                    let mut events = Vec::new();
                    for run in runs {
                        let mut late = ProposedState::of(StateType::Scheduled);
                        late.name = Some(name::LATE.into());
                        if let Some(s) = &run.state {
                            late.details = s.details.clone();
                            late.details.transition_id = None;
                        }
                        let (_, evs) = transition(tx, run, late, false, now)?;
                        events.extend(evs);
                    }
                    Ok((n, events))
                })
                .await?;
            self.bus.publish(events);
            total += n;
            if n < 200 {
                return Ok(total);
            }
        }
    }

    /// When the next waiting run turns Late, if any is waiting.
    pub async fn next_late_check(&self) -> Result<Option<Ts>> {
        let q = Query::new(
            waiting(None),
            Order::asc(Field::NextScheduledStartTime),
            Some(1),
            0,
        );
        let first = self.store.read(move |tx| flow_runs::list(tx, &q)).await?;
        Ok(first
            .first()
            .and_then(|r| r.next_scheduled_start_time)
            .and_then(|t| t.checked_add_signed(LATE_AFTER)))
    }
}

/// Runs the late-runs loop until the server stops.
pub async fn run(services: Arc<Services>) {
    loop {
        services.wakes.late_planning();
        if let Err(e) = services.mark_late_runs(services.clock.now()).await {
            tracing::warn!(error = %e, "marking late runs failed");
        }
        if let Err(e) = services.skip_missed_runs(services.clock.now()).await {
            tracing::warn!(error = %e, "skipping missed runs failed");
        }
        if let Err(e) = services.fail_expired_pauses(services.clock.now()).await {
            tracing::warn!(error = %e, "failing expired pauses failed");
        }
        // Sleep until the first waiting run turns Late (at most MAX_SLEEP). A wake (a new waiting run)
        // only re-plans that sleep with one read; the writes above run when something is due. Waking them
        // on every new run made two write transactions per created run under load.
        let latest = services.clock.now() + Duration::from_std(MAX_SLEEP).unwrap_or_default();
        loop {
            // Runs made while this reads wake the loop (their wake is kept for the pause below); after
            // it, only a run late before `until` does.
            services.wakes.late_planning();
            let next = services.next_late_check().await.ok().flatten();
            let until = next.map_or(latest, |t| t.min(latest));
            if until <= services.clock.now() {
                break;
            }
            services.wakes.late_planned(until);
            if !services
                .pause(Some(until), MAX_SLEEP, &services.late_wake)
                .await
            {
                return;
            }
            if services.clock.now() >= until {
                break;
            }
        }
    }
}
