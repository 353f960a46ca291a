//! Execution: a worker claims due runs of its pool, starts each run's process in its own process group,
//! streams output into logs, reports states, and cancels, times out or marks CRASHED as needed. The same code
//! serves the in-process worker of `baton serve` ([`local::Local`]) and `baton worker start` ([`http::Http`]).

pub mod http;
pub mod job;
pub mod local;
pub mod process;
pub mod python;
pub mod retry;
mod templates;
pub mod transport;

use crate::domain::{Doc, StateType};
use job::{JobSpec, RunFacts};
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::sync::Semaphore;
use tokio_util::sync::CancellationToken;
use transport::{Answer, Ticket, Transport};
use uuid::Uuid;

/// The embedded bootstrap that runs plain Python functions.
pub const BOOTSTRAP: &str = include_str!("bootstrap.py");

/// How a worker runs.
#[derive(Clone, Debug)]
pub struct WorkerConfig {
    pub name: String,
    pub pool: String,
    pub queues: Vec<String>,
    pub limit: usize,
    /// The API URL given to Prefect flows (`PREFECT_API_URL`).
    pub api_url: String,
    /// The server's auth string, given to flows as `PREFECT_API_AUTH_STRING` and `BATON_AUTH_STRING`.
    pub auth: Option<String>,
    /// The interpreter for flows that name none and have no project virtualenv (`--python` /
    /// `BATON_PYTHON`; see [`python`] for the whole lookup).
    pub python: Option<String>,
    /// Where relative deployment paths start.
    pub base_dir: PathBuf,
    pub cancel_grace: Duration,
    pub heartbeat_every: Duration,
}

type Active = Arc<Mutex<HashMap<Uuid, CancellationToken>>>;

/// Runs the worker until `stop`; waits for its runs' bookkeeping before returning.
pub async fn run<T: Transport>(t: Arc<T>, cfg: WorkerConfig, stop: CancellationToken) {
    let slots = Arc::new(Semaphore::new(cfg.limit.max(1)));
    let active: Active = Arc::new(Mutex::new(HashMap::new()));
    let tasks = tokio_util::task::TaskTracker::new();
    tasks.spawn(heartbeats(t.clone(), cfg.heartbeat_every, stop.clone()));
    tasks.spawn(watch_cancellations(t.clone(), active.clone(), stop.clone()));
    let probe: Probe = Arc::new(python::Prober::default());
    loop {
        if stop.is_cancelled() {
            break;
        }
        let free = slots.available_permits();
        if free > 0 {
            match t.poll(free).await {
                Ok(tickets) => {
                    for ticket in tickets {
                        let Ok(permit) = slots.clone().try_acquire_owned() else {
                            break;
                        };
                        let (t, cfg, active, probe) =
                            (t.clone(), cfg.clone(), active.clone(), probe.clone());
                        let stop = stop.clone();
                        tasks.spawn(async move {
                            execute(t, &cfg, ticket, active, probe, stop).await;
                            drop(permit);
                        });
                    }
                }
                Err(e) => tracing::warn!(error = %e, pool = %cfg.pool, "polling for runs failed"),
            }
        }
        tokio::select! {
            _ = stop.cancelled() => break,
            _ = t.idle(&stop) => {}
        }
    }
    tasks.close();
    tasks.wait().await;
}

async fn heartbeats<T: Transport>(t: Arc<T>, every: Duration, stop: CancellationToken) {
    loop {
        if let Err(e) = t.heartbeat().await {
            tracing::warn!(error = %e, "worker heartbeat failed");
        }
        tokio::select! {
            _ = stop.cancelled() => return,
            _ = tokio::time::sleep(every) => {}
        }
    }
}

async fn watch_cancellations<T: Transport>(t: Arc<T>, active: Active, stop: CancellationToken) {
    loop {
        tokio::select! {
            _ = stop.cancelled() => return,
            _ = t.cancel_signal() => {}
        }
        let ids: Vec<Uuid> = active
            .lock()
            .map(|a| a.keys().copied().collect())
            .unwrap_or_default();
        if ids.is_empty() {
            continue;
        }
        if let Ok(cancelling) = t.cancelling(ids).await {
            if let Ok(a) = active.lock() {
                for id in cancelling {
                    if let Some(token) = a.get(&id) {
                        token.cancel();
                    }
                }
            }
        }
    }
}

type Probe = Arc<python::Prober>;

async fn plan_run<T: Transport>(
    t: &T,
    cfg: &WorkerConfig,
    ticket: &Ticket,
    probe: &Probe,
) -> Result<JobSpec, String> {
    let dep = match ticket.deployment_id {
        Some(id) => t.deployment(id).await.map_err(|e| e.to_string())?,
        None => None,
    };
    let dep = dep.unwrap_or_default();
    let mut job_variables: Doc = dep.job_variables.clone();
    job_variables.extend(ticket.job_variables.clone());
    let job_variables = templates::resolve(t, job_variables).await?;
    let facts = RunFacts {
        run_id: ticket.id,
        run_name: ticket.name.clone(),
        flow_id: ticket.flow_id,
        flow_name: t.flow_name(ticket.flow_id).await.unwrap_or_default(),
        deployment_id: ticket.deployment_id,
        deployment_name: Some(dep.name.clone()).filter(|n| !n.is_empty()),
        entrypoint: dep.entrypoint.clone(),
        path: dep.path.clone(),
        pull_steps: dep.pull_steps.clone(),
        job_variables,
        parameters: ticket.parameters.clone(),
        api_url: cfg.api_url.clone(),
        api_auth: cfg.auth.clone(),
        worker_name: cfg.name.clone(),
    };
    let mut cwd = job::working_dir(&facts, &cfg.base_dir);
    if let Some(step) = job::git_clone_step(facts.pull_steps.as_ref()) {
        cwd = Some(clone(&step, ticket.id).await?);
    }
    if let Some(dir) = &cwd {
        if !dir.is_dir() {
            return Err(format!(
                "working directory {} does not exist",
                dir.display()
            ));
        }
    }
    let (venv, path_var) = (std::env::var("VIRTUAL_ENV").ok(), std::env::var_os("PATH"));
    let top = match &cwd {
        Some(dir) if *dir == checkout_dir(ticket.id) => Some(dir.clone()),
        _ => job::pull_step_dir(&facts, &cfg.base_dir),
    };
    let places = python::Places {
        job_variable: job::python_variable(&facts),
        cwd: cwd.as_deref(),
        top: top.as_deref(),
        option: cfg.python.as_deref(),
        virtual_env: venv.as_deref(),
        path_var: path_var.as_deref(),
    };
    let python = python::find(&places, Path::is_file);
    let source = facts
        .entrypoint
        .as_deref()
        .and_then(|e| job::split_entrypoint(e).ok())
        .and_then(|(file, _)| {
            let p = Path::new(&file);
            let full = if p.is_absolute() {
                p.to_path_buf()
            } else {
                cwd.clone().unwrap_or_else(|| cfg.base_dir.clone()).join(p)
            };
            std::fs::read_to_string(full).ok()
        });
    let answer = match job::needs_prefect(&facts, source.as_deref()) {
        true => Some(probe.probe(&python.program, &job::python_env(&facts)).await),
        false => None,
    };
    job::plan(
        &facts,
        cwd,
        &python,
        source.as_deref(),
        answer.as_ref(),
        BOOTSTRAP,
    )
    .map_err(|e| e.to_string())
}

/// Where a run's `git_clone` step puts its checkout (removed when the run ends).
pub fn checkout_dir(run: uuid::Uuid) -> PathBuf {
    std::env::temp_dir().join(format!("baton-run-{run}"))
}

/// Clones the step's repository (shallow, the step's branch) into the run's checkout directory.
async fn clone(step: &job::GitClone, run: uuid::Uuid) -> Result<PathBuf, String> {
    let dir = checkout_dir(run);
    let _ = std::fs::remove_dir_all(&dir);
    let token = step
        .access_token
        .as_deref()
        .and_then(|t| job::resolve_token(t, |n| std::env::var(n).ok()));
    let mut cmd = tokio::process::Command::new("git");
    cmd.args(["clone", "--depth", "1", "--quiet"]);
    if let Some(b) = &step.branch {
        cmd.args(["--branch", b]);
    }
    cmd.arg(job::clone_url(step, token.as_deref()))
        .arg(&dir)
        .stdin(std::process::Stdio::null());
    cmd.env("GIT_TERMINAL_PROMPT", "0").kill_on_drop(true);
    let out = tokio::time::timeout(Duration::from_secs(300), cmd.output())
        .await
        .map_err(|_| format!("git clone of {} timed out", step.repository))?
        .map_err(|e| format!("cannot run git: {e}"))?;
    if !out.status.success() {
        let err = String::from_utf8_lossy(&out.stderr)
            .replace(token.as_deref().unwrap_or("\u{0}"), "***");
        return Err(format!(
            "git clone of {} failed: {}",
            step.repository,
            err.trim()
        ));
    }
    Ok(dir)
}

async fn propose<T: Transport>(
    t: &T,
    run: Uuid,
    kind: StateType,
    name: Option<&str>,
    message: Option<String>,
    force: bool,
) -> Answer {
    // An unreachable server is retried with backoff for up to `retry::RIDE_OUT` (the run's process keeps
    // going meanwhile); a refusal only `retry::REFUSALS` times; a WAIT as the server says. Bounded either way.
    let started = std::time::Instant::now();
    let mut refusals = 0;
    for attempt in 0..10_000u32 {
        match t
            .propose(run, kind, name.map(String::from), message.clone(), force)
            .await
        {
            Ok(Answer::Wait(secs)) => {
                tokio::time::sleep(Duration::from_secs(secs.clamp(1, 30))).await
            }
            Ok(a) => return a,
            Err(e) => {
                let pause = if retry::refused(&e) {
                    refusals += 1;
                    if refusals >= retry::REFUSALS {
                        break;
                    }
                    Duration::from_millis(500)
                } else if started.elapsed() > retry::RIDE_OUT {
                    break;
                } else {
                    retry::backoff(attempt)
                };
                if attempt % 10 == 0 {
                    tracing::warn!(%run, error = %e, "proposing {} failed; retrying", kind.as_str());
                }
                tokio::time::sleep(pause).await;
            }
        }
    }
    Answer::Aborted("gave up after repeated failures".into())
}

mod execute;
mod run_logs;
use execute::execute;
