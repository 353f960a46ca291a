//! Server metrics for `GET /metrics` (Prometheus / OpenMetrics text): flow runs by state, late runs, how
//! long runs wait between their scheduled time and being claimed (dispatch latency), how late the scheduler
//! gets to due work, worker heartbeats, API request latency by route, and the database's size. Counters and
//! histograms are recorded as things happen; the rest is read from the store when scraped.

use super::{Result, Services};
use crate::domain::{time, StateType, Ts};
use crate::store::stats;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::{exponential_buckets, Histogram};
use prometheus_client::registry::Registry;
use std::sync::atomic::AtomicU64;

type Labels = Vec<(&'static str, String)>;
type FloatGauge = Gauge<f64, AtomicU64>;

fn latency_buckets() -> Histogram {
    // 1 ms … ~33 s.
    Histogram::new(exponential_buckets(0.001, 2.0, 16))
}

fn request_buckets() -> Histogram {
    // 100 µs … ~3.3 s.
    Histogram::new(exponential_buckets(0.0001, 2.0, 16))
}

/// The instruments, and the registry that names them.
pub struct Metrics {
    registry: Registry,
    runs: Family<Labels, Gauge>,
    late_runs: Gauge,
    dispatch_latency: Histogram,
    scheduler_lag: FloatGauge,
    scheduler_ticks: Counter,
    heartbeats: Family<Labels, Counter>,
    heartbeat_age: Family<Labels, FloatGauge>,
    requests: Family<Labels, Histogram, fn() -> Histogram>,
    db_size: Gauge,
    leader: Gauge,
    db_writes: Gauge,
    db_commits: Gauge,
    wal_calls: Gauge,
    wal_writes: Gauge,
    slots_in_use: Family<Labels, Gauge>,
    slot_limit: Family<Labels, Gauge>,
    slot_waiters: Family<Labels, Gauge>,
}

impl std::fmt::Debug for Metrics {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Metrics")
    }
}

impl Default for Metrics {
    fn default() -> Self {
        Metrics::new()
    }
}

impl Metrics {
    /// Fresh instruments, registered under the `baton_` prefix.
    pub fn new() -> Metrics {
        let mut registry = Registry::with_prefix("baton");
        let m = Metrics {
            runs: Family::default(),
            late_runs: Gauge::default(),
            dispatch_latency: latency_buckets(),
            scheduler_lag: FloatGauge::default(),
            scheduler_ticks: Counter::default(),
            heartbeats: Family::default(),
            heartbeat_age: Family::default(),
            requests: Family::new_with_constructor(request_buckets as fn() -> Histogram),
            db_size: Gauge::default(),
            leader: Gauge::default(),
            db_writes: Gauge::default(),
            db_commits: Gauge::default(),
            wal_calls: Gauge::default(),
            wal_writes: Gauge::default(),
            slots_in_use: Family::default(),
            slot_limit: Family::default(),
            slot_waiters: Family::default(),
            registry: Registry::default(),
        };
        registry.register("flow_runs", "Flow runs by state type", m.runs.clone());
        registry.register(
            "late_runs",
            "Scheduled runs past their time (named Late)",
            m.late_runs.clone(),
        );
        registry.register(
            "dispatch_latency_seconds",
            "Time from a run's scheduled start to its claim by a worker",
            m.dispatch_latency.clone(),
        );
        registry.register(
            "scheduler_lag_seconds",
            "How late the scheduler's last tick started after its work was due",
            m.scheduler_lag.clone(),
        );
        registry.register(
            "scheduler_ticks",
            "Scheduler ticks run",
            m.scheduler_ticks.clone(),
        );
        registry.register(
            "worker_heartbeats",
            "Worker heartbeats received, by work pool",
            m.heartbeats.clone(),
        );
        registry.register(
            "worker_heartbeat_age_seconds",
            "Seconds since each worker's last heartbeat",
            m.heartbeat_age.clone(),
        );
        registry.register(
            "http_request_duration_seconds",
            "API request latency by method, route and status",
            m.requests.clone(),
        );
        registry.register(
            "database_size_bytes",
            "Size of the database file and its write-ahead log",
            m.db_size.clone(),
        );
        registry.register(
            "leader",
            "1 when this server runs the background loops (always on SQLite; on PostgreSQL, the one server \
             among those sharing the database that holds the leader lock)",
            m.leader.clone(),
        );
        registry.register(
            "database_writes",
            "Write transactions run by the single writer since start (counter)",
            m.db_writes.clone(),
        );
        registry.register(
            "database_commits",
            "Commits since start; writes queued together may share a commit (counter)",
            m.db_commits.clone(),
        );
        registry.register(
            "database_wal_write_calls",
            "Writes SQLite asked for on the write-ahead log since start (counter)",
            m.wal_calls.clone(),
        );
        registry.register(
            "database_wal_writes",
            "Writes that reached the write-ahead log file since start; a commit's frames go in one (counter)",
            m.wal_writes.clone(),
        );
        registry.register(
            "concurrency_slots_in_use",
            "Slots of each concurrency limit in use (held by live leases or counted on the limit)",
            m.slots_in_use.clone(),
        );
        registry.register(
            "concurrency_slot_limit",
            "Slots each concurrency limit has",
            m.slot_limit.clone(),
        );
        registry.register(
            "concurrency_waiters",
            "Clients waiting in line for slots of each concurrency limit",
            m.slot_waiters.clone(),
        );
        Metrics { registry, ..m }
    }

    /// A run was claimed `seconds` after its scheduled time.
    pub fn observe_dispatch(&self, seconds: f64) {
        self.dispatch_latency.observe(seconds.max(0.0));
    }

    /// The scheduler started a tick `seconds` after its work was due.
    pub fn observe_scheduler_tick(&self, lag_seconds: f64) {
        self.scheduler_lag.set(lag_seconds.max(0.0));
        self.scheduler_ticks.inc();
    }

    /// A worker of `pool` sent a heartbeat.
    pub fn observe_heartbeat(&self, pool: &str) {
        self.heartbeats
            .get_or_create(&vec![("pool", pool.to_string())])
            .inc();
    }

    /// An API request to `route` (the matched pattern, e.g. `/api/flows/{id}`) took `seconds`.
    pub fn observe_request(&self, method: &str, route: &str, status: u16, seconds: f64) {
        let labels = vec![
            ("method", method.to_string()),
            ("route", route.to_string()),
            ("status", status.to_string()),
        ];
        self.requests.get_or_create(&labels).observe(seconds);
    }

    /// The text exposition of every metric.
    pub fn encode(&self) -> String {
        let mut out = String::new();
        // Writing into a String cannot fail.
        let _ = prometheus_client::encoding::text::encode(&mut out, &self.registry);
        out
    }
}

impl Services {
    /// Reads the stored numbers into the gauges and returns the text exposition.
    pub async fn metrics_text(&self) -> Result<String> {
        let (by_state, late, workers) = self
            .store
            .read(|tx| {
                Ok((
                    stats::runs_by_state(tx)?,
                    stats::late_runs(tx)?,
                    stats::worker_heartbeats(tx)?,
                ))
            })
            .await?;
        let m = &self.metrics;
        for kind in StateType::ALL {
            let n = by_state
                .iter()
                .find(|(k, _)| k == kind.as_str())
                .map_or(0, |(_, n)| *n);
            m.runs
                .get_or_create(&vec![("state", kind.as_str().to_string())])
                .set(n as i64);
        }
        m.late_runs.set(late as i64);
        let now = self.clock.now();
        m.heartbeat_age.clear();
        for (pool, worker, last) in workers {
            if let Some(last) = last {
                m.heartbeat_age
                    .get_or_create(&vec![("pool", pool), ("worker", worker)])
                    .set(time::seconds_between(last, now).max(0.0));
            }
        }
        m.slots_in_use.clear();
        m.slot_limit.clear();
        m.slot_waiters.clear();
        for u in self.limit_uses().await? {
            let labels = vec![("limit", u.limit.name.clone())];
            m.slots_in_use
                .get_or_create(&labels)
                .set(u.limit.in_use(now));
            m.slot_limit.get_or_create(&labels).set(u.limit.limit);
            m.slot_waiters
                .get_or_create(&labels)
                .set(u.waiters.len() as i64);
        }
        m.db_size.set(self.store.size().await as i64);
        m.leader.set(i64::from(*self.store.leadership().borrow()));
        let (writes, commits) = self.store.write_counts();
        m.db_writes.set(writes as i64);
        m.db_commits.set(commits as i64);
        let (calls, wal_writes) = crate::store::Store::wal_write_counts();
        m.wal_calls.set(calls as i64);
        m.wal_writes.set(wal_writes as i64);
        Ok(m.encode())
    }

    /// Records the dispatch latency of a claim whose PENDING state carries the scheduled time.
    pub(super) fn record_claim(&self, scheduled: Option<Ts>, claimed: Ts) {
        if let Some(at) = scheduled {
            self.metrics
                .observe_dispatch(time::seconds_between(at, claimed));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recorded_values_show_in_the_text() {
        let m = Metrics::new();
        m.observe_scheduler_tick(2.5);
        m.observe_dispatch(0.003);
        m.observe_dispatch(-1.0);
        m.observe_heartbeat("p");
        m.observe_request("GET", "/api/flows/{id}", 200, 0.001);
        let text = m.encode();
        assert!(text.contains("baton_scheduler_lag_seconds 2.5\n"), "{text}");
        assert!(text.contains("baton_scheduler_ticks_total 1\n"), "{text}");
        assert!(
            text.contains("baton_dispatch_latency_seconds_count 2\n"),
            "{text}"
        );
        assert!(
            text.contains("baton_dispatch_latency_seconds_bucket{le=\"0.001\"} 1\n"),
            "negative clamps to 0: {text}"
        );
        assert!(
            text.contains("baton_worker_heartbeats_total{pool=\"p\"} 1\n"),
            "{text}"
        );
        assert!(text.contains("route=\"/api/flows/{id}\""), "{text}");
        assert!(text.ends_with("# EOF\n"));
    }
}
