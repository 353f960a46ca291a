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
    },
    /// Print Baton's version and the Prefect API it speaks.
    Version,
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
        Command::Serve { host, port, home } => run_serve(host, port, home),
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

fn run_serve(host: IpAddr, port: u16, home: Option<PathBuf>) -> anyhow::Result<()> {
    let config = ServeConfig {
        addr: SocketAddr::new(host, port),
        home: resolve_home(home)?,
    };
    let runtime = tokio::runtime::Runtime::new()?;
    runtime.block_on(baton::app::serve(config, baton::app::shutdown_signal()))
}
