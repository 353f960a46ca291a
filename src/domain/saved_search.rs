//! Saved searches: a named list of filters the dashboard keeps (Prefect's `SavedSearch`). A name is
//! unique; saving under a taken name replaces its filters.

use super::Ts;
use serde_json::Value;
use uuid::Uuid;

/// One saved search. Each filter is Prefect's `{object, property, type, operation, value}`.
#[derive(Clone, Debug, PartialEq)]
pub struct SavedSearch {
    pub id: Uuid,
    pub created: Ts,
    pub updated: Ts,
    pub name: String,
    pub filters: Vec<Value>,
}

/// The keys every filter of a saved search has.
pub const FILTER_KEYS: [&str; 5] = ["object", "property", "type", "operation", "value"];

/// Checks the filters: each an object with every key of [`FILTER_KEYS`], and the four naming ones text.
pub fn check_filters(filters: &[Value]) -> Result<(), String> {
    for (i, f) in filters.iter().enumerate() {
        let Some(o) = f.as_object() else {
            return Err(format!("filters.{i}: a filter is an object"));
        };
        for key in FILTER_KEYS {
            match o.get(key) {
                None => return Err(format!("filters.{i}.{key}: Field required")),
                Some(v) if key != "value" && !v.is_string() => {
                    return Err(format!("filters.{i}.{key}: Input should be a valid string"))
                }
                Some(_) => {}
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn every_filter_names_its_five_keys() {
        let good = json!({"object": "flow_run", "property": "state", "type": "state",
            "operation": "or", "value": ["Failed"]});
        assert!(check_filters(&[good]).is_ok());
        let missing = json!({"object": "flow_run", "type": "state", "operation": "or", "value": 1});
        assert_eq!(
            check_filters(&[missing]).unwrap_err(),
            "filters.0.property: Field required"
        );
        assert!(check_filters(&[json!("x")]).is_err());
    }
}
