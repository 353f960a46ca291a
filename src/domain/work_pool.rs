//! Work pools, their queues and workers: health derived from heartbeats and polls, and which due runs a
//! poll may hand out under pool and queue concurrency limits.

use super::{time, Doc, Ts};
use serde_json::{json, Value};
use uuid::Uuid;

/// A work pool.
#[derive(Clone, Debug, PartialEq)]
pub struct WorkPool {
    pub id: Uuid,
    pub created: Ts,
    pub updated: Ts,
    pub name: String,
    pub description: Option<String>,
    pub kind: String,
    pub base_job_template: Doc,
    pub is_paused: bool,
    pub concurrency_limit: Option<i64>,
    pub default_queue_id: Option<Uuid>,
    pub storage_configuration: Doc,
    pub last_polled: Option<Ts>,
}

/// Which pools a filter keeps: each given criterion (`None`: any) must match, or one of them with `any`.
#[derive(Clone, Debug, Default)]
pub struct PoolFilter {
    pub ids: Option<Vec<Uuid>>,
    pub names: Option<Vec<String>>,
    pub types: Option<Vec<String>>,
    /// Prefect's `or_`: one matching criterion is enough.
    pub any: bool,
}

impl PoolFilter {
    /// Whether `p` passes.
    pub fn matches(&self, p: &WorkPool) -> bool {
        let checks = [
            self.ids.as_ref().map(|v| v.contains(&p.id)),
            self.names.as_ref().map(|v| v.contains(&p.name)),
            self.types.as_ref().map(|v| v.contains(&p.kind)),
        ];
        let mut given = checks.into_iter().flatten().peekable();
        if given.peek().is_none() {
            return true;
        }
        if self.any {
            given.any(|ok| ok)
        } else {
            given.all(|ok| ok)
        }
    }
}

/// A queue of a work pool.
#[derive(Clone, Debug, PartialEq)]
pub struct WorkQueue {
    pub id: Uuid,
    pub created: Ts,
    pub updated: Ts,
    pub work_pool_id: Uuid,
    pub name: String,
    pub description: String,
    pub is_paused: bool,
    pub concurrency_limit: Option<i64>,
    pub priority: i64,
    pub last_polled: Option<Ts>,
}

/// A worker that polls a pool.
#[derive(Clone, Debug, PartialEq)]
pub struct Worker {
    pub id: Uuid,
    pub created: Ts,
    pub updated: Ts,
    pub work_pool_id: Uuid,
    pub name: String,
    pub last_heartbeat_time: Option<Ts>,
    pub heartbeat_interval_seconds: Option<i64>,
}

/// Health of a pool, queue or deployment, as Prefect names it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Status {
    Ready,
    NotReady,
    Paused,
}

impl Status {
    /// The wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Ready => "READY",
            Status::NotReady => "NOT_READY",
            Status::Paused => "PAUSED",
        }
    }
}

/// Heartbeats a worker may miss before it counts as offline.
pub const MISSED_HEARTBEATS: i64 = 3;
/// Heartbeat interval assumed when a worker does not say.
pub const DEFAULT_HEARTBEAT_SECONDS: i64 = 30;
/// How recently a queue must have been polled to be READY.
pub const POLL_FRESHNESS_SECONDS: f64 = 60.0;

impl Worker {
    /// ONLINE while it has missed fewer than three heartbeats.
    pub fn online(&self, now: Ts) -> bool {
        let interval = self
            .heartbeat_interval_seconds
            .unwrap_or(DEFAULT_HEARTBEAT_SECONDS)
            .max(1);
        self.last_heartbeat_time
            .is_some_and(|t| time::seconds_between(t, now) < (interval * MISSED_HEARTBEATS) as f64)
    }
}

/// A pool is PAUSED when paused, READY when a worker is online, else NOT_READY.
pub fn pool_status(pool: &WorkPool, workers: &[Worker], now: Ts) -> Status {
    if pool.is_paused {
        Status::Paused
    } else if workers.iter().any(|w| w.online(now)) {
        Status::Ready
    } else {
        Status::NotReady
    }
}

/// A queue is PAUSED when it or its pool is paused, READY when polled within a minute, else NOT_READY.
pub fn queue_status(queue: &WorkQueue, pool_paused: bool, now: Ts) -> Status {
    if queue.is_paused || pool_paused {
        Status::Paused
    } else if queue
        .last_polled
        .is_some_and(|t| time::seconds_between(t, now) < POLL_FRESHNESS_SECONDS)
    {
        Status::Ready
    } else {
        Status::NotReady
    }
}

/// When a queue counts as healthy (Prefect's `WorkQueueHealthPolicy`; every queue has the default).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct HealthPolicy {
    pub maximum_late_runs: u64,
    pub maximum_seconds_since_last_polled: i64,
}

impl HealthPolicy {
    /// Prefect's default: no late runs, and a poll within the last minute.
    pub const DEFAULT: HealthPolicy = HealthPolicy {
        maximum_late_runs: 0,
        maximum_seconds_since_last_polled: 60,
    };

    /// Whether a queue with `late_runs` late runs, last polled at `last_polled`, is healthy at `now`.
    pub fn healthy(&self, late_runs: u64, last_polled: Option<Ts>, now: Ts) -> bool {
        late_runs <= self.maximum_late_runs
            && last_polled.is_some_and(|t| {
                time::seconds_between(t, now) <= self.maximum_seconds_since_last_polled as f64
            })
    }
}

/// Which queues a listing keeps: by id, by exact name, by case-insensitive name prefix. Each criterion
/// given must hold (or at least one, with `any`); none given keeps every queue.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct QueueFilter {
    pub ids: Option<Vec<Uuid>>,
    pub names: Option<Vec<String>>,
    pub prefixes: Option<Vec<String>>,
    pub any: bool,
}

impl QueueFilter {
    /// Whether `q` is kept.
    pub fn matches(&self, q: &WorkQueue) -> bool {
        let name = q.name.to_lowercase();
        let tests = [
            self.ids.as_ref().map(|ids| ids.contains(&q.id)),
            self.names.as_ref().map(|n| n.contains(&q.name)),
            self.prefixes
                .as_ref()
                .map(|p| p.iter().any(|p| name.starts_with(&p.to_lowercase()))),
        ];
        let mut given = tests.iter().flatten().peekable();
        if given.peek().is_none() {
            return true;
        }
        if self.any {
            given.any(|ok| *ok)
        } else {
            given.all(|ok| *ok)
        }
    }
}

/// A due run offered to a poll, with the queue it waits in.
#[derive(Clone, Debug, PartialEq)]
pub struct Candidate {
    pub run_id: Uuid,
    pub queue_id: Uuid,
}

/// Picks runs in the given (priority, time) order while the pool's and each queue's free slots last.
/// `active_in_pool` and `active_in_queue` count runs holding a slot (PENDING, RUNNING, CANCELLING).
pub fn pick(
    candidates: &[Candidate],
    pool_limit: Option<i64>,
    active_in_pool: i64,
    queue_limits: &[(Uuid, Option<i64>, i64)],
    max: usize,
) -> Vec<Uuid> {
    let mut pool_free = pool_limit.map(|l| (l - active_in_pool).max(0));
    let mut queue_free: Vec<(Uuid, Option<i64>)> = queue_limits
        .iter()
        .map(|(q, l, active)| (*q, l.map(|l| (l - active).max(0))))
        .collect();
    let mut out = Vec::new();
    for c in candidates {
        if out.len() >= max || pool_free == Some(0) {
            break;
        }
        let Some(slot) = queue_free.iter_mut().find(|(q, _)| *q == c.queue_id) else {
            continue;
        };
        if slot.1 == Some(0) {
            continue;
        }
        if let Some(f) = slot.1.as_mut() {
            *f -= 1;
        }
        if let Some(f) = pool_free.as_mut() {
            *f -= 1;
        }
        out.push(c.run_id);
    }
    out
}

/// The base job template of a `process` pool: the command, environment, labels, name, output streaming and
/// working directory a run may set through job variables.
pub fn process_base_job_template() -> Doc {
    let template = json!({
        "job_configuration": {
            "command": "{{ command }}",
            "env": "{{ env }}",
            "labels": "{{ labels }}",
            "name": "{{ name }}",
            "stream_output": "{{ stream_output }}",
            "working_dir": "{{ working_dir }}"
        },
        "variables": {
            "type": "object",
            "properties": {
                "name": {"title": "Name", "type": "string", "description": "A name for the process (defaults to the run's name)."},
                "env": {"title": "Environment Variables", "type": "object", "additionalProperties": {"type": "string"},
                        "description": "Extra environment variables for the run's process."},
                "labels": {"title": "Labels", "type": "object", "additionalProperties": {"type": "string"},
                           "description": "Labels attached to the run's process."},
                "command": {"title": "Command", "type": "string",
                            "description": "The command to run; by default the flow's entrypoint through Prefect's engine."},
                "stream_output": {"title": "Stream Output", "type": "boolean", "default": true,
                                  "description": "Whether the process's output becomes the run's logs."},
                "working_dir": {"title": "Working Directory", "type": "string", "format": "path",
                                "description": "Where the process runs (defaults to the deployment's path)."}
            }
        }
    });
    match template {
        Value::Object(m) => m,
        _ => Doc::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(s: &str) -> Ts {
        time::parse(s).unwrap()
    }

    fn worker(last: Option<&str>) -> Worker {
        let now = t("2026-01-01T00:00:00Z");
        Worker {
            id: Uuid::now_v7(),
            created: now,
            updated: now,
            work_pool_id: Uuid::nil(),
            name: "w".into(),
            last_heartbeat_time: last.map(t),
            heartbeat_interval_seconds: Some(30),
        }
    }

    #[test]
    fn workers_go_offline_after_three_missed_heartbeats() {
        let now = t("2026-01-01T00:02:00Z");
        assert!(worker(Some("2026-01-01T00:00:31Z")).online(now));
        assert!(!worker(Some("2026-01-01T00:00:30Z")).online(now));
        assert!(!worker(None).online(now));
    }

    fn queue(name: &str) -> WorkQueue {
        let now = t("2026-01-01T00:00:00Z");
        WorkQueue {
            id: Uuid::now_v7(),
            created: now,
            updated: now,
            work_pool_id: Uuid::nil(),
            name: name.into(),
            description: String::new(),
            is_paused: false,
            concurrency_limit: None,
            priority: 1,
            last_polled: None,
        }
    }

    #[test]
    fn a_queue_is_healthy_when_polled_within_a_minute_with_no_late_runs() {
        let now = t("2026-01-01T00:02:00Z");
        let policy = HealthPolicy::DEFAULT;
        assert!(policy.healthy(0, Some(t("2026-01-01T00:01:00Z")), now));
        assert!(!policy.healthy(0, Some(t("2026-01-01T00:00:59Z")), now));
        assert!(!policy.healthy(1, Some(now), now));
        assert!(!policy.healthy(0, None, now));
    }

    #[test]
    fn queue_filters_match_ids_names_and_prefixes() {
        let (hi, low) = (queue("High-prio"), queue("low"));
        assert!(QueueFilter::default().matches(&hi));
        let prefix = QueueFilter {
            prefixes: Some(vec!["high".into()]),
            ..Default::default()
        };
        assert!(prefix.matches(&hi) && !prefix.matches(&low));
        let both = QueueFilter {
            ids: Some(vec![low.id]),
            names: Some(vec!["High-prio".into()]),
            ..Default::default()
        };
        assert!(!both.matches(&hi) && !both.matches(&low));
        let either = QueueFilter { any: true, ..both };
        assert!(either.matches(&hi) && either.matches(&low));
    }

    #[test]
    fn pick_respects_pool_and_queue_limits() {
        let (q1, q2) = (Uuid::now_v7(), Uuid::now_v7());
        let c: Vec<Candidate> = (0..6)
            .map(|i| Candidate {
                run_id: Uuid::from_u128(i),
                queue_id: if i < 3 { q1 } else { q2 },
            })
            .collect();
        let all = pick(&c, None, 0, &[(q1, None, 0), (q2, None, 0)], 10);
        assert_eq!(all.len(), 6);
        let q1_limited = pick(&c, None, 0, &[(q1, Some(2), 1), (q2, None, 0)], 10);
        assert_eq!(
            q1_limited,
            vec![
                Uuid::from_u128(0),
                Uuid::from_u128(3),
                Uuid::from_u128(4),
                Uuid::from_u128(5)
            ]
        );
        let pool_limited = pick(&c, Some(3), 1, &[(q1, None, 0), (q2, None, 0)], 10);
        assert_eq!(pool_limited.len(), 2);
        let paused_queue_missing = pick(&c, None, 0, &[(q2, None, 0)], 10);
        assert_eq!(paused_queue_missing.len(), 3);
        assert_eq!(pick(&c, None, 0, &[(q1, None, 0)], 1).len(), 1);
    }
}
