//! Arguments of `baton db`, `baton backup` and `baton restore`: commands on a data dir's database file. They
//! are part of the command tree, but `main.rs` runs them through `maintenance`: the CLI itself never opens
//! the database.

use std::path::PathBuf;

/// `baton db …`.
#[derive(clap::Subcommand, Debug)]
pub enum DbCmd {
    /// Rows and bytes per table (bytes need SQLite's dbstat, which Baton's SQLite has), of the data dir's
    /// SQLite file or of the PostgreSQL database `--database` names.
    Stats {
        /// Data directory (default: $BATON_HOME, else the platform data dir).
        #[arg(long)]
        home: Option<PathBuf>,
        /// A PostgreSQL database (`postgresql://…`) instead of the data dir's file.
        #[arg(
            long,
            env = "BATON_DATABASE_URL",
            hide_env_values = true,
            value_name = "URL"
        )]
        database: Option<String>,
    },
    /// Rebuild the database into the smallest file (the server must be stopped).
    Vacuum {
        /// Data directory (default: $BATON_HOME, else the platform data dir).
        #[arg(long)]
        home: Option<PathBuf>,
    },
}

/// `baton backup` arguments.
#[derive(clap::Args, Debug)]
pub struct BackupArgs {
    /// Where to write the backup (a single SQLite file).
    pub file: PathBuf,
    /// Data directory (default: $BATON_HOME, else the platform data dir).
    #[arg(long)]
    pub home: Option<PathBuf>,
    /// Replace FILE if it exists.
    #[arg(long)]
    pub force: bool,
}

/// `baton restore` arguments.
#[derive(clap::Args, Debug)]
pub struct RestoreArgs {
    /// A backup made by `baton backup`.
    pub file: PathBuf,
    /// Data directory to restore into (default: $BATON_HOME, else the platform data dir).
    #[arg(long)]
    pub home: Option<PathBuf>,
}
