//! `GET /api/flow_runs/{id}/graph-v2` (the run page's graph: nodes, edges, artifacts, states) and the older
//! `GET /api/flow_runs/{id}/graph` (task runs with their upstream dependencies).

use super::convert;
use super::error::{ApiError, Id};
use super::openapi_answers::Answer;
use super::AppState;
use crate::domain::graph::{self, GraphArtifact, Node};
use crate::domain::{time, StateType};
use crate::wire::graph as wire;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use std::collections::HashMap;

/// The routes under `/api`.
pub fn routes() -> axum::Router<AppState> {
    use axum::routing::get;
    axum::Router::new()
        .route("/flow_runs/{id}/graph", get(dependencies))
        .route("/flow_runs/{id}/graph-v2", get(graph_v2))
}

/// A graph's error: Baton's `{"detail": ...}`, and for a missing run also Prefect's key for it,
/// `exception_message` (what the graph endpoints of Prefect answer).
#[derive(Debug)]
pub struct GraphError(ApiError);

impl From<ApiError> for GraphError {
    fn from(e: ApiError) -> Self {
        GraphError(e)
    }
}

impl From<crate::services::ServiceError> for GraphError {
    fn from(e: crate::services::ServiceError) -> Self {
        GraphError(e.into())
    }
}

impl IntoResponse for GraphError {
    fn into_response(self) -> Response {
        if self.0.status != StatusCode::NOT_FOUND {
            return self.0.into_response();
        }
        let body = serde_json::json!({"detail": self.0.detail, "exception_message": self.0.detail});
        (StatusCode::NOT_FOUND, Json(body)).into_response()
    }
}

impl<T: Answer> Answer for Result<T, GraphError> {
    fn schema(g: &mut schemars::SchemaGenerator) -> Option<schemars::Schema> {
        T::schema(g)
    }
}

type GraphResult<T> = Result<T, GraphError>;

fn artifact(a: GraphArtifact) -> wire::GraphArtifact {
    wire::GraphArtifact {
        id: a.id.to_string(),
        created: time::format(a.created),
        key: a.key,
        kind: a.kind,
        is_latest: a.is_latest,
        data: a.data,
    }
}

fn edges(ids: Vec<uuid::Uuid>) -> Vec<wire::Edge> {
    ids.into_iter()
        .map(|id| wire::Edge { id: id.to_string() })
        .collect()
}

fn node(n: Node) -> (String, wire::GraphNode) {
    let id = n.id.to_string();
    let out = wire::GraphNode {
        kind: n.kind.as_str().into(),
        id: id.clone(),
        label: n.label,
        state_type: n.state_type.map(|t| t.as_str().into()),
        start_time: time::format(n.start_time),
        end_time: n.end_time.map(time::format),
        parents: edges(n.parents),
        children: edges(n.children),
        encapsulating: edges(n.encapsulating),
        artifacts: n.artifacts.into_iter().map(artifact).collect(),
    };
    (id, out)
}

/// `?since=` (optional): only nodes still running or ended since then.
pub async fn graph_v2(
    State(s): State<AppState>,
    Id(id): Id,
    Query(q): Query<HashMap<String, String>>,
) -> GraphResult<Json<wire::Graph>> {
    let since =
        match q.get("since") {
            Some(t) => Some(time::parse(t).ok_or_else(|| {
                ApiError::invalid(format!("since: '{t}' is not a valid datetime"))
            })?),
            None => None,
        };
    let g = s.flow_run_graph(id, since).await?;
    Ok(Json(wire::Graph {
        start_time: g.start_time.map(time::format),
        end_time: g.end_time.map(time::format),
        root_node_ids: g.root_node_ids.iter().map(ToString::to_string).collect(),
        nodes: g.nodes.into_iter().map(node).collect(),
        artifacts: g.artifacts.into_iter().map(artifact).collect(),
        states: g
            .states
            .into_iter()
            .map(|st| wire::GraphState {
                id: st.id.to_string(),
                timestamp: time::format(st.timestamp),
                kind: st.kind.as_str().into(),
                name: st.name,
            })
            .collect(),
    }))
}

/// The run's task runs, newest id first, each with the distinct entries of its inputs.
pub async fn dependencies(
    State(s): State<AppState>,
    Id(id): Id,
) -> GraphResult<Json<Vec<wire::DependencyResult>>> {
    let now = s.clock.now();
    let runs = s.flow_run_task_graph(id).await?;
    Ok(Json(
        runs.into_iter()
            .map(|t| {
                let running_for = match &t.state {
                    Some(st) if st.kind == StateType::Running => {
                        time::seconds_between(st.timestamp, now).max(0.0)
                    }
                    _ => 0.0,
                };
                wire::DependencyResult {
                    id: t.id.to_string(),
                    name: t.name,
                    upstream_dependencies: graph::upstream(&t.task_inputs),
                    untrackable_result: t
                        .state
                        .as_ref()
                        .is_some_and(|st| st.details.untrackable_result),
                    state: t.state.as_ref().map(convert::state),
                    expected_start_time: t.expected_start_time.map(time::format),
                    start_time: t.start_time.map(time::format),
                    end_time: t.end_time.map(time::format),
                    total_run_time: t.total_run_time,
                    estimated_run_time: t.total_run_time + running_for,
                }
            })
            .collect(),
    ))
}
