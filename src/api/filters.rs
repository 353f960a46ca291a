//! Prefect's filter objects (`wire::filters`, read strictly by serde) as domain queries. What serde cannot
//! check is checked here, naming the path: times, state types, list sizes, log queries, sections Baton
//! cannot filter by.

use super::error::{ApiError, ApiResult};
use crate::domain::filter::{Cond, Entity, Field, Order, Query, Val};
use crate::domain::{time, StateType};
use crate::wire::filters::*;
use crate::wire::work_pools::Operator;
use uuid::Uuid;

/// One criterion (`{"any_": [...], "like_": ...}`) on `field` as a condition.
trait Criterion {
    fn cond(&self, field: Field, path: &str) -> ApiResult<Cond>;
}

/// The conditions of one entity's filter, gathered field by field.
struct Parts<'a> {
    path: &'a str,
    all: Vec<Cond>,
}

impl<'a> Parts<'a> {
    fn new(path: &'a str) -> Parts<'a> {
        Parts {
            path,
            all: Vec::new(),
        }
    }

    fn add<C: Criterion>(&mut self, c: &Option<C>, field: Field, key: &str) -> ApiResult<()> {
        if let Some(c) = c {
            self.all
                .push(c.cond(field, &format!("{}.{key}", self.path))?);
        }
        Ok(())
    }

    fn done(self, operator: Option<Operator>) -> Cond {
        combine(operator, self.all)
    }
}

fn combine(operator: Option<Operator>, parts: Vec<Cond>) -> Cond {
    match operator {
        Some(Operator::Or) if !parts.is_empty() => Cond::Any(parts),
        _ => Cond::All(parts),
    }
}

fn list<T: Clone>(v: &[T], path: &str) -> ApiResult<Vec<T>> {
    if v.len() > MAX_VALUES {
        return Err(ApiError::invalid(format!(
            "{path}: at most {MAX_VALUES} values"
        )));
    }
    Ok(v.to_vec())
}

fn texts(v: &[String], path: &str) -> ApiResult<Vec<Val>> {
    Ok(list(v, path)?.into_iter().map(Val::Text).collect())
}

fn ids(v: &[Uuid], path: &str) -> ApiResult<Vec<Val>> {
    Ok(list(v, path)?
        .into_iter()
        .map(|u| Val::Text(u.to_string()))
        .collect())
}

/// An ISO 8601 time; 422 naming `path` otherwise.
pub fn timestamp(v: &str, path: &str) -> ApiResult<crate::domain::Ts> {
    time::parse(v)
        .ok_or_else(|| ApiError::invalid(format!("{path}: expected an ISO 8601 datetime")))
}

impl Criterion for IdFilter {
    fn cond(&self, field: Field, path: &str) -> ApiResult<Cond> {
        let mut all = Vec::new();
        if let Some(v) = &self.any_ {
            all.push(Cond::In(field, ids(v, &format!("{path}.any_"))?));
        }
        if let Some(v) = &self.not_any_ {
            all.push(Cond::NotIn(field, ids(v, &format!("{path}.not_any_"))?));
        }
        if let Some(b) = self.is_null_ {
            all.push(Cond::IsNull(field, b));
        }
        Ok(Cond::All(all))
    }
}

impl Criterion for TextFilter {
    fn cond(&self, field: Field, path: &str) -> ApiResult<Cond> {
        let values = |v: &[String], op: &str| -> ApiResult<Vec<Val>> {
            let p = format!("{path}.{op}");
            if field != Field::StateType {
                return texts(v, &p);
            }
            list(v, &p)?
                .iter()
                .enumerate()
                .map(|(i, s)| {
                    StateType::parse(s)
                        .map(|t| Val::Text(t.as_str().into()))
                        .ok_or_else(|| {
                            ApiError::invalid(format!("{p}[{i}]: '{s}' is not a state type"))
                        })
                })
                .collect()
        };
        let mut all = Vec::new();
        if let Some(v) = &self.any_ {
            all.push(Cond::In(field, values(v, "any_")?));
        }
        if let Some(v) = &self.not_any_ {
            all.push(Cond::NotIn(field, values(v, "not_any_")?));
        }
        if let Some(s) = &self.like_ {
            all.push(Cond::Like(field, s.clone()));
        }
        if let Some(s) = &self.startswith_ {
            all.push(Cond::StartsWith(field, s.clone()));
        }
        if let Some(b) = self.is_null_ {
            all.push(Cond::IsNull(field, b));
        }
        if let Some(b) = self.exists_ {
            all.push(Cond::IsNull(field, !b));
        }
        Ok(Cond::All(all))
    }
}

impl Criterion for TagsFilter {
    fn cond(&self, _: Field, path: &str) -> ApiResult<Cond> {
        let mut all = Vec::new();
        if let Some(v) = &self.all_ {
            all.push(Cond::TagsAll(list(v, &format!("{path}.all_"))?));
        }
        if let Some(v) = &self.any_ {
            all.push(Cond::TagsAny(list(v, &format!("{path}.any_"))?));
        }
        if let Some(b) = self.is_null_ {
            all.push(Cond::TagsEmpty(b));
        }
        Ok(Cond::All(all))
    }
}

impl Criterion for TimeFilter {
    fn cond(&self, field: Field, path: &str) -> ApiResult<Cond> {
        let mut all = Vec::new();
        if let Some(t) = &self.before_ {
            all.push(Cond::Before(
                field,
                timestamp(t, &format!("{path}.before_"))?,
            ));
        }
        if let Some(t) = &self.after_ {
            all.push(Cond::After(field, timestamp(t, &format!("{path}.after_"))?));
        }
        if let Some(b) = self.is_null_ {
            all.push(Cond::IsNull(field, b));
        }
        Ok(Cond::All(all))
    }
}

impl Criterion for NumberFilter {
    fn cond(&self, field: Field, _: &str) -> ApiResult<Cond> {
        let mut all = Vec::new();
        if let Some(n) = self.ge_ {
            all.push(Cond::AtLeast(field, n));
        }
        if let Some(n) = self.le_ {
            all.push(Cond::AtMost(field, n));
        }
        if let Some(b) = self.is_null_ {
            all.push(Cond::IsNull(field, b));
        }
        Ok(Cond::All(all))
    }
}

impl Criterion for ExistsFilter {
    fn cond(&self, field: Field, _: &str) -> ApiResult<Cond> {
        Ok(Cond::All(
            self.exists_
                .map(|b| Cond::IsNull(field, !b))
                .into_iter()
                .collect(),
        ))
    }
}

impl Criterion for FlagFilter {
    fn cond(&self, field: Field, _: &str) -> ApiResult<Cond> {
        Ok(Cond::All(
            self.eq_
                .map(|b| Cond::In(field, vec![Val::Int(i64::from(b))]))
                .into_iter()
                .collect(),
        ))
    }
}

impl Criterion for StateFilter {
    fn cond(&self, _: Field, path: &str) -> ApiResult<Cond> {
        let mut p = Parts::new(path);
        p.add(&self.kind, Field::StateType, "type")?;
        p.add(&self.name, Field::StateName, "name")?;
        Ok(p.done(self.operator))
    }
}

impl Criterion for LogTextFilter {
    fn cond(&self, _: Field, path: &str) -> ApiResult<Cond> {
        let Some(q) = &self.query else {
            return Ok(Cond::all());
        };
        if q.split_whitespace().count() > 20 {
            return Err(ApiError::invalid(format!("{path}.query: at most 20 words")));
        }
        Ok(Cond::All(
            q.split_whitespace()
                .map(|w| match w.strip_prefix('-') {
                    Some(neg) if !neg.is_empty() => Cond::NotLike(Field::Message, neg.to_string()),
                    _ => Cond::Like(Field::Message, w.to_string()),
                })
                .collect(),
        ))
    }
}

/// One section (`flow_runs`, …) as the entity it filters and its condition.
fn section(s: &Section<'_>, path: &str) -> ApiResult<Option<(Entity, Cond)>> {
    use Field::*;
    let mut p = Parts::new(path);
    let (entity, operator) = match s {
        Section::Flows(f) => {
            p.add(&f.id, Id, "id")?;
            p.add(&f.name, Name, "name")?;
            p.add(&f.tags, Tags, "tags")?;
            (Entity::Flow, f.operator)
        }
        Section::FlowRuns(f) => return flow_runs(f, p).map(|c| Some((Entity::FlowRun, c))),
        Section::TaskRuns(f) => {
            p.add(&f.id, Id, "id")?;
            p.add(&f.name, Name, "name")?;
            p.add(&f.tags, Tags, "tags")?;
            p.add(&f.state, StateType, "state")?;
            p.add(&f.start_time, StartTime, "start_time")?;
            p.add(&f.end_time, EndTime, "end_time")?;
            p.add(
                &f.expected_start_time,
                ExpectedStartTime,
                "expected_start_time",
            )?;
            p.add(&f.subflow_runs, SubflowRun, "subflow_runs")?;
            p.add(&f.flow_run_id, FlowRunId, "flow_run_id")?;
            (Entity::TaskRun, f.operator)
        }
        Section::Deployments(f) => {
            p.add(&f.id, Id, "id")?;
            p.add(&f.name, Name, "name")?;
            p.add(
                &f.flow_or_deployment_name,
                FlowOrDeploymentName,
                "flow_or_deployment_name",
            )?;
            p.add(&f.paused, Paused, "paused")?;
            p.add(&f.tags, Tags, "tags")?;
            p.add(&f.work_queue_name, WorkQueueName, "work_queue_name")?;
            p.add(&f.concurrency_limit, ConcurrencyLimit, "concurrency_limit")?;
            (Entity::Deployment, f.operator)
        }
        Section::Logs(f) => return logs(f, path).map(|c| Some((Entity::Log, c))),
        Section::Artifacts(f) => {
            p.add(&f.id, Id, "id")?;
            p.add(&f.key, Key, "key")?;
            p.add(&f.flow_run_id, FlowRunId, "flow_run_id")?;
            p.add(&f.task_run_id, TaskRunId, "task_run_id")?;
            p.add(&f.kind, ArtifactType, "type")?;
            (Entity::Artifact, f.operator)
        }
        Section::ArtifactCollections(f) => {
            p.add(&f.latest_id, LatestId, "latest_id")?;
            p.add(&f.key, Key, "key")?;
            p.add(&f.flow_run_id, FlowRunId, "flow_run_id")?;
            p.add(&f.task_run_id, TaskRunId, "task_run_id")?;
            p.add(&f.kind, ArtifactType, "type")?;
            (Entity::ArtifactCollection, f.operator)
        }
        Section::Variables(f) => {
            p.add(&f.id, Id, "id")?;
            p.add(&f.name, Name, "name")?;
            p.add(&f.tags, Tags, "tags")?;
            (Entity::Variable, f.operator)
        }
        // A flow run's work pool or queue: a condition on the run itself.
        Section::WorkPools(f) => {
            if f.kind.as_ref().is_some_and(|k| !k.is_null()) {
                return Err(ApiError::invalid(format!(
                    "{path}.type: filtering runs by their pool's type is not available in this Baton version"
                )));
            }
            p.add(&f.id, WorkPoolId, "id")?;
            p.add(&f.name, WorkPoolName, "name")?;
            (Entity::FlowRun, f.operator)
        }
        Section::WorkQueues(f) => {
            p.add(&f.id, WorkQueueId, "id")?;
            p.add(&f.name, WorkQueueName, "name")?;
            (Entity::FlowRun, f.operator)
        }
        Section::Unsupported => {
            return Err(ApiError::invalid(format!(
                "{path}: filtering by {path} is not available in this Baton version"
            )))
        }
    };
    Ok(Some((entity, p.done(operator))))
}

fn flow_runs(f: &FlowRunFilter, mut p: Parts<'_>) -> ApiResult<Cond> {
    use Field::*;
    p.add(&f.id, Id, "id")?;
    p.add(&f.name, Name, "name")?;
    p.add(&f.tags, Tags, "tags")?;
    p.add(&f.deployment_id, DeploymentId, "deployment_id")?;
    p.add(&f.work_queue_name, WorkQueueName, "work_queue_name")?;
    p.add(&f.state, StateType, "state")?;
    p.add(&f.flow_version, FlowVersion, "flow_version")?;
    p.add(&f.start_time, StartTime, "start_time")?;
    p.add(&f.end_time, EndTime, "end_time")?;
    p.add(
        &f.expected_start_time,
        ExpectedStartTime,
        "expected_start_time",
    )?;
    p.add(
        &f.next_scheduled_start_time,
        NextScheduledStartTime,
        "next_scheduled_start_time",
    )?;
    p.add(&f.parent_flow_run_id, ParentFlowRunId, "parent_flow_run_id")?;
    p.add(&f.parent_task_run_id, ParentTaskRunId, "parent_task_run_id")?;
    p.add(&f.idempotency_key, IdempotencyKey, "idempotency_key")?;
    Ok(p.done(f.operator))
}

/// A log filter (also the logs websocket's `filter`).
pub fn logs(f: &LogFilter, path: &str) -> ApiResult<Cond> {
    use Field::*;
    let mut p = Parts::new(path);
    p.add(&f.level, Level, "level")?;
    p.add(&f.timestamp, Timestamp, "timestamp")?;
    p.add(&f.flow_run_id, FlowRunId, "flow_run_id")?;
    p.add(&f.task_run_id, TaskRunId, "task_run_id")?;
    p.add(&f.text, Message, "text")?;
    Ok(p.done(f.operator))
}

/// The condition on `target` of a filter body: each section on its own entity, related to `target`.
pub fn cond(body: &impl FilterRequest, target: Entity) -> ApiResult<Cond> {
    let mut parts = Vec::new();
    for (key, s) in body.sections() {
        if let Some((entity, c)) = section(&s, key)? {
            parts.push(if entity == target {
                c
            } else {
                Cond::Related(entity, Box::new(c))
            });
        }
    }
    Ok(Cond::All(parts))
}

/// The query of a filter body on `target`, ordered by its `sort` (read by `sort_of`; `default` when absent)
/// and paged by its `limit` (capped) and `offset`.
pub fn query(
    body: &impl FilterRequest,
    target: Entity,
    sort_of: fn(&str) -> Option<Order>,
    default: &str,
) -> ApiResult<Query> {
    let sort = body.sort().unwrap_or(default);
    let order = sort_of(sort)
        .ok_or_else(|| ApiError::invalid(format!("sort: '{sort}' is not a valid sort order")))?;
    let (limit, offset) = body.page();
    let limit = limit.map(|l| l.min(u64::from(u32::MAX)) as u32);
    Ok(Query::new(cond(body, target)?, order, limit, offset))
}

pub use super::sorts::{flow_run_sort, flow_sort, log_sort, task_run_sort};
