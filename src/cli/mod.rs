//! Baton's command line: the clap tree and the client commands. Every command here except `serve`, `worker
//! start`, `seed` and the database commands (which `main.rs` runs) is a client of the HTTP API only; it never
//! opens the database. The API URL is `--api`, else `BATON_API_URL`, else `PREFECT_API_URL`, else
//! `http://127.0.0.1:4200/api`. Errors print one line and exit 1; usage errors exit 2.

mod automation;
mod block;
pub mod client;
mod concurrency;
mod db_args;
mod deploy;
mod deploy_spec;
mod deploy_yaml;
mod deployment;
mod deployment_view;
mod execute;
mod flow;
mod flow_run;
mod params;
mod pylex;
mod pyschema;
mod pysource;
mod schedule;
mod variable;
mod watch;
mod wizard;
mod work_pool;

#[cfg(test)]
mod py_tests;

pub use db_args::{BackupArgs, DbCmd, RestoreArgs};

use crate::output::{Format, Out, Paint};
use clap::{CommandFactory, Parser, Subcommand};
use std::net::IpAddr;
use std::path::PathBuf;
use std::process::ExitCode;

/// The command line.
#[derive(Parser, Debug)]
#[command(
    name = "baton",
    version,
    about = "A workflow orchestration server that speaks Prefect 3's API, and its command line"
)]
pub struct Cli {
    /// The server's API URL [default: $PREFECT_API_URL, else http://127.0.0.1:4200/api]
    #[arg(long, global = true, env = "BATON_API_URL", value_name = "URL")]
    pub api: Option<String>,
    /// How to print results.
    #[arg(long, short = 'o', global = true, value_enum, default_value_t)]
    pub output: Format,
    #[command(subcommand)]
    pub command: Command,
}

/// The commands.
#[derive(Subcommand, Debug)]
pub enum Command {
    /// Start the server: API, scheduler, worker and dashboard in one process.
    Serve(ServeArgs),
    /// Print Baton's version, and the server's when it is reachable.
    Version,
    /// Deploy a Python function, a command, or the deployments of baton.yaml / prefect.yaml.
    Deploy(Box<deploy::DeployArgs>),
    /// Deployments: ls, inspect, run, delete, pause, resume, schedule.
    Deployment {
        #[command(subcommand)]
        cmd: deployment::DeploymentCmd,
    },
    /// Flow runs: ls, inspect, logs, cancel, retry, why.
    FlowRun {
        #[command(subcommand)]
        cmd: flow_run::FlowRunCmd,
    },
    /// Flows: ls.
    Flow {
        #[command(subcommand)]
        cmd: flow::FlowCmd,
    },
    /// Work pools: create, ls, inspect, pause, resume, delete.
    WorkPool {
        #[command(subcommand)]
        cmd: work_pool::WorkPoolCmd,
    },
    /// Work queues of a pool: ls, create, pause, resume, delete.
    WorkQueue {
        #[command(subcommand)]
        cmd: work_pool::WorkQueueCmd,
    },
    /// Fill a data dir with synthetic flow runs and log lines, for benchmarks and demos.
    Seed(SeedArgs),
    /// Saved blocks (configuration and secrets): ls, inspect, delete, type ls.
    Block {
        #[command(subcommand)]
        cmd: block::BlockCmd,
    },
    /// Concurrency and rate limits (global, tag and deployment): ls, inspect, create, update, reset, delete.
    Concurrency {
        #[command(subcommand)]
        cmd: concurrency::ConcurrencyCmd,
    },
    /// Automations ("when this happens, do that"): ls, inspect, pause, resume, delete.
    Automation {
        #[command(subcommand)]
        cmd: automation::AutomationCmd,
    },
    /// Events: ls [--name PREFIX] [--follow].
    Event {
        #[command(subcommand)]
        cmd: automation::EventCmd,
    },
    /// Variables: ls, get, set, unset.
    Variable {
        #[command(subcommand)]
        cmd: variable::VariableCmd,
    },
    /// Workers that run a pool's flow runs on this machine.
    Worker {
        #[command(subcommand)]
        command: WorkerCommand,
    },
    /// The database of a data dir: stats, vacuum.
    Db {
        #[command(subcommand)]
        cmd: DbCmd,
    },
    /// Copy the database to FILE as one consistent snapshot (while the server runs, too).
    Backup(BackupArgs),
    /// Replace a data dir's database with a backup (the server must be stopped).
    Restore(RestoreArgs),
    /// Print a shell completion script (bash, zsh, fish, elvish, powershell).
    Completions { shell: clap_complete::Shell },
}

/// `baton serve` arguments.
#[derive(clap::Args, Debug)]
pub struct ServeArgs {
    /// Address to bind (loopback by default).
    #[arg(long, default_value = "127.0.0.1")]
    pub host: IpAddr,
    /// Port to listen on (0 picks a free one).
    #[arg(long, default_value_t = 4200)]
    pub port: u16,
    /// Data directory (default: $BATON_HOME, else the platform data dir).
    #[arg(long)]
    pub home: Option<PathBuf>,
    /// Work pools the in-process worker serves (repeatable; default: "default").
    #[arg(long = "pool")]
    pub pools: Vec<String>,
    /// Run no in-process worker (runs then wait for `baton worker start` or a Prefect worker).
    #[arg(long)]
    pub no_worker: bool,
    /// How many runs the in-process worker runs at once.
    #[arg(long, default_value_t = 8)]
    pub limit: usize,
    /// The Python for flows that name none (no `python` job variable, no .venv/venv in the project);
    /// before $VIRTUAL_ENV and python3 on the PATH.
    #[arg(long, env = "BATON_PYTHON", value_name = "PATH")]
    pub python: Option<String>,
    /// Require HTTP basic auth `user:pass` on every route (also $PREFECT_SERVER_API_AUTH_STRING).
    #[arg(
        long,
        env = "BATON_AUTH_STRING",
        hide_env_values = true,
        value_name = "USER:PASS"
    )]
    pub auth: Option<String>,
    /// Days to keep finished flow runs (with their logs, task runs and artifacts); 0 keeps them forever.
    #[arg(
        long,
        env = "BATON_KEEP_FLOW_RUNS_DAYS",
        default_value_t = 90,
        value_name = "DAYS"
    )]
    pub keep_flow_runs_days: u32,
    /// Days to keep log lines; 0 keeps them forever.
    #[arg(
        long,
        env = "BATON_KEEP_LOGS_DAYS",
        default_value_t = 30,
        value_name = "DAYS"
    )]
    pub keep_logs_days: u32,
    /// Days to keep events; 0 keeps them forever.
    #[arg(
        long,
        env = "BATON_KEEP_EVENTS_DAYS",
        default_value_t = 7,
        value_name = "DAYS"
    )]
    pub keep_events_days: u32,
    /// The file holding the key block data is encrypted with (created on first start, mode 0600);
    /// replicas on one database share it. Default: `secrets.key` in the data dir.
    #[arg(long, env = "BATON_SECRETS_KEY_FILE", value_name = "PATH")]
    pub secrets_key_file: Option<PathBuf>,
    /// Keep the data in PostgreSQL (`postgresql://user:pass@host:5432/db`, also Prefect's
    /// `postgresql+asyncpg://` form and $PREFECT_API_DATABASE_CONNECTION_URL) instead of the SQLite file in the
    /// data dir. Several servers may share one database.
    #[arg(
        long,
        env = "BATON_DATABASE_URL",
        hide_env_values = true,
        value_name = "URL"
    )]
    pub database: Option<String>,
}

/// `baton seed` arguments.
#[derive(clap::Args, Debug)]
pub struct SeedArgs {
    /// Data directory (default: $BATON_HOME, else the platform data dir).
    #[arg(long)]
    pub home: Option<PathBuf>,
    /// How many flow runs to write.
    #[arg(long, default_value_t = 100_000)]
    pub runs: usize,
    /// How many log lines to write, spread over the runs.
    #[arg(long, default_value_t = 1_000_000)]
    pub logs: usize,
    /// The runs' expected starts spread over this many past days.
    #[arg(long, default_value_t = 7)]
    pub days: i64,
}

/// `baton worker …`.
#[derive(Subcommand, Debug)]
pub enum WorkerCommand {
    /// Poll a work pool over HTTP and run its flow runs here until interrupted.
    Start(WorkerStartArgs),
}

/// `baton worker start` arguments.
#[derive(clap::Args, Debug)]
pub struct WorkerStartArgs {
    /// The work pool to serve.
    #[arg(long, short = 'p')]
    pub pool: String,
    /// Only these queues of the pool (repeatable; default: all).
    #[arg(long = "queue", short = 'q')]
    pub queues: Vec<String>,
    /// How many runs at once.
    #[arg(long, default_value_t = 4)]
    pub limit: usize,
    /// The worker's name (default: baton-worker-<pid>).
    #[arg(long, short = 'n')]
    pub name: Option<String>,
    /// Seconds between polls.
    #[arg(long, default_value_t = 2.0)]
    pub poll_seconds: f64,
    /// Seconds between heartbeats (the server counts the worker offline after three missed).
    #[arg(long, default_value_t = 30)]
    pub heartbeat_seconds: u64,
    /// The Python for flows that name none (no `python` job variable, no .venv/venv in the project);
    /// before $VIRTUAL_ENV and python3 on the PATH.
    #[arg(long, env = "BATON_PYTHON", value_name = "PATH")]
    pub python: Option<String>,
}

/// A mistake in how the command was called (exit code 2).
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct UsageError(pub String);

/// A usage error saying what is missing or wrong.
pub fn usage(msg: impl Into<String>) -> anyhow::Error {
    UsageError(msg.into()).into()
}

/// The API URL: `--api` / `BATON_API_URL`, else `PREFECT_API_URL`, else the default.
pub fn api_url(flag: Option<String>) -> String {
    flag.filter(|s| !s.trim().is_empty())
        .or_else(|| {
            std::env::var("PREFECT_API_URL")
                .ok()
                .filter(|s| !s.trim().is_empty())
        })
        .unwrap_or_else(|| client::DEFAULT_API.to_string())
}

/// Runs a client command (not `serve` or `worker start`) and returns the process's exit code.
pub fn run(cli: Cli) -> ExitCode {
    default_sigpipe();
    let out = Out::new(cli.output);
    let api = api_url(cli.api);
    let result = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(anyhow::Error::from)
        .and_then(|rt| rt.block_on(dispatch(api, out, cli.command)));
    match result {
        Ok(code) => code,
        Err(e) => {
            let code = if e.downcast_ref::<UsageError>().is_some() {
                2
            } else {
                1
            };
            eprintln!("{} {e:#}", out_err(&out));
            ExitCode::from(code)
        }
    }
}

/// Restores the default SIGPIPE action, so `baton … | head` ends quietly when the reader goes away instead
/// of failing (and panicking in `println!`) on the next write. Only for client commands: the server keeps
/// Rust's default of ignoring it, so a closed socket is an error it handles.
fn default_sigpipe() {
    use nix::sys::signal::{signal, SigHandler, Signal};
    // SAFETY: runs before this process starts any thread or installs any other handler; SIG_DFL needs no
    // handler code.
    let _ = unsafe { signal(Signal::SIGPIPE, SigHandler::SigDfl) };
}

fn out_err(out: &Out) -> String {
    use std::io::IsTerminal;
    let o = Out {
        color: out.color && std::io::stderr().is_terminal(),
        ..*out
    };
    o.paint("error:", Paint::Red)
}

async fn dispatch(api: String, out: Out, cmd: Command) -> anyhow::Result<ExitCode> {
    let client = client::Client::new(&api)?;
    match cmd {
        Command::Deploy(a) => deploy::run(&client, out, *a).await?,
        Command::Deployment { cmd } => return deployment::run(&client, out, cmd).await,
        Command::FlowRun { cmd } => return flow_run::run(&client, out, cmd).await,
        Command::Flow { cmd } => flow::run(&client, out, cmd).await?,
        Command::WorkPool { cmd } => work_pool::run(&client, out, cmd).await?,
        Command::WorkQueue { cmd } => work_pool::run_queue(&client, out, cmd).await?,
        Command::Variable { cmd } => variable::run(&client, out, cmd).await?,
        Command::Automation { cmd } => automation::run(&client, out, cmd).await?,
        Command::Event { cmd } => automation::run_events(&client, out, cmd).await?,
        Command::Block { cmd } => block::run(&client, out, cmd).await?,
        Command::Concurrency { cmd } => concurrency::run(&client, out, cmd).await?,
        Command::Version => version(&client, out).await?,
        Command::Completions { shell } => {
            clap_complete::generate(shell, &mut Cli::command(), "baton", &mut std::io::stdout());
        }
        Command::Serve(_)
        | Command::Worker { .. }
        | Command::Seed(_)
        | Command::Db { .. }
        | Command::Backup(_)
        | Command::Restore(_) => {
            return Err(anyhow::anyhow!("this command is run by the binary's main"));
        }
    }
    Ok(ExitCode::SUCCESS)
}

async fn version(client: &client::Client, out: Out) -> anyhow::Result<()> {
    let mine = env!("CARGO_PKG_VERSION");
    let prefect = crate::wire::PREFECT_SERVER_VERSION;
    let server: Result<String, _> = client.get("/admin/version").await;
    if out.json() {
        return out.print_json(&serde_json::json!({
            "client": mine, "prefect_api": prefect, "api_url": client.base,
            "server": server.as_ref().ok(),
        }));
    }
    println!(
        "baton {mine} (Prefect server API {prefect} / {})",
        crate::wire::API_VERSION
    );
    match server {
        Ok(v) => println!("server at {}: Prefect server API {v}", client.base),
        Err(e) => println!("server at {}: not reachable ({e})", client.base),
    }
    Ok(())
}
