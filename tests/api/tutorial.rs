//! docs/tutorial.md part 1, run as written: every `sh` block, in order, with Baton's CLI against a real server
//! on a fresh data dir (no Python Prefect involved).

use crate::helpers::*;
use std::path::Path;
use std::process::Command;

/// The `sh` code blocks between two markers of the tutorial.
pub fn sh_blocks(doc: &str, start: &str, end: &str) -> Vec<String> {
    let part = doc
        .split(start)
        .nth(1)
        .and_then(|rest| rest.split(end).next())
        .unwrap_or_default();
    let mut blocks = Vec::new();
    let mut current: Option<String> = None;
    for line in part.lines() {
        match (&mut current, line.trim_end()) {
            (None, "```sh") => current = Some(String::new()),
            (Some(b), "```") => {
                blocks.push(std::mem::take(b));
                current = None;
            }
            (Some(b), l) => {
                b.push_str(l);
                b.push('\n');
            }
            _ => {}
        }
    }
    blocks
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn part_one_runs_as_written() {
    let app = spawn_app().await;
    let doc =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/tutorial.md"))
            .unwrap();
    let blocks = sh_blocks(&doc, "<!-- part1:start -->", "<!-- part1:end -->");
    assert!(
        blocks.len() >= 8,
        "the tutorial's blocks were found: {}",
        blocks.len()
    );
    let dir = tempfile::tempdir().unwrap();
    let bin_dir = Path::new(env!("CARGO_BIN_EXE_baton"))
        .parent()
        .unwrap()
        .to_path_buf();
    // Part 1 needs no Python Prefect: directories holding a `prefect` executable are left off the PATH.
    let system_path = std::env::var("PATH").unwrap_or_default();
    let without_prefect: Vec<&str> = system_path
        .split(':')
        .filter(|d| !Path::new(d).join("prefect").exists())
        .collect();
    let path = format!("{}:{}", bin_dir.display(), without_prefect.join(":"));
    let probe = Command::new("bash")
        .args(["-c", "command -v prefect"])
        .env("PATH", &path)
        .output()
        .unwrap();
    assert!(!probe.status.success(), "no prefect on the PATH of part 1");
    for block in blocks {
        let (cwd, api, path) = (dir.path().to_path_buf(), app.base.clone(), path.clone());
        let b = block.clone();
        let out = tokio::task::spawn_blocking(move || {
            Command::new("bash")
                .args(["-e", "-o", "pipefail", "-c", &b])
                .current_dir(cwd)
                .env("PATH", path)
                .env("BATON_API_URL", api)
                .env("NO_COLOR", "1")
                .env_remove("PREFECT_API_URL")
                .output()
                .unwrap()
        })
        .await
        .unwrap();
        assert!(
            out.status.success(),
            "tutorial block failed:\n{block}\n--- stdout ---\n{}\n--- stderr ---\n{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
    }
    let (_, runs) = app
        .post(
            "/flow_runs/filter",
            serde_json::json!({"flow_runs": {"state": {"type": {"any_": ["COMPLETED"]}}}}),
        )
        .await;
    assert!(
        runs.as_array().unwrap().len() >= 2,
        "the watched runs completed"
    );
    app.stop().await;
}
