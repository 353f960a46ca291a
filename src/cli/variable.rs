//! `baton variable ls | get | set | unset`: named JSON values that flows read at run time.

use super::client::{is_not_found, seg, Client};
use crate::output::{short_time, Out, Paint};
use crate::wire::variables::Variable;
use serde_json::{json, Value};

/// `baton variable …`.
#[derive(clap::Subcommand, Debug)]
pub enum VariableCmd {
    /// List variables.
    Ls {
        /// How many.
        #[arg(long, default_value_t = 200)]
        limit: u32,
    },
    /// Print a variable's value (all its fields with --output json).
    Get { name: String },
    /// Create or (with --overwrite) replace a variable. VALUE is read as JSON when it parses, else as text.
    Set {
        name: String,
        value: String,
        /// Replace the variable if it exists.
        #[arg(long)]
        overwrite: bool,
        /// A tag (repeatable).
        #[arg(long = "tag")]
        tags: Vec<String>,
    },
    /// Delete a variable.
    Unset { name: String },
}

/// The value of `VALUE` on the command line: JSON when it parses, else the text itself.
pub fn parse_value(raw: &str) -> Value {
    serde_json::from_str(raw).unwrap_or_else(|_| Value::String(raw.to_string()))
}

fn show(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// Runs `baton variable …`.
pub async fn run(client: &Client, out: Out, cmd: VariableCmd) -> anyhow::Result<()> {
    match cmd {
        VariableCmd::Ls { limit } => ls(client, out, limit).await,
        VariableCmd::Get { name } => {
            let v: Variable = client
                .get(&format!("/variables/name/{}", seg(&name)))
                .await?;
            if out.json() {
                return out.print_json(&v);
            }
            println!("{}", show(&v.value));
            Ok(())
        }
        VariableCmd::Set {
            name,
            value,
            overwrite,
            tags,
        } => set(client, out, name, parse_value(&value), overwrite, tags).await,
        VariableCmd::Unset { name } => {
            client
                .delete(&format!("/variables/name/{}", seg(&name)))
                .await?;
            if out.json() {
                return out.print_json(&json!({"deleted": name}));
            }
            println!("Deleted variable '{name}'.");
            Ok(())
        }
    }
}

async fn ls(client: &Client, out: Out, limit: u32) -> anyhow::Result<()> {
    let vars: Vec<Variable> = client
        .post(
            "/variables/filter",
            &json!({"sort": "NAME_ASC", "limit": limit.min(200)}),
        )
        .await?;
    if out.json() {
        return out.print_json(&vars);
    }
    if vars.is_empty() {
        println!("No variables yet; create one with `baton variable set NAME VALUE`.");
        return Ok(());
    }
    let mut t = out.table(&["NAME", "VALUE", "TAGS", "UPDATED"]);
    for v in &vars {
        let mut value = show(&v.value);
        if value.chars().count() > 60 {
            value = value.chars().take(59).collect::<String>() + "…";
        }
        t.add_row(vec![
            out.cell(&v.name, Some(Paint::Bold)),
            out.cell(&value, None),
            out.cell(&v.tags.join(", "), None),
            out.cell(&short_time(v.updated.as_deref()), None),
        ]);
    }
    println!("{t}");
    Ok(())
}

async fn set(
    client: &Client,
    out: Out,
    name: String,
    value: Value,
    overwrite: bool,
    tags: Vec<String>,
) -> anyhow::Result<()> {
    let path = format!("/variables/name/{}", seg(&name));
    let existing = match client.get::<Variable>(&path).await {
        Ok(v) => Some(v),
        Err(e) => {
            let e = anyhow::Error::from(e);
            if !is_not_found(&e) {
                return Err(e);
            }
            None
        }
    };
    let v: Variable = match existing {
        Some(_) if !overwrite => {
            return Err(super::usage(format!(
                "variable '{name}' already exists; pass --overwrite to replace it"
            )))
        }
        Some(_) => {
            client
                .patch(&path, &json!({"value": value, "tags": tags}))
                .await?;
            client.get(&path).await?
        }
        None => {
            client
                .post(
                    "/variables/",
                    &json!({"name": name, "value": value, "tags": tags}),
                )
                .await?
        }
    };
    if out.json() {
        return out.print_json(&v);
    }
    println!("Set variable '{}' = {}", v.name, show(&v.value));
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_are_json_or_text() {
        assert_eq!(parse_value("42"), json!(42));
        assert_eq!(parse_value("{\"a\": 1}"), json!({"a": 1}));
        assert_eq!(parse_value("hello world"), json!("hello world"));
        assert_eq!(parse_value("\"quoted\""), json!("quoted"));
    }
}
