//! Every clock of HIPAA.md, computed from the discovery date D0: federal notices (164.404–410),
//! the law-enforcement hold (164.412), configurable state rules and internal SLAs.

use super::incident::wire_enum;
use chrono::{Datelike, Days, NaiveDate, Weekday};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use utoipa::ToSchema;

wire_enum! {
    /// Which clock a deadline belongs to.
    DeadlineKind {
        Individuals => "individuals",
        Media => "media",
        Hhs => "hhs",
        CoveredEntity => "covered_entity",
        StateRule => "state_rule",
        SubstituteNotice => "substitute_notice",
        Triage => "triage",
        Assessment => "assessment",
    }
}

wire_enum! {
    /// Where a deadline stands on a given day.
    DeadlineStatus {
        Open => "open",
        DueToday => "due_today",
        Overdue => "overdue",
        Met => "met",
        MetLate => "met_late",
        Provisional => "provisional",
        Closed => "closed",
    }
}

/// One computed deadline with its basis and citation, so a lead can check it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Deadline {
    /// Which clock.
    pub kind: DeadlineKind,
    /// The state, for per-state media notices and state rules.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub state: Option<String>,
    /// The rule's name, for configured state rules.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// The due date (after any law-enforcement hold).
    pub due: NaiveDate,
    /// The due date without the hold, when a hold moved it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub regular_due: Option<NaiveDate>,
    /// Why this clock applies and how it is counted.
    pub basis: String,
    /// The regulation, e.g. `45 CFR 164.404(b)`.
    pub citation: String,
    /// Status on the day it was computed (absent for what-if calculations).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<DeadlineStatus>,
    /// Calendar days left (negative when overdue).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub days_left: Option<i64>,
    /// When the notice was sent, if it was.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub met_on: Option<NaiveDate>,
}

/// A notice that was sent, recorded by a lead.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NoticeRecord {
    /// Which clock it satisfies.
    pub kind: DeadlineKind,
    /// The state, for media notices.
    #[serde(default)]
    pub state: Option<String>,
    /// When it was sent.
    pub sent_on: NaiveDate,
}

/// A law-enforcement statement that delays notices (164.412).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LawEnforcementHold {
    /// Written statements delay for the period they name; oral ones at most 30 days.
    pub written: bool,
    /// The day the statement was made.
    pub stated_on: NaiveDate,
    /// The end of the period the statement names.
    #[serde(default)]
    pub until: Option<NaiveDate>,
    /// The official's identity (required for oral statements).
    #[serde(default)]
    pub official: String,
}

impl LawEnforcementHold {
    /// The last day of the hold.
    pub fn end(&self) -> NaiveDate {
        let oral_limit = self.stated_on + Days::new(30);
        match (self.written, self.until) {
            (true, Some(until)) => until,
            (true, None) => oral_limit,
            (false, Some(until)) => until.min(oral_limit),
            (false, None) => oral_limit,
        }
    }
}

/// An extra deadline rule from configuration, e.g. a state's shorter clock.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ExtraRule {
    /// Shown as the deadline's name.
    pub name: String,
    /// Applies when residents of this state are affected; any breach when absent.
    #[serde(default)]
    pub state: Option<String>,
    /// Applies only when more residents of the state than this are affected.
    #[serde(default)]
    pub min_residents: u64,
    /// Calendar days from D0.
    pub days: u64,
    /// The basis shown beside the deadline.
    pub basis: String,
}

/// The facts the notification clocks depend on.
#[derive(Debug, Clone, Default)]
pub struct BreachFacts {
    /// Discovery date D0.
    pub discovered: NaiveDate,
    /// Individuals affected in total.
    pub individuals: u64,
    /// Residents affected per state.
    pub residents_by_state: BTreeMap<String, u64>,
    /// Whether the organisation is a business associate here.
    pub business_associate: bool,
    /// Individuals whose contact details are missing (substitute notice at 10 or more).
    pub missing_contacts: u64,
    /// A law-enforcement hold, if any.
    pub hold: Option<LawEnforcementHold>,
}

/// Internal clocks, configurable.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SlaSettings {
    /// Business days from report to triage.
    pub triage_business_days: u64,
    /// Calendar days from D0 to a completed risk assessment.
    pub assessment_days: u64,
}

impl Default for SlaSettings {
    fn default() -> Self {
        SlaSettings {
            triage_business_days: 1,
            assessment_days: 10,
        }
    }
}

const NOTICE_DAYS: u64 = 60;
const MEDIA_THRESHOLD: u64 = 500;
const HHS_LARGE_THRESHOLD: u64 = 500;

/// Adds calendar days, saturating at the far end of the calendar.
fn plus_days(date: NaiveDate, days: u64) -> NaiveDate {
    date.checked_add_days(Days::new(days))
        .unwrap_or(NaiveDate::MAX)
}

/// Adds business days (Monday to Friday).
pub fn plus_business_days(mut date: NaiveDate, days: u64) -> NaiveDate {
    let mut left = days;
    while left > 0 {
        date = plus_days(date, 1);
        if !matches!(date.weekday(), Weekday::Sat | Weekday::Sun) {
            left -= 1;
        }
    }
    date
}

/// The HHS small-breach deadline: 60 days after the end of D0's calendar year.
pub fn hhs_small_due(discovered: NaiveDate) -> NaiveDate {
    let year_end = NaiveDate::from_ymd_opt(discovered.year(), 12, 31).unwrap_or(discovered);
    plus_days(year_end, NOTICE_DAYS)
}

fn deadline(kind: DeadlineKind, due: NaiveDate, basis: String, citation: &str) -> Deadline {
    Deadline {
        kind,
        state: None,
        name: None,
        due,
        regular_due: None,
        basis,
        citation: citation.to_string(),
        status: None,
        days_left: None,
        met_on: None,
    }
}

/// The notification deadlines of a breach, in a stable order: individuals, media per state,
/// HHS, covered entity, substitute notice, then configured rules.
pub fn notification_deadlines(facts: &BreachFacts, extra: &[ExtraRule]) -> Vec<Deadline> {
    let d0 = facts.discovered;
    let sixty = plus_days(d0, NOTICE_DAYS);
    let mut out = Vec::new();
    if facts.business_associate {
        out.push(deadline(
            DeadlineKind::CoveredEntity,
            sixty,
            format!("business associate notifies the covered entity: D0 {d0} + 60 days at the latest, without unreasonable delay"),
            "45 CFR 164.410(b)",
        ));
    } else {
        out.push(deadline(
            DeadlineKind::Individuals,
            sixty,
            format!(
                "every breach: D0 {d0} + 60 calendar days at the latest, without unreasonable delay"
            ),
            "45 CFR 164.404(b)",
        ));
        for (state, count) in &facts.residents_by_state {
            if *count > MEDIA_THRESHOLD {
                let mut d = deadline(
                    DeadlineKind::Media,
                    sixty,
                    format!(
                        "{count} residents of {state} (more than 500): prominent media outlets, D0 + 60 days"
                    ),
                    "45 CFR 164.406",
                );
                d.state = Some(state.clone());
                out.push(d);
            }
        }
        if facts.individuals >= HHS_LARGE_THRESHOLD {
            out.push(deadline(
                DeadlineKind::Hhs,
                sixty,
                format!("{} individuals (500 or more): notify HHS with the individual notice, D0 + 60 days", facts.individuals),
                "45 CFR 164.408(b)",
            ));
        } else {
            out.push(deadline(
                DeadlineKind::Hhs,
                hhs_small_due(d0),
                format!("{} individuals (fewer than 500): annual log to HHS within 60 days after the end of {}", facts.individuals, d0.year()),
                "45 CFR 164.408(c)",
            ));
        }
        if facts.missing_contacts >= 10 {
            out.push(deadline(
                DeadlineKind::SubstituteNotice,
                plus_days(sixty, 90),
                format!("{} individuals without contact details: web or media posting and toll-free number for 90 days", facts.missing_contacts),
                "45 CFR 164.404(d)(2)",
            ));
        }
    }
    for rule in extra {
        let applies = match &rule.state {
            None => true,
            Some(state) => facts
                .residents_by_state
                .get(state)
                .is_some_and(|n| *n > rule.min_residents),
        };
        if applies {
            let mut d = deadline(
                DeadlineKind::StateRule,
                plus_days(d0, rule.days),
                rule.basis.clone(),
                "state law (configured)",
            );
            d.state = rule.state.clone();
            d.name = Some(rule.name.clone());
            out.push(d);
        }
    }
    if let Some(hold) = &facts.hold {
        apply_hold(&mut out, hold);
    }
    out
}

/// Moves each notice to the later of its regular deadline and the hold's end (164.412).
fn apply_hold(deadlines: &mut [Deadline], hold: &LawEnforcementHold) {
    let end = hold.end();
    let kind = if hold.written { "written" } else { "oral" };
    for d in deadlines.iter_mut() {
        if end > d.due {
            d.regular_due = Some(d.due);
            d.due = end;
            d.basis = format!(
                "{}; delayed by a {kind} law-enforcement statement until {end} (164.412)",
                d.basis
            );
        }
    }
}

/// Internal SLA clocks: triage of a new report and the completed risk assessment.
pub fn internal_deadlines(
    reported_on: NaiveDate,
    discovered: NaiveDate,
    sla: &SlaSettings,
) -> Vec<Deadline> {
    vec![
        deadline(
            DeadlineKind::Triage,
            plus_business_days(reported_on, sla.triage_business_days),
            format!(
                "triage within {} business day(s) of the report",
                sla.triage_business_days
            ),
            "internal SLA; 45 CFR 164.308(a)(6)(ii)",
        ),
        deadline(
            DeadlineKind::Assessment,
            plus_days(discovered, sla.assessment_days),
            format!(
                "risk assessment complete within {} days of D0",
                sla.assessment_days
            ),
            "internal SLA; 45 CFR 164.402(2)",
        ),
    ]
}

/// Marks each deadline open, due today, overdue, met or met late, as of `today`.
pub fn with_status(
    mut deadlines: Vec<Deadline>,
    notices: &[NoticeRecord],
    today: NaiveDate,
) -> Vec<Deadline> {
    for d in &mut deadlines {
        let sent = notices
            .iter()
            .filter(|n| n.kind == d.kind && (d.state.is_none() || n.state == d.state))
            .map(|n| n.sent_on)
            .min();
        d.met_on = sent;
        d.days_left = Some((d.due - today).num_days());
        d.status = Some(match sent {
            Some(on) if on <= d.due => DeadlineStatus::Met,
            Some(_) => DeadlineStatus::MetLate,
            None if today > d.due => DeadlineStatus::Overdue,
            None if today == d.due => DeadlineStatus::DueToday,
            None => DeadlineStatus::Open,
        });
    }
    deadlines
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    fn facts(d0: &str, individuals: u64, states: &[(&str, u64)]) -> BreachFacts {
        BreachFacts {
            discovered: day(d0),
            individuals,
            residents_by_state: states.iter().map(|(s, n)| (s.to_string(), *n)).collect(),
            ..Default::default()
        }
    }

    fn summary(ds: &[Deadline]) -> Vec<String> {
        ds.iter()
            .map(|d| {
                format!(
                    "{}{}@{}",
                    d.kind,
                    d.state
                        .as_ref()
                        .map(|s| format!(":{s}"))
                        .unwrap_or_default(),
                    d.due
                )
            })
            .collect()
    }

    #[test]
    fn federal_clock_table() {
        let cases: &[(BreachFacts, &[&str])] = &[
            // small breach: HHS annual log due 1 March of the next (common) year
            (
                facts("2025-03-10", 10, &[("NY", 10)]),
                &["individuals@2025-05-09", "hhs@2026-03-01"],
            ),
            // small breach discovered in a year whose next year is a leap year: 29 February
            (
                facts("2027-06-01", 499, &[]),
                &["individuals@2027-07-31", "hhs@2028-02-29"],
            ),
            // D0 on 31 December itself
            (
                facts("2023-12-31", 1, &[]),
                &["individuals@2024-02-29", "hhs@2024-02-29"],
            ),
            // exactly 500 in total: HHS large; 500 in one state is not "more than 500"
            (
                facts("2026-01-15", 500, &[("CA", 500)]),
                &["individuals@2026-03-16", "hhs@2026-03-16"],
            ),
            // 501 in one state: media notice for that state only
            (
                facts("2026-01-15", 800, &[("CA", 501), ("NV", 299)]),
                &[
                    "individuals@2026-03-16",
                    "media:CA@2026-03-16",
                    "hhs@2026-03-16",
                ],
            ),
            // per state, not in total: 2 × 400 = 800 gives no media notice
            (
                facts("2026-01-15", 800, &[("CA", 400), ("NV", 400)]),
                &["individuals@2026-03-16", "hhs@2026-03-16"],
            ),
            // several states over the threshold: one media notice each
            (
                facts("2024-02-29", 2000, &[("NY", 900), ("NJ", 1100)]),
                &[
                    "individuals@2024-04-29",
                    "media:NJ@2024-04-29",
                    "media:NY@2024-04-29",
                    "hhs@2024-04-29",
                ],
            ),
        ];
        for (f, expected) in cases {
            assert_eq!(
                summary(&notification_deadlines(f, &[])),
                *expected,
                "D0 {}",
                f.discovered
            );
        }
    }

    #[test]
    fn business_associate_notifies_the_covered_entity() {
        let f = BreachFacts {
            business_associate: true,
            ..facts("2026-05-01", 5000, &[("TX", 5000)])
        };
        let ds = notification_deadlines(&f, &[]);
        assert_eq!(summary(&ds), ["covered_entity@2026-06-30"]);
        assert_eq!(ds[0].citation, "45 CFR 164.410(b)");
    }

    #[test]
    fn written_hold_moves_deadline_to_its_end() {
        let hold = LawEnforcementHold {
            written: true,
            stated_on: day("2026-02-01"),
            until: Some(day("2026-05-01")),
            official: "Det. Ray".into(),
        };
        let f = BreachFacts {
            hold: Some(hold),
            ..facts("2026-01-15", 10, &[])
        };
        let ds = notification_deadlines(&f, &[]);
        assert_eq!(ds[0].due, day("2026-05-01"));
        assert_eq!(ds[0].regular_due, Some(day("2026-03-16")));
        // the HHS annual log is later than the hold: unchanged
        assert_eq!(ds[1].due, day("2027-03-01"));
        assert_eq!(ds[1].regular_due, None);
    }

    #[test]
    fn oral_hold_lasts_at_most_thirty_days() {
        let oral = |until: Option<&str>| LawEnforcementHold {
            written: false,
            stated_on: day("2026-03-01"),
            until: until.map(day),
            official: "Agent K".into(),
        };
        assert_eq!(oral(None).end(), day("2026-03-31"));
        assert_eq!(oral(Some("2026-06-01")).end(), day("2026-03-31"));
        assert_eq!(oral(Some("2026-03-10")).end(), day("2026-03-10"));
        let f = BreachFacts {
            hold: Some(oral(Some("2026-09-01"))),
            ..facts("2026-02-01", 10, &[])
        };
        assert_eq!(notification_deadlines(&f, &[])[0].due, day("2026-04-02"));
    }

    #[test]
    fn substitute_notice_at_ten_missing_contacts() {
        let mut f = facts("2026-01-01", 100, &[]);
        f.missing_contacts = 9;
        assert!(
            !summary(&notification_deadlines(&f, &[]))
                .iter()
                .any(|s| s.starts_with("substitute"))
        );
        f.missing_contacts = 10;
        assert!(
            summary(&notification_deadlines(&f, &[]))
                .contains(&"substitute_notice@2026-05-31".to_string())
        );
    }

    #[test]
    fn configured_state_rules_appear_beside_federal_ones() {
        let rules = vec![
            ExtraRule {
                name: "Texas AG".into(),
                state: Some("TX".into()),
                min_residents: 249,
                days: 30,
                basis: "Tex. Bus. & Com. Code 521.053".into(),
            },
            ExtraRule {
                name: "Colorado".into(),
                state: Some("CO".into()),
                min_residents: 0,
                days: 30,
                basis: "C.R.S. 6-1-716".into(),
            },
        ];
        let ds = notification_deadlines(&facts("2026-01-01", 300, &[("TX", 250)]), &rules);
        let state: Vec<_> = ds
            .iter()
            .filter(|d| d.kind == DeadlineKind::StateRule)
            .collect();
        assert_eq!(state.len(), 1);
        assert_eq!(state[0].name.as_deref(), Some("Texas AG"));
        assert_eq!(state[0].due, day("2026-01-31"));
    }

    #[test]
    fn status_follows_the_calendar_and_the_notices() {
        let ds = notification_deadlines(&facts("2026-01-01", 10, &[]), &[]);
        let at = |today: &str, notices: &[NoticeRecord]| {
            with_status(ds.clone(), notices, day(today))[0].clone()
        };
        assert_eq!(at("2026-02-01", &[]).status, Some(DeadlineStatus::Open));
        assert_eq!(at("2026-02-01", &[]).days_left, Some(29));
        assert_eq!(at("2026-03-02", &[]).status, Some(DeadlineStatus::DueToday));
        assert_eq!(at("2026-03-03", &[]).status, Some(DeadlineStatus::Overdue));
        assert_eq!(at("2026-03-03", &[]).days_left, Some(-1));
        let sent = |on: &str| NoticeRecord {
            kind: DeadlineKind::Individuals,
            state: None,
            sent_on: day(on),
        };
        assert_eq!(
            at("2026-04-01", &[sent("2026-02-10")]).status,
            Some(DeadlineStatus::Met)
        );
        assert_eq!(
            at("2026-04-01", &[sent("2026-03-10")]).status,
            Some(DeadlineStatus::MetLate)
        );
    }

    #[test]
    fn internal_clocks_skip_weekends() {
        // Friday report: triage due Monday
        let ds = internal_deadlines(
            day("2026-12-04"),
            day("2026-12-01"),
            &SlaSettings::default(),
        );
        assert_eq!(ds[0].due, day("2026-12-07"));
        assert_eq!(ds[1].due, day("2026-12-11"));
        assert_eq!(plus_business_days(day("2026-12-05"), 1), day("2026-12-07"));
    }
}
