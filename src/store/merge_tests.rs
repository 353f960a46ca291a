//! Tests of the merged selects: the arms built, the rows they return against a plain sort of the same runs,
//! and the plans SQLite picks for them on Baton's schema.

use super::*;
use crate::domain::filter::Order;
use crate::store::sql;

fn states(names: &[&str]) -> Cond {
    Cond::In(
        Field::StateType,
        names.iter().map(|s| Val::Text(s.to_string())).collect(),
    )
}

fn query(cond: Cond, field: Field, desc: bool) -> Query {
    Query {
        cond,
        order: Order(vec![(field, desc)]),
        limit: 50,
        offset: 0,
    }
}

/// A migrated in-memory database holding `runs`: (id, state type, state name, expected start, next start).
fn db(runs: &[(&str, &str, Option<&str>, &str, &str)]) -> rusqlite::Connection {
    let mut conn = rusqlite::Connection::open_in_memory().unwrap();
    crate::store::migrations::apply(&mut conn).unwrap();
    conn.pragma_update(None, "foreign_keys", "OFF").unwrap();
    for (id, kind, name, expected, next) in runs {
        conn.execute(
            "INSERT INTO flow_runs (id, created, updated, name, flow_id, state_type, state_name, \
             expected_start_time, next_scheduled_start_time) VALUES (?1, ?4, ?4, ?1, 'f', ?2, ?3, ?4, ?5)",
            rusqlite::params![id, kind, name, stored(expected), stored(next)],
        )
        .unwrap();
    }
    conn
}

/// `2026-01-01T00:00:00` as Baton stores times (`None` for an empty one).
fn stored(t: &str) -> Option<String> {
    (!t.is_empty()).then(|| codec::ts(at(t)))
}

fn at(t: &str) -> crate::domain::Ts {
    chrono::DateTime::parse_from_rfc3339(&format!("{t}Z"))
        .unwrap()
        .to_utc()
}

/// The SQL [`select`] builds for `q` on `conn`, its parameters, the ids it returns and its query plan.
fn run(conn: &rusqlite::Connection, q: &Query) -> (String, Vec<String>, String) {
    let tx = Tx {
        conn: sql::Conn::Lite(conn),
        writes: false,
    };
    let mut p = Vec::new();
    let sql = select(&tx, Entity::FlowRun, COLS, q, &mut p).unwrap();
    let ids = tx
        .conn
        .prepare(&sql)
        .unwrap()
        .query_map(sql::params_from_iter(p.clone()), |r| r.get::<_, String>(0))
        .unwrap()
        .map(|r| r.unwrap())
        .collect();
    let plan = tx
        .conn
        .prepare(&format!("EXPLAIN QUERY PLAN {sql}"))
        .unwrap()
        .query_map(sql::params_from_iter(p), |r| r.get::<_, String>(3))
        .unwrap()
        .map(|r| r.unwrap())
        .collect::<Vec<_>>()
        .join("\n");
    (sql, ids, plan)
}

/// The columns selected: the id first, and those the queries order by.
const COLS: &str =
    "flow_runs.id, flow_runs.expected_start_time, flow_runs.next_scheduled_start_time, \
    flow_runs.start_time";

/// Runs in several states and names, with ties on the times (broken by id).
const RUNS: &[(&str, &str, Option<&str>, &str, &str)] = &[
    (
        "a1",
        "COMPLETED",
        Some("Completed"),
        "2026-01-01T00:00:03",
        "2026-01-01T00:00:09",
    ),
    (
        "a2",
        "COMPLETED",
        Some("Completed"),
        "2026-01-01T00:00:01",
        "2026-01-01T00:00:02",
    ),
    (
        "a3",
        "COMPLETED",
        Some("Cached"),
        "2026-01-01T00:00:03",
        "2026-01-01T00:00:01",
    ),
    (
        "a4",
        "COMPLETED",
        None,
        "2026-01-01T00:00:02",
        "2026-01-01T00:00:05",
    ),
    (
        "a5",
        "FAILED",
        Some("Failed"),
        "2026-01-01T00:00:04",
        "2026-01-01T00:00:05",
    ),
    (
        "a6",
        "FAILED",
        Some("Failed"),
        "2026-01-01T00:00:00",
        "2026-01-01T00:00:07",
    ),
    (
        "a7",
        "SCHEDULED",
        Some("Late"),
        "2026-01-01T00:00:05",
        "2026-01-01T00:00:00",
    ),
    (
        "a8",
        "COMPLETED",
        Some(""),
        "2026-01-01T00:00:03",
        "2026-01-01T00:00:03",
    ),
];

/// The ids of `RUNS` in `kinds`, sorted by the time at `col` (3 expected, 4 next), then id, as asked.
fn expected(kinds: &[&str], col: usize, desc: bool) -> Vec<String> {
    let mut rows: Vec<_> = RUNS.iter().filter(|r| kinds.contains(&r.1)).collect();
    rows.sort_by(|a, b| {
        let key = |r: &&(&str, &str, Option<&str>, &str, &str)| {
            (
                (if col == 3 { r.3 } else { r.4 }).to_string(),
                r.0.to_string(),
            )
        };
        let o = key(a).cmp(&key(b));
        if desc {
            o.reverse()
        } else {
            o
        }
    });
    rows.iter().map(|r| r.0.to_string()).collect()
}

#[test]
fn runs_ordered_by_a_time_are_merged_per_state_type_and_name() {
    let conn = db(RUNS);
    for (field, col, desc, index) in [
        (Field::ExpectedStartTime, 3, true, "flow_runs_history"),
        (Field::ExpectedStartTime, 3, false, "flow_runs_history"),
        (Field::NextScheduledStartTime, 4, false, "flow_runs_waiting"),
    ] {
        for kinds in [
            &["COMPLETED", "FAILED"][..],
            &["COMPLETED"][..],
            &["FAILED"][..],
        ] {
            let (sql, ids, plan) = run(&conn, &query(states(kinds), field, desc));
            assert_eq!(ids, expected(kinds, col, desc), "{sql}");
            // COMPLETED: Completed, Cached, "" and no name; FAILED: Failed.
            let arms = kinds
                .iter()
                .map(|k| if *k == "FAILED" { 1 } else { 4 })
                .sum::<usize>();
            assert_eq!(sql.matches("SELECT ").count(), arms, "{sql}");
            assert!(plan.contains(&format!("USING INDEX {index}")), "{plan}");
            assert!(!plan.contains("USE TEMP B-TREE FOR ORDER BY"), "{plan}");
            assert!(!plan.contains("SCAN"), "{plan}");
        }
    }
}

#[test]
fn states_no_run_is_in_or_too_many_names_read_without_name_arms() {
    let mut runs: Vec<(String, String)> = (0..=MAX_NAME_ARMS)
        .map(|i| (format!("r{i:02}"), format!("Name {i:02}")))
        .collect();
    runs.sort();
    let rows: Vec<_> = runs
        .iter()
        .map(|(id, name)| {
            (
                id.as_str(),
                "COMPLETED",
                Some(name.as_str()),
                "2026-01-01T00:00:00",
                "",
            )
        })
        .collect();
    let conn = db(&rows);
    let q = query(states(&["COMPLETED"]), Field::ExpectedStartTime, false);
    let (sql, ids, _) = run(&conn, &q);
    assert!(!sql.contains("state_name"), "{sql}");
    assert_eq!(ids, runs.iter().map(|r| r.0.clone()).collect::<Vec<_>>());
    let (sql, ids, _) = run(
        &conn,
        &query(states(&["FAILED"]), Field::ExpectedStartTime, true),
    );
    assert!(!sql.contains("UNION") && ids.is_empty(), "{sql}");
}

#[test]
fn several_states_in_another_order_become_one_arm_per_state_type_with_the_rest_in_each() {
    let cond = Cond::All(vec![
        Cond::All(vec![states(&["COMPLETED", "FAILED", "COMPLETED"])]),
        Cond::TagsAll(vec!["a".into()]),
    ]);
    let conn = db(RUNS);
    let tx = Tx {
        conn: sql::Conn::Lite(&conn),
        writes: false,
    };
    let mut p = Vec::new();
    let q = query(cond, Field::StartTime, true);
    let sql = select(&tx, Entity::FlowRun, "flow_runs.id", &q, &mut p).unwrap();
    assert_eq!(sql.matches("UNION ALL").count(), 1, "{sql}");
    assert!(
        sql.ends_with("ORDER BY start_time DESC, id DESC LIMIT ? OFFSET ?"),
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
fn one_state_in_another_order_or_states_under_any_stay_a_plain_select() {
    let conn = db(RUNS);
    for (cond, field) in [
        (states(&["COMPLETED"]), Field::StartTime),
        (
            Cond::Any(vec![states(&["COMPLETED", "FAILED"])]),
            Field::ExpectedStartTime,
        ),
    ] {
        let (sql, _, _) = run(&conn, &query(cond, field, true));
        assert!(!sql.contains("UNION"), "{sql}");
    }
}

#[test]
fn runs_of_a_deployment_or_flow_are_read_through_its_own_index() {
    let conn = db(RUNS);
    let one = |f: Field| Cond::In(f, vec![Val::Text("x".into())]);
    for pin in [
        one(Field::DeploymentId),
        one(Field::FlowId),
        Cond::Related(
            Entity::Deployment,
            Box::new(Cond::Like(Field::Name, "d".into())),
        ),
    ] {
        for kinds in [&["SCHEDULED"][..], &["SCHEDULED", "PENDING"][..]] {
            let cond = Cond::All(vec![states(kinds), pin.clone()]);
            let (sql, _, plan) = run(&conn, &query(cond, Field::ExpectedStartTime, false));
            assert!(!sql.contains("state_name"), "{sql}");
            let index = match pin {
                Cond::In(Field::FlowId, _) => "INDEX flow_runs_flow_",
                // The deployment's entries in the state, in time order: not all its runs, not all in the state.
                _ => "INDEX flow_runs_deployment_state (deployment_id=? AND state_type=?)",
            };
            assert!(plan.contains(index), "{sql}\n{plan}");
            if kinds.len() == 1 && matches!(pin, Cond::In(Field::DeploymentId, _)) {
                assert!(!plan.contains("TEMP B-TREE FOR ORDER BY"), "{plan}");
            }
        }
    }
}

#[test]
fn runs_of_some_states_in_a_time_range_are_counted_per_state_name() {
    let conn = db(RUNS);
    let tx = Tx {
        conn: sql::Conn::Lite(&conn),
        writes: false,
    };
    for (kinds, after, before) in [
        (
            &["COMPLETED", "FAILED"][..],
            "2026-01-01T00:00:02",
            "2026-01-01T00:00:03",
        ),
        (
            &["COMPLETED"][..],
            "2026-01-01T00:00:00",
            "2026-01-01T00:00:09",
        ),
        (
            &["SCHEDULED", "PENDING"][..],
            "2026-01-01T00:00:00",
            "2026-01-01T00:00:09",
        ),
    ] {
        let cond = Cond::All(vec![
            states(kinds),
            Cond::After(Field::ExpectedStartTime, at(after)),
            Cond::Before(Field::ExpectedStartTime, at(before)),
        ]);
        let want = RUNS
            .iter()
            .filter(|r| kinds.contains(&r.1) && r.3 >= after && r.3 <= before)
            .count();
        assert_eq!(count(&tx, &cond).unwrap(), want as u64, "{kinds:?}");
        assert_eq!(
            query::count(&tx, Entity::FlowRun, &cond).unwrap(),
            want as u64
        );
    }
}

#[test]
fn a_condition_with_many_parameters_is_merged_in_fewer_arms_within_sqlites_limit() {
    let conn = db(RUNS);
    let tags = |n: usize| Cond::TagsAll((0..n).map(|i| format!("t{i}")).collect());
    // COMPLETED and FAILED have 5 names between them: 5 arms of ~7,000 parameters would pass SQLite's limit
    // (32,766), 2 arms (one per type) do not; 2 arms of ~16,000 would too: one plain select.
    for (n, arms) in [(10, 5), (7_000, 2), (16_000, 1)] {
        let cond = Cond::All(vec![states(&["COMPLETED", "FAILED"]), tags(n)]);
        let (sql, ids, _) = run(&conn, &query(cond, Field::ExpectedStartTime, true));
        assert_eq!(sql.matches(" UNION ALL ").count() + 1, arms, "{n} tags");
        assert!(ids.is_empty(), "no run has these tags");
    }
}
