//! Tests of the SQL built from domain queries, and of the plans SQLite picks on Baton's schema for it and
//! for statements that rely on an index being there.

use super::*;
use crate::domain::filter::Val;

#[test]
fn builds_nested_conditions() {
    let cond = Cond::All(vec![
        Cond::In(Field::StateType, vec![Val::Text("RUNNING".into())]),
        Cond::Related(
            Entity::Flow,
            Box::new(Cond::Like(Field::Name, "et_l".into())),
        ),
        Cond::TagsAll(vec!["a".into()]),
    ]);
    let mut p = Vec::new();
    let sql = condition(Entity::FlowRun, &cond, &mut p).unwrap();
    assert!(sql.starts_with("(flow_runs.state_type IN (?) AND flow_runs.flow_id IN (SELECT id FROM flows WHERE flows.name LIKE"), "{sql}");
    assert_eq!(p.len(), 3);
    assert_eq!(p[1], Sql::Text("et\\_l".into()));
}

#[test]
fn a_related_object_named_by_id_is_its_foreign_key() {
    let ids = vec![Val::Text("f1".into()), Val::Text("f2".into())];
    let by_id = Cond::Related(
        Entity::Flow,
        Box::new(Cond::All(vec![Cond::In(Field::Id, ids)])),
    );
    let mut p = Vec::new();
    let sql = condition(Entity::FlowRun, &by_id, &mut p).unwrap();
    assert_eq!(sql, "flow_runs.flow_id IN (?, ?)");
    assert_eq!(p.len(), 2);
}

#[test]
fn rejects_unknown_fields() {
    let mut p = Vec::new();
    assert!(condition(Entity::Flow, &Cond::IsNull(Field::StartTime, true), &mut p).is_err());
}

/// The query plan of `sql` on an empty database with Baton's schema, one step per line.
fn plan(sql: &str, params: &[Sql]) -> String {
    let mut conn = rusqlite::Connection::open_in_memory().unwrap();
    crate::store::migrations::apply(&mut conn).unwrap();
    let mut stmt = conn.prepare(&format!("EXPLAIN QUERY PLAN {sql}")).unwrap();
    let values = params.iter().map(|p| match p {
        Sql::Null => rusqlite::types::Value::Null,
        Sql::Integer(i) => rusqlite::types::Value::Integer(*i),
        Sql::Real(f) => rusqlite::types::Value::Real(*f),
        Sql::Text(t) => rusqlite::types::Value::Text(t.clone()),
        Sql::Blob(b) => rusqlite::types::Value::Blob(b.clone()),
    });
    let steps = stmt
        .query_map(rusqlite::params_from_iter(values), |r| {
            r.get::<_, String>(3)
        })
        .unwrap();
    steps.map(|s| s.unwrap()).collect::<Vec<_>>().join("\n")
}

#[test]
fn a_state_name_filter_is_answered_from_an_index_leading_with_the_state_type() {
    let mut p = Vec::new();
    let cond = Cond::state_names(&["Late", "AwaitingRetry"]);
    let sql = condition(Entity::FlowRun, &cond, &mut p).unwrap();
    let plan = plan(&format!("SELECT count(*) FROM flow_runs WHERE {sql}"), &p);
    assert!(plan.contains("USING COVERING INDEX flow_runs_"), "{plan}");
    assert!(plan.contains("(state_type=? AND state_name=?)"), "{plan}");
    assert!(!plan.contains("SCAN"), "{plan}");
}

#[test]
fn future_runs_are_found_through_their_deployments_waiting_runs() {
    let no = || Sql::Text(String::new());
    for of_schedule in [true, false] {
        let sql = crate::store::schedules::delete_future_runs_sql(of_schedule, false);
        let params = vec![no(); if of_schedule { 3 } else { 2 }];
        let plan = plan(&sql, &params);
        let by_deployment =
            "USING INDEX flow_runs_deployment_state (deployment_id=? AND state_type=?)";
        assert!(plan.contains(by_deployment), "{plan}");
    }
    let newer = plan(
        &crate::store::catchup::newer_due_sql(false),
        &[no(), no(), no()],
    );
    assert!(
        newer.contains("USING INDEX flow_runs_deployment_state"),
        "{newer}"
    );
    assert!(!crate::store::catchup::newer_due_sql(true).contains("INDEXED BY"));
    let pg = crate::store::schedules::delete_future_runs_sql(true, true);
    assert!(!pg.contains("INDEXED BY"), "{pg}");
}

#[test]
fn the_run_waiting_longest_for_a_slot_is_looked_for_among_the_waiting_runs_only() {
    let no = || Sql::Text(String::new());
    let sql = crate::store::flow_runs::longest_waiting_for_slot_sql(false);
    let plan = plan(&sql, &[no(), no(), no(), no()]);
    let waiting = "USING INDEX flow_runs_history (state_type=? AND state_name=?)";
    assert!(plan.contains(waiting), "{plan}");
    assert!(!crate::store::flow_runs::longest_waiting_for_slot_sql(true).contains("INDEXED BY"));
}
