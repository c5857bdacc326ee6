//! The leadership figures of `/api/v1/stats`, from the audit trail with an injected clock: time
//! to triage, to determination and to close (median and p90), clocks met or missed.

mod common;

use common::{LEAD, REPORTER, TestServer, at, s};
use triage::domain::deadlines::{DeadlineKind, NoticeRecord};
use triage::domain::{Classification, Determination, IncidentPatch, NewReport, Status};

#[tokio::test]
async fn stats_time_each_step_from_the_audit_trail() {
    let server = TestServer::start().await;
    let lead = server.client(LEAD);
    let inc = lead
        .report(&NewReport {
            title: "Fax to wrong clinic".into(),
            site: "North".into(),
            ..Default::default()
        })
        .await
        .expect("report");
    server.set_clock(at("2026-03-05T12:00:00Z"));
    let inc = lead
        .patch_incident(
            &inc.id,
            inc.version,
            &IncidentPatch {
                status: Some(Status::Triaged),
                ..Default::default()
            },
        )
        .await
        .expect("triage");
    server.set_clock(at("2026-03-05T15:00:00Z"));
    let breach = IncidentPatch {
        determination: Some(Determination::Breach),
        classification: Some(Classification {
            phi_involved: Some(true),
            individuals_affected: Some(3),
            ..Default::default()
        }),
        ..Default::default()
    };
    let inc = lead
        .patch_incident(&inc.id, inc.version, &breach)
        .await
        .expect("decide");
    server.set_clock(at("2026-03-07T10:00:00Z"));
    let notices = IncidentPatch {
        notices: Some(vec![NoticeRecord {
            kind: DeadlineKind::Individuals,
            state: None,
            sent_on: "2026-03-07".parse().expect("date"),
        }]),
        ..Default::default()
    };
    let inc = lead
        .patch_incident(&inc.id, inc.version, &notices)
        .await
        .expect("notice");
    let close = IncidentPatch {
        status: Some(Status::Closed),
        close_reason: Some("HHS annual log pending".into()),
        ..Default::default()
    };
    lead.patch_incident(&inc.id, inc.version, &close)
        .await
        .expect("close");

    let s = lead
        .stats(Some("2026-01-01"), Some("2026-12-31"), Some("month"))
        .await
        .expect("stats");
    assert_eq!(s.median_hours_to_triage, Some(2.0));
    assert_eq!(s.median_hours_to_determination, Some(5.0));
    assert_eq!(s.median_hours_to_close, Some(48.0));
    assert_eq!(s.p90_hours_to_close, Some(48.0));
    assert_eq!(s.clocks_met, 1, "the individual notice was sent in time");
    let per_period: u64 = s.category_series.values().flatten().sum();
    assert_eq!(
        per_period, s.total,
        "every incident counted in its category's period"
    );
    assert_eq!(
        s.site_series.get("North").map(|v| v.len()),
        Some(s.series.len())
    );
}

/// Reports written up again and again with other numbers, dates and names come back as one
/// group of near-identical descriptions, next to the category × site patterns; a different
/// report stays out of it.
#[tokio::test]
async fn stats_group_near_identical_descriptions() {
    let server = TestServer::start().await;
    let lead = server.client(LEAD);
    let fax = |day: &str, number: &str, name: &str| NewReport {
        title: format!("Fax to wrong clinic ({day})"),
        description: format!(
            "Lab results for a patient were faxed to {number} instead of the cardiology clinic \
             because the speed dial entry was outdated; the recipient called on {day}, \
             {name} confirmed the pages were shredded and the entry was corrected."
        ),
        site: "North".into(),
        discovered_at: Some(day.parse().expect("date")),
        ..Default::default()
    };
    let mut ids = Vec::new();
    for (day, number, name) in [
        ("2026-02-02", "555-0100", "Dr. Lee"),
        ("2026-02-20", "555-0142", "Ms. Park"),
        ("2026-03-01", "(555) 0199", "Mr. Okafor"),
    ] {
        ids.push(
            lead.report(&fax(day, number, name))
                .await
                .expect("report")
                .id,
        );
    }
    lead.report(&NewReport {
        title: "Laptop stolen from car".into(),
        description: "A clinic laptop was stolen from a locked car overnight; the disk was \
                      encrypted and the device has been wiped remotely."
            .into(),
        site: "North".into(),
        discovered_at: Some("2026-02-10".parse().expect("date")),
        ..Default::default()
    })
    .await
    .expect("report");

    let s = lead
        .stats(Some("2026-01-01"), Some("2026-03-31"), Some("month"))
        .await
        .expect("stats");
    assert_eq!(s.clusters.len(), 1, "{:?}", s.clusters);
    let c = &s.clusters[0];
    assert_eq!(c.kind, "near_duplicate");
    assert_eq!(c.count, 3);
    assert_eq!(
        c.label, "Fax to wrong clinic (2026-02-02)",
        "the earliest report"
    );
    assert_eq!(c.examples, ids);
    assert_eq!(c.series.iter().sum::<u64>(), 3);
    assert!(["rising", "falling", "flat"].contains(&c.trend.as_str()));
    assert!(s.patterns.iter().all(|p| p.kind == "combination"));

    let (_, doc) = server
        .as_user(LEAD, reqwest::Method::GET, "/api/v1/openapi.json", None)
        .await;
    let stats = &doc["components"]["schemas"]["Stats"]["properties"];
    assert!(stats.get("clusters").is_some(), "clusters documented");
    let pattern = &doc["components"]["schemas"]["Pattern"]["properties"];
    assert!(pattern.get("kind").is_some(), "kind documented");
}

async fn stats(server: &TestServer) -> serde_json::Value {
    let (status, body) = server
        .as_user(LEAD, reqwest::Method::GET, "/api/v1/stats", None)
        .await;
    assert_eq!(status, reqwest::StatusCode::OK, "{body}");
    body
}

/// Statistics are reused while nothing is written, and follow every write at once (a report, a
/// note, a change), on whichever node wrote it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn statistics_follow_every_write() {
    let server = TestServer::start().await;
    let inc = server.report(REPORTER, "Fax to the wrong clinic").await;
    let first = stats(&server).await;
    assert_eq!(
        first,
        stats(&server).await,
        "nothing written: the same answer"
    );
    assert_eq!(first["total"], 1);
    server.report(REPORTER, "Badge tailgating").await;
    assert_eq!(
        stats(&server).await["total"],
        2,
        "a new report counts at once"
    );
    let id = s(&inc, "id");
    server
        .client(LEAD)
        .patch_incident(
            id,
            1,
            &triage::domain::IncidentPatch {
                determination: Some(triage::domain::Determination::NearMiss),
                ..Default::default()
            },
        )
        .await
        .expect("decide");
    let after = stats(&server).await;
    assert_eq!(
        after["by_determination"]["near_miss"], 1,
        "a decision counts at once: {}",
        after["by_determination"]
    );
}
