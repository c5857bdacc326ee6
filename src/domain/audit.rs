//! Audit events and the hash chain that makes the trail tamper-evident: each entry carries the
//! hash of the one before it, so an edited or deleted row breaks every hash after it.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use utoipa::ToSchema;

/// One entry of the append-only audit trail.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct AuditEvent {
    /// Position in the chain, from 1.
    pub seq: i64,
    /// When the change happened.
    pub at: DateTime<Utc>,
    /// Who made it (token user).
    pub actor: String,
    /// What happened, e.g. `incident.create`, `action.update`, `token.create`.
    pub action: String,
    /// The incident concerned, if any.
    pub incident_id: Option<String>,
    /// The record changed (incident, action, note or token id).
    pub entity_id: String,
    /// The changed fields before the change.
    #[schema(value_type = Object)]
    pub before: serde_json::Value,
    /// The changed fields after the change.
    #[schema(value_type = Object)]
    pub after: serde_json::Value,
    /// Hash of the previous entry (64 zeros for the first).
    pub prev_hash: String,
    /// Hash of this entry.
    pub hash: String,
}

/// The hash before the first entry.
pub const GENESIS_HASH: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// The hashed content of one audit entry, as stored text.
#[derive(Debug, Clone, Copy)]
pub struct EntryContent<'a> {
    /// Time as stored.
    pub at: &'a str,
    /// Actor.
    pub actor: &'a str,
    /// Action name.
    pub action: &'a str,
    /// Incident id.
    pub incident_id: Option<&'a str>,
    /// Entity id.
    pub entity_id: &'a str,
    /// Before JSON.
    pub before: &'a str,
    /// After JSON.
    pub after: &'a str,
}

/// Computes an entry's hash over its content and the previous hash.
///
/// The input is a length-prefixed sequence of fields, so no two different entries can produce
/// the same byte string.
pub fn entry_hash(prev_hash: &str, seq: i64, content: &EntryContent<'_>) -> String {
    let mut h = Sha256::new();
    let seq = seq.to_string();
    let c = content;
    for part in [
        prev_hash,
        &seq,
        c.at,
        c.actor,
        c.action,
        c.incident_id.unwrap_or(""),
        c.entity_id,
        c.before,
        c.after,
    ] {
        h.update((part.len() as u64).to_be_bytes());
        h.update(part.as_bytes());
    }
    hex::encode(h.finalize())
}

/// The outcome of checking a chain.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChainReport {
    /// Entries checked.
    pub checked: u64,
    /// The first broken entry and why, if any.
    pub first_broken: Option<(i64, String)>,
}

/// A stored audit row, as text exactly as hashed.
#[derive(Debug, Clone)]
pub struct StoredAuditRow {
    /// Sequence number.
    pub seq: i64,
    /// Time as stored text.
    pub at: String,
    /// Actor.
    pub actor: String,
    /// Action name.
    pub action: String,
    /// Incident id.
    pub incident_id: Option<String>,
    /// Entity id.
    pub entity_id: String,
    /// Before, as stored JSON text.
    pub before: String,
    /// After, as stored JSON text.
    pub after: String,
    /// Stored previous hash.
    pub prev_hash: String,
    /// Stored hash.
    pub hash: String,
}

impl StoredAuditRow {
    /// The hashed content of this row.
    pub fn content(&self) -> EntryContent<'_> {
        EntryContent {
            at: &self.at,
            actor: &self.actor,
            action: &self.action,
            incident_id: self.incident_id.as_deref(),
            entity_id: &self.entity_id,
            before: &self.before,
            after: &self.after,
        }
    }
}

/// Verifies a chain given in sequence order: gaps (deleted rows), edited content and broken
/// links are all reported at the first entry where they show.
pub fn verify_chain(rows: impl IntoIterator<Item = StoredAuditRow>) -> ChainReport {
    let mut prev = GENESIS_HASH.to_string();
    let mut checked = 0;
    for (expected_seq, row) in (1i64..).zip(rows) {
        checked += 1;
        if row.seq != expected_seq {
            return ChainReport {
                checked,
                first_broken: Some((
                    row.seq,
                    format!(
                        "expected entry {expected_seq}, found {}: entries missing",
                        row.seq
                    ),
                )),
            };
        }
        if row.prev_hash != prev {
            return ChainReport {
                checked,
                first_broken: Some((row.seq, "previous-hash link does not match".into())),
            };
        }
        let hash = entry_hash(&row.prev_hash, row.seq, &row.content());
        if hash != row.hash {
            return ChainReport {
                checked,
                first_broken: Some((row.seq, "content does not match its hash (edited)".into())),
            };
        }
        prev = row.hash;
    }
    ChainReport {
        checked,
        first_broken: None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn chain(n: i64) -> Vec<StoredAuditRow> {
        let mut prev = GENESIS_HASH.to_string();
        (1..=n)
            .map(|seq| {
                let at = format!("2026-01-01T00:00:{seq:02}Z");
                let content = EntryContent {
                    at: &at,
                    actor: "kim",
                    action: "incident.update",
                    incident_id: Some("INC-1"),
                    entity_id: "INC-1",
                    before: "{}",
                    after: "{\"a\":1}",
                };
                let hash = entry_hash(&prev, seq, &content);
                let row = StoredAuditRow {
                    seq,
                    at,
                    actor: "kim".into(),
                    action: "incident.update".into(),
                    incident_id: Some("INC-1".into()),
                    entity_id: "INC-1".into(),
                    before: "{}".into(),
                    after: "{\"a\":1}".into(),
                    prev_hash: prev.clone(),
                    hash: hash.clone(),
                };
                prev = hash;
                row
            })
            .collect()
    }

    #[test]
    fn intact_chain_verifies() {
        let r = verify_chain(chain(5));
        assert_eq!(
            r,
            ChainReport {
                checked: 5,
                first_broken: None
            }
        );
    }

    #[test]
    fn edit_and_delete_are_found_at_the_right_entry() {
        let mut edited = chain(5);
        edited[2].actor = "mallory".into();
        assert_eq!(verify_chain(edited).first_broken.map(|b| b.0), Some(3));
        let mut deleted = chain(5);
        deleted.remove(3);
        assert_eq!(verify_chain(deleted).first_broken.map(|b| b.0), Some(5));
        let mut truncated_head = chain(3);
        truncated_head.remove(0);
        assert_eq!(
            verify_chain(truncated_head).first_broken.map(|b| b.0),
            Some(2)
        );
    }
}

/// The top-level fields that differ between two JSON objects, as (before, after) objects.
/// `version` is always included in `after` so events can be rebuilt from the trail.
pub fn diff(
    before: &serde_json::Value,
    after: &serde_json::Value,
) -> (serde_json::Value, serde_json::Value) {
    use serde_json::{Map, Value};
    let empty = Map::new();
    let b = before.as_object().unwrap_or(&empty);
    let a = after.as_object().unwrap_or(&empty);
    let mut out_b = Map::new();
    let mut out_a = Map::new();
    for (key, value) in a {
        let old = b.get(key).unwrap_or(&Value::Null);
        if old != value && key != "updated_at" && key != "version" {
            out_b.insert(key.clone(), old.clone());
            out_a.insert(key.clone(), value.clone());
        }
    }
    if let Some(v) = a.get("version") {
        out_a.insert("version".into(), v.clone());
    }
    (Value::Object(out_b), Value::Object(out_a))
}

#[cfg(test)]
mod diff_tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn only_changed_fields_and_version() {
        let (b, a) = diff(
            &json!({"title": "x", "site": "N", "version": 1}),
            &json!({"title": "y", "site": "N", "version": 2}),
        );
        assert_eq!(b, json!({"title": "x"}));
        assert_eq!(a, json!({"title": "y", "version": 2}));
    }
}
