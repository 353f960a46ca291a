//! The flow's interpreter: a Prefect flow whose Python cannot import `prefect` is not started; the run ends
//! FAILED with one line naming the interpreter and the ways to fix it, which `baton flow-run why` and
//! `inspect` show. The interpreter comes from the `python` job variable, a `.venv` of the project, or
//! `baton serve --python`.

use crate::cli::baton;
use crate::helpers::*;
use serde_json::{json, Value};
use std::path::{Path, PathBuf};
use std::time::Duration;

const FLOW: &str = "from prefect import flow\n\n@flow(log_prints=True)\ndef etl(day: str = 'today'):\n    print(day)\n";

/// A Python that has no prefect: it records how it was called and fails like a real one would.
fn fake_python(path: &Path) -> PathBuf {
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    let script = "#!/bin/sh\necho \"$1\" >> \"$0.calls\"\n\
                  echo \"ModuleNotFoundError: No module named 'prefect'\" >&2\nexit 1\n";
    std::fs::write(path, script).unwrap();
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o755)).unwrap();
    path.to_path_buf()
}

fn calls(python: &Path) -> Vec<String> {
    let log = format!("{}.calls", python.display());
    std::fs::read_to_string(log)
        .unwrap_or_default()
        .lines()
        .map(String::from)
        .collect()
}

async fn deploy_and_run(app: &TestApp, project: &Path, job_variables: Value) -> String {
    std::fs::write(project.join("etl.py"), FLOW).unwrap();
    let flow = app.flow("etl").await;
    let body = json!({"name": "nightly", "flow_id": flow, "work_pool_name": "default", "entrypoint": "etl.py:etl",
                      "path": project.to_str().unwrap(), "job_variables": job_variables});
    let dep = app.deployment(body).await;
    app.deployment_run(&dep).await
}

async fn ended(app: &TestApp, id: &str) -> FlowRun {
    let end = &["COMPLETED", "FAILED", "CRASHED"];
    app.wait_state(id, end, Duration::from_secs(20)).await
}

async fn log_text(app: &TestApp, id: &str) -> String {
    let (_, l) = app
        .post(
            "/logs/filter",
            json!({"logs": {"flow_run_id": {"any_": [id]}}}),
        )
        .await;
    l.to_string()
}

/// The run ended FAILED, without starting anything, with one line naming `python` and the three fixes.
async fn refused(app: &TestApp, id: &str, python: &Path) -> String {
    let done = ended(app, id).await;
    assert_eq!(done.state_type.as_deref(), Some("FAILED"), "{done:?}");
    let msg = done.state.as_ref().unwrap().message.clone().unwrap();
    assert!(!msg.contains('\n'), "one line: {msg}");
    for needle in [
        python.to_str().unwrap(),
        "cannot import prefect",
        "--job-variable python=",
        ".venv",
        "baton serve --python",
    ] {
        assert!(msg.contains(needle), "{needle:?} in {msg}");
    }
    assert_eq!(calls(python), ["-c"], "only asked whether it has prefect");
    let logs = log_text(app, id).await;
    assert!(logs.contains("cannot import prefect"), "{logs}");
    assert!(
        !logs.contains("ModuleNotFoundError"),
        "nothing started: {logs}"
    );
    msg
}

#[tokio::test]
async fn a_flow_whose_python_lacks_prefect_is_not_started_and_why_says_so() {
    let app = spawn_app().await;
    let dir = tempfile::tempdir().unwrap();
    let python = fake_python(&dir.path().join("nopf/bin/python"));
    let id = deploy_and_run(&app, dir.path(), json!({"python": python})).await;
    let msg = refused(&app, &id, &python).await;
    assert!(msg.contains("python job variable"), "{msg}");

    let why = baton(&app, &["flow-run", "why", &id]).await.ok();
    assert!(why.stdout.contains(&msg), "{}", why.stdout);
    let inspect = baton(&app, &["flow-run", "inspect", &id]).await.ok();
    assert!(inspect.stdout.contains(&msg), "{}", inspect.stdout);
    app.stop().await;
}

#[tokio::test]
async fn the_projects_venv_and_the_servers_python_option_are_used() {
    let dir = tempfile::tempdir().unwrap();
    let server_python = fake_python(&dir.path().join("server-py/bin/python3"));
    let app = spawn_with(|c| c.python = Some(server_python.to_string_lossy().into_owned())).await;

    let project = dir.path().join("proj");
    let venv_python = fake_python(&project.join(".venv/bin/python"));
    let nested = project.join("flows");
    std::fs::create_dir_all(&nested).unwrap();
    let id = deploy_and_run(&app, &nested, json!({})).await;
    let msg = refused(&app, &id, &venv_python).await;
    assert!(msg.contains("project's virtualenv"), "{msg}");

    let elsewhere = dir.path().join("elsewhere");
    std::fs::create_dir_all(&elsewhere).unwrap();
    let id = deploy_and_run(&app, &elsewhere, json!({})).await;
    let msg = refused(&app, &id, &server_python).await;
    assert!(msg.contains("--python"), "{msg}");

    // A command deployment runs whatever it names: no interpreter is asked anything.
    let flow = app.flow("jobs").await;
    let body = json!({"name": "cmd", "flow_id": flow, "work_pool_name": "default", "path": elsewhere.to_str().unwrap(),
                      "job_variables": {"command": "sh -c 'echo fine'"}});
    let (_, d) = app.post("/deployments/", body).await;
    let (_, r) = app
        .post(
            &format!("/deployments/{}/create_flow_run", d["id"].as_str().unwrap()),
            json!({}),
        )
        .await;
    let done = ended(&app, r["id"].as_str().unwrap()).await;
    assert_eq!(done.state_type.as_deref(), Some("COMPLETED"), "{done:?}");
    assert_eq!(calls(&server_python), ["-c"], "asked once, for the flow");
    app.stop().await;
}

#[tokio::test]
async fn baton_deploy_records_the_projects_virtualenv_unless_told_otherwise() {
    let app = spawn_app_without_worker().await;
    let dir = tempfile::tempdir().unwrap();
    let venv_python = fake_python(&dir.path().join(".venv/bin/python"));
    std::fs::write(dir.path().join("etl.py"), FLOW).unwrap();
    let out = crate::cli::baton_in(&app, Some(dir.path()), &["deploy", "etl.py:etl", "-n", "a"])
        .await
        .ok();
    assert!(
        out.stdout.contains(venv_python.to_str().unwrap()),
        "{}",
        out.stdout
    );
    let (_, d) = app.get("/deployments/name/etl/a").await;
    assert_eq!(d["job_variables"], json!({"python": venv_python}), "{d}");
    let args = [
        "deploy",
        "etl.py:etl",
        "-n",
        "b",
        "-j",
        "python=/opt/py/bin/python",
    ];
    crate::cli::baton_in(&app, Some(dir.path()), &args)
        .await
        .ok();
    let (_, d) = app.get("/deployments/name/etl/b").await;
    assert_eq!(
        d["job_variables"],
        json!({"python": "/opt/py/bin/python"}),
        "{d}"
    );
    app.stop().await;
}

#[test]
fn a_python_option_that_names_nothing_stops_serve_and_worker_at_once() {
    let home = tempfile::tempdir().unwrap();
    for args in [
        &["serve", "--port", "0", "--python", "/no/such/python"][..],
        &[
            "worker",
            "start",
            "--pool",
            "p",
            "--python",
            "/no/such/python",
        ][..],
    ] {
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_baton"))
            .args(args)
            .env("BATON_HOME", home.path())
            .env_remove("BATON_PYTHON")
            .output()
            .unwrap();
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(1), "{args:?}: {err}");
        assert!(
            err.contains("--python /no/such/python: no such file"),
            "{err}"
        );
    }
}
