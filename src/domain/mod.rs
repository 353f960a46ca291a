//! Pure types and rules of Baton: states, the orchestration policy, runs, filters, time helpers.
//!
//! Architecture invariant: nothing here does I/O, reads the clock, or knows Prefect's wire JSON or SQL.
//! Callers pass `now` in. Semi-structured documents that Baton stores but does not interpret (state details,
//! run policies, parameters) are kept as JSON values with typed accessors for the keys the rules need.

pub mod artifact;
pub mod automation;
pub mod automation_action;
pub mod automation_words;
pub mod block;
pub mod block_checksum;
pub mod block_filter;
pub mod catchup;
pub mod concurrency;
pub mod concurrency_limit;
pub mod deployment;
pub mod event;
pub mod filter;
pub mod flow;
pub mod flow_run;
pub mod graph;
pub mod lease;
pub mod log;
pub mod log_csv;
pub mod orchestration;
pub mod parameters;
pub mod pause_policy;
pub mod policy;
pub mod resource_events;
pub mod retention;
pub mod run_input;
pub mod run_names;
pub mod run_policy;
pub mod run_state_event;
pub mod run_stats;
pub mod saved_search;
pub mod schedule;
pub mod schema_check;
pub mod state;
pub mod state_details;
pub mod task_policy;
pub mod task_run;
pub mod time;
pub mod trigger_eval;
pub mod variable;
pub mod why;
pub mod work_pool;

pub use orchestration::orchestrate;
pub use policy::Decision;
pub use state::{State, StateType};
pub use state_details::StateDetails;
pub use time::Ts;

/// A JSON object, as stored for documents Baton keeps whole (parameters, labels, state details…).
pub type Doc = serde_json::Map<String, serde_json::Value>;
