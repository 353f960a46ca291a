//! Runs of some state types in sort order without sorting every match. `state_type IN (a, b)` with
//! `ORDER BY expected_start_time` made SQLite read every matching run and sort them all before returning
//! the first page (a temporary B-tree), which grew with the history: ~65 ms for 18,000 finished runs. As one
//! `SELECT … WHERE state_type = ?` arm per state type joined by `UNION ALL` under the same `ORDER BY`, each
//! arm walks an index in order and SQLite merges the arms (`MERGE (UNION ALL)` in its query plan), stopping
//! at the limit: the first page costs its own rows.
//!
//! Flow runs keep no index on a state type followed by a time (each one was two more index entries to move
//! on every state change). Ordered by expected or next scheduled start, their arms are one per state type
//! *and name* present (found by seeking the index from one name to the next), and each walks
//! `flow_runs_history` (`state_type, state_name, expected_start_time, …`) or `flow_runs_waiting`
//! (`state_type, state_name, next_scheduled_start_time, id`) in order.

use super::codec;
use super::error::Result;
use super::query;
use super::Tx;
use crate::domain::filter::{Cond, Entity, Field, Query, Val};
use crate::store::sql::{OptionalExtension, Value as Sql};

/// More state types than this are read with one `IN` (there are only nine).
const MAX_ARMS: usize = 9;

/// More (state type, state name) arms than this are read one arm per state type.
const MAX_NAME_ARMS: usize = 32;

/// Parameters a merged statement may hold (SQLite allows 32,766).
const MAX_PARAMS: usize = 30_000;

/// One arm of the merge: a state type, and for flow runs ordered by a time, one of its state names
/// (`Some(None)`: runs of that type without a name).
type Arm = (Val, Option<Option<String>>);

/// `SELECT {cols} FROM {table} WHERE … ORDER BY … LIMIT ? OFFSET ?` for `q`, merged per state type (and
/// name, see the module docs) when its condition requires a state type, plain otherwise.
pub fn select(tx: &Tx, e: Entity, cols: &str, q: &Query, params: &mut Vec<Sql>) -> Result<String> {
    let by_time = matches!(
        q.order.0.first(),
        Some((Field::ExpectedStartTime | Field::NextScheduledStartTime, _))
    );
    let arms = match split_states(&q.cond) {
        Some((states, rest)) => {
            let rest = Rest::new(e, &rest)?;
            arms(tx, e, by_time, states, &rest)?.map(|a| (a, rest))
        }
        None => None,
    };
    select_arms(e, cols, q, arms, params)
}

/// How many flow runs match `cond`. Runs of some state types within a range of expected or next scheduled
/// start are counted one state name at a time, each a range of an index that leads with the type and name
/// (as a whole, every run in those types was read to test its time).
pub fn count(tx: &Tx, cond: &Cond) -> Result<u64> {
    let e = Entity::FlowRun;
    if let Some((states, rest)) = split_states(cond).filter(|(_, rest)| in_time_range(rest)) {
        let rest = Rest::new(e, &rest)?;
        if let Some(arms) = arms(tx, e, true, states, &rest)?.filter(|a| a[0].1.is_some()) {
            let mut n = 0;
            for arm in &arms {
                let mut params = Vec::new();
                let sql = arm_sql(e, "count(*)", arm, &rest, &mut params);
                let params = crate::store::sql::params_from_iter(params);
                n += tx.conn.query_row(&sql, params, |r| r.get::<_, i64>(0))?;
            }
            return Ok(u64::try_from(n).unwrap_or(0));
        }
    }
    query::count(tx, e, cond)
}

/// The condition besides the state types, built once and repeated in every arm.
struct Rest {
    /// Whether it pins the runs to flows, deployments, … (see [`pinned`]).
    pinned: bool,
    sql: String,
    params: Vec<Sql>,
}

impl Rest {
    fn new(e: Entity, cond: &Cond) -> Result<Rest> {
        let mut params = Vec::new();
        let sql = query::condition(e, cond, &mut params)?;
        Ok(Rest {
            pinned: pinned(cond),
            sql,
            params,
        })
    }
}

/// Whether `cond` bounds the expected or next scheduled start time.
fn in_time_range(cond: &Cond) -> bool {
    match cond {
        Cond::All(parts) => parts.iter().any(in_time_range),
        Cond::After(f, _) | Cond::Before(f, _) => {
            matches!(f, Field::ExpectedStartTime | Field::NextScheduledStartTime)
        }
        _ => false,
    }
}

/// The arms to merge for these state types (`by_time`: read in expected or next scheduled start order),
/// `None` for a plain select.
fn arms(
    tx: &Tx,
    e: Entity,
    by_time: bool,
    states: Vec<Val>,
    rest: &Rest,
) -> Result<Option<Vec<Arm>>> {
    // Each arm repeats the rest's parameters: at most as many arms as keep the statement within SQLite's
    // limit on parameters.
    let fit = MAX_PARAMS / (rest.params.len() + 2);
    if e == Entity::FlowRun && by_time && !rest.pinned {
        let most = MAX_NAME_ARMS.min(fit);
        let mut arms = Vec::new();
        for s in &states {
            let Val::Text(kind) = s else {
                return Ok(None);
            };
            for name in state_names(tx, kind, most + 1)? {
                arms.push((s.clone(), Some(name)));
            }
            if arms.len() > most {
                return Ok(per_type(states, fit));
            }
        }
        // No run is in these states: the plain select finds none just as fast.
        return Ok((!arms.is_empty()).then_some(arms));
    }
    Ok(per_type(states, fit))
}

/// Whether `cond` requires the runs of given flows, deployments, queues, pools or parents: their own indexes
/// (`flow_runs_deployment_expected`, `flow_runs_flow_expected`, `flow_runs_deployment_state`, …) find those
/// few runs, where a walk of every run in a state name in time order would filter them out of all.
fn pinned(cond: &Cond) -> bool {
    match cond {
        Cond::All(parts) => parts.iter().any(pinned),
        Cond::In(f, _) => matches!(
            f,
            Field::Id
                | Field::FlowId
                | Field::DeploymentId
                | Field::WorkQueueId
                | Field::WorkPoolId
                | Field::ParentTaskRunId
                | Field::IdempotencyKey
        ),
        Cond::Related(Entity::Flow | Entity::Deployment, _) => true,
        _ => false,
    }
}

/// One arm per state type, when there are several and no more than `fit`.
fn per_type(states: Vec<Val>, fit: usize) -> Option<Vec<Arm>> {
    (2..=MAX_ARMS.min(fit))
        .contains(&states.len())
        .then(|| states.into_iter().map(|s| (s, None)).collect())
}

/// The state names runs of `state_type` are in (`None` first when some have none), at most `max`.
fn state_names(tx: &Tx, state_type: &str, max: usize) -> Result<Vec<Option<String>>> {
    let mut out = Vec::new();
    let unnamed = tx
        .conn
        .prepare_cached(
            "SELECT 1 FROM flow_runs WHERE state_type = ?1 AND state_name IS NULL LIMIT 1",
        )?
        .query_row([state_type], |_| Ok(()))
        .optional()?;
    if unnamed.is_some() {
        out.push(None);
    }
    let named = named_states(tx, Some(state_type), max.saturating_sub(out.len()))?;
    out.extend(named.into_iter().map(|(_, name)| Some(name)));
    Ok(out)
}

/// The (state type, state name) pairs flow runs are in, of one state type or of all, in index order and at
/// most `max`, by seeking the indexes that lead with `(state_type, state_name)` from one pair to the next:
/// the next name of the same type, else the first name of the next type. Runs without a name are left out.
pub(super) fn named_states(tx: &Tx, of: Option<&str>, max: usize) -> Result<Vec<(String, String)>> {
    let mut same_type = tx.conn.prepare_cached(
        "SELECT state_type, state_name FROM flow_runs WHERE state_type = ?1 AND state_name > ?2 \
         ORDER BY state_type, state_name LIMIT 1",
    )?;
    let mut next_type = tx.conn.prepare_cached(
        "SELECT state_type, state_name FROM flow_runs WHERE state_type > ?1 AND state_name IS NOT NULL \
         ORDER BY state_type, state_name LIMIT 1",
    )?;
    let pair = |r: &crate::store::sql::Row| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?));
    let mut cur = match of {
        Some(t) => tx
            .conn
            .prepare_cached(
                "SELECT state_type, state_name FROM flow_runs WHERE state_type = ?1 \
                 AND state_name IS NOT NULL ORDER BY state_type, state_name LIMIT 1",
            )?
            .query_row([t], pair)
            .optional()?,
        None => next_type.query_row([""], pair).optional()?,
    };
    let mut out: Vec<(String, String)> = Vec::new();
    while let Some(p) = cur {
        if out.len() >= max {
            break;
        }
        cur = match same_type.query_row([&p.0, &p.1], pair).optional()? {
            Some(n) => Some(n),
            None if of.is_none() => next_type.query_row([&p.0], pair).optional()?,
            None => None,
        };
        out.push(p);
    }
    Ok(out)
}

/// The SQL of [`select`] once its arms are known (`None`: a plain select).
fn select_arms(
    e: Entity,
    cols: &str,
    q: &Query,
    arms: Option<(Vec<Arm>, Rest)>,
    params: &mut Vec<Sql>,
) -> Result<String> {
    let t = query::table(e);
    if let (Some((arms, rest)), Some(order)) = (arms, query::order_by_result_columns(e, &q.order)) {
        let mut sql = Vec::with_capacity(arms.len());
        for arm in &arms {
            sql.push(arm_sql(e, cols, arm, &rest, params));
        }
        params.push(Sql::Integer(i64::from(q.limit)));
        params.push(Sql::Integer(i64::try_from(q.offset).unwrap_or(i64::MAX)));
        return Ok(format!(
            "{} ORDER BY {order} LIMIT ? OFFSET ?",
            sql.join(" UNION ALL ")
        ));
    }
    let tail = query::tail(e, q, params)?;
    Ok(format!("SELECT {cols} FROM {t} {tail}"))
}

/// `SELECT {cols} FROM {table} WHERE` the arm's state type (and name) and the rest.
fn arm_sql(e: Entity, cols: &str, arm: &Arm, rest: &Rest, params: &mut Vec<Sql>) -> String {
    let t = query::table(e);
    let (kind, name) = arm;
    params.push(codec::val(kind));
    let name = match name {
        None => String::new(),
        Some(None) => format!(" AND {t}.state_name IS NULL"),
        Some(Some(n)) => {
            params.push(Sql::Text(n.clone()));
            format!(" AND {t}.state_name = ?")
        }
    };
    params.extend(rest.params.iter().cloned());
    format!(
        "SELECT {cols} FROM {t} WHERE {t}.state_type = ?{name} AND {}",
        rest.sql
    )
}

/// The distinct state types a condition requires (an `IN` on the state type reached through `All`s only),
/// and the condition without it.
fn split_states(cond: &Cond) -> Option<(Vec<Val>, Cond)> {
    match cond {
        Cond::In(Field::StateType, vals) => {
            let mut distinct: Vec<Val> = Vec::with_capacity(vals.len());
            for v in vals {
                if !distinct.contains(v) {
                    distinct.push(v.clone());
                }
            }
            Some((distinct, Cond::all()))
        }
        Cond::All(parts) => parts.iter().enumerate().find_map(|(i, p)| {
            split_states(p).map(|(states, rest)| {
                let mut parts = parts.clone();
                parts[i] = rest;
                (states, Cond::All(parts))
            })
        }),
        _ => None,
    }
}

#[cfg(test)]
#[path = "merge_tests.rs"]
mod tests;
