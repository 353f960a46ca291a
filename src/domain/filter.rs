//! Queries as data: a condition tree over named fields, a sort order and a page. The API builds them from
//! Prefect's filter objects; the store turns them into SQL. Neither side needs to know the other's format.

use super::{StateType, Ts};

/// The kinds of stored object a condition can range over.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Entity {
    Flow,
    FlowRun,
    TaskRun,
    Log,
    Deployment,
    Variable,
    Artifact,
    /// The latest artifact of each key.
    ArtifactCollection,
}

/// A filterable or sortable field. Which fields exist depends on the entity; the store rejects others.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Field {
    Id,
    Name,
    Tags,
    Created,
    Updated,
    FlowId,
    FlowRunId,
    TaskRunId,
    DeploymentId,
    ParentTaskRunId,
    ParentFlowRunId,
    StateType,
    StateName,
    FlowVersion,
    StartTime,
    EndTime,
    ExpectedStartTime,
    NextScheduledStartTime,
    IdempotencyKey,
    WorkQueueName,
    Level,
    Timestamp,
    Message,
    TotalRunTime,
    TaskKey,
    /// A task run that stands for a subflow (it has a child flow run).
    SubflowRun,
    Paused,
    ConcurrencyLimit,
    WorkPoolName,
    WorkPoolId,
    WorkQueueId,
    /// `empirical_policy.retry_type` of a flow run ("in_process" while its engine retries it).
    RetryType,
    /// A deployment's name or its flow's name (for `like_` searches).
    FlowOrDeploymentName,
    /// An artifact's key, type, and (for the latest of a key) the artifact it points at.
    Key,
    ArtifactType,
    LatestId,
}

/// A value compared against a field.
#[derive(Clone, Debug, PartialEq)]
pub enum Val {
    Text(String),
    Int(i64),
}

/// A condition on one entity.
#[derive(Clone, Debug, PartialEq)]
pub enum Cond {
    /// Every condition holds (true when empty).
    All(Vec<Cond>),
    /// At least one holds (false when empty).
    Any(Vec<Cond>),
    In(Field, Vec<Val>),
    NotIn(Field, Vec<Val>),
    /// Case-insensitive substring match.
    Like(Field, String),
    /// Case-insensitive substring exclusion.
    NotLike(Field, String),
    StartsWith(Field, String),
    /// Field ≤ time.
    Before(Field, Ts),
    /// Field ≥ time.
    After(Field, Ts),
    /// `(field, id) < (time, id)`: the rows past a keyset cursor when walking newest first.
    KeyBelow(Field, Ts, uuid::Uuid),
    IsNull(Field, bool),
    /// Numeric comparison: field ≥ value.
    AtLeast(Field, f64),
    /// Numeric comparison: field ≤ value.
    AtMost(Field, f64),
    /// The tag list contains every one of these.
    TagsAll(Vec<String>),
    /// The tag list contains at least one of these.
    TagsAny(Vec<String>),
    /// The tag list is empty (true) or not (false).
    TagsEmpty(bool),
    /// The object is related to some object of another entity matching the condition
    /// (e.g. a flow run whose flow matches; a flow that has a matching run).
    Related(Entity, Box<Cond>),
}

impl Entity {
    /// The field of this entity that holds the id of its related `other`, where there is one.
    pub fn foreign_key(self, other: Entity) -> Option<Field> {
        match (self, other) {
            (Entity::FlowRun | Entity::Deployment, Entity::Flow) => Some(Field::FlowId),
            (Entity::FlowRun, Entity::Deployment) => Some(Field::DeploymentId),
            (Entity::TaskRun | Entity::Log, Entity::FlowRun) => Some(Field::FlowRunId),
            _ => None,
        }
    }
}

impl Cond {
    /// The ids this condition names, when it is only "the id is one of these".
    pub fn only_ids(&self) -> Option<&[Val]> {
        match self {
            Cond::In(Field::Id, ids) => Some(ids),
            Cond::All(parts) if parts.len() == 1 => parts[0].only_ids(),
            _ => None,
        }
    }

    /// The condition that always holds.
    pub fn all() -> Cond {
        Cond::All(Vec::new())
    }

    /// The state type is one of `kinds`.
    pub fn state_types(kinds: &[StateType]) -> Cond {
        Cond::In(
            Field::StateType,
            kinds.iter().map(|k| Val::Text(k.as_str().into())).collect(),
        )
    }

    /// The state's name is one of `names` (see [`super::state::name`]).
    pub fn state_names(names: &[&str]) -> Cond {
        Cond::In(
            Field::StateName,
            names.iter().map(|n| Val::Text((*n).into())).collect(),
        )
    }

    /// Drops trivially-true parts so that stores can skip them.
    pub fn is_trivial(&self) -> bool {
        matches!(self, Cond::All(v) if v.iter().all(Cond::is_trivial))
    }
}

/// Sort order: fields with direction, applied in turn (the store appends the id as a tie-breaker).
#[derive(Clone, Debug, PartialEq)]
pub struct Order(pub Vec<(Field, bool)>);

impl Order {
    /// Ascending by one field.
    pub fn asc(f: Field) -> Order {
        Order(vec![(f, false)])
    }
    /// Descending by one field.
    pub fn desc(f: Field) -> Order {
        Order(vec![(f, true)])
    }
}

/// The largest page a query returns, whatever the client asks for.
pub const MAX_LIMIT: u32 = 200;

/// A whole query: which objects, in which order, which page.
#[derive(Clone, Debug, PartialEq)]
pub struct Query {
    pub cond: Cond,
    pub order: Order,
    pub limit: u32,
    pub offset: u64,
}

impl Query {
    /// A query with the limit capped at [`MAX_LIMIT`] (`None` means the maximum).
    pub fn new(cond: Cond, order: Order, limit: Option<u32>, offset: u64) -> Query {
        Query {
            cond,
            order,
            limit: limit.unwrap_or(MAX_LIMIT).min(MAX_LIMIT),
            offset,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn limit_is_capped() {
        assert_eq!(
            Query::new(Cond::all(), Order::asc(Field::Id), Some(10_000), 0).limit,
            MAX_LIMIT
        );
        assert_eq!(
            Query::new(Cond::all(), Order::asc(Field::Id), None, 0).limit,
            MAX_LIMIT
        );
        assert_eq!(
            Query::new(Cond::all(), Order::asc(Field::Id), Some(5), 0).limit,
            5
        );
    }

    #[test]
    fn trivial_conditions() {
        assert!(Cond::all().is_trivial());
        assert!(Cond::All(vec![Cond::all()]).is_trivial());
        assert!(!Cond::Any(vec![]).is_trivial());
    }
}
