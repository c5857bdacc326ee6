//! Redaction of mistakenly entered text (admin only): the text goes from the record and from
//! every copy in the audit trail, the chain keeps verifying, and the redaction is itself a
//! chained entry naming who, when, which field and why — never the text.

use crate::domain::redact::{MAX_REASON, NewRedaction, RedactTarget, Redaction, Scrub, text_at};
use crate::domain::wire::ErrorBody;
use crate::domain::{Incident, Permission};
use crate::server::AppState;
use crate::server::auth::Caller;
use crate::server::error::{ApiError, ApiResult};
use crate::server::extract::{IdPath, IfMatch, JsonBody, required_version};
use crate::server::service::MAX_TEXT;
use crate::store::RedactRequest;
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;

/// Shortest removed text that a reason is checked against (shorter ones match by chance).
const MIN_CHECKED: usize = 4;

/// Checks the request's shape and turns it into what the store carries out.
fn target_and_scrub(req: &NewRedaction) -> ApiResult<(RedactTarget, Scrub, String)> {
    let target = match (req.field, &req.note_id) {
        (Some(field), None) => RedactTarget::Field(field),
        (None, Some(note)) if !note.trim().is_empty() => RedactTarget::Note(note.trim().into()),
        (None, Some(_)) => return Err(ApiError::invalid("note_id", "note_id is empty")),
        (Some(_), Some(_)) => {
            return Err(ApiError::invalid(
                "note_id",
                "redact either a field or a note, not both",
            ));
        }
        (None, None) => {
            return Err(ApiError::invalid(
                "field",
                "name the field to redact, or note_id for a note's text",
            ));
        }
    };
    let scrub = match &req.text {
        None => Scrub::Whole,
        Some(p) if p.trim().is_empty() => {
            return Err(ApiError::invalid("text", "the phrase to redact is empty"));
        }
        Some(p) if p.chars().count() > MAX_TEXT => {
            return Err(ApiError::invalid(
                "text",
                format!("the phrase is at most {MAX_TEXT} characters"),
            ));
        }
        Some(p) => Scrub::Phrase(p.clone()),
    };
    let reason = req.reason.trim();
    if reason.is_empty() {
        return Err(ApiError::invalid(
            "reason",
            "a redaction needs a reason (it is recorded in the audit trail)",
        ));
    }
    if reason.chars().count() > MAX_REASON {
        return Err(ApiError::invalid(
            "reason",
            format!("the reason is at most {MAX_REASON} characters"),
        ));
    }
    Ok((target, scrub, reason.to_string()))
}

/// The reason stays in the trail for good, so it must not carry the text it removes.
fn check_reason(
    incident: &Incident,
    target: &RedactTarget,
    scrub: &Scrub,
    reason: &str,
) -> ApiResult<()> {
    let removed = match (scrub, target) {
        (Scrub::Phrase(p), _) => p.clone(),
        (Scrub::Whole, RedactTarget::Field(f)) => text_at(
            &serde_json::to_value(incident).unwrap_or_default(),
            f.path(),
        ),
        (Scrub::Whole, RedactTarget::Note(id)) => incident
            .notes
            .iter()
            .find(|n| n.id == *id)
            .map(|n| n.text.clone())
            .unwrap_or_default(),
    };
    let removed = removed.trim();
    if removed.chars().count() >= MIN_CHECKED && reason.contains(removed) {
        return Err(ApiError::invalid(
            "reason",
            "the reason repeats the text being redacted; say why, not what",
        ));
    }
    Ok(())
}

/// Redacts a free-text field or a note of an incident (admin only); needs the version.
#[utoipa::path(post, path = "/api/v1/incidents/{id}/redactions", params(("id" = String, Path, description = "Incident id")), request_body = NewRedaction, tag = "incidents",
    responses((status = 201, body = Redaction), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 413, body = ErrorBody), (status = 415, body = ErrorBody), (status = 422, body = ErrorBody), (status = 428, body = ErrorBody)))]
pub async fn redact(
    State(state): State<AppState>,
    caller: Caller,
    IdPath(id): IdPath,
    if_match: IfMatch,
    JsonBody(req): JsonBody<NewRedaction>,
) -> ApiResult<(StatusCode, Json<Redaction>)> {
    caller.require(Permission::Admin)?;
    let version = required_version(if_match, req.version)?;
    let (target, scrub, reason) = target_and_scrub(&req)?;
    let current = state.store.get_incident(&id).await?;
    if current.version != version {
        return Err(ApiError::conflict(
            serde_json::to_value(super::incidents::decorate(&state, current)).unwrap_or_default(),
        ));
    }
    check_reason(&current, &target, &scrub, &reason)?;
    let what = target.describe();
    let request = RedactRequest {
        incident_id: id.clone(),
        target,
        scrub,
        reason,
        actor: caller.user.clone(),
        expected_version: version,
    };
    let committed = state.store.redact(request, state.clock.now()).await?;
    state.changed();
    tracing::info!(
        id = %id,
        actor = %caller.user,
        what = %what,
        seq = committed.seq,
        scrubbed = committed.value.record.scrubbed.len(),
        "text redacted"
    );
    Ok((StatusCode::CREATED, Json(committed.value)))
}
