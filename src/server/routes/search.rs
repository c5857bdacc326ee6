//! Search and "seen before" over past incidents, served from the live in-memory index.

use crate::domain::wire::{ErrorBody, SearchResults};
use crate::domain::{Incident, Permission};
use crate::server::AppState;
use crate::server::auth::Caller;
use crate::server::error::{ApiError, ApiResult};
use axum::Json;
use axum::extract::{Query, State};
use serde::Deserialize;
use utoipa::IntoParams;

/// How many similar incidents a GET of one incident carries.
pub const SIMILAR: usize = 6;

/// Adds the closest past incidents and the recurrence line to an incident read by id.
pub async fn with_similar(state: &AppState, mut incident: Incident) -> Incident {
    let today = state.clock.now().date_naive();
    if let Ok(index) = state.search.read() {
        incident.similar = index.similar(&incident.id, SIMILAR);
        incident.recurrence = index.recurrence(&incident.id, today);
    }
    incident
}

/// A search request.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct SearchQuery {
    /// Fuzzy words mixed with filters: `site:north cat:fax status:closed det:near_miss owner:kim after:2025-01-01 before:2026-01-01`.
    pub q: String,
    /// How many hits (default 50, at most 500).
    pub limit: Option<usize>,
}

/// Fuzzy search over every incident and near miss, ranked, with matched title positions.
#[utoipa::path(get, path = "/api/v1/search", params(SearchQuery), tag = "search",
    responses((status = 200, body = SearchResults), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn search(
    State(state): State<AppState>,
    caller: Caller,
    query: Result<Query<SearchQuery>, axum::extract::rejection::QueryRejection>,
) -> ApiResult<Json<SearchResults>> {
    caller.require(Permission::ReadAll)?;
    let Query(q) = query.map_err(|e| ApiError::invalid("query", e.body_text()))?;
    let limit = q.limit.unwrap_or(50);
    if limit == 0 || limit > 500 {
        return Err(ApiError::invalid("limit", "limit is 1 to 500"));
    }
    if q.q.chars().count() > 500 {
        return Err(ApiError::invalid("q", "a query is at most 500 characters"));
    }
    let parsed = crate::search::Query::parse(&q.q);
    if let Some(problem) = parsed.problems.first() {
        return Err(ApiError::invalid("q", problem.clone()));
    }
    let index = state.search.clone();
    let results =
        tokio::task::spawn_blocking(move || index.read().map(|i| i.search(&q.q, limit)).ok())
            .await
            .ok()
            .flatten()
            .ok_or_else(|| ApiError::internal("search failed"))?;
    Ok(Json(results))
}
