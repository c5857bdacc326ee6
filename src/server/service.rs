//! The rules a write must pass before it reaches the store: field limits, dates, roles per field,
//! lifecycle moves and what closing requires. Pure functions over domain types.

use super::auth::Caller;
use super::error::ApiError;
use crate::domain::action::{Action, ActionPatch, ActionStatus, NewAction};
use crate::domain::classification::{Classification, valid_state_code};
use crate::domain::clocks::{ClockRules, incident_deadlines, unmet_notices};
use crate::domain::lifecycle::{check_close, check_transition};
use crate::domain::{Incident, IncidentPatch, NewReport, Permission, Source, Status};
use chrono::{DateTime, NaiveDate, Utc};

/// Longest title accepted.
pub const MAX_TITLE: usize = 200;
/// Longest description or note accepted.
pub const MAX_TEXT: usize = 20_000;
/// Longest short field (site, department, owner) accepted.
pub const MAX_SHORT: usize = 100;

fn check_len(field: &str, value: &str, min: usize, max: usize) -> Result<(), ApiError> {
    let n = value.chars().count();
    if n < min || value.trim().chars().count() < min {
        return Err(ApiError::invalid(
            field,
            format!("{field} must not be empty"),
        ));
    }
    if n > max {
        return Err(ApiError::invalid(
            field,
            format!("{field} is {n} characters; at most {max}"),
        ));
    }
    Ok(())
}

fn check_past_date(field: &str, date: NaiveDate, today: NaiveDate) -> Result<(), ApiError> {
    if date > today {
        return Err(ApiError::invalid(
            field,
            format!("{field} {date} is in the future"),
        ));
    }
    if date < NaiveDate::from_ymd_opt(1990, 1, 1).unwrap_or(NaiveDate::MIN) {
        return Err(ApiError::invalid(
            field,
            format!("{field} {date} is implausibly old"),
        ));
    }
    Ok(())
}

/// Validates a classification's values.
pub fn check_classification(c: &Classification) -> Result<(), ApiError> {
    for state in c.residents_by_state.keys() {
        if !valid_state_code(state) {
            return Err(ApiError::invalid(
                "classification.residents_by_state",
                format!("'{state}' is not a two-letter state code"),
            ));
        }
    }
    let by_state: u64 = c.residents_by_state.values().sum();
    if let Some(total) = c.individuals_affected
        && by_state > total
    {
        return Err(ApiError::invalid(
            "classification.individuals_affected",
            format!(
                "residents by state add up to {by_state}, more than the {total} individuals affected"
            ),
        ));
    }
    for tag in &c.tags {
        check_len("classification.tags", tag, 1, MAX_SHORT)?;
    }
    Ok(())
}

/// Builds a new incident from a report.
pub fn incident_from_report(
    report: NewReport,
    caller: &Caller,
    now: DateTime<Utc>,
) -> Result<Incident, ApiError> {
    let today = now.date_naive();
    check_len("title", &report.title, 1, MAX_TITLE)?;
    check_len("site", &report.site, 1, MAX_SHORT)?;
    if report.description.chars().count() > MAX_TEXT {
        return Err(ApiError::invalid(
            "description",
            format!("description is longer than {MAX_TEXT} characters"),
        ));
    }
    if let Some(d) = &report.department {
        check_len("department", d, 1, MAX_SHORT)?;
    }
    let discovered = report.discovered_at.unwrap_or(today);
    check_past_date("discovered_at", discovered, today)?;
    if let Some(o) = report.occurred_at {
        check_past_date("occurred_at", o, today)?;
        if o > discovered {
            return Err(ApiError::invalid(
                "occurred_at",
                "occurred_at is after discovered_at",
            ));
        }
    }
    let mut incident = Incident::minimal("", &report.title, &report.site, discovered, now);
    incident.description = report.description;
    incident.reported_by = caller.user.clone();
    incident.occurred_at = report.occurred_at;
    incident.department = report.department;
    incident.source = report.source.unwrap_or(Source::Api);
    incident.version = 0;
    Ok(incident)
}

fn lead_field(caller: &Caller, field: &str) -> Result<(), ApiError> {
    if caller.role.allows(Permission::Lead) {
        Ok(())
    } else {
        Err(ApiError::forbidden(format!(
            "changing {field} needs the lead role; you are {}",
            caller.role
        )))
    }
}

/// Applies a patch to the current incident, checking each field's rules and role.
pub fn apply_incident_patch(
    current: &Incident,
    patch: IncidentPatch,
    caller: &Caller,
    now: DateTime<Utc>,
    rules: &ClockRules,
) -> Result<Incident, ApiError> {
    let today = now.date_naive();
    let mut next = current.clone();
    if let Some(t) = patch.title {
        check_len("title", &t, 1, MAX_TITLE)?;
        next.title = t;
    }
    if let Some(d) = patch.description {
        check_len("description", &d, 0, MAX_TEXT)?;
        next.description = d;
    }
    if let Some(s) = patch.site {
        check_len("site", &s, 1, MAX_SHORT)?;
        next.site = s;
    }
    if let Some(d) = patch.department {
        check_len("department", &d, 0, MAX_SHORT)?;
        next.department = (!d.trim().is_empty()).then_some(d);
    }
    if let Some(c) = patch.classification {
        check_classification(&c)?;
        next.classification = c;
    }
    if let Some(mut a) = patch.risk_assessment {
        check_len("risk_assessment.conclusion", &a.conclusion, 0, MAX_TEXT)?;
        a.assessed_by = Some(caller.user.clone());
        a.assessed_at = Some(now);
        next.risk_assessment = Some(a);
    }
    if let Some(rc) = patch.root_cause {
        check_len("root_cause.summary", &rc.summary, 0, MAX_TEXT)?;
        next.root_cause = rc;
    }
    if let Some(o) = patch.occurred_at {
        check_past_date("occurred_at", o, today)?;
        next.occurred_at = Some(o);
    }
    if let Some(d0) = patch.discovered_at {
        lead_field(caller, "discovered_at (D0)")?;
        check_past_date("discovered_at", d0, today)?;
        next.discovered_at = d0;
    }
    if (patch.occurred_at.is_some() || patch.discovered_at.is_some())
        && next.occurred_at.is_some_and(|o| o > next.discovered_at)
    {
        // The same rule as at intake: it cannot have happened after it was discovered.
        let field = if patch.occurred_at.is_some() {
            "occurred_at"
        } else {
            "discovered_at"
        };
        return Err(ApiError::invalid(
            field,
            format!(
                "occurred_at {} is after discovered_at {}",
                next.occurred_at.unwrap_or(next.discovered_at),
                next.discovered_at
            ),
        ));
    }
    if let Some(o) = patch.owner {
        lead_field(caller, "owner")?;
        check_len("owner", &o, 0, MAX_SHORT)?;
        next.owner = (!o.trim().is_empty()).then_some(o);
    }
    if let Some(level) = patch.escalation_level {
        lead_field(caller, "escalation_level")?;
        if level > 5 {
            return Err(ApiError::invalid(
                "escalation_level",
                "escalation level is 0 to 5",
            ));
        }
        next.escalation_level = level;
    }
    if let Some(notices) = patch.notices {
        lead_field(caller, "notices")?;
        for n in &notices {
            if n.sent_on < next.discovered_at {
                return Err(ApiError::invalid(
                    "notices.sent_on",
                    "a notice cannot be sent before discovery",
                ));
            }
            check_past_date("notices.sent_on", n.sent_on, today)?;
        }
        next.notices = notices;
    }
    if let Some(hold) = patch.hold {
        lead_field(caller, "hold")?;
        if !hold.written && hold.official.trim().is_empty() {
            return Err(ApiError::invalid(
                "hold.official",
                "an oral law-enforcement statement must record the official's identity (164.412(b))",
            ));
        }
        // The statement has been made (and the hold's end is computed from it): a date out of
        // range would be stored and then break every later read of the incident.
        check_past_date("hold.stated_on", hold.stated_on, today)?;
        if hold.until.is_some_and(|u| u < hold.stated_on) {
            return Err(ApiError::invalid(
                "hold.until",
                "the hold ends before it was stated",
            ));
        }
        next.hold = Some(hold);
    }
    if let Some(d) = patch.determination {
        lead_field(caller, "determination")?;
        next.determination = d;
    }
    if let Some(reason) = patch.close_reason {
        lead_field(caller, "close_reason")?;
        check_len("close_reason", &reason, 0, MAX_TEXT)?;
        next.close_reason = (!reason.trim().is_empty()).then_some(reason);
    }
    if let Some(status) = patch.status {
        check_transition(current.status, status)
            .map_err(|e| ApiError::invalid("status", e.to_string()))?;
        if status == Status::Closed && current.status != Status::Closed {
            lead_field(caller, "status to closed")?;
            let deadlines = incident_deadlines(&next, rules, today);
            check_close(
                next.determination,
                &next.actions,
                unmet_notices(&deadlines),
                next.close_reason.as_deref(),
            )
            .map_err(|e| ApiError::invalid("status", e.to_string()))?;
        }
        next.status = status;
    }
    Ok(next)
}

/// Builds a new corrective action for `incident`.
pub fn action_from_new(
    new: NewAction,
    incident: &Incident,
    now: DateTime<Utc>,
) -> Result<Action, ApiError> {
    check_len("title", &new.title, 1, MAX_TITLE)?;
    check_len("owner", &new.owner, 1, MAX_SHORT)?;
    if new.due < incident.discovered_at {
        return Err(ApiError::invalid(
            "due",
            format!(
                "due date {} is before the discovery date {}",
                new.due, incident.discovered_at
            ),
        ));
    }
    Ok(Action {
        id: String::new(),
        incident_id: incident.id.clone(),
        title: new.title,
        owner: new.owner,
        due: new.due,
        status: ActionStatus::Open,
        escalation_level: 0,
        created_at: now,
        completed_at: None,
        verified_by: None,
        redate_reason: None,
        version: 0,
    })
}

/// Applies a patch to an action: owner and due changes need a lead, a re-date needs a reason,
/// and a verification needs someone other than the owner, after the action is done.
pub fn apply_action_patch(
    current: &Action,
    patch: ActionPatch,
    caller: &Caller,
    now: DateTime<Utc>,
) -> Result<Action, ApiError> {
    let mut next = current.clone();
    if let Some(t) = patch.title {
        check_len("title", &t, 1, MAX_TITLE)?;
        next.title = t;
    }
    if let Some(o) = patch.owner {
        lead_field(caller, "owner")?;
        check_len("owner", &o, 1, MAX_SHORT)?;
        next.owner = o;
    }
    if let Some(due) = patch.due
        && due != current.due
    {
        lead_field(caller, "due")?;
        let reason = patch.reason.as_deref().map(str::trim).unwrap_or("");
        if reason.is_empty() {
            return Err(ApiError::invalid("reason", "a re-date needs a reason"));
        }
        if due < current.created_at.date_naive() - chrono::Days::new(3650) {
            return Err(ApiError::invalid("due", "due date is implausibly old"));
        }
        next.due = due;
        next.redate_reason = Some(reason.to_string());
    }
    if let Some(level) = patch.escalation_level {
        lead_field(caller, "escalation_level")?;
        next.escalation_level = level.min(5);
    }
    if let Some(status) = patch.status
        && status != current.status
    {
        use ActionStatus::*;
        let legal = matches!(
            (current.status, status),
            (Open | InProgress, Open | InProgress | Done | Cancelled)
                | (Done, Verified | InProgress | Open)
                | (Cancelled, Open)
        );
        if !legal {
            return Err(ApiError::invalid(
                "status",
                format!(
                    "an action cannot move from {} to {}",
                    current.status, status
                ),
            ));
        }
        if status == Verified && caller.user == current.owner {
            return Err(ApiError::invalid(
                "status",
                "an action must be verified by someone other than its owner",
            ));
        }
        if status == Cancelled {
            lead_field(caller, "status to cancelled")?;
        }
        next.status = status;
        match status {
            Done => next.completed_at = Some(now),
            Verified => next.verified_by = Some(caller.user.clone()),
            Open | InProgress => {
                next.completed_at = None;
                next.verified_by = None;
            }
            Cancelled => {}
        }
    }
    Ok(next)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{Determination, Role};

    fn caller(role: Role) -> Caller {
        Caller {
            user: "kim".into(),
            role,
        }
    }

    fn report() -> NewReport {
        NewReport {
            title: "Fax to wrong number".into(),
            site: "North".into(),
            ..Default::default()
        }
    }

    #[test]
    fn report_rules() {
        let now = Utc::now();
        assert!(incident_from_report(report(), &caller(Role::Reporter), now).is_ok());
        let blank = NewReport {
            title: "   ".into(),
            ..report()
        };
        assert_eq!(
            incident_from_report(blank, &caller(Role::Reporter), now)
                .unwrap_err()
                .detail
                .field
                .as_deref(),
            Some("title")
        );
        let future = NewReport {
            discovered_at: Some(now.date_naive() + chrono::Days::new(2)),
            ..report()
        };
        assert_eq!(
            incident_from_report(future, &caller(Role::Reporter), now)
                .unwrap_err()
                .detail
                .field
                .as_deref(),
            Some("discovered_at")
        );
    }

    #[test]
    fn analyst_cannot_decide_and_close_needs_determination() {
        let now = Utc::now();
        let inc = incident_from_report(report(), &caller(Role::Reporter), now).unwrap();
        let decide = IncidentPatch {
            determination: Some(Determination::NearMiss),
            ..Default::default()
        };
        assert_eq!(
            apply_incident_patch(
                &inc,
                decide.clone(),
                &caller(Role::Analyst),
                now,
                &ClockRules::default()
            )
            .unwrap_err()
            .status,
            axum::http::StatusCode::FORBIDDEN
        );
        let close = IncidentPatch {
            status: Some(Status::Closed),
            ..Default::default()
        };
        assert!(
            apply_incident_patch(
                &inc,
                close.clone(),
                &caller(Role::Lead),
                now,
                &ClockRules::default()
            )
            .is_err()
        );
        let both = IncidentPatch {
            status: Some(Status::Closed),
            determination: Some(Determination::NearMiss),
            ..Default::default()
        };
        assert_eq!(
            apply_incident_patch(&inc, both, &caller(Role::Lead), now, &ClockRules::default())
                .unwrap()
                .status,
            Status::Closed
        );
    }

    #[test]
    fn redate_needs_reason_and_verify_needs_another_person() {
        let now = Utc::now();
        let inc = incident_from_report(report(), &caller(Role::Reporter), now).unwrap();
        let mut action = action_from_new(
            NewAction {
                title: "Retrain".into(),
                owner: "kim".into(),
                due: now.date_naive(),
            },
            &inc,
            now,
        )
        .unwrap();
        let redate = ActionPatch {
            due: Some(now.date_naive() + chrono::Days::new(7)),
            ..Default::default()
        };
        assert_eq!(
            apply_action_patch(&action, redate.clone(), &caller(Role::Lead), now)
                .unwrap_err()
                .detail
                .field
                .as_deref(),
            Some("reason")
        );
        let with_reason = ActionPatch {
            reason: Some("vendor delay".into()),
            ..redate
        };
        assert!(apply_action_patch(&action, with_reason, &caller(Role::Lead), now).is_ok());
        action.status = ActionStatus::Done;
        let verify = ActionPatch {
            status: Some(ActionStatus::Verified),
            ..Default::default()
        };
        assert!(apply_action_patch(&action, verify.clone(), &caller(Role::Analyst), now).is_err());
        let other = Caller {
            user: "lee".into(),
            role: Role::Analyst,
        };
        assert_eq!(
            apply_action_patch(&action, verify, &other, now)
                .unwrap()
                .verified_by
                .as_deref(),
            Some("lee")
        );
        let before_d0 = NewAction {
            title: "x".into(),
            owner: "kim".into(),
            due: inc.discovered_at - chrono::Days::new(1),
        };
        assert_eq!(
            action_from_new(before_d0, &inc, now)
                .unwrap_err()
                .detail
                .field
                .as_deref(),
            Some("due")
        );
    }
}
