//! `baton work-pool create|ls|inspect|pause|resume|delete` and `baton work-queue ls|create|pause|resume|delete`.
//! A pool or queue that is not found is answered with the names that exist.

use super::client::{is_not_found, seg, Client};
use crate::output::{short_time, when, Out, Paint};
use crate::wire::work_pools::{WorkPool, WorkQueue, Worker};
use serde_json::{json, Value};

/// `baton work-pool …`.
#[derive(clap::Subcommand, Debug)]
pub enum WorkPoolCmd {
    /// Create a work pool.
    Create {
        name: String,
        /// The pool's type (Baton runs `process` pools).
        #[arg(long = "type", default_value = "process")]
        kind: String,
        #[arg(long)]
        description: Option<String>,
        /// At most this many runs of the pool at once.
        #[arg(long)]
        concurrency_limit: Option<i64>,
        /// Create it paused.
        #[arg(long)]
        paused: bool,
    },
    /// List work pools.
    Ls,
    /// Show a pool with its queues and workers.
    Inspect { name: String },
    /// Stop handing the pool's runs to workers.
    Pause { name: String },
    /// Hand the pool's runs to workers again.
    Resume { name: String },
    /// Delete a pool.
    Delete { name: String },
}

/// `baton work-queue …` (queues of a pool; `--pool`, default "default").
#[derive(clap::Subcommand, Debug)]
pub enum WorkQueueCmd {
    /// List a pool's queues.
    Ls {
        #[arg(short = 'p', long, default_value = "default")]
        pool: String,
    },
    /// Create a queue in a pool.
    Create {
        name: String,
        #[arg(short = 'p', long, default_value = "default")]
        pool: String,
        /// Lower numbers are served first.
        #[arg(long)]
        priority: Option<i64>,
        #[arg(long)]
        concurrency_limit: Option<i64>,
        #[arg(long)]
        description: Option<String>,
    },
    /// Stop handing the queue's runs to workers.
    Pause {
        name: String,
        #[arg(short = 'p', long, default_value = "default")]
        pool: String,
    },
    /// Hand the queue's runs to workers again.
    Resume {
        name: String,
        #[arg(short = 'p', long, default_value = "default")]
        pool: String,
    },
    /// Delete a queue.
    Delete {
        name: String,
        #[arg(short = 'p', long, default_value = "default")]
        pool: String,
    },
}

/// Turns a 404 on pool `name` into the list of pools.
async fn pool_missing(client: &Client, name: &str, e: anyhow::Error) -> anyhow::Error {
    if !is_not_found(&e) {
        return e;
    }
    match client.work_pools().await {
        Ok(pools) => {
            let names: Vec<String> = pools.into_iter().map(|p| p.name).collect();
            anyhow::anyhow!(
                "work pool '{name}' not found; existing pools: {}",
                names.join(", ")
            )
        }
        Err(e) => e.into(),
    }
}

async fn get_pool(client: &Client, name: &str) -> anyhow::Result<WorkPool> {
    match client.get(&format!("/work_pools/{}", seg(name))).await {
        Ok(p) => Ok(p),
        Err(e) => Err(pool_missing(client, name, e.into()).await),
    }
}

/// Runs `baton work-pool …`.
pub async fn run(client: &Client, out: Out, cmd: WorkPoolCmd) -> anyhow::Result<()> {
    match cmd {
        WorkPoolCmd::Create {
            name,
            kind,
            description,
            concurrency_limit,
            paused,
        } => {
            let body = json!({"name": name, "type": kind, "description": description,
                              "concurrency_limit": concurrency_limit, "is_paused": paused});
            let p: WorkPool = client.post("/work_pools/", &body).await.map_err(|e| match e.status() {
                Some(409) => anyhow::anyhow!("work pool '{name}' already exists; see it with `baton work-pool inspect {name}`"),
                _ => e.into(),
            })?;
            if out.json() {
                return out.print_json(&p);
            }
            println!("Created work pool '{}' (type {})", p.name, p.kind);
            println!(
                "Start a worker for it with: {}",
                out.paint(
                    &format!("baton worker start --pool {}", p.name),
                    Paint::Cyan
                )
            );
        }
        WorkPoolCmd::Ls => {
            let pools = client.work_pools().await?;
            if out.json() {
                return out.print_json(&pools);
            }
            let mut t = out.table(&["NAME", "TYPE", "STATUS", "CONCURRENCY", "ID"]);
            for p in &pools {
                let (status, paint) = pool_status(p);
                t.add_row(vec![
                    out.cell(&p.name, Some(Paint::Bold)),
                    out.cell(&p.kind, None),
                    out.cell(&status, Some(paint)),
                    out.cell(
                        &p.concurrency_limit.map_or("-".into(), |c| c.to_string()),
                        None,
                    ),
                    out.cell(&p.id, None),
                ]);
            }
            println!("{t}");
        }
        WorkPoolCmd::Inspect { name } => inspect(client, out, &name).await?,
        WorkPoolCmd::Pause { name } => set_pool_paused(client, &name, true).await?,
        WorkPoolCmd::Resume { name } => set_pool_paused(client, &name, false).await?,
        WorkPoolCmd::Delete { name } => {
            if let Err(e) = client.delete(&format!("/work_pools/{}", seg(&name))).await {
                return Err(pool_missing(client, &name, e.into()).await);
            }
            println!("Deleted work pool '{name}'");
        }
    }
    Ok(())
}

fn pool_status(p: &WorkPool) -> (String, Paint) {
    if p.is_paused {
        return ("paused".into(), Paint::Yellow);
    }
    match p.status.as_deref() {
        Some("READY") => ("ready".into(), Paint::Green),
        Some(s) => (s.to_lowercase().replace('_', " "), Paint::Grey),
        None => ("-".into(), Paint::Grey),
    }
}

async fn set_pool_paused(client: &Client, name: &str, paused: bool) -> anyhow::Result<()> {
    if let Err(e) = client
        .patch(
            &format!("/work_pools/{}", seg(name)),
            &json!({"is_paused": paused}),
        )
        .await
    {
        return Err(pool_missing(client, name, e.into()).await);
    }
    println!(
        "{} work pool '{name}'",
        if paused { "Paused" } else { "Resumed" }
    );
    Ok(())
}

async fn queues(client: &Client, pool: &str) -> anyhow::Result<Vec<WorkQueue>> {
    match client
        .post(
            &format!("/work_pools/{}/queues/filter", seg(pool)),
            &json!({}),
        )
        .await
    {
        Ok(q) => Ok(q),
        Err(e) => Err(pool_missing(client, pool, e.into()).await),
    }
}

async fn inspect(client: &Client, out: Out, name: &str) -> anyhow::Result<()> {
    let p = get_pool(client, name).await?;
    let qs = queues(client, name).await?;
    let workers: Vec<Worker> = client
        .post(
            &format!("/work_pools/{}/workers/filter", seg(name)),
            &json!({}),
        )
        .await?;
    if out.json() {
        return out.print_json(&json!({"work_pool": p, "queues": qs, "workers": workers}));
    }
    out.heading(&format!("Work pool '{}'", p.name));
    let (status, paint) = pool_status(&p);
    out.fields(&[
        ("id", p.id.clone()),
        ("type", p.kind.clone()),
        ("status", out.paint(&status, paint)),
        (
            "description",
            p.description.clone().unwrap_or_else(|| "-".into()),
        ),
        (
            "concurrency",
            p.concurrency_limit.map_or("-".into(), |c| c.to_string()),
        ),
        ("created", short_time(p.created.as_deref())),
    ]);
    out.heading("Queues:");
    for q in &qs {
        let paused = if q.is_paused {
            out.paint(" (paused)", Paint::Yellow)
        } else {
            String::new()
        };
        println!("  {} priority {}{paused}", q.name, q.priority);
    }
    out.heading("Workers:");
    if workers.is_empty() {
        println!(
            "  none; start one with `baton worker start --pool {}`",
            p.name
        );
    }
    for w in &workers {
        let paint = if w.status == "ONLINE" {
            Paint::Green
        } else {
            Paint::Grey
        };
        println!(
            "  {} {} (last heartbeat {})",
            w.name,
            out.paint(&w.status.to_lowercase(), paint),
            when(w.last_heartbeat_time.as_deref())
        );
    }
    Ok(())
}

/// Turns a 404 on queue `name` of `pool` into the list of its queues.
async fn queue_missing(client: &Client, pool: &str, name: &str, e: anyhow::Error) -> anyhow::Error {
    if !is_not_found(&e) {
        return e;
    }
    match queues(client, pool).await {
        Ok(qs) => {
            let names: Vec<String> = qs.into_iter().map(|q| q.name).collect();
            anyhow::anyhow!(
                "work queue '{name}' not found in pool '{pool}'; its queues: {}",
                names.join(", ")
            )
        }
        Err(e) => e,
    }
}

/// Runs `baton work-queue …`.
pub async fn run_queue(client: &Client, out: Out, cmd: WorkQueueCmd) -> anyhow::Result<()> {
    match cmd {
        WorkQueueCmd::Ls { pool } => {
            let qs = queues(client, &pool).await?;
            if out.json() {
                return out.print_json(&qs);
            }
            let mut t = out.table(&["NAME", "PRIORITY", "STATUS", "CONCURRENCY", "LAST POLLED"]);
            for q in &qs {
                let (status, paint) = if q.is_paused {
                    ("paused", Paint::Yellow)
                } else {
                    ("ready", Paint::Green)
                };
                t.add_row(vec![
                    out.cell(&q.name, Some(Paint::Bold)),
                    out.cell(&q.priority.to_string(), None),
                    out.cell(status, Some(paint)),
                    out.cell(
                        &q.concurrency_limit.map_or("-".into(), |c| c.to_string()),
                        None,
                    ),
                    out.cell(&short_time(q.last_polled.as_deref()), None),
                ]);
            }
            println!("{t}");
        }
        WorkQueueCmd::Create {
            name,
            pool,
            priority,
            concurrency_limit,
            description,
        } => {
            let mut body = json!({"name": name, "description": description, "concurrency_limit": concurrency_limit});
            if let Some(p) = priority {
                body["priority"] = json!(p);
            }
            let q: WorkQueue = match client
                .post(&format!("/work_pools/{}/queues", seg(&pool)), &body)
                .await
            {
                Ok(q) => q,
                Err(e) if e.status() == Some(409) => {
                    anyhow::bail!("work queue '{name}' already exists in pool '{pool}'")
                }
                Err(e) => return Err(pool_missing(client, &pool, e.into()).await),
            };
            if out.json() {
                return out.print_json(&q);
            }
            println!(
                "Created work queue '{}' in pool '{pool}' (priority {})",
                q.name, q.priority
            );
        }
        WorkQueueCmd::Pause { name, pool } => {
            set_queue(client, &pool, &name, json!({"is_paused": true}), "Paused").await?
        }
        WorkQueueCmd::Resume { name, pool } => {
            set_queue(client, &pool, &name, json!({"is_paused": false}), "Resumed").await?
        }
        WorkQueueCmd::Delete { name, pool } => {
            if let Err(e) = client
                .delete(&format!("/work_pools/{}/queues/{}", seg(&pool), seg(&name)))
                .await
            {
                return Err(queue_missing(client, &pool, &name, e.into()).await);
            }
            println!("Deleted work queue '{name}' of pool '{pool}'");
        }
    }
    Ok(())
}

async fn set_queue(
    client: &Client,
    pool: &str,
    name: &str,
    body: Value,
    verb: &str,
) -> anyhow::Result<()> {
    if let Err(e) = client
        .patch(
            &format!("/work_pools/{}/queues/{}", seg(pool), seg(name)),
            &body,
        )
        .await
    {
        return Err(queue_missing(client, pool, name, e.into()).await);
    }
    println!("{verb} work queue '{name}' of pool '{pool}'");
    Ok(())
}
