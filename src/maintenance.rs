//! Commands that work on a data dir's database file rather than through the API: `baton db stats`,
//! `baton db vacuum`, `baton backup FILE` (online: a consistent snapshot while the server runs) and
//! `baton restore FILE` (refused while a server holds the data dir). `main.rs` runs them.

use crate::cli::output::Out;
use crate::config::{database_path, resolve_home};
use crate::store::maintenance;
use crate::store::stats::DbStats;
use anyhow::Context;
use serde_json::json;
use std::path::{Path, PathBuf};

/// `baton db …`.
#[derive(clap::Subcommand, Debug)]
pub enum DbCmd {
    /// Rows and bytes per table (bytes need SQLite's dbstat, which Baton's SQLite has).
    Stats {
        /// Data directory (default: $BATON_HOME, else the platform data dir).
        #[arg(long)]
        home: Option<PathBuf>,
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

fn existing_db(home: Option<PathBuf>) -> anyhow::Result<PathBuf> {
    let home = resolve_home(home)?;
    let db = database_path(&home);
    if !db.exists() {
        anyhow::bail!(
            "no Baton database in {} (start `baton serve --home {}` once, or pass --home)",
            home.display(),
            home.display()
        );
    }
    Ok(db)
}

/// Runs `baton db …`.
pub fn db(cmd: DbCmd, out: Out) -> anyhow::Result<()> {
    match cmd {
        DbCmd::Stats { home } => {
            let db = existing_db(home)?;
            let stats = maintenance::file_stats(&db)?;
            print_stats(&db, &stats, out)
        }
        DbCmd::Vacuum { home } => {
            let db = existing_db(home.clone())?;
            let _lock = crate::home::lock(&resolve_home(home)?)?;
            let (before, after) = maintenance::vacuum(&db)?;
            if out.json() {
                return out.print_json(
                    &json!({"database": db, "bytes_before": before, "bytes_after": after}),
                );
            }
            println!(
                "Vacuumed {}: {} → {}",
                db.display(),
                bytes(before),
                bytes(after)
            );
            Ok(())
        }
    }
}

fn print_stats(db: &Path, s: &DbStats, out: Out) -> anyhow::Result<()> {
    if out.json() {
        let tables: Vec<_> = s
            .tables
            .iter()
            .map(|t| json!({"name": t.name, "rows": t.rows, "bytes": t.bytes}))
            .collect();
        return out.print_json(&json!({
            "database": db, "page_size": s.page_size, "pages": s.pages,
            "free_pages": s.free_pages, "bytes": s.page_size * s.pages, "tables": tables,
        }));
    }
    let mut t = out.table(&["TABLE", "ROWS", "SIZE"]);
    for row in &s.tables {
        let size = row.bytes.map(bytes).unwrap_or_else(|| "-".into());
        t.add_row(vec![
            out.cell(&row.name, None),
            out.cell(&row.rows.to_string(), None),
            out.cell(&size, None),
        ]);
    }
    println!("{t}");
    println!(
        "{}: {} in {} pages of {} bytes ({} free)",
        db.display(),
        bytes(s.page_size * s.pages),
        s.pages,
        s.page_size,
        s.free_pages
    );
    Ok(())
}

/// Runs `baton backup FILE`.
pub fn backup(a: BackupArgs, out: Out) -> anyhow::Result<()> {
    let db = existing_db(a.home)?;
    if a.file.exists() && !a.force {
        anyhow::bail!("{} exists; pass --force to replace it", a.file.display());
    }
    maintenance::backup(&db, &a.file).with_context(|| format!("backing up {}", db.display()))?;
    let size = std::fs::metadata(&a.file).map(|m| m.len()).unwrap_or(0);
    if out.json() {
        return out.print_json(&json!({"database": db, "backup": a.file, "bytes": size}));
    }
    println!(
        "Backed up {} to {} ({}, integrity checked)",
        db.display(),
        a.file.display(),
        bytes(size)
    );
    Ok(())
}

/// Runs `baton restore FILE`: refuses while a server runs on the data dir.
pub fn restore(a: RestoreArgs, out: Out) -> anyhow::Result<()> {
    if !a.file.is_file() {
        anyhow::bail!("no backup file at {}", a.file.display());
    }
    let home = resolve_home(a.home)?;
    std::fs::create_dir_all(&home)
        .with_context(|| format!("cannot create the data dir {}", home.display()))?;
    let _lock = crate::home::lock(&home)?;
    let db = database_path(&home);
    maintenance::restore(&a.file, &db)
        .with_context(|| format!("restoring {} into {}", a.file.display(), db.display()))?;
    if out.json() {
        return out.print_json(&json!({"database": db, "restored_from": a.file}));
    }
    println!(
        "Restored {} into {} (integrity checked)",
        a.file.display(),
        db.display()
    );
    Ok(())
}

fn bytes(n: u64) -> String {
    const UNITS: [&str; 4] = ["B", "KiB", "MiB", "GiB"];
    let mut v = n as f64;
    let mut u = 0;
    while v >= 1024.0 && u < UNITS.len() - 1 {
        v /= 1024.0;
        u += 1;
    }
    if u == 0 {
        format!("{n} B")
    } else {
        format!("{v:.1} {}", UNITS[u])
    }
}
