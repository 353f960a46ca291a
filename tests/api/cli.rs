//! Baton's own CLI: the built binary run with `--api` against a real in-process server — deploy (commands,
//! Python functions, baton.yaml), run and watch, deployments, schedules and their preview, flow runs, work
//! pools, and errors that say what exists and what to do.

use crate::helpers::*;
use serde_json::{json, Value};
use std::path::Path;

pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl Run {
    pub fn json(&self) -> Value {
        serde_json::from_str(&self.stdout)
            .unwrap_or_else(|e| panic!("not JSON ({e}): {}\n{}", self.stdout, self.stderr))
    }

    pub fn ok(self) -> Run {
        assert_eq!(
            self.code, 0,
            "stdout:\n{}\nstderr:\n{}",
            self.stdout, self.stderr
        );
        self
    }
}

/// Runs `baton --api <app> args…` in `dir` (default: the current directory).
pub async fn baton_in(app: &TestApp, dir: Option<&Path>, args: &[&str]) -> Run {
    let mut cmd = tokio::process::Command::new(env!("CARGO_BIN_EXE_baton"));
    cmd.arg("--api")
        .arg(&app.base)
        .args(args)
        .env_remove("BATON_API_URL")
        .env_remove("PREFECT_API_URL")
        .env("NO_COLOR", "1")
        .stdin(std::process::Stdio::null());
    if let Some(d) = dir {
        cmd.current_dir(d);
    }
    let out = tokio::time::timeout(std::time::Duration::from_secs(20), cmd.output())
        .await
        .expect("baton took more than 20 s")
        .unwrap();
    Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

pub async fn baton(app: &TestApp, args: &[&str]) -> Run {
    baton_in(app, None, args).await
}

pub async fn deploy_greet(app: &TestApp) {
    baton(
        app,
        &[
            "deploy",
            "--command",
            "sh -c 'echo hi $BATON_PARAM_WHO'",
            "--flow",
            "greet",
            "-n",
            "hello",
            "--param",
            "who=x",
        ],
    )
    .await
    .ok();
}

#[tokio::test]
async fn a_deployed_command_runs_and_watch_exits_with_its_outcome() {
    let app = spawn_app().await;
    let tmp = tempfile::tempdir().unwrap();
    let dir = Some(tmp.path());
    let r = baton_in(
        &app,
        dir,
        &[
            "deploy",
            "--command",
            "sh -c 'echo hi $BATON_PARAM_WHO'",
            "--flow",
            "greet",
            "-n",
            "hello",
            "--param",
            "who=x",
        ],
    )
    .await
    .ok();
    assert!(
        r.stdout.contains("baton deployment run 'greet/hello'"),
        "{}",
        r.stdout
    );
    let r = baton(&app, &["deployment", "run", "greet/hello", "--watch"])
        .await
        .ok();
    assert!(r.stdout.contains("hi x"), "{}", r.stdout);
    assert!(r.stdout.contains("Completed"), "{}", r.stdout);
    let r = baton(
        &app,
        &[
            "deployment",
            "run",
            "greet/hello",
            "--param",
            "who=[1,2]",
            "--watch",
        ],
    )
    .await
    .ok();
    assert!(r.stdout.contains("hi [1,2]"), "{}", r.stdout);

    baton(
        &app,
        &[
            "deploy",
            "--command",
            "sh -c 'echo boom; exit 3'",
            "--flow",
            "greet",
            "-n",
            "broken",
        ],
    )
    .await
    .ok();
    let r = baton(&app, &["deployment", "run", "greet/broken", "--watch"]).await;
    assert_eq!(r.code, 1, "{}\n{}", r.stdout, r.stderr);
    assert!(
        r.stdout.contains("boom") && r.stdout.contains("Failed"),
        "{}",
        r.stdout
    );

    let (_, d) = app.get("/deployments/name/greet/hello").await;
    assert_eq!(
        d["job_variables"]["command"],
        "sh -c 'echo hi $BATON_PARAM_WHO'"
    );
    assert_eq!(d["parameters"], json!({"who": "x"}));
    assert_eq!(
        d["path"],
        json!(tmp.path().canonicalize().unwrap().to_string_lossy())
    );
}

#[tokio::test]
async fn deploying_a_python_function_reads_its_signature() {
    let app = spawn_app_without_worker().await;
    let tmp = tempfile::tempdir().unwrap();
    std::fs::write(
        tmp.path().join("flows.py"),
        "import os\n\ndef add_up(a: int, b: str = \"x\",\n           c: float | None = None,\n           items: list[int] = [1, 2]):\n    \"\"\"Adds things up.\"\"\"\n    print(a)\n",
    )
    .unwrap();
    baton_in(
        &app,
        Some(tmp.path()),
        &[
            "deploy",
            "flows.py:add_up",
            "-n",
            "typed",
            "--cron",
            "0 2 * * *",
            "--timezone",
            "Europe/Berlin",
            "--tag",
            "prod",
        ],
    )
    .await
    .ok();
    let (_, d) = app.get("/deployments/name/add-up/typed").await;
    let s = &d["parameter_openapi_schema"];
    assert_eq!(s["required"], json!(["a"]), "{s}");
    assert_eq!(s["properties"]["a"]["type"], "integer");
    assert_eq!(s["properties"]["b"]["type"], "string");
    assert_eq!(s["properties"]["b"]["default"], "x");
    assert_eq!(
        s["properties"]["c"]["anyOf"],
        json!([{"type": "number"}, {"type": "null"}])
    );
    assert_eq!(s["properties"]["items"]["items"]["type"], "integer");
    assert_eq!(d["entrypoint"], "flows.py:add_up");
    assert_eq!(d["description"], "Adds things up.");
    assert_eq!(d["tags"], json!(["prod"]));
    assert_eq!(d["work_pool_name"], "default");
    assert_eq!(d["schedules"][0]["schedule"]["timezone"], "Europe/Berlin");
    assert!(d["version"].as_str().is_some_and(|v| !v.is_empty()));
    // Redeploying updates in place.
    baton_in(
        &app,
        Some(tmp.path()),
        &[
            "deploy",
            "flows.py:add_up",
            "-n",
            "typed",
            "--description",
            "new",
        ],
    )
    .await
    .ok();
    let (_, again) = app.get("/deployments/name/add-up/typed").await;
    assert_eq!(again["id"], d["id"]);
    assert_eq!(again["description"], "new");
    // A bad parameter is refused by the schema.
    let r = baton(
        &app,
        &["deployment", "run", "add-up/typed", "--param", "a=nope"],
    )
    .await;
    assert_eq!(r.code, 1);
    assert!(
        r.stderr.contains("Validation failed for field 'a'"),
        "{}",
        r.stderr
    );
}

#[tokio::test]
async fn deploy_all_reads_baton_yaml() {
    let app = spawn_app_without_worker().await;
    let tmp = tempfile::tempdir().unwrap();
    std::fs::write(tmp.path().join("etl.py"), "from prefect import flow\n\n@flow(name=\"etl-flow\")\ndef etl(day: str = \"today\"):\n    pass\n").unwrap();
    std::fs::write(
        tmp.path().join("baton.yaml"),
        "deployments:\n- name: nightly\n  entrypoint: etl.py:etl\n  parameters: {day: monday}\n  schedules:\n  - cron: \"0 9 * * 1-5\"\n    timezone: America/Chicago\n  work_pool: {name: default}\n- name: backup\n  flow: backup\n  command: ./backup.sh --full\n  schedules:\n  - interval: 600\n",
    )
    .unwrap();
    let r = baton_in(&app, Some(tmp.path()), &["deploy", "--all"])
        .await
        .ok();
    assert!(
        r.stdout.contains("etl-flow/nightly") && r.stdout.contains("backup/backup"),
        "{}",
        r.stdout
    );
    let ls = baton(&app, &["deployment", "ls", "--output", "json"])
        .await
        .ok()
        .json();
    let mut names: Vec<&str> = ls
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["name"].as_str().unwrap())
        .collect();
    names.sort();
    assert_eq!(names, ["backup", "nightly"]);
    let (_, d) = app.get("/deployments/name/etl-flow/nightly").await;
    assert_eq!(d["parameters"], json!({"day": "monday"}));
    assert_eq!(d["schedules"][0]["schedule"]["cron"], "0 9 * * 1-5");
    let (_, b) = app.get("/deployments/name/backup/backup").await;
    assert_eq!(b["job_variables"]["command"], "./backup.sh --full");
    assert_eq!(b["schedules"][0]["schedule"]["interval"], json!(600.0));
    let r = baton_in(&app, Some(tmp.path()), &["deploy", "nope"]).await;
    assert_eq!(r.code, 1);
    assert!(
        r.stderr.contains("etl-flow/nightly, backup/backup"),
        "{}",
        r.stderr
    );
}

#[tokio::test]
async fn inspect_and_schedules_with_a_dst_preview() {
    let app = spawn_app_without_worker().await;
    deploy_greet(&app).await;
    let r = baton(&app, &["deployment", "inspect", "greet/hello"])
        .await
        .ok();
    assert!(
        r.stdout.contains("Deployment 'greet/hello'") && r.stdout.contains("echo hi"),
        "{}",
        r.stdout
    );
    let d = baton(&app, &["deployment", "inspect", "hello", "-o", "json"])
        .await
        .ok()
        .json();
    assert_eq!(d["name"], "hello");
    baton(
        &app,
        &[
            "deployment",
            "schedule",
            "create",
            "greet/hello",
            "--cron",
            "30 2 * * *",
            "--timezone",
            "America/New_York",
        ],
    )
    .await
    .ok();
    let ls = baton(
        &app,
        &["deployment", "schedule", "ls", "greet/hello", "-o", "json"],
    )
    .await
    .ok()
    .json();
    assert_eq!(ls[0]["schedule"]["cron"], "30 2 * * *");
    let r = baton(
        &app,
        &[
            "deployment",
            "schedule",
            "preview",
            "greet/hello",
            "--start",
            "2024-03-08",
            "-n",
            "4",
        ],
    )
    .await
    .ok();
    assert!(
        r.stdout.contains("Sun 2024-03-10 03:30 EDT"),
        "{}",
        r.stdout
    );
    assert!(r.stdout.contains("EST → EDT"), "{}", r.stdout);
    assert!(
        r.stdout.contains("Sat 2024-03-09 02:30 EST"),
        "{}",
        r.stdout
    );
    baton(&app, &["deployment", "schedule", "pause", "greet/hello"])
        .await
        .ok();
    let (_, d) = app.get("/deployments/name/greet/hello").await;
    assert_eq!(d["schedules"][0]["active"], false);
    baton(&app, &["deployment", "pause", "greet/hello"])
        .await
        .ok();
    let (_, d) = app.get("/deployments/name/greet/hello").await;
    assert_eq!(d["paused"], true);
    baton(&app, &["deployment", "resume", "greet/hello"])
        .await
        .ok();
    let sid = ls[0]["id"].as_str().unwrap();
    baton(
        &app,
        &[
            "deployment",
            "schedule",
            "delete",
            "greet/hello",
            &sid[..12],
        ],
    )
    .await
    .ok();
    let (_, d) = app.get("/deployments/name/greet/hello").await;
    assert_eq!(d["paused"], false);
    assert_eq!(d["schedules"], json!([]));
    baton(&app, &["deployment", "delete", "greet/hello"])
        .await
        .ok();
    let (status, _) = app.get("/deployments/name/greet/hello").await;
    assert_eq!(status, 404);
}
