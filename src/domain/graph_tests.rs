//! The flow run graph's rules: node kinds, edges from task inputs, encapsulation, the `since` cut, order.

use super::*;
use chrono::{TimeZone, Utc};
use serde_json::json;

fn at(s: u32) -> Ts {
    Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, s).unwrap()
}

fn id(n: u128) -> Uuid {
    Uuid::from_u128(n)
}

fn row(n: u128, start: u32, end: Option<u32>, inputs: serde_json::Value) -> GraphRow {
    GraphRow {
        task_run_id: id(n),
        name: format!("t{n}"),
        state_type: Some(StateType::Completed),
        start_time: Some(at(start)),
        expected_start_time: Some(at(start)),
        end_time: end.map(at),
        task_inputs: inputs.as_object().unwrap().clone(),
        subflow: None,
    }
}

fn running(mut r: GraphRow) -> GraphRow {
    r.state_type = Some(StateType::Running);
    r
}

fn dep(n: u128) -> serde_json::Value {
    json!({"input_type": "task_run", "id": id(n).to_string()})
}

#[test]
fn task_inputs_become_parents_and_children() {
    let nodes = nodes(
        vec![
            row(1, 1, Some(2), json!({})),
            row(2, 3, Some(4), json!({"x": [dep(1)], "y": [dep(1)]})),
        ],
        None,
    );
    assert_eq!(nodes[0].children, vec![id(2)]);
    assert_eq!(nodes[1].parents, vec![id(1)]);
    assert_eq!(roots(&nodes), vec![id(1)]);
}

#[test]
fn a_subflow_wrapper_is_its_flow_run_and_keeps_its_edges() {
    let mut wrapper = row(2, 5, None, json!({"wait_for": [dep(1)]}));
    wrapper.subflow = Some(SubflowPart {
        id: id(20),
        label: "child / shiny".into(),
        state_type: Some(StateType::Running),
        start_time: Some(at(6)),
        expected_start_time: None,
        end_time: None,
    });
    let nodes = nodes(
        vec![
            row(1, 1, Some(2), json!({})),
            wrapper,
            row(3, 9, Some(9), json!({"a": [dep(2)]})),
        ],
        None,
    );
    let sub = &nodes[1];
    assert_eq!(
        (sub.kind, sub.id, sub.label.as_str(), sub.start_time),
        (NodeKind::FlowRun, id(20), "child / shiny", at(6))
    );
    assert_eq!(sub.parents, vec![id(1)]);
    assert_eq!(sub.children, vec![id(3)]);
    assert_eq!(nodes[2].parents, vec![id(20)]);
}

#[test]
fn parents_key_is_encapsulating_and_outside_inputs_are_ignored() {
    let nodes = nodes(
        vec![
            row(1, 1, Some(5), json!({})),
            row(
                2,
                2,
                Some(3),
                json!({"__parents__": [dep(1), dep(1)], "z": [dep(99)]}),
            ),
        ],
        None,
    );
    assert_eq!(nodes[1].encapsulating, vec![id(1)]);
    assert!(nodes[1].parents.is_empty() && nodes[0].children.is_empty());
    assert_eq!(roots(&nodes), vec![id(1), id(2)]);
}

#[test]
fn since_keeps_running_and_recent_nodes_only() {
    let nodes = nodes(
        vec![
            row(1, 1, Some(2), json!({})),
            row(2, 3, Some(8), json!({"a": [dep(1)]})),
            running(row(3, 4, None, json!({}))),
        ],
        Some(at(5)),
    );
    let ids: Vec<Uuid> = nodes.iter().map(|n| n.id).collect();
    assert_eq!(ids, vec![id(2), id(3)]);
    assert_eq!(nodes[0].parents, vec![id(1)], "edges stay whole");
}

#[test]
fn rows_without_times_are_dropped_and_completed_tasks_end_at_expected_start() {
    let mut no_time = row(1, 0, None, json!({}));
    no_time.start_time = None;
    no_time.expected_start_time = None;
    let mut done = row(2, 4, None, json!({}));
    done.start_time = None;
    let nodes = nodes(vec![no_time, done, row(3, 1, Some(2), json!({}))], None);
    assert_eq!(nodes.len(), 2);
    assert_eq!(nodes[0].id, id(3), "ordered by start time");
    assert_eq!(nodes[1].end_time, Some(at(4)));
}

#[test]
fn upstream_is_the_distinct_union_of_every_input_list() {
    let inputs = json!({"a": [dep(1)], "b": [dep(1), dep(2)], "wait_for": [dep(3)]});
    let up = upstream(inputs.as_object().unwrap());
    assert_eq!(up, vec![dep(1), dep(2), dep(3)]);
}
