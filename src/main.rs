//! The `baton` binary: parses the command line (`baton::cli`), sets up logging, runs the server or a worker,
//! and hands every other command to the CLI, which talks to the server over HTTP.

use baton::cli::{Cli, Command, DbCmd, ServeArgs, WorkerCommand, WorkerStartArgs};
use baton::config::{resolve_home, ServeConfig};
use baton::maintenance;
use baton::output::Out;
use clap::Parser;
use std::net::SocketAddr;

fn main() -> std::process::ExitCode {
    // Before anything opens a database: SQLite takes its page cache configuration only then.
    // SAFETY: the process has one thread here, and nothing has used SQLite yet.
    unsafe { baton::app::prepare_process() };
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
        Command::Serve(args) => run_serve(args),
        Command::Seed(a) => run_seed(a),
        Command::Worker {
            command: WorkerCommand::Start(args),
        } => run_worker(baton::cli::api_url(cli.api), args),
        Command::Db {
            cmd: DbCmd::Stats { home, database },
        } => maintenance::stats(home, database, Out::new(cli.output)),
        Command::Db {
            cmd: DbCmd::Vacuum { home },
        } => maintenance::vacuum(home, Out::new(cli.output)),
        Command::Backup(a) => maintenance::backup(&a.file, a.home, a.force, Out::new(cli.output)),
        Command::Restore(a) => maintenance::restore(&a.file, a.home, Out::new(cli.output)),
        _ => return baton::cli::run(cli),
    };
    match result {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            std::process::ExitCode::FAILURE
        }
    }
}

fn run_serve(a: ServeArgs) -> anyhow::Result<()> {
    let mut config = ServeConfig::new(SocketAddr::new(a.host, a.port), resolve_home(a.home)?);
    if a.no_worker {
        config.worker_pools.clear();
    } else if !a.pools.is_empty() {
        config.worker_pools = a.pools;
    }
    config.worker_limit = a.limit.max(1);
    config.auth = baton::config::server_auth(a.auth);
    config.python = baton::worker::python::checked_option(a.python)?;
    config.secrets_key_file = a.secrets_key_file;
    config.database = a.database.or_else(baton::config::prefect_database_url);
    config.retention = baton::domain::retention::RetentionPolicy {
        flow_run_days: a.keep_flow_runs_days,
        log_days: a.keep_logs_days,
        event_days: a.keep_events_days,
    };
    let runtime = tokio::runtime::Runtime::new()?;
    runtime.block_on(baton::app::serve(config, baton::app::shutdown_signal()))
}

fn run_seed(a: baton::cli::SeedArgs) -> anyhow::Result<()> {
    let home = resolve_home(a.home)?;
    let runtime = tokio::runtime::Runtime::new()?;
    let started = std::time::Instant::now();
    let report = runtime.block_on(baton::app::seed(&home, a.runs, a.logs, a.days))?;
    println!(
        "Wrote {} flow runs and {} log lines to {} in {:.1}s",
        report.runs,
        report.logs,
        home.display(),
        started.elapsed().as_secs_f64()
    );
    Ok(())
}

fn run_worker(api: String, a: WorkerStartArgs) -> anyhow::Result<()> {
    let name = a
        .name
        .unwrap_or_else(|| format!("baton-worker-{}", std::process::id()));
    let poll = std::time::Duration::from_secs_f64(a.poll_seconds.clamp(0.1, 3600.0));
    let heartbeat = a.heartbeat_seconds.max(1);
    let (pool, queues) = (a.pool, a.queues);
    let python = baton::worker::python::checked_option(a.python)?;
    let runtime = tokio::runtime::Runtime::new()?;
    runtime.block_on(async move {
        let mut http =
            baton::worker::http::Http::new(&api, pool.clone(), queues.clone(), name.clone(), poll)?;
        http.heartbeat_seconds = heartbeat;
        let auth = baton::config::client_auth();
        let transport = std::sync::Arc::new(http);
        let cfg = baton::worker::WorkerConfig {
            name: name.clone(),
            pool: pool.clone(),
            queues,
            limit: a.limit.max(1),
            api_url: api.clone(),
            base_dir: std::env::current_dir()?,
            cancel_grace: std::time::Duration::from_secs(5),
            heartbeat_every: std::time::Duration::from_secs(heartbeat),
            auth,
            python,
        };
        // A pool that does not exist yet is created, so the worker can wait on it (push dispatch) at once.
        match transport.ensure_pool().await {
            Ok(true) => println!("Created work pool '{pool}' (type process)"),
            Ok(false) => {}
            Err(e) => eprintln!("Could not look up work pool '{pool}': {e:#}"),
        }
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
