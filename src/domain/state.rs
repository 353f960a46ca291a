//! Run states: the nine state types, named states, and the details a state carries.

use super::{StateDetails, Ts};
use serde_json::Value;
use uuid::Uuid;

/// The type of a run's state, as Prefect names them.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum StateType {
    Scheduled,
    Pending,
    Running,
    Completed,
    Failed,
    Cancelled,
    Crashed,
    Paused,
    Cancelling,
}

impl StateType {
    /// Every state type, in Prefect's order.
    pub const ALL: [StateType; 9] = [
        StateType::Scheduled,
        StateType::Pending,
        StateType::Running,
        StateType::Completed,
        StateType::Failed,
        StateType::Cancelled,
        StateType::Crashed,
        StateType::Paused,
        StateType::Cancelling,
    ];

    /// The upper-case name used on the wire and in the database.
    pub fn as_str(self) -> &'static str {
        match self {
            StateType::Scheduled => "SCHEDULED",
            StateType::Pending => "PENDING",
            StateType::Running => "RUNNING",
            StateType::Completed => "COMPLETED",
            StateType::Failed => "FAILED",
            StateType::Cancelled => "CANCELLED",
            StateType::Crashed => "CRASHED",
            StateType::Paused => "PAUSED",
            StateType::Cancelling => "CANCELLING",
        }
    }

    /// Parses the upper-case name; `None` for anything else.
    pub fn parse(text: &str) -> Option<StateType> {
        StateType::ALL.into_iter().find(|t| t.as_str() == text)
    }

    /// The default state name for this type (`Scheduled`, `Pending`, …).
    pub fn default_name(self) -> &'static str {
        match self {
            StateType::Scheduled => name::SCHEDULED,
            StateType::Pending => name::PENDING,
            StateType::Running => name::RUNNING,
            StateType::Completed => name::COMPLETED,
            StateType::Failed => name::FAILED,
            StateType::Cancelled => name::CANCELLED,
            StateType::Crashed => name::CRASHED,
            StateType::Paused => name::PAUSED,
            StateType::Cancelling => name::CANCELLING,
        }
    }

    /// The types in which a run holds a concurrency slot (and a worker's attention): PENDING, RUNNING and
    /// CANCELLING.
    pub const ACTIVE: [StateType; 3] = [
        StateType::Pending,
        StateType::Running,
        StateType::Cancelling,
    ];

    /// COMPLETED, FAILED, CANCELLED and CRASHED are final.
    pub fn is_terminal(self) -> bool {
        matches!(
            self,
            StateType::Completed | StateType::Failed | StateType::Cancelled | StateType::Crashed
        )
    }
}

/// State names with a meaning to Baton's rules. A state's name is free text (Prefect's engine names states
/// as it likes); these are the ones the rules read or write, so no rule spells them out itself.
pub mod name {
    /// The default SCHEDULED state: waiting for its time.
    pub const SCHEDULED: &str = "Scheduled";
    /// A SCHEDULED run still waiting past its time and the grace period.
    pub const LATE: &str = "Late";
    /// A SCHEDULED run waiting for its retry delay.
    pub const AWAITING_RETRY: &str = "AwaitingRetry";
    /// A SCHEDULED run waiting for a slot of its deployment's concurrency limit.
    pub const AWAITING_CONCURRENCY_SLOT: &str = "AwaitingConcurrencySlot";
    /// The default PENDING state: claimed, its process not yet running.
    pub const PENDING: &str = "Pending";
    /// A PENDING state a runner proposes while it submits the run (allowed once on a PENDING run).
    pub const SUBMITTING: &str = "Submitting";
    /// The default RUNNING state.
    pub const RUNNING: &str = "Running";
    /// The default COMPLETED state.
    pub const COMPLETED: &str = "Completed";
    /// The default FAILED state.
    pub const FAILED: &str = "Failed";
    /// A FAILED state of a run that exceeded its `timeout_seconds`.
    pub const TIMED_OUT: &str = "TimedOut";
    /// The default CANCELLED state.
    pub const CANCELLED: &str = "Cancelled";
    /// A CANCELLED state of a run its deployment's catch-up policy did not run.
    pub const SKIPPED: &str = "Skipped";
    /// The default CRASHED state.
    pub const CRASHED: &str = "Crashed";
    /// The default PAUSED state.
    pub const PAUSED: &str = "Paused";
    /// The default CANCELLING state.
    pub const CANCELLING: &str = "Cancelling";
}

/// A state of a flow or task run.
#[derive(Clone, Debug, PartialEq)]
pub struct State {
    pub id: Uuid,
    pub kind: StateType,
    pub name: String,
    pub timestamp: Ts,
    pub message: Option<String>,
    pub data: Option<Value>,
    pub details: StateDetails,
}

impl State {
    /// A fresh state of `kind` with its default name, stamped `now`.
    pub fn new(kind: StateType, now: Ts) -> State {
        State {
            id: Uuid::now_v7(),
            kind,
            name: kind.default_name().to_string(),
            timestamp: now,
            message: None,
            data: None,
            details: StateDetails::default(),
        }
    }

    /// Same state with another name.
    pub fn named(mut self, name: &str) -> State {
        self.name = name.to_string();
        self
    }

    /// Whether the state is of `kind` and named `name`.
    pub fn is(&self, kind: StateType, name: &str) -> bool {
        self.kind == kind && self.name == name
    }

    /// Same state with a message.
    pub fn with_message(mut self, message: impl Into<String>) -> State {
        self.message = Some(message.into());
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip() {
        for t in StateType::ALL {
            assert_eq!(StateType::parse(t.as_str()), Some(t));
        }
        assert_eq!(StateType::parse("running"), None);
        assert!(StateType::Crashed.is_terminal());
        assert!(!StateType::Cancelling.is_terminal());
    }
}
