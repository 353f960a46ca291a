//! `baton variable ls | get | set | unset` against a real server.

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
