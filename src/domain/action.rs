//! Corrective actions: who does what by when, until someone else verifies it.

use super::incident::wire_enum;
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

wire_enum! {
    /// Where a corrective action stands.
    ActionStatus {
        Open => "open",
        InProgress => "in_progress",
        Done => "done",
        Verified => "verified",
        Cancelled => "cancelled",
    }
}

impl ActionStatus {
    /// Whether the action still needs work (counts against closing the incident).
    pub fn is_open(self) -> bool {
        matches!(self, ActionStatus::Open | ActionStatus::InProgress)
    }
}

/// A corrective action with an owner and a due date.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Action {
    /// Action id (`ACT-…`).
    pub id: String,
    /// The incident it corrects.
    pub incident_id: String,
    /// What is to be done.
    pub title: String,
    /// Who does it.
    pub owner: String,
    /// By when.
    pub due: NaiveDate,
    /// Progress.
    pub status: ActionStatus,
    /// Escalation level reached (0 = owner).
    pub escalation_level: u32,
    /// Created.
    pub created_at: DateTime<Utc>,
    /// When it was done.
    pub completed_at: Option<DateTime<Utc>>,
    /// Who verified it (never its owner).
    pub verified_by: Option<String>,
    /// Why it was last re-dated.
    #[serde(default)]
    pub redate_reason: Option<String>,
    /// Optimistic-concurrency version.
    pub version: i64,
}

/// A new corrective action.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewAction {
    /// What is to be done.
    pub title: String,
    /// Who does it.
    pub owner: String,
    /// By when (not before the incident's discovery date).
    pub due: NaiveDate,
}

/// A partial update of an action.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ActionPatch {
    /// The version the client last saw (or send `If-Match`).
    #[serde(default)]
    pub version: Option<i64>,
    /// New title.
    #[serde(default)]
    pub title: Option<String>,
    /// New owner (lead+).
    #[serde(default)]
    pub owner: Option<String>,
    /// New due date (lead+, needs `reason`).
    #[serde(default)]
    pub due: Option<NaiveDate>,
    /// New status.
    #[serde(default)]
    pub status: Option<ActionStatus>,
    /// Why the due date moves.
    #[serde(default)]
    pub reason: Option<String>,
    /// New escalation level (lead+).
    #[serde(default)]
    pub escalation_level: Option<u32>,
}
