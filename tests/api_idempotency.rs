//! Idempotency keys on creates: a client that never heard the answer (a SIEM, the console's
//! outbox, a script on a flaky link) retries with the same `Idempotency-Key` and gets what the
//! first request made, never a second record. Runs on PostgreSQL too with `TRIAGE_TEST_PG`.

mod common;

use common::*;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

/// Sends a JSON create with an optional key; returns status, the replay header and the body.
async fn create(
    server: &TestServer,
    user: &str,
    path: &str,
    body: &Value,
    key: Option<&str>,
) -> (StatusCode, bool, Value) {
    let mut req = reqwest::Client::new()
        .request(Method::POST, format!("{}{path}", server.url()))
        .bearer_auth(server.token(user))
        .json(body);
    if let Some(k) = key {
        req = req.header("Idempotency-Key", k);
    }
    let resp = req.send().await.expect("send");
    let status = resp.status();
    let replayed = resp
        .headers()
        .get("idempotent-replayed")
        .is_some_and(|v| v == "true");
    let body = resp.json::<Value>().await.unwrap_or(Value::Null);
    (status, replayed, body)
}

async fn count_incidents(server: &TestServer) -> usize {
    let (_, page) = server
        .as_user(ADMIN, Method::GET, "/api/v1/incidents?limit=1000", None)
        .await;
    page["items"].as_array().expect("items").len()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_retried_report_answers_with_the_first_and_files_nothing_new() {
    let server = TestServer::start().await;
    let report = json!({"title": "Fax to the wrong clinic", "site": "North"});
    let (status, replayed, first) = create(
        &server,
        REPORTER,
        "/api/v1/reports",
        &report,
        Some("siem-4711"),
    )
    .await;
    assert_eq!((status, replayed), (StatusCode::CREATED, false), "{first}");
    let audit = server.audit_len().await;

    let (status, replayed, again) = create(
        &server,
        REPORTER,
        "/api/v1/reports",
        &report,
        Some("siem-4711"),
    )
    .await;
    assert_eq!((status, replayed), (StatusCode::CREATED, true), "{again}");
    assert_eq!(s(&again, "id"), s(&first, "id"));
    assert_eq!(count_incidents(&server).await, 1);
    assert_eq!(server.audit_len().await, audit, "a replay writes nothing");

    // The same key with another request is a client bug: refused, nothing written.
    let other = json!({"title": "Something else", "site": "North"});
    let (status, _, refused) = create(
        &server,
        REPORTER,
        "/api/v1/reports",
        &other,
        Some("siem-4711"),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{refused}");
    assert_eq!(error_code(&refused), "idempotency_key_reused");
    assert_eq!(count_incidents(&server).await, 1);

    // Keys belong to their user: another reporter's same key is a new report.
    let (status, replayed, theirs) = create(
        &server,
        REPORTER2,
        "/api/v1/reports",
        &report,
        Some("siem-4711"),
    )
    .await;
    assert_eq!((status, replayed), (StatusCode::CREATED, false));
    assert_ne!(s(&theirs, "id"), s(&first, "id"));

    // Without a key every request is a new report, as before.
    create(&server, REPORTER, "/api/v1/reports", &report, None).await;
    create(&server, REPORTER, "/api/v1/reports", &report, None).await;
    assert_eq!(count_incidents(&server).await, 4);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn notes_and_actions_are_made_once_per_key() {
    let server = TestServer::start().await;
    let inc = server.report(REPORTER, "Fax to the wrong clinic").await;
    let id = s(&inc, "id").to_string();
    let notes = format!("/api/v1/incidents/{id}/notes");
    let note = json!({"text": "Called the clinic"});
    let (_, _, first) = create(&server, ANALYST, &notes, &note, Some("n-1")).await;
    let (status, replayed, again) = create(&server, ANALYST, &notes, &note, Some("n-1")).await;
    assert_eq!((status, replayed), (StatusCode::CREATED, true));
    assert_eq!(s(&again, "id"), s(&first, "id"));

    let actions = format!("/api/v1/incidents/{id}/actions");
    let action = json!({"title": "Program speed dials", "owner": ANALYST, "due": "2026-04-01"});
    let (_, _, first) = create(&server, ANALYST, &actions, &action, Some("a-1")).await;
    let (status, replayed, again) = create(&server, ANALYST, &actions, &action, Some("a-1")).await;
    assert_eq!((status, replayed), (StatusCode::CREATED, true));
    assert_eq!(s(&again, "id"), s(&first, "id"));

    let record = server.incident_record(&id).await;
    assert_eq!(record["notes"].as_array().map(Vec::len), Some(1));
    assert_eq!(record["actions"].as_array().map(Vec::len), Some(1));

    // The key of a note used for a note on another incident is another request.
    let other = server.report(REPORTER, "Badge tailgating").await;
    let (status, _, body) = create(
        &server,
        ANALYST,
        &format!("/api/v1/incidents/{}/notes", s(&other, "id")),
        &note,
        Some("n-1"),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_retries_with_one_key_make_one_report() {
    let server = TestServer::start().await;
    let report = json!({"title": "Lost laptop", "site": "South"});
    let attempts = (0..8).map(|_| create(&server, REPORTER, "/api/v1/reports", &report, Some("k")));
    let answers = futures::future::join_all(attempts).await;
    let ids: std::collections::HashSet<String> = answers
        .iter()
        .map(|(status, _, body)| {
            assert_eq!(*status, StatusCode::CREATED, "{body}");
            s(body, "id").to_string()
        })
        .collect();
    assert_eq!(ids.len(), 1, "every attempt answered with the one report");
    assert_eq!(
        answers.iter().filter(|(_, replayed, _)| !replayed).count(),
        1
    );
    assert_eq!(count_incidents(&server).await, 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn malformed_keys_are_refused() {
    let server = TestServer::start().await;
    let report = json!({"title": "Lost laptop", "site": "South"});
    for key in ["", &"x".repeat(201), "has space", "tab\there"] {
        let (status, _, body) =
            create(&server, REPORTER, "/api/v1/reports", &report, Some(key)).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{key:?}: {body}");
    }
    assert_eq!(count_incidents(&server).await, 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_key_is_remembered_for_thirty_days_then_free_again() {
    let server = TestServer::start().await;
    let report = json!({"title": "Lost laptop", "site": "South"});
    let (_, _, first) = create(&server, REPORTER, "/api/v1/reports", &report, Some("k")).await;
    server.set_clock(server.now() + chrono::Duration::days(29));
    let (_, replayed, again) =
        create(&server, REPORTER, "/api/v1/reports", &report, Some("k")).await;
    assert!(replayed, "29 days on: still the first report");
    assert_eq!(s(&again, "id"), s(&first, "id"));
    server.set_clock(server.now() + chrono::Duration::days(2));
    let (status, replayed, later) =
        create(&server, REPORTER, "/api/v1/reports", &report, Some("k")).await;
    assert_eq!((status, replayed), (StatusCode::CREATED, false), "{later}");
    assert_ne!(s(&later, "id"), s(&first, "id"), "31 days on: a new report");
}
