//! Run parameters checked against a deployment's `parameter_openapi_schema` (JSON Schema, as Prefect
//! generates it from the flow's signature).

use super::Doc;
use serde_json::Value;

/// Why parameters were refused.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Invalid {
    /// The deployment's schema is not a usable JSON Schema.
    Schema(String),
    /// A value breaks the schema: the dotted path of the field (empty for the parameters as a whole, e.g. a
    /// required parameter missing) and the reason.
    Field { path: String, reason: String },
}

impl std::fmt::Display for Invalid {
    /// Prefect's wording: `Validation failed for field 'cfg.inner.a'. Failure reason: ...`.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Invalid::Schema(e) => write!(f, "Invalid schema: {e}"),
            Invalid::Field { path, reason } if path.is_empty() => {
                write!(f, "Validation failed. Failure reason: {reason}")
            }
            Invalid::Field { path, reason } => {
                write!(
                    f,
                    "Validation failed for field '{path}'. Failure reason: {reason}"
                )
            }
        }
    }
}

/// Checks `params` against `schema`: the first problem, as Prefect reports one (the field's dotted path
/// and the reason).
pub fn validate(schema: &Value, params: &Doc) -> Result<(), Invalid> {
    if schema.as_object().is_none_or(|o| o.is_empty()) {
        return Ok(());
    }
    let validator = jsonschema::validator_for(schema).map_err(|e| {
        Invalid::Schema(format!(
            "parameter_openapi_schema is not a valid JSON Schema: {e}"
        ))
    })?;
    let instance = Value::Object(params.clone());
    let first = validator.iter_errors(&instance).next();
    match first {
        None => Ok(()),
        Some(e) => Err(Invalid::Field {
            path: e
                .instance_path()
                .to_string()
                .trim_start_matches('/')
                .replace('/', "."),
            reason: e.to_string(),
        }),
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
        assert!(
            e.to_string()
                .starts_with("Validation failed for field 'n'. Failure reason: "),
            "{e}"
        );
        let e = validate(&schema(), &doc(json!({"day": "x"}))).unwrap_err();
        assert!(
            e.to_string()
                .starts_with("Validation failed. Failure reason:")
                && e.to_string().contains("\"n\""),
            "{e}"
        );
        let nested = json!({"type": "object", "properties": {"cfg": {"type": "object", "properties": {
            "inner": {"type": "object", "properties": {"a": {"type": "integer"}}}}}}});
        let e = validate(&nested, &doc(json!({"cfg": {"inner": {"a": "x"}}}))).unwrap_err();
        assert!(
            matches!(&e, Invalid::Field { path, .. } if path == "cfg.inner.a"),
            "{e:?}"
        );
    }
}
