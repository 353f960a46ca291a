//! Prefect's filter objects (`{"flow_runs": {"state": {"type": {"any_": [...]}}}, "sort": ..., "limit": ...}`)
//! read into domain queries. Strict: an unknown key, a wrong type or an invalid value is a 422 naming its path.

use super::error::{ApiError, ApiResult};
use super::filter_keys::{keys, Kind};
use crate::domain::filter::{Cond, Entity, Field, Order, Query, Val};
use crate::domain::{time, StateType};
use serde_json::{Map, Value};
use uuid::Uuid;

/// Reads one entity's filter object (`null` = everything).
pub fn entity_filter(e: Entity, v: &Value, path: &str) -> ApiResult<Cond> {
    let obj = match v {
        Value::Null => return Ok(Cond::all()),
        Value::Object(o) => o,
        _ => {
            return Err(ApiError::invalid(format!(
                "{path}: expected an object or null"
            )))
        }
    };
    let mut parts = Vec::new();
    let mut or = false;
    for (key, val) in obj {
        let p = format!("{path}.{key}");
        if key == "operator" {
            or = operator(val, &p)?;
            continue;
        }
        let Some((_, field, kind)) = keys(e).iter().find(|(k, _, _)| k == key) else {
            let known: Vec<&str> = keys(e).iter().map(|k| k.0).collect();
            return Err(ApiError::invalid(format!(
                "{p}: unknown filter field (known: operator, {})",
                known.join(", ")
            )));
        };
        if !val.is_null() {
            parts.push(field_cond(*field, *kind, val, &p)?);
        }
    }
    Ok(if or && !parts.is_empty() {
        Cond::Any(parts)
    } else {
        Cond::All(parts)
    })
}

fn operator(v: &Value, path: &str) -> ApiResult<bool> {
    match v {
        Value::Null => Ok(false),
        Value::String(s) if s == "and_" => Ok(false),
        Value::String(s) if s == "or_" => Ok(true),
        _ => Err(ApiError::invalid(format!(
            "{path}: must be 'and_' or 'or_'"
        ))),
    }
}

fn field_cond(field: Field, kind: Kind, v: &Value, path: &str) -> ApiResult<Cond> {
    let obj = v
        .as_object()
        .ok_or_else(|| ApiError::invalid(format!("{path}: expected an object")))?;
    if let Kind::State = kind {
        let mut parts = Vec::new();
        let mut or = false;
        for (k, val) in obj {
            let p = format!("{path}.{k}");
            match k.as_str() {
                "operator" => or = operator(val, &p)?,
                "type" if !val.is_null() => {
                    parts.push(field_cond(Field::StateType, Kind::Text, val, &p)?)
                }
                "name" if !val.is_null() => {
                    parts.push(field_cond(Field::StateName, Kind::Text, val, &p)?)
                }
                "type" | "name" => {}
                _ => {
                    return Err(ApiError::invalid(format!(
                        "{p}: unknown filter field (known: operator, type, name)"
                    )))
                }
            }
        }
        return Ok(if or && !parts.is_empty() {
            Cond::Any(parts)
        } else {
            Cond::All(parts)
        });
    }
    let mut parts = Vec::new();
    for (op, val) in obj {
        let p = format!("{path}.{op}");
        if val.is_null() {
            continue;
        }
        let cond = match (kind, op.as_str()) {
            (Kind::Id | Kind::Text, "any_") => Cond::In(field, values(field, kind, val, &p)?),
            (Kind::Id | Kind::Text, "not_any_") => {
                Cond::NotIn(field, values(field, kind, val, &p)?)
            }
            (Kind::Text, "like_") => Cond::Like(field, string(val, &p)?),
            (Kind::Text, "startswith_") => Cond::StartsWith(field, string(val, &p)?),
            (Kind::Id | Kind::Text | Kind::Time, "is_null_") => {
                Cond::IsNull(field, boolean(val, &p)?)
            }
            (Kind::Tags, "all_") => Cond::TagsAll(strings(val, &p)?),
            (Kind::Tags, "any_") => Cond::TagsAny(strings(val, &p)?),
            (Kind::Tags, "is_null_") => Cond::TagsEmpty(boolean(val, &p)?),
            (Kind::Time, "before_") => Cond::Before(field, timestamp(val, &p)?),
            (Kind::Time, "after_") => Cond::After(field, timestamp(val, &p)?),
            (Kind::Level, "ge_") => Cond::AtLeast(field, number(val, &p)?),
            (Kind::Level, "le_") => Cond::AtMost(field, number(val, &p)?),
            (Kind::Bool, "eq_") => Cond::In(field, vec![Val::Int(i64::from(boolean(val, &p)?))]),
            (Kind::Level, "is_null_") => Cond::IsNull(field, boolean(val, &p)?),
            (Kind::Exists | Kind::Text, "exists_") => Cond::IsNull(field, !boolean(val, &p)?),
            (Kind::LogText, "query") => text_query(&string(val, &p)?)?,
            _ => return Err(ApiError::invalid(format!("{p}: unknown filter operation"))),
        };
        parts.push(cond);
    }
    Ok(Cond::All(parts))
}

fn text_query(q: &str) -> ApiResult<Cond> {
    if q.split_whitespace().count() > 20 {
        return Err(ApiError::invalid("logs.text.query: at most 20 words"));
    }
    Ok(text_query_terms(q))
}

fn text_query_terms(q: &str) -> Cond {
    Cond::All(
        q.split_whitespace()
            .map(|w| match w.strip_prefix('-') {
                Some(neg) if !neg.is_empty() => Cond::NotLike(Field::Message, neg.to_string()),
                _ => Cond::Like(Field::Message, w.to_string()),
            })
            .collect(),
    )
}

fn values(field: Field, kind: Kind, v: &Value, path: &str) -> ApiResult<Vec<Val>> {
    let items = strings(v, path)?;
    items
        .into_iter()
        .enumerate()
        .map(|(i, s)| {
            let p = format!("{path}[{i}]");
            match (kind, field) {
                (Kind::Id, _) => s
                    .parse::<Uuid>()
                    .map(|u| Val::Text(u.to_string()))
                    .map_err(|_| ApiError::invalid(format!("{p}: '{s}' is not a valid UUID"))),
                (_, Field::StateType) => StateType::parse(&s)
                    .map(|t| Val::Text(t.as_str().into()))
                    .ok_or_else(|| ApiError::invalid(format!("{p}: '{s}' is not a state type"))),
                _ => Ok(Val::Text(s)),
            }
        })
        .collect()
}

/// The most values one filter list may hold (SQLite binds each as a variable).
const MAX_VALUES: usize = 1000;

fn strings(v: &Value, path: &str) -> ApiResult<Vec<String>> {
    let arr = v
        .as_array()
        .ok_or_else(|| ApiError::invalid(format!("{path}: expected a list")))?;
    if arr.len() > MAX_VALUES {
        return Err(ApiError::invalid(format!(
            "{path}: at most {MAX_VALUES} values"
        )));
    }
    arr.iter()
        .enumerate()
        .map(|(i, x)| {
            x.as_str()
                .map(String::from)
                .ok_or_else(|| ApiError::invalid(format!("{path}[{i}]: expected a string")))
        })
        .collect()
}

fn string(v: &Value, path: &str) -> ApiResult<String> {
    v.as_str()
        .map(String::from)
        .ok_or_else(|| ApiError::invalid(format!("{path}: expected a string")))
}

fn boolean(v: &Value, path: &str) -> ApiResult<bool> {
    v.as_bool()
        .ok_or_else(|| ApiError::invalid(format!("{path}: expected true or false")))
}

fn number(v: &Value, path: &str) -> ApiResult<f64> {
    v.as_f64()
        .ok_or_else(|| ApiError::invalid(format!("{path}: expected a number")))
}

pub fn timestamp(v: &Value, path: &str) -> ApiResult<crate::domain::Ts> {
    v.as_str()
        .and_then(time::parse)
        .ok_or_else(|| ApiError::invalid(format!("{path}: expected an ISO 8601 datetime")))
}

/// The common body of `POST /…/filter` and `/count`.
pub struct FilterBody {
    pub body: Map<String, Value>,
}

impl FilterBody {
    /// Takes the body (`null` = empty).
    pub fn new(v: Value) -> ApiResult<FilterBody> {
        match v {
            Value::Null => Ok(FilterBody { body: Map::new() }),
            Value::Object(body) => Ok(FilterBody { body }),
            _ => Err(ApiError::invalid(
                "Invalid request body: expected a JSON object",
            )),
        }
    }

    /// The condition for `target` from the body's sections, each section naming an entity.
    pub fn cond(&self, target: Entity, sections: &[(&str, Option<Entity>)]) -> ApiResult<Cond> {
        for key in self.body.keys() {
            if !sections.iter().any(|(k, _)| k == key)
                && !["sort", "limit", "offset"].contains(&key.as_str())
            {
                let known: Vec<&str> = sections.iter().map(|s| s.0).collect();
                return Err(ApiError::invalid(format!(
                    "{key}: unknown field (known: {}, sort, limit, offset)",
                    known.join(", ")
                )));
            }
        }
        let mut parts = Vec::new();
        for (key, entity) in sections {
            let Some(v) = self.body.get(*key).filter(|v| !v.is_null()) else {
                continue;
            };
            let Some(entity) = entity else {
                return Err(ApiError::invalid(format!(
                    "{key}: filtering by {key} is not available in this Baton version"
                )));
            };
            let c = entity_filter(*entity, v, key)?;
            parts.push(if *entity == target {
                c
            } else {
                Cond::Related(*entity, Box::new(c))
            });
        }
        Ok(Cond::All(parts))
    }

    /// `limit` (capped) and `offset`.
    pub fn page(&self) -> ApiResult<(Option<u32>, u64)> {
        let limit = match self.body.get("limit") {
            None | Some(Value::Null) => None,
            Some(v) => Some(
                v.as_u64()
                    .ok_or_else(|| ApiError::invalid("limit: expected a non-negative integer"))?
                    .min(u64::from(u32::MAX)) as u32,
            ),
        };
        let offset = match self.body.get("offset") {
            None | Some(Value::Null) => 0,
            Some(v) => v
                .as_u64()
                .ok_or_else(|| ApiError::invalid("offset: expected a non-negative integer"))?,
        };
        Ok((limit, offset))
    }

    /// The query with `sort` read by `sort_of` (default when absent).
    pub fn query(
        &self,
        cond: Cond,
        sort_of: fn(&str) -> Option<Order>,
        default: &str,
    ) -> ApiResult<Query> {
        let sort = match self.body.get("sort") {
            None | Some(Value::Null) => default.to_string(),
            Some(Value::String(s)) => s.clone(),
            Some(_) => return Err(ApiError::invalid("sort: expected a string")),
        };
        let order = sort_of(&sort).ok_or_else(|| {
            ApiError::invalid(format!("sort: '{sort}' is not a valid sort order"))
        })?;
        let (limit, offset) = self.page()?;
        Ok(Query::new(cond, order, limit, offset))
    }
}

pub use super::sorts::{flow_run_sort, flow_sort, log_sort, task_run_sort};
