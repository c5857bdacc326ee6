//! Reports and incidents: intake, listing with filters and paging, reading one, changing one.

use crate::domain::clocks::incident_deadlines;
use crate::domain::wire::{ErrorBody, IncidentPage, NewNote};
use crate::domain::{
    Incident, IncidentPatch, NewReport, Note, Permission, Status,
    action::{Action, NewAction},
    assessment,
};
use crate::server::AppState;
use crate::server::auth::Caller;
use crate::server::error::{ApiError, ApiResult};
use crate::server::extract::{IdPath, IdempotencyKey, IfMatch, JsonBody, required_version};
use crate::server::service;
use crate::store::{Change, Committed, ListFilter, StoreError, parse_time};
use axum::Json;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use serde::Deserialize;
use utoipa::IntoParams;

/// Adds the computed, read-only parts to an incident before it is sent.
pub fn decorate(state: &AppState, mut incident: Incident) -> Incident {
    let today = state.clock.now().date_naive();
    incident.deadlines = incident_deadlines(&incident, &state.rules, today);
    incident.suggestion = Some(assessment::suggest(
        incident.classification.phi_involved,
        incident.risk_assessment.as_ref(),
    ));
    incident
}

/// A reporter sees only their own reports.
fn check_can_read(caller: &Caller, incident: &Incident) -> ApiResult<()> {
    if caller.role.allows(Permission::ReadAll) || incident.reported_by == caller.user {
        Ok(())
    } else {
        Err(ApiError::not_found(format!(
            "incident {} not found",
            incident.id
        )))
    }
}

/// Low-threshold intake: title, site and a few words are enough.
#[utoipa::path(post, path = "/api/v1/reports", params(("Idempotency-Key" = Option<String>, Header, description = "Any unique string per change (e.g. a UUID): a retry with the same key answers with what the first request made (`Idempotent-Replayed: true`) instead of creating it again")), request_body = NewReport, tag = "incidents",
    responses((status = 201, body = Incident), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 413, body = ErrorBody), (status = 415, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn create_report(
    State(state): State<AppState>,
    caller: Caller,
    key: IdempotencyKey,
    JsonBody(report): JsonBody<NewReport>,
) -> ApiResult<Created<Incident>> {
    caller.require(Permission::Report)?;
    let now = state.clock.now();
    let idem = key.for_request("report", &report);
    let incident = service::incident_from_report(report, &caller, now)?;
    let outcome = state
        .store
        .create_incident(incident, &caller.user, now, idem.as_ref())
        .await;
    let store = state.store.clone();
    let (status, headers, Json(incident)) = answer_create(&state, outcome, |id| async move {
        Ok(store.get_incident(&id).await?)
    })
    .await?;
    tracing::info!(id = %incident.id, actor = %caller.user, replayed = !headers.is_empty(), "report created");
    Ok((status, headers, Json(decorate(&state, incident))))
}

/// A create's answer: 201 with the record; a retry with the same `Idempotency-Key` gets the
/// record the first request made, marked `Idempotent-Replayed: true`.
pub type Created<T> = (StatusCode, HeaderMap, Json<T>);

fn created<T>(value: T, replayed: bool) -> Created<T> {
    let mut headers = HeaderMap::new();
    if replayed {
        headers.insert("idempotent-replayed", HeaderValue::from_static("true"));
    }
    (StatusCode::CREATED, headers, Json(value))
}

/// Turns a create's outcome into its answer: what it made (and the event pump is woken), or,
/// for a retry under the same `Idempotency-Key`, what the first request made, read by `first`.
async fn answer_create<T, F, Fut>(
    state: &AppState,
    outcome: Result<Committed<T>, StoreError>,
    first: F,
) -> ApiResult<Created<T>>
where
    F: FnOnce(String) -> Fut,
    Fut: std::future::Future<Output = ApiResult<T>>,
{
    match outcome {
        Ok(committed) => {
            state.changed();
            Ok(created(committed.value, false))
        }
        Err(StoreError::Replayed {
            entity_id,
            same_request: true,
        }) => Ok(created(first(entity_id).await?, true)),
        Err(e) => Err(e.into()),
    }
}

/// Filters and paging for the incident list.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct ListQuery {
    /// Status, or several separated by commas.
    pub status: Option<String>,
    /// Determination.
    pub determination: Option<String>,
    /// Category text (HHS type, location or subtype).
    pub category: Option<String>,
    /// Owner.
    pub owner: Option<String>,
    /// Site (substring).
    pub site: Option<String>,
    /// Words that must all appear in title, description, site or entity.
    pub q: Option<String>,
    /// Only records changed after this RFC 3339 time.
    pub since: Option<String>,
    /// Page size, default 100, at most 1000.
    pub limit: Option<usize>,
    /// Opaque cursor from the previous page.
    pub cursor: Option<String>,
}

/// Most words a text filter may have.
pub const MAX_QUERY_WORDS: usize = 32;

fn decode_cursor(cursor: &str) -> ApiResult<i64> {
    cursor
        .strip_prefix("c")
        .and_then(|n| i64::from_str_radix(n, 36).ok())
        .filter(|n| *n >= 0)
        .ok_or_else(|| ApiError::invalid("cursor", "not a cursor this server issued"))
}

fn encode_cursor(seq: i64) -> String {
    let mut n = seq.max(0) as u64;
    let mut digits = Vec::new();
    loop {
        digits.push(std::char::from_digit((n % 36) as u32, 36).unwrap_or('0'));
        n /= 36;
        if n == 0 {
            break;
        }
    }
    format!("c{}", digits.into_iter().rev().collect::<String>())
}

/// Turns query parameters into a store filter, refusing unknown values with 422.
pub fn filter_from_query(q: ListQuery, caller: &Caller) -> ApiResult<ListFilter> {
    let mut f = ListFilter {
        limit: q.limit.unwrap_or(100),
        ..Default::default()
    };
    if f.limit == 0 || f.limit > 1000 {
        return Err(ApiError::invalid("limit", "limit is 1 to 1000"));
    }
    if let Some(s) = q.status {
        for part in s.split(',').filter(|p| !p.trim().is_empty()) {
            let status = Status::parse(part).ok_or_else(|| {
                ApiError::invalid("status", format!("unknown status '{}'", part.trim()))
            })?;
            // Each status once: the list becomes SQL placeholders.
            if !f.status.contains(&status) {
                f.status.push(status);
            }
        }
    }
    if let Some(d) = q.determination {
        let det = crate::domain::Determination::parse(&d).ok_or_else(|| {
            ApiError::invalid("determination", format!("unknown determination '{d}'"))
        })?;
        f.determination = Some(det.as_str().to_string());
    }
    f.category = q.category.filter(|s| !s.is_empty());
    f.owner = q.owner.filter(|s| !s.is_empty());
    f.site = q.site.filter(|s| !s.is_empty());
    f.q = q.q.filter(|s| !s.trim().is_empty());
    // Each word becomes a SQL condition; past a few dozen the database refuses the query.
    if let Some(words) = f.q.as_deref().map(|q| q.split_whitespace().count())
        && words > MAX_QUERY_WORDS
    {
        return Err(ApiError::invalid(
            "q",
            format!("q has {words} words; at most {MAX_QUERY_WORDS}"),
        ));
    }
    if let Some(since) = q.since {
        f.since = Some(parse_time(&since).ok_or_else(|| {
            ApiError::invalid(
                "since",
                "since must be an RFC 3339 time, e.g. 2026-03-02T14:05:00Z",
            )
        })?);
    }
    if let Some(c) = q.cursor {
        f.after_seq = Some(decode_cursor(&c)?);
    }
    if !caller.role.allows(Permission::ReadAll) {
        f.reported_by = Some(caller.user.clone());
    }
    Ok(f)
}

/// Lists incidents, filtered and paged (reporters see their own).
#[utoipa::path(get, path = "/api/v1/incidents", params(ListQuery), tag = "incidents",
    responses((status = 200, body = IncidentPage), (status = 401, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn list_incidents(
    State(state): State<AppState>,
    caller: Caller,
    query: Result<Query<ListQuery>, axum::extract::rejection::QueryRejection>,
) -> ApiResult<Json<IncidentPage>> {
    let Query(q) = query.map_err(|e| ApiError::invalid("query", e.body_text()))?;
    let filter = filter_from_query(q, &caller)?;
    let (items, next) = state.store.list_incidents(&filter).await?;
    let items = items.into_iter().map(|i| decorate(&state, i)).collect();
    Ok(Json(IncidentPage {
        items,
        next_cursor: next.map(encode_cursor),
    }))
}

/// One incident with notes, actions, deadlines, suggestion and similar past incidents.
#[utoipa::path(get, path = "/api/v1/incidents/{id}", params(("id" = String, Path, description = "Incident id")), tag = "incidents",
    responses((status = 200, body = Incident), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn get_incident(
    State(state): State<AppState>,
    caller: Caller,
    IdPath(id): IdPath,
) -> ApiResult<Json<Incident>> {
    let incident = state.store.get_incident(&id).await?;
    check_can_read(&caller, &incident)?;
    let incident = super::search::with_similar(&state, decorate(&state, incident)).await;
    Ok(Json(incident))
}

/// Partial update; needs the version (If-Match or body). Some fields need the lead role.
#[utoipa::path(patch, path = "/api/v1/incidents/{id}", params(("id" = String, Path, description = "Incident id")), request_body = IncidentPatch, tag = "incidents",
    responses((status = 200, body = Incident), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody), (status = 428, body = ErrorBody)))]
pub async fn patch_incident(
    State(state): State<AppState>,
    caller: Caller,
    IdPath(id): IdPath,
    if_match: IfMatch,
    JsonBody(patch): JsonBody<IncidentPatch>,
) -> ApiResult<Json<Incident>> {
    caller.require(Permission::Work)?;
    let version = required_version(if_match, patch.version)?;
    let current = state.store.get_incident(&id).await?;
    if current.version != version {
        return Err(ApiError::conflict(
            serde_json::to_value(decorate(&state, current)).unwrap_or_default(),
        ));
    }
    let now = state.clock.now();
    let next = service::apply_incident_patch(&current, patch, &caller, now, &state.rules)?;
    let before = serde_json::to_value(strip(&current)).unwrap_or_default();
    let after = serde_json::to_value(strip(&next)).unwrap_or_default();
    let (before, after) = crate::domain::audit::diff(&before, &after);
    let change = Change {
        actor: caller.user.clone(),
        action: "incident.update".into(),
        incident_id: Some(id.clone()),
        entity_id: id.clone(),
        before,
        after,
    };
    let committed = state
        .store
        .update_incident(next, version, change, now)
        .await?;
    state.changed();
    let mut incident = committed.value;
    incident.notes = current.notes;
    incident.actions = current.actions;
    Ok(Json(decorate(&state, incident)))
}

/// The incident without its child lists, for audit diffs.
fn strip(incident: &Incident) -> Incident {
    let mut i = incident.clone();
    i.notes.clear();
    i.actions.clear();
    i.deadlines.clear();
    i.similar.clear();
    i.suggestion = None;
    i.recurrence = None;
    i
}

/// Appends an analysis note.
#[utoipa::path(post, path = "/api/v1/incidents/{id}/notes", params(("id" = String, Path, description = "Incident id"), ("Idempotency-Key" = Option<String>, Header, description = "Any unique string per change (e.g. a UUID): a retry with the same key answers with what the first request made (`Idempotent-Replayed: true`) instead of creating it again")), request_body = NewNote, tag = "incidents",
    responses((status = 201, body = Note), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn add_note(
    State(state): State<AppState>,
    caller: Caller,
    IdPath(id): IdPath,
    key: IdempotencyKey,
    JsonBody(note): JsonBody<NewNote>,
) -> ApiResult<Created<Note>> {
    caller.require(Permission::Work)?;
    if note.text.trim().is_empty() {
        return Err(ApiError::invalid("text", "a note needs some text"));
    }
    if note.text.chars().count() > service::MAX_TEXT {
        return Err(ApiError::invalid(
            "text",
            format!("a note is at most {} characters", service::MAX_TEXT),
        ));
    }
    let idem = key.for_request(&format!("note {id}"), &note);
    let outcome = state
        .store
        .add_note(
            &id,
            &caller.user,
            &note.text,
            state.clock.now(),
            idem.as_ref(),
        )
        .await;
    let store = state.store.clone();
    answer_create(&state, outcome, |note_id| async move {
        store
            .get_incident(&id)
            .await?
            .notes
            .into_iter()
            .find(|n| n.id == note_id)
            .ok_or_else(|| ApiError::not_found(format!("note {note_id} not found")))
    })
    .await
}

/// Adds a corrective action with owner and due date.
#[utoipa::path(post, path = "/api/v1/incidents/{id}/actions", params(("id" = String, Path, description = "Incident id"), ("Idempotency-Key" = Option<String>, Header, description = "Any unique string per change (e.g. a UUID): a retry with the same key answers with what the first request made (`Idempotent-Replayed: true`) instead of creating it again")), request_body = NewAction, tag = "actions",
    responses((status = 201, body = Action), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn add_action(
    State(state): State<AppState>,
    caller: Caller,
    IdPath(id): IdPath,
    key: IdempotencyKey,
    JsonBody(new): JsonBody<NewAction>,
) -> ApiResult<Created<Action>> {
    caller.require(Permission::Work)?;
    let incident = state.store.get_incident(&id).await?;
    let now = state.clock.now();
    let idem = key.for_request(&format!("action {id}"), &new);
    let action = service::action_from_new(new, &incident, now)?;
    let outcome = state
        .store
        .add_action(action, &caller.user, now, idem.as_ref())
        .await;
    let store = state.store.clone();
    answer_create(&state, outcome, |action_id| async move {
        Ok(store.get_action(&action_id).await?)
    })
    .await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursors_round_trip_and_reject_junk() {
        for n in [0, 1, 35, 36, 123_456_789] {
            assert_eq!(decode_cursor(&encode_cursor(n)).unwrap(), n);
        }
        assert!(decode_cursor("zzz").is_err());
        assert!(decode_cursor("c-1").is_err());
    }
}
