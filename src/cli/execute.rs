//! `baton deployment execute FLOW/DEP`: one flow run of a deployment executed here, in the foreground, with
//! no worker. The run is created already PENDING (claimed by this command, so no worker picks it up), then
//! the worker's own execution code runs it through a one-run transport over HTTP: the same planning,
//! process group, logs and states as `baton worker start`. Ctrl-C cancels the run.

use super::client::{seg, Client};
use super::deployment::find;
use super::params::key_values;
use super::watch;
use crate::domain::log::Log;
use crate::domain::state::name;
use crate::domain::{Doc, StateType};
use crate::output::{Out, Paint};
use crate::wire::flow_runs::{DeploymentFlowRunCreate, FlowRun};
use crate::wire::states::SetState;
use crate::worker::http::Http;
use crate::worker::transport::{Answer, DeploymentInfo, Ticket, Transport};

use std::process::ExitCode;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio_util::sync::CancellationToken;
use uuid::Uuid;

/// `baton deployment execute` arguments.
#[derive(clap::Args, Debug)]
pub struct ExecuteArgs {
    /// FLOW/DEPLOYMENT.
    pub name: String,
    /// A parameter, key=value (the value is JSON when it parses, else a string); repeatable.
    #[arg(long = "param", value_name = "KEY=VALUE")]
    pub param: Vec<String>,
    /// Parameters as a JSON object.
    #[arg(long = "params", value_name = "JSON")]
    pub params: Option<String>,
    /// A job variable for this run, key=value; repeatable.
    #[arg(long = "job-variable", short = 'j', value_name = "KEY=VALUE")]
    pub job_variables: Vec<String>,
}

/// A transport that hands out one run, already claimed, and otherwise talks HTTP like `baton worker start`.
struct OneRun {
    http: Http,
    ticket: Mutex<Option<Ticket>>,
    claimed: Mutex<bool>,
}

impl Transport for OneRun {
    async fn poll(&self, _limit: usize) -> anyhow::Result<Vec<Ticket>> {
        Ok(self
            .ticket
            .lock()
            .ok()
            .and_then(|mut t| t.take())
            .into_iter()
            .collect())
    }

    async fn propose(
        &self,
        run: Uuid,
        kind: StateType,
        name: Option<String>,
        message: Option<String>,
        force: bool,
    ) -> anyhow::Result<Answer> {
        let first_claim = kind == StateType::Pending
            && self
                .claimed
                .lock()
                .is_ok_and(|mut c| !std::mem::replace(&mut *c, true));
        if first_claim {
            return Ok(Answer::Accepted(StateType::Pending));
        }
        self.http.propose(run, kind, name, message, force).await
    }

    async fn attach(&self, run: Uuid, pid: Option<u32>, labels: Doc) -> anyhow::Result<()> {
        self.http.attach(run, pid, labels).await
    }

    async fn state_of(&self, run: Uuid) -> anyhow::Result<Option<StateType>> {
        self.http.state_of(run).await
    }

    async fn deployment(&self, id: Uuid) -> anyhow::Result<Option<DeploymentInfo>> {
        self.http.deployment(id).await
    }

    async fn flow_name(&self, id: Uuid) -> anyhow::Result<String> {
        self.http.flow_name(id).await
    }

    async fn block_data(&self, slug: &str, name: &str) -> anyhow::Result<Option<Doc>> {
        self.http.block_data(slug, name).await
    }

    async fn variable(&self, name: &str) -> anyhow::Result<Option<serde_json::Value>> {
        self.http.variable(name).await
    }

    async fn send_logs(&self, logs: Vec<Log>) -> anyhow::Result<()> {
        self.http.send_logs(logs).await
    }

    async fn heartbeat(&self) -> anyhow::Result<()> {
        self.http.heartbeat().await
    }

    async fn cancelling(&self, runs: Vec<Uuid>) -> anyhow::Result<Vec<Uuid>> {
        self.http.cancelling(runs).await
    }

    async fn cancel_signal(&self) {
        tokio::time::sleep(Duration::from_millis(500)).await;
    }

    async fn idle(&self, stop: &CancellationToken) {
        stop.cancelled().await;
    }
}

fn uuid(s: &str) -> anyhow::Result<Uuid> {
    s.parse()
        .map_err(|_| anyhow::anyhow!("the server sent an invalid id '{s}'"))
}

/// Runs `baton deployment execute`.
pub async fn run(client: &Client, out: Out, a: ExecuteArgs) -> anyhow::Result<ExitCode> {
    let parameters = key_values(a.params.as_deref(), &a.param, "param")?;
    let job_variables = key_values(None, &a.job_variables, "job-variable")?;
    let (d, full) = find(client, &a.name).await?;
    let pool = d.work_pool_name.clone().unwrap_or_else(|| "default".into());
    let body = DeploymentFlowRunCreate {
        state: Some(
            watch::proposal(StateType::Pending, name::PENDING)
                .message("Executed by `baton deployment execute`"),
        ),
        parameters: Some(parameters),
        job_variables: Some(job_variables),
        ..DeploymentFlowRunCreate::default()
    };
    let run: FlowRun = client
        .post(&format!("/deployments/{}/create_flow_run", d.id), &body)
        .await
        .map_err(|e| anyhow::anyhow!("cannot run '{full}': {e}"))?;
    let host = std::env::var("HOSTNAME").unwrap_or_else(|_| "local".into());
    let name = format!("baton-execute-{host}-{}", std::process::id());
    let mut http = Http::new(
        &client.base,
        pool.clone(),
        Vec::new(),
        name.clone(),
        Duration::from_secs(1),
    )?;
    http.heartbeat_seconds = 10;
    let ticket = Ticket {
        id: uuid(&run.id)?,
        name: run.name.clone(),
        flow_id: uuid(&run.flow_id)?,
        deployment_id: Some(uuid(&d.id)?),
        parameters: run.parameters.clone(),
        job_variables: run.job_variables.clone().unwrap_or_default(),
    };
    let transport = Arc::new(OneRun {
        http,
        ticket: Mutex::new(Some(ticket)),
        claimed: Mutex::new(false),
    });
    let cfg = crate::worker::WorkerConfig {
        name: name.clone(),
        pool: pool.clone(),
        queues: Vec::new(),
        limit: 1,
        api_url: client.base.clone(),
        auth: crate::config::client_auth(),
        base_dir: std::env::current_dir()?,
        cancel_grace: Duration::from_secs(5),
        heartbeat_every: Duration::from_secs(10),
        python: crate::worker::python::checked_option(std::env::var("BATON_PYTHON").ok())?,
    };
    if !out.json() {
        println!(
            "Executing flow run {} of '{full}' here ({}); Ctrl-C cancels it",
            out.paint(&format!("'{}'", run.name), Paint::Bold),
            run.id
        );
    }
    let stop = CancellationToken::new();
    let worker = tokio::spawn(crate::worker::run(transport, cfg, stop.clone()));
    let follow = async {
        if out.json() {
            watch::wait(client, &run.id).await
        } else {
            watch::follow(client, out, &run.id, true).await
        }
    };
    tokio::pin!(follow);
    let end = loop {
        tokio::select! {
            end = &mut follow => break end,
            _ = tokio::signal::ctrl_c() => {
                let cancel = SetState {
                    state: watch::proposal(StateType::Cancelling, name::CANCELLING),
                    force: false,
                    baton_retry: None,
                };
                let _ = client.post_unit(&format!("/flow_runs/{}/set_state", run.id), &cancel).await;
            }
        }
    };
    stop.cancel();
    let _ = worker.await;
    let worker_path = format!("/work_pools/{}/workers/{}", seg(&pool), seg(&name));
    let _ = client.delete(&worker_path).await;
    let end = end?;
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
