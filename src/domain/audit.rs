//! Audit events and the hash chain that makes the trail tamper-evident: each entry carries the
//! hash of the one before it, so an edited or deleted row breaks every hash after it.
//!
//! Entries are hashed over salted digests of their before/after texts (version 2), so an admin
//! can redact a text in place: the digest stays, the salt goes, and the redaction entry records
//! the digest of what the text reads now. Entries written before digests existed are hashed over
//! their raw text (version 1) and keep verifying; a redaction of one records a digest of the
//! whole scrubbed entry instead.

use super::redact::{REDACT_ACTION, RedactionRecord, ScrubbedText, Side};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::collections::HashMap;
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

/// Marks the second hash formula (over content digests), so no input of one formula can equal
/// an input of the other.
pub const CHAIN_V2: &str = "triage-audit-v2";

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

/// Feeds length-prefixed parts to a hasher, so no two different sequences give the same bytes.
fn hash_parts<'a>(parts: impl IntoIterator<Item = &'a str>) -> String {
    let mut h = Sha256::new();
    for part in parts {
        h.update((part.len() as u64).to_be_bytes());
        h.update(part.as_bytes());
    }
    hex::encode(h.finalize())
}

/// Computes a first-version entry's hash over its content (raw texts included) and the previous
/// hash. Entries written before content digests existed keep verifying with it.
pub fn entry_hash(prev_hash: &str, seq: i64, content: &EntryContent<'_>) -> String {
    let seq = seq.to_string();
    let c = content;
    hash_parts([
        prev_hash,
        &seq,
        c.at,
        c.actor,
        c.action,
        c.incident_id.unwrap_or(""),
        c.entity_id,
        c.before,
        c.after,
    ])
}

/// Computes a second-version entry's hash: like [`entry_hash`] but over the digests of the
/// before and after texts instead of the texts, so a text can later be redacted without
/// breaking the chain (the digests stay; see [`text_digest`]).
pub fn entry_hash_v2(
    prev_hash: &str,
    seq: i64,
    content: &EntryContent<'_>,
    before_digest: &str,
    after_digest: &str,
) -> String {
    let seq = seq.to_string();
    let c = content;
    hash_parts([
        CHAIN_V2,
        prev_hash,
        &seq,
        c.at,
        c.actor,
        c.action,
        c.incident_id.unwrap_or(""),
        c.entity_id,
        before_digest,
        after_digest,
    ])
}

/// The digest an entry keeps of one text: SHA-256 over a random salt and the text. The salt is
/// stored beside it and destroyed when the text is redacted, so the digest cannot be used to
/// guess the removed text (an MRN has few enough values to try them all against a bare hash).
pub fn text_digest(salt: &str, text: &str) -> String {
    hash_parts([salt, text])
}

/// Plain hex SHA-256 of a text (of scrubbed texts, which hide nothing).
pub fn sha256_hex(text: &str) -> String {
    hex::encode(Sha256::digest(text.as_bytes()))
}

/// The outcome of checking a chain.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChainReport {
    /// Entries checked.
    pub checked: u64,
    /// The first broken entry and why, if any.
    pub first_broken: Option<(i64, String)>,
    /// Entries checked whose text was redacted (and matches what the redaction recorded).
    #[serde(default)]
    pub redacted: u64,
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
    /// Salted digest of `before` (second-version entries; `None` on older ones).
    pub before_digest: Option<String>,
    /// Salted digest of `after` (second-version entries; `None` on older ones).
    pub after_digest: Option<String>,
    /// The salt of `before_digest`; `None` once `before` was redacted.
    pub before_salt: Option<String>,
    /// The salt of `after_digest`; `None` once `after` was redacted.
    pub after_salt: Option<String>,
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

    /// Whether this row is hashed over content digests (and so can be redacted in place).
    pub fn has_digests(&self) -> bool {
        self.before_digest.is_some() && self.after_digest.is_some()
    }

    /// Checks the row on its own (its hash against its content and stored previous hash, and
    /// each text against its digest or, once redacted, against what the last redaction of it
    /// recorded). `Ok(true)` when the row verified through a redaction.
    pub fn check(&self, claims: &Claims) -> Result<bool, String> {
        const EDITED: &str = "content does not match its hash (edited)";
        match (&self.before_digest, &self.after_digest) {
            (None, None) => {
                if entry_hash(&self.prev_hash, self.seq, &self.content()) == self.hash {
                    return Ok(false);
                }
                match claims.get(self.seq, Side::Entry) {
                    Some((r, digest)) if row_digest(self) == digest => {
                        debug_assert!(r > self.seq);
                        Ok(true)
                    }
                    Some((r, _)) => Err(format!(
                        "redacted entry differs from what redaction entry {r} recorded (edited)"
                    )),
                    None => Err(EDITED.into()),
                }
            }
            (Some(before_digest), Some(after_digest)) => {
                let hash = entry_hash_v2(
                    &self.prev_hash,
                    self.seq,
                    &self.content(),
                    before_digest,
                    after_digest,
                );
                if hash != self.hash {
                    return Err(EDITED.into());
                }
                let mut redacted = false;
                for (side, text, digest, salt) in [
                    (Side::Before, &self.before, before_digest, &self.before_salt),
                    (Side::After, &self.after, after_digest, &self.after_salt),
                ] {
                    let name = side_name(side);
                    match salt {
                        Some(salt) if text_digest(salt, text) == *digest => {}
                        Some(_) => {
                            return Err(format!("{name} text does not match its digest (edited)"));
                        }
                        None => match claims.get(self.seq, side) {
                            Some((_, recorded)) if sha256_hex(text) == recorded => redacted = true,
                            Some((r, _)) => {
                                return Err(format!(
                                    "redacted {name} text differs from what redaction entry {r} recorded (edited)"
                                ));
                            }
                            None => {
                                return Err(format!(
                                    "{name} text lost its salt and no redaction entry records it (edited)"
                                ));
                            }
                        },
                    }
                }
                Ok(redacted)
            }
            _ => Err("entry has one content digest but not the other (edited)".into()),
        }
    }
}

fn side_name(side: Side) -> &'static str {
    match side {
        Side::Before => "before",
        Side::After => "after",
        Side::Entry => "entry",
    }
}

/// The digest a redaction records of a whole older entry (one hashed over raw text, whose hash
/// cannot be recomputed once its text is scrubbed): every stored field, scrubbed texts included.
pub fn row_digest(row: &StoredAuditRow) -> String {
    let seq = row.seq.to_string();
    hash_parts([
        "triage-audit-entry",
        &seq,
        &row.at,
        &row.actor,
        &row.action,
        row.incident_id.as_deref().unwrap_or(""),
        &row.entity_id,
        &row.before,
        &row.after,
        &row.prev_hash,
        &row.hash,
    ])
}

/// What the redaction entries of a trail vouch for: for each (entry, side) the last redaction
/// that scrubbed it and the digest of the text it left.
#[derive(Debug, Clone, Default)]
pub struct Claims {
    by_text: HashMap<(i64, Side), (i64, String)>,
}

impl Claims {
    /// Reads every redaction entry among `rows`. A redaction entry is checked like any other
    /// when the chain reaches it, so a forged claim still fails verification there.
    pub fn collect<'a>(rows: impl IntoIterator<Item = &'a StoredAuditRow>) -> Claims {
        let mut claims = Claims::default();
        for row in rows {
            if row.action != REDACT_ACTION {
                continue;
            }
            if let Ok(record) = serde_json::from_str::<RedactionRecord>(&row.after) {
                claims.add(row.seq, &record.scrubbed);
            }
        }
        claims
    }

    /// Adds the texts scrubbed by redaction entry `redaction_seq`; only earlier entries count,
    /// and for each text the latest redaction wins.
    pub fn add(&mut self, redaction_seq: i64, scrubbed: &[ScrubbedText]) {
        for s in scrubbed.iter().filter(|s| s.seq < redaction_seq) {
            let slot = self.by_text.entry((s.seq, s.side));
            match slot {
                std::collections::hash_map::Entry::Occupied(mut o) => {
                    if o.get().0 < redaction_seq {
                        o.insert((redaction_seq, s.sha256.clone()));
                    }
                }
                std::collections::hash_map::Entry::Vacant(v) => {
                    v.insert((redaction_seq, s.sha256.clone()));
                }
            }
        }
    }

    /// The last redaction of one text and the digest it recorded.
    pub fn get(&self, seq: i64, side: Side) -> Option<(i64, &str)> {
        self.by_text
            .get(&(seq, side))
            .map(|(r, d)| (*r, d.as_str()))
    }
}

/// Scrubs one stored row's texts with `scrub` (called on each of before and after JSON; `None`
/// leaves a text as it is) and returns what the redaction entry must record for it: for a
/// second-version row each changed text's digest (its salt is dropped), for an older row the
/// digest of the whole scrubbed entry. Empty when nothing changed.
pub fn scrub_row(
    row: &mut StoredAuditRow,
    scrub: impl Fn(&str) -> Option<String>,
) -> Vec<ScrubbedText> {
    let new_before = scrub(&row.before);
    let new_after = scrub(&row.after);
    if new_before.is_none() && new_after.is_none() {
        return Vec::new();
    }
    let digests = row.has_digests();
    let mut out = Vec::new();
    for (side, text, salt, new) in [
        (
            Side::Before,
            &mut row.before,
            &mut row.before_salt,
            new_before,
        ),
        (Side::After, &mut row.after, &mut row.after_salt, new_after),
    ] {
        if let Some(new) = new {
            if digests {
                out.push(ScrubbedText {
                    seq: row.seq,
                    side,
                    sha256: sha256_hex(&new),
                });
                *salt = None;
            }
            *text = new;
        }
    }
    if !digests {
        out.push(ScrubbedText {
            seq: row.seq,
            side: Side::Entry,
            sha256: row_digest(row),
        });
    }
    out
}

/// Verifies a chain given in sequence order: gaps (deleted rows), edited content and broken
/// links are all reported at the first entry where they show. A redacted text verifies only
/// when a later redaction entry recorded exactly what it reads now.
pub fn verify_chain(rows: impl IntoIterator<Item = StoredAuditRow>) -> ChainReport {
    let rows: Vec<StoredAuditRow> = rows.into_iter().collect();
    let claims = Claims::collect(&rows);
    let mut prev = GENESIS_HASH;
    let mut report = ChainReport {
        checked: 0,
        first_broken: None,
        redacted: 0,
    };
    for (expected_seq, row) in (1i64..).zip(&rows) {
        report.checked += 1;
        if row.seq != expected_seq {
            report.first_broken = Some((
                row.seq,
                format!(
                    "expected entry {expected_seq}, found {}: entries missing",
                    row.seq
                ),
            ));
            return report;
        }
        if row.prev_hash != prev {
            report.first_broken = Some((row.seq, "previous-hash link does not match".into()));
            return report;
        }
        match row.check(&claims) {
            Ok(redacted) => report.redacted += u64::from(redacted),
            Err(why) => {
                report.first_broken = Some((row.seq, why));
                return report;
            }
        }
        prev = &row.hash;
    }
    report
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::redact::{REDACTED, RedactScope, Scrub};

    /// One entry to build: (action, before, after, second version?).
    type Spec<'a> = (&'a str, &'a str, &'a str, bool);

    /// Builds a chain the way the store writes it (fixed salts so tests are repeatable).
    fn build(specs: &[Spec<'_>]) -> Vec<StoredAuditRow> {
        let mut rows: Vec<StoredAuditRow> = Vec::new();
        for (action, before, after, v2) in specs {
            append(&mut rows, action, before, after, *v2);
        }
        rows
    }

    fn append(rows: &mut Vec<StoredAuditRow>, action: &str, before: &str, after: &str, v2: bool) {
        let prev = rows
            .last()
            .map_or(GENESIS_HASH.to_string(), |r| r.hash.clone());
        let seq = rows.len() as i64 + 1;
        let mut row = StoredAuditRow {
            seq,
            at: format!("2026-01-01T00:00:{seq:02}Z"),
            actor: "kim".into(),
            action: action.into(),
            incident_id: Some("INC-1".into()),
            entity_id: "INC-1".into(),
            before: before.into(),
            after: after.into(),
            before_digest: None,
            after_digest: None,
            before_salt: None,
            after_salt: None,
            prev_hash: prev,
            hash: String::new(),
        };
        row.hash = if v2 {
            let (bs, as_) = (format!("b-salt-{seq}"), format!("a-salt-{seq}"));
            let (bd, ad) = (text_digest(&bs, before), text_digest(&as_, after));
            let h = entry_hash_v2(&row.prev_hash, seq, &row.content(), &bd, &ad);
            row.before_digest = Some(bd);
            row.after_digest = Some(ad);
            row.before_salt = Some(bs);
            row.after_salt = Some(as_);
            h
        } else {
            entry_hash(&row.prev_hash, seq, &row.content())
        };
        rows.push(row);
    }

    fn chain(n: usize, v2: bool) -> Vec<StoredAuditRow> {
        let specs: Vec<Spec<'_>> = (0..n)
            .map(|_| ("incident.update", "{}", "{\"a\":1}", v2))
            .collect();
        build(&specs)
    }

    /// Redacts the description of every entry and appends the redaction entry, as the store does.
    fn redact_description(rows: &mut Vec<StoredAuditRow>, scrub: &Scrub) -> Vec<ScrubbedText> {
        let mut scrubbed = Vec::new();
        for row in rows.iter_mut() {
            scrubbed.extend(scrub_row(row, |text| {
                crate::domain::redact::scrub_json_text(
                    text,
                    crate::domain::redact::RedactField::Description.path(),
                    scrub,
                )
            }));
        }
        let record = RedactionRecord {
            field: Some(crate::domain::redact::RedactField::Description),
            note_id: None,
            scope: scrub.scope(),
            reason: "patient identifiers pasted by mistake".into(),
            version: 3,
            scrubbed: scrubbed.clone(),
        };
        let after = serde_json::to_string(&record).unwrap();
        append(rows, REDACT_ACTION, "{}", &after, true);
        scrubbed
    }

    const PASTED: &str = r#"{"description":"fax for MRN-7781234 Jane Roe","title":"Fax"}"#;

    #[test]
    fn intact_chains_verify_in_both_versions_and_mixed() {
        for v2 in [false, true] {
            let r = verify_chain(chain(5, v2));
            assert_eq!(
                r,
                ChainReport {
                    checked: 5,
                    first_broken: None,
                    redacted: 0
                }
            );
        }
        // An installation upgraded in place: older entries first, then digests.
        let mixed = build(&[
            ("incident.create", "{}", PASTED, false),
            ("incident.update", "{}", "{\"a\":1}", false),
            ("incident.update", "{}", "{\"a\":2}", true),
        ]);
        assert_eq!(verify_chain(mixed).first_broken, None);
    }

    #[test]
    fn edit_and_delete_are_found_at_the_right_entry() {
        for v2 in [false, true] {
            let mut edited = chain(5, v2);
            edited[2].actor = "mallory".into();
            assert_eq!(verify_chain(edited).first_broken.map(|b| b.0), Some(3));
            let mut deleted = chain(5, v2);
            deleted.remove(3);
            assert_eq!(verify_chain(deleted).first_broken.map(|b| b.0), Some(5));
            let mut truncated_head = chain(3, v2);
            truncated_head.remove(0);
            assert_eq!(
                verify_chain(truncated_head).first_broken.map(|b| b.0),
                Some(2)
            );
        }
    }

    #[test]
    fn second_version_texts_and_digests_are_checked() {
        let mut text = chain(3, true);
        text[1].after = "{\"a\":9}".into();
        let broken = verify_chain(text).first_broken.unwrap();
        assert_eq!(broken.0, 2);
        assert!(broken.1.contains("after text"), "{broken:?}");
        let mut digest = chain(3, true);
        digest[1].before_digest = Some(text_digest("other", "{}"));
        assert_eq!(verify_chain(digest).first_broken.map(|b| b.0), Some(2));
        // Dropping a salt and changing the text without a redaction entry is tampering too.
        let mut unsalted = chain(3, true);
        unsalted[0].after_salt = None;
        unsalted[0].after = "{}".into();
        let broken = verify_chain(unsalted).first_broken.unwrap();
        assert_eq!(broken.0, 1);
        assert!(broken.1.contains("no redaction entry"), "{broken:?}");
        let mut one_sided = chain(2, true);
        one_sided[1].before_digest = None;
        assert_eq!(verify_chain(one_sided).first_broken.map(|b| b.0), Some(2));
    }

    #[test]
    fn a_redaction_keeps_the_chain_verifying_and_leaves_no_trace_of_the_text() {
        let mut rows = build(&[
            ("incident.create", "{}", PASTED, true),
            ("incident.update", "{}", "{\"site\":\"North\"}", true),
            (
                "incident.update",
                PASTED,
                r#"{"description":"edited"}"#,
                true,
            ),
        ]);
        let scrubbed = redact_description(&mut rows, &Scrub::Whole);
        assert_eq!(
            scrubbed.iter().map(|s| (s.seq, s.side)).collect::<Vec<_>>(),
            vec![(1, Side::After), (3, Side::Before), (3, Side::After)]
        );
        for row in &rows {
            assert!(!row.before.contains("7781234") && !row.after.contains("7781234"));
        }
        assert!(rows[0].after.contains(REDACTED) && rows[0].after.contains("Fax"));
        assert_eq!(rows[0].after_salt, None);
        assert!(
            rows[0].before_salt.is_some(),
            "an untouched text keeps its salt"
        );
        let report = verify_chain(rows.clone());
        assert_eq!(report.first_broken, None, "{report:?}");
        assert_eq!((report.checked, report.redacted), (4, 2));
        // The redaction entry names no removed text.
        assert!(!rows[3].after.contains("7781234") && !rows[3].after.contains("Roe"));
        // A second redaction of the same entry: the latest record counts.
        let mut phrase = build(&[("incident.create", "{}", PASTED, true)]);
        redact_description(&mut phrase, &Scrub::Phrase("MRN-7781234".into()));
        assert!(phrase[0].after.contains("fax for [redacted] Jane Roe"));
        redact_description(&mut phrase, &Scrub::Phrase("Jane Roe".into()));
        assert!(phrase[0].after.contains("fax for [redacted] [redacted]"));
        assert_eq!(verify_chain(phrase.clone()).first_broken, None);
        let mut rolled_back = phrase.clone();
        rolled_back[0].after =
            r#"{"description":"fax for [redacted] Jane Roe","title":"Fax"}"#.into();
        assert_eq!(verify_chain(rolled_back).first_broken.map(|b| b.0), Some(1));
        assert!(matches!(
            serde_json::from_str::<RedactionRecord>(&phrase[2].after).map(|r| r.scope),
            Ok(RedactScope::Phrase)
        ));
    }

    #[test]
    fn tampering_after_a_redaction_names_the_entry() {
        let mut rows = build(&[
            ("incident.create", "{}", PASTED, true),
            ("incident.update", "{}", "{\"a\":1}", true),
        ]);
        redact_description(&mut rows, &Scrub::Whole);
        let mut scrubbed_again = rows.clone();
        scrubbed_again[0].after = scrubbed_again[0].after.replace("Fax", "Mail");
        let broken = verify_chain(scrubbed_again).first_broken.unwrap();
        assert_eq!(broken.0, 1);
        assert!(broken.1.contains("redaction entry 3"), "{broken:?}");
        let mut reason = rows.clone();
        reason[2].after = reason[2].after.replace("by mistake", "on purpose");
        assert_eq!(verify_chain(reason).first_broken.map(|b| b.0), Some(3));
        // A claim only vouches for earlier entries: a redaction cannot pre-approve later edits.
        let mut late = rows.clone();
        append(&mut late, "incident.update", "{}", "{\"a\":2}", true);
        late[3].after = "{}".into();
        late[3].after_salt = None;
        let mut claims = Claims::collect(&late);
        let forged = ScrubbedText {
            seq: 4,
            side: Side::After,
            sha256: sha256_hex("{}"),
        };
        claims.add(3, std::slice::from_ref(&forged));
        assert_eq!(claims.get(4, Side::After), None);
        assert_eq!(verify_chain(late).first_broken.map(|b| b.0), Some(4));
    }

    #[test]
    fn older_entries_are_redacted_with_a_digest_of_the_whole_entry() {
        let mut rows = build(&[
            ("incident.create", "{}", PASTED, false),
            ("incident.update", "{}", "{\"a\":1}", false),
        ]);
        let scrubbed = redact_description(&mut rows, &Scrub::Whole);
        assert_eq!(scrubbed.len(), 1);
        assert_eq!((scrubbed[0].seq, scrubbed[0].side), (1, Side::Entry));
        assert!(!rows[0].after.contains("7781234"));
        let report = verify_chain(rows.clone());
        assert_eq!((report.first_broken, report.redacted), (None, 1));
        let mut edited = rows.clone();
        edited[0].actor = "mallory".into();
        let broken = verify_chain(edited).first_broken.unwrap();
        assert_eq!(broken.0, 1);
        assert!(broken.1.contains("redaction entry 3"), "{broken:?}");
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
