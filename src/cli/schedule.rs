//! `baton deployment schedule ls|create|pause|resume|delete|preview`. A schedule is named by its id, a unique
//! prefix of it, or nothing when the deployment has one. `preview` asks the server for the next fire times
//! (the same computation the scheduler uses) and prints them in the schedule's zone, marking the times where
//! the zone's offset changes (daylight saving).

use super::client::Client;
use super::deployment::find;
use super::params::{describe_schedule, key_values, parse_when_in, schedule_entry, ScheduleFlags};
use crate::output::{Out, Paint};
use crate::wire::deployments::{Deployment, DeploymentSchedule};
use anyhow::{anyhow, bail};
use chrono::{DateTime, Offset, Utc};
use chrono_tz::Tz;
use serde_json::{json, Value};

/// `baton deployment schedule …`.
#[derive(clap::Subcommand, Debug)]
pub enum ScheduleCmd {
    /// List a deployment's schedules with their next run.
    Ls { deployment: String },
    /// Add a schedule to a deployment.
    Create {
        deployment: String,
        #[command(flatten)]
        flags: ScheduleFlags,
        /// Create it paused.
        #[arg(long)]
        inactive: bool,
        /// Replace the deployment's other schedules.
        #[arg(long)]
        replace: bool,
        /// A parameter for this schedule's runs, key=value; repeatable.
        #[arg(long = "param", value_name = "KEY=VALUE")]
        param: Vec<String>,
    },
    /// Stop a schedule from creating runs.
    Pause {
        deployment: String,
        /// The schedule's id or a prefix of it (optional when there is one schedule).
        schedule: Option<String>,
    },
    /// Let a paused schedule create runs again.
    Resume {
        deployment: String,
        schedule: Option<String>,
    },
    /// Delete a schedule (its future runs go too).
    Delete {
        deployment: String,
        schedule: Option<String>,
    },
    /// Show the next times a schedule fires, in its time zone, marking DST changes.
    Preview {
        /// A deployment (or give --cron / --interval / --rrule instead).
        deployment: Option<String>,
        /// One of its schedules (default: each).
        schedule: Option<String>,
        #[command(flatten)]
        flags: ScheduleFlags,
        /// How many times.
        #[arg(short = 'n', long, default_value_t = 10)]
        count: u32,
        /// From this time (a date or time without an offset is read in the schedule's zone; default now).
        #[arg(long)]
        start: Option<String>,
    },
}

/// Runs `baton deployment schedule …`.
pub async fn run(client: &Client, out: Out, cmd: ScheduleCmd) -> anyhow::Result<()> {
    match cmd {
        ScheduleCmd::Ls { deployment } => ls(client, out, &deployment).await,
        ScheduleCmd::Create {
            deployment,
            flags,
            inactive,
            replace,
            param,
        } => {
            let schedule = flags.schedule()?.ok_or_else(|| {
                super::usage("give the schedule: --cron EXPR, --interval SECONDS or --rrule RULE")
            })?;
            let (d, full) = find(client, &deployment).await?;
            if replace {
                for s in &d.schedules {
                    client
                        .delete(&format!("/deployments/{}/schedules/{}", d.id, s.id))
                        .await?;
                }
            }
            let mut entry = schedule_entry(schedule, !inactive);
            entry["parameters"] = Value::Object(key_values(None, &param, "param")?);
            let made: Vec<DeploymentSchedule> = client
                .post(&format!("/deployments/{}/schedules", d.id), &json!([entry]))
                .await?;
            if out.json() {
                return out.print_json(&made);
            }
            for s in made {
                println!(
                    "Added schedule {} to '{full}' (id {})",
                    describe_schedule(&s.schedule),
                    s.id
                );
            }
            Ok(())
        }
        ScheduleCmd::Pause {
            deployment,
            schedule,
        } => set_active(client, &deployment, schedule, false).await,
        ScheduleCmd::Resume {
            deployment,
            schedule,
        } => set_active(client, &deployment, schedule, true).await,
        ScheduleCmd::Delete {
            deployment,
            schedule,
        } => {
            let (d, full) = find(client, &deployment).await?;
            let s = pick(&d, &full, schedule.as_deref())?;
            client
                .delete(&format!("/deployments/{}/schedules/{}", d.id, s.id))
                .await?;
            println!(
                "Deleted schedule {} of '{full}'",
                describe_schedule(&s.schedule)
            );
            Ok(())
        }
        ScheduleCmd::Preview {
            deployment,
            schedule,
            flags,
            count,
            start,
        } => {
            let list: Vec<(String, Value)> = match (deployment, flags.schedule()?) {
                (None, Some(s)) => vec![(describe_schedule(&s), s)],
                (Some(_), Some(_)) => {
                    return Err(super::usage("preview either a deployment's schedules or --cron/--interval/--rrule, not both"))
                }
                (None, None) => {
                    return Err(super::usage("preview what? give a deployment, or --cron / --interval / --rrule"))
                }
                (Some(dep), None) => {
                    let (d, full) = find(client, &dep).await?;
                    let chosen: Vec<&DeploymentSchedule> = match &schedule {
                        Some(_) => vec![pick(&d, &full, schedule.as_deref())?],
                        None => d.schedules.iter().collect(),
                    };
                    if chosen.is_empty() {
                        bail!("deployment '{full}' has no schedules; add one with `baton deployment schedule create '{full}' --cron …`");
                    }
                    chosen.iter().map(|s| (describe_schedule(&s.schedule), s.schedule.clone())).collect()
                }
            };
            let mut all = Vec::new();
            for (label, s) in list {
                let (tz, times) = preview(client, &s, count, start.as_deref()).await?;
                if out.json() {
                    all.push(json!({"schedule": s, "timezone": tz.name(), "times": times.iter().map(|t| t.to_rfc3339()).collect::<Vec<_>>()}));
                } else {
                    let zone = if label.contains(tz.name()) {
                        String::new()
                    } else {
                        format!(" ({})", tz.name())
                    };
                    out.heading(&format!("Next {} times of {label}{zone}:", times.len()));
                    for line in preview_lines(&out, tz, &times) {
                        println!("  {line}");
                    }
                }
            }
            if out.json() {
                out.print_json(&all)?;
            }
            Ok(())
        }
    }
}

fn zone_of(schedule: &Value) -> anyhow::Result<Tz> {
    let name = schedule
        .get("timezone")
        .and_then(Value::as_str)
        .filter(|t| !t.is_empty())
        .unwrap_or("UTC");
    name.parse::<Tz>()
        .map_err(|_| anyhow!("unknown time zone '{name}'"))
}

/// The next `count` times of `schedule` from the server.
async fn preview(
    client: &Client,
    schedule: &Value,
    count: u32,
    start: Option<&str>,
) -> anyhow::Result<(Tz, Vec<DateTime<Tz>>)> {
    let tz = zone_of(schedule)?;
    let mut body = json!({"schedule": schedule, "count": count.clamp(1, 1000)});
    if let Some(s) = start {
        let at = parse_when_in(s, Utc::now(), &tz)?;
        body["start"] = json!(at.to_rfc3339_opts(chrono::SecondsFormat::Micros, true));
    }
    let answer: Value = client.post("/baton/schedules/preview", &body).await?;
    let times = answer
        .get("times")
        .and_then(Value::as_array)
        .ok_or_else(|| anyhow!("the server's preview has no times"))?
        .iter()
        .filter_map(Value::as_str)
        .filter_map(|t| DateTime::parse_from_rfc3339(t).ok())
        .map(|t| t.with_timezone(&tz))
        .collect();
    Ok((tz, times))
}

/// One line per time, in the zone, with a mark where the offset differs from the time before.
pub fn preview_lines(out: &Out, tz: Tz, times: &[DateTime<Tz>]) -> Vec<String> {
    let mut lines = Vec::new();
    let mut prev: Option<&DateTime<Tz>> = None;
    for t in times {
        let fmt = if t.format("%S").to_string() == "00" {
            "%a %Y-%m-%d %H:%M %Z"
        } else {
            "%a %Y-%m-%d %H:%M:%S %Z"
        };
        let mut line = t.format(fmt).to_string();
        if tz != Tz::UTC {
            line.push_str(&out.paint(
                &format!("  ({} UTC)", t.with_timezone(&Utc).format("%H:%M")),
                Paint::Grey,
            ));
        }
        if let Some(p) = prev {
            let (a, b) = (p.offset().fix(), t.offset().fix());
            if a != b {
                let mark = format!(
                    "  ← clocks changed: {} → {} (UTC{} → UTC{})",
                    p.format("%Z"),
                    t.format("%Z"),
                    a,
                    b
                );
                line.push_str(&out.paint(&mark, Paint::Yellow));
            }
        }
        lines.push(line);
        prev = Some(t);
    }
    lines
}

async fn ls(client: &Client, out: Out, deployment: &str) -> anyhow::Result<()> {
    let (d, full) = find(client, deployment).await?;
    if out.json() {
        return out.print_json(&d.schedules);
    }
    if d.schedules.is_empty() {
        println!("Deployment '{full}' has no schedules.");
        return Ok(());
    }
    let mut t = out.table(&["ID", "SCHEDULE", "ACTIVE", "NEXT"]);
    for s in &d.schedules {
        let next = match preview(client, &s.schedule, 1, None).await {
            Ok((_, times)) => times
                .first()
                .map(|t| t.format("%Y-%m-%d %H:%M %Z").to_string())
                .unwrap_or_else(|| "-".into()),
            Err(_) => "-".into(),
        };
        t.add_row(vec![
            out.cell(&s.id, None),
            out.cell(&describe_schedule(&s.schedule), None),
            out.cell(
                if s.active { "yes" } else { "no" },
                Some(if s.active {
                    Paint::Green
                } else {
                    Paint::Yellow
                }),
            ),
            out.cell(&next, None),
        ]);
    }
    println!("{t}");
    if d.paused {
        println!(
            "{}",
            out.paint(
                "The deployment is paused: no schedule creates runs.",
                Paint::Yellow
            )
        );
    }
    Ok(())
}

/// The schedule `id` names (an id or a unique prefix; none when there is one schedule).
fn pick<'a>(
    d: &'a Deployment,
    full: &str,
    id: Option<&str>,
) -> anyhow::Result<&'a DeploymentSchedule> {
    let list = || {
        d.schedules
            .iter()
            .map(|s| format!("{} ({})", s.id, describe_schedule(&s.schedule)))
            .collect::<Vec<_>>()
            .join(", ")
    };
    match id {
        None => match d.schedules.as_slice() {
            [one] => Ok(one),
            [] => bail!("deployment '{full}' has no schedules"),
            _ => bail!(
                "deployment '{full}' has several schedules; say which: {}",
                list()
            ),
        },
        Some(id) => {
            let hits: Vec<&DeploymentSchedule> = d
                .schedules
                .iter()
                .filter(|s| s.id.starts_with(id))
                .collect();
            match hits.as_slice() {
                [one] => Ok(one),
                [] if d.schedules.is_empty() => bail!("deployment '{full}' has no schedules"),
                [] => bail!("no schedule '{id}' on '{full}'; its schedules: {}", list()),
                _ => bail!(
                    "'{id}' matches several schedules of '{full}'; give more of the id: {}",
                    list()
                ),
            }
        }
    }
}

async fn set_active(
    client: &Client,
    deployment: &str,
    schedule: Option<String>,
    active: bool,
) -> anyhow::Result<()> {
    let (d, full) = find(client, deployment).await?;
    let s = pick(&d, &full, schedule.as_deref())?;
    client
        .patch(
            &format!("/deployments/{}/schedules/{}", d.id, s.id),
            &json!({"active": active}),
        )
        .await?;
    let verb = if active { "Resumed" } else { "Paused" };
    println!(
        "{verb} schedule {} of '{full}'",
        describe_schedule(&s.schedule)
    );
    Ok(())
}
