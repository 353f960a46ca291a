//! Flow run inputs: keyed values sent to a flow run, as Prefect's `send_input` and the answers to
//! `pause_flow_run(wait_for_input=…)`. A key is lowercase letters, digits and dashes, unique per run; the
//! value is text (the SDK stores JSON). A paused run waiting for input names two keys in its state's
//! `run_input_keyset`: `schema` (the JSON Schema the answer must meet) and `response` (where it goes).

use super::parameters::{self, Invalid};
use super::Ts;
use serde_json::Value;
use uuid::Uuid;

/// One input, as stored.
#[derive(Clone, Debug, PartialEq)]
pub struct RunInput {
    pub id: Uuid,
    pub created: Ts,
    pub updated: Ts,
    pub flow_run_id: Uuid,
    pub key: String,
    pub value: String,
    pub sender: Option<String>,
}

/// Checks a key (Prefect's rule and wording).
pub fn check_key(key: &str) -> Result<(), String> {
    let ok = key
        .chars()
        .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-');
    if ok {
        Ok(())
    } else {
        Err("key: value must only contain lowercase letters, numbers, and dashes.".into())
    }
}

/// Why an answer to a paused run is refused: the reason of Prefect's REJECT.
pub fn check_answer(schema_text: Option<&str>, answer: &Value) -> Result<(), String> {
    let Some(text) = schema_text else {
        return Err("Run input schema not found.".into());
    };
    let schema: Value = serde_json::from_str(text)
        .map_err(|_| "Run input schema is not valid JSON.".to_string())?;
    let Value::Object(doc) = answer else {
        return Err("Reason: Validation failed. Failure reason: the input is not an object".into());
    };
    match parameters::validate(&schema, doc) {
        Ok(()) => Ok(()),
        Err(Invalid::Schema(e)) => Err(format!("Invalid schema: {e}")),
        Err(e) => Err(format!("Reason: {e}")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn keys_are_lowercase_digits_and_dashes() {
        assert!(check_key("paused-1-response").is_ok());
        assert!(check_key("").is_ok());
        assert!(check_key("Bad_Key").is_err());
    }

    #[test]
    fn an_answer_meets_the_schema() {
        let schema =
            json!({"type": "object", "properties": {"n": {"type": "integer"}}, "required": ["n"]})
                .to_string();
        assert!(check_answer(Some(&schema), &json!({"n": 3})).is_ok());
        let bad = check_answer(Some(&schema), &json!({"n": "x"})).unwrap_err();
        assert!(
            bad.starts_with("Reason: Validation failed for field 'n'."),
            "{bad}"
        );
        let missing = check_answer(Some(&schema), &json!({})).unwrap_err();
        assert!(
            missing.starts_with("Reason: Validation failed."),
            "{missing}"
        );
        assert_eq!(
            check_answer(None, &json!({})).unwrap_err(),
            "Run input schema not found."
        );
        assert_eq!(
            check_answer(Some("{"), &json!({})).unwrap_err(),
            "Run input schema is not valid JSON."
        );
    }
}
