//! The audit evidence pack: what an auditor asks for, in one directory — a Markdown summary, a
//! self-contained HTML report with SVG charts, and CSVs of every incident with its assessment and
//! reasons, every clock with its due date and the date met, every corrective action with owner,
//! dates and verification, each incident's audit trail, and the annual log of breaches under 500
//! individuals in the fields of the HHS breach report. Built through the API (auditor or admin).

use crate::client::{ApiClient, ClientError, ListParams};
use crate::domain::audit::AuditEvent;
use crate::domain::clocks::is_notice;
use crate::domain::deadlines::DeadlineStatus;
use crate::domain::text::sanitize;
use crate::domain::{Determination, Incident, Status};
use chrono::{Datelike, NaiveDate};
use std::collections::{BTreeMap, HashSet};
use std::path::{Path, PathBuf};

/// Why a pack could not be written.
#[derive(Debug, thiserror::Error)]
pub enum EvidenceError {
    /// The API refused or failed.
    #[error(transparent)]
    Api(#[from] ClientError),
    /// A file could not be written.
    #[error("writing {0}: {1}")]
    Io(PathBuf, std::io::Error),
    /// CSV encoding failed.
    #[error(transparent)]
    Csv(#[from] csv::Error),
}

/// What was written.
#[derive(Debug, Clone, Default, serde::Serialize)]
pub struct PackSummary {
    /// Incidents in the window.
    pub incidents: usize,
    /// Clocks listed.
    pub clocks: usize,
    /// Actions listed.
    pub actions: usize,
    /// Audit entries listed.
    pub audit_entries: usize,
    /// Breaches under 500 in the annual log.
    pub small_breaches: usize,
    /// Files written.
    pub files: Vec<String>,
}

fn csv_file(
    dir: &Path,
    name: &str,
    header: &[&str],
    rows: Vec<Vec<String>>,
    files: &mut Vec<String>,
) -> Result<usize, EvidenceError> {
    let path = dir.join(name);
    let mut w = csv::Writer::from_path(&path)?;
    w.write_record(header)?;
    let n = rows.len();
    for r in rows {
        w.write_record(r)?;
    }
    w.flush().map_err(|e| EvidenceError::Io(path, e))?;
    files.push(name.to_string());
    Ok(n)
}

fn html_escape(s: &str) -> String {
    sanitize(s, false)
        .replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// An SVG bar chart of labelled counts.
pub fn bar_chart(title: &str, data: &[(String, u64)]) -> String {
    let max = data.iter().map(|d| d.1).max().unwrap_or(1).max(1);
    let (w, bar, gap) = (720u64, 18u64, 6u64);
    let h = 30 + data.len() as u64 * (bar + gap);
    let mut svg = format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{w}\" height=\"{h}\" role=\"img\" aria-label=\"{}\"><text x=\"0\" y=\"16\" font-size=\"14\" font-weight=\"bold\">{}</text>",
        html_escape(title),
        html_escape(title)
    );
    for (i, (label, n)) in data.iter().enumerate() {
        let y = 28 + i as u64 * (bar + gap);
        let len = n * 440 / max;
        svg.push_str(&format!("<text x=\"0\" y=\"{}\" font-size=\"12\">{}</text><rect x=\"220\" y=\"{y}\" width=\"{len}\" height=\"{bar}\" fill=\"#4a6fa5\"/><text x=\"{}\" y=\"{}\" font-size=\"12\">{n}</text>", y + 13, html_escape(label), 226 + len, y + 13));
    }
    svg.push_str("</svg>");
    svg
}

/// Writes the pack for incidents discovered in `from..=to` into `dir`.
pub async fn write_pack(
    client: &ApiClient,
    from: NaiveDate,
    to: NaiveDate,
    dir: &Path,
) -> Result<PackSummary, EvidenceError> {
    std::fs::create_dir_all(dir).map_err(|e| EvidenceError::Io(dir.to_path_buf(), e))?;
    let mut incidents: Vec<Incident> = client
        .list_all(&ListParams::default(), None)
        .await?
        .into_iter()
        .filter(|i| i.discovered_at >= from && i.discovered_at <= to)
        .collect();
    incidents.sort_by(|a, b| a.id.cmp(&b.id));
    let ids: HashSet<&str> = incidents.iter().map(|i| i.id.as_str()).collect();
    let mut audit: Vec<AuditEvent> = Vec::new();
    let mut since = 0;
    loop {
        let page = client.audit(None, since).await?;
        let Some(last) = page.last().map(|e| e.seq) else {
            break;
        };
        audit.extend(
            page.into_iter()
                .filter(|e| e.incident_id.as_deref().is_some_and(|i| ids.contains(i))),
        );
        since = last;
    }
    let mut s = PackSummary {
        incidents: incidents.len(),
        ..Default::default()
    };
    let yes_no = |b: bool| if b { "yes" } else { "no" }.to_string();
    let rows = incidents
        .iter()
        .map(|i| {
            let a = i.risk_assessment.clone().unwrap_or_default();
            let f = a
                .factors()
                .map(|(_, f)| f.map(|f| f.risk.to_string()).unwrap_or_default());
            let sug = i.suggestion.clone();
            vec![
                i.id.clone(),
                i.title.clone(),
                i.site.clone(),
                i.status.to_string(),
                i.determination.to_string(),
                i.discovered_at.to_string(),
                i.reported_at.to_rfc3339(),
                i.classification.category_words(),
                i.classification
                    .individuals_affected
                    .map(|n| n.to_string())
                    .unwrap_or_default(),
                f[0].clone(),
                f[1].clone(),
                f[2].clone(),
                f[3].clone(),
                a.exception.map(|e| e.to_string()).unwrap_or_default(),
                a.safe_harbor.map(|e| e.to_string()).unwrap_or_default(),
                a.conclusion.clone(),
                a.assessed_by.clone().unwrap_or_default(),
                sug.as_ref()
                    .map(|s| s.determination.to_string())
                    .unwrap_or_default(),
                sug.map(|s| s.reasons.join("; ")).unwrap_or_default(),
                i.owner.clone().unwrap_or_default(),
                i.close_reason.clone().unwrap_or_default(),
            ]
        })
        .collect();
    csv_file(
        dir,
        "incidents.csv",
        &[
            "id",
            "title",
            "site",
            "status",
            "determination",
            "discovered",
            "reported",
            "category",
            "individuals",
            "factor_nature_extent",
            "factor_unauthorized_person",
            "factor_acquired_viewed",
            "factor_mitigation",
            "exception",
            "safe_harbor",
            "conclusion",
            "assessed_by",
            "suggested",
            "reasons",
            "owner",
            "close_reason",
        ],
        rows,
        &mut s.files,
    )?;
    let mut clock_rows = Vec::new();
    let (mut met, mut missed) = (0u64, 0u64);
    for i in &incidents {
        for d in i
            .deadlines
            .iter()
            .filter(|d| is_notice(d.kind) || i.status != Status::Closed)
        {
            match d.status {
                Some(DeadlineStatus::Met) => met += 1,
                Some(DeadlineStatus::MetLate | DeadlineStatus::Overdue) => missed += 1,
                _ => {}
            }
            clock_rows.push(vec![
                i.id.clone(),
                d.kind.to_string(),
                d.state.clone().unwrap_or_default(),
                d.due.to_string(),
                d.status.map(|s| s.to_string()).unwrap_or_default(),
                d.met_on.map(|m| m.to_string()).unwrap_or_default(),
                d.basis.clone(),
                d.citation.clone(),
            ]);
        }
    }
    s.clocks = csv_file(
        dir,
        "clocks.csv",
        &[
            "incident", "clock", "state", "due", "status", "met_on", "basis", "citation",
        ],
        clock_rows,
        &mut s.files,
    )?;
    let action_rows = incidents
        .iter()
        .flat_map(|i| i.actions.iter())
        .map(|a| {
            vec![
                a.incident_id.clone(),
                a.id.clone(),
                a.title.clone(),
                a.owner.clone(),
                a.due.to_string(),
                a.status.to_string(),
                a.created_at.to_rfc3339(),
                a.completed_at.map(|t| t.to_rfc3339()).unwrap_or_default(),
                a.verified_by.clone().unwrap_or_default(),
                a.escalation_level.to_string(),
                a.redate_reason.clone().unwrap_or_default(),
            ]
        })
        .collect();
    s.actions = csv_file(
        dir,
        "actions.csv",
        &[
            "incident",
            "action",
            "title",
            "owner",
            "due",
            "status",
            "created",
            "completed",
            "verified_by",
            "escalation_level",
            "redate_reason",
        ],
        action_rows,
        &mut s.files,
    )?;
    let audit_rows = audit
        .iter()
        .map(|e| {
            vec![
                e.incident_id.clone().unwrap_or_default(),
                e.seq.to_string(),
                e.at.to_rfc3339(),
                e.actor.clone(),
                e.action.clone(),
                e.entity_id.clone(),
                e.before.to_string(),
                e.after.to_string(),
                e.hash.clone(),
            ]
        })
        .collect();
    s.audit_entries = csv_file(
        dir,
        "audit.csv",
        &[
            "incident", "seq", "at", "actor", "action", "entity", "before", "after", "hash",
        ],
        audit_rows,
        &mut s.files,
    )?;
    let small: Vec<Vec<String>> = incidents
        .iter()
        .filter(|i| {
            i.determination == Determination::Breach
                && i.classification.individuals_affected.unwrap_or(0) < 500
        })
        .map(|i| {
            let c = &i.classification;
            let states: Vec<String> = c.residents_by_state.keys().cloned().collect();
            let notice = i
                .notices
                .iter()
                .filter(|n| n.kind == crate::domain::deadlines::DeadlineKind::Individuals)
                .map(|n| n.sent_on.to_string())
                .next()
                .unwrap_or_default();
            vec![
                i.entity.clone().unwrap_or_default(),
                states.join("; "),
                c.individuals_affected.unwrap_or(0).to_string(),
                i.occurred_at.map(|d| d.to_string()).unwrap_or_default(),
                i.discovered_at.to_string(),
                c.breach_type
                    .iter()
                    .map(|b| b.to_string())
                    .collect::<Vec<_>>()
                    .join("; "),
                c.location
                    .iter()
                    .map(|l| l.to_string())
                    .collect::<Vec<_>>()
                    .join("; "),
                yes_no(c.business_associate),
                notice,
                i.actions
                    .iter()
                    .map(|a| a.title.clone())
                    .collect::<Vec<_>>()
                    .join("; "),
                i.id.clone(),
            ]
        })
        .collect();
    s.small_breaches = csv_file(
        dir,
        "breaches_under_500.csv",
        &[
            "covered_entity",
            "states",
            "individuals_affected",
            "date_of_breach",
            "date_of_discovery",
            "type_of_breach",
            "location_of_breached_information",
            "business_associate",
            "individual_notice_date",
            "actions_taken",
            "incident",
        ],
        small,
        &mut s.files,
    )?;

    let mut by_det: BTreeMap<String, u64> = BTreeMap::new();
    let mut by_month: BTreeMap<String, u64> = BTreeMap::new();
    for i in &incidents {
        *by_det.entry(i.determination.to_string()).or_default() += 1;
        *by_month
            .entry(format!(
                "{}-{:02}",
                i.discovered_at.year(),
                i.discovered_at.month()
            ))
            .or_default() += 1;
    }
    // Long windows are charted by year, so the chart stays readable.
    let by_year = by_month.len() > 36;
    let period_title = if by_year {
        "Incidents by year of discovery"
    } else {
        "Incidents by month of discovery"
    };
    let mut by_period: BTreeMap<String, u64> = BTreeMap::new();
    for (month, n) in &by_month {
        let key = if by_year {
            month.get(..4).unwrap_or(month).to_string()
        } else {
            month.clone()
        };
        *by_period.entry(key).or_default() += n;
    }
    let open_actions = incidents
        .iter()
        .flat_map(|i| &i.actions)
        .filter(|a| a.status.is_open())
        .count();
    let md = format!(
        "# Evidence pack {from} to {to}\n\n| measure | value |\n|---|---|\n| incidents and near misses | {} |\n| determinations | {} |\n| notification and internal clocks met | {met} |\n| clocks missed or met late | {missed} |\n| corrective actions | {} ({open_actions} open) |\n| audit entries | {} |\n| breaches under 500 (annual HHS log) | {} |\n\nFiles: {}.\n",
        s.incidents,
        by_det
            .iter()
            .map(|(k, v)| format!("{k} {v}"))
            .collect::<Vec<_>>()
            .join(", "),
        s.actions,
        s.audit_entries,
        s.small_breaches,
        s.files.join(", ")
    );
    write(dir, "summary.md", &md, &mut s.files)?;
    let months: Vec<(String, u64)> = by_period.into_iter().collect();
    let dets: Vec<(String, u64)> = by_det.into_iter().collect();
    let table: String = incidents
        .iter()
        .take(500)
        .map(|i| {
            format!(
                "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
                html_escape(&i.id),
                html_escape(&i.title),
                i.status,
                i.determination,
                i.discovered_at
            )
        })
        .collect();
    let html = format!(
        "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>Evidence pack {from} to {to}</title><style>body{{font-family:sans-serif;margin:2em;color:#222}}table{{border-collapse:collapse}}td,th{{border:1px solid #ccc;padding:2px 6px;font-size:12px}}</style></head><body><h1>Evidence pack {from} to {to}</h1><p>{} incidents and near misses; clocks met {met}, missed or late {missed}; {} corrective actions ({open_actions} open); {} audit entries; {} breaches under 500.</p>{}{}<h2>Incidents</h2><table><tr><th>id</th><th>title</th><th>status</th><th>determination</th><th>discovered</th></tr>{table}</table><p>Full records: incidents.csv, clocks.csv, actions.csv, audit.csv, breaches_under_500.csv.</p></body></html>\n",
        s.incidents,
        s.actions,
        s.audit_entries,
        s.small_breaches,
        bar_chart("Incidents by determination", &dets),
        bar_chart(period_title, &months)
    );
    write(dir, "report.html", &html, &mut s.files)?;
    Ok(s)
}

fn write(dir: &Path, name: &str, text: &str, files: &mut Vec<String>) -> Result<(), EvidenceError> {
    let path = dir.join(name);
    std::fs::write(&path, text).map_err(|e| EvidenceError::Io(path, e))?;
    files.push(name.to_string());
    Ok(())
}

#[cfg(test)]
mod tests {
    #[test]
    fn charts_escape_their_labels() {
        let svg = super::bar_chart("t", &[("<script>x</script>".into(), 3), ("b".into(), 1)]);
        assert!(svg.starts_with("<svg") && svg.ends_with("</svg>"));
        assert!(!svg.contains("<script>"));
    }
}
