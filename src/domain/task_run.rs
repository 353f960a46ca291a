//! Task runs: recorded from the `prefect.task-run.*` events that Prefect 3 clients stream (or, for older
//! clients, created over REST). Reports may arrive twice and in any order; [`merge`] keeps the newest state.

use super::event::{ts_field, Event};
use super::task_policy::TaskRunPolicy;
use super::{Doc, State, StateDetails, StateType, Ts};
use serde_json::Value;
use uuid::Uuid;

/// A task run as stored.
#[derive(Clone, Debug, PartialEq)]
pub struct TaskRun {
    pub id: Uuid,
    pub created: Ts,
    pub updated: Ts,
    pub name: String,
    pub flow_run_id: Option<Uuid>,
    pub task_key: String,
    pub dynamic_key: String,
    pub cache_key: Option<String>,
    pub cache_expiration: Option<Ts>,
    pub task_version: Option<String>,
    pub empirical_policy: TaskRunPolicy,
    pub tags: Vec<String>,
    pub labels: Doc,
    pub task_inputs: Doc,
    pub state: Option<State>,
    pub run_count: i64,
    pub flow_run_run_count: i64,
    pub expected_start_time: Option<Ts>,
    pub next_scheduled_start_time: Option<Ts>,
    pub start_time: Option<Ts>,
    pub end_time: Option<Ts>,
    pub total_run_time: f64,
}

impl TaskRun {
    /// An empty task run with the given identity.
    pub fn new(id: Uuid, now: Ts) -> TaskRun {
        TaskRun {
            id,
            created: now,
            updated: now,
            name: String::new(),
            flow_run_id: None,
            task_key: String::new(),
            dynamic_key: String::new(),
            cache_key: None,
            cache_expiration: None,
            task_version: None,
            empirical_policy: TaskRunPolicy::default(),
            tags: Vec::new(),
            labels: Doc::new(),
            task_inputs: Doc::new(),
            state: None,
            run_count: 0,
            flow_run_run_count: 0,
            expected_start_time: None,
            next_scheduled_start_time: None,
            start_time: None,
            end_time: None,
            total_run_time: 0.0,
        }
    }
}

/// What one task-run event says: the run's fields as the client knew them, and the state it entered.
#[derive(Clone, Debug, PartialEq)]
pub struct TaskRunReport {
    pub run: TaskRun,
    pub state: State,
}

/// Reads a `prefect.task-run.*` event. `None` when the event is not a task-run state event or lacks its id.
pub fn report_from_event(event: &Event, now: Ts) -> Option<TaskRunReport> {
    if !event.event.starts_with("prefect.task-run.") {
        return None;
    }
    let id = event
        .resource_id()
        .strip_prefix("prefect.task-run.")?
        .parse::<Uuid>()
        .ok()?;
    let validated = event
        .payload
        .get("validated_state")
        .and_then(Value::as_object);
    let kind_text = validated
        .and_then(|v| v.get("type"))
        .and_then(Value::as_str)
        .or_else(|| {
            event
                .resource
                .get("prefect.state-type")
                .and_then(Value::as_str)
        })?;
    let kind = StateType::parse(kind_text)?;
    let mut state = State::new(
        kind,
        ts_field(&event.resource, "prefect.state-timestamp").unwrap_or(event.occurred),
    );
    state.id = event.id;
    if let Some(name) = validated
        .and_then(|v| v.get("name"))
        .and_then(Value::as_str)
        .or_else(|| {
            event
                .resource
                .get("prefect.state-name")
                .and_then(Value::as_str)
        })
    {
        state.name = name.to_string();
    }
    state.message = validated
        .and_then(|v| v.get("message"))
        .and_then(Value::as_str)
        .or_else(|| {
            event
                .resource
                .get("prefect.state-message")
                .and_then(Value::as_str)
        })
        .filter(|m| !m.is_empty())
        .map(String::from);
    state.data = validated
        .and_then(|v| v.get("data"))
        .filter(|d| !d.is_null())
        .cloned();
    if let Some(Value::Object(d)) = validated.and_then(|v| v.get("state_details")) {
        state.details = StateDetails::read_stored(d);
    }
    state.details.task_run_id = Some(id);

    let mut run = TaskRun::new(id, now);
    let empty = Doc::new();
    let tr = event
        .payload
        .get("task_run")
        .and_then(Value::as_object)
        .unwrap_or(&empty);
    let text = |k: &str| tr.get(k).and_then(Value::as_str).map(String::from);
    let doc = |k: &str| {
        tr.get(k)
            .and_then(Value::as_object)
            .cloned()
            .unwrap_or_default()
    };
    run.name = text("name")
        .or_else(|| {
            event
                .resource
                .get("prefect.resource.name")
                .and_then(Value::as_str)
                .map(String::from)
        })
        .unwrap_or_default();
    run.flow_run_id = event
        .related_id("flow-run")
        .and_then(|r| r.strip_prefix("prefect.flow-run."))
        .and_then(|r| r.parse().ok())
        .or_else(|| {
            tr.get("flow_run_id")
                .and_then(Value::as_str)
                .and_then(|s| s.parse().ok())
        });
    run.task_key = text("task_key").unwrap_or_default();
    run.dynamic_key = text("dynamic_key").unwrap_or_default();
    run.cache_key = text("cache_key");
    run.cache_expiration = ts_field(tr, "cache_expiration");
    run.task_version = text("task_version");
    run.empirical_policy = TaskRunPolicy::read_stored(&doc("empirical_policy"));
    run.tags = tr
        .get("tags")
        .and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .filter_map(|t| t.as_str().map(String::from))
                .collect()
        })
        .unwrap_or_default();
    run.labels = doc("labels");
    run.task_inputs = doc("task_inputs");
    run.run_count = tr
        .get("run_count")
        .and_then(Value::as_i64)
        .or_else(|| {
            event
                .resource
                .get("prefect.run-count")
                .and_then(|v| v.as_i64().or_else(|| v.as_str()?.parse().ok()))
        })
        .unwrap_or(0);
    run.flow_run_run_count = tr
        .get("flow_run_run_count")
        .and_then(Value::as_i64)
        .unwrap_or(0);
    run.expected_start_time = ts_field(tr, "expected_start_time");
    run.start_time = ts_field(tr, "start_time");
    run.end_time = ts_field(tr, "end_time");
    run.total_run_time = tr
        .get("total_run_time")
        .and_then(Value::as_f64)
        .unwrap_or(0.0);
    if kind == StateType::Scheduled {
        run.next_scheduled_start_time = state.details.scheduled_time;
    }
    Some(TaskRunReport { run, state })
}

/// Merges a report into the stored run. Returns the run to store and whether the report's state is now the
/// current one (a report older than the stored state only adds to the history).
pub fn merge(existing: Option<TaskRun>, report: TaskRunReport, now: Ts) -> (TaskRun, bool) {
    let TaskRunReport {
        run: mut reported,
        state,
    } = report;
    let Some(mut stored) = existing else {
        reported.created = now;
        reported.updated = now;
        reported.state = Some(state);
        return (reported, true);
    };
    let newer = stored
        .state
        .as_ref()
        .is_none_or(|s| state.timestamp >= s.timestamp);
    if !newer {
        if stored.flow_run_id.is_none() {
            stored.flow_run_id = reported.flow_run_id;
        }
        return (stored, false);
    }
    reported.created = stored.created;
    reported.updated = now;
    reported.flow_run_id = reported.flow_run_id.or(stored.flow_run_id);
    reported.run_count = reported.run_count.max(stored.run_count);
    reported.start_time = reported.start_time.or(stored.start_time);
    if reported.name.is_empty() {
        reported.name = stored.name;
    }
    reported.state = Some(state);
    (reported, true)
}

/// Applies a state proposed over REST (older clients) to a task run: terminal runs only accept a retry
/// (SCHEDULED) unless forced; entering RUNNING counts a run; start, end and run time are kept.
/// Returns `false` (and changes nothing) when the state is refused.
pub fn apply_state(run: &mut TaskRun, state: State, force: bool, now: Ts) -> bool {
    let from = run.state.as_ref().map(|s| (s.kind, s.timestamp));
    if !force && from.is_some_and(|(k, _)| k.is_terminal()) && state.kind != StateType::Scheduled {
        return false;
    }
    if state.kind == StateType::Running && from.map(|f| f.0) != Some(StateType::Running) {
        run.run_count += 1;
        run.start_time.get_or_insert(now);
    }
    if let Some((StateType::Running, since)) = from {
        if state.kind != StateType::Running {
            run.total_run_time += super::time::seconds_between(since, now).max(0.0);
        }
    }
    run.end_time = if state.kind.is_terminal() {
        Some(now)
    } else {
        None
    };
    if run.expected_start_time.is_none() {
        run.expected_start_time = Some(state.details.scheduled_time.unwrap_or(now));
    }
    run.next_scheduled_start_time = if state.kind == StateType::Scheduled {
        state.details.scheduled_time
    } else {
        None
    };
    run.updated = now;
    run.state = Some(state);
    true
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{event::resource, time};
    use serde_json::json;

    fn event(id: Uuid, state: &str, at: &str, run_count: i64) -> Event {
        let occurred = time::parse(at).unwrap();
        let payload = json!({
            "validated_state": {"type": state, "name": "X", "message": "", "state_details": {}, "data": null},
            "task_run": {"name": "flaky-0", "task_key": "k", "dynamic_key": "0", "run_count": run_count,
                          "tags": ["a"], "empirical_policy": {"retries": 1}, "start_time": at}
        });
        Event {
            id: Uuid::now_v7(),
            occurred,
            event: format!("prefect.task-run.{state}"),
            resource: resource(
                format!("prefect.task-run.{id}"),
                &[("prefect.state-timestamp", json!(at))],
            ),
            related: vec![resource(
                "prefect.flow-run.0196a000-0000-7000-8000-000000000001".into(),
                &[("prefect.resource.role", json!("flow-run"))],
            )],
            payload: payload.as_object().unwrap().clone(),
            follows: None,
            received: occurred,
        }
    }

    #[test]
    fn reads_a_task_run_event() {
        let id = Uuid::now_v7();
        let now = time::parse("2026-01-01T00:00:00Z").unwrap();
        let r = report_from_event(&event(id, "RUNNING", "2026-01-01T00:00:01Z", 1), now).unwrap();
        assert_eq!(r.run.id, id);
        assert_eq!(r.run.name, "flaky-0");
        assert_eq!(
            r.run.flow_run_id.unwrap().to_string(),
            "0196a000-0000-7000-8000-000000000001"
        );
        assert_eq!(r.state.kind, StateType::Running);
        assert_eq!(r.state.message, None);
        assert_eq!(r.run.tags, vec!["a"]);
    }

    #[test]
    fn merge_keeps_newest_state_in_any_order() {
        let id = Uuid::now_v7();
        let now = time::parse("2026-01-01T00:00:00Z").unwrap();
        let pending =
            report_from_event(&event(id, "PENDING", "2026-01-01T00:00:01Z", 0), now).unwrap();
        let done =
            report_from_event(&event(id, "COMPLETED", "2026-01-01T00:00:03Z", 2), now).unwrap();
        let (run, current) = merge(None, done.clone(), now);
        assert!(current);
        let (run, current) = merge(Some(run), pending.clone(), now);
        assert!(!current);
        assert_eq!(run.state.as_ref().unwrap().kind, StateType::Completed);
        assert_eq!(run.run_count, 2);
        let (run2, _) = merge(None, pending, now);
        let (run2, current) = merge(Some(run2), done, now);
        assert!(current);
        assert_eq!(run2.state.unwrap().kind, run.state.unwrap().kind);
    }

    #[test]
    fn ignores_other_events() {
        let mut e = event(Uuid::now_v7(), "RUNNING", "2026-01-01T00:00:01Z", 1);
        e.event = "prefect.flow-run.heartbeat".into();
        assert!(report_from_event(&e, e.occurred).is_none());
    }
}
