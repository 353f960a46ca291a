//! A flow run's graph, as Prefect's `GET /flow_runs/{id}/graph-v2` draws it: one node per task run of the
//! run (a subflow's wrapper task run is replaced by the subflow run itself), edges from `task_inputs`,
//! task-in-task calls (`__parents__`) as `encapsulating`, and the `since` cut of incremental polling.

use super::{Doc, StateType, Ts};
use serde_json::Value;
use std::collections::{HashMap, HashSet};
use uuid::Uuid;

/// The most nodes a graph holds (Prefect's `server.flow_run_graph.max_nodes`).
pub const MAX_NODES: usize = 10_000;
/// The most artifacts a graph holds (Prefect's `server.flow_run_graph.max_artifacts`).
pub const MAX_ARTIFACTS: usize = 10_000;

/// The `task_inputs` key whose entries are calls from inside a task, not data dependencies.
const PARENTS_KEY: &str = "__parents__";

/// The part of a subflow run that stands for its wrapper task run.
#[derive(Clone, Debug, PartialEq)]
pub struct SubflowPart {
    pub id: Uuid,
    /// `"<flow name> / <flow run name>"`.
    pub label: String,
    pub state_type: Option<StateType>,
    pub start_time: Option<Ts>,
    pub expected_start_time: Option<Ts>,
    pub end_time: Option<Ts>,
}

/// One task run of the flow run, with the subflow run it wraps, if any.
#[derive(Clone, Debug, PartialEq)]
pub struct GraphRow {
    pub task_run_id: Uuid,
    pub name: String,
    pub state_type: Option<StateType>,
    pub start_time: Option<Ts>,
    pub expected_start_time: Option<Ts>,
    pub end_time: Option<Ts>,
    pub task_inputs: Doc,
    pub subflow: Option<SubflowPart>,
}

/// An artifact as the graph shows it (`data` only for progress artifacts).
#[derive(Clone, Debug, PartialEq)]
pub struct GraphArtifact {
    pub id: Uuid,
    pub created: Ts,
    pub key: Option<String>,
    pub kind: Option<String>,
    /// No key, or the latest of its key.
    pub is_latest: bool,
    pub data: Option<Value>,
    pub task_run_id: Option<Uuid>,
}

/// What a node is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum NodeKind {
    TaskRun,
    FlowRun,
}

impl NodeKind {
    pub fn as_str(self) -> &'static str {
        match self {
            NodeKind::TaskRun => "task-run",
            NodeKind::FlowRun => "flow-run",
        }
    }
}

/// A node of the graph.
#[derive(Clone, Debug, PartialEq)]
pub struct Node {
    pub kind: NodeKind,
    pub id: Uuid,
    pub label: String,
    pub state_type: Option<StateType>,
    pub start_time: Ts,
    pub end_time: Option<Ts>,
    pub parents: Vec<Uuid>,
    pub children: Vec<Uuid>,
    pub encapsulating: Vec<Uuid>,
    pub artifacts: Vec<GraphArtifact>,
}

/// The ids of task runs a `task_inputs` list refers to (`{"input_type": "task_run", "id": ...}`).
fn task_run_refs(inputs: &Value) -> impl Iterator<Item = Uuid> + '_ {
    inputs
        .as_array()
        .into_iter()
        .flatten()
        .filter(|i| i.get("input_type").and_then(Value::as_str) == Some("task_run"))
        .filter_map(|i| i.get("id").and_then(Value::as_str)?.parse().ok())
}

fn push_unique(v: &mut Vec<Uuid>, id: Uuid) {
    if !v.contains(&id) {
        v.push(id);
    }
}

/// The nodes of a graph from its rows, ordered by start then end time: rows without any start time are
/// left out; edges and `encapsulating` only name nodes of this graph (a subflow by its flow run id); with
/// `since`, only nodes still running or ended at or after it are kept (their edges stay whole).
pub fn nodes(rows: Vec<GraphRow>, since: Option<Ts>) -> Vec<Node> {
    // Task run id -> node id (a subflow's wrapper task run is its flow run).
    let node_of: HashMap<Uuid, Uuid> = rows
        .iter()
        .map(|r| {
            (
                r.task_run_id,
                r.subflow.as_ref().map_or(r.task_run_id, |s| s.id),
            )
        })
        .collect();
    let mut out: Vec<(Node, Doc)> = rows
        .into_iter()
        .filter_map(|r| {
            let (kind, id, label, state_type) = match &r.subflow {
                Some(s) => (NodeKind::FlowRun, s.id, s.label.clone(), s.state_type),
                None => (
                    NodeKind::TaskRun,
                    r.task_run_id,
                    r.name.clone(),
                    r.state_type,
                ),
            };
            let sub = r.subflow.as_ref();
            let start = sub
                .and_then(|s| s.start_time.or(s.expected_start_time))
                .or(r.start_time)
                .or(r.expected_start_time)?;
            let completed_at = match r.state_type {
                Some(StateType::Completed) => r.expected_start_time,
                _ => None,
            };
            let end = sub.and_then(|s| s.end_time).or(r.end_time).or(completed_at);
            let node = Node {
                kind,
                id,
                label,
                state_type,
                start_time: start,
                end_time: end,
                parents: Vec::new(),
                children: Vec::new(),
                encapsulating: Vec::new(),
                artifacts: Vec::new(),
            };
            Some((node, r.task_inputs))
        })
        .collect();
    let present: HashSet<Uuid> = out.iter().map(|(n, _)| n.id).collect();
    let index: HashMap<Uuid, usize> = out
        .iter()
        .enumerate()
        .map(|(i, (n, _))| (n.id, i))
        .collect();
    let mut edges: Vec<(usize, Uuid)> = Vec::new();
    for (i, (node, inputs)) in out.iter_mut().enumerate() {
        for (key, list) in inputs.iter() {
            for task in task_run_refs(list) {
                let Some(&from) = node_of.get(&task).filter(|n| present.contains(n)) else {
                    continue;
                };
                if key == PARENTS_KEY {
                    push_unique(&mut node.encapsulating, from);
                } else if from != node.id && !node.parents.contains(&from) {
                    node.parents.push(from);
                    edges.push((i, from));
                }
            }
        }
    }
    for (child, parent) in edges {
        let child_id = out[child].0.id;
        push_unique(&mut out[index[&parent]].0.children, child_id);
    }
    let mut nodes: Vec<Node> = out
        .into_iter()
        .map(|(n, _)| n)
        .filter(|n| match (since, n.end_time) {
            (Some(since), Some(end)) => end >= since,
            _ => true,
        })
        .collect();
    nodes.sort_by(|a, b| {
        (a.start_time, a.end_time.is_none(), a.end_time).cmp(&(
            b.start_time,
            b.end_time.is_none(),
            b.end_time,
        ))
    });
    nodes
}

/// Gives each node its task run's artifacts (a subflow node gets none: its artifacts are its own run's).
pub fn attach_artifacts(nodes: &mut [Node], artifacts: Vec<GraphArtifact>) {
    let index: HashMap<Uuid, usize> = nodes
        .iter()
        .enumerate()
        .filter(|(_, n)| n.kind == NodeKind::TaskRun)
        .map(|(i, n)| (n.id, i))
        .collect();
    for a in artifacts {
        if let Some(&i) = a.task_run_id.as_ref().and_then(|t| index.get(t)) {
            nodes[i].artifacts.push(a);
        }
    }
}

/// The ids of nodes without parents, in node order.
pub fn roots(nodes: &[Node]) -> Vec<Uuid> {
    nodes
        .iter()
        .filter(|n| n.parents.is_empty())
        .map(|n| n.id)
        .collect()
}

/// The distinct entries of every `task_inputs` list, in first-seen order (the v1 graph's
/// `upstream_dependencies`).
pub fn upstream(task_inputs: &Doc) -> Vec<Value> {
    let mut out: Vec<Value> = Vec::new();
    for v in task_inputs.values().filter_map(Value::as_array).flatten() {
        if !out.contains(v) {
            out.push(v.clone());
        }
    }
    out
}

#[cfg(test)]
#[path = "graph_tests.rs"]
mod tests;
