//! A flow run's graph (Prefect's `graph-v2`: task runs and subflow runs as nodes, data edges, artifacts and
//! the run's states) and its task-run dependency list (the older `graph`).

use super::{Result, ServiceError, Services};
use crate::domain::graph::{self, GraphArtifact, Node, MAX_ARTIFACTS, MAX_NODES};
use crate::domain::task_run::TaskRun;
use crate::domain::{State, Ts};
use crate::store::{flow_runs, graph as store_graph, task_runs};
use uuid::Uuid;

/// A flow run's graph.
#[derive(Debug, Clone)]
pub struct FlowRunGraph {
    /// The run's start (or expected start).
    pub start_time: Option<Ts>,
    pub end_time: Option<Ts>,
    pub root_node_ids: Vec<Uuid>,
    pub nodes: Vec<Node>,
    /// Artifacts of the flow run itself (not of one of its task runs).
    pub artifacts: Vec<GraphArtifact>,
    /// Every state of the run, oldest first.
    pub states: Vec<State>,
}

impl Services {
    /// The graph of flow run `id`; with `since`, only the nodes still running or ended since then.
    pub async fn flow_run_graph(&self, id: Uuid, since: Option<Ts>) -> Result<FlowRunGraph> {
        self.store
            .read(move |tx| {
                let Some(run) = flow_runs::get(tx, id)? else {
                    return Ok(Err(ServiceError::NotFound(format!(
                        "Flow run {id} not found"
                    ))));
                };
                let rows = store_graph::rows(tx, id, MAX_NODES + 1)?;
                if rows.len() > MAX_NODES {
                    return Ok(Err(ServiceError::BadRequest(format!(
                        "The graph of flow run {id} has more than {MAX_NODES} nodes."
                    ))));
                }
                let (own, of_tasks): (Vec<_>, Vec<_>) =
                    store_graph::artifacts(tx, id, MAX_ARTIFACTS)?
                        .into_iter()
                        .partition(|a| a.task_run_id.is_none());
                let mut nodes = graph::nodes(rows, since);
                graph::attach_artifacts(&mut nodes, of_tasks);
                Ok(Ok(FlowRunGraph {
                    start_time: run.start_time.or(run.expected_start_time),
                    end_time: run.end_time,
                    root_node_ids: graph::roots(&nodes),
                    nodes,
                    artifacts: own,
                    states: flow_runs::states(tx, id)?,
                }))
            })
            .await?
    }

    /// The task runs of flow run `id` (not of its subflows), newest id first: the older graph.
    pub async fn flow_run_task_graph(&self, id: Uuid) -> Result<Vec<TaskRun>> {
        self.store
            .read(move |tx| {
                if flow_runs::get(tx, id)?.is_none() {
                    return Ok(Err(ServiceError::NotFound(format!(
                        "Flow run with id {id} not found"
                    ))));
                }
                Ok(Ok(task_runs::of_flow_run(tx, id, MAX_NODES)?))
            })
            .await?
    }
}
