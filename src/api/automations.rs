//! `/api/automations/*`: create, read, replace, enable or disable, delete, filter and count; the reads
//! and deletes by owner and related resource; and `POST /api/templates/validate`.

use super::error::{parse_uuid, ApiError, ApiResult, Body, ObjectBody};
use super::AppState;
use crate::domain::automation::{Action, Automation, Trigger};
use crate::services::automations::NewAutomation;
use crate::services::templates;
use crate::wire::automations as wire;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::{json, Value};

pub fn routes() -> axum::Router<AppState> {
    use axum::routing::{delete, get, post};
    axum::Router::new()
        .route("/automations/", post(create))
        .route("/automations/filter", post(filter))
        .route("/automations/count", post(count))
        .route("/automations/related-to/{resource}", get(related_to))
        .route("/automations/owned-by/{resource}", delete(delete_owned))
        .route(
            "/automations/{id}",
            get(read).put(replace).patch(patch).delete(remove),
        )
        .route("/templates/validate", post(validate_template))
        .route("/automations/templates/validate", post(validate_template))
}

/// The answer's typed shape, from the domain's JSON of the automation (the same JSON its events carry).
pub fn to_wire(a: Automation) -> wire::Automation {
    serde_json::from_value(a.to_json()).expect("an automation's JSON has the wire model's fields")
}

/// Reads a typed model from a JSON part of the body; a 422 names the path under `field`.
fn typed<T: serde::de::DeserializeOwned>(field: &str, v: Value) -> ApiResult<T> {
    serde_path_to_error::deserialize(v).map_err(|e| {
        let path = e.path().to_string();
        let at = if path == "." || path.is_empty() {
            field.to_string()
        } else {
            format!("{field}.{path}")
        };
        ApiError::invalid(format!("Invalid request body: {at}: {}", e.into_inner()))
    })
}

fn actions(field: &str, items: Vec<Value>) -> ApiResult<Vec<Action>> {
    items
        .into_iter()
        .enumerate()
        .map(|(i, v)| typed(&format!("{field}[{i}]"), v))
        .collect()
}

fn new_automation(
    b: wire::AutomationUpdate,
    owner_resource: Option<String>,
) -> ApiResult<NewAutomation> {
    Ok(NewAutomation {
        trigger: typed::<Trigger>("trigger", b.trigger)?,
        actions: actions("actions", b.actions)?,
        actions_on_trigger: actions("actions_on_trigger", b.actions_on_trigger)?,
        actions_on_resolve: actions("actions_on_resolve", b.actions_on_resolve)?,
        name: b.name,
        description: b.description,
        enabled: b.enabled,
        tags: b.tags,
        owner_resource,
    })
}

pub async fn create(
    State(s): State<AppState>,
    Body(b): Body<wire::AutomationCreate>,
) -> ApiResult<(StatusCode, Json<wire::Automation>)> {
    let a = s
        .create_automation(new_automation(b.definition, b.owner_resource)?)
        .await?;
    Ok((StatusCode::CREATED, Json(to_wire(a))))
}

pub async fn read(
    State(s): State<AppState>,
    Path(id): Path<String>,
) -> ApiResult<Json<wire::Automation>> {
    let id = parse_uuid("id", &id)?;
    Ok(Json(to_wire(s.automation(id).await?)))
}

pub async fn replace(
    State(s): State<AppState>,
    Path(id): Path<String>,
    Body(b): Body<wire::AutomationUpdate>,
) -> ApiResult<StatusCode> {
    let id = parse_uuid("id", &id)?;
    s.replace_automation(id, new_automation(b, None)?).await?;
    Ok(StatusCode::NO_CONTENT)
}

pub async fn patch(
    State(s): State<AppState>,
    Path(id): Path<String>,
    ObjectBody(b): ObjectBody<wire::AutomationPatch>,
) -> ApiResult<StatusCode> {
    let id = parse_uuid("id", &id)?;
    match b.enabled {
        Some(enabled) => s.set_automation_enabled(id, enabled).await?,
        None => {
            s.automation(id).await?;
        }
    }
    Ok(StatusCode::NO_CONTENT)
}

pub async fn remove(State(s): State<AppState>, Path(id): Path<String>) -> ApiResult<StatusCode> {
    let id = parse_uuid("id", &id)?;
    s.delete_automation(id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// The automations a filter keeps, sorted, before paging.
fn matching(all: Vec<Automation>, b: &wire::AutomationFilterRequest) -> ApiResult<Vec<Automation>> {
    let f = b.automations.as_ref();
    let names = f.and_then(|f| f.name.as_ref()).and_then(|n| n.any_.clone());
    let tags = f.and_then(|f| f.tags.as_ref()).and_then(|t| t.all_.clone());
    let mut kept: Vec<Automation> = all
        .into_iter()
        .filter(|a| names.as_ref().is_none_or(|n| n.contains(&a.name)))
        .filter(|a| {
            tags.as_ref()
                .is_none_or(|t| t.iter().all(|x| a.tags.contains(x)))
        })
        .collect();
    match b.sort.as_deref().unwrap_or("NAME_ASC") {
        "NAME_ASC" => kept.sort_by(|x, y| x.name.cmp(&y.name)),
        "NAME_DESC" => kept.sort_by(|x, y| y.name.cmp(&x.name)),
        "CREATED_DESC" => kept.sort_by_key(|a| std::cmp::Reverse(a.created)),
        "UPDATED_DESC" => kept.sort_by_key(|a| std::cmp::Reverse(a.updated)),
        other => {
            return Err(ApiError::invalid(format!(
                "Invalid request body: sort: '{other}' is not one of NAME_ASC, NAME_DESC, CREATED_DESC, UPDATED_DESC"
            )))
        }
    }
    Ok(kept)
}

pub async fn filter(
    State(s): State<AppState>,
    ObjectBody(b): ObjectBody<wire::AutomationFilterRequest>,
) -> ApiResult<Json<Vec<wire::Automation>>> {
    let kept = matching(s.all_automations().await?, &b)?;
    let limit = b.limit.unwrap_or(200) as usize;
    Ok(Json(
        kept.into_iter()
            .skip(b.offset as usize)
            .take(limit)
            .map(to_wire)
            .collect(),
    ))
}

pub async fn count(
    State(s): State<AppState>,
    ObjectBody(b): ObjectBody<wire::AutomationCountRequest>,
) -> ApiResult<Json<u64>> {
    let b = wire::AutomationFilterRequest {
        automations: b.automations,
        ..Default::default()
    };
    Ok(Json(matching(s.all_automations().await?, &b)?.len() as u64))
}

pub async fn related_to(
    State(s): State<AppState>,
    Path(resource): Path<String>,
) -> ApiResult<Json<Vec<wire::Automation>>> {
    let found = s.automations_related_to(resource).await?;
    Ok(Json(found.into_iter().map(to_wire).collect()))
}

pub async fn delete_owned(
    State(s): State<AppState>,
    Path(resource): Path<String>,
) -> ApiResult<StatusCode> {
    s.delete_automations_owned_by(resource).await?;
    Ok(StatusCode::ACCEPTED)
}

/// 204 when the template parses; 422 with the line and message of the first error.
pub async fn validate_template(Body(template): Body<String>) -> Response {
    match templates::validate(&template) {
        Ok(()) => StatusCode::NO_CONTENT.into_response(),
        Err((line, message)) => (
            StatusCode::UNPROCESSABLE_ENTITY,
            Json(json!({
                "detail": format!("Template error on line {line}: {message}"),
                "error": {"line": line, "message": message, "source": template},
            })),
        )
            .into_response(),
    }
}
