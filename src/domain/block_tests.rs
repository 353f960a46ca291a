//! Unit tests of the block rules: names, hiding secrets, PATCH merges, references.

use super::*;
use serde_json::json;

fn doc(v: Value) -> Doc {
    v.as_object().unwrap().clone()
}

fn fields(paths: &[&str]) -> Vec<String> {
    paths.iter().map(|s| s.to_string()).collect()
}

#[test]
fn document_names_follow_prefects_rules() {
    assert!(check_document_name("api-key-2").is_ok());
    for bad in ["Bad_Name", "UPPER", "has space", "é"] {
        let e = check_document_name(bad).unwrap_err();
        assert!(e.contains("lowercase letters"), "{bad}: {e}");
    }
    assert!(check_document_name("a/b").unwrap_err().contains("pattern"));
    assert!(check_type_name("My Block!").is_ok());
    assert!(check_type_name("a>b").is_err());
    assert!(reserved_type_name("PrefectThing"));
    assert!(!reserved_type_name("MyPrefect"));
}

#[test]
fn secrets_are_hidden_by_path_and_wildcard() {
    let data = doc(
        json!({"value": "s3cr3t", "n": 12345, "flag": true, "none": null,
        "creds": {"user": "u", "password": "p"}, "headers": {"A": "x", "B": {"deep": "y"}},
        "obj": {"user": "bob"}}),
    );
    let masked = mask(
        &data,
        &fields(&[
            "value",
            "n",
            "flag",
            "none",
            "creds.password",
            "headers.*",
            "obj",
            "missing.x",
        ]),
    );
    assert_eq!(
        Value::Object(masked),
        json!({"value": MASK, "n": MASK, "flag": MASK, "none": null,
            "creds": {"user": "u", "password": MASK}, "headers": {"A": MASK, "B": {"deep": MASK}},
            "obj": {"user": "bob"}})
    );
}

#[test]
fn a_patch_keeps_a_secret_sent_masked_and_merges_the_top_level() {
    let old = doc(json!({"url": "u1", "token": "t1", "extra": 1, "headers": {"A": "a", "B": "b"}}));
    let secrets = fields(&["token", "headers.*"]);
    let new = doc(json!({"url": "u3", "token": MASK, "headers": {"A": MASK, "C": "c"}}));
    assert_eq!(
        Value::Object(patched(&old, &new, &secrets, true)),
        json!({"url": "u3", "token": "t1", "extra": 1, "headers": {"A": "a", "C": "c"}})
    );
    let replaced = patched(&old, &doc(json!({"url": "u4"})), &secrets, false);
    assert_eq!(Value::Object(replaced), json!({"url": "u4"}));
    assert!(patched(&old, &Doc::new(), &secrets, false).is_empty());
}

#[test]
fn references_are_split_out_of_the_top_level_only() {
    let id = Uuid::now_v7();
    let (plain, refs) = split_references(doc(json!({
        "host": "h", "creds": {"$ref": {"block_document_id": id.to_string()}},
        "deep": {"x": {"$ref": {"block_document_id": id.to_string()}}}
    })))
    .unwrap();
    assert_eq!(refs, vec![("creds".to_string(), id)]);
    assert!(plain.contains_key("deep") && !plain.contains_key("creds"));
    let e = split_references(doc(json!({"creds": {"$ref": {}}}))).unwrap_err();
    assert_eq!(
        e,
        "Received block reference without a block_document_id in key creds"
    );
}
