//! Store failures by kind (issue 13, item 5): a row that does not decode is an error (500, its cause in
//! the answer and the log), never a default such as the nil UUID or the epoch; a temporary failure (busy,
//! full disk) stays a 503, which `faults_disk.rs` covers.

use crate::helpers::*;
use reqwest::StatusCode;
use serde_json::json;

fn damage(app: &TestApp, sql: &str, id: &str) {
    let db = rusqlite::Connection::open(app.home.join("baton.db")).unwrap();
    db.busy_timeout(std::time::Duration::from_secs(5)).unwrap();
    db.pragma_update(None, "foreign_keys", false).unwrap();
    let n = db.execute(sql, [id]).unwrap();
    assert_eq!(n, 1, "{sql} changed no row");
}

#[tokio::test]
async fn sqlite_only_a_damaged_row_answers_500_naming_the_cause() {
    let app = spawn_app_without_worker().await;
    let flow = app.flow("damaged").await;
    let run = app.run(&flow, json!({"name": "victim"})).await;
    let id = run.id.clone();
    let (s, _) = app.get(&format!("/flow_runs/{id}")).await;
    assert_eq!(s, StatusCode::OK);

    damage(
        &app,
        "UPDATE flow_runs SET created = 'not a time' WHERE id = ?1",
        &id,
    );
    let (s, body) = app.get(&format!("/flow_runs/{id}")).await;
    assert_eq!(s, StatusCode::INTERNAL_SERVER_ERROR, "{body}");
    let detail = body["detail"].as_str().unwrap();
    assert!(detail.contains("malformed timestamp"), "{detail}");
    assert!(
        !detail.contains("try again"),
        "not a temporary failure: {detail}"
    );
    let (s, body) = app.post("/flow_runs/filter", json!({})).await;
    assert_eq!(s, StatusCode::INTERNAL_SERVER_ERROR, "{body}");

    // A damaged id is not read as the nil UUID either.
    let other = app.run(&flow, json!({"name": "second"})).await;
    let other_id = other.id.clone();
    damage(
        &app,
        "UPDATE flow_runs SET flow_id = 'xyz' WHERE id = ?1",
        &other_id,
    );
    let (s, body) = app.get(&format!("/flow_runs/{other_id}")).await;
    assert_eq!(s, StatusCode::INTERNAL_SERVER_ERROR, "{body}");
    assert!(
        !body
            .to_string()
            .contains("00000000-0000-0000-0000-000000000000"),
        "{body}"
    );
    assert!(
        body["detail"].as_str().unwrap().contains("malformed UUID"),
        "{body}"
    );
    // Other objects still read.
    let (s, _) = app.get(&format!("/flows/{flow}")).await;
    assert_eq!(s, StatusCode::OK);
    app.stop().await;
}
