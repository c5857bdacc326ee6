//! Envelopes of the HTTP API that are not domain records themselves: errors, pages, search hits,
//! board, stats, events. Shared by server and client so the two cannot drift.

use super::action::Action;
use super::incident::Incident;
use super::role::Role;
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use utoipa::ToSchema;

/// The body of every error response.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct ErrorBody {
    /// The error.
    pub error: ErrorDetail,
}

/// What went wrong, in words and as a stable code.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct ErrorDetail {
    /// Stable machine code: `malformed`, `unauthorized`, `forbidden`, `not_found`, `conflict`,
    /// `too_large`, `unsupported_media_type`, `invalid`, `rate_limited`, `internal`.
    pub code: String,
    /// A human explanation.
    pub message: String,
    /// The offending field, when one is to blame.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
    /// The current record, on a version conflict.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Object)]
    pub current: Option<serde_json::Value>,
}

/// One page of incidents.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct IncidentPage {
    /// The incidents on this page.
    pub items: Vec<Incident>,
    /// Pass as `cursor` to get the next page; absent on the last page.
    pub next_cursor: Option<String>,
}

/// A new analysis note.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewNote {
    /// The note text (1–20,000 characters).
    pub text: String,
}

/// One search result.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct SearchHit {
    /// Incident id.
    pub id: String,
    /// Title.
    pub title: String,
    /// Site.
    pub site: String,
    /// Status.
    pub status: String,
    /// Determination.
    pub determination: String,
    /// Score, higher is better.
    pub score: i64,
    /// Which field matched best.
    pub field: String,
    /// Character positions that matched within `title` (for highlighting).
    pub title_positions: Vec<usize>,
}

/// Search results.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct SearchResults {
    /// The query as understood.
    pub query: String,
    /// Records that matched in total.
    pub total: usize,
    /// The best hits, best first.
    pub hits: Vec<SearchHit>,
}

/// A due bucket on the board.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, ToSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum DueBucket {
    /// Past due.
    Overdue,
    /// Due today.
    Today,
    /// Due within seven days.
    ThisWeek,
    /// Later.
    Later,
}

impl DueBucket {
    /// The bucket of `due` as seen on `today`.
    pub fn of(due: NaiveDate, today: NaiveDate) -> Self {
        let days = (due - today).num_days();
        match days {
            d if d < 0 => DueBucket::Overdue,
            0 => DueBucket::Today,
            1..=7 => DueBucket::ThisWeek,
            _ => DueBucket::Later,
        }
    }

    /// Label for headings.
    pub fn label(self) -> &'static str {
        match self {
            DueBucket::Overdue => "overdue",
            DueBucket::Today => "today",
            DueBucket::ThisWeek => "this week",
            DueBucket::Later => "later",
        }
    }
}

/// One line of work on the board: a corrective action or a notification deadline.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct BoardItem {
    /// `action` or `deadline`.
    pub kind: String,
    /// The incident.
    pub incident_id: String,
    /// The action id, for actions.
    pub action_id: Option<String>,
    /// What is due.
    pub title: String,
    /// Who owns it (`unassigned` when nobody does).
    pub owner: String,
    /// When.
    pub due: NaiveDate,
    /// Bucket as of the server's today.
    pub bucket: DueBucket,
    /// Escalation level.
    pub escalation_level: u32,
    /// Status of the action or deadline.
    pub status: String,
    /// The action's version (for updates), 0 for deadlines.
    pub version: i64,
    /// Citation, for deadlines.
    pub citation: Option<String>,
}

/// Open work grouped by owner and by due bucket.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Board {
    /// The server's today.
    pub today: NaiveDate,
    /// All open items, most urgent first.
    pub items: Vec<BoardItem>,
    /// Item indexes per owner.
    pub by_owner: BTreeMap<String, Vec<usize>>,
    /// Item counts per bucket.
    pub by_bucket: BTreeMap<String, usize>,
}

/// A count in one period.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct PeriodCount {
    /// First day of the period.
    pub period: NaiveDate,
    /// How many.
    pub count: u64,
}

/// A recurring pattern: the same kind of event at the same place, again and again.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Pattern {
    /// e.g. "misdirected fax · North Campus"; for near-identical descriptions, the title of the
    /// earliest report.
    pub label: String,
    /// What the incidents share: `combination` (category × site) or `near_duplicate`
    /// (near-identical descriptions: each at least 80% the same word pairs as the earliest
    /// report's, numbers, dates and names aside).
    #[serde(default = "combination")]
    pub kind: String,
    /// Incidents in the window.
    pub count: u64,
    /// In the last 90 days.
    pub last_90_days: u64,
    /// In the last year.
    pub last_year: u64,
    /// Counts per period (oldest first).
    pub series: Vec<u64>,
    /// Slope sign of the series: `rising`, `falling`, `flat`.
    pub trend: String,
    /// After the first corrective action of the pattern: `falling after actions`, `not falling
    /// after actions`; absent without actions.
    #[serde(default)]
    pub after_actions: Option<String>,
    /// A few incident ids in the pattern (for near-identical descriptions, the earliest report
    /// first).
    pub examples: Vec<String>,
}

/// The kind of a pattern sent without one (by a server from before kinds existed).
fn combination() -> String {
    "combination".into()
}

/// Counts over time, recurring patterns and follow-up health.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Stats {
    /// Window start.
    pub from: NaiveDate,
    /// Window end.
    pub to: NaiveDate,
    /// Period length: `week` or `month`.
    pub by: String,
    /// Incidents discovered in the window.
    pub total: u64,
    /// Counts per category.
    pub by_category: BTreeMap<String, u64>,
    /// Counts per site.
    pub by_site: BTreeMap<String, u64>,
    /// Counts per determination.
    pub by_determination: BTreeMap<String, u64>,
    /// Counts per period.
    pub series: Vec<PeriodCount>,
    /// Counts per period for each category (same periods as `series`).
    #[serde(default)]
    pub category_series: BTreeMap<String, Vec<u64>>,
    /// Counts per period for each site.
    #[serde(default)]
    pub site_series: BTreeMap<String, Vec<u64>>,
    /// Near misses per breach (absent without breaches).
    pub near_miss_to_breach: Option<f64>,
    /// Open corrective actions.
    pub open_actions: u64,
    /// Overdue corrective actions.
    pub overdue_actions: u64,
    /// Overdue actions per owner.
    pub overdue_by_owner: BTreeMap<String, u64>,
    /// Median hours from report to triage.
    pub median_hours_to_triage: Option<f64>,
    /// Median hours from report to close.
    pub median_hours_to_close: Option<f64>,
    /// 90th percentile hours from report to triage.
    #[serde(default)]
    pub p90_hours_to_triage: Option<f64>,
    /// Median hours from report to the lead's determination.
    #[serde(default)]
    pub median_hours_to_determination: Option<f64>,
    /// 90th percentile hours from report to determination.
    #[serde(default)]
    pub p90_hours_to_determination: Option<f64>,
    /// 90th percentile hours from report to close.
    #[serde(default)]
    pub p90_hours_to_close: Option<f64>,
    /// Clocks met on time.
    #[serde(default)]
    pub clocks_met: u64,
    /// Clocks missed (overdue) or met late.
    #[serde(default)]
    pub clocks_missed: u64,
    /// Top recurring patterns (category × site).
    pub patterns: Vec<Pattern>,
    /// Top groups of incidents with near-identical descriptions (kind `near_duplicate`).
    #[serde(default)]
    pub clusters: Vec<Pattern>,
}

/// A change pushed to every console over SSE.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct ServerEvent {
    /// `incident.created`, `incident.updated` or `action.updated`.
    pub kind: String,
    /// The record's id.
    pub id: String,
    /// The incident it belongs to.
    pub incident_id: String,
    /// The record's new version.
    pub version: i64,
    /// Audit sequence number (monotonic; use for catch-up).
    pub seq: i64,
    /// When.
    pub at: DateTime<Utc>,
}

/// Who the token belongs to.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Whoami {
    /// User name.
    pub user: String,
    /// Role.
    pub role: Role,
}

/// Liveness.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Health {
    /// `ok` or `degraded`.
    pub status: String,
    /// `sqlite` or `postgres`.
    pub database: String,
    /// Whether the database answered.
    pub database_ok: bool,
}

/// One imported record, keyed so a second import of the same row adds nothing.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ImportRecord {
    /// Stable key of the source row (e.g. a hash of its content).
    pub import_key: String,
    /// The incident to create (id, version and times are assigned by the server).
    pub title: String,
    /// Description.
    pub description: String,
    /// Site or entity state.
    pub site: String,
    /// The organisation named in the record.
    pub entity: Option<String>,
    /// Discovery date.
    pub discovered_at: NaiveDate,
    /// Final status.
    pub status: super::incident::Status,
    /// Determination.
    pub determination: super::incident::Determination,
    /// Classification.
    pub classification: super::classification::Classification,
}

/// A batch of records to import.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ImportBatch {
    /// Up to 1,000 records.
    pub records: Vec<ImportRecord>,
}

/// What a batch import did.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct ImportOutcome {
    /// New incidents created.
    pub created: u64,
    /// Records already imported before (same key).
    pub duplicates: u64,
}

/// A list of actions (for `mine`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct ActionList {
    /// Actions, nearest due first.
    pub items: Vec<Action>,
}

/// Issued token, shown once.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct IssuedToken {
    /// The secret to use as bearer token.
    pub token: String,
    /// User.
    pub user: String,
    /// Role.
    pub role: Role,
}
