//! Turns a domain [`Query`] into a parameterised SQL `WHERE … ORDER BY … LIMIT … OFFSET …` tail.

use super::codec;
use super::error::{Result, StoreError};
use crate::domain::filter::{Cond, Entity, Field, Order, Query};
use crate::domain::StateType;
use crate::store::sql::Value as Sql;

/// The table of an entity.
pub fn table(e: Entity) -> &'static str {
    match e {
        Entity::Flow => "flows",
        Entity::FlowRun => "flow_runs",
        Entity::TaskRun => "task_runs",
        Entity::Log => "logs",
        Entity::Deployment => "deployments",
        Entity::Variable => "variables",
        Entity::Artifact => "artifacts",
        Entity::ArtifactCollection => "artifact_latest",
    }
}

/// How many rows of `e` match `cond` (every entity's `count`).
pub fn count(tx: &super::Tx, e: Entity, cond: &Cond) -> Result<u64> {
    let mut params = Vec::new();
    let c = condition(e, cond, &mut params)?;
    let sql = format!("SELECT count(*) FROM {} WHERE {c}", table(e));
    let n: i64 = tx
        .conn
        .query_row(&sql, crate::store::sql::params_from_iter(params), |r| {
            r.get(0)
        })?;
    Ok(n as u64)
}

fn column(e: Entity, f: Field) -> Option<&'static str> {
    use Field::*;
    match f {
        Id => return Some("id"),
        Name => return Some("name"),
        Created => return Some("created"),
        _ => {}
    }
    match (e, f) {
        (
            Entity::Flow
            | Entity::FlowRun
            | Entity::TaskRun
            | Entity::Deployment
            | Entity::Variable,
            Tags,
        ) => Some("tags"),
        (
            Entity::Flow
            | Entity::FlowRun
            | Entity::TaskRun
            | Entity::Deployment
            | Entity::Variable,
            Updated,
        ) => Some("updated"),
        (Entity::Deployment, FlowId) => Some("flow_id"),
        (Entity::Deployment, Paused) => Some("paused"),
        (Entity::Deployment, ConcurrencyLimit) => Some("concurrency_limit"),
        (Entity::Deployment, WorkPoolName) => Some("work_pool_name"),
        (Entity::Deployment, WorkQueueName) => Some("work_queue_name"),
        (Entity::FlowRun, WorkPoolName) => Some("work_pool_name"),
        (Entity::FlowRun, WorkPoolId) => Some("work_pool_id"),
        (Entity::FlowRun, WorkQueueId) => Some("work_queue_id"),
        (Entity::FlowRun, FlowId) => Some("flow_id"),
        (Entity::FlowRun, DeploymentId) => Some("deployment_id"),
        (Entity::FlowRun, ParentTaskRunId) => Some("parent_task_run_id"),
        (Entity::FlowRun | Entity::TaskRun, StateType) => Some("state_type"),
        (Entity::FlowRun | Entity::TaskRun, StateName) => Some("state_name"),
        (Entity::FlowRun, FlowVersion) => Some("flow_version"),
        (Entity::FlowRun | Entity::TaskRun, StartTime) => Some("start_time"),
        (Entity::FlowRun | Entity::TaskRun, EndTime) => Some("end_time"),
        (Entity::FlowRun | Entity::TaskRun, ExpectedStartTime) => Some("expected_start_time"),
        (Entity::FlowRun | Entity::TaskRun, NextScheduledStartTime) => {
            Some("next_scheduled_start_time")
        }
        (Entity::FlowRun | Entity::TaskRun, TotalRunTime) => Some("total_run_time"),
        (Entity::FlowRun, IdempotencyKey) => Some("idempotency_key"),
        (Entity::FlowRun, WorkQueueName) => Some("work_queue_name"),
        (Entity::TaskRun | Entity::Log, FlowRunId) => Some("flow_run_id"),
        (Entity::TaskRun, TaskKey) => Some("task_key"),
        (Entity::Log, TaskRunId) => Some("task_run_id"),
        (Entity::Log, Level) => Some("level"),
        (Entity::Log, Timestamp) => Some("timestamp"),
        (Entity::Log, Message) => Some("message"),
        (Entity::Artifact | Entity::ArtifactCollection, _) => artifact_column(f),
        _ => None,
    }
}

fn artifact_column(f: Field) -> Option<&'static str> {
    Some(match f {
        Field::Updated => "updated",
        Field::Key => "key",
        Field::ArtifactType => "type",
        Field::FlowRunId => "flow_run_id",
        Field::TaskRunId => "task_run_id",
        Field::LatestId => "latest_id",
        _ => return None,
    })
}

fn col(e: Entity, f: Field) -> Result<String> {
    if (e, f) == (Entity::FlowRun, Field::RetryType) {
        return Ok("coalesce(json_extract(flow_runs.empirical_policy, '$.retry_type'), '')".into());
    }
    column(e, f)
        .map(|c| format!("{}.{}", table(e), c))
        .ok_or_else(|| {
            StoreError::Invalid(format!("cannot filter or sort {} by {:?}", table(e), f))
        })
}

/// Builds the SQL condition for `cond` on entity `e`, pushing parameters onto `params`.
pub fn condition(e: Entity, cond: &Cond, params: &mut Vec<Sql>) -> Result<String> {
    Ok(match cond {
        Cond::All(parts) | Cond::Any(parts) => {
            let all = matches!(cond, Cond::All(_));
            if parts.is_empty() {
                return Ok(if all { "1 = 1" } else { "1 = 0" }.into());
            }
            let sql: Result<Vec<String>> = parts.iter().map(|p| condition(e, p, params)).collect();
            format!("({})", sql?.join(if all { " AND " } else { " OR " }))
        }
        Cond::Like(Field::FlowOrDeploymentName, text) if e == Entity::Deployment => {
            params.push(Sql::Text(escape_like(text)));
            params.push(Sql::Text(escape_like(text)));
            "(deployments.name LIKE '%' || ? || '%' ESCAPE '\\' OR deployments.flow_id IN \
             (SELECT id FROM flows WHERE flows.name LIKE '%' || ? || '%' ESCAPE '\\'))"
                .to_string()
        }
        Cond::In(Field::ParentFlowRunId, vals) if e == Entity::FlowRun => {
            let list = placeholders(vals.len());
            params.extend(vals.iter().map(codec::val));
            format!("flow_runs.parent_task_run_id IN (SELECT id FROM task_runs WHERE task_runs.flow_run_id IN ({list}))")
        }
        Cond::IsNull(Field::SubflowRun, is_null) if e == Entity::TaskRun => {
            let exists =
                "EXISTS (SELECT 1 FROM flow_runs c WHERE c.parent_task_run_id = task_runs.id)";
            if *is_null {
                format!("NOT {exists}")
            } else {
                exists.to_string()
            }
        }
        // Runs have no index on the state's name alone (migration 0020): with every state type named too,
        // the indexes that lead with (state_type, state_name) answer it, one seek per type.
        Cond::In(Field::StateName, vals) if e == Entity::FlowRun && !vals.is_empty() => {
            params.extend(vals.iter().map(codec::val));
            let types: Vec<String> = StateType::ALL
                .iter()
                .map(|t| format!("'{}'", t.as_str()))
                .collect();
            let names = placeholders(vals.len());
            format!(
                "(flow_runs.state_type IN ({}) AND flow_runs.state_name IN ({names}))",
                types.join(", ")
            )
        }
        Cond::In(f, vals) | Cond::NotIn(f, vals) => {
            let c = col(e, *f)?;
            if vals.is_empty() {
                return Ok(if matches!(cond, Cond::In(..)) {
                    "1 = 0"
                } else {
                    "1 = 1"
                }
                .into());
            }
            params.extend(vals.iter().map(codec::val));
            let not = if matches!(cond, Cond::NotIn(..)) {
                "NOT "
            } else {
                ""
            };
            format!("{c} {not}IN ({})", placeholders(vals.len()))
        }
        Cond::Like(f, text) => {
            params.push(Sql::Text(escape_like(text)));
            format!("{} LIKE '%' || ? || '%' ESCAPE '\\'", col(e, *f)?)
        }
        Cond::NotLike(f, text) => {
            params.push(Sql::Text(escape_like(text)));
            format!("{} NOT LIKE '%' || ? || '%' ESCAPE '\\'", col(e, *f)?)
        }
        Cond::StartsWith(f, text) => {
            params.push(Sql::Text(escape_like(text)));
            format!("{} LIKE ? || '%' ESCAPE '\\'", col(e, *f)?)
        }
        Cond::Before(f, t) => {
            params.push(Sql::Text(codec::ts(*t)));
            format!("{} <= ?", col(e, *f)?)
        }
        Cond::After(f, t) => {
            params.push(Sql::Text(codec::ts(*t)));
            format!("{} >= ?", col(e, *f)?)
        }
        Cond::KeyBelow(f, t, id) => {
            params.push(Sql::Text(codec::ts(*t)));
            params.push(Sql::Text(id.to_string()));
            format!("({}, {}.id) < (?, ?)", col(e, *f)?, table(e))
        }
        Cond::IsNull(f, is_null) => format!(
            "{} IS {}NULL",
            col(e, *f)?,
            if *is_null { "" } else { "NOT " }
        ),
        Cond::AtLeast(f, v) => {
            params.push(Sql::Real(*v));
            format!("{} >= ?", col(e, *f)?)
        }
        Cond::AtMost(f, v) => {
            params.push(Sql::Real(*v));
            format!("{} <= ?", col(e, *f)?)
        }
        Cond::TagsAll(tags) | Cond::TagsAny(tags) => {
            let c = col(e, Field::Tags)?;
            let mut distinct: Vec<&String> = tags.iter().collect();
            distinct.sort();
            distinct.dedup();
            if distinct.is_empty() {
                return Ok("1 = 1".into());
            }
            // One flat IN list, not a chain of ORs/ANDs: SQLite refuses an expression tree deeper than
            // 1,000, and a filter may list 1,000 tags.
            let marks = vec!["?"; distinct.len()].join(", ");
            params.extend(distinct.iter().map(|t| Sql::Text((*t).clone())));
            if matches!(cond, Cond::TagsAll(_)) {
                format!(
                    "(SELECT count(DISTINCT json_each.value) FROM json_each({c}) \
                     WHERE json_each.value IN ({marks})) = {}",
                    distinct.len()
                )
            } else {
                format!("EXISTS (SELECT 1 FROM json_each({c}) WHERE json_each.value IN ({marks}))")
            }
        }
        Cond::TagsEmpty(empty) => format!(
            "{} {} '[]'",
            col(e, Field::Tags)?,
            if *empty { "=" } else { "<>" }
        ),
        Cond::Related(other, inner) => related(e, *other, inner, params)?,
    })
}

fn related(e: Entity, other: Entity, inner: &Cond, params: &mut Vec<Sql>) -> Result<String> {
    if inner.is_trivial() {
        return Ok("1 = 1".into());
    }
    // A related object named by id is the foreign key itself: `flow_id IN (…)` uses the run table's index,
    // where `flow_id IN (SELECT id FROM flows WHERE id IN (…))` made SQLite walk the runs (66 ms at 100,000).
    if let (Some(key), Some(ids)) = (e.foreign_key(other), inner.only_ids()) {
        return condition(e, &Cond::In(key, ids.to_vec()), params);
    }
    let sub = condition(other, inner, params)?;
    Ok(match (e, other) {
        (Entity::FlowRun, Entity::Flow) => format!("flow_runs.flow_id IN (SELECT id FROM flows WHERE {sub})"),
        (Entity::FlowRun, Entity::TaskRun) => {
            format!("flow_runs.id IN (SELECT flow_run_id FROM task_runs WHERE {sub})")
        }
        (Entity::Flow, Entity::FlowRun) => format!("flows.id IN (SELECT flow_id FROM flow_runs WHERE {sub})"),
        (Entity::Flow, Entity::TaskRun) => format!(
            "flows.id IN (SELECT flow_id FROM flow_runs WHERE flow_runs.id IN (SELECT flow_run_id FROM task_runs WHERE {sub}))"
        ),
        (Entity::TaskRun, Entity::FlowRun) => {
            format!("task_runs.flow_run_id IN (SELECT id FROM flow_runs WHERE {sub})")
        }
        (Entity::TaskRun, Entity::Flow) => format!(
            "task_runs.flow_run_id IN (SELECT id FROM flow_runs WHERE flow_runs.flow_id IN (SELECT id FROM flows WHERE {sub}))"
        ),
        (Entity::FlowRun, Entity::Deployment) => {
            format!("flow_runs.deployment_id IN (SELECT id FROM deployments WHERE {sub})")
        }
        (Entity::Flow, Entity::Deployment) => format!("flows.id IN (SELECT flow_id FROM deployments WHERE {sub})"),
        (Entity::Deployment, Entity::Flow) => format!("deployments.flow_id IN (SELECT id FROM flows WHERE {sub})"),
        (Entity::Deployment, Entity::FlowRun) => {
            format!("deployments.id IN (SELECT deployment_id FROM flow_runs WHERE {sub})")
        }
        (Entity::TaskRun, Entity::Deployment) => format!(
            "task_runs.flow_run_id IN (SELECT id FROM flow_runs WHERE flow_runs.deployment_id IN (SELECT id FROM deployments WHERE {sub}))"
        ),
        (Entity::Artifact | Entity::ArtifactCollection, _) => artifact_related(e, other, &sub)?,
        (Entity::Log, Entity::FlowRun) => format!("logs.flow_run_id IN (SELECT id FROM flow_runs WHERE {sub})"),
        _ => return Err(StoreError::Invalid(format!("cannot relate {} to {}", table(e), table(other)))),
    })
}

fn artifact_related(e: Entity, other: Entity, sub: &str) -> Result<String> {
    let t = table(e);
    let runs = match other {
        Entity::TaskRun => {
            return Ok(format!(
                "{t}.task_run_id IN (SELECT id FROM task_runs WHERE {sub})"
            ))
        }
        Entity::FlowRun => sub.to_string(),
        Entity::Flow => format!("flow_runs.flow_id IN (SELECT id FROM flows WHERE {sub})"),
        Entity::Deployment => {
            format!("flow_runs.deployment_id IN (SELECT id FROM deployments WHERE {sub})")
        }
        _ => {
            return Err(StoreError::Invalid(format!(
                "cannot relate {t} to {}",
                table(other)
            )))
        }
    };
    Ok(format!(
        "{t}.flow_run_id IN (SELECT id FROM flow_runs WHERE {runs})"
    ))
}

fn placeholders(n: usize) -> String {
    vec!["?"; n].join(", ")
}

fn escape_like(text: &str) -> String {
    text.replace('\\', "\\\\")
        .replace('%', "\\%")
        .replace('_', "\\_")
}

/// `ORDER BY` for `order`, with the id as a final tie-breaker.
pub fn order_by(e: Entity, order: &Order) -> Result<String> {
    let names: Result<Vec<String>> = order.0.iter().map(|(f, _)| col(e, *f)).collect();
    Ok(order_terms(order, names?, &format!("{}.id", table(e))))
}

/// `ORDER BY` for `order` naming bare result columns, as a compound select needs; `None` when a sort key
/// is not a plain column of the entity.
pub fn order_by_result_columns(e: Entity, order: &Order) -> Option<String> {
    let names: Option<Vec<String>> = order
        .0
        .iter()
        .map(|(f, _)| column(e, *f).map(str::to_string))
        .collect();
    Some(order_terms(order, names?, "id"))
}

fn order_terms(order: &Order, names: Vec<String>, id: &str) -> String {
    let dir = |desc: bool| if desc { "DESC" } else { "ASC" };
    let last_desc = order.0.last().is_some_and(|(_, desc)| *desc);
    let mut parts: Vec<String> = names
        .iter()
        .zip(&order.0)
        .map(|(name, (_, desc))| format!("{name} {}", dir(*desc)))
        .collect();
    parts.push(format!("{id} {}", dir(last_desc)));
    parts.join(", ")
}

/// `WHERE … ORDER BY … LIMIT ? OFFSET ?` for a whole query.
pub fn tail(e: Entity, q: &Query, params: &mut Vec<Sql>) -> Result<String> {
    let cond = condition(e, &q.cond, params)?;
    let order = order_by(e, &q.order)?;
    params.push(Sql::Integer(i64::from(q.limit)));
    params.push(Sql::Integer(i64::try_from(q.offset).unwrap_or(i64::MAX)));
    Ok(format!("WHERE {cond} ORDER BY {order} LIMIT ? OFFSET ?"))
}

#[cfg(test)]
#[path = "query_tests.rs"]
mod tests;
