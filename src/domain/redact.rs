//! Redaction of mistakenly entered text (a patient's name or MRN pasted into a description or a
//! note). Nothing documenting an incident is deleted (six-year retention, 164.316(b)(2)(i)):
//! the text is replaced by a fixed marker in the record and in every copy the audit trail
//! keeps, and the redaction itself becomes an audit entry that names the field and the reason
//! but never the removed text. These are the pure parts: which fields can be redacted, where
//! they sit in stored JSON, and how one text is scrubbed.

use super::incident::wire_enum;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use utoipa::ToSchema;

/// What redacted text is replaced with, everywhere.
pub const REDACTED: &str = "[redacted]";

/// The audit action of a redaction entry.
pub const REDACT_ACTION: &str = "incident.redact";

/// Longest reason accepted: it stays in the trail for good (a redaction entry is never
/// scrubbed), so it should say why, not repeat what.
pub const MAX_REASON: usize = 2000;

wire_enum! {
    /// The free-text fields of an incident that an admin may redact. The wire name is the
    /// field's dotted path in the incident's JSON, as in error messages.
    RedactField {
        Title => "title",
        Description => "description",
        Department => "department",
        CloseReason => "close_reason",
        RootCauseSummary => "root_cause.summary",
        RootCauseFactors => "root_cause.factors",
        RiskConclusion => "risk_assessment.conclusion",
        NatureExtentNotes => "risk_assessment.nature_extent.notes",
        UnauthorizedPersonNotes => "risk_assessment.unauthorized_person.notes",
        AcquiredViewedNotes => "risk_assessment.acquired_viewed.notes",
        MitigationNotes => "risk_assessment.mitigation.notes",
    }
}

impl RedactField {
    /// The keys leading to the field in an incident's JSON (and in the audit copies of it).
    pub fn path(self) -> impl Iterator<Item = &'static str> {
        self.as_str().split('.')
    }
}

/// Which copy of an audit entry's text a scrub touched: `before` or `after` JSON of an entry
/// with content digests, or the whole `entry` of an older entry hashed over its raw text.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, ToSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum Side {
    /// The `before` JSON.
    Before,
    /// The `after` JSON.
    After,
    /// The whole entry (legacy entries whose hash covers the raw text).
    Entry,
}

/// One audit entry text scrubbed by a redaction, with the SHA-256 of what it reads now, so
/// verification can tell a redaction from tampering.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct ScrubbedText {
    /// The audit entry scrubbed.
    pub seq: i64,
    /// Which of its texts.
    pub side: Side,
    /// Hex SHA-256 of the scrubbed text (for `entry`: of the whole scrubbed entry, see
    /// `audit::row_digest`).
    pub sha256: String,
}

/// How much of the text goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum RedactScope {
    /// The whole field (every value it ever held in the trail).
    Field,
    /// Only the occurrences of a given phrase, wherever the field held it.
    Phrase,
}

/// An admin's redaction request (`POST /api/v1/incidents/{id}/redactions`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewRedaction {
    /// The incident field to redact; give this or `note_id`.
    #[serde(default)]
    pub field: Option<RedactField>,
    /// The note whose text to redact; give this or `field`.
    #[serde(default)]
    pub note_id: Option<String>,
    /// Redact only this phrase (exact, case-sensitive) instead of the whole text. It is used and
    /// forgotten: stored nowhere, not even as a digest.
    #[serde(default)]
    pub text: Option<String>,
    /// Why (required): stays in the trail for good, so name the kind of data, not the data.
    pub reason: String,
    /// The incident version the admin saw (or send `If-Match`).
    #[serde(default)]
    pub version: Option<i64>,
}

/// What a redaction entry records as its `after` JSON: which text, why, the incident's new
/// version, and each audit text it scrubbed. Never the removed text nor a digest of it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct RedactionRecord {
    /// The field redacted, for a field.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub field: Option<RedactField>,
    /// The note redacted, for a note.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note_id: Option<String>,
    /// Whole text or a phrase.
    pub scope: RedactScope,
    /// Why.
    pub reason: String,
    /// The incident's version after the redaction.
    pub version: i64,
    /// The audit texts scrubbed, in entry order.
    pub scrubbed: Vec<ScrubbedText>,
}

/// A committed redaction: its audit entry (who, when, which sequence number) and record.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Redaction {
    /// The incident.
    pub incident_id: String,
    /// The redaction's own audit entry.
    pub seq: i64,
    /// Who redacted.
    pub actor: String,
    /// When.
    pub at: DateTime<Utc>,
    /// What the entry records.
    #[serde(flatten)]
    pub record: RedactionRecord,
}

/// Whose text a redaction removes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RedactTarget {
    /// A free-text field of the incident.
    Field(RedactField),
    /// The text of one of the incident's notes (by note id).
    Note(String),
}

impl RedactTarget {
    /// The audit entity whose entries hold copies of the text: the incident or the note.
    pub fn entity<'a>(&'a self, incident_id: &'a str) -> &'a str {
        match self {
            RedactTarget::Field(_) => incident_id,
            RedactTarget::Note(id) => id,
        }
    }

    /// Where the text sits in those entries' JSON.
    pub fn path(&self) -> impl Iterator<Item = &'static str> {
        let path = match self {
            RedactTarget::Field(f) => f.as_str(),
            RedactTarget::Note(_) => "text",
        };
        path.split('.')
    }

    /// Names the target for people and logs (a field path or a note id; never its text).
    pub fn describe(&self) -> String {
        match self {
            RedactTarget::Field(f) => f.as_str().to_string(),
            RedactTarget::Note(id) => format!("note {id}"),
        }
    }
}

/// How one text is scrubbed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Scrub {
    /// Replace the whole text with the marker.
    Whole,
    /// Replace each occurrence of this phrase with the marker.
    Phrase(String),
}

impl Scrub {
    /// The scrubbed text, or `None` when nothing changes.
    pub fn apply(&self, text: &str) -> Option<String> {
        match self {
            Scrub::Whole => (!text.is_empty() && text != REDACTED).then(|| REDACTED.to_string()),
            Scrub::Phrase(p) => {
                (!p.is_empty() && text.contains(p.as_str())).then(|| text.replace(p, REDACTED))
            }
        }
    }

    /// Which scope an entry records for this scrub.
    pub fn scope(&self) -> RedactScope {
        match self {
            Scrub::Whole => RedactScope::Field,
            Scrub::Phrase(_) => RedactScope::Phrase,
        }
    }

    /// Scrubs a JSON value: a string, or each string of an array. Whether anything changed.
    pub fn apply_value(&self, value: &mut Value) -> bool {
        match value {
            Value::String(s) => match self.apply(s) {
                Some(new) => {
                    *s = new;
                    true
                }
                None => false,
            },
            Value::Array(items) => {
                // Every element, not just up to the first change.
                let mut changed = false;
                for item in items {
                    changed |= self.apply_value(item);
                }
                changed
            }
            _ => false,
        }
    }
}

/// Scrubs the value at `path` inside a JSON document, if it is there.
pub fn scrub_at<'p>(
    doc: &mut Value,
    mut path: impl Iterator<Item = &'p str>,
    scrub: &Scrub,
) -> bool {
    let Some(key) = path.next() else {
        return scrub.apply_value(doc);
    };
    match doc.get_mut(key) {
        Some(inner) => scrub_at(inner, path, scrub),
        None => false,
    }
}

/// Scrubs the value at `path` in stored JSON text; the new text, or `None` when nothing changed
/// (or the text is not JSON, which is left for verification to judge).
pub fn scrub_json_text<'p>(
    text: &str,
    path: impl Iterator<Item = &'p str>,
    scrub: &Scrub,
) -> Option<String> {
    let mut doc: Value = serde_json::from_str(text).ok()?;
    scrub_at(&mut doc, path, scrub).then(|| doc.to_string())
}

/// The text at `path` in a JSON document, joined when it is a list (to check a reason does not
/// repeat it).
pub fn text_at<'p>(doc: &Value, path: impl Iterator<Item = &'p str>) -> String {
    let mut at = doc;
    for key in path {
        match at.get(key) {
            Some(inner) => at = inner,
            None => return String::new(),
        }
    }
    match at {
        Value::String(s) => s.clone(),
        Value::Array(items) => items
            .iter()
            .filter_map(Value::as_str)
            .collect::<Vec<_>>()
            .join("\n"),
        _ => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn whole_and_phrase_scrubs() {
        assert_eq!(Scrub::Whole.apply("Jane Roe"), Some(REDACTED.into()));
        assert_eq!(Scrub::Whole.apply(""), None);
        assert_eq!(Scrub::Whole.apply(REDACTED), None);
        let p = Scrub::Phrase("MRN-7781234".into());
        assert_eq!(
            p.apply("fax for MRN-7781234, twice MRN-7781234"),
            Some("fax for [redacted], twice [redacted]".into())
        );
        assert_eq!(p.apply("nothing here"), None);
        assert_eq!(Scrub::Phrase(String::new()).apply("x"), None);
    }

    #[test]
    fn scrubs_nested_fields_and_lists_in_json_text() {
        let text = json!({"root_cause": {"summary": "Jane Roe", "factors": ["a", "Jane Roe"]}, "title": "t"}).to_string();
        let out = scrub_json_text(&text, RedactField::RootCauseSummary.path(), &Scrub::Whole)
            .expect("changed");
        let v: Value = serde_json::from_str(&out).unwrap();
        assert_eq!(v["root_cause"]["summary"], REDACTED);
        assert_eq!(v["root_cause"]["factors"][1], "Jane Roe");
        assert_eq!(v["title"], "t");
        let out = scrub_json_text(
            &text,
            RedactField::RootCauseFactors.path(),
            &Scrub::Phrase("Roe".into()),
        )
        .expect("changed");
        let v: Value = serde_json::from_str(&out).unwrap();
        assert_eq!(v["root_cause"]["factors"], json!(["a", "Jane [redacted]"]));
        // Absent paths, null values and non-JSON text change nothing.
        assert_eq!(
            scrub_json_text("{}", RedactField::Description.path(), &Scrub::Whole),
            None
        );
        assert_eq!(
            scrub_json_text(
                r#"{"department":null}"#,
                RedactField::Department.path(),
                &Scrub::Whole
            ),
            None
        );
        assert_eq!(
            scrub_json_text("not json", RedactField::Title.path(), &Scrub::Whole),
            None
        );
    }

    /// The OpenAPI document must list the wire names clients send, not the Rust names (the
    /// macro once hid its serde renames from the schema derive).
    #[test]
    fn documented_names_are_the_wire_names() {
        use utoipa::PartialSchema;
        fn listed(schema: impl serde::Serialize) -> Vec<String> {
            let v = serde_json::to_value(schema).unwrap();
            serde_json::from_value(v["enum"].clone()).unwrap()
        }
        let names: Vec<&str> = RedactField::ALL.iter().map(|f| f.as_str()).collect();
        assert_eq!(listed(RedactField::schema()), names);
        assert_eq!(
            listed(crate::domain::Status::schema()),
            ["new", "triaged", "investigating", "actions", "closed"]
        );
    }

    #[test]
    fn field_names_are_dotted_paths() {
        assert_eq!(
            RedactField::parse("risk_assessment.mitigation.notes"),
            Some(RedactField::MitigationNotes)
        );
        assert_eq!(RedactField::parse("site"), None);
        let doc = json!({"risk_assessment": {"mitigation": {"notes": "called"}}});
        assert_eq!(text_at(&doc, RedactField::MitigationNotes.path()), "called");
        assert_eq!(text_at(&doc, RedactField::Title.path()), "");
    }
}
