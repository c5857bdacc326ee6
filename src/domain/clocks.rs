//! The clocks of one incident: which deadlines apply given its determination and status, and
//! where each stands today.

use super::deadlines::{
    self, BreachFacts, Deadline, DeadlineKind, DeadlineStatus, ExtraRule, SlaSettings,
};
use super::incident::{Determination, Incident, Status};
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

/// Configured rules for clocks: internal SLAs and extra (state) notification rules.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClockRules {
    /// Internal SLAs.
    #[serde(default)]
    pub sla: SlaSettings,
    /// Extra deadline rules shown beside the federal ones.
    #[serde(default)]
    pub extra: Vec<ExtraRule>,
    /// When overdue work escalates, and to whom.
    #[serde(default)]
    pub escalation: super::escalation::EscalationRules,
}

/// Every deadline that applies to `incident`, with status as of `today`.
///
/// Notification clocks run for breaches; while undetermined with PHI involved they are shown
/// as provisional (a breach is presumed until the assessment says otherwise). Internal clocks
/// run until the step they time is done.
pub fn incident_deadlines(
    incident: &Incident,
    rules: &ClockRules,
    today: NaiveDate,
) -> Vec<Deadline> {
    let c = &incident.classification;
    let mut out: Vec<Deadline> = deadlines::internal_deadlines(
        incident.reported_at.date_naive(),
        incident.discovered_at,
        &rules.sla,
    )
    .into_iter()
    .filter(|d| match d.kind {
        DeadlineKind::Triage => incident.status == Status::New,
        DeadlineKind::Assessment => {
            incident.determination == Determination::Undetermined
                && incident.status != Status::Closed
        }
        _ => true,
    })
    .collect();
    let provisional =
        incident.determination == Determination::Undetermined && c.phi_involved == Some(true);
    if incident.determination == Determination::Breach || provisional {
        let facts = BreachFacts {
            discovered: incident.discovered_at,
            individuals: c.individuals_affected.unwrap_or(0),
            residents_by_state: c.residents_by_state.clone(),
            business_associate: c.business_associate,
            missing_contacts: c.missing_contacts,
            hold: incident.hold.clone(),
        };
        out.extend(deadlines::notification_deadlines(&facts, &rules.extra));
    }
    let mut out = deadlines::with_status(out, &incident.notices, today);
    if incident.status == Status::Closed {
        // A closed incident's clocks no longer run; unmet ones were explained at closing.
        for d in out.iter_mut().filter(|d| {
            !matches!(
                d.status,
                Some(DeadlineStatus::Met | DeadlineStatus::MetLate)
            )
        }) {
            d.status = Some(DeadlineStatus::Closed);
        }
    }
    if provisional {
        for d in out.iter_mut().filter(|d| is_notice(d.kind)) {
            if d.status != Some(DeadlineStatus::Met) {
                d.status = Some(DeadlineStatus::Provisional);
            }
        }
    }
    out
}

/// Whether a deadline kind is an external notice (as opposed to an internal SLA).
pub fn is_notice(kind: DeadlineKind) -> bool {
    !matches!(kind, DeadlineKind::Triage | DeadlineKind::Assessment)
}

/// Notices still owed: notification deadlines not met.
pub fn unmet_notices(deadlines: &[Deadline]) -> usize {
    deadlines
        .iter()
        .filter(|d| {
            is_notice(d.kind)
                && !matches!(
                    d.status,
                    Some(DeadlineStatus::Met | DeadlineStatus::MetLate)
                )
        })
        .count()
}
