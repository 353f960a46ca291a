//! `baton deployment ls|inspect|run|delete|pause|resume` (and `schedule …`, in `schedule.rs`). Deployments are
//! named `FLOW/DEPLOYMENT`; a bare deployment name works when it is unique. A name that is not found is
//! answered with the names that exist.

use super::client::{Client, ClientError};
use super::params::{duration_secs, key_values, parse_when};
use super::schedule::ScheduleCmd;
use super::watch;
use crate::domain::state::name;
use crate::domain::StateType;
use crate::output::{Out, Paint};
use crate::wire::deployments::Deployment;
use crate::wire::flow_runs::{DeploymentFlowRunCreate, FlowRun};
use crate::wire::states::StateDetails;
use chrono::Utc;
use serde_json::{json, Value};
use std::collections::HashMap;
use std::process::ExitCode;

/// `baton deployment …`.
#[derive(clap::Subcommand, Debug)]
pub enum DeploymentCmd {
    /// List deployments.
    Ls,
    /// Show one deployment.
    Inspect { name: String },
    /// Create a flow run of a deployment (now, later, and optionally watch it).
    Run(RunArgs),
    /// Execute one flow run here, in the foreground, with no worker.
    Execute(super::execute::ExecuteArgs),
    /// Delete a deployment (its runs stay).
    Delete { name: String },
    /// Pause a deployment: its schedules create no runs until resumed.
    Pause { name: String },
    /// Resume a paused deployment.
    Resume { name: String },
    /// A deployment's schedules.
    Schedule {
        #[command(subcommand)]
        cmd: ScheduleCmd,
    },
}

/// `baton deployment run` arguments.
#[derive(clap::Args, Debug)]
pub struct RunArgs {
    /// FLOW/DEPLOYMENT.
    pub name: String,
    /// A parameter, key=value (the value is JSON when it parses, else a string); repeatable.
    #[arg(long = "param", value_name = "KEY=VALUE")]
    pub param: Vec<String>,
    /// Parameters as a JSON object.
    #[arg(long = "params", value_name = "JSON")]
    pub params: Option<String>,
    /// Start after this long (30s, 10m, 1h30m).
    #[arg(long, conflicts_with = "start_at")]
    pub start_in: Option<String>,
    /// Start at this time (2026-01-02 14:30, 14:30, or RFC 3339).
    #[arg(long)]
    pub start_at: Option<String>,
    /// Follow the run's states and logs; exit 0 if it completes, 1 otherwise.
    #[arg(long, short = 'w')]
    pub watch: bool,
    /// A tag for the run; repeatable.
    #[arg(long = "tag", short = 't')]
    pub tags: Vec<String>,
    /// A job variable for this run, key=value; repeatable.
    #[arg(long = "job-variable", short = 'j', value_name = "KEY=VALUE")]
    pub job_variables: Vec<String>,
}

/// `flow/deployment` for each deployment id.
pub async fn full_names(
    client: &Client,
    ds: &[Deployment],
) -> anyhow::Result<HashMap<String, String>> {
    let ids: Vec<String> = ds.iter().map(|d| d.flow_id.clone()).collect();
    let flows: HashMap<String, String> = client
        .flows_by_id(&ids)
        .await?
        .into_iter()
        .map(|f| (f.id, f.name))
        .collect();
    Ok(ds
        .iter()
        .map(|d| {
            let flow = flows
                .get(&d.flow_id)
                .cloned()
                .unwrap_or_else(|| d.flow_id.clone());
            (d.id.clone(), format!("{flow}/{}", d.name))
        })
        .collect())
}

async fn not_found(client: &Client, what: &str) -> anyhow::Error {
    let ds = match client.deployments().await {
        Ok(ds) => ds,
        Err(e) => return e.into(),
    };
    if ds.is_empty() {
        return anyhow::anyhow!("deployment '{what}' not found: there are no deployments yet; create one with `baton deploy`");
    }
    let mut names: Vec<String> = match full_names(client, &ds).await {
        Ok(n) => n.into_values().collect(),
        Err(e) => return e,
    };
    names.sort();
    anyhow::anyhow!(
        "deployment '{what}' not found; existing deployments: {}",
        names.join(", ")
    )
}

/// Finds a deployment by `FLOW/DEPLOYMENT` (or a unique bare name); returns it with its full name.
pub async fn find(client: &Client, name: &str) -> anyhow::Result<(Deployment, String)> {
    if let Some((flow, dep)) = name.split_once('/') {
        return match client.deployment_by_name(flow, dep).await {
            Ok(d) => Ok((d, name.to_string())),
            Err(ClientError::Api { status: 404, .. }) => Err(not_found(client, name).await),
            Err(e) => Err(e.into()),
        };
    }
    let ds: Vec<Deployment> = client
        .post(
            "/deployments/filter",
            &json!({"deployments": {"name": {"any_": [name]}}}),
        )
        .await?;
    let names = full_names(client, &ds).await?;
    match ds.as_slice() {
        [one] => {
            let full = names
                .get(&one.id)
                .cloned()
                .unwrap_or_else(|| name.to_string());
            Ok((
                ds.into_iter()
                    .next()
                    .ok_or_else(|| anyhow::anyhow!("vanished"))?,
                full,
            ))
        }
        [] => Err(not_found(client, name).await),
        _ => {
            let mut n: Vec<String> = names.into_values().collect();
            n.sort();
            anyhow::bail!(
                "'{name}' names several deployments; say which: {}",
                n.join(", ")
            )
        }
    }
}

/// Runs `baton deployment …`.
pub async fn run(client: &Client, out: Out, cmd: DeploymentCmd) -> anyhow::Result<ExitCode> {
    match cmd {
        DeploymentCmd::Ls => super::deployment_view::ls(client, out).await?,
        DeploymentCmd::Inspect { name } => {
            let (d, full) = find(client, &name).await?;
            if out.json() {
                out.print_json(&d)?;
            } else {
                let catchup: Option<Value> = client
                    .get(&format!("/baton/deployments/{}/catchup", d.id))
                    .await
                    .ok();
                let catchup = catchup.as_ref().and_then(|c| c["catchup"].as_str());
                super::deployment_view::inspect(out, &d, &full, catchup);
            }
        }
        DeploymentCmd::Run(a) => return run_deployment(client, out, a).await,
        DeploymentCmd::Execute(a) => return super::execute::run(client, out, a).await,
        DeploymentCmd::Delete { name } => {
            let (d, full) = find(client, &name).await?;
            client.delete(&format!("/deployments/{}", d.id)).await?;
            println!("Deleted deployment '{full}'");
        }
        DeploymentCmd::Pause { name } => set_paused(client, &name, true).await?,
        DeploymentCmd::Resume { name } => set_paused(client, &name, false).await?,
        DeploymentCmd::Schedule { cmd } => super::schedule::run(client, out, cmd).await?,
    }
    Ok(ExitCode::SUCCESS)
}

async fn set_paused(client: &Client, name: &str, paused: bool) -> anyhow::Result<()> {
    let (d, full) = find(client, name).await?;
    let action = if paused {
        "pause_deployment"
    } else {
        "resume_deployment"
    };
    client
        .post_unit(&format!("/deployments/{}/{action}", d.id), &json!({}))
        .await?;
    if paused {
        println!("Paused deployment '{full}': its schedules create no runs until `baton deployment resume '{full}'`");
    } else {
        println!("Resumed deployment '{full}'");
    }
    Ok(())
}

async fn run_deployment(client: &Client, out: Out, a: RunArgs) -> anyhow::Result<ExitCode> {
    let parameters = key_values(a.params.as_deref(), &a.param, "param")?;
    let job_variables = key_values(None, &a.job_variables, "job-variable")?;
    let now = Utc::now();
    let start = match (&a.start_in, &a.start_at) {
        (Some(d), _) => now + chrono::Duration::milliseconds((duration_secs(d)? * 1000.0) as i64),
        (None, Some(t)) => parse_when(t, now)?,
        (None, None) => now,
    };
    let (d, full) = find(client, &a.name).await?;
    let mut state = watch::proposal(StateType::Scheduled, name::SCHEDULED);
    state.state_details = Some(StateDetails {
        scheduled_time: Some(start.to_rfc3339_opts(chrono::SecondsFormat::Micros, true)),
        ..StateDetails::default()
    });
    let body = DeploymentFlowRunCreate {
        state: Some(state),
        parameters: Some(parameters),
        tags: Some(a.tags),
        job_variables: Some(job_variables),
        ..DeploymentFlowRunCreate::default()
    };
    let run: FlowRun = client
        .post(&format!("/deployments/{}/create_flow_run", d.id), &body)
        .await
        .map_err(|e| anyhow::anyhow!("cannot run '{full}': {e}"))?;
    if !a.watch {
        if out.json() {
            out.print_json(&run)?;
        } else {
            let when = if start > now + chrono::Duration::seconds(1) {
                crate::output::when(run.expected_start_time.as_deref())
            } else {
                "now".into()
            };
            println!(
                "Created flow run {} of '{full}', starting {when}",
                out.paint(&format!("'{}'", run.name), Paint::Bold)
            );
            out.fields(&[("id", run.id.clone())]);
            println!(
                "Follow it with: {}",
                out.paint(&format!("baton flow-run logs -f {}", run.id), Paint::Cyan)
            );
        }
        return Ok(ExitCode::SUCCESS);
    }
    if !out.json() {
        println!(
            "Created flow run {} of '{full}' ({}); watching it (Ctrl-C stops watching, not the run)",
            out.paint(&format!("'{}'", run.name), Paint::Bold),
            run.id
        );
    }
    let end = if out.json() {
        watch::wait(client, &run.id).await?
    } else {
        watch::follow(client, out, &run.id, true).await?
    };
    if out.json() {
        out.print_json(&end)?;
    } else {
        println!("{}", watch::outcome_line(&out, &end));
    }
    Ok(
        if end.state_type.as_deref() == Some(StateType::Completed.as_str()) {
            ExitCode::SUCCESS
        } else {
            ExitCode::FAILURE
        },
    )
}
