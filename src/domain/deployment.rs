//! Deployments: a flow packaged with its defaults (parameters, work pool, job variables) and schedules. The
//! rules here decide which scheduled runs to create, how a redeploy's schedules replace the old ones, and how
//! a run's parameters combine with the deployment's.

use super::concurrency::ConcurrencyOptions;
use super::schedule::{next_times, Schedule, ScheduleError};
use super::{Doc, Ts};
use chrono::Duration;
use serde_json::Value;
use uuid::Uuid;

/// A deployment as stored, with its schedules.
#[derive(Clone, Debug, PartialEq)]
pub struct Deployment {
    pub id: Uuid,
    pub created: Ts,
    pub updated: Ts,
    pub name: String,
    pub flow_id: Uuid,
    pub version: Option<String>,
    pub version_info: Option<Value>,
    pub description: Option<String>,
    pub paused: bool,
    pub concurrency_limit: Option<i64>,
    pub concurrency_options: Option<ConcurrencyOptions>,
    pub enforce_parameter_schema: bool,
    pub parameter_openapi_schema: Option<Value>,
    pub parameters: Doc,
    pub tags: Vec<String>,
    pub labels: Doc,
    pub pull_steps: Option<Value>,
    pub work_queue_name: Option<String>,
    pub work_pool_name: Option<String>,
    pub storage_document_id: Option<Uuid>,
    pub infrastructure_document_id: Option<Uuid>,
    pub path: Option<String>,
    pub entrypoint: Option<String>,
    pub job_variables: Doc,
    pub last_polled: Option<Ts>,
    /// The id of its work queue (its pool's queue of its queue name), resolved when read; `None` while the
    /// pool or queue does not exist.
    pub work_queue_id: Option<Uuid>,
    pub schedules: Vec<DeploymentSchedule>,
}

/// Fields a create or update sets. An outer `None` leaves the field alone; for nullable fields the inner
/// `None` clears it.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct DeploymentPatch {
    pub version: Option<Option<String>>,
    pub version_info: Option<Option<Value>>,
    pub description: Option<Option<String>>,
    pub paused: Option<bool>,
    pub concurrency_limit: Option<Option<i64>>,
    pub concurrency_options: Option<Option<ConcurrencyOptions>>,
    pub enforce_parameter_schema: Option<bool>,
    pub parameter_openapi_schema: Option<Option<Value>>,
    pub parameters: Option<Doc>,
    pub tags: Option<Vec<String>>,
    pub labels: Option<Doc>,
    pub pull_steps: Option<Option<Value>>,
    pub work_queue_name: Option<Option<String>>,
    pub work_pool_name: Option<Option<String>>,
    pub storage_document_id: Option<Option<Uuid>>,
    pub infrastructure_document_id: Option<Option<Uuid>>,
    pub path: Option<Option<String>>,
    pub entrypoint: Option<Option<String>>,
    pub job_variables: Option<Doc>,
    /// When given, replaces every schedule (see [`replace_schedules`]).
    pub schedules: Option<Vec<NewSchedule>>,
}

impl DeploymentPatch {
    /// Applies every given field except the schedules (the caller replaces those).
    pub fn apply(&self, d: &mut Deployment) {
        fn set<T: Clone>(target: &mut T, v: &Option<T>) {
            if let Some(v) = v {
                *target = v.clone();
            }
        }
        set(&mut d.version, &self.version);
        set(&mut d.version_info, &self.version_info);
        set(&mut d.description, &self.description);
        set(&mut d.paused, &self.paused);
        set(&mut d.concurrency_limit, &self.concurrency_limit);
        set(&mut d.concurrency_options, &self.concurrency_options);
        set(
            &mut d.enforce_parameter_schema,
            &self.enforce_parameter_schema,
        );
        set(
            &mut d.parameter_openapi_schema,
            &self.parameter_openapi_schema,
        );
        set(&mut d.parameters, &self.parameters);
        set(&mut d.tags, &self.tags);
        set(&mut d.labels, &self.labels);
        set(&mut d.pull_steps, &self.pull_steps);
        set(&mut d.work_queue_name, &self.work_queue_name);
        set(&mut d.work_pool_name, &self.work_pool_name);
        set(&mut d.storage_document_id, &self.storage_document_id);
        set(
            &mut d.infrastructure_document_id,
            &self.infrastructure_document_id,
        );
        set(&mut d.path, &self.path);
        set(&mut d.entrypoint, &self.entrypoint);
        set(&mut d.job_variables, &self.job_variables);
    }
}

impl Deployment {
    /// A new deployment with Prefect's defaults (unpaused, parameter schema enforced).
    pub fn new(name: String, flow_id: Uuid, now: Ts) -> Deployment {
        Deployment {
            id: Uuid::now_v7(),
            created: now,
            updated: now,
            name,
            flow_id,
            version: None,
            version_info: None,
            description: None,
            paused: false,
            concurrency_limit: None,
            concurrency_options: None,
            enforce_parameter_schema: true,
            parameter_openapi_schema: None,
            parameters: Doc::new(),
            tags: Vec::new(),
            labels: Doc::new(),
            pull_steps: None,
            work_queue_name: None,
            work_pool_name: None,
            storage_document_id: None,
            infrastructure_document_id: None,
            path: None,
            entrypoint: None,
            job_variables: Doc::new(),
            last_polled: None,
            work_queue_id: None,
            schedules: Vec::new(),
        }
    }
}

/// One schedule of a deployment.
#[derive(Clone, Debug, PartialEq)]
pub struct DeploymentSchedule {
    pub id: Uuid,
    pub created: Ts,
    pub updated: Ts,
    pub deployment_id: Uuid,
    pub schedule: Schedule,
    pub active: bool,
    pub max_scheduled_runs: Option<i64>,
    pub parameters: Doc,
    pub slug: Option<String>,
}

/// A schedule as a client sends it.
#[derive(Clone, Debug, PartialEq)]
pub struct NewSchedule {
    pub schedule: Schedule,
    pub active: bool,
    pub max_scheduled_runs: Option<i64>,
    pub parameters: Doc,
    pub slug: Option<String>,
}

impl NewSchedule {
    /// Stored form of this schedule for `deployment_id`.
    pub fn into_stored(self, deployment_id: Uuid, now: Ts) -> DeploymentSchedule {
        DeploymentSchedule {
            id: Uuid::now_v7(),
            created: now,
            updated: now,
            deployment_id,
            schedule: self.schedule,
            active: self.active,
            max_scheduled_runs: self.max_scheduled_runs,
            parameters: self.parameters,
            slug: self.slug,
        }
    }

    fn same_as(&self, s: &DeploymentSchedule) -> bool {
        self.schedule == s.schedule
            && self.active == s.active
            && self.max_scheduled_runs == s.max_scheduled_runs
            && self.parameters == s.parameters
    }
}

/// How a new list of schedules replaces the stored ones.
#[derive(Debug, Default, PartialEq)]
pub struct ScheduleChanges {
    /// Identical schedules: kept with their ids (their runs stay).
    pub keep: Vec<Uuid>,
    /// Schedules matched by slug whose definition changed: updated in place (future runs replaced).
    pub update: Vec<(Uuid, NewSchedule)>,
    /// Gone or changed unslugged schedules: deleted, with their future unstarted runs.
    pub remove: Vec<Uuid>,
    /// New schedules.
    pub add: Vec<NewSchedule>,
}

/// Checks an entrypoint (`path/file.py:func`) before it is stored or run: a run's file must stay inside its
/// working directory, so a `..` path component is refused, as are control characters. Absolute paths are
/// accepted: Prefect's `flow.serve` registers them for flows outside the current directory.
pub fn check_entrypoint(entrypoint: &str) -> Result<(), String> {
    let file = entrypoint.rsplit_once(':').map_or(entrypoint, |(f, _)| f);
    if entrypoint.chars().any(char::is_control) {
        return Err(format!(
            "entrypoint: {entrypoint:?} contains a control character"
        ));
    }
    if file.split(['/', '\\']).any(|part| part == "..") {
        return Err(format!(
            "entrypoint: '{entrypoint}' leaves the working directory ('..' is not allowed in an entrypoint path)"
        ));
    }
    Ok(())
}

/// Matches incoming schedules to stored ones. A schedule with a slug is matched by slug (updated in place
/// when it changed) and is never removed by a list that does not mention it; an unslugged schedule that is
/// identical to a stored one keeps its id, so a redeploy creates no duplicate runs; stored unslugged
/// schedules that are not matched are removed.
pub fn replace_schedules(
    existing: &[DeploymentSchedule],
    incoming: Vec<NewSchedule>,
) -> ScheduleChanges {
    let mut changes = ScheduleChanges::default();
    let mut free: Vec<&DeploymentSchedule> = existing.iter().collect();
    for new in incoming {
        if new.slug.is_some() {
            if let Some(i) = free.iter().position(|s| s.slug == new.slug) {
                let old = free.remove(i);
                if new.same_as(old) {
                    changes.keep.push(old.id);
                } else {
                    changes.update.push((old.id, new));
                }
                continue;
            }
        } else if let Some(i) = free.iter().position(|s| s.slug.is_none() && new.same_as(s)) {
            changes.keep.push(free.remove(i).id);
            continue;
        }
        changes.add.push(new);
    }
    for s in free {
        if s.slug.is_some() {
            changes.keep.push(s.id);
        } else {
            changes.remove.push(s.id);
        }
    }
    changes
}

/// Prefect's defaults for how far ahead the scheduler creates runs.
pub const MIN_RUNS: usize = 3;
pub const MAX_RUNS: usize = 100;
pub fn min_time() -> Duration {
    Duration::hours(1)
}
pub fn max_time() -> Duration {
    Duration::days(100)
}

/// Which fire times of a schedule to materialise: those in `[start, end]`, stopping once at least
/// `min_runs` runs and `min_time` after `start` are covered, and never more than `max_runs`.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Window {
    pub start: Ts,
    pub end: Ts,
    pub min_runs: usize,
    pub min_time: Duration,
    pub max_runs: usize,
}

impl Window {
    /// Prefect's look-ahead from `now`: at least 3 runs and an hour, at most `max_runs` (default 100) and
    /// 100 days.
    pub fn ahead(now: Ts, max_runs: Option<i64>) -> Window {
        let cap = max_runs.map_or(MAX_RUNS, |m| usize::try_from(m.max(0)).unwrap_or(MAX_RUNS));
        Window {
            start: now,
            end: now + max_time(),
            min_runs: MIN_RUNS,
            min_time: min_time(),
            max_runs: cap,
        }
    }
}

/// The fire times of `schedule` within `w`.
pub fn times_in(schedule: &Schedule, w: &Window) -> Result<Vec<Ts>, ScheduleError> {
    let all = next_times(schedule, w.start, Some(w.end), w.max_runs)?;
    let mut out = Vec::new();
    for t in all {
        let t = t.with_timezone(&chrono::Utc);
        out.push(t);
        let covered = w
            .start
            .checked_add_signed(w.min_time)
            .is_none_or(|until| t >= until);
        if out.len() >= w.min_runs && covered {
            break;
        }
    }
    Ok(out)
}

/// The times at which `schedule` should have scheduled runs, looking ahead from `now` (see
/// [`Window::ahead`]).
pub fn times_ahead(
    schedule: &Schedule,
    now: Ts,
    max_runs: Option<i64>,
) -> Result<Vec<Ts>, ScheduleError> {
    times_in(schedule, &Window::ahead(now, max_runs))
}

/// A run's parameters: the deployment's defaults, then the schedule's, then the run's own on top.
pub fn merge_parameters(layers: &[&Doc]) -> Doc {
    let mut out = Doc::new();
    for layer in layers {
        for (k, v) in layer.iter() {
            out.insert(k.clone(), v.clone());
        }
    }
    out
}

/// Tags of a deployment run: the deployment's, then the run's, without repeats.
pub fn merge_tags(a: &[String], b: &[String]) -> Vec<String> {
    let mut out: Vec<String> = a.to_vec();
    for t in b {
        if !out.contains(t) {
            out.push(t.clone());
        }
    }
    out
}

/// The idempotency key of an auto-scheduled run: one run per deployment, schedule and time.
pub fn scheduled_run_key(deployment_id: Uuid, schedule_id: Uuid, at: Ts) -> String {
    format!(
        "scheduled {deployment_id} {schedule_id} {}",
        super::time::format(at)
    )
}

#[cfg(test)]
#[path = "deployment_tests.rs"]
mod tests;
