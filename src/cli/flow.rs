//! `baton flow ls`: the flows the server knows, with their deployments.

use super::client::Client;
use crate::output::{short_time, Out, Paint};
use crate::wire::flows::Flow;
use serde_json::json;
use std::collections::HashMap;

/// `baton flow …`.
#[derive(clap::Subcommand, Debug)]
pub enum FlowCmd {
    /// List flows.
    Ls {
        /// How many.
        #[arg(long, default_value_t = 200)]
        limit: u32,
    },
}

/// Runs `baton flow …`.
pub async fn run(client: &Client, out: Out, cmd: FlowCmd) -> anyhow::Result<()> {
    let FlowCmd::Ls { limit } = cmd;
    let flows: Vec<Flow> = client
        .post(
            "/flows/filter",
            &json!({"sort": "NAME_ASC", "limit": limit.min(200)}),
        )
        .await?;
    if out.json() {
        return out.print_json(&flows);
    }
    if flows.is_empty() {
        println!("No flows yet; deploy one with `baton deploy`.");
        return Ok(());
    }
    let mut deployments: HashMap<String, Vec<String>> = HashMap::new();
    for d in client.deployments().await? {
        deployments
            .entry(d.flow_id.clone())
            .or_default()
            .push(d.name);
    }
    let mut t = out.table(&["ID", "NAME", "DEPLOYMENTS", "CREATED"]);
    for f in &flows {
        let deps = deployments
            .get(&f.id)
            .map(|d| d.join(", "))
            .unwrap_or_default();
        t.add_row(vec![
            out.cell(&f.id, None),
            out.cell(&f.name, Some(Paint::Bold)),
            out.cell(&deps, None),
            out.cell(&short_time(f.created.as_deref()), None),
        ]);
    }
    println!("{t}");
    Ok(())
}
