//! The audit trail, read-only, for auditors and admins.

use crate::domain::Permission;
use crate::domain::audit::AuditEvent;
use crate::domain::wire::ErrorBody;
use crate::server::AppState;
use crate::server::auth::Caller;
use crate::server::error::{ApiError, ApiResult};
use axum::Json;
use axum::extract::{Query, State};
use serde::Deserialize;
use utoipa::IntoParams;

/// Which entries to read.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct AuditQuery {
    /// Only entries about this incident.
    pub incident: Option<String>,
    /// Only entries after this sequence number.
    pub since: Option<i64>,
    /// At most this many (default 1000, max 10000).
    pub limit: Option<usize>,
}

/// The append-only audit trail.
#[utoipa::path(get, path = "/api/v1/audit", params(AuditQuery), tag = "audit",
    responses((status = 200, body = [AuditEvent]), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody)))]
pub async fn audit(
    State(state): State<AppState>,
    caller: Caller,
    query: Result<Query<AuditQuery>, axum::extract::rejection::QueryRejection>,
) -> ApiResult<Json<Vec<AuditEvent>>> {
    caller.require(Permission::ReadAudit)?;
    let Query(q) = query.map_err(|e| ApiError::invalid("query", e.body_text()))?;
    let limit = q.limit.unwrap_or(1000);
    if limit == 0 || limit > 10_000 {
        return Err(ApiError::invalid("limit", "limit is 1 to 10000"));
    }
    Ok(Json(
        state
            .store
            .audit(q.incident.as_deref(), q.since.unwrap_or(0), limit)
            .await?,
    ))
}
