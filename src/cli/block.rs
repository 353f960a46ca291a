//! `baton block ls | inspect NAME | delete NAME | type ls`: saved blocks (typed configuration and secrets).
//! A block is named `TYPE-SLUG/NAME`, or `NAME` alone when one type has it. Secret fields show as
//! `********`: the CLI never asks the server for them.

use super::client::{seg, Client};
use crate::output::{short_time, Out, Paint};
use crate::wire::blocks::{BlockDocument, BlockType};
use serde_json::{json, Value};

/// `baton block …`.
#[derive(clap::Subcommand, Debug)]
pub enum BlockCmd {
    /// List saved blocks.
    Ls,
    /// Show a block's fields (secrets hidden) and the blocks it refers to.
    Inspect {
        /// `TYPE-SLUG/NAME`, or `NAME` when only one type has a block of that name.
        name: String,
    },
    /// Delete a saved block.
    Delete { name: String },
    /// Block types.
    Type {
        #[command(subcommand)]
        cmd: BlockTypeCmd,
    },
}

/// `baton block type …`.
#[derive(clap::Subcommand, Debug)]
pub enum BlockTypeCmd {
    /// List block types.
    Ls,
}

/// Runs `baton block …`.
pub async fn run(client: &Client, out: Out, cmd: BlockCmd) -> anyhow::Result<()> {
    match cmd {
        BlockCmd::Ls => ls(client, out).await,
        BlockCmd::Inspect { name } => {
            let d = find(client, &name).await?;
            if out.json() {
                return out.print_json(&d);
            }
            inspect(&out, &d);
            Ok(())
        }
        BlockCmd::Delete { name } => {
            let d = find(client, &name).await?;
            client.delete(&format!("/block_documents/{}", d.id)).await?;
            let full = format!("{}/{}", d.block_type.slug, d.name);
            if out.json() {
                return out.print_json(&json!({"deleted": full}));
            }
            println!("Deleted block '{full}'.");
            Ok(())
        }
        BlockCmd::Type {
            cmd: BlockTypeCmd::Ls,
        } => types(client, out).await,
    }
}

/// The block `TYPE-SLUG/NAME`, or the one block called `NAME`.
async fn find(client: &Client, name: &str) -> anyhow::Result<BlockDocument> {
    if let Some((slug, doc)) = name.split_once('/') {
        let path = format!(
            "/block_types/slug/{}/block_documents/name/{}",
            seg(slug),
            seg(doc)
        );
        return Ok(client.get(&path).await?);
    }
    let found: Vec<BlockDocument> = client
        .post(
            "/block_documents/filter",
            &json!({"block_documents": {"name": {"any_": [name]}, "is_anonymous": null}}),
        )
        .await?;
    match found.as_slice() {
        [one] => Ok(one.clone()),
        [] => anyhow::bail!("no block named '{name}' (see `baton block ls`)"),
        many => {
            let all: Vec<String> = many
                .iter()
                .map(|d| format!("{}/{}", d.block_type.slug, d.name))
                .collect();
            anyhow::bail!(
                "several blocks are named '{name}': {}; name one as TYPE-SLUG/NAME",
                all.join(", ")
            )
        }
    }
}

async fn ls(client: &Client, out: Out) -> anyhow::Result<()> {
    let docs: Vec<BlockDocument> = client
        .post(
            "/block_documents/filter",
            &json!({"sort": "BLOCK_TYPE_AND_NAME_ASC", "limit": 200}),
        )
        .await?;
    if out.json() {
        return out.print_json(&docs);
    }
    if docs.is_empty() {
        println!(
            "No blocks yet; Prefect code saves them, e.g. `Secret(value=...).save(\"name\")`."
        );
        return Ok(());
    }
    let mut t = out.table(&["BLOCK", "TYPE", "FIELDS", "UPDATED"]);
    for d in &docs {
        t.add_row(vec![
            out.cell(
                &format!("{}/{}", d.block_type.slug, d.name),
                Some(Paint::Bold),
            ),
            out.cell(&d.block_type.name, None),
            out.cell(&d.data.keys().cloned().collect::<Vec<_>>().join(", "), None),
            out.cell(&short_time(Some(&d.updated)), None),
        ]);
    }
    println!("{t}");
    Ok(())
}

fn inspect(out: &Out, d: &BlockDocument) {
    println!("{}/{}  ({})", d.block_type.slug, d.name, d.block_type.name);
    println!("id       {}", d.id);
    println!("updated  {}", short_time(Some(&d.updated)));
    let mut t = out.table(&["FIELD", "VALUE"]);
    for (k, v) in &d.data {
        let shown = match v {
            Value::String(s) => s.clone(),
            other => other.to_string(),
        };
        t.add_row(vec![out.cell(k, Some(Paint::Bold)), out.cell(&shown, None)]);
    }
    println!("{t}");
    for (field, r) in &d.block_document_references {
        let b = &r.block_document;
        println!("{field} → {}/{}", b.block_type.slug, b.name);
    }
}

async fn types(client: &Client, out: Out) -> anyhow::Result<()> {
    let types: Vec<BlockType> = client.post("/block_types/filter", &json!({})).await?;
    if out.json() {
        return out.print_json(&types);
    }
    let mut t = out.table(&["SLUG", "NAME", "PROTECTED", "DESCRIPTION"]);
    for bt in &types {
        let mut desc = bt.description.clone().unwrap_or_default();
        if desc.chars().count() > 70 {
            desc = desc.chars().take(69).collect::<String>() + "…";
        }
        t.add_row(vec![
            out.cell(&bt.slug, Some(Paint::Bold)),
            out.cell(&bt.name, None),
            out.cell(if bt.is_protected { "yes" } else { "" }, None),
            out.cell(&desc, None),
        ]);
    }
    println!("{t}");
    Ok(())
}
