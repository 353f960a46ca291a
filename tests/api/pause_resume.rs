//! Pausing, suspending and resuming flow runs, and the values sent to a run, as Prefect 3 serves them:
//! a blocking pause resumes to RUNNING, a suspension to SCHEDULED "Resuming" (a worker starts it again),
//! a run waiting for input takes only an answer that meets its schema, an expired pause fails the run.

use crate::helpers::{assert_detail, spawn_app_without_worker, TestApp};
use reqwest::StatusCode;
use serde_json::{json, Value};

/// A running run of a flow (with a deployment when `deployment` is given).
async fn running(app: &TestApp, deployment: Option<&str>) -> String {
    let id = match deployment {
        Some(d) => app.deployment_run(d).await,
        None => {
            let flow = app.flow("pausing").await;
            app.run(&flow, json!({})).await.id.to_string()
        }
    };
    let scheduled = app
        .flow_run(&id)
        .await
        .state
        .is_some_and(|s| s.kind == "SCHEDULED");
    let kinds: &[&str] = if scheduled {
        &["PENDING", "RUNNING"]
    } else {
        &["RUNNING"]
    };
    for kind in kinds {
        let (st, out) = app.set_state(&id, json!({"type": kind}), false).await;
        assert_eq!(st, StatusCode::CREATED, "{out}");
    }
    id
}

async fn resume(app: &TestApp, id: &str, body: Value) -> (StatusCode, Value) {
    app.post(&format!("/flow_runs/{id}/resume"), body).await
}

#[tokio::test]
async fn a_pause_waits_for_input_that_meets_its_schema() {
    let app = spawn_app_without_worker().await;
    let id = running(&app, None).await;
    let schema = json!({"type": "object", "properties": {"approved": {"type": "boolean"}},
        "required": ["approved"]});
    let keyset = json!({"schema": "paused-1-schema", "response": "paused-1-response",
        "description": "paused-1-description"});
    let (st, out) = app
        .set_state(
            &id,
            json!({"type": "PAUSED", "name": "Paused", "state_details": {"pause_key": "1",
                "pause_timeout": "2999-01-01T00:00:00Z", "run_input_keyset": keyset}}),
            false,
        )
        .await;
    assert_eq!(out["status"], "ACCEPT", "{out}");
    assert_eq!(st, StatusCode::CREATED);
    // As the SDK does: the schema is saved once the run is paused.
    let (st, _) = app
        .post(
            &format!("/flow_runs/{id}/input"),
            json!({"key": "paused-1-schema", "value": schema.to_string()}),
        )
        .await;
    assert_eq!(st, StatusCode::CREATED);

    let (st, out) = resume(&app, &id, json!({"run_input": {"approved": "yes"}})).await;
    assert_eq!(st, StatusCode::OK);
    assert_eq!(out["status"], "REJECT", "{out}");
    let reason = out["details"]["reason"].as_str().unwrap();
    assert!(
        reason.starts_with("Reason: Validation failed for field 'approved'."),
        "{reason}"
    );
    assert_eq!(out["state"]["type"], "PAUSED");
    let (_, out) = resume(&app, &id, json!({})).await;
    assert_eq!(out["status"], "REJECT", "no answer is an empty one: {out}");

    let (st, out) = resume(&app, &id, json!({"run_input": {"approved": true}})).await;
    assert_eq!(st, StatusCode::CREATED);
    assert_eq!(out["status"], "ACCEPT", "{out}");
    assert_eq!(out["state"]["type"], "RUNNING");
    let r = app
        .client
        .get(app.url(&format!("/flow_runs/{id}/input/paused-1-response")))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    assert!(r.headers()["content-type"]
        .to_str()
        .unwrap()
        .starts_with("text/plain"));
    let answer: Value = serde_json::from_str(&r.text().await.unwrap()).unwrap();
    assert_eq!(answer, json!({"approved": true}));
    let run = app.flow_run(&id).await;
    assert_eq!(run.empirical_policy.pause_keys, ["1"]);
    assert!(run.empirical_policy.resuming);

    let (_, out) = resume(&app, &id, json!({})).await;
    assert_eq!(out["status"], "ABORT");
    assert_eq!(
        out["details"]["reason"],
        "Cannot resume a flow run that is not paused."
    );
    // The same pause does not fire twice.
    let (_, out) = app
        .set_state(
            &id,
            json!({"type": "PAUSED", "state_details": {"pause_key": "1"}}),
            false,
        )
        .await;
    assert_eq!(out["status"], "REJECT");
    assert_eq!(out["details"]["reason"], "This pause has already fired.");
    app.stop().await;
}

#[tokio::test]
async fn an_expired_pause_fails_the_run_and_suspending_needs_a_deployment() {
    let app = spawn_app_without_worker().await;
    let id = running(&app, None).await;
    let (_, out) = app
        .set_state(
            &id,
            json!({"type": "PAUSED", "state_details": {"pause_timeout": "2000-01-01T00:00:00Z"}}),
            false,
        )
        .await;
    assert_eq!(out["status"], "ACCEPT", "{out}");
    let (st, out) = resume(&app, &id, json!({})).await;
    assert_eq!(
        st,
        StatusCode::CREATED,
        "the Failed state is written: {out}"
    );
    assert_eq!(out["status"], "REJECT");
    assert_eq!(out["state"]["type"], "FAILED");
    assert_eq!(
        out["details"]["reason"],
        "The flow run pause has timed out and can no longer resume."
    );

    let other = running(&app, None).await;
    let (_, out) = app
        .set_state(
            &other,
            json!({"type": "PAUSED", "name": "Suspended",
                "state_details": {"pause_reschedule": true}}),
            false,
        )
        .await;
    assert_eq!(out["status"], "ABORT");
    assert_eq!(
        out["details"]["reason"],
        "Cannot suspend flows without a deployment."
    );
    let (_, out) = app
        .set_state(&other, json!({"type": "PENDING"}), false)
        .await;
    assert_eq!(out["status"], "ABORT", "{out}");
    app.stop().await;
}

#[tokio::test]
async fn a_suspended_run_resumes_scheduled_for_a_worker() {
    let app = spawn_app_without_worker().await;
    let flow = app.flow("suspending").await;
    let dep = app.deployment(json!({"name": "d", "flow_id": flow})).await;
    let id = running(&app, Some(&dep)).await;
    let (_, out) = app
        .set_state(
            &id,
            json!({"type": "PAUSED", "name": "Suspended",
                "state_details": {"pause_reschedule": true, "pause_key": "s1"}}),
            false,
        )
        .await;
    assert_eq!(out["status"], "ACCEPT", "{out}");
    let (st, out) = resume(&app, &id, json!({})).await;
    assert_eq!(st, StatusCode::CREATED);
    assert_eq!(out["state"]["type"], "SCHEDULED", "{out}");
    assert_eq!(out["state"]["name"], "Resuming");
    let run = app.flow_run(&id).await;
    assert_eq!(
        run.empirical_policy.pause_keys,
        ["s1"],
        "a suspension keeps its keys, so it does not fire again"
    );
    app.stop().await;
}

#[tokio::test]
async fn inputs_by_key_prefix_and_their_errors() {
    let app = spawn_app_without_worker().await;
    let flow = app.flow("inputs").await;
    let id = app.run(&flow, json!({})).await.id.to_string();
    for (key, sender) in [("msg-1", "a"), ("msg-2", "b"), ("other", "c")] {
        let (st, _) = app
            .post(
                &format!("/flow_runs/{id}/input"),
                json!({"key": key, "value": "\"v\"", "sender": sender}),
            )
            .await;
        assert_eq!(st, StatusCode::CREATED);
    }
    let (st, dup) = app
        .post(
            &format!("/flow_runs/{id}/input"),
            json!({"key": "msg-1", "value": "1"}),
        )
        .await;
    assert_detail(st, &dup, StatusCode::CONFLICT, "already exists");
    let (st, bad) = app
        .post(
            &format!("/flow_runs/{id}/input"),
            json!({"key": "Bad_Key", "value": "1"}),
        )
        .await;
    assert_detail(st, &bad, StatusCode::UNPROCESSABLE_ENTITY, "lowercase");
    let missing = "00000000-0000-0000-0000-000000000000";
    let (st, nf) = app
        .post(
            &format!("/flow_runs/{missing}/input"),
            json!({"key": "k", "value": "1"}),
        )
        .await;
    assert_detail(st, &nf, StatusCode::NOT_FOUND, "Flow run not found");

    let (_, one) = app
        .post(
            &format!("/flow_runs/{id}/input/filter"),
            json!({"prefix": "msg-"}),
        )
        .await;
    assert_eq!(one.as_array().unwrap().len(), 1, "limit defaults to 1");
    assert_eq!(one[0]["key"], "msg-1");
    assert_eq!(one[0]["sender"], "a");
    let (_, rest) = app
        .post(
            &format!("/flow_runs/{id}/input/filter"),
            json!({"prefix": "msg-", "limit": 10, "exclude_keys": ["msg-1"]}),
        )
        .await;
    let keys: Vec<&str> = rest
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["key"].as_str().unwrap())
        .collect();
    assert_eq!(keys, ["msg-2"]);

    let (st, _) = app.delete(&format!("/flow_runs/{id}/input/msg-2")).await;
    assert_eq!(st, StatusCode::NO_CONTENT);
    let (st, gone) = app.delete(&format!("/flow_runs/{id}/input/msg-2")).await;
    assert_detail(st, &gone, StatusCode::NOT_FOUND, "Flow run input not found");
    let (st, _) = app.get(&format!("/flow_runs/{id}/input/msg-2")).await;
    assert_eq!(st, StatusCode::NOT_FOUND);
    // Deleting the run deletes its inputs.
    app.delete(&format!("/flow_runs/{id}")).await;
    let (_, none) = app
        .post(
            &format!("/flow_runs/{id}/input/filter"),
            json!({"prefix": ""}),
        )
        .await;
    assert_eq!(none, json!([]));
    app.stop().await;
}

#[tokio::test]
async fn baton_flow_run_resume_answers_a_waiting_run() {
    let app = spawn_app_without_worker().await;
    let id = running(&app, None).await;
    let keyset = json!({"schema": "paused-1-schema", "response": "paused-1-response"});
    app.set_state(
        &id,
        json!({"type": "PAUSED", "state_details": {"run_input_keyset": keyset}}),
        false,
    )
    .await;
    let schema = json!({"type": "object", "properties": {"n": {"type": "integer"}},
        "required": ["n"]});
    app.post(
        &format!("/flow_runs/{id}/input"),
        json!({"key": "paused-1-schema", "value": schema.to_string()}),
    )
    .await;
    let r = crate::cli::baton(&app, &["flow-run", "resume", &id, "--input", "[1]"]).await;
    assert_ne!(r.code, 0);
    assert!(r.stderr.contains("JSON object"), "{}", r.stderr);
    let r = crate::cli::baton(
        &app,
        &["flow-run", "resume", &id, "--input", r#"{"n": "x"}"#],
    )
    .await;
    assert_ne!(r.code, 0);
    assert!(
        r.stderr.contains("Validation failed for field 'n'"),
        "{}",
        r.stderr
    );
    let r = crate::cli::baton(&app, &["flow-run", "resume", &id, "--input", r#"{"n": 4}"#])
        .await
        .ok();
    assert!(r.stdout.contains("Resumed flow run"), "{}", r.stdout);
    assert_eq!(
        app.flow_run(&id).await.state.map(|s| s.kind).as_deref(),
        Some("RUNNING")
    );
    app.stop().await;
}
