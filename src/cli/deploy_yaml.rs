//! `baton deploy --all` / `baton deploy NAME…`: deployments from `baton.yaml` or `prefect.yaml` in Prefect's
//! `deployments:` format (name, entrypoint, parameters, schedules, tags, work_pool {name, work_queue_name,
//! job_variables}, description, version, concurrency_limit, pull) plus Baton's `command:` and `flow:` for
//! command deployments and `catchup:` (all, latest, none). Flags given on the command line override the file.

use super::deploy_spec::{from_command, from_entrypoint, DeploySpec, SpecFlags};
use anyhow::{anyhow, bail, Context};
use serde_json::{json, Map, Value};
use std::path::{Path, PathBuf};

/// The project file: `--file`, else `baton.yaml`, else `prefect.yaml` in `cwd`.
pub fn project_file(explicit: Option<&Path>, cwd: &Path) -> anyhow::Result<PathBuf> {
    if let Some(p) = explicit {
        return Ok(p.to_path_buf());
    }
    ["baton.yaml", "baton.yml", "prefect.yaml", "prefect.yml"]
        .iter()
        .map(|n| cwd.join(n))
        .find(|p| p.is_file())
        .ok_or_else(|| {
            anyhow!(
                "no baton.yaml or prefect.yaml in {}; write one, or deploy a function with `baton deploy file.py:function -n NAME`",
                cwd.display()
            )
        })
}

/// Reads a project file as JSON (YAML anchors and `<<` merges applied).
pub fn read_project(path: &Path) -> anyhow::Result<Value> {
    let text =
        std::fs::read_to_string(path).with_context(|| format!("cannot read {}", path.display()))?;
    let mut y: serde_norway::Value = serde_norway::from_str(&text)
        .map_err(|e| anyhow!("{} is not valid YAML: {e}", path.display()))?;
    y.apply_merge()
        .map_err(|e| anyhow!("{}: {e}", path.display()))?;
    serde_json::to_value(y).map_err(|e| anyhow!("{}: {e}", path.display()))
}

fn text(o: &Map<String, Value>, k: &str) -> anyhow::Result<Option<String>> {
    match o.get(k) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s.clone())),
        Some(Value::Number(n)) => Ok(Some(n.to_string())),
        Some(_) => bail!("{k}: expected a string"),
    }
}

fn object(v: Option<&Value>, k: &str) -> anyhow::Result<Map<String, Value>> {
    match v {
        None | Some(Value::Null) => Ok(Map::new()),
        Some(Value::Object(m)) => Ok(m.clone()),
        Some(_) => bail!("{k}: expected a mapping"),
    }
}

const SCHEDULE_KEYS: &[&str] = &[
    "cron",
    "interval",
    "rrule",
    "timezone",
    "anchor_date",
    "day_or",
];

/// One `schedules:` item as a deployment schedule entry.
fn schedule_item(v: &Value, i: usize) -> anyhow::Result<Value> {
    let o = v.as_object().ok_or_else(|| {
        anyhow!("schedules[{i}]: expected a mapping with cron, interval or rrule")
    })?;
    if let Some(inner) = o.get("schedule") {
        let mut entry = o.clone();
        entry.insert("schedule".into(), inner.clone());
        return Ok(Value::Object(entry));
    }
    let mut schedule = Map::new();
    let mut entry = Map::new();
    for (k, val) in o {
        if SCHEDULE_KEYS.contains(&k.as_str()) {
            if !val.is_null() {
                schedule.insert(k.clone(), val.clone());
            }
        } else if ["active", "max_scheduled_runs", "parameters", "slug"].contains(&k.as_str()) {
            entry.insert(k.clone(), val.clone());
        } else {
            bail!("schedules[{i}].{k}: unknown key (known: {}, active, max_scheduled_runs, parameters, slug)", SCHEDULE_KEYS.join(", "));
        }
    }
    entry.insert("schedule".into(), Value::Object(schedule));
    entry.entry("active").or_insert(json!(true));
    Ok(Value::Object(entry))
}

fn schedules(o: &Map<String, Value>) -> anyhow::Result<Option<Vec<Value>>> {
    let list: Vec<Value> = match (o.get("schedules"), o.get("schedule")) {
        (Some(Value::Array(a)), _) => a.clone(),
        (Some(Value::Null) | None, Some(Value::Object(s))) => vec![Value::Object(s.clone())],
        (Some(Value::Null) | None, None | Some(Value::Null)) => return Ok(None),
        _ => bail!("schedules: expected a list"),
    };
    list.iter()
        .enumerate()
        .map(|(i, s)| schedule_item(s, i))
        .collect::<anyhow::Result<Vec<_>>>()
        .map(Some)
}

/// One `deployments:` entry as a deployment (before command-line overrides).
fn spec_of(
    o: &Map<String, Value>,
    top_pull: Option<&Value>,
    cwd: &Path,
) -> anyhow::Result<DeploySpec> {
    let name = text(o, "name")?.ok_or_else(|| anyhow!("a deployment without a name"))?;
    let pool = object(o.get("work_pool"), "work_pool")?;
    let job_variables = object(pool.get("job_variables"), "work_pool.job_variables")?;
    let command = text(o, "command")?.or_else(|| {
        job_variables
            .get("command")
            .and_then(Value::as_str)
            .map(String::from)
    });
    let base = SpecFlags {
        name: Some(name.clone()),
        flow: text(o, "flow")?.or(text(o, "flow_name")?),
        ..Default::default()
    };
    let mut spec = match (text(o, "entrypoint")?, command) {
        (Some(e), _) => from_entrypoint(&e, &base, cwd)?,
        (None, Some(c)) => from_command(&c, &base, cwd)?,
        (None, None) => bail!("it has neither an entrypoint (file.py:function) nor a command"),
    };
    spec.job_variables.extend(job_variables);
    if let Some(p) = text(&pool, "name")? {
        spec.pool = p;
    }
    spec.queue = text(&pool, "work_queue_name")?;
    spec.parameters = object(o.get("parameters"), "parameters")?;
    if spec.entrypoint.is_none() {
        spec.parameter_schema = super::deploy_spec::schema_of_defaults(&spec.parameters);
    }
    if let Some(Value::Array(tags)) = o.get("tags") {
        spec.tags = tags
            .iter()
            .map(|t| {
                t.as_str()
                    .map(String::from)
                    .ok_or_else(|| anyhow!("tags: expected strings"))
            })
            .collect::<anyhow::Result<_>>()?;
    }
    if let Some(d) = text(o, "description")? {
        spec.description = Some(d);
    }
    if let Some(v) = text(o, "version")? {
        spec.version = Some(v);
    }
    if let Some(s) = schedules(o)? {
        spec.schedules = s;
    }
    spec.concurrency_limit = match o.get("concurrency_limit") {
        None | Some(Value::Null) => None,
        Some(Value::Number(n)) => n.as_i64(),
        Some(Value::Object(c)) => c.get("limit").and_then(Value::as_i64),
        Some(_) => bail!("concurrency_limit: expected a number"),
    };
    if let Some(c) = text(o, "catchup")? {
        if !["all", "latest", "none"].contains(&c.as_str()) {
            bail!("catchup: '{c}' is not one of all, latest, none");
        }
        spec.catchup = Some(c);
    }
    if let Some(Value::Bool(b)) = o.get("enforce_parameter_schema") {
        spec.enforce_parameter_schema = *b;
    }
    spec.pull_steps = match o.get("pull") {
        Some(v) if !v.is_null() => Some(v.clone()),
        _ => top_pull.filter(|v| !v.is_null()).cloned(),
    };
    Ok(spec)
}

/// Applies the command-line flags that were given over a deployment from the file.
pub fn apply_flags(spec: &mut DeploySpec, f: &SpecFlags) -> anyhow::Result<()> {
    if let Some(p) = &f.pool {
        spec.pool = p.clone();
    }
    if f.queue.is_some() {
        spec.queue = f.queue.clone();
    }
    let schedules = f.schedules()?;
    if !schedules.is_empty() {
        spec.schedules = schedules;
    }
    spec.parameters.extend(f.parameters()?);
    for t in &f.tags {
        if !spec.tags.contains(t) {
            spec.tags.push(t.clone());
        }
    }
    if f.description.is_some() {
        spec.description = f.description.clone();
    }
    if f.version.is_some() {
        spec.version = f.version.clone();
    }
    spec.job_variables.extend(f.job_vars()?);
    if f.concurrency_limit.is_some() {
        spec.concurrency_limit = f.concurrency_limit;
    }
    if f.catchup.is_some() {
        spec.catchup = f.catchup.clone();
    }
    Ok(())
}

/// The deployments of the project file that `names` select (every one when `names` is empty); a name matches
/// a deployment's `name` or its `flow/name`.
pub fn load(
    file: &Path,
    names: &[String],
    flags: &SpecFlags,
    cwd: &Path,
) -> anyhow::Result<Vec<DeploySpec>> {
    let doc = read_project(file)?;
    let shown = file.display();
    let entries = match doc.get("deployments") {
        Some(Value::Array(a)) => a.clone(),
        None | Some(Value::Null) => bail!("{shown} has no `deployments:` list"),
        Some(_) => bail!("{shown}: `deployments` must be a list"),
    };
    let top_pull = doc.get("pull");
    let mut specs = Vec::new();
    for (i, e) in entries.iter().enumerate() {
        let o = e
            .as_object()
            .ok_or_else(|| anyhow!("{shown}: deployments[{i}] must be a mapping"))?;
        let label = o.get("name").and_then(Value::as_str).map_or_else(
            || format!("deployments[{i}]"),
            |n| format!("deployment '{n}'"),
        );
        let mut spec = spec_of(o, top_pull, cwd).map_err(|e| anyhow!("{shown}: {label}: {e:#}"))?;
        apply_flags(&mut spec, flags).map_err(|e| anyhow!("{label}: {e:#}"))?;
        specs.push(spec);
    }
    if names.is_empty() {
        return Ok(specs);
    }
    let mut chosen = Vec::new();
    for n in names {
        let hits: Vec<&DeploySpec> = specs
            .iter()
            .filter(|s| &s.name == n || &s.full_name() == n)
            .collect();
        if hits.is_empty() {
            let have: Vec<String> = specs.iter().map(DeploySpec::full_name).collect();
            bail!(
                "no deployment '{n}' in {shown}; it has: {}",
                if have.is_empty() {
                    "none".into()
                } else {
                    have.join(", ")
                }
            );
        }
        for h in hits {
            if !chosen.contains(h) {
                chosen.push(h.clone());
            }
        }
    }
    Ok(chosen)
}
