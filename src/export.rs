//! Exports of incidents for people and tools outside the console: a flat CSV (one row per
//! incident, for spreadsheets, audits and the privacy officer's reports) and a pretty JSON array
//! (the full records, for scripts and archives).
//!
//! Text is written exactly as stored: nothing is escaped beyond CSV quoting, so the export is
//! faithful evidence. A spreadsheet may treat a cell that starts with `=`, `+`, `-` or `@` as a
//! formula; open untrusted exports as text, or import them, rather than double-clicking them.

use crate::domain::{Incident, Status};
use chrono::{DateTime, SecondsFormat, Utc};
use std::io::Write;

/// The CSV header, in column order, so consumers can rely on the names.
pub const CSV_COLUMNS: [&str; 19] = [
    "id",
    "title",
    "status",
    "determination",
    "site",
    "entity",
    "discovered_at",
    "reported_at",
    "breach_type",
    "location",
    "subtype",
    "severity",
    "individuals_affected",
    "owner",
    "root_cause_category",
    "notes",
    "open_actions",
    "closed_at",
    "description",
];

/// Separator between the values of a multi-valued cell (breach types, locations). HHS category
/// names contain `/` and `,` but never `;`.
pub const LIST_SEPARATOR: &str = "; ";

/// Writes `incidents` as CSV with a header row ([`CSV_COLUMNS`]) and one row per incident, so a
/// team can hand its register to a spreadsheet or an auditor.
///
/// Dates are `YYYY-MM-DD`, times RFC 3339 in UTC; absent values are empty cells. `closed_at` is
/// the last change time of a closed incident (the record keeps no separate close time) and empty
/// otherwise. `notes` and `open_actions` are counts.
pub fn incidents_to_csv<W: Write>(incidents: &[Incident], w: W) -> Result<(), csv::Error> {
    let mut out = csv::Writer::from_writer(w);
    out.write_record(CSV_COLUMNS)?;
    for incident in incidents {
        out.write_record(csv_row(incident))?;
    }
    out.flush()?;
    Ok(())
}

/// Writes `incidents` as a pretty-printed JSON array of full records (the API's own shape),
/// followed by a newline, for scripts and archives.
pub fn incidents_to_json<W: Write>(
    incidents: &[Incident],
    mut w: W,
) -> Result<(), serde_json::Error> {
    serde_json::to_writer_pretty(&mut w, incidents)?;
    w.write_all(b"\n").map_err(serde_json::Error::io)?;
    w.flush().map_err(serde_json::Error::io)
}

/// RFC 3339 in UTC with whole seconds (`2026-03-02T14:05:00Z`).
fn time(t: &DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Secs, true)
}

/// One incident's cells, in [`CSV_COLUMNS`] order.
fn csv_row(i: &Incident) -> [String; 19] {
    let c = &i.classification;
    let join = |values: Vec<&str>| values.join(LIST_SEPARATOR);
    let open_actions = i.actions.iter().filter(|a| a.status.is_open()).count();
    [
        i.id.clone(),
        i.title.clone(),
        i.status.as_str().to_string(),
        i.determination.as_str().to_string(),
        i.site.clone(),
        i.entity.clone().unwrap_or_default(),
        i.discovered_at.format("%Y-%m-%d").to_string(),
        time(&i.reported_at),
        join(c.breach_type.iter().map(|b| b.as_str()).collect()),
        join(c.location.iter().map(|l| l.as_str()).collect()),
        c.subtype
            .map(|s| s.as_str().to_string())
            .unwrap_or_default(),
        c.severity
            .map(|s| s.as_str().to_string())
            .unwrap_or_default(),
        c.individuals_affected
            .map(|n| n.to_string())
            .unwrap_or_default(),
        i.owner.clone().unwrap_or_default(),
        i.root_cause
            .category
            .map(|r| r.as_str().to_string())
            .unwrap_or_default(),
        i.notes.len().to_string(),
        open_actions.to_string(),
        if i.status == Status::Closed {
            time(&i.updated_at)
        } else {
            String::new()
        },
        i.description.clone(),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{
        Action, ActionStatus, BreachType, Classification, Determination, Location, Note, RootCause,
        RootCauseCategory, Severity, Source, Subtype,
    };
    use chrono::{NaiveDate, TimeZone};

    fn at(h: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 3, 2, h, 5, 0).unwrap()
    }

    fn action(n: u32, status: ActionStatus) -> Action {
        Action {
            id: format!("ACT-{n}"),
            incident_id: "INC-2026-000001".into(),
            title: "Retrain, \"carefully\"".into(),
            owner: "dana".into(),
            due: NaiveDate::from_ymd_opt(2026, 4, 1).unwrap(),
            status,
            escalation_level: 0,
            created_at: at(9),
            completed_at: None,
            verified_by: None,
            redate_reason: None,
            version: 1,
        }
    }

    fn incident(id: &str, title: &str, description: &str, status: Status) -> Incident {
        Incident {
            id: id.into(),
            title: title.into(),
            description: description.into(),
            reported_by: "rae".into(),
            reported_at: at(8),
            discovered_at: NaiveDate::from_ymd_opt(2026, 3, 1).unwrap(),
            occurred_at: None,
            site: "North Campus".into(),
            department: None,
            source: Source::Import,
            status,
            determination: Determination::Breach,
            classification: Classification {
                breach_type: vec![BreachType::Theft, BreachType::UnauthorizedAccess],
                location: vec![Location::Laptop, Location::PaperFilms],
                subtype: Some(Subtype::StolenDevice),
                severity: Some(Severity::High),
                phi_involved: Some(true),
                individuals_affected: Some(12_000),
                ..Classification::default()
            },
            risk_assessment: None,
            owner: Some("dana".into()),
            escalation_level: 0,
            root_cause: RootCause {
                category: Some(RootCauseCategory::People),
                ..RootCause::default()
            },
            notices: vec![],
            hold: None,
            close_reason: None,
            entity: Some("Mercy, Inc.".into()),
            notes: vec![Note {
                id: "N-1".into(),
                author: "dana".into(),
                at: at(10),
                text: "first".into(),
            }],
            actions: vec![
                action(1, ActionStatus::Open),
                action(2, ActionStatus::InProgress),
                action(3, ActionStatus::Verified),
            ],
            deadlines: vec![],
            similar: vec![],
            suggestion: None,
            recurrence: None,
            version: 3,
            created_at: at(8),
            updated_at: at(17),
        }
    }

    fn sample() -> Vec<Incident> {
        let mut bare = incident("INC-2026-000003", "", "", Status::New);
        bare.classification = Classification::default();
        bare.owner = None;
        bare.entity = None;
        bare.root_cause = RootCause::default();
        bare.notes.clear();
        bare.actions.clear();
        vec![
            incident(
                "INC-2026-000001",
                "Theft of Laptop, \"again\" — St. Mary’s",
                "Line one, with a comma\nline \"two\"\r\nline three\tand a tab\x1b[2J\x07\0 end",
                Status::Closed,
            ),
            incident(
                "INC-2026-000002",
                "=HYPERLINK(\"x\")",
                "\"\"\n\n,,,\r",
                Status::Investigating,
            ),
            bare,
        ]
    }

    #[test]
    fn csv_round_trips_through_the_csv_reader() {
        let incidents = sample();
        let mut bytes = Vec::new();
        incidents_to_csv(&incidents, &mut bytes).unwrap();
        let mut reader = csv::Reader::from_reader(&bytes[..]);
        assert_eq!(reader.headers().unwrap(), &CSV_COLUMNS[..]);
        let rows: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
        assert_eq!(rows.len(), incidents.len());
        for (row, incident) in rows.iter().zip(&incidents) {
            assert_eq!(row.len(), CSV_COLUMNS.len());
            assert_eq!(row, &csv_row(incident)[..]);
            assert_eq!(&row[1], incident.title);
            assert_eq!(&row[18], incident.description);
        }

        let first = &rows[0];
        let cell = |name: &str| {
            let i = CSV_COLUMNS.iter().position(|c| *c == name).unwrap();
            first[i].to_string()
        };
        assert_eq!(cell("status"), "closed");
        assert_eq!(cell("entity"), "Mercy, Inc.");
        assert_eq!(cell("discovered_at"), "2026-03-01");
        assert_eq!(cell("reported_at"), "2026-03-02T08:05:00Z");
        assert_eq!(cell("breach_type"), "Theft; Unauthorized Access/Disclosure");
        assert_eq!(cell("location"), "Laptop; Paper/Films");
        assert_eq!(cell("subtype"), "stolen_device");
        assert_eq!(cell("severity"), "high");
        assert_eq!(cell("individuals_affected"), "12000");
        assert_eq!(cell("owner"), "dana");
        assert_eq!(cell("root_cause_category"), "people");
        assert_eq!(cell("notes"), "1");
        assert_eq!(cell("open_actions"), "2");
        assert_eq!(cell("closed_at"), "2026-03-02T17:05:00Z");
        assert_eq!(&rows[1][17], "", "not closed: no close time");
        let bare = &rows[2];
        for name in [
            "title",
            "entity",
            "breach_type",
            "subtype",
            "severity",
            "owner",
        ] {
            let i = CSV_COLUMNS.iter().position(|c| *c == name).unwrap();
            assert_eq!(&bare[i], "", "{name}");
        }
    }

    #[test]
    fn no_incidents_is_just_the_header() {
        let mut bytes = Vec::new();
        incidents_to_csv(&[], &mut bytes).unwrap();
        assert_eq!(
            String::from_utf8(bytes).unwrap(),
            format!("{}\n", CSV_COLUMNS.join(","))
        );
    }

    #[test]
    fn json_is_a_pretty_array_of_full_records() {
        let incidents = sample();
        let mut bytes = Vec::new();
        incidents_to_json(&incidents, &mut bytes).unwrap();
        let text = String::from_utf8(bytes).unwrap();
        assert!(text.starts_with("[\n  {\n"));
        assert!(text.ends_with("]\n"));
        let back: Vec<Incident> = serde_json::from_str(&text).unwrap();
        assert_eq!(back, incidents);

        let mut bytes = Vec::new();
        incidents_to_json(&[], &mut bytes).unwrap();
        assert_eq!(bytes, b"[]\n");
    }

    /// A writer that always fails.
    struct Broken;

    impl Write for Broken {
        fn write(&mut self, _: &[u8]) -> std::io::Result<usize> {
            Err(std::io::Error::other("disk full"))
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Err(std::io::Error::other("disk full"))
        }
    }

    #[test]
    fn write_errors_are_returned() {
        assert!(incidents_to_csv(&sample(), Broken).is_err());
        assert!(incidents_to_json(&sample(), Broken).is_err());
    }
}
