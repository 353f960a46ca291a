//! Flow runs: the record of one execution of a flow, with its current state and timing bookkeeping.

use super::{Doc, State, StateDetails, StateType, Ts};
use serde_json::Value;
use uuid::Uuid;

pub use super::run_policy::{RetryType, RunPolicy, MAX_RETRY_DELAY_SECONDS};

/// `empirical_policy.retry_type` of a run whose engine retries it in its own process (AwaitingRetry after
/// the engine itself reported FAILED): no worker may start another process for it.
pub const RETRY_IN_PROCESS: &str = "in_process";

/// A flow run as stored. `state` is the current state (also kept in the history).
#[derive(Clone, Debug, PartialEq)]
pub struct FlowRun {
    pub id: Uuid,
    pub created: Ts,
    pub updated: Ts,
    pub name: String,
    pub flow_id: Uuid,
    pub deployment_id: Option<Uuid>,
    pub deployment_schedule_id: Option<Uuid>,
    pub deployment_version: Option<String>,
    pub work_queue_name: Option<String>,
    pub work_queue_id: Option<Uuid>,
    pub work_pool_id: Option<Uuid>,
    pub work_pool_name: Option<String>,
    pub flow_version: Option<String>,
    pub parameters: Doc,
    pub idempotency_key: Option<String>,
    pub context: Doc,
    pub empirical_policy: RunPolicy,
    pub tags: Vec<String>,
    pub labels: Doc,
    pub parent_task_run_id: Option<Uuid>,
    pub state: Option<State>,
    pub run_count: i64,
    pub expected_start_time: Option<Ts>,
    pub next_scheduled_start_time: Option<Ts>,
    pub start_time: Option<Ts>,
    pub end_time: Option<Ts>,
    pub total_run_time: f64,
    pub auto_scheduled: bool,
    pub infrastructure_document_id: Option<Uuid>,
    pub infrastructure_pid: Option<String>,
    pub created_by: Option<Value>,
    pub job_variables: Doc,
}

impl FlowRun {
    /// The current state type, if the run has a state.
    pub fn state_type(&self) -> Option<StateType> {
        self.state.as_ref().map(|s| s.kind)
    }

    /// How many seconds after its expected start the run started (0 when it has not started, or started
    /// early), to the millisecond, as the overview's lateness totals count it.
    pub fn lateness_seconds(&self) -> f64 {
        match (self.start_time, self.expected_start_time) {
            (Some(start), Some(expected)) => {
                let ms = (start - expected).num_milliseconds().max(0);
                ms as f64 / 1000.0
            }
            _ => 0.0,
        }
    }

    /// How many times the run retries (`empirical_policy.retries`, or the older `max_retries`).
    pub fn retries(&self) -> i64 {
        self.empirical_policy.retries()
    }

    /// Seconds between retries (`empirical_policy.retry_delay`, or the older `retry_delay_seconds`).
    pub fn retry_delay_seconds(&self) -> f64 {
        self.empirical_policy.retry_delay_seconds()
    }

    /// The pause keys already used by this run.
    pub fn pause_keys(&self) -> &[String] {
        &self.empirical_policy.pause_keys
    }
}

/// What a client asks for when it creates a flow run (already validated).
#[derive(Clone, Debug, Default)]
pub struct NewFlowRun {
    pub id: Option<Uuid>,
    pub flow_id: Uuid,
    pub name: Option<String>,
    pub flow_version: Option<String>,
    pub parameters: Doc,
    pub context: Doc,
    pub parent_task_run_id: Option<Uuid>,
    pub infrastructure_document_id: Option<Uuid>,
    pub empirical_policy: RunPolicy,
    pub tags: Vec<String>,
    pub labels: Doc,
    pub idempotency_key: Option<String>,
    pub work_queue_name: Option<String>,
    pub job_variables: Doc,
    pub deployment_id: Option<Uuid>,
    pub deployment_schedule_id: Option<Uuid>,
    pub deployment_version: Option<String>,
    pub work_pool_name: Option<String>,
    pub auto_scheduled: bool,
    pub created_by: Option<Value>,
    pub state: Option<ProposedState>,
}

/// A state as a client proposes it: no id or timestamp yet.
#[derive(Clone, Debug, PartialEq)]
pub struct ProposedState {
    pub kind: StateType,
    pub name: Option<String>,
    pub message: Option<String>,
    pub data: Option<Value>,
    pub details: StateDetails,
    /// A FAILED proposed after the run's process ended (by a Baton worker): a retry needs a new process, so
    /// the AwaitingRetry run is offered to workers again instead of being left to an in-process retry.
    pub retry_elsewhere: bool,
}

impl ProposedState {
    /// A proposal of `kind` with no name, message or details.
    pub fn of(kind: StateType) -> ProposedState {
        ProposedState {
            kind,
            name: None,
            message: None,
            data: None,
            details: StateDetails::default(),
            retry_elsewhere: false,
        }
    }

    /// Turns the proposal into a state stamped `now` (default name when none was given).
    pub fn into_state(self, now: Ts) -> State {
        let mut state = State::new(self.kind, now);
        if let Some(name) = self.name.filter(|n| !n.is_empty()) {
            state.name = name;
        }
        state.message = self.message;
        state.data = self.data;
        state.details = self.details;
        state
    }
}

/// A partial update of a flow run (`PATCH /flow_runs/{id}`): only the given fields change.
#[derive(Clone, Debug, Default)]
pub struct FlowRunPatch {
    pub name: Option<String>,
    pub flow_version: Option<String>,
    pub parameters: Option<Doc>,
    pub empirical_policy: Option<RunPolicy>,
    pub tags: Option<Vec<String>>,
    pub infrastructure_pid: Option<String>,
    pub job_variables: Option<Doc>,
}

impl FlowRunPatch {
    /// Applies the patch to a run.
    pub fn apply(self, run: &mut FlowRun) {
        if let Some(v) = self.name {
            run.name = v;
        }
        if let Some(v) = self.flow_version {
            run.flow_version = Some(v);
        }
        if let Some(v) = self.parameters {
            run.parameters = v;
        }
        if let Some(v) = self.empirical_policy {
            run.empirical_policy = v;
        }
        if let Some(v) = self.tags {
            run.tags = v;
        }
        if let Some(v) = self.infrastructure_pid {
            run.infrastructure_pid = Some(v);
        }
        if let Some(v) = self.job_variables {
            run.job_variables = v;
        }
    }
}

/// Generates a friendly run name (`adjective-animal`) from a seed, as Prefect names runs.
pub fn generate_name(seed: u128) -> String {
    super::run_names::generate(seed)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn policy_accessors() {
        let policy = RunPolicy {
            retries: Some(2),
            retry_delay: Some(5.0),
            pause_keys: vec!["a".into()],
            ..RunPolicy::default()
        };
        let run = FlowRun {
            empirical_policy: policy,
            ..crate::domain::policy::tests::run(None)
        };
        assert_eq!(run.retries(), 2);
        assert_eq!(run.retry_delay_seconds(), 5.0);
        assert_eq!(run.pause_keys(), vec!["a".to_string()]);
    }

    #[test]
    fn lateness_counts_only_late_starts() {
        let at = |ms: i64| chrono::DateTime::from_timestamp_millis(ms).unwrap();
        let mut run = crate::domain::policy::tests::run(None);
        run.expected_start_time = Some(at(10_000));
        run.start_time = None;
        assert_eq!(run.lateness_seconds(), 0.0);
        run.start_time = Some(at(12_500));
        assert_eq!(run.lateness_seconds(), 2.5);
        run.start_time = Some(at(9_000));
        assert_eq!(run.lateness_seconds(), 0.0);
    }

    #[test]
    fn names_are_two_words() {
        assert_eq!(generate_name(0), "amber-otter");
        assert!(generate_name(u128::MAX).contains('-'));
    }
}
