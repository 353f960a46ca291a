//! The `baton` binary: parses the command line, sets up logging, and dispatches.

use baton::config::{resolve_home, ServeConfig};
use clap::{Parser, Subcommand};
use std::net::{IpAddr, SocketAddr};
use std::path::PathBuf;

#[derive(Parser)]
#[command(
    name = "baton",
    version,
    about = "A workflow orchestration server that speaks Prefect 3's API"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Start the server: API, scheduler, worker and dashboard in one process.
    Serve {
        /// Address to bind (loopback by default).
        #[arg(long, default_value = "127.0.0.1")]
        host: IpAddr,
        /// Port to listen on (0 picks a free one).
        #[arg(long, default_value_t = 4200)]
        port: u16,
        /// Data directory (default: $BATON_HOME, else the platform data dir).
        #[arg(long)]
        home: Option<PathBuf>,
        /// Work pools the in-process worker serves (repeatable; default: "default").
        #[arg(long = "pool")]
        pools: Vec<String>,
        /// Run no in-process worker (runs then wait for `baton worker start` or a Prefect worker).
        #[arg(long)]
        no_worker: bool,
        /// How many runs the in-process worker runs at once.
        #[arg(long, default_value_t = 8)]
        limit: usize,
    },
    /// Print Baton's version and the Prefect API it speaks.
    Version,
    /// Workers that run a pool's flow runs on this machine.
    Worker {
        #[command(subcommand)]
        command: WorkerCommand,
    },
}

#[derive(Subcommand)]
enum WorkerCommand {
    /// Poll a work pool over HTTP and run its flow runs here until interrupted.
    Start {
        /// The work pool to serve.
        #[arg(long, short = 'p')]
        pool: String,
        /// Only these queues of the pool (repeatable; default: all).
        #[arg(long = "queue", short = 'q')]
        queues: Vec<String>,
        /// How many runs at once.
        #[arg(long, default_value_t = 4)]
        limit: usize,
        /// The worker's name (default: baton-worker-<pid>).
        #[arg(long, short = 'n')]
        name: Option<String>,
        /// The server's API URL.
        #[arg(long, env = "BATON_API_URL")]
        api: Option<String>,
        /// Seconds between polls.
        #[arg(long, default_value_t = 2.0)]
        poll_seconds: f64,
        /// Seconds between heartbeats (the server counts the worker offline after three missed).
        #[arg(long, default_value_t = 30)]
        heartbeat_seconds: u64,
    },
}

fn main() -> std::process::ExitCode {
    let cli = Cli::parse();
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info,tower_http=warn")),
        )
        .with_writer(std::io::stderr)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .init();
    let result = match cli.command {
        Command::Worker {
            command:
                WorkerCommand::Start {
                    pool,
                    queues,
                    limit,
                    name,
                    api,
                    poll_seconds,
                    heartbeat_seconds,
                },
        } => run_worker(WorkerArgs {
            pool,
            queues,
            limit,
            name,
            api,
            poll_seconds,
            heartbeat_seconds,
        }),
        Command::Serve {
            host,
            port,
            home,
            pools,
            no_worker,
            limit,
        } => run_serve(host, port, home, pools, no_worker, limit),
        Command::Version => {
            println!(
                "baton {} (Prefect server API {} / {})",
                env!("CARGO_PKG_VERSION"),
                baton::api::PREFECT_SERVER_VERSION,
                baton::api::API_VERSION
            );
            Ok(())
        }
    };
    match result {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            std::process::ExitCode::FAILURE
        }
    }
}

fn run_serve(
    host: IpAddr,
    port: u16,
    home: Option<PathBuf>,
    pools: Vec<String>,
    no_worker: bool,
    limit: usize,
) -> anyhow::Result<()> {
    let mut config = ServeConfig::new(SocketAddr::new(host, port), resolve_home(home)?);
    if no_worker {
        config.worker_pools.clear();
    } else if !pools.is_empty() {
        config.worker_pools = pools;
    }
    config.worker_limit = limit.max(1);
    let runtime = tokio::runtime::Runtime::new()?;
    runtime.block_on(baton::app::serve(config, baton::app::shutdown_signal()))
}

struct WorkerArgs {
    pool: String,
    queues: Vec<String>,
    limit: usize,
    name: Option<String>,
    api: Option<String>,
    poll_seconds: f64,
    heartbeat_seconds: u64,
}

fn run_worker(args: WorkerArgs) -> anyhow::Result<()> {
    let WorkerArgs {
        pool,
        queues,
        limit,
        name,
        api,
        poll_seconds,
        heartbeat_seconds,
    } = args;
    let api = api
        .or_else(|| std::env::var("PREFECT_API_URL").ok())
        .unwrap_or_else(|| "http://127.0.0.1:4200/api".to_string());
    let name = name.unwrap_or_else(|| format!("baton-worker-{}", std::process::id()));
    let poll = std::time::Duration::from_secs_f64(poll_seconds.clamp(0.1, 3600.0));
    let runtime = tokio::runtime::Runtime::new()?;
    runtime.block_on(async move {
        let mut http =
            baton::worker::http::Http::new(&api, pool.clone(), queues.clone(), name.clone(), poll)?;
        http.heartbeat_seconds = heartbeat_seconds.max(1);
        let transport = std::sync::Arc::new(http);
        let cfg = baton::worker::WorkerConfig {
            name: name.clone(),
            pool: pool.clone(),
            queues,
            limit: limit.max(1),
            api_url: api.clone(),
            base_dir: std::env::current_dir()?,
            cancel_grace: std::time::Duration::from_secs(5),
            heartbeat_every: std::time::Duration::from_secs(heartbeat_seconds.max(1)),
        };
        println!("Worker {name} polling work pool '{pool}' at {api}");
        let stop = tokio_util::sync::CancellationToken::new();
        let signal = stop.clone();
        tokio::spawn(async move {
            baton::app::shutdown_signal().await;
            signal.cancel();
        });
        baton::worker::run(transport, cfg, stop).await;
        Ok(())
    })
}
