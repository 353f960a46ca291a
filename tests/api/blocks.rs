//! Blocks over HTTP: types, schemas and documents with Prefect's rules and status codes (checked side by side
//! with Prefect 3.9.1's server), secrets hidden and kept, references, and data sealed at rest.

use crate::helpers::*;
use reqwest::StatusCode;
use serde_json::{json, Value};

/// A type `my-thing` with one schema whose `token` and `headers.*` are secret: (type id, schema id).
async fn my_thing(app: &TestApp) -> (String, String) {
    let (s, t) = app
        .post(
            "/block_types/",
            json!({"name": "My Thing", "slug": "my-thing", "description": "<b>x</b> & y"}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{t}");
    assert_eq!(t["description"], "&lt;b&gt;x&lt;/b&gt; &amp; y");
    let fields = json!({"title": "MyThing", "type": "object", "block_type_slug": "my-thing",
        "properties": {"url": {"type": "string"}, "token": {"type": "string", "format": "password"}},
        "secret_fields": ["token", "headers.*"], "block_schema_references": {}});
    let body = json!({"block_type_id": t["id"], "fields": fields, "capabilities": ["x"]});
    let (s, schema) = app.post("/block_schemas/", body.clone()).await;
    assert_eq!(s, StatusCode::CREATED, "{schema}");
    let (s, again) = app.post("/block_schemas/", body).await;
    assert_eq!(
        (s, &again["id"]),
        (StatusCode::OK, &schema["id"]),
        "same checksum and version"
    );
    let id = |v: &Value| v["id"].as_str().unwrap().to_string();
    (id(&t), id(&schema))
}

async fn document(
    app: &TestApp,
    name: &str,
    data: Value,
    ids: &(String, String),
) -> (StatusCode, Value) {
    app.post(
        "/block_documents/",
        json!({"name": name, "data": data, "block_type_id": ids.0, "block_schema_id": ids.1}),
    )
    .await
}

#[tokio::test]
async fn types_and_schemas_follow_prefects_rules() {
    let app = spawn_app().await;
    let ids = my_thing(&app).await;
    let (s, v) = app
        .post(
            "/block_types/",
            json!({"name": "Other", "slug": "my-thing"}),
        )
        .await;
    assert_detail(s, &v, StatusCode::CONFLICT, "already exists");
    let (s, v) = app
        .post(
            "/block_types/",
            json!({"name": "PrefectX", "slug": "prefectx"}),
        )
        .await;
    assert_detail(s, &v, StatusCode::FORBIDDEN, "reserved");
    let (s, v) = app
        .post("/block_types/", json!({"name": "a/b", "slug": "ab"}))
        .await;
    assert_detail(s, &v, StatusCode::UNPROCESSABLE_ENTITY, "pattern");

    let (_, schema) = app.get(&format!("/block_schemas/{}", ids.1)).await;
    assert_eq!(schema["block_type"]["slug"], "my-thing");
    let sum = schema["checksum"].as_str().unwrap();
    assert!(sum.starts_with("sha256:") && sum.len() == 71, "{sum}");
    let (s, _) = app.get(&format!("/block_schemas/checksum/{sum}")).await;
    assert_eq!(s, StatusCode::OK);
    let (s, _) = app
        .get(&format!("/block_schemas/checksum/{sum}?version=9"))
        .await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    let (_, caps) = app.get("/block_capabilities/").await;
    assert!(caps.as_array().unwrap().contains(&json!("x")), "{caps}");

    // The protected system types exist from the start; they cannot be deleted, and installing them again
    // restores a changed description.
    let (_, secret) = app.get("/block_types/slug/secret").await;
    assert_eq!(secret["is_protected"], true);
    let path = format!("/block_types/{}", secret["id"].as_str().unwrap());
    let (s, v) = app.delete(&path).await;
    assert_detail(s, &v, StatusCode::FORBIDDEN, "cannot be deleted");
    let (s, _) = app.patch(&path, json!({"description": "changed"})).await;
    assert_eq!(s, StatusCode::NO_CONTENT);
    let (s, v) = app
        .post("/block_types/install_system_block_types", json!({}))
        .await;
    assert_eq!((s, v), (StatusCode::OK, Value::Null));
    assert_ne!(app.get(&path).await.1["description"], "changed");
    let (_, types) = app.post("/block_types/filter", json!({})).await;
    let slugs: Vec<&str> = types
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["slug"].as_str().unwrap())
        .collect();
    for slug in ["secret", "webhook", "local-file-system", "my-thing"] {
        assert!(slugs.contains(&slug), "{slugs:?}");
    }
    app.stop().await;
}

#[tokio::test]
async fn documents_hide_secrets_and_keep_them_on_patch() {
    let app = spawn_app().await;
    let ids = my_thing(&app).await;
    let data = json!({"url": "u1", "token": "t1-zq", "headers": {"A": "a", "B": {"deep": "d"}}});
    let (s, d) = document(&app, "one", data, &ids).await;
    assert_eq!(s, StatusCode::CREATED, "{d}");
    assert_eq!(
        d["data"],
        json!({"url": "u1", "token": "********", "headers": {"A": "********", "B": {"deep": "********"}}})
    );
    assert_eq!(d["block_type_name"], "My Thing");
    let (s, v) = document(&app, "one", json!({}), &ids).await;
    assert_detail(s, &v, StatusCode::CONFLICT, "Block already exists");
    let (s, v) = document(&app, "Bad_Name", json!({}), &ids).await;
    assert_detail(s, &v, StatusCode::UNPROCESSABLE_ENTITY, "lowercase letters");

    let id = d["id"].as_str().unwrap();
    let patch =
        json!({"data": {"url": "u2", "token": "********", "headers": {"A": "********", "C": "c"}}});
    let (s, _) = app.patch(&format!("/block_documents/{id}"), patch).await;
    assert_eq!(s, StatusCode::NO_CONTENT);
    let (_, clear) = app
        .get(&format!("/block_documents/{id}?include_secrets=true"))
        .await;
    assert_eq!(
        clear["data"],
        json!({"url": "u2", "token": "t1-zq", "headers": {"A": "a", "C": "c"}})
    );
    let (s, v) = app
        .patch(&format!("/block_documents/{id}"), json!({"name": "x"}))
        .await;
    assert_detail(s, &v, StatusCode::UNPROCESSABLE_ENTITY, "name");
    let (s, _) = app
        .patch(
            &format!("/block_documents/{id}"),
            json!({"merge_existing_data": false}),
        )
        .await;
    assert_eq!(s, StatusCode::NO_CONTENT);
    let (_, wiped) = app.get(&format!("/block_documents/{id}")).await;
    assert_eq!(wiped["data"], json!({}));

    // Anonymous documents get a name, are found by it, and are left out of lists unless asked for.
    let (s, anon) = app
        .post(
            "/block_documents/",
            json!({"data": {}, "block_type_id": ids.0, "block_schema_id": ids.1, "is_anonymous": true}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{anon}");
    let name = anon["name"].as_str().unwrap();
    assert!(name.starts_with("anonymous-"), "{name}");
    let (s, _) = app
        .get(&format!(
            "/block_types/slug/my-thing/block_documents/name/{name}"
        ))
        .await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(
        app.post("/block_documents/count", json!({})).await.1,
        json!(1)
    );
    let all = json!({"block_documents": {"is_anonymous": null}});
    assert_eq!(app.post("/block_documents/count", all).await.1, json!(2));
    let (_, listed) = app.get("/block_types/slug/my-thing/block_documents").await;
    assert_eq!(listed.as_array().unwrap().len(), 1, "{listed}");
    let (s, v) = app
        .post("/block_documents/filter", json!({"limit": 201}))
        .await;
    assert_detail(s, &v, StatusCode::UNPROCESSABLE_ENTITY, "Invalid limit");
    let (s, v) = app.get("/block_types/slug/nope/block_documents").await;
    assert_detail(s, &v, StatusCode::NOT_FOUND, "Block type not found");
    app.stop().await;
}

#[tokio::test]
async fn references_read_in_place_refuse_cycles_and_vanish_with_their_document() {
    let app = spawn_app().await;
    let ids = my_thing(&app).await;
    let (_, child) = document(
        &app,
        "child",
        json!({"url": "c", "token": "child-zq"}),
        &ids,
    )
    .await;
    let child_id = child["id"].as_str().unwrap().to_string();
    let reference = json!({"$ref": {"block_document_id": child_id}});
    let (s, parent) = document(
        &app,
        "parent",
        json!({"url": "p", "creds": reference}),
        &ids,
    )
    .await;
    assert_eq!(s, StatusCode::CREATED, "{parent}");
    assert_eq!(
        parent["data"]["creds"],
        json!({"url": "c", "token": "********"})
    );
    let refd = &parent["block_document_references"]["creds"]["block_document"];
    assert_eq!(
        (refd["id"].as_str(), refd["name"].as_str()),
        (Some(child_id.as_str()), Some("child"))
    );

    // The child referring back to its parent would close a cycle.
    let back = json!({"data": {"up": {"$ref": {"block_document_id": parent["id"]}}}});
    let (s, v) = app
        .patch(&format!("/block_documents/{child_id}"), back)
        .await;
    assert_detail(s, &v, StatusCode::BAD_REQUEST, "cycle");
    let missing = json!({"$ref": {"block_document_id": uuid::Uuid::new_v4()}});
    let (s, v) = document(&app, "dangling", json!({"c": missing}), &ids).await;
    assert_detail(s, &v, StatusCode::CONFLICT, "does not exist");

    let (s, _) = app.delete(&format!("/block_documents/{child_id}")).await;
    assert_eq!(s, StatusCode::NO_CONTENT);
    let (_, after) = app
        .get(&format!(
            "/block_documents/{}",
            parent["id"].as_str().unwrap()
        ))
        .await;
    assert_eq!(after["data"], json!({"url": "p"}));
    assert_eq!(after["block_document_references"], json!({}));
    app.stop().await;
}

#[tokio::test]
async fn sqlite_only_block_data_is_sealed_at_rest_under_the_key_file() {
    let dir = tempfile::tempdir().unwrap();
    let home = dir.path().join("home");
    let app = spawn_with(|c| c.home = home.clone()).await;
    let ids = my_thing(&app).await;
    let (s, _) = document(&app, "sealed", json!({"token": "plaintext-zq-7731"}), &ids).await;
    assert_eq!(s, StatusCode::CREATED);
    app.stop().await;
    let mut checked = 0;
    for entry in std::fs::read_dir(&home).unwrap() {
        let path = entry.unwrap().path();
        if path
            .file_name()
            .unwrap()
            .to_string_lossy()
            .starts_with("baton.db")
        {
            let raw = std::fs::read(&path).unwrap();
            assert!(
                !raw.windows(17).any(|w| w == b"plaintext-zq-7731"),
                "the secret is in the clear in {path:?}"
            );
            checked += 1;
        }
    }
    assert!(checked > 0, "no database file in {home:?}");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(home.join("secrets.key"))
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600);
    }
    // The same data dir (and key) reads it back; another key cannot, and says why.
    let again = spawn_with(|c| c.home = home.clone()).await;
    let (_, d) = again
        .get("/block_types/slug/my-thing/block_documents/name/sealed?include_secrets=true")
        .await;
    assert_eq!(d["data"]["token"], "plaintext-zq-7731");
    again.stop().await;
    let other_key = dir.path().join("other.key");
    let other = spawn_with(|c| {
        c.home = home.clone();
        c.secrets_key_file = Some(other_key.clone());
    })
    .await;
    let (s, v) = other
        .get("/block_types/slug/my-thing/block_documents/name/sealed")
        .await;
    assert_detail(
        s,
        &v,
        StatusCode::INTERNAL_SERVER_ERROR,
        "BATON_SECRETS_KEY_FILE",
    );
    other.stop().await;
}
