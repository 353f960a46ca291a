//! Flows: a named unit of work that runs belong to. Names are unique.

use super::{Doc, Ts};
use uuid::Uuid;

/// A flow as stored.
#[derive(Clone, Debug, PartialEq)]
pub struct Flow {
    pub id: Uuid,
    pub created: Ts,
    pub updated: Ts,
    pub name: String,
    pub tags: Vec<String>,
    pub labels: Doc,
}

/// Characters Prefect bans in flow and deployment names (`/` would also break `/deployments/name/{flow}/{name}`).
pub const BANNED_NAME_CHARACTERS: &[char] = &['/', '%', '&', '>', '<'];

/// Checks a flow or deployment name: not blank, none of Prefect's banned characters, no control characters.
/// `kind` names the object in the message ("a flow").
pub fn check_name(kind: &str, name: &str) -> Result<(), String> {
    if name.trim().is_empty() {
        return Err(format!("name: {kind} needs a non-empty name"));
    }
    if let Some(c) = name
        .chars()
        .find(|c| BANNED_NAME_CHARACTERS.contains(c) || c.is_control())
    {
        return Err(format!(
            "name: {name:?} contains an invalid character {c:?} (names must not contain / % & > < or control characters)"
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::check_name;

    #[test]
    fn names_follow_prefects_rules() {
        assert!(check_name("a flow", "etl-nightly v2").is_ok());
        assert!(check_name("a flow", " ").unwrap_err().contains("non-empty"));
        assert!(check_name("a flow", "a/b").unwrap_err().contains("'/'"));
        assert!(check_name("a flow", "x\u{0}").is_err());
    }
}
