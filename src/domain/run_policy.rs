//! A flow run's empirical policy (Prefect's `FlowRunPolicy`): how often and how soon it retries, which pause
//! keys it has used, whether it is resuming from a pause, and who retries it. Read once where it comes in (the
//! API strictly, the store leniently); stored compactly, answered in Prefect's shape with every field.

use super::Doc;
use serde_json::Value;

/// The longest retry delay honoured (a year); longer ones are shortened to it.
pub const MAX_RETRY_DELAY_SECONDS: f64 = 365.0 * 86400.0;

/// Who retries a run in AwaitingRetry (Prefect's `retry_type`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RetryType {
    /// The engine that reported FAILED retries in its own process: no worker may start another one.
    InProcess,
    /// A worker starts the retry.
    Reschedule,
}

impl RetryType {
    /// The type named `s` (`in_process`, `reschedule`).
    pub fn parse(s: &str) -> Option<RetryType> {
        match s {
            "in_process" => Some(RetryType::InProcess),
            "reschedule" => Some(RetryType::Reschedule),
            _ => None,
        }
    }

    /// Its name.
    pub fn as_str(self) -> &'static str {
        match self {
            RetryType::InProcess => "in_process",
            RetryType::Reschedule => "reschedule",
        }
    }
}

/// A flow run's empirical policy.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct RunPolicy {
    /// How many times the run retries (`null`: the deprecated `max_retries` counts).
    pub retries: Option<i64>,
    /// Seconds between retries (`null`: the deprecated `retry_delay_seconds` counts).
    pub retry_delay: Option<f64>,
    /// Deprecated by Prefect, kept as given.
    pub max_retries: i64,
    /// Deprecated by Prefect, kept as given.
    pub retry_delay_seconds: f64,
    /// The pause keys the run has used.
    pub pause_keys: Vec<String>,
    /// The run is resuming from a pause.
    pub resuming: bool,
    pub retry_type: Option<RetryType>,
}

impl RunPolicy {
    /// Reads Prefect's object strictly: a value of the wrong type is an error naming its field. Unknown keys
    /// are ignored, as Prefect does.
    pub fn parse(v: &Value) -> Result<RunPolicy, String> {
        match v {
            Value::Object(o) => read(o, true),
            Value::Null => Ok(RunPolicy::default()),
            _ => Err("expected an object".into()),
        }
    }

    /// Reads a stored policy: a value of the wrong type (kept by an older Baton, which did not check) counts
    /// as absent, so no stored run becomes unreadable.
    pub fn read_stored(doc: &Doc) -> RunPolicy {
        read(doc, false).unwrap_or_default()
    }

    /// How many times the run retries.
    pub fn retries(&self) -> i64 {
        self.retries.unwrap_or(self.max_retries).max(0)
    }

    /// Seconds between retries, at most [`MAX_RETRY_DELAY_SECONDS`].
    pub fn retry_delay_seconds(&self) -> f64 {
        self.retry_delay
            .unwrap_or(self.retry_delay_seconds)
            .clamp(0.0, MAX_RETRY_DELAY_SECONDS)
    }

    /// `retry_delay` as Prefect writes it: an integer when whole.
    pub fn retry_delay_value(&self) -> Value {
        self.retry_delay
            .map_or(Value::Null, |d| match whole(&Value::from(d)) {
                Some(n) => Value::from(n),
                None => Value::from(d),
            })
    }

    /// The object kept in the database: only the fields that differ from their defaults (a run's policy is
    /// read and written on every state change, and most are all defaults). Answers carry every field.
    pub fn to_stored_doc(&self) -> Doc {
        let mut o = Doc::new();
        if self.max_retries != 0 {
            o.insert("max_retries".into(), Value::from(self.max_retries));
        }
        if self.retry_delay_seconds != 0.0 {
            o.insert(
                "retry_delay_seconds".into(),
                Value::from(self.retry_delay_seconds),
            );
        }
        if let Some(r) = self.retries {
            o.insert("retries".into(), Value::from(r));
        }
        if self.retry_delay.is_some() {
            o.insert("retry_delay".into(), self.retry_delay_value());
        }
        if !self.pause_keys.is_empty() {
            o.insert("pause_keys".into(), Value::from(self.pause_keys.clone()));
        }
        if self.resuming {
            o.insert("resuming".into(), Value::Bool(true));
        }
        if let Some(t) = self.retry_type {
            o.insert("retry_type".into(), Value::from(t.as_str()));
        }
        o
    }
}

fn read(o: &Doc, strict: bool) -> Result<RunPolicy, String> {
    let mut p = RunPolicy::default();
    for (k, v) in o.iter().filter(|(_, v)| !v.is_null()) {
        let field = k.as_str();
        let seconds = v.as_f64().filter(|n| n.is_finite());
        match field {
            "retries" => p.retries = checked(whole(v), strict, field)?.or(p.retries),
            "max_retries" => p.max_retries = checked(whole(v), strict, field)?.unwrap_or(0),
            "retry_delay" => p.retry_delay = checked(seconds, strict, field)?.or(p.retry_delay),
            "retry_delay_seconds" => {
                p.retry_delay_seconds = checked(seconds, strict, field)?.unwrap_or(0.0)
            }
            "pause_keys" => {
                let keys = v
                    .as_array()
                    .and_then(|a| a.iter().map(|k| k.as_str().map(String::from)).collect());
                p.pause_keys = checked(keys, strict, field)?.unwrap_or_default();
            }
            "resuming" => p.resuming = checked(v.as_bool(), strict, field)?.unwrap_or(false),
            "retry_type" => {
                p.retry_type = checked(v.as_str().and_then(RetryType::parse), strict, field)?
            }
            _ => {}
        }
    }
    Ok(p)
}

/// `value` as read; `None` when it had the wrong type, which is an error naming `field` when `strict`.
fn checked<T>(value: Option<T>, strict: bool, field: &str) -> Result<Option<T>, String> {
    if value.is_none() && strict {
        let want = match field {
            "retries" | "max_retries" => "a whole number",
            "retry_delay" | "retry_delay_seconds" => "a number of seconds",
            "pause_keys" => "a list of strings",
            "resuming" => "true or false",
            _ => "'in_process', 'reschedule' or null",
        };
        return Err(format!("{field}: expected {want}"));
    }
    Ok(value)
}

/// A whole number, also written as a float (`3.0`), as Prefect's lax validation reads it.
pub(super) fn whole(v: &Value) -> Option<i64> {
    v.as_i64().or_else(|| {
        v.as_f64()
            .filter(|f| f.fract() == 0.0 && f.abs() < 1e15)
            .map(|f| f as i64)
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn reads_prefects_policy_and_stores_what_is_not_a_default() {
        let p = RunPolicy::parse(
            &json!({"retries": 2.0, "retry_delay": 5, "pause_keys": ["a"],
            "resuming": false, "retry_type": "in_process", "unknown": 1}),
        )
        .unwrap();
        assert_eq!(p.retries(), 2);
        assert_eq!(p.retry_delay_seconds(), 5.0);
        assert_eq!(p.retry_type, Some(RetryType::InProcess));
        let stored = p.to_stored_doc();
        assert_eq!(
            Value::Object(stored.clone()),
            json!({"retries": 2, "retry_delay": 5, "pause_keys": ["a"], "retry_type": "in_process"})
        );
        assert_eq!(RunPolicy::read_stored(&stored), p);
        assert!(RunPolicy::default().to_stored_doc().is_empty());
    }

    #[test]
    fn the_deprecated_fields_count_when_the_new_ones_are_null() {
        let p = RunPolicy::parse(&json!({"max_retries": 3, "retry_delay_seconds": 7,
            "retries": null, "retry_delay": null}))
        .unwrap();
        assert_eq!((p.retries(), p.retry_delay_seconds()), (3, 7.0));
        let p = RunPolicy::parse(&json!({"retry_delay": 1e300})).unwrap();
        assert_eq!(p.retry_delay_seconds(), MAX_RETRY_DELAY_SECONDS);
    }

    #[test]
    fn a_wrong_type_is_refused_from_a_client_and_ignored_in_a_stored_row() {
        for (v, field) in [
            (json!({"retries": "3"}), "retries"),
            (json!({"retries": 1.5}), "retries"),
            (json!({"pause_keys": [1]}), "pause_keys"),
            (json!({"retry_type": "later"}), "retry_type"),
            (json!({"resuming": 1}), "resuming"),
        ] {
            let e = RunPolicy::parse(&v).unwrap_err();
            assert!(e.starts_with(field), "{e}");
            let stored = RunPolicy::read_stored(v.as_object().unwrap());
            assert_eq!(stored, RunPolicy::default(), "{v}");
        }
        assert!(RunPolicy::parse(&json!([])).is_err());
        assert_eq!(
            RunPolicy::parse(&Value::Null).unwrap(),
            RunPolicy::default()
        );
    }
}
