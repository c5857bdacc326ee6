//! Batch import of past incidents (e.g. the HHS breach-portal archive), idempotent by key.

use crate::domain::wire::{ErrorBody, ImportBatch, ImportOutcome};
use crate::domain::{Incident, Permission};
use crate::server::AppState;
use crate::server::auth::Caller;
use crate::server::error::{ApiError, ApiResult};
use crate::server::extract::JsonBody;
use crate::server::service;
use axum::Json;
use axum::extract::State;

/// Largest batch accepted.
pub const MAX_BATCH: usize = 1000;

/// Imports a batch of records; records whose key was imported before are counted, not added.
#[utoipa::path(post, path = "/api/v1/import", request_body = ImportBatch, tag = "incidents",
    responses((status = 200, body = ImportOutcome), (status = 403, body = ErrorBody), (status = 413, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn import(
    State(state): State<AppState>,
    caller: Caller,
    JsonBody(batch): JsonBody<ImportBatch>,
) -> ApiResult<Json<ImportOutcome>> {
    caller.require(crate::domain::Permission::Lead)?;
    let _ = Permission::Lead;
    if batch.records.len() > MAX_BATCH {
        return Err(ApiError::invalid(
            "records",
            format!("at most {MAX_BATCH} records per batch"),
        ));
    }
    let now = state.clock.now();
    let mut records = Vec::with_capacity(batch.records.len());
    for (i, r) in batch.records.into_iter().enumerate() {
        let field = |f: &str| format!("records[{i}].{f}");
        if r.import_key.trim().is_empty() || r.import_key.len() > 200 {
            return Err(ApiError::invalid(
                &field("import_key"),
                "import_key must be 1 to 200 characters",
            ));
        }
        if r.title.trim().is_empty() || r.title.chars().count() > service::MAX_TITLE {
            return Err(ApiError::invalid(
                &field("title"),
                "title must be 1 to 200 characters",
            ));
        }
        if r.description.chars().count() > service::MAX_TEXT {
            return Err(ApiError::invalid(
                &field("description"),
                "description too long",
            ));
        }
        service::check_classification(&r.classification)
            .map_err(|e| ApiError::invalid(&field("classification"), e.detail.message))?;
        let report = crate::domain::NewReport {
            title: r.title,
            description: r.description,
            site: r.site,
            discovered_at: Some(r.discovered_at),
            occurred_at: None,
            department: None,
            source: Some(crate::domain::Source::Import),
        };
        let mut incident: Incident =
            service::incident_from_report(report, &caller, now).map_err(|e| {
                ApiError::invalid(
                    &field(e.detail.field.as_deref().unwrap_or("record")),
                    e.detail.message,
                )
            })?;
        incident.status = r.status;
        incident.determination = r.determination;
        incident.classification = r.classification;
        incident.entity = r.entity;
        records.push((r.import_key, incident));
    }
    let (outcome, _events) = state.store.import(records, &caller.user, now).await?;
    state.changed();
    Ok(Json(outcome))
}
