//! The real binary: start line, data dir resolution, data kept across restarts, clean exit on SIGTERM.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

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
    let deadline = Instant::now() + Duration::from_secs(15);
    loop {
        if let Some(status) = s.child.try_wait().unwrap() {
            return status;
        }
        assert!(
            Instant::now() < deadline,
            "baton serve did not exit after SIGTERM"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
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
