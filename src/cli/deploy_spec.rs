//! What `baton deploy` sends, built from the command line: a Python entrypoint (`file.py:function`, read as
//! text: flow name, docstring, signature) or a command (`--command` with `--flow`). Defaults are Prefect's:
//! pool `default`, flow name from the function name with `_` → `-` unless `@flow(name=...)` says otherwise,
//! description from the docstring, version from a hash of the file, `path` the project directory, and the
//! `python` job variable the project's virtualenv (or the deploying shell's `$VIRTUAL_ENV`) when there is one.

use super::params::{key_values, schedule_entry, ScheduleFlags};
use super::pyschema::parameter_schema;
use super::pysource;
use crate::wire::deployments::DeploymentCreate;
use anyhow::{anyhow, bail, Context};
use serde_json::{json, Map, Value};
use std::path::{Path, PathBuf};

/// One deployment to create or update.
#[derive(Debug, Clone, PartialEq)]
pub struct DeploySpec {
    pub flow_name: String,
    pub name: String,
    pub pool: String,
    pub queue: Option<String>,
    pub schedules: Vec<Value>,
    pub parameters: Map<String, Value>,
    pub tags: Vec<String>,
    pub description: Option<String>,
    pub version: Option<String>,
    pub job_variables: Map<String, Value>,
    pub concurrency_limit: Option<i64>,
    /// Catch-up after downtime (`all`, `latest`, `none`); `None` leaves the deployment's as it is.
    pub catchup: Option<String>,
    pub entrypoint: Option<String>,
    pub path: String,
    pub pull_steps: Option<Value>,
    pub parameter_schema: Value,
    pub enforce_parameter_schema: bool,
}

impl DeploySpec {
    /// `flow/deployment`.
    pub fn full_name(&self) -> String {
        format!("{}/{}", self.flow_name, self.name)
    }

    /// The body of `POST /api/deployments/` (Prefect's `DeploymentCreate`). Every field is sent, `null`
    /// where the spec has none, so a redeploy clears what the command line no longer says.
    pub fn body(&self, flow_id: &str) -> anyhow::Result<DeploymentCreate> {
        let flow_id = flow_id.parse().with_context(|| {
            format!("the server answered a flow id that is not a UUID: {flow_id}")
        })?;
        let schedules = (self.schedules.iter().enumerate())
            .map(|(i, s)| {
                serde_json::from_value(s.clone()).with_context(|| format!("schedules[{i}]"))
            })
            .collect::<anyhow::Result<Vec<_>>>()?;
        let version_info =
            (self.version.as_ref()).map(|v| json!({"type": "prefect:simple", "version": v}));
        Ok(DeploymentCreate {
            name: self.name.clone(),
            flow_id,
            paused: Some(false),
            schedules: Some(schedules),
            concurrency_limit: Some(self.concurrency_limit),
            enforce_parameter_schema: Some(self.enforce_parameter_schema),
            parameter_openapi_schema: Some(
                Some(self.parameter_schema.clone()).filter(|v| !v.is_null()),
            ),
            parameters: Some(self.parameters.clone()),
            tags: Some(self.tags.clone()),
            work_pool_name: Some(Some(self.pool.clone())),
            work_queue_name: Some(self.queue.clone()),
            description: Some(self.description.clone()),
            path: Some(Some(self.path.clone())),
            entrypoint: Some(self.entrypoint.clone()),
            pull_steps: Some(self.pull_steps.clone().filter(|v| !v.is_null())),
            job_variables: Some(self.job_variables.clone()),
            version: Some(self.version.clone()),
            version_info: Some(version_info),
            ..Default::default()
        })
    }
}

/// The flags of `baton deploy` that describe a deployment.
#[derive(clap::Args, Debug, Clone, Default)]
pub struct SpecFlags {
    /// The deployment's name.
    #[arg(short = 'n', long)]
    pub name: Option<String>,
    /// The work pool that runs it (default: "default").
    #[arg(short = 'p', long)]
    pub pool: Option<String>,
    /// The pool's work queue (default: the pool's default queue).
    #[arg(short = 'q', long)]
    pub queue: Option<String>,
    #[command(flatten)]
    pub schedule: ScheduleFlags,
    /// A default parameter, key=value (the value is JSON when it parses, else a string); repeatable.
    #[arg(long = "param", value_name = "KEY=VALUE")]
    pub param: Vec<String>,
    /// Default parameters as a JSON object.
    #[arg(long = "params", value_name = "JSON")]
    pub params: Option<String>,
    /// A tag; repeatable.
    #[arg(short = 't', long = "tag")]
    pub tags: Vec<String>,
    /// The description (default: the function's docstring).
    #[arg(long)]
    pub description: Option<String>,
    /// The version (default: a hash of the flow's file).
    #[arg(long)]
    pub version: Option<String>,
    /// A job variable for the worker, key=value; repeatable (e.g. env, working_dir, python).
    #[arg(short = 'j', long = "job-variable", value_name = "KEY=VALUE")]
    pub job_variables: Vec<String>,
    /// At most this many runs at once.
    #[arg(long)]
    pub concurrency_limit: Option<i64>,
    /// Runs missed while nothing could run them: all run (Prefect's way), only the latest, or none.
    #[arg(long, value_parser = ["all", "latest", "none"])]
    pub catchup: Option<String>,
    /// Run this command instead of a Python function (needs --flow).
    #[arg(long)]
    pub command: Option<String>,
    /// The flow name of a --command deployment (or to override a function's).
    #[arg(long)]
    pub flow: Option<String>,
}

impl SpecFlags {
    /// The schedule entries the flags ask for (empty for none).
    pub fn schedules(&self) -> anyhow::Result<Vec<Value>> {
        Ok(self
            .schedule
            .schedule()?
            .map(|s| vec![schedule_entry(s, true)])
            .unwrap_or_default())
    }

    /// `--params` with `--param` pairs over it.
    pub fn parameters(&self) -> anyhow::Result<Map<String, Value>> {
        key_values(self.params.as_deref(), &self.param, "param")
    }

    /// `--job-variable` pairs.
    pub fn job_vars(&self) -> anyhow::Result<Map<String, Value>> {
        key_values(None, &self.job_variables, "job-variable")
    }
}

/// A stable short hash of some bytes (FNV-1a, 64 bits, hex).
pub fn file_hash(bytes: &[u8]) -> String {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in bytes {
        h ^= u64::from(*b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    format!("{h:016x}")
}

/// Where a Python entrypoint lives: (entrypoint as stored, working directory, absolute file).
pub fn locate(entrypoint: &str, cwd: &Path) -> anyhow::Result<(String, String, PathBuf, String)> {
    let (file, func) = entrypoint
        .rsplit_once(':')
        .filter(|(f, func)| !f.is_empty() && !func.is_empty())
        .ok_or_else(|| {
            anyhow!("entrypoint '{entrypoint}' must look like path/to/file.py:function")
        })?;
    let abs = lexical(&if Path::new(file).is_absolute() {
        PathBuf::from(file)
    } else {
        cwd.join(file)
    });
    let (stored, dir) = match abs.strip_prefix(cwd) {
        Ok(rel) => (rel.to_string_lossy().into_owned(), cwd.to_path_buf()),
        Err(_) => {
            let name = abs.file_name().map(|n| n.to_string_lossy().into_owned());
            let parent = abs.parent().map(Path::to_path_buf);
            match (name, parent) {
                (Some(n), Some(p)) => (n, p),
                _ => bail!("entrypoint '{entrypoint}' does not name a file"),
            }
        }
    };
    Ok((
        format!("{stored}:{func}"),
        dir.to_string_lossy().into_owned(),
        abs,
        func.to_string(),
    ))
}

/// `p` with `.` and `..` components resolved without touching the disk, so `../flows/x.py` run from
/// `/repo/app` is `/repo/flows/x.py` (the server refuses entrypoints that climb out of their directory).
fn lexical(p: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for c in p.components() {
        match c {
            std::path::Component::CurDir => {}
            std::path::Component::ParentDir => {
                out.pop();
            }
            other => out.push(other),
        }
    }
    out
}

/// A deployment of a Python function.
pub fn from_entrypoint(entrypoint: &str, f: &SpecFlags, cwd: &Path) -> anyhow::Result<DeploySpec> {
    let name = f
        .name
        .clone()
        .ok_or_else(|| super::usage("missing -n/--name: what should the deployment be called?"))?;
    let (stored, dir, file, func) = locate(entrypoint, cwd)?;
    let source = std::fs::read(&file).with_context(|| {
        format!(
            "cannot read {} (run `baton deploy` from your project's directory)",
            file.display()
        )
    })?;
    let text = String::from_utf8_lossy(&source);
    let fns = pysource::functions(&text);
    let Some(def) = fns.iter().find(|d| d.name == func) else {
        let names: Vec<&str> = fns.iter().map(|d| d.name.as_str()).collect();
        bail!(
            "no function '{func}' in {}; functions there: {}",
            file.display(),
            if names.is_empty() {
                "none".to_string()
            } else {
                names.join(", ")
            }
        );
    };
    let flow_name = f
        .flow
        .clone()
        .or_else(|| def.flow_name())
        .unwrap_or_else(|| def.name.replace('_', "-"));
    let mut job_variables = f.job_vars()?;
    if !job_variables.contains_key("python") {
        let venv = std::env::var("VIRTUAL_ENV").ok();
        let found =
            crate::worker::python::for_deploy(Path::new(&dir), venv.as_deref(), Path::is_file);
        if let Some(python) = found {
            job_variables.insert("python".into(), json!(python));
        }
    }
    Ok(DeploySpec {
        flow_name,
        name,
        pool: f.pool.clone().unwrap_or_else(|| "default".into()),
        queue: f.queue.clone(),
        schedules: f.schedules()?,
        parameters: f.parameters()?,
        tags: f.tags.clone(),
        description: f.description.clone().or_else(|| def.docstring.clone()),
        version: f.version.clone().or_else(|| Some(file_hash(&source))),
        job_variables,
        concurrency_limit: f.concurrency_limit,
        catchup: f.catchup.clone(),
        entrypoint: Some(stored),
        path: dir,
        pull_steps: None,
        parameter_schema: parameter_schema(&def.params),
        enforce_parameter_schema: true,
    })
}

/// The JSON Schema type of a default value.
fn json_type(v: &Value) -> Option<&'static str> {
    Some(match v {
        Value::String(_) => "string",
        Value::Bool(_) => "boolean",
        Value::Number(n) if n.is_i64() || n.is_u64() => "integer",
        Value::Number(_) => "number",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
        Value::Null => return None,
    })
}

/// A schema describing a command's parameters by their defaults (not enforced: every value reaches the
/// command as text anyway).
pub fn schema_of_defaults(params: &Map<String, Value>) -> Value {
    let props: Map<String, Value> = params
        .iter()
        .enumerate()
        .map(|(i, (k, v))| {
            let mut p = json!({"title": k, "position": i, "default": v});
            if let Some(t) = json_type(v) {
                p["type"] = json!(t);
            }
            (k.clone(), p)
        })
        .collect();
    json!({"title": "Parameters", "type": "object", "properties": props, "definitions": {}})
}

/// A deployment of a command (`job_variables.command`).
pub fn from_command(command: &str, f: &SpecFlags, cwd: &Path) -> anyhow::Result<DeploySpec> {
    if shlex::split(command).is_none_or(|w| w.is_empty()) {
        bail!("--command {command:?} is empty or has an unclosed quote");
    }
    let flow_name = f.flow.clone().ok_or_else(|| {
        super::usage("--command needs --flow NAME: the flow its runs are grouped under")
    })?;
    let name = f
        .name
        .clone()
        .ok_or_else(|| super::usage("missing -n/--name: what should the deployment be called?"))?;
    let parameters = f.parameters()?;
    let mut job_variables = f.job_vars()?;
    job_variables.insert("command".into(), json!(command));
    Ok(DeploySpec {
        flow_name,
        name,
        pool: f.pool.clone().unwrap_or_else(|| "default".into()),
        queue: f.queue.clone(),
        schedules: f.schedules()?,
        parameter_schema: schema_of_defaults(&parameters),
        parameters,
        tags: f.tags.clone(),
        description: f.description.clone(),
        version: f.version.clone(),
        job_variables,
        concurrency_limit: f.concurrency_limit,
        catchup: f.catchup.clone(),
        entrypoint: None,
        path: cwd.to_string_lossy().into_owned(),
        pull_steps: None,
        enforce_parameter_schema: false,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_entrypoint_above_the_directory_is_stored_beside_its_file() {
        let (stored, dir, file, _) = locate("../flows/x.py:f", Path::new("/repo/app")).unwrap();
        assert_eq!((stored.as_str(), dir.as_str()), ("x.py:f", "/repo/flows"));
        assert_eq!(file, PathBuf::from("/repo/flows/x.py"));
        let (stored, dir, _, _) = locate("./etl/../etl/a.py:g", Path::new("/repo")).unwrap();
        assert_eq!((stored.as_str(), dir.as_str()), ("etl/a.py:g", "/repo"));
    }

    #[test]
    fn the_create_body_sends_every_field_null_where_unset() {
        let spec = DeploySpec {
            flow_name: "etl".into(),
            name: "nightly".into(),
            pool: "default".into(),
            queue: None,
            schedules: vec![super::schedule_entry(json!({"cron": "0 2 * * *"}), true)],
            parameters: Map::new(),
            tags: vec!["prod".into()],
            description: None,
            version: Some("v1".into()),
            job_variables: Map::new(),
            concurrency_limit: None,
            catchup: None,
            entrypoint: Some("etl.py:main".into()),
            path: "/repo".into(),
            pull_steps: None,
            parameter_schema: json!({"type": "object"}),
            enforce_parameter_schema: true,
        };
        let flow = "6f1f8b8e-0000-4000-8000-000000000000";
        let body = serde_json::to_value(spec.body(flow).unwrap()).unwrap();
        assert_eq!(
            body,
            json!({
                "name": "nightly", "flow_id": flow, "paused": false,
                "schedules": [{"schedule": {"cron": "0 2 * * *"}, "active": true, "max_scheduled_runs": null,
                    "parameters": {}, "slug": null}],
                "concurrency_limit": null, "enforce_parameter_schema": true,
                "parameter_openapi_schema": {"type": "object"}, "parameters": {}, "tags": ["prod"],
                "work_pool_name": "default", "work_queue_name": null, "description": null, "path": "/repo",
                "entrypoint": "etl.py:main", "pull_steps": null, "job_variables": {}, "version": "v1",
                "version_info": {"type": "prefect:simple", "version": "v1"},
            })
        );
    }
}
