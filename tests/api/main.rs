//! One integration-test binary: each test starts the real server on port 0 with a temporary data dir.

mod admin;
mod artifacts;
mod auth;
mod cli;
mod cli_variables;
mod concurrency;
mod dashboard;
mod deployments;
mod events_ws;
mod flow_runs;
mod flows;
mod helpers;
mod logs;
mod metrics;
mod orchestration;
mod process;
mod remote_worker;
mod retention;
mod scheduler_clock;
mod slots;
mod task_runs;
mod tutorial;
mod variables;
mod work_pools;
mod worker;
mod worker_more;
