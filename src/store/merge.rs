//! Runs of several state types in sort order without sorting every match. `state_type IN (a, b)` with
//! `ORDER BY expected_start_time` made SQLite read every matching run and sort them all before returning
//! the first page (a temporary B-tree), which grew with the history: ~65 ms for 18,000 finished runs. As one
//! `SELECT … WHERE state_type = ?` arm per state type joined by `UNION ALL` under the same `ORDER BY`, each
//! arm walks the `(state_type, expected_start_time, id)` index in order and SQLite merges the arms
//! (`MERGE (UNION ALL)` in its query plan), stopping at the limit: the first page costs its own rows.

use super::codec;
use super::error::Result;
use super::query;
use crate::domain::filter::{Cond, Entity, Field, Query, Val};
use crate::store::sql::Value as Sql;

/// More state types than this are read with one `IN` (there are only nine).
const MAX_ARMS: usize = 9;

/// `SELECT {cols} FROM {table} WHERE … ORDER BY … LIMIT ? OFFSET ?` for `q`, merged per state type when
/// its condition requires one of several state types (see the module docs), plain otherwise.
pub fn select(e: Entity, cols: &str, q: &Query, params: &mut Vec<Sql>) -> Result<String> {
    let t = query::table(e);
    if let Some((states, rest)) = split_states(&q.cond) {
        if (2..=MAX_ARMS).contains(&states.len()) {
            if let Some(order) = query::order_by_result_columns(e, &q.order) {
                let mut arms = Vec::with_capacity(states.len());
                for s in &states {
                    params.push(codec::val(s));
                    let c = query::condition(e, &rest, params)?;
                    arms.push(format!(
                        "SELECT {cols} FROM {t} WHERE {t}.state_type = ? AND {c}"
                    ));
                }
                params.push(Sql::Integer(i64::from(q.limit)));
                params.push(Sql::Integer(i64::try_from(q.offset).unwrap_or(i64::MAX)));
                return Ok(format!(
                    "{} ORDER BY {order} LIMIT ? OFFSET ?",
                    arms.join(" UNION ALL ")
                ));
            }
        }
    }
    let tail = query::tail(e, q, params)?;
    Ok(format!("SELECT {cols} FROM {t} {tail}"))
}

/// The distinct state types a condition requires (an `IN` on the state type reached through `All`s only),
/// and the condition without it.
fn split_states(cond: &Cond) -> Option<(Vec<Val>, Cond)> {
    match cond {
        Cond::In(Field::StateType, vals) => {
            let mut distinct: Vec<Val> = Vec::with_capacity(vals.len());
            for v in vals {
                if !distinct.contains(v) {
                    distinct.push(v.clone());
                }
            }
            Some((distinct, Cond::all()))
        }
        Cond::All(parts) => parts.iter().enumerate().find_map(|(i, p)| {
            split_states(p).map(|(states, rest)| {
                let mut parts = parts.clone();
                parts[i] = rest;
                (states, Cond::All(parts))
            })
        }),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::filter::Order;

    fn states(names: &[&str]) -> Cond {
        Cond::In(
            Field::StateType,
            names.iter().map(|s| Val::Text(s.to_string())).collect(),
        )
    }

    fn query(cond: Cond) -> Query {
        Query {
            cond,
            order: Order(vec![(Field::ExpectedStartTime, true)]),
            limit: 50,
            offset: 0,
        }
    }

    #[test]
    fn several_states_become_merged_arms_with_the_rest_in_each() {
        let cond = Cond::All(vec![
            Cond::All(vec![states(&["COMPLETED", "FAILED", "COMPLETED"])]),
            Cond::TagsAll(vec!["a".into()]),
        ]);
        let mut p = Vec::new();
        let sql = select(Entity::FlowRun, "flow_runs.id", &query(cond), &mut p).unwrap();
        assert_eq!(sql.matches("UNION ALL").count(), 1, "{sql}");
        assert!(
            sql.ends_with("ORDER BY expected_start_time DESC, id DESC LIMIT ? OFFSET ?"),
            "{sql}"
        );
        let texts: Vec<_> = p.iter().map(|v| format!("{v:?}")).collect();
        assert_eq!(texts.len(), 6, "{texts:?}");
        assert!(
            texts[0].contains("COMPLETED") && texts[1].contains("\"a\""),
            "{texts:?}"
        );
        assert!(
            texts[2].contains("FAILED") && texts[3].contains("\"a\""),
            "{texts:?}"
        );
    }

    #[test]
    fn one_state_or_states_under_any_stay_a_plain_select() {
        for cond in [
            states(&["COMPLETED"]),
            Cond::Any(vec![states(&["COMPLETED", "FAILED"])]),
        ] {
            let mut p = Vec::new();
            let sql = select(Entity::FlowRun, "flow_runs.id", &query(cond), &mut p).unwrap();
            assert!(!sql.contains("UNION"), "{sql}");
        }
    }
}
