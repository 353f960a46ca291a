//! `baton concurrency ls | inspect | create | update | reset | delete`: global limits, tag limits (the
//! limits named `tag:<tag>`) and deployments' own limits, with who holds their slots and who waits.

use super::client::{seg, Client};
use crate::output::{parse_time, relative, Out, Paint};
use crate::wire::concurrency_limits::{GlobalLimit, LimitDetail};
use serde_json::{json, Map, Value};

/// `baton concurrency …`.
#[derive(clap::Subcommand, Debug)]
pub enum ConcurrencyCmd {
    /// List every limit with its slots in use, holders and waiters.
    Ls,
    /// Show a limit (by name, `tag:TAG`, or id) with each holder, its lease expiry, and each waiter.
    Inspect { name: String },
    /// Create a global limit (`--tag` makes the tag limit `tag:NAME`).
    Create {
        name: String,
        /// How many slots.
        #[arg(long)]
        limit: i64,
        /// Slots given back per second (a rate limit).
        #[arg(long, default_value_t = 0.0)]
        slot_decay_per_second: f64,
        /// Create it disabled.
        #[arg(long)]
        disabled: bool,
        /// NAME is a task tag: create the tag limit `tag:NAME`.
        #[arg(long)]
        tag: bool,
    },
    /// Change a limit's size, decay, or enable/disable it.
    Update {
        name: String,
        #[arg(long)]
        limit: Option<i64>,
        #[arg(long)]
        slot_decay_per_second: Option<f64>,
        #[arg(long, conflicts_with = "disable")]
        enable: bool,
        #[arg(long)]
        disable: bool,
    },
    /// Free every slot of a limit: its leases are released and its count zeroed.
    Reset { name: String },
    /// Delete a limit.
    Delete { name: String },
}

/// Runs `baton concurrency …`.
pub async fn run(client: &Client, out: Out, cmd: ConcurrencyCmd) -> anyhow::Result<()> {
    match cmd {
        ConcurrencyCmd::Ls => ls(client, out).await,
        ConcurrencyCmd::Inspect { name } => inspect(client, out, &name).await,
        ConcurrencyCmd::Create {
            name,
            limit,
            slot_decay_per_second,
            disabled,
            tag,
        } => {
            let name = if tag { format!("tag:{name}") } else { name };
            let body = json!({"name": name, "limit": limit, "active": !disabled,
                "slot_decay_per_second": slot_decay_per_second});
            let made: Value = client.post("/v2/concurrency_limits/", &body).await?;
            if out.json() {
                return out.print_json(&made);
            }
            println!("Created limit '{name}' ({limit} slots).");
            Ok(())
        }
        ConcurrencyCmd::Update {
            name,
            limit,
            slot_decay_per_second,
            enable,
            disable,
        } => {
            let mut patch = Map::new();
            if let Some(l) = limit {
                patch.insert("limit".into(), json!(l));
            }
            if let Some(d) = slot_decay_per_second {
                patch.insert("slot_decay_per_second".into(), json!(d));
            }
            if enable || disable {
                patch.insert("active".into(), json!(enable));
            }
            if patch.is_empty() {
                return Err(super::usage(
                    "nothing to change: give --limit, --slot-decay-per-second, --enable or --disable",
                ));
            }
            let path = format!("/v2/concurrency_limits/{}", seg(&name));
            client.patch(&path, &Value::Object(patch)).await?;
            let l: GlobalLimit = client.get(&path).await?;
            if out.json() {
                return out.print_json(&l);
            }
            println!("Updated limit '{}'.", l.name);
            Ok(())
        }
        ConcurrencyCmd::Reset { name } => {
            let path = format!("/baton/concurrency_limits/{}/reset", seg(&name));
            let l: GlobalLimit = client.post(&path, &json!({})).await?;
            if out.json() {
                return out.print_json(&l);
            }
            println!("Reset limit '{}': its slots are free.", l.name);
            Ok(())
        }
        ConcurrencyCmd::Delete { name } => {
            client
                .delete(&format!("/v2/concurrency_limits/{}", seg(&name)))
                .await?;
            if out.json() {
                return out.print_json(&json!({"deleted": name}));
            }
            println!("Deleted limit '{name}'.");
            Ok(())
        }
    }
}

async fn all(client: &Client) -> anyhow::Result<Vec<LimitDetail>> {
    Ok(client.get("/baton/concurrency_limits").await?)
}

async fn find(client: &Client, name: &str) -> anyhow::Result<LimitDetail> {
    all(client)
        .await?
        .into_iter()
        .find(|l| l.limit.name == name || l.limit.id.to_string() == name)
        .ok_or_else(|| anyhow::anyhow!("No concurrency limit named '{name}'."))
}

fn in_use(l: &LimitDetail) -> String {
    let rate = if l.limit.slot_decay_per_second > 0.0 {
        format!(" ({}/s decay)", l.limit.slot_decay_per_second)
    } else {
        String::new()
    };
    format!("{}/{}{rate}", l.limit.active_slots, l.limit.limit)
}

async fn ls(client: &Client, out: Out) -> anyhow::Result<()> {
    let limits = all(client).await?;
    if out.json() {
        return out.print_json(&limits);
    }
    if limits.is_empty() {
        println!(
            "No concurrency limits yet; create one with `baton concurrency create NAME --limit N` \
             (or `prefect gcl create`, `prefect concurrency-limit create TAG N`)."
        );
        return Ok(());
    }
    let mut t = out.table(&["NAME", "KIND", "IN USE", "ACTIVE", "HOLDERS", "WAITERS"]);
    for l in &limits {
        t.add_row(vec![
            out.cell(&l.limit.name, Some(Paint::Bold)),
            out.cell(&l.kind, None),
            out.cell(&in_use(l), None),
            out.cell(if l.limit.active { "yes" } else { "no" }, None),
            out.cell(&l.holders.len().to_string(), None),
            out.cell(&l.waiters.len().to_string(), None),
        ]);
    }
    println!("{t}");
    Ok(())
}

async fn inspect(client: &Client, out: Out, name: &str) -> anyhow::Result<()> {
    let l = find(client, name).await?;
    if out.json() {
        return out.print_json(&l);
    }
    let now = chrono::Utc::now();
    let ago = |s: &str| parse_time(s).map_or("-".into(), |t| relative(t, now));
    out.heading(&l.limit.name);
    out.fields(&[
        ("id", l.limit.id.to_string()),
        ("kind", l.kind.clone()),
        ("in use", in_use(&l)),
        ("active", l.limit.active.to_string()),
        (
            "avg occupancy",
            format!("{:.1}s", l.avg_slot_occupancy_seconds),
        ),
    ]);
    if !l.holders.is_empty() {
        let mut t = out.table(&["HOLDER", "SLOTS", "SINCE", "LEASE EXPIRES", "LEASE"]);
        for h in &l.holders {
            let who = match (&h.holder_type, &h.holder_id) {
                (Some(kind), Some(id)) => match &h.holder_name {
                    Some(n) => format!("{kind} {n} ({id})"),
                    None => format!("{kind} {id}"),
                },
                _ => "unnamed holder".into(),
            };
            t.add_row(vec![
                out.cell(&who, None),
                out.cell(&h.slots.to_string(), None),
                out.cell(&ago(&h.since), None),
                out.cell(&ago(&h.expires), None),
                out.cell(&h.lease_id.to_string(), Some(Paint::Grey)),
            ]);
        }
        println!("{t}");
    }
    if !l.waiters.is_empty() {
        let mut t = out.table(&["#", "WAITER", "SLOTS", "WAITING SINCE"]);
        for (i, w) in l.waiters.iter().enumerate() {
            let who = match (&w.holder_type, &w.holder_id) {
                (Some(kind), Some(id)) => format!("{kind} {id}"),
                _ => "unnamed".into(),
            };
            t.add_row(vec![
                out.cell(&(i + 1).to_string(), None),
                out.cell(&who, None),
                out.cell(&w.slots.to_string(), None),
                out.cell(&ago(&w.since), None),
            ]);
        }
        println!("{t}");
    }
    Ok(())
}
