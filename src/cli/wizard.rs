//! The `baton deploy` wizard, on a terminal with nothing else given: find the `@flow` functions in the
//! project's `*.py` files, then ask which one, the deployment's name, an optional schedule and the pool.

use super::deploy_spec::{from_entrypoint, DeploySpec, SpecFlags};
use super::pysource;
use anyhow::{anyhow, bail};
use std::io::{BufRead, Write};
use std::path::{Path, PathBuf};

const SKIP: &[&str] = &[
    "node_modules",
    "__pycache__",
    "venv",
    "site-packages",
    "target",
    "build",
    "dist",
];

/// `*.py` files under `dir` (not hidden, not virtualenvs), at most `limit`, sorted.
fn python_files(dir: &Path, depth: usize, limit: usize, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    let mut paths: Vec<PathBuf> = entries.filter_map(|e| e.ok().map(|e| e.path())).collect();
    paths.sort();
    for p in paths {
        if out.len() >= limit {
            return;
        }
        let name = p
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        if name.starts_with('.') || SKIP.contains(&name.as_str()) {
            continue;
        }
        if p.is_dir() && depth > 0 {
            python_files(&p, depth - 1, limit, out);
        } else if name.ends_with(".py") {
            out.push(p);
        }
    }
}

/// `file.py:function` of every `@flow` function under `cwd`.
pub fn find_flows(cwd: &Path) -> Vec<(String, String)> {
    let mut files = Vec::new();
    python_files(cwd, 5, 2000, &mut files);
    let mut found = Vec::new();
    for f in files {
        let Ok(text) = std::fs::read_to_string(&f) else {
            continue;
        };
        if !text.contains("flow") {
            continue;
        }
        let rel = f
            .strip_prefix(cwd)
            .unwrap_or(&f)
            .to_string_lossy()
            .into_owned();
        for func in pysource::functions(&text)
            .into_iter()
            .filter(|d| d.is_flow())
        {
            let flow = func
                .flow_name()
                .unwrap_or_else(|| func.name.replace('_', "-"));
            found.push((format!("{rel}:{}", func.name), flow));
        }
    }
    found
}

fn ask_line(prompt: &str, default: Option<&str>) -> anyhow::Result<String> {
    match default {
        Some(d) if !d.is_empty() => print!("{prompt} [{d}]: "),
        _ => print!("{prompt}: "),
    }
    std::io::stdout().flush()?;
    let mut line = String::new();
    if std::io::stdin().lock().read_line(&mut line)? == 0 {
        bail!("no answer (end of input); deploy with flags instead, see `baton deploy --help`");
    }
    let t = line.trim();
    Ok(if t.is_empty() {
        default.unwrap_or("").to_string()
    } else {
        t.to_string()
    })
}

/// Asks for what `flags` do not give, then reads the chosen function.
pub fn ask(flags: &SpecFlags, cwd: &Path) -> anyhow::Result<DeploySpec> {
    let flows = find_flows(cwd);
    let entrypoint = if flows.is_empty() {
        println!("No @flow functions found under {}.", cwd.display());
        ask_line("Entrypoint to deploy (path/file.py:function)", None)?
    } else {
        println!("Flows found under {}:", cwd.display());
        for (i, (e, flow)) in flows.iter().enumerate() {
            println!("  {}) {e}  (flow '{flow}')", i + 1);
        }
        let pick = ask_line("Which one? (number or path/file.py:function)", Some("1"))?;
        match pick.parse::<usize>() {
            Ok(n) => flows
                .get(n.wrapping_sub(1))
                .map(|f| f.0.clone())
                .ok_or_else(|| anyhow!("there is no flow number {n}"))?,
            Err(_) => pick,
        }
    };
    if entrypoint.is_empty() {
        bail!("no entrypoint given");
    }
    let mut f = flags.clone();
    if f.name.is_none() {
        f.name = Some(ask_line("Deployment name", Some("default"))?);
    }
    let no_schedule =
        f.schedule.cron.is_none() && f.schedule.interval.is_none() && f.schedule.rrule.is_none();
    if no_schedule {
        let s = ask_line(
            "Schedule: a cron expression (\"0 2 * * *\"), an interval (3600, 10m, 1d), or empty for none",
            None,
        )?;
        if s.contains(' ') {
            f.schedule.cron = Some(s);
        } else if !s.is_empty() {
            f.schedule.interval = Some(s);
        }
        if (f.schedule.cron.is_some() || f.schedule.interval.is_some())
            && f.schedule.timezone.is_none()
        {
            let tz = ask_line("Time zone (IANA name)", Some("UTC"))?;
            f.schedule.timezone = Some(tz);
        }
    }
    if f.pool.is_none() {
        f.pool = Some(ask_line("Work pool", Some("default"))?);
    }
    from_entrypoint(&entrypoint, &f, cwd)
}
