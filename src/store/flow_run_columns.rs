//! How a flow run is written to its row: the columns, each one's value, and which of them a change
//! touches. A state change alters a handful of the 37 columns; writing only those leaves the indexes on
//! the others alone, and finding them from the run's fields (not from both runs' stored text) keeps the
//! writer from formatting 74 values per change.

use super::codec;
use super::error::{Result, StoreError};
use super::Tx;
use crate::domain::flow_run::FlowRun;
use crate::store::sql::ToSql;

/// The row's columns, in the order of [`value`].
pub(super) const COLUMNS: [&str; 37] = [
    "id",
    "created",
    "updated",
    "name",
    "flow_id",
    "deployment_id",
    "deployment_version",
    "work_queue_name",
    "work_queue_id",
    "work_pool_id",
    "work_pool_name",
    "flow_version",
    "parameters",
    "idempotency_key",
    "context",
    "empirical_policy",
    "tags",
    "labels",
    "parent_task_run_id",
    "state",
    "run_count",
    "expected_start_time",
    "next_scheduled_start_time",
    "start_time",
    "end_time",
    "total_run_time",
    "auto_scheduled",
    "infrastructure_document_id",
    "infrastructure_pid",
    "created_by",
    "job_variables",
    "state_id",
    "state_type",
    "state_name",
    "state_timestamp",
    "deployment_schedule_id",
    "lateness",
];

/// `INSERT INTO flow_runs (…) VALUES (?1, …)` for every column, built once (it was built per insert).
pub(super) static INSERT: std::sync::LazyLock<String> = std::sync::LazyLock::new(|| {
    let marks = (1..=COLUMNS.len())
        .map(|i| format!("?{i}"))
        .collect::<Vec<_>>()
        .join(", ");
    format!(
        "INSERT INTO flow_runs ({}) VALUES ({marks})",
        COLUMNS.join(", ")
    )
});

/// Every column's value, in order.
pub(super) fn values(run: &FlowRun) -> Vec<Box<dyn ToSql + '_>> {
    (0..COLUMNS.len()).map(|i| value(run, i)).collect()
}

/// The value of column `i`.
fn value(run: &FlowRun, i: usize) -> Box<dyn ToSql + '_> {
    let s = run.state.as_ref();
    match i {
        0 => Box::new(run.id.to_string()),
        1 => Box::new(codec::ts(run.created)),
        2 => Box::new(codec::ts(run.updated)),
        3 => Box::new(run.name.clone()),
        4 => Box::new(run.flow_id.to_string()),
        5 => Box::new(run.deployment_id.map(|u| u.to_string())),
        6 => Box::new(run.deployment_version.clone()),
        7 => Box::new(run.work_queue_name.clone()),
        8 => Box::new(run.work_queue_id.map(|u| u.to_string())),
        9 => Box::new(run.work_pool_id.map(|u| u.to_string())),
        10 => Box::new(run.work_pool_name.clone()),
        11 => Box::new(run.flow_version.clone()),
        12 => Box::new(codec::doc(&run.parameters)),
        13 => Box::new(run.idempotency_key.clone()),
        14 => Box::new(codec::doc(&run.context)),
        15 => Box::new(codec::doc(&run.empirical_policy.to_stored_doc())),
        16 => Box::new(codec::tags(&run.tags)),
        17 => Box::new(codec::doc(&run.labels)),
        18 => Box::new(run.parent_task_run_id.map(|u| u.to_string())),
        19 => Box::new(s.map(codec::state)),
        20 => Box::new(run.run_count),
        21 => Box::new(codec::opt_ts(run.expected_start_time)),
        22 => Box::new(codec::opt_ts(run.next_scheduled_start_time)),
        23 => Box::new(codec::opt_ts(run.start_time)),
        24 => Box::new(codec::opt_ts(run.end_time)),
        25 => Box::new(run.total_run_time),
        26 => Box::new(run.auto_scheduled),
        27 => Box::new(run.infrastructure_document_id.map(|u| u.to_string())),
        28 => Box::new(run.infrastructure_pid.clone()),
        29 => Box::new(codec::json(&run.created_by)),
        30 => Box::new(codec::doc(&run.job_variables)),
        31 => Box::new(s.map(|s| s.id.to_string())),
        32 => Box::new(s.map(|s| s.kind.as_str())),
        33 => Box::new(s.map(|s| s.name.clone())),
        34 => Box::new(s.map(|s| codec::ts(s.timestamp))),
        35 => Box::new(run.deployment_schedule_id.map(|u| u.to_string())),
        36 => Box::new(run.lateness_seconds()),
        _ => Box::new(None::<String>),
    }
}

/// Whether column `i` holds the same value for both runs, decided from the fields it is made of.
fn same(i: usize, a: &FlowRun, b: &FlowRun) -> bool {
    let (sa, sb) = (a.state.as_ref(), b.state.as_ref());
    match i {
        0 => a.id == b.id,
        1 => a.created == b.created,
        2 => a.updated == b.updated,
        3 => a.name == b.name,
        4 => a.flow_id == b.flow_id,
        5 => a.deployment_id == b.deployment_id,
        6 => a.deployment_version == b.deployment_version,
        7 => a.work_queue_name == b.work_queue_name,
        8 => a.work_queue_id == b.work_queue_id,
        9 => a.work_pool_id == b.work_pool_id,
        10 => a.work_pool_name == b.work_pool_name,
        11 => a.flow_version == b.flow_version,
        12 => a.parameters == b.parameters,
        13 => a.idempotency_key == b.idempotency_key,
        14 => a.context == b.context,
        15 => a.empirical_policy == b.empirical_policy,
        16 => a.tags == b.tags,
        17 => a.labels == b.labels,
        18 => a.parent_task_run_id == b.parent_task_run_id,
        19 => sa == sb,
        20 => a.run_count == b.run_count,
        21 => a.expected_start_time == b.expected_start_time,
        22 => a.next_scheduled_start_time == b.next_scheduled_start_time,
        23 => a.start_time == b.start_time,
        24 => a.end_time == b.end_time,
        25 => a.total_run_time == b.total_run_time,
        26 => a.auto_scheduled == b.auto_scheduled,
        27 => a.infrastructure_document_id == b.infrastructure_document_id,
        28 => a.infrastructure_pid == b.infrastructure_pid,
        29 => a.created_by == b.created_by,
        30 => a.job_variables == b.job_variables,
        31 => sa.map(|s| s.id) == sb.map(|s| s.id),
        32 => sa.map(|s| s.kind) == sb.map(|s| s.kind),
        33 => sa.map(|s| &s.name) == sb.map(|s| &s.name),
        34 => sa.map(|s| s.timestamp) == sb.map(|s| s.timestamp),
        35 => a.deployment_schedule_id == b.deployment_schedule_id,
        36 => a.lateness_seconds() == b.lateness_seconds(),
        _ => false,
    }
}

/// Writes the columns of `after` that differ from `before` (the same run as read): only the indexes on those
/// columns are touched. A state change alters a handful of the 37 columns, and setting all of them made SQLite
/// rewrite every index entry of the run (a third of `set_state`'s cost in the writer).
pub fn update_changed(tx: &Tx, before: &FlowRun, after: &FlowRun) -> Result<()> {
    let changed: Vec<usize> = (1..COLUMNS.len())
        .filter(|&i| !same(i, before, after))
        .collect();
    if changed.is_empty() {
        return Ok(());
    }
    let id = value(after, 0);
    let new: Vec<Box<dyn ToSql + '_>> = changed.iter().map(|&i| value(after, i)).collect();
    let mut args: Vec<&dyn ToSql> = vec![id.as_ref()];
    args.extend(new.iter().map(|v| v.as_ref()));
    let sets: Vec<String> = changed
        .iter()
        .enumerate()
        .map(|(k, &i)| format!("{} = ?{}", COLUMNS[i], k + 2))
        .collect();
    let sql = format!("UPDATE flow_runs SET {} WHERE id = ?1", sets.join(", "));
    if tx.conn.prepare_cached(&sql)?.execute(args.as_slice())? == 0 {
        return Err(StoreError::NotFound("flow run"));
    }
    Ok(())
}

#[cfg(test)]
#[path = "flow_run_columns_tests.rs"]
mod tests;
