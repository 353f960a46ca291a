//! `baton block ls | inspect | delete | type ls` against a real server: secrets stay hidden.

use crate::cli::baton;
use crate::helpers::*;
use serde_json::json;

#[tokio::test]
async fn block_commands() {
    let app = spawn_app().await;
    let r = baton(&app, &["block", "ls"]).await.ok();
    assert!(r.stdout.contains("No blocks yet"), "{}", r.stdout);
    app.secret_block("api-key", "cli-zq-901").await;
    let r = baton(&app, &["block", "ls"]).await.ok();
    assert!(r.stdout.contains("secret/api-key"), "{}", r.stdout);
    let r = baton(&app, &["block", "inspect", "api-key"]).await.ok();
    assert!(
        r.stdout.contains("********") && !r.stdout.contains("cli-zq-901"),
        "{}",
        r.stdout
    );
    let r = baton(&app, &["-o", "json", "block", "inspect", "secret/api-key"])
        .await
        .ok();
    assert_eq!(r.json()["data"], json!({"value": "********"}));
    let r = baton(&app, &["block", "type", "ls"]).await.ok();
    for slug in ["secret", "webhook", "local-file-system"] {
        assert!(r.stdout.contains(slug), "{}", r.stdout);
    }
    let r = baton(&app, &["block", "inspect", "nope"]).await;
    assert_ne!(r.code, 0);
    assert!(r.stderr.contains("no block named 'nope'"), "{}", r.stderr);
    baton(&app, &["block", "delete", "secret/api-key"])
        .await
        .ok();
    let r = baton(&app, &["-o", "json", "block", "ls"]).await.ok();
    assert_eq!(r.json(), json!([]));
    app.stop().await;
}
