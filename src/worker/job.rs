//! What a run executes, decided from its deployment and job variables (pure; the caller probes the
//! filesystem and the interpreter and passes the answers in).
//!
//! - `job_variables.command` → that command, split like a shell would but run without one;
//! - an entrypoint `path/file.py:func` whose function is a Prefect flow → `python -m prefect.engine`, which
//!   reports its own states, task runs and logs; when the interpreter (`super::python`) cannot import
//!   `prefect`, nothing is started and the plan fails with one line that says how to fix it;
//! - any other entrypoint → Baton's embedded bootstrap imports the file and calls the function.

use super::python::{no_prefect_message, Interpreter, Probe};
use crate::domain::Doc;
use serde_json::Value;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use uuid::Uuid;

/// How a run is executed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Kind {
    /// Prefect's engine runs the flow and reports to the API itself.
    PrefectFlow,
    /// Baton's bootstrap calls a plain Python function; Baton reports the states.
    PythonFunction,
    /// A command; exit code 0 is COMPLETED.
    Command,
}

/// A process to start for a run.
#[derive(Clone, Debug, PartialEq)]
pub struct JobSpec {
    pub kind: Kind,
    pub program: String,
    pub args: Vec<String>,
    pub env: BTreeMap<String, String>,
    pub cwd: Option<PathBuf>,
    pub timeout_seconds: Option<f64>,
}

/// What the worker knows about a run when it plans it.
#[derive(Clone, Debug, Default)]
pub struct RunFacts {
    pub run_id: Uuid,
    pub run_name: String,
    pub flow_id: Uuid,
    pub flow_name: String,
    pub deployment_id: Option<Uuid>,
    pub deployment_name: Option<String>,
    pub entrypoint: Option<String>,
    pub path: Option<String>,
    pub pull_steps: Option<Value>,
    pub job_variables: Doc,
    pub parameters: Doc,
    pub api_url: String,
    /// The server's auth string, if it wants one.
    pub api_auth: Option<String>,
    pub worker_name: String,
}

/// Why a run cannot be planned.
#[derive(Debug, thiserror::Error, PartialEq)]
pub enum PlanError {
    #[error("the deployment has neither an entrypoint nor a command to run")]
    NothingToRun,
    #[error("job variable command: {0}")]
    BadCommand(String),
    #[error("entrypoint '{0}' must look like path/to/file.py:function")]
    BadEntrypoint(String),
    #[error("{0}")]
    UnsafeEntrypoint(String),
    /// A Prefect flow whose interpreter cannot import `prefect` (the one-line message says which and how
    /// to fix it).
    #[error("{0}")]
    NoPrefect(String),
}

/// The working directory: `job_variables.working_dir`, else the `set_working_directory` pull step, else the
/// deployment's `path` (relative paths are taken from `base`).
pub fn working_dir(f: &RunFacts, base: &Path) -> Option<PathBuf> {
    let from_vars = f
        .job_variables
        .get("working_dir")
        .and_then(Value::as_str)
        .map(String::from);
    let dir = from_vars
        .or_else(|| set_working_directory(f))
        .or_else(|| f.path.clone())?;
    Some(absolute(dir, base))
}

fn absolute(dir: String, base: &Path) -> PathBuf {
    let p = PathBuf::from(dir);
    if p.is_absolute() {
        p
    } else {
        base.join(p)
    }
}

fn set_working_directory(f: &RunFacts) -> Option<String> {
    let steps = f.pull_steps.as_ref()?.as_array()?;
    steps.iter().find_map(|s| {
        s.get("prefect.deployments.steps.set_working_directory")
            .or_else(|| s.get("prefect.deployments.steps.pull.set_working_directory"))
            .and_then(|v| v.get("directory"))
            .and_then(Value::as_str)
            .map(String::from)
    })
}

/// The directory a `set_working_directory` pull step names: the project's top, above which the interpreter
/// lookup does not climb.
pub fn pull_step_dir(f: &RunFacts, base: &Path) -> Option<PathBuf> {
    set_working_directory(f).map(|d| absolute(d, base))
}

/// The `python` job variable, when set.
pub fn python_variable(f: &RunFacts) -> Option<&str> {
    f.job_variables.get("python").and_then(Value::as_str)
}

/// The `PYTHON*` variables a run's process gets from its `env` job variable (they decide what it imports).
pub fn python_env(f: &RunFacts) -> BTreeMap<String, String> {
    match f.job_variables.get("env") {
        Some(Value::Object(env)) => env
            .iter()
            .filter(|(k, _)| k.starts_with("PYTHON"))
            .filter_map(|(k, v)| Some((k.clone(), v.as_str()?.to_string())))
            .collect(),
        _ => BTreeMap::new(),
    }
}

/// Whether the run is a Prefect flow (no command; the entrypoint's function is decorated `@flow`), so its
/// interpreter must be able to import `prefect`.
pub fn needs_prefect(f: &RunFacts, flow_source: Option<&str>) -> bool {
    let command = f
        .job_variables
        .get("command")
        .and_then(Value::as_str)
        .is_some_and(|c| !c.trim().is_empty());
    let func = f
        .entrypoint
        .as_deref()
        .and_then(|e| split_entrypoint(e).ok())
        .map(|(_, func)| func);
    match (command, func, flow_source) {
        (false, Some(func), Some(src)) => is_prefect_flow(src, &func),
        _ => false,
    }
}

/// Splits `path/file.py:func` into file and function.
pub fn split_entrypoint(e: &str) -> Result<(String, String), PlanError> {
    crate::domain::deployment::check_entrypoint(e).map_err(PlanError::UnsafeEntrypoint)?;
    match e.rsplit_once(':') {
        Some((file, func)) if !file.is_empty() && !func.is_empty() && !func.contains('/') => {
            Ok((file.to_string(), func.to_string()))
        }
        _ => Err(PlanError::BadEntrypoint(e.to_string())),
    }
}

/// Whether `func` in this Python source is decorated as a Prefect flow (read, not imported).
pub fn is_prefect_flow(source: &str, func: &str) -> bool {
    let lines: Vec<&str> = source.lines().collect();
    let Some(def) = lines.iter().position(|l| {
        let t = l.trim_start();
        t.starts_with(&format!("def {func}(")) || t.starts_with(&format!("async def {func}("))
    }) else {
        return false;
    };
    lines[..def]
        .iter()
        .rev()
        .map(|l| l.trim())
        .take_while(|l| {
            l.starts_with('@')
                || l.is_empty()
                || l.starts_with('#')
                || l.ends_with(',')
                || l.ends_with(')')
        })
        .any(|l| l.starts_with("@flow") || l.starts_with("@prefect.flow"))
}

/// Environment every run gets: the parameters and, for Prefect flows, what Prefect's engine reads.
fn base_env(f: &RunFacts, kind: &Kind) -> BTreeMap<String, String> {
    let mut env = BTreeMap::new();
    env.insert("BATON_FLOW_RUN_ID".into(), f.run_id.to_string());
    env.insert("BATON_API_URL".into(), f.api_url.clone());
    if let Some(a) = &f.api_auth {
        env.insert("BATON_AUTH_STRING".into(), a.clone());
        env.insert("PREFECT_API_AUTH_STRING".into(), a.clone());
    }
    env.insert(
        "BATON_PARAMETERS".into(),
        Value::Object(f.parameters.clone()).to_string(),
    );
    for (k, v) in &f.parameters {
        let name: String = k
            .chars()
            .map(|c| {
                if c.is_ascii_alphanumeric() {
                    c.to_ascii_uppercase()
                } else {
                    '_'
                }
            })
            .collect();
        let value = match v {
            Value::String(s) => s.clone(),
            other => other.to_string(),
        };
        env.insert(format!("BATON_PARAM_{name}"), value);
    }
    if *kind == Kind::PrefectFlow {
        env.insert("PREFECT_API_URL".into(), f.api_url.clone());
        env.insert("PREFECT__FLOW_RUN_ID".into(), f.run_id.to_string());
        env.insert("PREFECT__FLOW_ID".into(), f.flow_id.to_string());
        env.insert("PREFECT__FLOW_NAME".into(), f.flow_name.clone());
        env.insert("PREFECT__WORKER_NAME".into(), f.worker_name.clone());
        env.insert(
            "PREFECT__ENABLE_CANCELLATION_AND_CRASHED_HOOKS".into(),
            "false".into(),
        );
        if let Some(d) = f.deployment_id {
            env.insert("PREFECT__DEPLOYMENT_ID".into(), d.to_string());
        }
        if let Some(n) = &f.deployment_name {
            env.insert("PREFECT__DEPLOYMENT_NAME".into(), n.clone());
        }
        if let Some(e) = &f.entrypoint {
            env.insert("PREFECT__FLOW_ENTRYPOINT".into(), e.clone());
        }
    }
    if let Some(Value::Object(extra)) = f.job_variables.get("env") {
        for (k, v) in extra {
            if let Some(s) = v.as_str() {
                env.insert(k.clone(), s.to_string());
            } else if !v.is_null() {
                env.insert(k.clone(), v.to_string());
            }
        }
    }
    env
}

/// Plans a run. `python` is the interpreter, `flow_source` the entrypoint file's text (when readable),
/// `probe` what `python` said when asked for `prefect` (asked only when [`needs_prefect`]). A Prefect flow
/// whose interpreter has no prefect is not run at all: the bootstrap would only fail on its import.
pub fn plan(
    f: &RunFacts,
    cwd: Option<PathBuf>,
    python: &Interpreter,
    flow_source: Option<&str>,
    probe: Option<&Probe>,
    bootstrap: &str,
) -> Result<JobSpec, PlanError> {
    let timeout_seconds = f
        .job_variables
        .get("timeout_seconds")
        .and_then(Value::as_f64)
        .filter(|t| *t > 0.0);
    if let Some(cmd) = f
        .job_variables
        .get("command")
        .and_then(Value::as_str)
        .filter(|c| !c.trim().is_empty())
    {
        let mut words = shlex::split(cmd)
            .ok_or_else(|| PlanError::BadCommand(format!("cannot split {cmd:?}")))?;
        if words.is_empty() {
            return Err(PlanError::BadCommand("empty".into()));
        }
        let program = words.remove(0);
        let env = base_env(f, &Kind::Command);
        return Ok(JobSpec {
            kind: Kind::Command,
            program,
            args: words,
            env,
            cwd,
            timeout_seconds,
        });
    }
    let entrypoint = f.entrypoint.as_deref().ok_or(PlanError::NothingToRun)?;
    let (file, func) = split_entrypoint(entrypoint)?;
    if needs_prefect(f, flow_source) {
        if probe != Some(&Probe::HasPrefect) {
            let probe = probe.cloned().unwrap_or(Probe::NoPrefect);
            return Err(PlanError::NoPrefect(no_prefect_message(python, &probe)));
        }
        let env = base_env(f, &Kind::PrefectFlow);
        let args = vec!["-m".into(), "prefect.engine".into()];
        return Ok(JobSpec {
            kind: Kind::PrefectFlow,
            program: python.program.clone(),
            args,
            env,
            cwd,
            timeout_seconds,
        });
    }
    let mut env = base_env(f, &Kind::PythonFunction);
    env.insert("BATON_ENTRY_FILE".into(), file);
    env.insert("BATON_ENTRY_FUNCTION".into(), func);
    env.insert("PYTHONUNBUFFERED".into(), "1".into());
    let args = vec!["-c".into(), bootstrap.to_string()];
    Ok(JobSpec {
        kind: Kind::PythonFunction,
        program: python.program.clone(),
        args,
        env,
        cwd,
        timeout_seconds,
    })
}

#[cfg(test)]
#[path = "job_tests.rs"]
mod tests;

/// A `git_clone` pull step: what to clone before the run (for runs Baton starts itself).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct GitClone {
    pub repository: String,
    pub branch: Option<String>,
    /// An access token for https repositories: a literal, or `{{ $NAME }}` read from the environment.
    pub access_token: Option<String>,
}

/// The first `git_clone` pull step of a deployment, if any.
pub fn git_clone_step(pull_steps: Option<&Value>) -> Option<GitClone> {
    let steps = pull_steps?.as_array()?;
    steps.iter().find_map(|s| {
        let o = s.as_object()?;
        let (_, v) = o.iter().find(|(k, _)| k.ends_with("git_clone"))?;
        Some(GitClone {
            repository: v.get("repository")?.as_str()?.to_string(),
            branch: v.get("branch").and_then(Value::as_str).map(String::from),
            access_token: v
                .get("access_token")
                .and_then(Value::as_str)
                .map(String::from),
        })
    })
}

/// Resolves a token: `{{ $NAME }}` (or `${NAME}`) from `env`, else the literal.
pub fn resolve_token(raw: &str, env: impl Fn(&str) -> Option<String>) -> Option<String> {
    let t = raw.trim();
    let inner = t
        .strip_prefix("{{")
        .and_then(|r| r.strip_suffix("}}"))
        .map(str::trim)
        .and_then(|r| r.strip_prefix('$'))
        .or_else(|| t.strip_prefix("${").and_then(|r| r.strip_suffix('}')));
    match inner {
        Some(name) => env(name.trim()),
        None => Some(t.to_string()).filter(|s| !s.is_empty()),
    }
}

/// The URL to clone: the token goes into an https URL as `https://<token>@host/...`.
pub fn clone_url(step: &GitClone, token: Option<&str>) -> String {
    match (token, step.repository.strip_prefix("https://")) {
        (Some(tok), Some(rest)) => format!("https://{tok}@{rest}"),
        _ => step.repository.clone(),
    }
}
