//! Block and variable placeholders in job variables, resolved by the worker when it starts the run; an
//! unknown one fails the run with a message naming it.

use crate::helpers::*;
use serde_json::{json, Value};
use std::time::Duration;

const WAIT: Duration = Duration::from_secs(20);

async fn run_with(app: &TestApp, name: &str, job_variables: Value) -> FlowRun {
    let flow = app.flow("templated").await;
    let dep = app
        .deployment(
            json!({"name": name, "flow_id": flow, "work_pool_name": "default",
                           "job_variables": job_variables}),
        )
        .await;
    let id = app.deployment_run(&dep).await;
    app.wait_state(&id, &["COMPLETED", "FAILED", "CRASHED"], WAIT)
        .await
}

#[tokio::test]
async fn placeholders_are_resolved_when_the_run_starts() {
    let app = spawn_app().await;
    app.secret_block("api-key", "zz-token-1").await;
    app.post("/variables/", json!({"name": "greeting", "value": "world"}))
        .await;
    let vars = json!({
        "command": "sh -c 'echo token=$TOKEN greeting=$GREETING port=$PORT'",
        "env": {"TOKEN": "{{ prefect.blocks.secret.api-key }}",
                "GREETING": "hello {{ prefect.variables.greeting }}",
                "PORT": "{{prefect.variables.port}}"}
    });
    app.post("/variables/", json!({"name": "port", "value": 8080}))
        .await;
    let done = run_with(&app, "templated", vars).await;
    assert_eq!(done.state_type.as_deref(), Some("COMPLETED"), "{done:?}");
    let lines = app.log_messages(&done.id).await;
    assert!(
        lines.contains(&"token=zz-token-1 greeting=hello world port=8080".to_string()),
        "{lines:?}"
    );

    let missing = json!({"command": "sh -c 'echo never'",
                         "env": {"TOKEN": "{{ prefect.blocks.secret.no-such-key }}"}});
    let failed = run_with(&app, "missing", missing).await;
    assert_eq!(failed.state_type.as_deref(), Some("FAILED"), "{failed:?}");
    let msg = failed.state.as_ref().unwrap().message.clone().unwrap();
    assert!(
        msg.contains("no-such-key") && msg.contains("secret"),
        "{msg}"
    );
    app.stop().await;
}
