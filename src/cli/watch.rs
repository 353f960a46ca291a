//! Following a flow run: poll its state and its new log lines about twice a second, print each change and
//! each line as it comes, and stop at a final state (after a short drain for lines stored just after it).

use super::client::{Client, LOG_PAGE};
use crate::domain::StateType;
use crate::output::{say, spinner, Out, Paint};
use crate::wire::flow_runs::FlowRun;
use crate::wire::logs::Log;
use crate::wire::states::StateCreate;
use chrono::Local;
use std::time::{Duration, Instant};

/// How often the run is polled.
const POLL: Duration = Duration::from_millis(500);

/// A state to propose: of type `kind`, named `name` (one of `domain::state::name`).
pub fn proposal(kind: StateType, name: &str) -> StateCreate {
    StateCreate::new(kind.as_str(), name)
}

/// Whether a state type is final.
pub fn is_final(kind: Option<&str>) -> bool {
    kind.and_then(StateType::parse)
        .is_some_and(StateType::is_terminal)
}

/// `INFO`, `ERROR`… for a numeric level.
pub fn level_name(level: i64) -> &'static str {
    match level {
        l if l >= 50 => "CRITICAL",
        l if l >= 40 => "ERROR",
        l if l >= 30 => "WARNING",
        l if l >= 20 => "INFO",
        _ => "DEBUG",
    }
}

/// One log line for people: `14:03:05.123 INFO    message`.
pub fn format_log(out: &Out, l: &Log) -> String {
    let t = crate::output::parse_time(&l.timestamp)
        .map(|t| t.with_timezone(&Local).format("%H:%M:%S%.3f").to_string())
        .unwrap_or_else(|| l.timestamp.clone());
    let level = format!("{:<8}", level_name(l.level));
    let paint = match l.level {
        l if l >= 40 => Paint::Red,
        l if l >= 30 => Paint::Yellow,
        l if l < 20 => Paint::Grey,
        _ => Paint::Blue,
    };
    format!(
        "{} {} {}",
        out.paint(&t, Paint::Grey),
        out.paint(&level, paint),
        l.message
    )
}

/// Prints the lines after `offset`; returns how many there were.
async fn print_new_logs(
    client: &Client,
    out: &Out,
    run: &str,
    offset: &mut usize,
    pb: &Option<indicatif::ProgressBar>,
) -> anyhow::Result<usize> {
    let mut n = 0;
    loop {
        let page = client.logs(run, *offset).await?;
        for l in &page {
            say(pb, &format_log(out, l));
        }
        *offset += page.len();
        n += page.len();
        if page.len() < LOG_PAGE {
            return Ok(n);
        }
    }
}

/// Follows run `id` until it ends; prints state changes when `states`. Returns the final run.
pub async fn follow(client: &Client, out: Out, id: &str, states: bool) -> anyhow::Result<FlowRun> {
    let pb = spinner("waiting for the run");
    let started = Instant::now();
    let mut offset = 0usize;
    let mut last: Option<(String, String)> = None;
    loop {
        let run = client.flow_run(id).await?;
        let kind = run.state_type.clone().unwrap_or_default();
        let name = run.state_name.clone().unwrap_or_default();
        let changed = last.as_ref() != Some(&(kind.clone(), name.clone()));
        last = Some((kind.clone(), name.clone()));
        if !is_final(Some(&kind)) {
            if changed && states {
                say(&pb, &state_line(&out, &run));
            }
            print_new_logs(client, &out, id, &mut offset, &pb).await?;
            if let Some(pb) = &pb {
                pb.set_message(format!(
                    "{} is {} ({})",
                    run.name,
                    name,
                    crate::output::human_duration(started.elapsed().as_secs_f64().floor())
                ));
            }
            tokio::time::sleep(POLL).await;
            continue;
        }
        let mut quiet = 0;
        print_new_logs(client, &out, id, &mut offset, &pb).await?;
        for _ in 0..8 {
            tokio::time::sleep(Duration::from_millis(150)).await;
            if print_new_logs(client, &out, id, &mut offset, &pb).await? == 0 {
                quiet += 1;
                if quiet >= 2 {
                    break;
                }
            } else {
                quiet = 0;
            }
        }
        if states {
            say(&pb, &state_line(&out, &run));
        }
        if let Some(pb) = &pb {
            pb.finish_and_clear();
        }
        return Ok(run);
    }
}

/// `14:03:05.123 state    Completed (message)`, at the state's own time.
fn state_line(out: &Out, run: &FlowRun) -> String {
    let kind = run.state_type.clone().unwrap_or_default();
    let name = run.state_name.clone().unwrap_or_default();
    let state = run.state.as_ref();
    let at = state
        .and_then(|s| crate::output::parse_time(&s.timestamp))
        .map(|t| t.with_timezone(&Local))
        .unwrap_or_else(Local::now)
        .format("%H:%M:%S%.3f")
        .to_string();
    let msg = state
        .and_then(|s| s.message.clone())
        .filter(|m| !m.is_empty())
        .map(|m| format!(" ({m})"))
        .unwrap_or_default();
    format!(
        "{} {} {}{msg}",
        out.paint(&at, Paint::Grey),
        out.paint("state   ", Paint::Bold),
        out.state(&kind, &name)
    )
}

/// Waits without printing until run `id` ends; returns the final run.
pub async fn wait(client: &Client, id: &str) -> anyhow::Result<FlowRun> {
    loop {
        let run = client.flow_run(id).await?;
        if is_final(run.state_type.as_deref()) {
            return Ok(run);
        }
        tokio::time::sleep(POLL).await;
    }
}

/// Prints every log line of a run (no following); returns them.
pub async fn all_logs(client: &Client, id: &str) -> anyhow::Result<Vec<Log>> {
    let mut logs = Vec::new();
    loop {
        let page = client.logs(id, logs.len()).await?;
        let n = page.len();
        logs.extend(page);
        if n < LOG_PAGE {
            return Ok(logs);
        }
    }
}

/// The one-line ending of a watched run: `Flow run 'x' COMPLETED in 1.2s`.
pub fn outcome_line(out: &Out, run: &FlowRun) -> String {
    let kind = run.state_type.clone().unwrap_or_default();
    let name = run.state_name.clone().unwrap_or_default();
    let mut line = format!(
        "Flow run '{}' finished: {}",
        run.name,
        out.state(&kind, &name)
    );
    if run.total_run_time > 0.0 {
        line.push_str(&format!(
            " after {}",
            crate::output::human_duration(run.total_run_time)
        ));
    }
    if let Some(m) = run.state.as_ref().and_then(|s| s.message.clone()) {
        if !m.is_empty() {
            line.push_str(&format!(" — {m}"));
        }
    }
    line
}
