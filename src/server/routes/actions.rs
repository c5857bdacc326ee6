//! Corrective actions: change one (with its version), list one's own.

use crate::domain::Permission;
use crate::domain::action::{Action, ActionPatch};
use crate::domain::wire::{ActionList, ErrorBody};
use crate::server::AppState;
use crate::server::auth::Caller;
use crate::server::error::{ApiError, ApiResult};
use crate::server::extract::{IdPath, IfMatch, JsonBody, required_version};
use crate::server::service;
use crate::store::Change;
use axum::Json;
use axum::extract::{Query, State};
use serde::Deserialize;
use utoipa::IntoParams;

/// Updates an action: status, owner and due date (lead), escalation level.
#[utoipa::path(patch, path = "/api/v1/actions/{id}", params(("id" = String, Path, description = "Action id")), request_body = ActionPatch, tag = "actions",
    responses((status = 200, body = Action), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn patch_action(
    State(state): State<AppState>,
    caller: Caller,
    IdPath(id): IdPath,
    if_match: IfMatch,
    JsonBody(patch): JsonBody<ActionPatch>,
) -> ApiResult<Json<Action>> {
    caller.require(Permission::Work)?;
    let version = required_version(if_match, patch.version)?;
    let current = state.store.get_action(&id).await?;
    if current.version != version {
        return Err(ApiError::conflict(
            serde_json::to_value(&current).unwrap_or_default(),
        ));
    }
    let now = state.clock.now();
    let next = service::apply_action_patch(&current, patch, &caller, now)?;
    let (before, after) = crate::domain::audit::diff(
        &serde_json::to_value(&current).unwrap_or_default(),
        &serde_json::to_value(&next).unwrap_or_default(),
    );
    let change = Change {
        actor: caller.user.clone(),
        action: "action.update".into(),
        incident_id: Some(current.incident_id.clone()),
        entity_id: id,
        before,
        after,
    };
    let committed = state
        .store
        .update_action(next, version, change, now)
        .await?;
    state.changed();
    Ok(Json(committed.value))
}

/// Which actions to list.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct ActionQuery {
    /// Owner; `me` for the caller. Everyone's when absent.
    pub owner: Option<String>,
}

/// Open actions, nearest due first ("my work" with `owner=me`).
#[utoipa::path(get, path = "/api/v1/actions", params(ActionQuery), tag = "actions",
    responses((status = 200, body = ActionList), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody)))]
pub async fn list_actions(
    State(state): State<AppState>,
    caller: Caller,
    query: Result<Query<ActionQuery>, axum::extract::rejection::QueryRejection>,
) -> ApiResult<Json<ActionList>> {
    let Query(q) = query.map_err(|e| ApiError::invalid("query", e.body_text()))?;
    caller.require(Permission::ReadAll)?;
    let owner = q
        .owner
        .map(|o| if o == "me" { caller.user.clone() } else { o });
    let mut items = state.store.open_actions().await?;
    if let Some(owner) = owner {
        items.retain(|a| a.owner == owner);
    }
    items.sort_by(|a, b| a.due.cmp(&b.due).then_with(|| a.id.cmp(&b.id)));
    Ok(Json(ActionList { items }))
}
