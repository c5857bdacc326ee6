//! The owner and deadline board: open corrective actions and unmet notification deadlines,
//! most urgent first, grouped by owner and by due bucket.

use crate::domain::Permission;
use crate::domain::clocks::{incident_deadlines, is_notice};
use crate::domain::deadlines::DeadlineStatus;
use crate::domain::wire::{Board, BoardItem, DueBucket, ErrorBody};
use crate::server::AppState;
use crate::server::auth::Caller;
use crate::server::error::ApiResult;
use axum::Json;
use axum::extract::State;
use std::collections::BTreeMap;

/// Open work on one board.
#[utoipa::path(get, path = "/api/v1/board", tag = "board",
    responses((status = 200, body = Board), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody)))]
pub async fn board(State(state): State<AppState>, caller: Caller) -> ApiResult<Json<Board>> {
    caller.require(Permission::ReadAll)?;
    let today = state.clock.now().date_naive();
    let mut items = Vec::new();
    for a in state.store.open_actions().await? {
        items.push(BoardItem {
            kind: "action".into(),
            incident_id: a.incident_id.clone(),
            action_id: Some(a.id.clone()),
            title: a.title.clone(),
            owner: a.owner.clone(),
            due: a.due,
            bucket: DueBucket::of(a.due, today),
            escalation_level: a.escalation_level,
            status: a.status.as_str().into(),
            version: a.version,
            citation: None,
        });
    }
    {
        let page =
            crate::store::list_all(state.store.as_ref(), crate::store::open_filter()).await?;
        for incident in &page {
            for d in incident_deadlines(incident, &state.rules, today) {
                if matches!(
                    d.status,
                    Some(DeadlineStatus::Met | DeadlineStatus::MetLate)
                ) {
                    continue;
                }
                let label = match (&d.state, &d.name) {
                    (_, Some(name)) => format!("{} notice: {name}", d.kind),
                    (Some(st), None) => format!("{} notice ({st})", d.kind),
                    _ if is_notice(d.kind) => format!("{} notice", d.kind),
                    _ => format!("{} due", d.kind),
                };
                items.push(BoardItem {
                    kind: "deadline".into(),
                    incident_id: incident.id.clone(),
                    action_id: None,
                    title: format!("{label} — {}", incident.title),
                    owner: incident
                        .owner
                        .clone()
                        .unwrap_or_else(|| "unassigned".into()),
                    due: d.due,
                    bucket: DueBucket::of(d.due, today),
                    escalation_level: incident.escalation_level,
                    status: d.status.map(|s| s.as_str()).unwrap_or("open").into(),
                    version: 0,
                    citation: Some(d.citation.clone()),
                });
            }
        }
    }
    items.sort_by(|a, b| {
        a.due
            .cmp(&b.due)
            .then(b.escalation_level.cmp(&a.escalation_level))
            .then_with(|| a.incident_id.cmp(&b.incident_id))
    });
    let mut by_owner: BTreeMap<String, Vec<usize>> = BTreeMap::new();
    let mut by_bucket: BTreeMap<String, usize> = BTreeMap::new();
    for (i, item) in items.iter().enumerate() {
        by_owner.entry(item.owner.clone()).or_default().push(i);
        *by_bucket
            .entry(item.bucket.label().to_string())
            .or_default() += 1;
    }
    Ok(Json(Board {
        today,
        items,
        by_owner,
        by_bucket,
    }))
}
