use crate::helpers::*;
use reqwest::StatusCode;
use serde_json::json;

#[tokio::test]
async fn probes_answer_like_prefect() {
    let app = spawn_app().await;
    assert_eq!(app.get("/health").await, (StatusCode::OK, json!(true)));
    assert_eq!(app.get("/version").await, (StatusCode::OK, json!("0.8.4")));
    let (s, v) = app.get("/admin/version").await;
    assert_eq!(s, StatusCode::OK);
    assert!(v.as_str().unwrap().starts_with("3."));
    assert_eq!(
        app.get("/admin/storage").await,
        (
            StatusCode::OK,
            json!({"default_result_storage_block_id": null})
        )
    );
    let (s, v) = app.get("/csrf-token?client=abc").await;
    assert_detail(
        s,
        &v,
        StatusCode::UNPROCESSABLE_ENTITY,
        "CSRF protection is disabled.",
    );
    let (s, v) = app.get("/no/such/route").await;
    assert_detail(s, &v, StatusCode::NOT_FOUND, "Not Found");
    app.stop().await;
}
