//! Baton: a workflow orchestration server in one binary that speaks Prefect 3's REST API.
//!
//! Data flows one way: `api` / `cli` / `worker` → `services` → `domain` (pure rules) + `store` (the only SQL).
//! See ARCHITECTURE.md for the code map and the invariants.

pub mod api;
pub mod app;
pub mod cli;
pub mod config;
pub mod domain;
pub mod home;
pub mod maintenance;
pub mod output;
pub mod services;
pub mod store;
pub mod wire;
pub mod worker;
