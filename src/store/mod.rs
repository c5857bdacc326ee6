//! Persistence behind one trait. `SqlStore` implements it on SQLite (embedded default) and
//! PostgreSQL with one portable schema; every change and its audit entry commit together.

mod copy;
mod migrate;
mod sql;
mod time;

pub use copy::{CopyError, CopyReport, copy_database};
pub use migrate::migrate;
pub use sql::SqlStore;
pub use time::{format_time, parse_time};

use crate::domain::audit::{AuditEvent, StoredAuditRow};
use crate::domain::redact::{RedactTarget, Redaction, Scrub};
use crate::domain::wire::{ImportOutcome, ServerEvent};
use crate::domain::{Action, Incident, Note, Role, Status};
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use thiserror::Error;

/// Which database engine a store talks to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    /// Embedded SQLite file.
    Sqlite,
    /// PostgreSQL server.
    Postgres,
}

impl Backend {
    /// The name reported by `/healthz`.
    pub fn name(self) -> &'static str {
        match self {
            Backend::Sqlite => "sqlite",
            Backend::Postgres => "postgres",
        }
    }
}

/// What can go wrong in the store.
#[derive(Debug, Error)]
pub enum StoreError {
    /// No such record.
    #[error("{0} not found")]
    NotFound(String),
    /// The record changed since the caller read it; carries the current record as JSON.
    #[error("version conflict: the record was changed by someone else")]
    Conflict(Box<serde_json::Value>),
    /// The database failed.
    #[error("database error: {0}")]
    Database(#[from] sqlx::Error),
    /// A stored document could not be read back.
    #[error("stored record is unreadable: {0}")]
    Corrupt(String),
    /// The request names something the record does not hold (e.g. a redaction of a note that
    /// is not the incident's, or of text that is not there).
    #[error("{field}: {message}")]
    Invalid {
        /// The request field to blame.
        field: String,
        /// Why.
        message: String,
    },
    /// The idempotency key was used before by the same actor: nothing was created again.
    #[error("idempotency key already used")]
    Replayed {
        /// The record the first request made.
        entity_id: String,
        /// Whether this request is the same as the first (a retry) or a different one.
        same_request: bool,
    },
    /// The audit trail does not verify where a write would change it (a redaction refuses to
    /// scrub an entry that was already tampered with, which would hide the tampering).
    #[error("audit trail integrity: {0}")]
    Integrity(String),
}

/// An `Idempotency-Key` a create is made with, so a client that never heard the answer can
/// retry without making the record twice.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Idempotency {
    /// The client's key (unique per change it makes).
    pub key: String,
    /// A digest of what was asked (route and body): the same key with another request is an
    /// error, not a replay.
    pub request: String,
}

/// How long a key is remembered; a retry comes within seconds or, from an outbox, days.
pub const IDEMPOTENCY_DAYS: i64 = 30;

/// Filters for listing incidents.
#[derive(Debug, Clone, Default)]
pub struct ListFilter {
    /// Any of these statuses.
    pub status: Vec<Status>,
    /// Determination wire name.
    pub determination: Option<String>,
    /// Category substring (HHS type, location or subtype).
    pub category: Option<String>,
    /// Owner.
    pub owner: Option<String>,
    /// Site substring.
    pub site: Option<String>,
    /// Text substring over title, description, site, entity.
    pub q: Option<String>,
    /// Only records changed after this time.
    pub since: Option<DateTime<Utc>>,
    /// Only records reported by this user (reporters see their own).
    pub reported_by: Option<String>,
    /// Resume after this position (from a cursor).
    pub after_seq: Option<i64>,
    /// Page size.
    pub limit: usize,
}

/// One change to record in the audit trail.
#[derive(Debug, Clone)]
pub struct Change {
    /// Who.
    pub actor: String,
    /// What, e.g. `incident.update`.
    pub action: String,
    /// The incident concerned.
    pub incident_id: Option<String>,
    /// The record changed.
    pub entity_id: String,
    /// Changed fields before.
    pub before: serde_json::Value,
    /// Changed fields after.
    pub after: serde_json::Value,
}

/// Every incident matching `filter`, following the pages (reports, the board, escalations).
pub async fn list_all(
    store: &dyn Store,
    mut filter: ListFilter,
) -> Result<Vec<Incident>, StoreError> {
    let mut out = Vec::new();
    filter.limit = filter.limit.clamp(1, 1000);
    loop {
        let (page, next) = store.list_incidents(&filter).await?;
        out.extend(page);
        match next {
            Some(seq) => filter.after_seq = Some(seq),
            None => return Ok(out),
        }
    }
}

/// A filter for every incident not yet closed.
pub fn open_filter() -> ListFilter {
    ListFilter {
        status: vec![
            Status::New,
            Status::Triaged,
            Status::Investigating,
            Status::Actions,
        ],
        limit: 1000,
        ..Default::default()
    }
}

/// A stored API token (only its salted hash).
#[derive(Debug, Clone)]
pub struct TokenRecord {
    /// Public token id (the part before the secret).
    pub id: String,
    /// User name.
    pub user: String,
    /// Role.
    pub role: Role,
    /// Hex salt.
    pub salt: String,
    /// Hex SHA-256 of salt and secret.
    pub hash: String,
    /// Expiry.
    pub expires_at: Option<DateTime<Utc>>,
    /// Revocation time.
    pub revoked_at: Option<DateTime<Utc>>,
}

/// An admin's redaction of one text of an incident, as the store carries it out.
#[derive(Debug, Clone)]
pub struct RedactRequest {
    /// The incident.
    pub incident_id: String,
    /// The field or note whose text goes.
    pub target: RedactTarget,
    /// The whole text or a phrase.
    pub scrub: Scrub,
    /// Why (recorded in the redaction's audit entry).
    pub reason: String,
    /// Who (an admin).
    pub actor: String,
    /// The incident version the admin saw.
    pub expected_version: i64,
}

/// A committed write: the value and its audit sequence number (for events).
#[derive(Debug, Clone)]
pub struct Committed<T> {
    /// What was written.
    pub value: T,
    /// The audit entry's sequence number.
    pub seq: i64,
}

/// The persistence contract shared by every back end.
#[async_trait]
pub trait Store: Send + Sync {
    /// Which engine this is.
    fn backend(&self) -> Backend;
    /// Whether the database answers.
    async fn ping(&self) -> bool;
    /// Creates an incident (its id is assigned here) and its audit entry. With `idem`, a key
    /// this actor used before answers [`StoreError::Replayed`] instead of creating again.
    async fn create_incident(
        &self,
        incident: Incident,
        actor: &str,
        at: DateTime<Utc>,
        idem: Option<&Idempotency>,
    ) -> Result<Committed<Incident>, StoreError>;
    /// Imports records keyed by `import_key`; a key seen before is skipped.
    async fn import(
        &self,
        records: Vec<(String, Incident)>,
        actor: &str,
        at: DateTime<Utc>,
    ) -> Result<(ImportOutcome, Vec<ServerEvent>), StoreError>;
    /// One incident with notes and actions.
    async fn get_incident(&self, id: &str) -> Result<Incident, StoreError>;
    /// A page of incidents (with notes and actions) and the position after the last one.
    async fn list_incidents(
        &self,
        filter: &ListFilter,
    ) -> Result<(Vec<Incident>, Option<i64>), StoreError>;
    /// Replaces an incident if its stored version is still `expected_version`.
    async fn update_incident(
        &self,
        updated: Incident,
        expected_version: i64,
        change: Change,
        at: DateTime<Utc>,
    ) -> Result<Committed<Incident>, StoreError>;
    /// Appends a note (`idem` as for [`Store::create_incident`]).
    async fn add_note(
        &self,
        incident_id: &str,
        author: &str,
        text: &str,
        at: DateTime<Utc>,
        idem: Option<&Idempotency>,
    ) -> Result<Committed<Note>, StoreError>;
    /// Adds a corrective action (its id is assigned here; `idem` as for
    /// [`Store::create_incident`]).
    async fn add_action(
        &self,
        action: Action,
        actor: &str,
        at: DateTime<Utc>,
        idem: Option<&Idempotency>,
    ) -> Result<Committed<Action>, StoreError>;
    /// One action.
    async fn get_action(&self, id: &str) -> Result<Action, StoreError>;
    /// Replaces an action if its stored version is still `expected_version`.
    async fn update_action(
        &self,
        updated: Action,
        expected_version: i64,
        change: Change,
        at: DateTime<Utc>,
    ) -> Result<Committed<Action>, StoreError>;
    /// Every action not done, verified or cancelled.
    async fn open_actions(&self) -> Result<Vec<Action>, StoreError>;
    /// Redacts one text of an incident in one transaction: the record's current text, every
    /// copy the incident's audit entries keep of it, and a new redaction entry recording which
    /// texts were scrubbed (never the text). Refused with a conflict when the incident is no
    /// longer at `expected_version`.
    async fn redact(
        &self,
        request: RedactRequest,
        at: DateTime<Utc>,
    ) -> Result<Committed<Redaction>, StoreError>;
    /// Audit entries, optionally for one incident and after a sequence number.
    async fn audit(
        &self,
        incident_id: Option<&str>,
        after_seq: i64,
        limit: usize,
    ) -> Result<Vec<AuditEvent>, StoreError>;
    /// Every audit row as stored, in order, for chain verification.
    async fn audit_rows(&self) -> Result<Vec<StoredAuditRow>, StoreError>;
    /// Events for every change after `after_seq` (catch-up and cross-node delivery).
    async fn events_since(
        &self,
        after_seq: i64,
        limit: usize,
    ) -> Result<Vec<ServerEvent>, StoreError>;
    /// The newest audit sequence number (0 when the trail is empty).
    async fn latest_seq(&self) -> Result<i64, StoreError>;
    /// Records an audit entry that changes no incident (token issued, login refused…).
    async fn record(&self, change: Change, at: DateTime<Utc>) -> Result<i64, StoreError>;
    /// Stores a new token.
    async fn insert_token(
        &self,
        token: TokenRecord,
        actor: &str,
        at: DateTime<Utc>,
    ) -> Result<(), StoreError>;
    /// Looks up a token by its public id.
    async fn find_token(&self, id: &str) -> Result<Option<TokenRecord>, StoreError>;
    /// Revokes every token of a user, or one token by id; returns how many.
    async fn revoke_tokens(
        &self,
        user_or_id: &str,
        actor: &str,
        at: DateTime<Utc>,
    ) -> Result<u64, StoreError>;
}
