//! Unit tests of `api::filters`: what serde cannot check is checked there, naming the path.

use super::filters::{cond, query};
use super::logs_ws::logs_json;
use super::sorts::flow_run_sort;
use crate::domain::filter::{Cond, Entity, Field, Val, MAX_LIMIT};
use crate::wire::filters::{FlowFilterRequest, FlowRunFilterRequest, LogFilterRequest};
use serde_json::{json, Value};

fn read<T: serde::de::DeserializeOwned>(v: Value) -> T {
    serde_json::from_value(v).unwrap()
}

fn detail(r: super::error::ApiResult<Cond>) -> String {
    r.unwrap_err().detail
}

#[test]
fn sections_become_conditions_on_their_own_entity() {
    let b: FlowRunFilterRequest = read(json!({
        "flows": {"name": {"any_": ["etl"]}},
        "flow_runs": {"operator": "or_", "tags": {"all_": ["a"]}, "state": {"type": {"any_": ["COMPLETED"]}}},
    }));
    let c = cond(&b, Entity::FlowRun).unwrap();
    let Cond::All(parts) = c else { panic!() };
    assert!(
        matches!(&parts[0], Cond::Related(Entity::Flow, _)),
        "{parts:?}"
    );
    let Cond::Any(own) = &parts[1] else {
        panic!("or_: {parts:?}")
    };
    assert_eq!(own.len(), 2);
    let state = format!("{:?}", own[1]);
    assert!(
        state.contains("StateType") && state.contains("COMPLETED"),
        "{state}"
    );
}

#[test]
fn state_types_times_and_list_sizes_are_checked_with_their_path() {
    let b: FlowRunFilterRequest =
        read(json!({"flow_runs": {"state": {"type": {"any_": ["DONE"]}}}}));
    assert_eq!(
        detail(cond(&b, Entity::FlowRun)),
        "flow_runs.state.type.any_[0]: 'DONE' is not a state type"
    );
    let b: FlowRunFilterRequest = read(json!({"flow_runs": {"start_time": {"after_": "soon"}}}));
    assert_eq!(
        detail(cond(&b, Entity::FlowRun)),
        "flow_runs.start_time.after_: expected an ISO 8601 datetime"
    );
    let names: Vec<String> = (0..1001).map(|i| format!("n{i}")).collect();
    let b: FlowRunFilterRequest = read(json!({"flow_runs": {"name": {"any_": names}}}));
    assert!(detail(cond(&b, Entity::FlowRun)).contains("at most 1000 values"));
}

#[test]
fn a_section_baton_cannot_filter_by_is_refused_unless_null() {
    let b: FlowFilterRequest = read(json!({"work_pools": {"name": {"any_": ["p"]}}}));
    assert!(detail(cond(&b, Entity::Flow)).contains("not available"));
    let b: FlowFilterRequest = read(json!({"work_pools": null}));
    assert_eq!(cond(&b, Entity::Flow).unwrap(), Cond::All(vec![]));
}

#[test]
fn unknown_criteria_and_operations_are_refused_by_serde() {
    let e = serde_json::from_value::<FlowRunFilterRequest>(json!({"flow_runs": {"colour": {}}}));
    assert!(e
        .unwrap_err()
        .to_string()
        .contains("unknown field `colour`"));
    let e = serde_json::from_value::<FlowRunFilterRequest>(
        json!({"flow_runs": {"id": {"like_": "x"}}}),
    );
    assert!(e.unwrap_err().to_string().contains("unknown field `like_`"));
}

#[test]
fn log_text_queries_and_the_websocket_filter() {
    let b: LogFilterRequest =
        read(json!({"logs": {"text": {"query": "error -retry"}, "level": {"ge_": 30}}}));
    let c = cond(&b, Entity::Log).unwrap();
    let text = format!("{c:?}");
    assert!(text.contains("NotLike(Message, \"retry\")"), "{text}");
    assert!(text.contains("AtLeast(Level, 30.0)"), "{text}");
    let words = vec!["w"; 21].join(" ");
    let b: LogFilterRequest = read(json!({"logs": {"text": {"query": words}}}));
    assert_eq!(
        detail(cond(&b, Entity::Log)),
        "logs.text.query: at most 20 words"
    );
    assert_eq!(logs_json(&Value::Null, "filter").unwrap(), Cond::all());
    let e = logs_json(&json!({"level": {"ge_": "high"}}), "filter").unwrap_err();
    assert!(e.detail.starts_with("filter.level.ge_: "), "{}", e.detail);
    let ok = logs_json(
        &json!({"flow_run_id": {"any_": [uuid::Uuid::nil()]}}),
        "filter",
    )
    .unwrap();
    assert_eq!(
        ok,
        Cond::All(vec![Cond::All(vec![Cond::In(
            Field::FlowRunId,
            vec![Val::Text(uuid::Uuid::nil().to_string())]
        )])])
    );
}

#[test]
fn sort_and_page() {
    let b: FlowRunFilterRequest =
        read(json!({"sort": "NAME_ASC", "limit": 5_000_000_000u64, "offset": 3}));
    let q = query(&b, Entity::FlowRun, flow_run_sort, "ID_DESC").unwrap();
    assert_eq!((q.limit, q.offset), (MAX_LIMIT, 3));
    let b: FlowRunFilterRequest = read(json!({"sort": "SIDEWAYS"}));
    let e = query(&b, Entity::FlowRun, flow_run_sort, "ID_DESC").unwrap_err();
    assert_eq!(e.detail, "sort: 'SIDEWAYS' is not a valid sort order");
}
