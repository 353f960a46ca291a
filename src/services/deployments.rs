//! Deployment use cases: create-or-update, read, pause, schedules, and runs created from a deployment (with
//! its defaults merged in and parameters checked against its schema). Every change wakes the scheduler.

use super::orchestration::{build_run, store_events, store_run_events};
use super::{Result, ServiceError, Services};
use crate::domain::deployment::{
    merge_parameters, merge_tags, replace_schedules, Deployment, DeploymentPatch, NewSchedule,
};
use crate::domain::filter::{Cond, Field, Order, Query, Val};
use crate::domain::flow_run::{FlowRun, NewFlowRun, ProposedState, RunPolicy, RETRY_IN_PROCESS};
use crate::domain::{parameters, resource_events, Doc, StateType, Ts};
use crate::store::{concurrency_limits, deployments, flow_runs, flows, schedules, StoreError, Tx};
use uuid::Uuid;

/// A run requested from a deployment (`create_flow_run`).
#[derive(Clone, Debug, Default)]
pub struct DeploymentRunRequest {
    pub state: Option<ProposedState>,
    pub name: Option<String>,
    pub parameters: Doc,
    pub context: Doc,
    pub tags: Vec<String>,
    pub labels: Doc,
    pub idempotency_key: Option<String>,
    pub parent_task_run_id: Option<Uuid>,
    pub job_variables: Doc,
    pub work_queue_name: Option<String>,
    pub enforce_parameter_schema: Option<bool>,
    pub empirical_policy: Option<RunPolicy>,
    pub infrastructure_document_id: Option<Uuid>,
}

impl Services {
    /// Creates the deployment `name` of `flow_id`, or updates it in place when it exists (`false`).
    pub async fn upsert_deployment(
        &self,
        name: String,
        flow_id: Uuid,
        patch: DeploymentPatch,
    ) -> Result<(Deployment, bool)> {
        crate::domain::flow::check_name("a deployment", &name).map_err(ServiceError::Invalid)?;
        validate_schedules(patch.schedules.as_deref().unwrap_or_default())?;
        let now = self.clock.now();
        let out = self
            .store
            .write(move |tx| {
                let flow = flows::get(tx, flow_id)?.ok_or_else(|| {
                    StoreError::Invalid(format!("flow_id: flow {flow_id} does not exist"))
                })?;
                let (d, created) = match deployments::by_flow_and_name(tx, flow_id, &name)? {
                    Some(existing) => (apply_patch(tx, existing, patch, now)?, false),
                    None => {
                        let mut d = Deployment::new(name, flow_id, now);
                        patch.apply(&mut d);
                        ensure_queue(tx, &mut d, now)?;
                        deployments::insert(tx, &d)?;
                        concurrency_limits::sync_deployment(tx, d.id, d.concurrency_limit, now)?;
                        for s in patch.schedules.unwrap_or_default() {
                            schedules::insert_schedule(tx, &s.into_stored(d.id, now))?;
                        }
                        (reload(tx, d.id)?, true)
                    }
                };
                let change = if created { "created" } else { "updated" };
                let e = resource_events::deployment(&d, change, &[], Some(&flow.name), now);
                store_events(tx, std::slice::from_ref(&e))?;
                Ok(((d, created), e))
            })
            .await?;
        let (out, e) = out;
        self.bus.publish([e]);
        self.scheduler_wake.notify_one();
        Ok(out)
    }

    /// Updates the given fields (and replaces the schedules when given).
    pub async fn update_deployment(&self, id: Uuid, patch: DeploymentPatch) -> Result<()> {
        validate_schedules(patch.schedules.as_deref().unwrap_or_default())?;
        let now = self.clock.now();
        let fields: Vec<&'static str> = patch.paused.map(|_| "paused").into_iter().collect();
        let e = self
            .store
            .write(move |tx| {
                let d = deployments::get(tx, id)?.ok_or(StoreError::NotFound("deployment"))?;
                let d = apply_patch(tx, d, patch, now)?;
                let e = resource_events::deployment(&d, "updated", &fields, None, now);
                store_events(tx, std::slice::from_ref(&e))?;
                Ok(e)
            })
            .await
            .map_err(|e| not_found_as(e, id))?;
        self.bus.publish([e]);
        self.scheduler_wake.notify_one();
        Ok(())
    }

    /// Pauses or resumes a deployment (pausing removes its future unstarted scheduled runs).
    pub async fn set_deployment_paused(&self, id: Uuid, paused: bool) -> Result<()> {
        self.update_deployment(
            id,
            DeploymentPatch {
                paused: Some(paused),
                ..Default::default()
            },
        )
        .await
    }

    /// The deployment with this id.
    pub async fn deployment(&self, id: Uuid) -> Result<Deployment> {
        self.store
            .read(move |tx| deployments::get(tx, id))
            .await?
            .ok_or_else(|| ServiceError::NotFound(format!("Deployment {id} not found")))
    }

    /// The deployment `name` of the flow `flow_name`.
    pub async fn deployment_by_name(&self, flow_name: String, name: String) -> Result<Deployment> {
        let (f, n) = (flow_name.clone(), name.clone());
        self.store
            .read(move |tx| deployments::by_name(tx, &f, &n))
            .await?
            .ok_or_else(|| {
                ServiceError::NotFound(format!("Deployment '{flow_name}/{name}' not found"))
            })
    }

    /// Deployments matching a query.
    pub async fn deployments(&self, q: Query) -> Result<Vec<Deployment>> {
        Ok(self.store.read(move |tx| deployments::list(tx, &q)).await?)
    }

    /// How many deployments match.
    pub async fn count_deployments(&self, cond: Cond) -> Result<u64> {
        Ok(self
            .store
            .read(move |tx| deployments::count(tx, &cond))
            .await?)
    }

    /// Deletes a deployment, its schedules and its future unstarted scheduled runs.
    pub async fn delete_deployment(&self, id: Uuid) -> Result<()> {
        let now = self.clock.now();
        let deleted = self
            .store
            .write(move |tx| {
                let Some(d) = deployments::get(tx, id)? else {
                    return Ok(None);
                };
                schedules::delete_future_runs_of_deployment(tx, id, now)?;
                concurrency_limits::sync_deployment(tx, id, None, now)?;
                deployments::delete(tx, id)?;
                let e = resource_events::deployment(&d, "deleted", &[], None, now);
                store_events(tx, std::slice::from_ref(&e))?;
                Ok(Some(e))
            })
            .await?;
        let deleted = match deleted {
            Some(e) => {
                self.bus.publish([e]);
                true
            }
            None => false,
        };
        if !deleted {
            return Err(ServiceError::NotFound(format!("Deployment {id} not found")));
        }
        Ok(())
    }

    /// Creates a run of a deployment: its parameters, tags, labels and job variables under the request's.
    pub async fn create_deployment_run(
        &self,
        id: Uuid,
        req: DeploymentRunRequest,
    ) -> Result<(FlowRun, bool)> {
        let now = self.clock.now();
        let (run, created, events) = self
            .store
            .write_repeatable(move |tx| {
                let (d, flow_name) =
                    deployments::for_run(tx, id)?.ok_or(StoreError::NotFound("deployment"))?;
                let params = merge_parameters(&[&d.parameters, &req.parameters]);
                if req
                    .enforce_parameter_schema
                    .unwrap_or(d.enforce_parameter_schema)
                {
                    if let Some(schema) = &d.parameter_openapi_schema {
                        parameters::validate(schema, &params).map_err(|e| match e {
                            parameters::Invalid::Schema(m) => StoreError::Invalid(m),
                            field => {
                                StoreError::Conflict(format!("Error creating flow run: {field}"))
                            }
                        })?;
                    }
                }
                if let Some(key) = &req.idempotency_key {
                    if let Some(existing) = flow_runs::by_idempotency_key(tx, d.flow_id, key)? {
                        return Ok((existing, false, Vec::new()));
                    }
                }
                let state = req
                    .state
                    .clone()
                    .unwrap_or_else(|| ProposedState::of(StateType::Scheduled));
                let new = run_of(&d, params, req.clone(), state);
                let (mut run, events) = build_run(new, &flow_name, now);
                flow_runs::place(tx, &mut run)?;
                flow_runs::insert(tx, &run)?;
                store_run_events(tx, &events)?;
                Ok((run, true, events))
            })
            .await
            .map_err(|e| not_found_as(e, id))?;
        self.after_create(&run, created, events);
        Ok((run, created))
    }

    /// SCHEDULED runs of these deployments due by `before`, soonest first; marks the deployments polled.
    pub async fn scheduled_runs_of_deployments(
        &self,
        ids: Vec<Uuid>,
        before: Ts,
        limit: Option<u32>,
    ) -> Result<Vec<FlowRun>> {
        let now = self.clock.now();
        let cond = Cond::All(vec![
            Cond::In(
                Field::DeploymentId,
                ids.iter().map(|i| Val::Text(i.to_string())).collect(),
            ),
            Cond::state_types(&[StateType::Scheduled]),
            Cond::Before(Field::NextScheduledStartTime, before),
            Cond::NotIn(Field::RetryType, vec![Val::Text(RETRY_IN_PROCESS.into())]),
        ]);
        let q = Query::new(cond, Order::asc(Field::NextScheduledStartTime), limit, 0);
        let runs = self.store.read(move |tx| flow_runs::list(tx, &q)).await?;
        self.store
            .write(move |tx| deployments::mark_polled(tx, &ids, now))
            .await?;
        Ok(runs)
    }
}

/// The new run for deployment `d` (shared by manual and scheduled runs).
pub(super) fn run_of(
    d: &Deployment,
    params: Doc,
    req: DeploymentRunRequest,
    state: ProposedState,
) -> NewFlowRun {
    let mut labels = d.labels.clone();
    labels.extend(req.labels);
    let mut job_variables = d.job_variables.clone();
    job_variables.extend(req.job_variables);
    NewFlowRun {
        flow_id: d.flow_id,
        name: req.name,
        parameters: params,
        context: req.context,
        parent_task_run_id: req.parent_task_run_id,
        infrastructure_document_id: req
            .infrastructure_document_id
            .or(d.infrastructure_document_id),
        empirical_policy: req.empirical_policy.unwrap_or_default(),
        tags: merge_tags(&d.tags, &req.tags),
        labels,
        idempotency_key: req.idempotency_key,
        work_queue_name: req.work_queue_name.or_else(|| d.work_queue_name.clone()),
        job_variables,
        deployment_id: Some(d.id),
        deployment_version: d.version.clone(),
        work_pool_name: d.work_pool_name.clone(),
        state: Some(state),
        ..NewFlowRun::default()
    }
}

/// The deployment's queue in its pool, created when it names one that does not exist yet. A queue named
/// without a pool (a Prefect 2 deployment for an agent) is in the default agent pool, as in Prefect.
fn ensure_queue(tx: &Tx, d: &mut Deployment, now: Ts) -> crate::store::Result<()> {
    if d.work_pool_name.is_none()
        && d.work_queue_name
            .as_ref()
            .is_some_and(|q| !q.trim().is_empty())
    {
        let pool = super::work_pools::ensure_agent_pool(tx, now)?;
        d.work_pool_name = Some(pool.name);
    }
    if let (Some(pool), Some(queue)) = (&d.work_pool_name, &d.work_queue_name) {
        super::work_queues::ensure_deployment_queue(tx, pool, queue, now)?;
    }
    Ok(())
}

fn apply_patch(
    tx: &Tx,
    mut d: Deployment,
    patch: DeploymentPatch,
    now: Ts,
) -> crate::store::Result<Deployment> {
    let was_paused = d.paused;
    patch.apply(&mut d);
    d.updated = now;
    ensure_queue(tx, &mut d, now)?;
    deployments::update(tx, &d)?;
    if patch.concurrency_limit.is_some() {
        concurrency_limits::sync_deployment(tx, d.id, d.concurrency_limit, now)?;
    }
    if d.paused && !was_paused {
        schedules::delete_future_runs_of_deployment(tx, d.id, now)?;
    }
    if let Some(incoming) = patch.schedules {
        let changes = replace_schedules(&d.schedules, incoming);
        for sid in changes.remove {
            schedules::delete_future_runs_of_schedule(tx, d.id, sid, now)?;
            schedules::delete_schedule(tx, sid)?;
        }
        for (sid, s) in changes.update {
            let mut stored = s.into_stored(d.id, now);
            stored.id = sid;
            schedules::update_schedule(tx, &stored)?;
            schedules::delete_future_runs_of_schedule(tx, d.id, sid, now)?;
        }
        for s in changes.add {
            schedules::insert_schedule(tx, &s.into_stored(d.id, now))?;
        }
    }
    reload(tx, d.id)
}

fn reload(tx: &Tx, id: Uuid) -> crate::store::Result<Deployment> {
    deployments::get(tx, id)?.ok_or(StoreError::NotFound("deployment"))
}

pub(super) fn validate_schedules(list: &[NewSchedule]) -> Result<()> {
    for (i, s) in list.iter().enumerate() {
        s.schedule
            .validate()
            .map_err(|e| ServiceError::Invalid(format!("schedules[{i}].schedule: {e}")))?;
    }
    Ok(())
}

pub(super) fn not_found_as(e: StoreError, id: Uuid) -> ServiceError {
    match e {
        StoreError::NotFound("deployment") => {
            ServiceError::NotFound(format!("Deployment {id} not found"))
        }
        other => other.into(),
    }
}

pub(super) fn capital(s: &str) -> String {
    let mut c = s.chars();
    c.next()
        .map(|f| f.to_uppercase().collect::<String>() + c.as_str())
        .unwrap_or_default()
}
