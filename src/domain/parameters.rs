//! Run parameters checked against a deployment's `parameter_openapi_schema` (JSON Schema, as Prefect
//! generates it from the flow's signature).

use super::Doc;
use serde_json::Value;

/// Checks `params` against `schema`. Each problem names the parameter (`parameters.n: "x" is not of type
/// "integer"`); an unusable schema is reported as one problem.
pub fn validate(schema: &Value, params: &Doc) -> Result<(), Vec<String>> {
    if schema.as_object().is_none_or(|o| o.is_empty()) {
        return Ok(());
    }
    let validator = match jsonschema::validator_for(schema) {
        Ok(v) => v,
        Err(e) => {
            return Err(vec![format!(
                "parameter_openapi_schema is not a valid JSON Schema: {e}"
            )])
        }
    };
    let instance = Value::Object(params.clone());
    let problems: Vec<String> = validator
        .iter_errors(&instance)
        .map(|e| {
            let path = e.instance_path().to_string();
            let name = path.trim_start_matches('/').replace('/', ".");
            if name.is_empty() {
                format!("parameters: {e}")
            } else {
                format!("parameters.{name}: {e}")
            }
        })
        .collect();
    if problems.is_empty() {
        Ok(())
    } else {
        Err(problems)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn schema() -> Value {
        json!({
            "title": "Parameters", "type": "object",
            "properties": {"n": {"title": "n", "type": "integer", "position": 0},
                           "day": {"title": "day", "default": "today", "type": "string", "position": 1}},
            "required": ["n"],
            "definitions": {}
        })
    }

    fn doc(v: Value) -> Doc {
        v.as_object().unwrap().clone()
    }

    #[test]
    fn valid_parameters_pass() {
        assert_eq!(validate(&schema(), &doc(json!({"n": 3}))), Ok(()));
        assert_eq!(validate(&json!({}), &doc(json!({"anything": 1}))), Ok(()));
    }

    #[test]
    fn problems_name_the_parameter() {
        let e = validate(&schema(), &doc(json!({"n": "x"}))).unwrap_err();
        assert!(e[0].starts_with("parameters.n:"), "{e:?}");
        let e = validate(&schema(), &doc(json!({"day": "x"}))).unwrap_err();
        assert!(e[0].contains("\"n\""), "{e:?}");
    }
}
