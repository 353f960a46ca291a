//! `baton concurrency ls | inspect | create | update | reset | delete` against a real server: both kinds
//! of limit, holders with their lease expiry, waiters, and errors that name what is wrong.

use crate::cli::baton;
use crate::concurrency_limits::wait_in_line;
use crate::helpers::*;
use serde_json::json;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrency_commands() {
    let app = spawn_app_without_worker().await;
    let r = baton(&app, &["concurrency", "ls"]).await.ok();
    assert!(r.stdout.contains("No concurrency limits"), "{}", r.stdout);
    let r = baton(
        &app,
        &[
            "-o",
            "json",
            "concurrency",
            "create",
            "warehouse",
            "--limit",
            "1",
        ],
    )
    .await
    .ok();
    assert_eq!(r.json()["limit"], 1);
    baton(
        &app,
        &["concurrency", "create", "db", "--tag", "--limit", "2"],
    )
    .await
    .ok();
    let r = baton(
        &app,
        &["concurrency", "create", "warehouse", "--limit", "1"],
    )
    .await;
    assert_ne!(r.code, 0);
    assert!(r.stderr.contains("already exists"), "{}", r.stderr);
    let r = baton(&app, &["concurrency", "create", "bad", "--limit", "-1"]).await;
    assert_ne!(r.code, 0);
    assert!(r.stderr.contains("limit"), "{}", r.stderr);
    // A holder with a lease, and a waiter behind it.
    let task = uuid::Uuid::from_u128(42);
    let (_, got) = app
        .post(
            "/v2/concurrency_limits/increment-with-lease",
            json!({"names": ["warehouse"], "slots": 1, "lease_duration": 120, "holder": {"type": "task_run", "id": task}}),
        )
        .await;
    let waiting = wait_in_line(
        &app,
        json!({"names": ["warehouse"], "slots": 1}),
        "warehouse",
        1,
    )
    .await;
    let r = baton(&app, &["concurrency", "ls"]).await.ok();
    for want in ["warehouse", "tag:db", "1/1", "0/2"] {
        assert!(r.stdout.contains(want), "{want} in {}", r.stdout);
    }
    let r = baton(&app, &["concurrency", "inspect", "warehouse"])
        .await
        .ok();
    assert!(r.stdout.contains(&task.to_string()), "{}", r.stdout);
    assert!(
        r.stdout.contains(got["lease_id"].as_str().unwrap()),
        "{}",
        r.stdout
    );
    assert!(r.stdout.contains("WAITING SINCE"), "{}", r.stdout);
    let r = baton(&app, &["-o", "json", "concurrency", "inspect", "warehouse"])
        .await
        .ok();
    assert_eq!(r.json()["holders"][0]["holder_id"], json!(task));
    assert_eq!(r.json()["waiters"].as_array().unwrap().len(), 1);
    // Reset releases the holder's lease: the waiter gets the slot.
    baton(&app, &["concurrency", "reset", "warehouse"])
        .await
        .ok();
    let answer = waiting.await.unwrap().unwrap();
    assert_eq!(answer.status(), reqwest::StatusCode::OK);
    let r = baton(
        &app,
        &[
            "-o",
            "json",
            "concurrency",
            "update",
            "warehouse",
            "--limit",
            "3",
            "--disable",
        ],
    )
    .await
    .ok();
    assert_eq!(
        (r.json()["limit"].as_i64(), r.json()["active"].as_bool()),
        (Some(3), Some(false))
    );
    let r = baton(&app, &["concurrency", "update", "warehouse"]).await;
    assert_eq!(r.code, 2, "{}", r.stderr);
    baton(&app, &["concurrency", "delete", "tag:db"]).await.ok();
    let r = baton(&app, &["concurrency", "inspect", "tag:db"]).await;
    assert_ne!(r.code, 0);
    assert!(r.stderr.contains("No concurrency limit"), "{}", r.stderr);
    app.stop().await;
}
