//! `baton variable ls | get | set | unset`, and `baton deploy --catchup` / `catchup:` in baton.yaml, against a real server.

use crate::cli::baton;
use crate::helpers::*;
use serde_json::json;

#[tokio::test]
async fn variable_commands() {
    let app = spawn_app().await;
    let r = baton(&app, &["variable", "ls"]).await.ok();
    assert!(r.stdout.contains("No variables"), "{}", r.stdout);
    let r = baton(
        &app,
        &[
            "-o",
            "json",
            "variable",
            "set",
            "conf",
            r#"{"a": [1, 2]}"#,
            "--tag",
            "t1",
        ],
    )
    .await
    .ok();
    assert_eq!(r.json()["value"], json!({"a": [1, 2]}));
    assert_eq!(r.json()["tags"], json!(["t1"]));
    let r = baton(&app, &["variable", "set", "conf", "again"]).await;
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(r.stderr.contains("--overwrite"), "{}", r.stderr);
    baton(
        &app,
        &["variable", "set", "conf", "plain text", "--overwrite"],
    )
    .await
    .ok();
    let r = baton(&app, &["variable", "get", "conf"]).await.ok();
    assert_eq!(r.stdout.trim(), "plain text");
    baton(&app, &["variable", "set", "n", "42"]).await.ok();
    let (_, v) = app.get("/variables/name/n").await;
    assert_eq!(v["value"], 42);
    let r = baton(&app, &["-o", "json", "variable", "ls"]).await.ok();
    let names: Vec<String> = r
        .json()
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v["name"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(names, ["conf", "n"]);
    let r = baton(&app, &["variable", "ls"]).await.ok();
    assert!(
        r.stdout.contains("plain text") && r.stdout.contains("42"),
        "{}",
        r.stdout
    );
    baton(&app, &["variable", "unset", "conf"]).await.ok();
    let r = baton(&app, &["variable", "get", "conf"]).await;
    assert_eq!(r.code, 1);
    assert!(r.stderr.contains("Variable not found"), "{}", r.stderr);
    let r = baton(&app, &["variable", "unset", "conf"]).await;
    assert_eq!(r.code, 1);
    app.stop().await;
}

#[tokio::test]
async fn deploy_sets_catchup_from_flags_and_baton_yaml() {
    use crate::cli::baton_in;
    let app = spawn_app_without_worker().await;
    baton(
        &app,
        &[
            "deploy",
            "--command",
            "true",
            "--flow",
            "sync",
            "-n",
            "hourly",
            "--interval",
            "3600",
            "--catchup",
            "latest",
        ],
    )
    .await
    .ok();
    let (_, d) = app.get("/deployments/name/sync/hourly").await;
    let (_, c) = app
        .get(&format!(
            "/baton/deployments/{}/catchup",
            d["id"].as_str().unwrap()
        ))
        .await;
    assert_eq!(c["catchup"], "latest");
    let r = baton(&app, &["deployment", "inspect", "sync/hourly"])
        .await
        .ok();
    assert!(
        r.stdout
            .lines()
            .any(|l| l.starts_with("catchup") && l.ends_with("latest")),
        "{}",
        r.stdout
    );
    let r = baton(
        &app,
        &[
            "deploy",
            "--command",
            "true",
            "--flow",
            "sync",
            "-n",
            "x",
            "--catchup",
            "some",
        ],
    )
    .await;
    assert_eq!(r.code, 2, "{}", r.stderr);

    let tmp = tempfile::tempdir().unwrap();
    std::fs::write(
        tmp.path().join("baton.yaml"),
        "deployments:\n- name: nightly\n  flow: backup\n  command: ./backup.sh\n  catchup: none\n  schedules:\n  - cron: \"0 2 * * *\"\n",
    )
    .unwrap();
    baton_in(&app, Some(tmp.path()), &["deploy", "--all"])
        .await
        .ok();
    let (_, d) = app.get("/deployments/name/backup/nightly").await;
    let (_, c) = app
        .get(&format!(
            "/baton/deployments/{}/catchup",
            d["id"].as_str().unwrap()
        ))
        .await;
    assert_eq!(c["catchup"], "none");
    std::fs::write(
        tmp.path().join("baton.yaml"),
        "deployments:\n- name: nightly\n  flow: backup\n  command: ./backup.sh\n  catchup: sometimes\n",
    )
    .unwrap();
    let r = baton_in(&app, Some(tmp.path()), &["deploy", "--all"]).await;
    assert_eq!(r.code, 1);
    assert!(r.stderr.contains("catchup"), "{}", r.stderr);
    app.stop().await;
}
