//! `baton flow-run ls|inspect|logs [-f]|cancel|retry|why` and `baton flow ls`. A run is named by its id or
//! its name (`witty-fox`).

use super::client::{seg, Client};
use super::watch;
use crate::domain::state::name;
use crate::domain::StateType;
use crate::output::{short_time, when, Out, Paint};
use crate::wire::flow_runs::FlowRun;
use crate::wire::flows::Flow;
use crate::wire::states::{OrchestrationResult, SetState, State, StateCreate};
use serde_json::{json, Value};
use std::collections::HashMap;
use std::process::ExitCode;

/// `baton flow-run …`.
#[derive(clap::Subcommand, Debug)]
pub enum FlowRunCmd {
    /// List recent flow runs, newest first.
    Ls {
        /// Only runs of this flow.
        #[arg(long)]
        flow: Option<String>,
        /// Only runs of this deployment (FLOW/DEPLOYMENT).
        #[arg(long)]
        deployment: Option<String>,
        /// Only runs in these states (COMPLETED, FAILED, RUNNING, SCHEDULED…); repeatable.
        #[arg(long)]
        state: Vec<String>,
        /// How many.
        #[arg(long, default_value_t = 15)]
        limit: u32,
    },
    /// Show one flow run and its state history.
    Inspect { run: String },
    /// Print a run's logs; -f follows them until the run ends.
    Logs {
        run: String,
        #[arg(short = 'f', long)]
        follow: bool,
    },
    /// Cancel a run (a running process is stopped).
    Cancel { run: String },
    /// Run a finished run again.
    Retry { run: String },
    /// Resume a paused or suspended run; --input answers a run that waits for input.
    Resume {
        run: String,
        /// The answer, a JSON object (checked against the schema the run stored).
        #[arg(long, value_name = "JSON")]
        input: Option<String>,
    },
    /// Why a run has not started.
    Why { run: String },
}

/// Finds a run by id or name.
pub async fn find_run(client: &Client, arg: &str) -> anyhow::Result<FlowRun> {
    if uuid::Uuid::parse_str(arg).is_ok() {
        return match client.flow_run(arg).await {
            Err(e) if e.status() == Some(404) => Err(missing(client, arg).await),
            r => r.map_err(Into::into),
        };
    }
    let runs: Vec<FlowRun> = client
        .post("/flow_runs/filter", &json!({"flow_runs": {"name": {"any_": [arg]}}, "sort": "EXPECTED_START_TIME_DESC", "limit": 2}))
        .await?;
    match runs.len() {
        0 => Err(missing(client, arg).await),
        1 => runs
            .into_iter()
            .next()
            .ok_or_else(|| anyhow::anyhow!("vanished")),
        _ => anyhow::bail!(
            "several flow runs are named '{arg}'; use the id (see `baton flow-run ls`)"
        ),
    }
}

async fn missing(client: &Client, arg: &str) -> anyhow::Error {
    let recent: Result<Vec<FlowRun>, _> = client
        .post(
            "/flow_runs/filter",
            &json!({"sort": "EXPECTED_START_TIME_DESC", "limit": 5}),
        )
        .await;
    match recent {
        Ok(r) if r.is_empty() => {
            anyhow::anyhow!("flow run '{arg}' not found; there are no flow runs yet")
        }
        Ok(r) => {
            let names: Vec<String> = r.iter().map(|x| format!("{} ({})", x.name, x.id)).collect();
            anyhow::anyhow!(
                "flow run '{arg}' not found; recent runs: {}",
                names.join(", ")
            )
        }
        Err(e) => e.into(),
    }
}

async fn flow_names(client: &Client, runs: &[FlowRun]) -> anyhow::Result<HashMap<String, String>> {
    let ids: Vec<String> = runs.iter().map(|r| r.flow_id.clone()).collect();
    Ok(client
        .flows_by_id(&ids)
        .await?
        .into_iter()
        .map(|f| (f.id, f.name))
        .collect())
}

/// Runs `baton flow-run …`.
pub async fn run(client: &Client, out: Out, cmd: FlowRunCmd) -> anyhow::Result<ExitCode> {
    match cmd {
        FlowRunCmd::Ls {
            flow,
            deployment,
            state,
            limit,
        } => ls(client, out, flow, deployment, state, limit).await?,
        FlowRunCmd::Inspect { run } => inspect(client, out, &run).await?,
        FlowRunCmd::Logs { run, follow } => {
            let r = find_run(client, &run).await?;
            if follow && !out.json() {
                let end = watch::follow(client, out, &r.id, false).await?;
                println!("{}", watch::outcome_line(&out, &end));
            } else {
                let logs = watch::all_logs(client, &r.id).await?;
                if out.json() {
                    out.print_json(&logs)?;
                } else {
                    for l in &logs {
                        println!("{}", watch::format_log(&out, l));
                    }
                }
            }
        }
        FlowRunCmd::Cancel { run } => {
            let r = find_run(client, &run).await?;
            propose(
                client,
                out,
                &r,
                watch::proposal(StateType::Cancelling, name::CANCELLING),
                false,
                "Cancelling",
            )
            .await?;
        }
        FlowRunCmd::Retry { run } => {
            let r = find_run(client, &run).await?;
            if !watch::is_final(r.state_type.as_deref()) {
                anyhow::bail!(
                    "flow run '{}' is {}; only a finished run can be retried",
                    r.name,
                    r.state_name.as_deref().unwrap_or("without a state")
                );
            }
            let state = watch::proposal(StateType::Scheduled, name::AWAITING_RETRY)
                .message("Retried from the Baton CLI");
            propose(client, out, &r, state, true, "Retrying").await?;
        }
        FlowRunCmd::Resume { run, input } => resume(client, out, &run, input).await?,
        FlowRunCmd::Why { run } => {
            let r = find_run(client, &run).await?;
            let answer: Value = client
                .get(&format!("/baton/flow_runs/{}/why", seg(&r.id)))
                .await?;
            if out.json() {
                out.print_json(&answer)?;
            } else {
                let kind = r.state_type.clone().unwrap_or_default();
                println!(
                    "Flow run '{}' is {}:",
                    r.name,
                    out.state(&kind, r.state_name.as_deref().unwrap_or("-"))
                );
                let reasons = answer
                    .get("reasons")
                    .and_then(Value::as_array)
                    .cloned()
                    .unwrap_or_default();
                if reasons.is_empty() {
                    println!("  nothing is holding it back");
                }
                for reason in reasons {
                    let text = reason
                        .as_str()
                        .map(String::from)
                        .unwrap_or_else(|| reason.to_string());
                    println!("  - {text}");
                }
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// Resumes a paused run with an optional answer; a refusal (a bad answer) is an error with its reason.
async fn resume(client: &Client, out: Out, run: &str, input: Option<String>) -> anyhow::Result<()> {
    let r = find_run(client, run).await?;
    let answer = match input {
        Some(text) => {
            let v: Value = serde_json::from_str(&text)
                .map_err(|e| anyhow::anyhow!("--input is not JSON: {e}"))?;
            if !v.is_object() {
                anyhow::bail!("--input must be a JSON object, e.g. '{{\"approved\": true}}'");
            }
            v
        }
        None => Value::Null,
    };
    let res: OrchestrationResult = client
        .post(
            &format!("/flow_runs/{}/resume", seg(&r.id)),
            &serde_json::json!({ "run_input": answer }),
        )
        .await?;
    report(out, &r, res, "Resumed")
}

async fn propose(
    client: &Client,
    out: Out,
    r: &FlowRun,
    state: StateCreate,
    force: bool,
    doing: &str,
) -> anyhow::Result<()> {
    let res: OrchestrationResult = client
        .post(
            &format!("/flow_runs/{}/set_state", seg(&r.id)),
            &SetState {
                state,
                force,
                baton_retry: None,
            },
        )
        .await?;
    report(out, r, res, doing)
}

/// Prints the server's answer to a proposed state, or fails with its reason.
fn report(out: Out, r: &FlowRun, res: OrchestrationResult, doing: &str) -> anyhow::Result<()> {
    if out.json() {
        return out.print_json(&res);
    }
    let st = res.state.as_ref();
    let shown = st
        .map(|s| out.state(&s.kind, &s.name))
        .unwrap_or_else(|| "-".into());
    if res.status == "ACCEPT" {
        println!("{doing} flow run '{}': now {shown}", r.name);
        Ok(())
    } else {
        let why = res
            .details
            .get("reason")
            .and_then(Value::as_str)
            .unwrap_or("");
        anyhow::bail!(
            "the server refused ({}): {why} (the run is {})",
            res.status,
            st.map_or("-".to_string(), |s| s.name.clone())
        )
    }
}

async fn ls(
    client: &Client,
    out: Out,
    flow: Option<String>,
    deployment: Option<String>,
    states: Vec<String>,
    limit: u32,
) -> anyhow::Result<()> {
    let mut body = json!({"sort": "EXPECTED_START_TIME_DESC", "limit": limit.min(200)});
    if let Some(f) = flow {
        body["flows"] = json!({"name": {"any_": [f]}});
    }
    let mut runs_filter = serde_json::Map::new();
    if let Some(d) = deployment {
        let (dep, _) = super::deployment::find(client, &d).await?;
        runs_filter.insert("deployment_id".into(), json!({"any_": [dep.id]}));
    }
    if !states.is_empty() {
        let types: Vec<String> = states.iter().map(|s| s.to_uppercase()).collect();
        runs_filter.insert("state".into(), json!({"type": {"any_": types}}));
    }
    if !runs_filter.is_empty() {
        body["flow_runs"] = Value::Object(runs_filter);
    }
    let runs: Vec<FlowRun> = client.post("/flow_runs/filter", &body).await?;
    if out.json() {
        return out.print_json(&runs);
    }
    if runs.is_empty() {
        println!("No flow runs.");
        return Ok(());
    }
    let flows = flow_names(client, &runs).await?;
    let mut t = out.table(&["ID", "NAME", "FLOW", "STATE", "WHEN", "DURATION"]);
    for r in &runs {
        let kind = r.state_type.clone().unwrap_or_default();
        let at = r.start_time.as_deref().or(r.expected_start_time.as_deref());
        let duration = if r.total_run_time > 0.0 {
            crate::output::human_duration(r.total_run_time)
        } else {
            "-".into()
        };
        t.add_row(vec![
            out.cell(&r.id, None),
            out.cell(&r.name, Some(Paint::Bold)),
            out.cell(flows.get(&r.flow_id).map_or("-", String::as_str), None),
            out.cell(
                r.state_name.as_deref().unwrap_or("-"),
                Some(crate::output::state_paint(&kind)),
            ),
            out.cell(&short_time(at), None),
            out.cell(&duration, None),
        ]);
    }
    println!("{t}");
    Ok(())
}

async fn inspect(client: &Client, out: Out, arg: &str) -> anyhow::Result<()> {
    let r = find_run(client, arg).await?;
    let states: Vec<State> = client
        .get(&format!("/flow_run_states/?flow_run_id={}", seg(&r.id)))
        .await?;
    if out.json() {
        return out.print_json(&json!({"flow_run": r, "states": states}));
    }
    let flow: Option<Flow> = client
        .get(&format!("/flows/{}", seg(&r.flow_id)))
        .await
        .ok();
    let kind = r.state_type.clone().unwrap_or_default();
    out.heading(&format!("Flow run '{}'", r.name));
    let opt = |v: &Option<String>| v.clone().unwrap_or_else(|| "-".into());
    let mut rows = vec![
        ("id", r.id.clone()),
        ("flow", flow.map_or_else(|| r.flow_id.clone(), |f| f.name)),
        (
            "state",
            out.state(&kind, r.state_name.as_deref().unwrap_or("-")),
        ),
        ("deployment id", opt(&r.deployment_id)),
        ("work pool", opt(&r.work_pool_name)),
        (
            "parameters",
            Value::Object(r.parameters.clone()).to_string(),
        ),
        ("expected start", when(r.expected_start_time.as_deref())),
        ("started", when(r.start_time.as_deref())),
        ("ended", when(r.end_time.as_deref())),
        ("run time", crate::output::human_duration(r.total_run_time)),
        ("run count", r.run_count.to_string()),
    ];
    if !r.tags.is_empty() {
        rows.push(("tags", r.tags.join(", ")));
    }
    if let Some(m) = r
        .state
        .as_ref()
        .and_then(|s| s.message.clone())
        .filter(|m| !m.is_empty())
    {
        rows.push(("message", m));
    }
    out.fields(&rows);
    out.heading("States:");
    for s in &states {
        let msg = s
            .message
            .clone()
            .filter(|m| !m.is_empty())
            .map(|m| format!("  {m}"))
            .unwrap_or_default();
        println!(
            "  {}  {}{msg}",
            short_time(Some(&s.timestamp)),
            out.state(&s.kind, &s.name)
        );
    }
    Ok(())
}
