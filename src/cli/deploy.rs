//! `baton deploy`: a Python function (`file.py:function`), a command (`--command … --flow NAME`), or the
//! deployments of `baton.yaml` / `prefect.yaml` (`--all`, or by name). Each deployment is created or updated
//! in place (the server upserts by flow and name); the output says what was deployed and how to run it.

use super::client::{is_not_found, seg, Client};
use super::deploy_spec::{from_command, from_entrypoint, DeploySpec, SpecFlags};
use super::params::describe_schedule;
use super::{deploy_yaml, usage, wizard};
use crate::output::{Out, Paint};
use crate::wire::deployments::Deployment;
use crate::wire::flows::{Flow, FlowCreate};
use serde_json::{json, Value};
use std::io::IsTerminal;
use std::path::PathBuf;

/// `baton deploy` arguments.
#[derive(clap::Args, Debug)]
pub struct DeployArgs {
    /// `path/to/file.py:function` to deploy, or names of deployments in baton.yaml / prefect.yaml.
    pub targets: Vec<String>,
    /// Deploy every deployment in baton.yaml (or prefect.yaml).
    #[arg(long)]
    pub all: bool,
    /// The project file to read (default: ./baton.yaml, else ./prefect.yaml).
    #[arg(long, value_name = "PATH")]
    pub file: Option<PathBuf>,
    #[command(flatten)]
    pub spec: SpecFlags,
}

/// What `baton deploy` was asked to do.
enum Plan {
    Entrypoint(String),
    Command(String),
    Project(Vec<String>),
    Wizard,
}

fn plan(a: &DeployArgs, cwd: &std::path::Path) -> anyhow::Result<Plan> {
    let is_entrypoint = |t: &String| t.contains(':') || t.ends_with(".py");
    if a.all {
        if !a.targets.is_empty() {
            return Err(usage(
                "--all deploys every deployment of the project file; give either --all or names",
            ));
        }
        return Ok(Plan::Project(Vec::new()));
    }
    if let Some(c) = &a.spec.command {
        if !a.targets.is_empty() {
            return Err(usage(
                "--command deploys a command; do not also give an entrypoint or names",
            ));
        }
        return Ok(Plan::Command(c.clone()));
    }
    match a.targets.as_slice() {
        [one] if is_entrypoint(one) => Ok(Plan::Entrypoint(one.clone())),
        many if many.iter().any(is_entrypoint) => Err(usage(
            "deploy one entrypoint (file.py:function) at a time, or names from baton.yaml",
        )),
        [] => match &a.spec.name {
            Some(n) if deploy_yaml::project_file(a.file.as_deref(), cwd).is_ok() => {
                Ok(Plan::Project(vec![n.clone()]))
            }
            _ => Ok(Plan::Wizard),
        },
        names => Ok(Plan::Project(names.to_vec())),
    }
}

/// Runs `baton deploy`.
pub async fn run(client: &Client, out: Out, a: DeployArgs) -> anyhow::Result<()> {
    let cwd = std::env::current_dir()?;
    let specs = match plan(&a, &cwd)? {
        Plan::Entrypoint(e) => vec![from_entrypoint(&e, &a.spec, &cwd)?],
        Plan::Command(c) => vec![from_command(&c, &a.spec, &cwd)?],
        Plan::Project(names) => {
            let file = deploy_yaml::project_file(a.file.as_deref(), &cwd)?;
            deploy_yaml::load(&file, &names, &a.spec, &cwd)?
        }
        Plan::Wizard => {
            if !(std::io::stdin().is_terminal() && std::io::stdout().is_terminal()) {
                return Err(usage(
                    "nothing to deploy: give an entrypoint and a name (`baton deploy flows/etl.py:etl -n nightly`), \
                     a command (`baton deploy --command \"./job.sh\" --flow job -n nightly`), or --all to read baton.yaml",
                ));
            }
            vec![wizard::ask(&a.spec, &cwd)?]
        }
    };
    let mut done = Vec::new();
    for spec in &specs {
        let (d, created) = push(client, spec).await?;
        if !out.json() {
            report(client, out, spec, &d, created).await;
        }
        done.push(d);
    }
    if out.json() {
        out.print_json(&done)?;
    }
    Ok(())
}

/// Creates or updates one deployment; `true` when it is new.
pub async fn push(client: &Client, spec: &DeploySpec) -> anyhow::Result<(Deployment, bool)> {
    check_pool(client, &spec.pool).await?;
    let flow: Flow = client
        .post(
            "/flows/",
            &FlowCreate {
                name: spec.flow_name.clone(),
                tags: Vec::new(),
                labels: None,
            },
        )
        .await?;
    let existed = match client.deployment_by_name(&spec.flow_name, &spec.name).await {
        Ok(_) => true,
        Err(e) if e.status() == Some(404) => false,
        Err(e) => return Err(e.into()),
    };
    let body = serde_json::to_value(spec.body(&flow.id)?)?;
    let d: Deployment = client
        .post("/deployments/", &body)
        .await
        .map_err(|e| anyhow::anyhow!("deploying {}: {e}", spec.full_name()))?;
    if let Some(c) = &spec.catchup {
        let path = format!("/baton/deployments/{}/catchup", d.id);
        client
            .send(reqwest::Method::PUT, &path, Some(&json!({"catchup": c})))
            .await
            .map_err(|e| anyhow::anyhow!("setting catchup of {}: {e}", spec.full_name()))?;
    }
    Ok((d, !existed))
}

/// Fails with the existing pools when `pool` does not exist.
pub async fn check_pool(client: &Client, pool: &str) -> anyhow::Result<()> {
    let r: Result<Value, _> = client.get(&format!("/work_pools/{}", seg(pool))).await;
    match r {
        Ok(_) => Ok(()),
        Err(e) => {
            let e = anyhow::Error::from(e);
            if !is_not_found(&e) {
                return Err(e);
            }
            let names: Vec<String> = client
                .work_pools()
                .await?
                .into_iter()
                .map(|p| p.name)
                .collect();
            anyhow::bail!(
                "work pool '{pool}' not found; existing pools: {}. Create it with `baton work-pool create {pool}`",
                names.join(", ")
            )
        }
    }
}

async fn report(client: &Client, out: Out, spec: &DeploySpec, d: &Deployment, created: bool) {
    let full = spec.full_name();
    let verb = if created { "Created" } else { "Updated" };
    println!(
        "{} deployment {} in work pool '{}'",
        out.paint(verb, Paint::Green),
        out.paint(&format!("'{full}'"), Paint::Bold),
        spec.pool
    );
    let what = match (&spec.entrypoint, spec.job_variables.get("command")) {
        (Some(e), _) => format!("{e} (in {})", spec.path),
        (None, Some(Value::String(c))) => format!("command {c:?} (in {})", spec.path),
        _ => "-".into(),
    };
    let mut rows = vec![("runs", what), ("id", d.id.clone())];
    if let (Some(_), Some(Value::String(p))) = (&spec.entrypoint, spec.job_variables.get("python"))
    {
        rows.push(("python", p.clone()));
    }
    if d.schedules.is_empty() {
        rows.push(("schedule", "none (runs only when asked)".into()));
    }
    for s in &d.schedules {
        rows.push(("schedule", describe_schedule(&s.schedule)));
    }
    if !spec.parameters.is_empty() {
        rows.push((
            "parameters",
            Value::Object(spec.parameters.clone()).to_string(),
        ));
    }
    out.fields(&rows);
    let q = if full.contains(' ') || full.contains('\'') {
        format!("{full:?}")
    } else {
        format!("'{full}'")
    };
    println!(
        "Run it with: {}",
        out.paint(&format!("baton deployment run {q}"), Paint::Cyan)
    );
    if let Some(hint) = worker_hint(client, &spec.pool).await {
        println!("{}", out.paint(&hint, Paint::Yellow));
    }
}

/// Advice when no worker serves the pool.
async fn worker_hint(client: &Client, pool: &str) -> Option<String> {
    let workers: Vec<Value> = client
        .post(
            &format!("/work_pools/{}/workers/filter", seg(pool)),
            &json!({"workers": {"status": {"any_": ["ONLINE"]}}}),
        )
        .await
        .ok()?;
    let online = workers
        .iter()
        .any(|w| w.get("status").and_then(Value::as_str) == Some("ONLINE"));
    (!online).then(|| {
        format!("No worker is polling work pool '{pool}' yet; start one with `baton worker start --pool {pool}`")
    })
}
