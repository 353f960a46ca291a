//! The real binary: start line, data dir resolution, data kept across restarts, clean exit on SIGTERM.

use crate::helpers::poll_until_blocking;
use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

struct Server {
    child: Child,
    api: String,
}

fn start(home_flag: Option<&std::path::Path>, env_home: Option<&std::path::Path>) -> Server {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_baton"));
    cmd.args(["serve", "--host", "127.0.0.1", "--port", "0"]);
    if let Some(h) = home_flag {
        cmd.arg("--home").arg(h);
    }
    cmd.env_remove("BATON_HOME");
    if let Some(h) = env_home {
        cmd.env("BATON_HOME", h);
    }
    let mut child = cmd
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    let mut line = String::new();
    BufReader::new(stdout).read_line(&mut line).unwrap();
    let start = line.find("http://").expect("start line names the API");
    let api = line[start..].split_whitespace().next().unwrap().to_string();
    assert!(
        line.contains("data "),
        "start line says where the data lives: {line}"
    );
    Server { child, api }
}

fn terminate(mut s: Server) -> std::process::ExitStatus {
    let pid = s.child.id().to_string();
    Command::new("kill").args(["-TERM", &pid]).status().unwrap();
    poll_until_blocking(
        "baton serve to exit after SIGTERM",
        Duration::from_secs(15),
        || s.child.try_wait().unwrap(),
        Option::is_some,
    )
    .unwrap()
}

fn get(url: &str) -> String {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async { reqwest::get(url).await.unwrap().text().await.unwrap() })
}

fn post(url: &str, body: serde_json::Value) -> String {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        reqwest::Client::new()
            .post(url)
            .json(&body)
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap()
    })
}

#[test]
fn serve_keeps_data_and_exits_cleanly_on_sigterm() {
    let dir = tempfile::tempdir().unwrap();
    let home = dir.path().join("flag-home");
    let s = start(Some(&home), None);
    assert_eq!(get(&format!("{}/health", s.api)), "true");
    post(
        &format!("{}/flows/", s.api),
        serde_json::json!({"name": "kept"}),
    );
    assert!(terminate(s).success(), "exit code 0 on SIGTERM");
    assert!(home.join("baton.db").exists());

    let s = start(Some(&home), None);
    assert!(
        get(&format!("{}/flows/name/kept", s.api)).contains("\"kept\""),
        "data survives a restart"
    );
    assert!(terminate(s).success());
}

#[test]
fn baton_home_env_picks_the_data_dir() {
    let dir = tempfile::tempdir().unwrap();
    let home = dir.path().join("env-home");
    let s = start(None, Some(&home));
    assert_eq!(get(&format!("{}/health", s.api)), "true");
    assert!(terminate(s).success());
    assert!(
        home.join("baton.db").exists(),
        "BATON_HOME decides where the database lives"
    );
}

fn get_json(url: &str) -> serde_json::Value {
    serde_json::from_str(&get(url)).unwrap_or(serde_json::Value::Null)
}

#[test]
fn runs_left_by_a_killed_server_are_crashed_on_restart() {
    let dir = tempfile::tempdir().unwrap();
    let home = dir.path().join("home");
    let s = start(Some(&home), None);
    let flow: serde_json::Value = serde_json::from_str(&post(
        &format!("{}/flows/", s.api),
        serde_json::json!({"name": "jobs"}),
    ))
    .unwrap();
    let dep: serde_json::Value = serde_json::from_str(&post(
        &format!("{}/deployments/", s.api),
        serde_json::json!({"name": "sleepy", "flow_id": flow["id"], "work_pool_name": "default", "job_variables": {"command": "sleep 60"}}),
    ))
    .unwrap();
    let run: serde_json::Value = serde_json::from_str(&post(
        &format!(
            "{}/deployments/{}/create_flow_run",
            s.api,
            dep["id"].as_str().unwrap()
        ),
        serde_json::json!({}),
    ))
    .unwrap();
    let id = run["id"].as_str().unwrap().to_string();
    let r = poll_until_blocking(
        "the run to be RUNNING",
        Duration::from_secs(15),
        || get_json(&format!("{}/flow_runs/{id}", s.api)),
        |r| r["state_type"] == "RUNNING",
    );
    let pid: i32 = r["infrastructure_pid"].as_str().unwrap().parse().unwrap();
    let mut server = s;
    Command::new("kill")
        .args(["-KILL", &server.child.id().to_string()])
        .status()
        .unwrap();
    server.child.wait().unwrap();
    assert!(
        nix::sys::signal::kill(nix::unistd::Pid::from_raw(pid), None).is_ok(),
        "the child outlived the server"
    );

    let s = start(Some(&home), None);
    let r = get_json(&format!("{}/flow_runs/{id}", s.api));
    assert_eq!(r["state_type"], "CRASHED", "{r}");
    // Gone, or a zombie (ended, waiting for a parent to reap it).
    poll_until_blocking(
        "the orphaned process to be ended",
        Duration::from_secs(5),
        || {
            let alive = nix::sys::signal::kill(nix::unistd::Pid::from_raw(pid), None).is_ok();
            alive
                && !std::fs::read_to_string(format!("/proc/{pid}/stat"))
                    .is_ok_and(|st| st.contains(") Z "))
        },
        |running| !running,
    );
    assert!(terminate(s).success());
}
