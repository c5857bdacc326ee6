//! The escalation job: overdue corrective actions, internal SLAs and notification clocks climb the
//! configured levels. Each step is an ordinary versioned write by `system:escalation`, so it is
//! audited, sent to every console as an event, and — because a write based on a stale version is
//! refused — happens once per level even when several nodes run the job at the same time.

use super::AppState;
use super::webhook::{self, EscalationNotice};
use crate::domain::ActionStatus;
use crate::domain::clocks::{incident_deadlines, is_notice};
use crate::domain::deadlines::DeadlineStatus;
use crate::store::{Change, StoreError};
use std::time::Duration;
use tokio::sync::watch;

/// The actor recorded for escalations.
pub const ACTOR: &str = "system:escalation";

/// What one pass did.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Pass {
    /// Actions moved up a level (or more).
    pub actions: u32,
    /// Incidents moved up for overdue clocks.
    pub incidents: u32,
}

/// Looks at all open work once, as of the state's clock.
pub async fn run_once(state: &AppState) -> Result<Pass, StoreError> {
    let now = state.clock.now();
    let today = now.date_naive();
    let rules = &state.rules.escalation;
    let mut pass = Pass::default();
    for action in state.store.open_actions().await? {
        if !matches!(action.status, ActionStatus::Open | ActionStatus::InProgress) {
            continue;
        }
        let target = rules.level_for((today - action.due).num_days());
        if target <= action.escalation_level {
            continue;
        }
        let mut next = action.clone();
        next.escalation_level = target;
        let change = Change {
            actor: ACTOR.into(),
            action: "action.escalate".into(),
            incident_id: Some(action.incident_id.clone()),
            entity_id: action.id.clone(),
            before: serde_json::json!({ "escalation_level": action.escalation_level }),
            after: serde_json::json!({ "escalation_level": target, "to": rules.name(target), "due": action.due }),
        };
        match state
            .store
            .update_action(next, action.version, change, now)
            .await
        {
            Ok(_) => {
                pass.actions += 1;
                let days_overdue = (today - action.due).num_days();
                let notice = EscalationNotice {
                    kind: "action.escalated".into(),
                    id: action.id.clone(),
                    incident_id: action.incident_id.clone(),
                    level: target,
                    to: rules.name(target),
                    days_overdue,
                };
                webhook::notify(&rules.webhooks, &notice);
            }
            Err(StoreError::Conflict(_)) => {} // another node or person got there first
            Err(e) => return Err(e),
        }
    }
    {
        let page =
            crate::store::list_all(state.store.as_ref(), crate::store::open_filter()).await?;
        for incident in page {
            let worst = incident_deadlines(&incident, &state.rules, today)
                .iter()
                .filter(|d| d.status == Some(DeadlineStatus::Overdue))
                .map(|d| (d.days_left.unwrap_or(0).saturating_neg(), is_notice(d.kind)))
                .max();
            let Some((days_overdue, _)) = worst else {
                continue;
            };
            let target = rules.level_for(days_overdue);
            if target <= incident.escalation_level {
                continue;
            }
            let version = incident.version;
            let mut next = incident.clone();
            next.escalation_level = target;
            let change = Change {
                actor: ACTOR.into(),
                action: "incident.escalate".into(),
                incident_id: Some(incident.id.clone()),
                entity_id: incident.id.clone(),
                before: serde_json::json!({ "escalation_level": incident.escalation_level }),
                after: serde_json::json!({ "escalation_level": target, "to": rules.name(target), "days_overdue": days_overdue }),
            };
            match state
                .store
                .update_incident(next, version, change, now)
                .await
            {
                Ok(_) => {
                    pass.incidents += 1;
                    let notice = EscalationNotice {
                        kind: "incident.escalated".into(),
                        id: incident.id.clone(),
                        incident_id: incident.id.clone(),
                        level: target,
                        to: rules.name(target),
                        days_overdue,
                    };
                    webhook::notify(&rules.webhooks, &notice);
                }
                Err(StoreError::Conflict(_)) => {}
                Err(e) => return Err(e),
            }
        }
    }
    if pass != Pass::default() {
        state.changed();
        tracing::info!(
            actions = pass.actions,
            incidents = pass.incidents,
            "escalated overdue work"
        );
    }
    Ok(pass)
}

/// Runs the job on the configured interval until shutdown.
pub async fn run(state: AppState, mut shutdown: watch::Receiver<bool>) {
    let every = Duration::from_secs(state.rules.escalation.check_every_seconds.max(1));
    loop {
        tokio::select! {
            _ = tokio::time::sleep(every) => {},
            _ = shutdown.changed() => return,
        }
        if let Err(e) = run_once(&state).await {
            tracing::warn!(error = %e, "escalation pass failed");
        }
    }
}
