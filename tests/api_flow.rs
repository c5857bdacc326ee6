//! The whole workflow through the API — report, triage, classify, four-factor assessment,
//! determination, deadlines with citations, note, actions, verification, close — with the audit
//! trail checked entry by entry; paging with cursors and `since`; and two analysts editing the
//! same incident at once without losing an edit.

mod common;

use chrono::Duration;
use common::*;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use std::collections::BTreeSet;
use triage::domain::audit::verify_chain;
use triage::domain::{IncidentPatch, Status};

/// Moves the fixed clock to T0 + `minutes` and returns that time as the server formats it.
fn tick(server: &TestServer, minutes: i64) -> chrono::DateTime<chrono::Utc> {
    let t = at(T0) + Duration::minutes(minutes);
    server.set_clock(t);
    t
}

async fn patch(server: &TestServer, user: &str, id: &str, body: Value) -> (StatusCode, Value) {
    let version = i(&server.incident(id).await, "version");
    let mut body = body;
    body["version"] = json!(version);
    server
        .as_user(
            user,
            Method::PATCH,
            &format!("/api/v1/incidents/{id}"),
            Some(&body),
        )
        .await
}

async fn patch_ok(server: &TestServer, user: &str, id: &str, body: Value) -> Value {
    let (status, out) = patch(server, user, id, body.clone()).await;
    assert_eq!(status, StatusCode::OK, "{user} {body}: {out}");
    out
}

async fn patch_action(
    server: &TestServer,
    user: &str,
    action: &Value,
    body: Value,
) -> (StatusCode, Value) {
    let path = format!("/api/v1/actions/{}", s(action, "id"));
    let (_, inc) = server
        .as_user(
            ADMIN,
            Method::GET,
            &format!("/api/v1/incidents/{}", s(action, "incident_id")),
            None,
        )
        .await;
    let current = inc["actions"]
        .as_array()
        .and_then(|a| a.iter().find(|a| a["id"] == action["id"]))
        .cloned()
        .expect("action on its incident");
    let mut body = body;
    body["version"] = current["version"].clone();
    server
        .as_user(user, Method::PATCH, &path, Some(&body))
        .await
}

/// (kind, state, due, citation) of each deadline.
fn clocks(incident: &Value) -> Vec<(String, Option<String>, String, String)> {
    incident["deadlines"]
        .as_array()
        .expect("deadlines")
        .iter()
        .map(|d| {
            (
                s(d, "kind").to_string(),
                d.get("state").and_then(Value::as_str).map(str::to_string),
                s(d, "due").to_string(),
                s(d, "citation").to_string(),
            )
        })
        .collect()
}

fn owned(
    kind: &str,
    state: Option<&str>,
    due: &str,
    citation: &str,
) -> (String, Option<String>, String, String) {
    (
        kind.into(),
        state.map(str::to_string),
        due.into(),
        citation.into(),
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn report_to_close_with_a_complete_audit_trail() {
    let server = TestServer::start().await;
    // (action, actor, entity is the incident?, time) of every change, in order.
    let mut expected: Vec<(&str, &str, chrono::DateTime<chrono::Utc>)> = Vec::new();

    // Report: a reporter, a few words, the discovery date.
    let t = tick(&server, 1);
    let (status, inc) = server
        .as_user(
            REPORTER,
            Method::POST,
            "/api/v1/reports",
            Some(&json!({"title": "Laptop stolen from car", "site": "North Campus", "description": "unencrypted clinic laptop", "discovered_at": "2026-03-02", "department": "Cardiology"})),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{inc}");
    expected.push(("incident.create", REPORTER, t));
    let id = s(&inc, "id").to_string();
    assert!(id.starts_with("INC-2026-"), "{id}");
    assert_eq!(
        (
            s(&inc, "status"),
            s(&inc, "determination"),
            i(&inc, "version")
        ),
        ("new", "undetermined", 1)
    );
    assert_eq!(s(&inc, "source"), "api");
    // Only the internal clocks run yet: triage in one business day, assessment D0 + 10.
    assert_eq!(
        clocks(&inc),
        vec![
            owned(
                "triage",
                None,
                "2026-03-06",
                "internal SLA; 45 CFR 164.308(a)(6)(ii)"
            ),
            owned(
                "assessment",
                None,
                "2026-03-12",
                "internal SLA; 45 CFR 164.402(2)"
            ),
        ]
    );

    // Triage.
    let t = tick(&server, 2);
    let inc = patch_ok(&server, ANALYST, &id, json!({"status": "triaged"})).await;
    expected.push(("incident.update", ANALYST, t));
    assert_eq!(s(&inc, "status"), "triaged");

    // Classify: HHS types and locations, reach per state.
    let t = tick(&server, 3);
    let inc = patch_ok(
        &server,
        ANALYST,
        &id,
        json!({"classification": {
            "breach_type": ["Theft"],
            "location": ["Laptop", "Other Portable Electronic Device"],
            "subtype": "stolen_device",
            "severity": "high",
            "phi_involved": true,
            "individuals_affected": 1200,
            "residents_by_state": {"CA": 501, "NY": 500, "TX": 199},
            "tags": ["vehicle"]
        }}),
    )
    .await;
    expected.push(("incident.update", ANALYST, t));
    assert_eq!(
        inc["classification"]["residents_by_state"]["CA"],
        json!(501)
    );
    // PHI involved and undetermined: a breach is presumed, so the notices show as provisional.
    let provisional: Vec<&Value> = inc["deadlines"]
        .as_array()
        .expect("deadlines")
        .iter()
        .filter(|d| d["kind"] != "assessment")
        .collect();
    assert!(!provisional.is_empty());
    assert!(
        provisional.iter().all(|d| d["status"] == "provisional"),
        "{provisional:?}"
    );
    let t = tick(&server, 4);
    patch_ok(&server, ANALYST, &id, json!({"status": "investigating"})).await;
    expected.push(("incident.update", ANALYST, t));

    // The four-factor assessment, and the suggestion it yields with its reasons.
    let t = tick(&server, 5);
    let inc = patch_ok(
        &server,
        ANALYST,
        &id,
        json!({"risk_assessment": {
            "nature_extent": {"risk": "high", "notes": "names, MRNs, diagnoses"},
            "unauthorized_person": {"risk": "medium", "notes": "unknown thief"},
            "acquired_viewed": {"risk": "low", "notes": "no sign of access yet"},
            "mitigation": {"risk": "low", "notes": "remote wipe sent"},
            "conclusion": "not low probability of compromise"
        }}),
    )
    .await;
    expected.push(("incident.update", ANALYST, t));
    let ra = &inc["risk_assessment"];
    assert_eq!(s(ra, "assessed_by"), ANALYST);
    assert_eq!(triage::store::parse_time(s(ra, "assessed_at")), Some(t));
    let suggestion = &inc["suggestion"];
    assert_eq!(s(suggestion, "determination"), "breach");
    assert_eq!(suggestion["complete"], json!(true));
    let reasons: Vec<&str> = suggestion["reasons"]
        .as_array()
        .expect("reasons")
        .iter()
        .filter_map(Value::as_str)
        .collect();
    assert!(
        reasons
            .iter()
            .any(|r| r.contains("nature and extent") && r.contains("high")),
        "{reasons:?}"
    );
    assert!(
        reasons
            .iter()
            .any(|r| r.contains("unauthorized person") && r.contains("medium")),
        "{reasons:?}"
    );
    assert!(
        reasons.iter().any(|r| r.contains("164.402(2)")),
        "{reasons:?}"
    );

    // The lead decides and assigns.
    let t = tick(&server, 6);
    let inc = patch_ok(
        &server,
        LEAD,
        &id,
        json!({"determination": "breach", "owner": ANALYST}),
    )
    .await;
    expected.push(("incident.update", LEAD, t));
    assert_eq!(s(&inc, "determination"), "breach");
    assert_eq!(s(&inc, "owner"), ANALYST);
    // D0 + 60 = 2026-05-01 for every 60-day notice; media only where one state has more than
    // 500 residents (CA 501; NY's 500 is not more); HHS with the individual notice (1200 >= 500).
    assert_eq!(
        clocks(&inc),
        vec![
            owned("individuals", None, "2026-05-01", "45 CFR 164.404(b)"),
            owned("media", Some("CA"), "2026-05-01", "45 CFR 164.406"),
            owned("hhs", None, "2026-05-01", "45 CFR 164.408(b)"),
        ]
    );
    for d in inc["deadlines"].as_array().expect("deadlines") {
        assert_eq!(s(d, "status"), "open");
        assert_eq!(i(d, "days_left"), 57, "2026-03-05 to 2026-05-01: {d}");
        assert!(s(d, "basis").contains("60"), "{d}");
    }

    // The lead corrects D0; every clock follows, and the change is audited.
    let t = tick(&server, 7);
    let inc = patch_ok(&server, LEAD, &id, json!({"discovered_at": "2026-03-01"})).await;
    expected.push(("incident.update", LEAD, t));
    assert!(
        clocks(&inc)
            .iter()
            .all(|(_, _, due, _)| due == "2026-04-30"),
        "{:?}",
        clocks(&inc)
    );

    // A note and two corrective actions.
    let t = tick(&server, 8);
    let (status, note) = server
        .as_user(
            ANALYST,
            Method::POST,
            &format!("/api/v1/incidents/{id}/notes"),
            Some(&json!({"text": "Root cause: laptop left in a car; disk not encrypted."})),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{note}");
    expected.push(("note.create", ANALYST, t));
    assert_eq!(s(&note, "author"), ANALYST);

    let t = tick(&server, 9);
    let (status, encrypt) = server
        .as_user(
            ANALYST,
            Method::POST,
            &format!("/api/v1/incidents/{id}/actions"),
            Some(&json!({"title": "Encrypt every clinic laptop", "owner": ANALYST, "due": "2026-03-20"})),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{encrypt}");
    expected.push(("action.create", ANALYST, t));
    assert_eq!((s(&encrypt, "status"), i(&encrypt, "version")), ("open", 1));
    let t = tick(&server, 10);
    let (status, train) = server
        .as_user(
            ANALYST,
            Method::POST,
            &format!("/api/v1/incidents/{id}/actions"),
            Some(&json!({"title": "Remind staff: nothing in cars", "owner": ANALYST2, "due": "2026-03-27"})),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{train}");
    expected.push(("action.create", ANALYST, t));

    let t = tick(&server, 11);
    patch_ok(&server, ANALYST, &id, json!({"status": "actions"})).await;
    expected.push(("incident.update", ANALYST, t));

    // Complete; the owner may not verify their own work, someone else may.
    let t = tick(&server, 12);
    let (status, done) = patch_action(&server, ANALYST, &encrypt, json!({"status": "done"})).await;
    assert_eq!(status, StatusCode::OK, "{done}");
    expected.push(("action.update", ANALYST, t));
    assert_eq!(triage::store::parse_time(s(&done, "completed_at")), Some(t));
    tick(&server, 13);
    let (status, refused) =
        patch_action(&server, ANALYST, &encrypt, json!({"status": "verified"})).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{refused}");
    assert_eq!(error_field(&refused), Some("status"));
    assert!(error_message(&refused).contains("someone other than its owner"));
    let t = tick(&server, 14);
    let (status, verified) =
        patch_action(&server, LEAD, &encrypt, json!({"status": "verified"})).await;
    assert_eq!(status, StatusCode::OK, "{verified}");
    expected.push(("action.update", LEAD, t));
    assert_eq!(s(&verified, "verified_by"), LEAD);

    // Close: never by an analyst; by a lead only with the work done or a recorded reason.
    tick(&server, 15);
    let (status, out) = patch(&server, ANALYST, &id, json!({"status": "closed"})).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{out}");
    let (status, out) = patch(&server, LEAD, &id, json!({"status": "closed"})).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{out}");
    assert_eq!(error_field(&out), Some("status"));
    // One open action and three unmet notices.
    assert!(error_message(&out).contains("4 open"), "{out}");
    let (status, out) = patch(
        &server,
        LEAD,
        &id,
        json!({"status": "closed", "close_reason": "   "}),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{out}");
    let t = tick(&server, 16);
    let closed = patch_ok(
        &server,
        LEAD,
        &id,
        json!({"status": "closed", "close_reason": "notices handed to outside counsel; reminder tracked in HR"}),
    )
    .await;
    expected.push(("incident.update", LEAD, t));
    assert_eq!(s(&closed, "status"), "closed");

    // Closing is a status, not a deletion: everything is still there.
    let final_view = server.incident(&id).await;
    assert_eq!(final_view["notes"].as_array().map(Vec::len), Some(1));
    assert_eq!(final_view["actions"].as_array().map(Vec::len), Some(2));
    assert_eq!(i(&final_view, "version"), 9);

    // The trail: exactly one entry per change, with actor and time, nothing for refusals.
    let (status, trail) = server
        .as_user(
            ADMIN,
            Method::GET,
            &format!("/api/v1/audit?incident={id}"),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{trail}");
    let got: Vec<(String, String, Option<chrono::DateTime<chrono::Utc>>)> = trail
        .as_array()
        .expect("entries")
        .iter()
        .map(|e| {
            (
                s(e, "action").to_string(),
                s(e, "actor").to_string(),
                triage::store::parse_time(s(e, "at")),
            )
        })
        .collect();
    let want: Vec<(String, String, Option<chrono::DateTime<chrono::Utc>>)> = expected
        .iter()
        .map(|(a, who, t)| (a.to_string(), who.to_string(), Some(*t)))
        .collect();
    assert_eq!(got, want);
    let d0_change = &trail[6];
    assert_eq!(d0_change["before"]["discovered_at"], json!("2026-03-02"));
    assert_eq!(d0_change["after"]["discovered_at"], json!("2026-03-01"));
    let decision = &trail[5];
    assert_eq!(decision["before"]["determination"], json!("undetermined"));
    assert_eq!(decision["after"]["determination"], json!("breach"));

    // The auditor reads the same trail; the whole chain verifies.
    let (status, again) = server
        .as_user(
            AUDITOR,
            Method::GET,
            &format!("/api/v1/audit?incident={id}"),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(again, trail);
    let rows = server.running.state.store.audit_rows().await.expect("rows");
    let report = verify_chain(rows.clone());
    assert_eq!(report.first_broken, None);
    assert_eq!(report.checked as usize, rows.len());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn paging_with_cursor_and_since() {
    let server = TestServer::start().await;
    let analyst = server.client(ANALYST);
    let mut created = Vec::new();
    for n in 0..250 {
        let inc = analyst
            .report(&triage::domain::NewReport {
                title: format!("Misdirected fax {n}"),
                site: "North".into(),
                ..Default::default()
            })
            .await
            .expect("report");
        created.push(inc.id);
    }

    let mut seen = Vec::new();
    let mut sizes = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let path = match &cursor {
            Some(c) => format!("/api/v1/incidents?limit=100&cursor={c}"),
            None => "/api/v1/incidents?limit=100".to_string(),
        };
        let (status, page) = server.as_user(ANALYST, Method::GET, &path, None).await;
        assert_eq!(status, StatusCode::OK, "{page}");
        let items = page["items"].as_array().expect("items");
        sizes.push(items.len());
        seen.extend(items.iter().map(|i| s(i, "id").to_string()));
        match page["next_cursor"].as_str() {
            Some(c) => cursor = Some(c.to_string()),
            None => break,
        }
        assert!(sizes.len() < 10, "paging does not end");
    }
    assert_eq!(sizes, vec![100, 100, 50]);
    assert_eq!(seen, created, "every incident exactly once, in order");

    // The typed client follows the pages the same way.
    let all = analyst
        .list_all(
            &triage::client::ListParams {
                limit: Some(100),
                ..Default::default()
            },
            None,
        )
        .await
        .expect("list all");
    assert_eq!(all.len(), 250);

    // Changes an hour later: only those come back with since=.
    let t1 = at(T0) + Duration::hours(1);
    server.set_clock(t1);
    let mut changed = BTreeSet::new();
    for idx in [3, 77, 199] {
        analyst
            .patch_incident(
                &created[idx],
                1,
                &IncidentPatch {
                    status: Some(Status::Triaged),
                    ..Default::default()
                },
            )
            .await
            .expect("patch");
        changed.insert(created[idx].clone());
    }
    analyst
        .add_note(&created[120], "called the clinic back")
        .await
        .expect("note");
    changed.insert(created[120].clone());
    analyst
        .add_action(
            &created[249],
            &triage::domain::NewAction {
                title: "Label the fax machine".into(),
                owner: ANALYST.into(),
                due: day("2026-03-31"),
            },
        )
        .await
        .expect("action");
    changed.insert(created[249].clone());

    let since = |t: &str, limit: usize| triage::client::ListParams {
        since: Some(t.to_string()),
        limit: Some(limit),
        ..Default::default()
    };
    let got: BTreeSet<String> = analyst
        .list_all(&since(T0, 2), None)
        .await
        .expect("since T0")
        .into_iter()
        .map(|i| i.id)
        .collect();
    assert_eq!(got, changed);
    // An offset spelling of the same instant means the same.
    let got = analyst
        .list_all(&since("2026-03-05T11:00:00+01:00", 1000), None)
        .await
        .expect("since T0 with offset");
    assert_eq!(got.len(), changed.len());
    let got = analyst
        .list_all(&since(&triage::store::format_time(t1), 1000), None)
        .await
        .expect("since T1");
    assert!(got.is_empty(), "nothing changed after T1: {:?}", got.len());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_edits_one_wins_none_lost() {
    let server = TestServer::start().await;
    let ana = server.client(ANALYST);
    let andy = server.client(ANALYST2);
    let inc = server
        .report(REPORTER, "Wristband with the wrong name")
        .await;
    let id = s(&inc, "id").to_string();
    let audit_start = server.audit_len().await;

    let rounds = 5;
    for round in 0..rounds {
        let base = ana.incident(&id).await.expect("read").version;
        let title = IncidentPatch {
            title: Some(format!("Wrong wristband, round {round}")),
            ..Default::default()
        };
        let description = IncidentPatch {
            description: Some(format!("printer queue mix-up, round {round}")),
            ..Default::default()
        };
        let (a, b) = tokio::join!(
            ana.patch_incident(&id, base, &title),
            andy.patch_incident(&id, base, &description)
        );
        let (winner, loser, loser_patch) = match (a, b) {
            (Ok(w), Err(l)) => (w, l, description),
            (Err(l), Ok(w)) => (w, l, title),
            (a, b) => panic!("round {round}: exactly one must win: {a:?} / {b:?}"),
        };
        assert_eq!(winner.version, base + 1);
        assert!(loser.is_conflict(), "round {round}: {loser}");
        let current = loser.conflict_current().expect("current record in the 409");
        assert_eq!(i(current, "version"), base + 1);
        assert_eq!(current["title"], json!(winner.title));
        assert_eq!(current["description"], json!(winner.description));
        // Re-applied on the version it was shown, the losing edit goes in.
        let client = if loser_patch.title.is_some() {
            &ana
        } else {
            &andy
        };
        let merged = client
            .patch_incident(&id, base + 1, &loser_patch)
            .await
            .expect("re-applied");
        assert_eq!(merged.version, base + 2);
        assert_eq!(merged.title, format!("Wrong wristband, round {round}"));
        assert_eq!(
            merged.description,
            format!("printer queue mix-up, round {round}")
        );
    }
    // Two entries per round: the winner's and the re-applied edit; none for the conflicts.
    assert_eq!(server.audit_len().await, audit_start + 2 * rounds);
    let report = verify_chain(server.running.state.store.audit_rows().await.expect("rows"));
    assert_eq!(report.first_broken, None);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_action_updates_one_wins() {
    let server = TestServer::start().await;
    let inc = server
        .report(REPORTER, "Shared password on a sticky note")
        .await;
    let ana = server.client(ANALYST);
    let lee = server.client(LEAD);
    let action = ana
        .add_action(
            s(&inc, "id"),
            &triage::domain::NewAction {
                title: "Badge-tap login at the nurses' station".into(),
                owner: ANALYST2.into(),
                due: day("2026-04-15"),
            },
        )
        .await
        .expect("action");
    let start_work = triage::domain::ActionPatch {
        status: Some(triage::domain::ActionStatus::InProgress),
        ..Default::default()
    };
    let move_due = triage::domain::ActionPatch {
        due: Some(day("2026-04-30")),
        reason: Some("hardware back-ordered".into()),
        ..Default::default()
    };
    let start = ana.patch_action(&action.id, action.version, &start_work);
    let redate = lee.patch_action(&action.id, action.version, &move_due);
    let (a, b) = tokio::join!(start, redate);
    assert!(a.is_ok() != b.is_ok(), "exactly one wins: {a:?} / {b:?}");
    let loser = a.as_ref().err().or(b.as_ref().err()).expect("a loser");
    assert!(loser.is_conflict());
    assert_eq!(
        loser.conflict_current().map(|c| i(c, "version")),
        Some(action.version + 1)
    );
}
