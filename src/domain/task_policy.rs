//! A task run's empirical policy (Prefect's `TaskRunPolicy`): how often and how soon the engine retries the
//! task. Baton applies none of it (task retries happen in the client's process); it keeps and answers it, read
//! strictly from the API, leniently from the store and events, stored with only its non-default fields.

use super::run_policy::whole;
use super::Doc;
use serde_json::Value;

/// The delay before each retry: one for all, or one per retry (the last repeats).
#[derive(Clone, Debug, PartialEq)]
pub enum RetryDelay {
    Seconds(f64),
    Each(Vec<f64>),
}

impl RetryDelay {
    fn read(v: &Value) -> Option<RetryDelay> {
        match v {
            Value::Array(items) => items
                .iter()
                .map(seconds)
                .collect::<Option<_>>()
                .map(RetryDelay::Each),
            other => seconds(other).map(RetryDelay::Seconds),
        }
    }

    /// As Prefect writes it: integers where whole.
    pub fn to_value(&self) -> Value {
        match self {
            RetryDelay::Seconds(s) => number(*s),
            RetryDelay::Each(all) => Value::Array(all.iter().map(|s| number(*s)).collect()),
        }
    }
}

/// A task run's empirical policy.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct TaskRunPolicy {
    pub retries: Option<i64>,
    pub retry_delay: Option<RetryDelay>,
    pub retry_jitter_factor: Option<f64>,
    /// Deprecated by Prefect, kept as given.
    pub max_retries: i64,
    /// Deprecated by Prefect, kept as given.
    pub retry_delay_seconds: f64,
}

impl TaskRunPolicy {
    /// Reads Prefect's object strictly: a value of the wrong type is an error naming its field. Unknown keys
    /// are ignored, as Prefect does.
    pub fn parse(o: &Doc) -> Result<TaskRunPolicy, String> {
        read(o, true)
    }

    /// Reads a stored policy or an event's: a value of the wrong type counts as absent.
    pub fn read_stored(o: &Doc) -> TaskRunPolicy {
        read(o, false).unwrap_or_default()
    }

    /// The fields that differ from their defaults, as stored.
    pub fn to_stored_doc(&self) -> Doc {
        let mut o = Doc::new();
        if let Some(r) = self.retries {
            o.insert("retries".into(), Value::from(r));
        }
        if let Some(d) = &self.retry_delay {
            o.insert("retry_delay".into(), d.to_value());
        }
        if let Some(j) = self.retry_jitter_factor {
            o.insert("retry_jitter_factor".into(), Value::from(j));
        }
        if self.max_retries != 0 {
            o.insert("max_retries".into(), Value::from(self.max_retries));
        }
        if self.retry_delay_seconds != 0.0 {
            o.insert(
                "retry_delay_seconds".into(),
                number(self.retry_delay_seconds),
            );
        }
        o
    }
}

fn read(o: &Doc, strict: bool) -> Result<TaskRunPolicy, String> {
    let mut p = TaskRunPolicy::default();
    for (k, v) in o.iter().filter(|(_, v)| !v.is_null()) {
        let field = k.as_str();
        let bad = |want: &str| -> Result<(), String> {
            match strict {
                true => Err(format!("{field}: expected {want}")),
                false => Ok(()),
            }
        };
        match field {
            "retries" => match whole(v) {
                Some(n) => p.retries = Some(n),
                None => bad("a whole number")?,
            },
            "max_retries" => match whole(v) {
                Some(n) => p.max_retries = n,
                None => bad("a whole number")?,
            },
            "retry_delay" => match RetryDelay::read(v) {
                Some(d) => p.retry_delay = Some(d),
                None => bad("a number of seconds or a list of them")?,
            },
            "retry_delay_seconds" => match seconds(v) {
                Some(s) => p.retry_delay_seconds = s,
                None => bad("a number of seconds")?,
            },
            "retry_jitter_factor" => match v.as_f64().filter(|f| f.is_finite()) {
                Some(f) => p.retry_jitter_factor = Some(f),
                None => bad("a number")?,
            },
            _ => {}
        }
    }
    Ok(p)
}

fn seconds(v: &Value) -> Option<f64> {
    v.as_f64().filter(|n| n.is_finite())
}

/// A number as Prefect writes it: an integer when whole.
fn number(s: f64) -> Value {
    match whole(&Value::from(s)) {
        Some(n) => Value::from(n),
        None => Value::from(s),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn doc(v: Value) -> Doc {
        v.as_object().unwrap().clone()
    }

    #[test]
    fn reads_prefects_policy_and_stores_what_is_not_a_default() {
        let sent = doc(
            json!({"max_retries": 0, "retry_delay_seconds": 0.0, "retries": 3,
            "retry_delay": [1, 2.5, 10], "retry_jitter_factor": null, "unknown": true}),
        );
        let p = TaskRunPolicy::parse(&sent).unwrap();
        assert_eq!(p.retries, Some(3));
        assert_eq!(p.retry_delay, Some(RetryDelay::Each(vec![1.0, 2.5, 10.0])));
        let stored = p.to_stored_doc();
        assert_eq!(
            Value::Object(stored.clone()),
            json!({"retries": 3, "retry_delay": [1, 2.5, 10]})
        );
        assert_eq!(TaskRunPolicy::read_stored(&stored), p);
        assert!(TaskRunPolicy::default().to_stored_doc().is_empty());
    }

    #[test]
    fn strict_read_names_the_field_lenient_read_drops_it() {
        let sent = doc(json!({"retries": "three", "retry_delay": 5}));
        assert_eq!(
            TaskRunPolicy::parse(&sent).unwrap_err(),
            "retries: expected a whole number"
        );
        let e = TaskRunPolicy::parse(&doc(json!({"retry_delay": ["x"]}))).unwrap_err();
        assert!(e.starts_with("retry_delay: "), "{e}");
        let p = TaskRunPolicy::read_stored(&sent);
        assert_eq!(p.retries, None);
        assert_eq!(p.retry_delay, Some(RetryDelay::Seconds(5.0)));
    }
}
