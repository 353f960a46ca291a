//! Log lines of flow and task runs.

use super::filter::{Cond, Field, Val};
use super::Ts;
use uuid::Uuid;

/// One log line.
#[derive(Clone, Debug, PartialEq)]
pub struct Log {
    pub id: Uuid,
    pub created: Ts,
    pub name: String,
    pub level: i64,
    pub message: String,
    pub timestamp: Ts,
    pub flow_run_id: Option<Uuid>,
    pub task_run_id: Option<Uuid>,
}

impl Log {
    /// Whether this line satisfies a log filter (the conditions `Entity::Log` filters build), evaluated in
    /// memory for live streams the way the store evaluates it in SQL. A condition on a field logs do not
    /// have never holds.
    pub fn matches(&self, cond: &Cond) -> bool {
        match cond {
            Cond::All(parts) => parts.iter().all(|c| self.matches(c)),
            Cond::Any(parts) => parts.iter().any(|c| self.matches(c)),
            Cond::In(f, vals) => self.id_field(*f).is_some_and(|v| contains(vals, v)),
            // As in SQL: a null field is in no list and outside none, but every value is outside `[]`.
            Cond::NotIn(f, vals) => {
                vals.is_empty() || self.id_field(*f).is_some_and(|v| !contains(vals, v))
            }
            Cond::IsNull(f, null) => self
                .nullable_field(*f)
                .is_some_and(|v| v.is_none() == *null),
            Cond::Before(Field::Timestamp, t) => self.timestamp <= *t,
            Cond::After(Field::Timestamp, t) => self.timestamp >= *t,
            Cond::AtLeast(Field::Level, n) => self.level as f64 >= *n,
            Cond::AtMost(Field::Level, n) => self.level as f64 <= *n,
            Cond::Like(Field::Message, w) => lower_contains(&self.message, w),
            Cond::NotLike(Field::Message, w) => !lower_contains(&self.message, w),
            _ => false,
        }
    }

    /// The value of an id field (`None` when the field is not an id of logs, or is null).
    fn id_field(&self, f: Field) -> Option<Uuid> {
        self.nullable_field(f).flatten()
    }

    /// `Some(value)` for the nullable id fields a log has.
    fn nullable_field(&self, f: Field) -> Option<Option<Uuid>> {
        match f {
            Field::FlowRunId => Some(self.flow_run_id),
            Field::TaskRunId => Some(self.task_run_id),
            Field::Id => Some(Some(self.id)),
            _ => None,
        }
    }
}

fn contains(vals: &[Val], id: Uuid) -> bool {
    let id = id.to_string();
    vals.iter().any(|v| matches!(v, Val::Text(t) if *t == id))
}

fn lower_contains(haystack: &str, needle: &str) -> bool {
    haystack.to_lowercase().contains(&needle.to_lowercase())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn line(level: i64, flow_run: Option<Uuid>, task_run: Option<Uuid>, secs: i64) -> Log {
        Log {
            id: Uuid::from_u128(7),
            created: chrono::DateTime::from_timestamp(secs, 0).unwrap(),
            name: "prefect.flow_runs".into(),
            level,
            message: "Finished in state Completed()".into(),
            timestamp: chrono::DateTime::from_timestamp(secs, 0).unwrap(),
            flow_run_id: flow_run,
            task_run_id: task_run,
        }
    }

    fn id(n: u128) -> Val {
        Val::Text(Uuid::from_u128(n).to_string())
    }

    #[test]
    fn ids_levels_times_and_text() {
        let l = line(20, Some(Uuid::from_u128(1)), None, 100);
        assert!(l.matches(&Cond::all()));
        assert!(l.matches(&Cond::In(Field::FlowRunId, vec![id(2), id(1)])));
        assert!(!l.matches(&Cond::In(Field::FlowRunId, vec![id(2)])));
        assert!(!l.matches(&Cond::In(Field::TaskRunId, vec![id(1)])));
        assert!(l.matches(&Cond::NotIn(Field::FlowRunId, vec![id(2)])));
        assert!(!l.matches(&Cond::NotIn(Field::TaskRunId, vec![id(2)])));
        assert!(l.matches(&Cond::NotIn(Field::TaskRunId, vec![])));
        assert!(l.matches(&Cond::IsNull(Field::TaskRunId, true)));
        assert!(!l.matches(&Cond::IsNull(Field::FlowRunId, true)));
        assert!(l.matches(&Cond::AtLeast(Field::Level, 20.0)));
        assert!(!l.matches(&Cond::AtLeast(Field::Level, 30.0)));
        assert!(l.matches(&Cond::AtMost(Field::Level, 20.0)));
        let t = |s| chrono::DateTime::from_timestamp(s, 0).unwrap();
        assert!(l.matches(&Cond::After(Field::Timestamp, t(100))));
        assert!(!l.matches(&Cond::After(Field::Timestamp, t(101))));
        assert!(l.matches(&Cond::Before(Field::Timestamp, t(100))));
        assert!(!l.matches(&Cond::Before(Field::Timestamp, t(99))));
        assert!(l.matches(&Cond::Like(Field::Message, "completed".into())));
        assert!(l.matches(&Cond::NotLike(Field::Message, "failed".into())));
        assert!(!l.matches(&Cond::Any(vec![])));
        assert!(!l.matches(&Cond::TagsAny(vec!["x".into()])));
    }
}
