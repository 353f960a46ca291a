//! Commands that work on a data dir's database file rather than through the API: `baton db stats`,
//! `baton db vacuum`, `baton backup FILE` (online: a consistent snapshot while the server runs) and
//! `baton restore FILE` (refused while a server holds the data dir). `main.rs` runs them with the arguments the
//! CLI parsed (`cli::DbCmd`, …); this module prints through `output` and knows nothing of the CLI.

use crate::config::{database_path, resolve_home};
use crate::output::Out;
use crate::store::maintenance;
use crate::store::stats::DbStats;
use anyhow::Context;
use serde_json::json;
use std::path::{Path, PathBuf};

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

/// Runs `baton db stats`.
pub fn stats(home: Option<PathBuf>, database: Option<String>, out: Out) -> anyhow::Result<()> {
    if let Some(url) = database.filter(|u| crate::store::Store::is_postgres_url(u)) {
        let stats = maintenance::pg_stats(&url)?;
        return print_stats(Path::new("PostgreSQL"), &stats, out);
    }
    let db = existing_db(home)?;
    let stats = maintenance::file_stats(&db)?;
    print_stats(&db, &stats, out)
}

/// Runs `baton db vacuum` (refused while a server holds the data dir).
pub fn vacuum(home: Option<PathBuf>, out: Out) -> anyhow::Result<()> {
    let db = existing_db(home.clone())?;
    let _lock = crate::home::lock(&resolve_home(home)?)?;
    let (before, after) = maintenance::vacuum(&db)?;
    if out.json() {
        return out
            .print_json(&json!({"database": db, "bytes_before": before, "bytes_after": after}));
    }
    println!(
        "Vacuumed {}: {} → {}",
        db.display(),
        bytes(before),
        bytes(after)
    );
    Ok(())
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

/// Runs `baton backup FILE`; an existing FILE is replaced only with `force`.
/// Backup and restore copy the SQLite file; a PostgreSQL database has its own tools.
fn refuse_on_postgres() -> anyhow::Result<()> {
    if std::env::var("BATON_DATABASE_URL").is_ok_and(|u| crate::store::Store::is_postgres_url(&u)) {
        anyhow::bail!(
            "Baton's data is in PostgreSQL (BATON_DATABASE_URL): back it up with pg_dump and restore it \
             with pg_restore"
        );
    }
    Ok(())
}

pub fn backup(file: &Path, home: Option<PathBuf>, force: bool, out: Out) -> anyhow::Result<()> {
    refuse_on_postgres()?;
    let db = existing_db(home)?;
    if file.exists() && !force {
        anyhow::bail!("{} exists; pass --force to replace it", file.display());
    }
    maintenance::backup(&db, file).with_context(|| format!("backing up {}", db.display()))?;
    let size = std::fs::metadata(file).map(|m| m.len()).unwrap_or(0);
    let key = copy_key(&db, file)?;
    if out.json() {
        return out.print_json(
            &json!({"database": db, "backup": file, "bytes": size, "secrets_key": key}),
        );
    }
    println!(
        "Backed up {} to {} ({}, integrity checked)",
        db.display(),
        file.display(),
        bytes(size)
    );
    if let Some(k) = key {
        println!(
            "The key of its block secrets is in {} (keep it with the backup, and private)",
            k.display()
        );
    }
    Ok(())
}

/// The file beside a backup that holds the key of its block secrets.
fn key_beside(backup: &Path) -> PathBuf {
    let mut name = backup.as_os_str().to_owned();
    name.push(".key");
    PathBuf::from(name)
}

/// Copies the data dir's secrets key (if it has one) beside the backup, mode 0600.
fn copy_key(db: &Path, backup: &Path) -> anyhow::Result<Option<PathBuf>> {
    let home = db.parent().unwrap_or(Path::new("."));
    let key = crate::config::secrets_key_path(home);
    if !key.is_file() {
        return Ok(None);
    }
    let to = key_beside(backup);
    copy_private(&key, &to)?;
    Ok(Some(to))
}

fn copy_private(from: &Path, to: &Path) -> anyhow::Result<()> {
    let bytes = std::fs::read(from).with_context(|| format!("reading {}", from.display()))?;
    let mut opts = std::fs::OpenOptions::new();
    opts.write(true).create(true).truncate(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut opts, 0o600);
    use std::io::Write;
    opts.open(to)
        .and_then(|mut f| f.write_all(&bytes).and_then(|_| f.sync_all()))
        .with_context(|| format!("writing {}", to.display()))?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(to, std::fs::Permissions::from_mode(0o600))?;
    }
    Ok(())
}

/// Runs `baton restore FILE`: refuses while a server runs on the data dir.
pub fn restore(file: &Path, home: Option<PathBuf>, out: Out) -> anyhow::Result<()> {
    refuse_on_postgres()?;
    if !file.is_file() {
        anyhow::bail!("no backup file at {}", file.display());
    }
    let home = resolve_home(home)?;
    std::fs::create_dir_all(&home)
        .with_context(|| format!("cannot create the data dir {}", home.display()))?;
    let _lock = crate::home::lock(&home)?;
    let db = database_path(&home);
    maintenance::restore(file, &db)
        .with_context(|| format!("restoring {} into {}", file.display(), db.display()))?;
    let saved_key = key_beside(file);
    if saved_key.is_file() {
        copy_private(&saved_key, &crate::config::secrets_key_path(&home))?;
    }
    if out.json() {
        return out.print_json(&json!({"database": db, "restored_from": file}));
    }
    println!(
        "Restored {} into {} (integrity checked)",
        file.display(),
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
