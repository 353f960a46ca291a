//! The HTTP edge: Prefect 3's REST API and websockets under `/api`. The only module that knows Prefect's
//! JSON shapes and status codes; handlers extract, call one service, and convert the result.

mod admin;
mod artifacts;
pub mod auth;
mod automations;
mod block_documents;
mod blocks;
mod bulk;
mod catchup;
mod concurrency_v1;
mod concurrency_v2;
mod concurrency_view;
mod convert;
mod dashboard;
mod deployment_fields;
mod deployments;
pub mod error;
mod events;
mod events_api;
mod filters;
#[cfg(test)]
mod filters_tests;
mod flow_runs;
mod flows;
mod graph;
mod live;
mod logs;
mod logs_ws;
pub mod metrics;
mod openapi;
mod openapi_answers;
mod openapi_automations;
mod openapi_blocks;
mod openapi_bodies;
mod openapi_concurrency;
mod openapi_more;
mod openapi_pools;
mod openapi_read;
mod openapi_runs;
mod openapi_table;
mod paginate;
mod prefect2;
mod read_ops;
mod run_inputs;
mod saved_searches;
mod schedules;
mod sorts;
mod task_runs;
mod task_workers;
mod ui;
mod ui_modules;
mod ui_ops;
mod variables;
mod work_pool_fields;
mod work_pools;
mod work_queues;
mod worker_channel;

use crate::services::Services;
use axum::extract::DefaultBodyLimit;
use axum::routing::{get, post};
use axum::Router;
use std::sync::Arc;

/// What every handler gets.
pub type AppState = Arc<Services>;

/// The largest request body accepted (log batches can be large).
pub const MAX_BODY_BYTES: usize = 32 * 1024 * 1024;

/// The whole route table.
pub fn router(services: AppState) -> Router {
    let api = Router::new()
        .route("/health", get(admin::health))
        .route("/ready", get(admin::ready))
        .route("/hello", get(admin::hello))
        .route("/version", get(admin::version))
        .route("/admin/version", get(admin::server_version))
        .route(
            "/admin/storage",
            get(admin::storage)
                .put(admin::set_storage)
                .delete(admin::clear_storage),
        )
        .route("/admin/settings", get(admin::settings))
        .route("/csrf-token", get(admin::csrf_token))
        .route("/openapi.json", get(openapi::serve))
        .route("/flows/", post(flows::create))
        .route("/flows/filter", post(flows::filter))
        .route("/flows/count", post(flows::count))
        .route("/flows/name/{name}", get(flows::by_name))
        .route(
            "/flows/{id}",
            get(flows::get).patch(flows::update).delete(flows::delete),
        )
        .route("/flow_runs/", post(flow_runs::create))
        .route("/flow_runs/filter", post(flow_runs::filter))
        .route("/flow_runs/count", post(flow_runs::count))
        .route("/flow_runs/history", post(dashboard::history))
        .route(
            "/flow_runs/{id}",
            get(flow_runs::get)
                .patch(flow_runs::update)
                .delete(flow_runs::delete),
        )
        .route(
            "/flow_runs/{id}/labels",
            axum::routing::patch(flow_runs::update_labels),
        )
        .route("/flow_runs/{id}/set_state", post(flow_runs::set_state))
        .route("/flow_run_states/", get(flow_runs::states))
        .route("/flow_run_states/{id}", get(flow_runs::state))
        .route("/task_runs/", post(task_runs::create))
        .route("/task_runs/filter", post(task_runs::filter))
        .route("/task_runs/count", post(task_runs::count))
        .route(
            "/task_runs/{id}",
            get(task_runs::get)
                .patch(task_runs::update)
                .delete(task_runs::delete),
        )
        .route("/task_runs/{id}/set_state", post(task_runs::set_state))
        .route("/task_run_states/", get(task_runs::states))
        .route("/task_run_states/{id}", get(task_runs::state))
        .route("/logs/", post(logs::create))
        .route("/logs/filter", post(logs::filter))
        .route("/logs/out", get(logs_ws::logs_out))
        .route("/deployments/", post(deployments::create))
        .route("/deployments/filter", post(deployments::filter))
        .route("/deployments/count", post(deployments::count))
        .route(
            "/deployments/get_scheduled_flow_runs",
            post(deployments::scheduled_runs),
        )
        .route("/deployments/name/{flow}/{name}", get(deployments::by_name))
        .route(
            "/deployments/{id}",
            get(deployments::get)
                .patch(deployments::update)
                .delete(deployments::delete),
        )
        .route(
            "/deployments/{id}/create_flow_run",
            post(deployments::create_flow_run),
        )
        .route(
            "/deployments/{id}/pause_deployment",
            post(deployments::pause),
        )
        .route(
            "/deployments/{id}/resume_deployment",
            post(deployments::resume),
        )
        .route(
            "/deployments/{id}/schedule",
            post(deployments::schedule_now),
        )
        .route(
            "/deployments/{id}/schedules",
            get(deployments::schedules).post(deployments::add_schedules),
        )
        .route(
            "/deployments/{id}/schedules/{schedule_id}",
            axum::routing::patch(deployments::update_schedule).delete(deployments::delete_schedule),
        )
        .route("/work_pools/", post(work_pools::create))
        .route("/work_pools/filter", post(work_pools::filter))
        .route("/work_pools/count", post(work_pools::count))
        .route(
            "/work_pools/{name}",
            get(work_pools::get)
                .patch(work_pools::update)
                .delete(work_pools::delete),
        )
        .route(
            "/work_pools/{name}/get_scheduled_flow_runs",
            post(work_pools::scheduled_runs),
        )
        .route("/work_pools/{name}/queues", post(work_pools::create_queue))
        .route(
            "/work_pools/{name}/queues/filter",
            post(work_pools::filter_queues),
        )
        .route(
            "/work_pools/{name}/queues/{queue}",
            get(work_pools::get_queue)
                .patch(work_pools::update_queue)
                .delete(work_pools::delete_queue),
        )
        .route(
            "/work_pools/{name}/workers/heartbeat",
            post(work_pools::heartbeat),
        )
        .route(
            "/work_pools/{name}/workers/filter",
            post(work_pools::filter_workers),
        )
        .route(
            "/work_pools/{name}/workers/connect",
            get(worker_channel::connect),
        )
        .route(
            "/work_pools/{name}/workers/{worker}",
            axum::routing::delete(work_pools::delete_worker),
        )
        .route(
            "/collections/views/{view}",
            get(work_pools::collection_view),
        )
        .route("/events/in", get(events::events_in))
        .route("/events/out", get(events::events_out))
        .merge(work_queues::routes())
        .merge(variables::routes())
        .merge(blocks::routes())
        .merge(artifacts::routes())
        .merge(catchup::routes())
        .merge(concurrency_v1::routes())
        .merge(concurrency_v2::routes())
        .merge(concurrency_view::routes())
        .merge(automations::routes())
        .merge(events_api::routes())
        .merge(run_inputs::routes())
        .merge(bulk::routes())
        .merge(saved_searches::routes())
        .merge(task_workers::routes())
        .merge(graph::routes())
        .merge(paginate::routes())
        .merge(ui_ops::routes())
        .merge(read_ops::routes())
        .route("/baton/schedules/preview", post(schedules::preview))
        .route("/baton/flow_runs/{id}/why", get(flow_runs::why))
        .route("/baton/flow_runs/page", post(dashboard::page))
        .route(
            "/baton/deployments/summary",
            post(dashboard::deployment_summary),
        )
        .route("/baton/live", get(live::stream))
        .route(
            "/baton/work_pools/{name}/wait",
            post(work_pools::wait_for_work),
        )
        .fallback(error::no_route)
        .layer(axum::middleware::map_response(error::json_errors));
    Router::new()
        .nest("/api", api)
        .fallback(ui::serve)
        .layer(DefaultBodyLimit::max(MAX_BODY_BYTES))
        .layer(tower_http::catch_panic::CatchPanicLayer::custom(
            error::panicked,
        ))
        .layer(tower_http::trace::TraceLayer::new_for_http())
        .with_state(services)
}
