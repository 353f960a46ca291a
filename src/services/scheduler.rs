//! The scheduler: keeps SCHEDULED runs materialised ahead for every active schedule of every unpaused
//! deployment (Prefect's look-ahead: at least 3 runs and an hour, at most 100 runs and 100 days).
//! Idempotent by construction: each run has the key `scheduled {deployment} {schedule} {time}`, so repeated
//! ticks, restarts and redeploys never duplicate. Woken at once by deployment and schedule changes; otherwise
//! it sleeps until the earliest schedule needs a top-up.

use super::deployments::{run_of, DeploymentRunRequest};
use super::orchestration::{build_run, store_run_events};
use super::{Result, Services};
use crate::domain::deployment::{
    merge_parameters, scheduled_run_key, times_ahead, times_in, Window,
};
use crate::domain::flow_run::ProposedState;
use crate::domain::run_state_event::RunStateEvent;
use crate::domain::{StateType, Ts};
use crate::store::{deployments, flow_runs, flows, schedules};
use chrono::Duration;
use std::collections::HashMap;
use std::sync::Arc;

/// Schedules handled per write transaction (keeps the writer responsive to API calls).
const BATCH: u32 = 50;
/// The longest the scheduler sleeps without a reason to wake.
const MAX_SLEEP: std::time::Duration = std::time::Duration::from_secs(30);
/// The least time between the starts of two ticks. A lone change is materialised at once; a stream of them
/// (a client creating deployments one after another) is materialised in batches: each tick is one write
/// transaction, and a transaction's commit writes every index page its runs touched, so one tick per
/// deployment wrote the same pages over and over (a quarter of the writer's time). Runs are made an hour and
/// more ahead: only a run due within this gap of its deployment's creation, in such a stream, can start late
/// by it (the tick looks ahead from its wake, so such a run is made late, not skipped).
const MIN_GAP: std::time::Duration = std::time::Duration::from_millis(100);

/// What one tick did.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct TickOutcome {
    pub schedules: usize,
    pub runs_created: usize,
}

impl Services {
    /// Tops up every schedule that needs it at `now`; returns what it did.
    pub async fn schedule_tick(&self, now: Ts) -> Result<TickOutcome> {
        let mut total = TickOutcome::default();
        loop {
            let (n, created, events) = self
                .store
                .write_alone(move |tx| materialise_batch(tx, now))
                .await?;
            total.schedules += n;
            total.runs_created += created;
            self.bus.publish(events);
            if n < BATCH as usize {
                break;
            }
        }
        if total.runs_created > 0 {
            self.late_wake.notify_one();
            self.wake_workers();
        }
        Ok(total)
    }

    /// When the scheduler next has work, if ever.
    pub async fn next_schedule_check(&self) -> Result<Option<Ts>> {
        Ok(self.store.read(schedules::earliest_check).await?)
    }
}

fn materialise_batch(
    tx: &crate::store::Tx,
    now: Ts,
) -> crate::store::Result<(usize, usize, Vec<RunStateEvent>)> {
    let due = schedules::due_schedules(tx, now, BATCH)?;
    let mut deployments_seen = HashMap::new();
    let mut created = 0;
    let mut events = Vec::new();
    for item in &due {
        let s = &item.schedule;
        if let std::collections::hash_map::Entry::Vacant(slot) =
            deployments_seen.entry(item.deployment_id)
        {
            let d = deployments::get(tx, item.deployment_id)?;
            let flow_name = match &d {
                Some(d) => flows::get(tx, d.flow_id)?
                    .map(|f| f.name)
                    .unwrap_or_default(),
                None => String::new(),
            };
            slot.insert(d.map(|d| (d, flow_name)));
        }
        let Some(Some((d, flow_name))) = deployments_seen.get(&item.deployment_id) else {
            continue;
        };
        let times = match times_ahead(&s.schedule, now, s.max_scheduled_runs) {
            Ok(t) => t,
            Err(e) => {
                tracing::warn!(schedule = %s.id, error = %e, "skipping a schedule that cannot be computed");
                schedules::set_next_check(tx, s.id, now + Duration::days(1))?;
                continue;
            }
        };
        created += create_runs(tx, d, flow_name, s, &times, now, &mut events)?;
        let next = times.first().copied().unwrap_or(now + Duration::days(1));
        schedules::set_next_check(tx, s.id, next.max(now + Duration::seconds(1)))?;
    }
    Ok((due.len(), created, events))
}

/// Creates the runs of schedule `s` at `times` that do not exist yet; returns how many it created.
fn create_runs(
    tx: &crate::store::Tx,
    d: &crate::domain::deployment::Deployment,
    flow_name: &str,
    s: &crate::domain::deployment::DeploymentSchedule,
    times: &[Ts],
    now: Ts,
    events: &mut Vec<RunStateEvent>,
) -> crate::store::Result<usize> {
    let mut created = 0;
    // Every run of a schedule goes to the same pool and queue: looked up for the first one only.
    let mut placed: Option<(Option<uuid::Uuid>, Option<uuid::Uuid>, Option<String>)> = None;
    for at in times {
        let key = scheduled_run_key(d.id, s.id, *at);
        if flow_runs::idempotency_key_taken(tx, d.flow_id, &key)? {
            continue;
        }
        let mut state = ProposedState::of(StateType::Scheduled);
        state.details.scheduled_time = Some(*at);
        let req = DeploymentRunRequest {
            idempotency_key: Some(key),
            ..Default::default()
        };
        let mut new = run_of(
            d,
            merge_parameters(&[&d.parameters, &s.parameters]),
            req,
            state,
        );
        new.auto_scheduled = true;
        new.deployment_schedule_id = Some(s.id);
        let (mut run, evs) = build_run(new, flow_name, now);
        match &placed {
            Some((pool, queue, queue_name)) => {
                run.work_pool_id = *pool;
                run.work_queue_id = *queue;
                run.work_queue_name.clone_from(queue_name);
            }
            None => {
                flow_runs::place(tx, &mut run)?;
                placed = Some((
                    run.work_pool_id,
                    run.work_queue_id,
                    run.work_queue_name.clone(),
                ));
            }
        }
        flow_runs::insert(tx, &run)?;
        store_run_events(tx, &evs)?;
        events.extend(evs);
        created += 1;
    }
    Ok(created)
}

impl Services {
    /// Materialises the runs of every active schedule of deployment `id` within `window` (Prefect's
    /// `POST /deployments/{id}/schedule`); returns how many runs were created.
    pub async fn schedule_deployment(&self, id: uuid::Uuid, window: Window) -> Result<usize> {
        let now = self.clock.now();
        let (created, events) = self
            .store
            .write(move |tx| {
                let mut events = Vec::new();
                let Some(d) = deployments::get(tx, id)? else {
                    return Err(crate::store::StoreError::NotFound("deployment"));
                };
                if d.paused {
                    return Ok((0, events));
                }
                let flow_name = flows::get(tx, d.flow_id)?
                    .map(|f| f.name)
                    .unwrap_or_default();
                let mut created = 0;
                for s in d.schedules.iter().filter(|s| s.active) {
                    let mut w = window;
                    if let Some(m) = s.max_scheduled_runs {
                        w.max_runs = w.max_runs.min(usize::try_from(m.max(0)).unwrap_or(0));
                    }
                    let times = times_in(&s.schedule, &w).map_err(|e| {
                        crate::store::StoreError::Invalid(format!("schedule {}: {e}", s.id))
                    })?;
                    created += create_runs(tx, &d, &flow_name, s, &times, now, &mut events)?;
                }
                Ok((created, events))
            })
            .await
            .map_err(|e| match e {
                crate::store::StoreError::NotFound(_) => {
                    super::ServiceError::NotFound(format!("Deployment {id} not found"))
                }
                other => other.into(),
            })?;
        self.bus.publish(events);
        if created > 0 {
            self.late_wake.notify_one();
            self.wake_workers();
        }
        Ok(created)
    }
}

/// Runs the scheduler until the server stops.
pub async fn run(services: Arc<Services>) {
    let mut due: Option<Ts> = None;
    let mut last_tick: Option<tokio::time::Instant> = None;
    loop {
        // The tick looks ahead from the wake, not from the end of the gap: a run due in between is made
        // (and starts at once) instead of being skipped as past.
        let now = services.clock.now();
        if let Some(gap) = last_tick.and_then(|t| MIN_GAP.checked_sub(t.elapsed())) {
            tokio::select! {
                _ = services.stop.cancelled() => return,
                _ = tokio::time::sleep(gap) => {}
            }
        }
        last_tick = Some(tokio::time::Instant::now());
        let lag = due.map_or(0.0, |d| crate::domain::time::seconds_between(d, now));
        services.metrics.observe_scheduler_tick(lag);
        if let Err(e) = services.schedule_tick(now).await {
            tracing::warn!(error = %e, "scheduler tick failed");
        }
        let next = services.next_schedule_check().await.ok().flatten();
        due = next;
        if !services
            .pause(next, MAX_SLEEP, &services.scheduler_wake)
            .await
        {
            return;
        }
    }
}
