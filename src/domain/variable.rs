//! Variables: named JSON values that flows read at run time (`prefect.variables.Variable`). Names are unique,
//! lowercase letters, digits, dashes and underscores, at most 255 characters; a value is any JSON up to
//! 5,000 characters once serialised (Prefect's limits).

use super::Ts;
use serde_json::Value;
use uuid::Uuid;

/// The longest variable name.
pub const MAX_NAME_LEN: usize = 255;
/// The longest serialised value.
pub const MAX_VALUE_LEN: usize = 5000;

/// A variable as stored.
#[derive(Clone, Debug, PartialEq)]
pub struct Variable {
    pub id: Uuid,
    pub created: Ts,
    pub updated: Ts,
    pub name: String,
    pub value: Value,
    pub tags: Vec<String>,
}

/// A change to a variable: only the fields given change.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct VariablePatch {
    pub name: Option<String>,
    /// `Some(Value::Null)` sets the value to null.
    pub value: Option<Value>,
    pub tags: Option<Vec<String>>,
}

/// Checks a name; the error says what to fix.
pub fn check_name(name: &str) -> Result<(), String> {
    if name.chars().count() > MAX_NAME_LEN {
        return Err(format!(
            "name: a variable name has at most {MAX_NAME_LEN} characters"
        ));
    }
    if !name
        .chars()
        .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '_')
    {
        return Err(
            "name: Variable name must only contain lowercase letters, numbers, and dashes or underscores."
                .into(),
        );
    }
    Ok(())
}

/// Checks a value's size once serialised.
pub fn check_value(value: &Value) -> Result<(), String> {
    if !value.is_null() && value.to_string().len() > MAX_VALUE_LEN {
        return Err(format!(
            "value: Variable value must be less than {MAX_VALUE_LEN} characters"
        ));
    }
    Ok(())
}

impl Variable {
    /// Applies a patch in place (the caller checks it first).
    pub fn apply(&mut self, patch: VariablePatch, now: Ts) {
        if let Some(n) = patch.name {
            self.name = n;
        }
        if let Some(v) = patch.value {
            self.value = v;
        }
        if let Some(t) = patch.tags {
            self.tags = t;
        }
        self.updated = now;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn names() {
        assert!(check_name("my_var-2").is_ok());
        assert!(check_name("").is_ok());
        assert!(check_name("My").is_err());
        assert!(check_name("a b").is_err());
        assert!(check_name(&"a".repeat(256)).is_err());
        assert!(check_name(&"a".repeat(255)).is_ok());
    }

    #[test]
    fn values() {
        assert!(check_value(&json!({"a": [1, 2, null]})).is_ok());
        assert!(check_value(&Value::Null).is_ok());
        assert!(check_value(&json!("x".repeat(5000))).is_err());
    }
}
