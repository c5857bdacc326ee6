//! The incident record and the requests that create and change it.

use super::action::Action;
use super::assessment::RiskAssessment;
use super::classification::{Classification, RootCause};
use super::deadlines::{Deadline, LawEnforcementHold, NoticeRecord};
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// Generates a small closed enum with snake_case wire names.
macro_rules! wire_enum {
    ($(#[$meta:meta])* $name:ident { $($variant:ident => $wire:tt),+ $(,)? }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, ToSchema)]
        pub enum $name {
            $(#[serde(rename = $wire)] $variant),+
        }

        impl $name {
            /// Every value, in lifecycle or display order.
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            /// The wire name.
            pub fn as_str(self) -> &'static str {
                match self { $($name::$variant => $wire),+ }
            }

            /// Parses a wire name.
            pub fn parse(s: &str) -> Option<Self> {
                Self::ALL.iter().copied().find(|v| v.as_str().eq_ignore_ascii_case(s.trim()))
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
}
pub(crate) use wire_enum;

wire_enum! {
    /// Where in the handling workflow an incident stands.
    Status {
        New => "new",
        Triaged => "triaged",
        Investigating => "investigating",
        Actions => "actions",
        Closed => "closed",
    }
}

wire_enum! {
    /// The lead's decision on what this was (HIPAA.md).
    Determination {
        Undetermined => "undetermined",
        NearMiss => "near_miss",
        Incident => "incident",
        Breach => "breach",
    }
}

wire_enum! {
    /// How the report reached us.
    Source {
        Cli => "cli",
        Web => "web",
        Api => "api",
        Webhook => "webhook",
        Import => "import",
        Console => "console",
    }
}

/// An analysis note on the incident's timeline.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Note {
    /// Note id (`N-…`).
    pub id: String,
    /// Who wrote it.
    pub author: String,
    /// When it was written.
    pub at: DateTime<Utc>,
    /// The note text, stored exactly as given.
    pub text: String,
}

/// One incident or near miss, with everything decided about it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Incident {
    /// Human-readable id, e.g. `INC-2026-000042`.
    pub id: String,
    /// Short title.
    pub title: String,
    /// What happened, as reported.
    pub description: String,
    /// Who reported it.
    pub reported_by: String,
    /// When it was reported.
    pub reported_at: DateTime<Utc>,
    /// Discovery date D0 (164.404(a)(2)); every clock hangs on it.
    pub discovered_at: NaiveDate,
    /// When it happened, if known.
    pub occurred_at: Option<NaiveDate>,
    /// Site (campus, clinic).
    pub site: String,
    /// Department, if known.
    pub department: Option<String>,
    /// Intake channel.
    pub source: Source,
    /// Workflow status.
    pub status: Status,
    /// The lead's determination.
    pub determination: Determination,
    /// Category, reach and severity.
    pub classification: Classification,
    /// The documented four-factor risk assessment.
    pub risk_assessment: Option<RiskAssessment>,
    /// Owner of the response.
    pub owner: Option<String>,
    /// Escalation level (0 = owner, 1 = lead, 2 = privacy officer…).
    pub escalation_level: u32,
    /// Root cause analysis.
    pub root_cause: RootCause,
    /// Notices sent, so clocks can show "met".
    #[serde(default)]
    pub notices: Vec<NoticeRecord>,
    /// A law-enforcement hold that delays notices (164.412).
    #[serde(default)]
    pub hold: Option<LawEnforcementHold>,
    /// Why the incident was closed with open work, when a lead did so.
    #[serde(default)]
    pub close_reason: Option<String>,
    /// Named organisation (e.g. covered entity in imported records).
    #[serde(default)]
    pub entity: Option<String>,
    /// Analysis notes, oldest first.
    #[serde(default)]
    pub notes: Vec<Note>,
    /// Corrective actions.
    #[serde(default)]
    pub actions: Vec<Action>,
    /// Computed clocks (read-only).
    #[serde(default)]
    pub deadlines: Vec<Deadline>,
    /// Closest past incidents (read-only, on GET of one incident).
    #[serde(default)]
    pub similar: Vec<SimilarRef>,
    /// The determination the rules suggest, with reasons (read-only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub suggestion: Option<super::assessment::Suggestion>,
    /// "misdirected fax · North · 7 in 90 days, 19 in a year" (read-only, on GET of one).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub recurrence: Option<String>,
    /// Optimistic-concurrency version; starts at 1.
    pub version: i64,
    /// Creation time.
    pub created_at: DateTime<Utc>,
    /// Last change time.
    pub updated_at: DateTime<Utc>,
}

/// A pointer to a similar past incident with its score and the reasons.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct SimilarRef {
    /// Incident id.
    pub id: String,
    /// Its title.
    pub title: String,
    /// Similarity score, higher is closer.
    pub score: f64,
    /// Why it is similar: shared words, same site, same category.
    pub why: Vec<String>,
}

/// A low-threshold report: what a reporter sends.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewReport {
    /// Short title (required, 1–200 characters).
    pub title: String,
    /// What happened.
    #[serde(default)]
    pub description: String,
    /// Site (required).
    pub site: String,
    /// Discovery date; today when missing.
    #[serde(default)]
    pub discovered_at: Option<NaiveDate>,
    /// When it happened.
    #[serde(default)]
    pub occurred_at: Option<NaiveDate>,
    /// Department.
    #[serde(default)]
    pub department: Option<String>,
    /// Intake channel; `api` when missing.
    #[serde(default)]
    pub source: Option<Source>,
}

/// A partial update of an incident. Fields left out are unchanged.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct IncidentPatch {
    /// The version the client last saw (or send `If-Match`).
    #[serde(default)]
    pub version: Option<i64>,
    /// New title.
    #[serde(default)]
    pub title: Option<String>,
    /// New description.
    #[serde(default)]
    pub description: Option<String>,
    /// New site.
    #[serde(default)]
    pub site: Option<String>,
    /// New department.
    #[serde(default)]
    pub department: Option<String>,
    /// New status (lifecycle rules apply; closing is lead+).
    #[serde(default)]
    pub status: Option<Status>,
    /// New determination (lead+).
    #[serde(default)]
    pub determination: Option<Determination>,
    /// Replace the classification.
    #[serde(default)]
    pub classification: Option<Classification>,
    /// Replace the risk assessment.
    #[serde(default)]
    pub risk_assessment: Option<RiskAssessment>,
    /// Replace the root cause.
    #[serde(default)]
    pub root_cause: Option<RootCause>,
    /// New owner (lead+).
    #[serde(default)]
    pub owner: Option<String>,
    /// New escalation level (lead+).
    #[serde(default)]
    pub escalation_level: Option<u32>,
    /// New discovery date D0 (lead+, audited).
    #[serde(default)]
    pub discovered_at: Option<NaiveDate>,
    /// New occurrence date.
    #[serde(default)]
    pub occurred_at: Option<NaiveDate>,
    /// Replace the notices sent (lead+).
    #[serde(default)]
    pub notices: Option<Vec<NoticeRecord>>,
    /// Set the law-enforcement hold (lead+).
    #[serde(default)]
    pub hold: Option<LawEnforcementHold>,
    /// Reason for closing with open work (lead+).
    #[serde(default)]
    pub close_reason: Option<String>,
}

impl IncidentPatch {
    /// Whether the patch touches a field that only a lead may change.
    pub fn needs_lead(&self) -> bool {
        self.determination.is_some()
            || self.owner.is_some()
            || self.escalation_level.is_some()
            || self.discovered_at.is_some()
            || self.notices.is_some()
            || self.hold.is_some()
            || self.close_reason.is_some()
            || self.status == Some(Status::Closed)
    }
}

impl Incident {
    /// An incident with the essentials set and everything else at its starting value: status
    /// new, undetermined, version 1. Generators, importers and tests build on it.
    pub fn minimal(
        id: &str,
        title: &str,
        site: &str,
        discovered_at: NaiveDate,
        at: DateTime<Utc>,
    ) -> Incident {
        Incident {
            id: id.to_string(),
            title: title.to_string(),
            description: String::new(),
            reported_by: "system".into(),
            reported_at: at,
            discovered_at,
            occurred_at: None,
            site: site.to_string(),
            department: None,
            source: Source::Api,
            status: Status::New,
            determination: Determination::Undetermined,
            classification: Classification::default(),
            risk_assessment: None,
            owner: None,
            escalation_level: 0,
            root_cause: RootCause::default(),
            notices: Vec::new(),
            hold: None,
            close_reason: None,
            entity: None,
            notes: Vec::new(),
            actions: Vec::new(),
            deadlines: Vec::new(),
            similar: Vec::new(),
            suggestion: None,
            recurrence: None,
            version: 1,
            created_at: at,
            updated_at: at,
        }
    }
}
