//! The audit evidence pack, built through the API with an auditor's token: every file is
//! written, every CSV round-trips through the `csv` crate with the expected rows, the HTML report
//! carries its SVG charts with incident text escaped, and the annual log lists breaches under 500.

mod common;

use common::{AUDITOR, LEAD, TestServer, day};
use triage::domain::action::NewAction;
use triage::domain::{Classification, Determination, IncidentPatch, NewReport};

fn read_csv(path: &std::path::Path) -> (csv::StringRecord, Vec<csv::StringRecord>) {
    let mut r = csv::Reader::from_path(path).expect("csv opens");
    let header = r.headers().expect("header").clone();
    let rows = r.records().map(|x| x.expect("row parses")).collect();
    (header, rows)
}

#[tokio::test]
async fn evidence_pack_is_complete_and_round_trips() {
    let server = TestServer::start().await;
    let lead = server.client(LEAD);
    let mut ids = Vec::new();
    for n in 0..5 {
        let title = if n == 0 {
            "Fax, \"quoted\" <b>bold</b> \u{1b}[2J".to_string()
        } else {
            format!("Near miss {n}")
        };
        let r = NewReport {
            title,
            site: "North".into(),
            description: "line one\nline two, with comma".into(),
            discovered_at: Some(day("2026-03-01")),
            ..Default::default()
        };
        ids.push(lead.report(&r).await.expect("report"));
    }
    let first = &ids[0];
    let patch = IncidentPatch {
        determination: Some(Determination::Breach),
        classification: Some(Classification {
            phi_involved: Some(true),
            individuals_affected: Some(42),
            residents_by_state: [("MA".to_string(), 42)].into_iter().collect(),
            ..Default::default()
        }),
        ..Default::default()
    };
    lead.patch_incident(&first.id, first.version, &patch)
        .await
        .expect("breach");
    lead.add_action(
        &first.id,
        &NewAction {
            title: "Retrain, with care".into(),
            owner: "ana".into(),
            due: day("2026-03-20"),
        },
    )
    .await
    .expect("action");
    lead.add_note(&first.id, "note").await.expect("note");

    let dir = tempfile::tempdir().expect("temp dir");
    let auditor = server.client(AUDITOR);
    let summary =
        triage::evidence::write_pack(&auditor, day("2026-01-01"), day("2026-12-31"), dir.path())
            .await
            .expect("pack");
    for f in [
        "incidents.csv",
        "clocks.csv",
        "actions.csv",
        "audit.csv",
        "breaches_under_500.csv",
        "summary.md",
        "report.html",
    ] {
        assert!(dir.path().join(f).exists(), "{f} written");
    }
    let (header, incidents) = read_csv(&dir.path().join("incidents.csv"));
    assert_eq!(incidents.len(), 5);
    assert_eq!(&header[0], "id");
    let row = incidents
        .iter()
        .find(|r| &r[0] == first.id.as_str())
        .expect("first incident");
    assert_eq!(
        &row[1], "Fax, \"quoted\" <b>bold</b> \u{1b}[2J",
        "text round-trips as stored"
    );
    assert_eq!(&row[4], "breach");
    assert!(
        row[18].contains("164.402"),
        "reasons with citations: {}",
        &row[18]
    );
    let (_, clocks) = read_csv(&dir.path().join("clocks.csv"));
    assert!(
        clocks
            .iter()
            .any(|c| &c[0] == first.id.as_str() && &c[1] == "individuals" && &c[3] == "2026-04-30"),
        "D0 + 60"
    );
    assert_eq!(clocks.len(), summary.clocks);
    let (_, actions) = read_csv(&dir.path().join("actions.csv"));
    assert_eq!(actions.len(), 1);
    assert_eq!(&actions[0][2], "Retrain, with care");
    let (_, audit) = read_csv(&dir.path().join("audit.csv"));
    assert_eq!(audit.len(), summary.audit_entries);
    assert_eq!(
        audit.iter().filter(|a| &a[0] == first.id.as_str()).count(),
        4,
        "create, update, action, note"
    );
    let (_, small) = read_csv(&dir.path().join("breaches_under_500.csv"));
    assert_eq!(small.len(), 1);
    assert_eq!((&small[0][1], &small[0][2]), ("MA", "42"));
    let html = std::fs::read_to_string(dir.path().join("report.html")).expect("html");
    assert!(html.starts_with("<!DOCTYPE html>") && html.matches("<svg").count() == 2);
    assert!(
        !html.contains("<b>bold</b>")
            && html.contains("&lt;b&gt;bold&lt;/b&gt;")
            && !html.contains('\u{1b}')
    );
}

/// The HTML report opens in headless Chromium and renders (a PNG screenshot of a real page).
/// Skipped with a message where Chromium is not installed; `.ci/run` installs it.
#[tokio::test]
async fn report_renders_in_headless_chromium() {
    let Some(chromium) = ["/usr/bin/chromium", "/usr/bin/chromium-browser"]
        .into_iter()
        .find(|p| std::path::Path::new(p).exists())
    else {
        eprintln!("skipped: chromium is not installed");
        return;
    };
    let server = TestServer::start().await;
    let lead = server.client(LEAD);
    for n in 0..3 {
        let r = NewReport {
            title: format!("Near miss {n}"),
            site: "North".into(),
            discovered_at: Some(day("2026-02-01")),
            ..Default::default()
        };
        lead.report(&r).await.expect("report");
    }
    let dir = tempfile::tempdir().expect("temp dir");
    triage::evidence::write_pack(
        &server.client(AUDITOR),
        day("2026-01-01"),
        day("2026-12-31"),
        dir.path(),
    )
    .await
    .expect("pack");
    let shot = dir.path().join("shot.png");
    let profile = tempfile::tempdir().expect("profile dir");
    let out = std::process::Command::new(chromium)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
            "--window-size=1000,1000",
        ])
        .arg(format!("--user-data-dir={}", profile.path().display()))
        .arg(format!("--screenshot={}", shot.display()))
        .arg(format!(
            "file://{}",
            dir.path().join("report.html").display()
        ))
        .output()
        .expect("chromium runs");
    assert!(
        out.status.success(),
        "chromium failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let png = std::fs::read(&shot).expect("screenshot written");
    assert!(
        png.starts_with(b"\x89PNG") && png.len() > 10_000,
        "a rendered page, {} bytes",
        png.len()
    );
}
