//! Read endpoints the dashboard uses: Prefect's `POST /api/flow_runs/history`, and the Baton extensions
//! `POST /api/baton/flow_runs/page` (keyset pages with flow and deployment names) and
//! `POST /api/baton/deployments/summary` (next and last run, schedules in words).

use super::convert;
use super::error::{parse_uuid, ApiError, ApiResult, ObjectBody};
use super::filters::{self, timestamp};
use super::AppState;
use crate::domain::filter::Entity;
use crate::domain::time;
use crate::wire::dashboard as wire;
use axum::extract::State;
use axum::Json;

/// `POST /api/flow_runs/history`: runs per interval and state, in Prefect's shape.
pub async fn history(
    State(s): State<AppState>,
    ObjectBody(b): ObjectBody<wire::HistoryRequest>,
) -> ApiResult<Json<Vec<wire::HistoryInterval>>> {
    let start = timestamp(&b.history_start, "history_start")?;
    let end = timestamp(&b.history_end, "history_end")?;
    let interval = b.history_interval_seconds;
    if !(1.0..=1e9).contains(&interval) {
        return Err(ApiError::invalid(
            "history_interval_seconds: must be at least 1 second",
        ));
    }
    let interval = interval as i64;
    if end <= start {
        return Ok(Json(Vec::new()));
    }
    // As Prefect: at most 500 intervals, from the start.
    let most = crate::domain::run_stats::MAX_HISTORY_INTERVALS;
    let end = start
        .checked_add_signed(chrono::Duration::seconds(interval.saturating_mul(most)))
        .map_or(end, |cap| cap.min(end));
    let cells = s
        .flow_run_history(
            filters::cond(&b.filter, Entity::FlowRun)?,
            start,
            end,
            interval,
        )
        .await?;
    let n = ((end - start).num_seconds() + interval - 1) / interval;
    let mut out: Vec<wire::HistoryInterval> = (0..n)
        .map(|i| {
            let a = start + chrono::Duration::seconds(i * interval);
            let z = (a + chrono::Duration::seconds(interval)).min(end);
            wire::HistoryInterval {
                interval_start: time::format(a),
                interval_end: time::format(z),
                states: Vec::new(),
            }
        })
        .collect();
    for c in cells {
        if let Some(slot) = usize::try_from(c.bucket).ok().and_then(|i| out.get_mut(i)) {
            slot.states.push(wire::HistoryStateCount {
                state_type: c.state_type,
                state_name: c.state_name,
                count_runs: c.count,
                sum_estimated_run_time: c.run_time,
                sum_estimated_lateness: c.lateness,
            });
        }
    }
    Ok(Json(out))
}

/// `POST /api/baton/flow_runs/page`: a filter body plus `limit` and `cursor` (from the previous page's
/// `next_cursor`); runs newest expected start first, each with `flow_name` and `deployment_name`.
pub async fn page(
    State(s): State<AppState>,
    ObjectBody(b): ObjectBody<wire::RunPageRequest>,
) -> ApiResult<Json<wire::RunPage>> {
    let cursor = b.cursor.as_deref().map(parse_cursor).transpose()?;
    let limit = match b.limit {
        None => 50,
        Some(l) if (1..=200).contains(&l) => l as u32,
        Some(_) => {
            return Err(ApiError::invalid(
                "limit: expected an integer from 1 to 200",
            ))
        }
    };
    let page = s
        .flow_run_page(filters::cond(&b.filter, Entity::FlowRun)?, cursor, limit)
        .await?;
    let now = s.clock.now();
    let results = page
        .rows
        .into_iter()
        .map(|row| wire::RunRow {
            run: convert::flow_run(row.run, now),
            flow_name: row.flow_name,
            deployment_name: row.deployment_name,
        })
        .collect();
    let next_cursor = page.next.map(|(t, id)| format!("{}|{id}", time::format(t)));
    Ok(Json(wire::RunPage {
        results,
        next_cursor,
    }))
}

fn parse_cursor(c: &str) -> ApiResult<(crate::domain::Ts, uuid::Uuid)> {
    let bad = || ApiError::invalid("cursor: not a cursor this server gave out");
    let (t, id) = c.split_once('|').ok_or_else(bad)?;
    let t = time::parse(t).ok_or_else(bad)?;
    Ok((t, parse_uuid("cursor", id).map_err(|_| bad())?))
}

/// `POST /api/baton/deployments/summary` with `{"ids": [...]}`: per deployment its next scheduled run,
/// its latest other run and its schedules in words.
pub async fn deployment_summary(
    State(s): State<AppState>,
    ObjectBody(b): ObjectBody<wire::DeploymentSummaryRequest>,
) -> ApiResult<Json<Vec<wire::DeploymentSummary>>> {
    if b.ids.len() > 200 {
        return Err(ApiError::invalid("ids: at most 200 deployments at a time"));
    }
    let ids = b
        .ids
        .iter()
        .enumerate()
        .map(|(i, v)| parse_uuid(&format!("ids.{i}"), v))
        .collect::<ApiResult<Vec<_>>>()?;
    let now = s.clock.now();
    let out = s
        .deployment_summaries(ids)
        .await?
        .into_iter()
        .map(|d| wire::DeploymentSummary {
            deployment_id: d.id.to_string(),
            next_run: d.next_run.map(|r| convert::flow_run(r, now)),
            last_run: d.last_run.map(|r| convert::flow_run(r, now)),
            schedules: d
                .schedules
                .into_iter()
                .map(|(id, active, description)| wire::ScheduleWords {
                    id: id.to_string(),
                    active,
                    description,
                })
                .collect(),
        })
        .collect();
    Ok(Json(out))
}
