//! A deployment's concurrency options (Prefect's `concurrency_options`): what happens to a run claimed while
//! the deployment's `concurrency_limit` is reached. Parsed once where they come in (the API, the store) and
//! read typed by the rules; written back as the same JSON object.

use serde_json::{Map, Value};

/// How a deployment with a concurrency limit treats a run that would exceed it (Prefect's
/// `collision_strategy`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Collision {
    /// Wait for a slot: the run goes back to SCHEDULED "AwaitingConcurrencySlot".
    #[default]
    Enqueue,
    /// Cancel the new run.
    CancelNew,
}

impl Collision {
    /// The strategy named `s` (`ENQUEUE`, `CANCEL_NEW`).
    pub fn parse(s: &str) -> Option<Collision> {
        match s {
            "ENQUEUE" => Some(Collision::Enqueue),
            "CANCEL_NEW" => Some(Collision::CancelNew),
            _ => None,
        }
    }

    /// The strategy's name.
    pub fn as_str(self) -> &'static str {
        match self {
            Collision::Enqueue => "ENQUEUE",
            Collision::CancelNew => "CANCEL_NEW",
        }
    }
}

/// The shortest and longest `grace_period_seconds` Prefect accepts.
const GRACE_PERIOD_SECONDS: std::ops::RangeInclusive<i64> = 60..=86400;

/// A deployment's concurrency options.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ConcurrencyOptions {
    pub collision: Collision,
    /// How long a run's infrastructure may take to start before its slot is revoked (Prefect's
    /// `grace_period_seconds`; kept and returned, Baton frees slots by state instead).
    pub grace_period_seconds: Option<i64>,
}

impl ConcurrencyOptions {
    /// Reads Prefect's `{"collision_strategy": …, "grace_period_seconds": …}`; the error names the field.
    /// Other keys are ignored, as Prefect does.
    pub fn parse(v: &Value) -> Result<ConcurrencyOptions, String> {
        let o = v.as_object().ok_or("expected an object")?;
        let collision = o
            .get("collision_strategy")
            .and_then(Value::as_str)
            .and_then(Collision::parse)
            .ok_or("collision_strategy: expected ENQUEUE or CANCEL_NEW")?;
        let grace_period_seconds = match o.get("grace_period_seconds") {
            None | Some(Value::Null) => None,
            Some(g) => Some(
                g.as_i64()
                    .filter(|s| GRACE_PERIOD_SECONDS.contains(s))
                    .ok_or("grace_period_seconds: expected an integer from 60 to 86400 or null")?,
            ),
        };
        Ok(ConcurrencyOptions {
            collision,
            grace_period_seconds,
        })
    }

    /// The options as Prefect's JSON object (`grace_period_seconds` only when set).
    pub fn to_value(self) -> Value {
        let mut o = Map::new();
        o.insert(
            "collision_strategy".into(),
            Value::from(self.collision.as_str()),
        );
        if let Some(g) = self.grace_period_seconds {
            o.insert("grace_period_seconds".into(), Value::from(g));
        }
        Value::Object(o)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn options_round_trip_as_prefect_writes_them() {
        for v in [
            json!({"collision_strategy": "ENQUEUE"}),
            json!({"collision_strategy": "CANCEL_NEW", "grace_period_seconds": 300}),
        ] {
            assert_eq!(ConcurrencyOptions::parse(&v).unwrap().to_value(), v);
        }
        let o = ConcurrencyOptions::parse(&json!({"collision_strategy": "CANCEL_NEW"})).unwrap();
        assert_eq!(o.collision, Collision::CancelNew);
        assert_eq!(o.grace_period_seconds, None);
    }

    #[test]
    fn bad_options_name_the_field() {
        for (v, field) in [
            (json!("ENQUEUE"), "object"),
            (json!({}), "collision_strategy"),
            (
                json!({"collision_strategy": "enqueue"}),
                "collision_strategy",
            ),
            (
                json!({"collision_strategy": "ENQUEUE", "grace_period_seconds": 5}),
                "grace_period_seconds",
            ),
        ] {
            let e = ConcurrencyOptions::parse(&v).unwrap_err();
            assert!(e.contains(field), "{v}: {e}");
        }
    }
}
