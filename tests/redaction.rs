//! Redaction against a real server on loopback: a patient's name and MRN pasted into an incident
//! are redacted by an admin and then appear nowhere — not in the record, its notes, lists,
//! search, exports, the evidence pack, the audit trail's copies, nor the database files — while
//! the audit chain keeps verifying and the redaction is itself an attributable entry. The
//! database still refuses every other change to the trail, tampering after a redaction is still
//! named, entries written before content digests existed can be redacted too, only admins may
//! redact, and bad requests change nothing. With `TRIAGE_TEST_PG` set it all runs on PostgreSQL
//! (the file-bytes check is SQLite's alone).

mod common;

use common::*;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use std::io::Write;
use std::path::Path;
use std::process::{Command, Output, Stdio};
use std::time::Instant;
use triage::domain::audit::{GENESIS_HASH, entry_hash, verify_chain};
use triage::store::{SqlStore, Store};

const PASTED: &str = "Faxed the discharge summary of Jane Roe (MRN-7781234) to clinic B";
/// What must not be found anywhere once redacted (the search text is stored lowercased).
const NEEDLES: [&str; 3] = ["7781234", "Jane Roe", "jane roe"];
const REASON: &str = "patient identifiers pasted into the incident by mistake";

fn assert_clean(what: &str, text: &str) {
    for needle in NEEDLES {
        assert!(!text.contains(needle), "{what} still holds {needle:?}");
    }
}

fn holds_any(bytes: &[u8]) -> bool {
    NEEDLES
        .iter()
        .any(|n| bytes.windows(n.len()).any(|w| w == n.as_bytes()))
}

/// Files a report as the analyst.
async fn report(server: &TestServer, title: &str, description: &str) -> String {
    let (status, body) = server
        .as_user(
            ANALYST,
            Method::POST,
            "/api/v1/reports",
            Some(&json!({"title": title, "site": "North Campus", "description": description})),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    s(&body, "id").to_string()
}

async fn note(server: &TestServer, id: &str, text: &str) -> String {
    let (status, body) = server
        .as_user(
            ANALYST,
            Method::POST,
            &format!("/api/v1/incidents/{id}/notes"),
            Some(&json!({ "text": text })),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    s(&body, "id").to_string()
}

async fn patch(server: &TestServer, id: &str, mut body: Value) {
    body["version"] = json!(version(server, id).await);
    let (status, answer) = server
        .as_user(
            ANALYST,
            Method::PATCH,
            &format!("/api/v1/incidents/{id}"),
            Some(&body),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{answer}");
}

async fn version(server: &TestServer, id: &str) -> i64 {
    i(&server.incident(id).await, "version")
}

/// `POST …/redactions` as `user`, with `If-Match` when a version is given.
async fn redact_as(
    server: &TestServer,
    user: &str,
    id: &str,
    body: &Value,
    version: Option<i64>,
) -> (StatusCode, Value) {
    let tag = version.map(|v| v.to_string());
    let headers: Vec<(&str, &str)> = tag.iter().map(|v| ("If-Match", v.as_str())).collect();
    server
        .call_with(
            &server.http,
            Method::POST,
            &format!("/api/v1/incidents/{id}/redactions"),
            Some(&server.token(user)),
            Some(body),
            &headers,
        )
        .await
}

/// An admin's redaction at the current version; expects 201.
async fn redact(server: &TestServer, id: &str, body: Value) -> Value {
    let v = version(server, id).await;
    let (status, answer) = redact_as(server, ADMIN, id, &body, Some(v)).await;
    assert_eq!(status, StatusCode::CREATED, "{answer}");
    assert_eq!(i(&answer, "version"), v + 1, "{answer}");
    answer
}

/// A second connection to the server's database, to inspect or tamper with rows.
async fn open(server: &TestServer) -> SqlStore {
    SqlStore::open(&server.db, 1).await.expect("database opens")
}

async fn exec(store: &SqlStore, statement: &str, binds: &[&str]) -> Result<u64, String> {
    let mut q = sqlx::query(sqlx::AssertSqlSafe(statement.to_string()));
    for b in binds {
        q = q.bind(b.to_string());
    }
    q.execute(store.pool())
        .await
        .map(|d| d.rows_affected())
        .map_err(|e| e.to_string())
}

async fn drop_update_trigger(store: &SqlStore) {
    let statement = if on_postgres() {
        "DROP TRIGGER audit_no_update ON audit"
    } else {
        "DROP TRIGGER audit_no_update"
    };
    exec(store, statement, &[]).await.expect("drop trigger");
}

/// Rows of any table that still hold the pasted text.
async fn rows_holding_it(store: &SqlStore) -> i64 {
    let mut n = 0;
    for (table, columns) in [
        ("incidents", ["doc", "search_text"]),
        ("notes", ["text", "text"]),
        ("audit", ["before_json", "after_json"]),
    ] {
        let sql = format!(
            "SELECT COUNT(*) AS n FROM {table} WHERE LOWER({0}) LIKE $1 OR LOWER({0}) LIKE $2 OR LOWER({1}) LIKE $1 OR LOWER({1}) LIKE $2",
            columns[0], columns[1]
        );
        let row = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind("%7781234%")
            .bind("%jane roe%")
            .fetch_one(store.pool())
            .await
            .expect("count");
        n += sqlx::Row::try_get::<i64, _>(&row, "n").expect("n");
    }
    n
}

/// The SQLite database's files, as bytes on disk.
fn database_bytes(server: &TestServer) -> Vec<u8> {
    let mut bytes = Vec::new();
    for suffix in ["", "-wal", "-shm", "-journal"] {
        let path = format!("{}{suffix}", server.db);
        if let Ok(b) = std::fs::read(&path) {
            bytes.extend(b);
        }
    }
    assert!(!bytes.is_empty(), "no database file at {}", server.db);
    bytes
}

async fn search_ids(server: &TestServer, q: &str) -> Vec<String> {
    let (status, body) = server
        .as_user(
            ANALYST,
            Method::GET,
            &format!("/api/v1/search?q={q}&limit=50"),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    body["hits"]
        .as_array()
        .expect("hits")
        .iter()
        .map(|h| s(h, "id").to_string())
        .collect()
}

/// Waits (bounded, only so a failure does not hang) until search for `q` does or does not
/// find `id`: the index follows writes through the event pump.
async fn wait_for_search(server: &TestServer, q: &str, id: &str, found: bool) {
    let deadline = Instant::now() + PATIENCE;
    while search_ids(server, q).await.contains(&id.to_string()) != found {
        assert!(
            Instant::now() < deadline,
            "search for {q} never {} {id}",
            if found { "found" } else { "stopped finding" }
        );
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
}

/// The binary with an environment of its own (see `common::triage_command`).
fn triage(home: &Path) -> Command {
    common::triage_command(home)
}

fn api(server: &TestServer, home: &Path, user: &str) -> Command {
    let mut cmd = triage(home);
    cmd.args(["--url", &server.url(), "--token", &server.token(user)]);
    cmd
}

/// Runs the binary off the async runtime's threads.
async fn run(mut cmd: Command) -> Output {
    tokio::task::spawn_blocking(move || cmd.output().expect("the binary runs"))
        .await
        .expect("joined")
}

fn ok_stdout(out: &Output) -> String {
    assert!(
        out.status.success(),
        "failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// `triage audit verify --json` on the server's database.
async fn verify_with_binary(server: &TestServer, home: &Path) -> (bool, Value) {
    let mut cmd = triage(home);
    cmd.args(["--db", &server.db, "audit", "verify", "--json"]);
    let out = run(cmd).await;
    let report: Value = serde_json::from_slice(&out.stdout).expect("JSON report");
    (out.status.success(), report)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn redacted_text_appears_nowhere_and_the_chain_verifies() {
    let server = TestServer::start().await;
    let id = report(&server, "Fax to the wrong clinic", PASTED).await;
    // Edited since: the earlier value, with the MRN, lives on in the trail.
    patch(
        &server,
        &id,
        json!({"description": format!("{PASTED}; clinic B confirmed deletion")}),
    )
    .await;
    patch(
        &server,
        &id,
        json!({"root_cause": {"summary": "Jane Roe's chart was open when the wrong number was dialled", "category": "people"}}),
    )
    .await;
    let pasted_note = note(&server, &id, "Called clinic B about MRN-7781234 Jane Roe").await;
    let kept_note = note(&server, &id, "Clinic B confirmed the pages were shredded").await;
    let other = report(
        &server,
        "Tailgating at the loading dock",
        "badge not checked",
    )
    .await;

    // The text is really there first, so the checks below mean something.
    let store = open(&server).await;
    assert!(rows_holding_it(&store).await > 0);
    if !on_postgres() {
        assert!(holds_any(&database_bytes(&server)));
    }
    wait_for_search(&server, "7781234", &id, true).await;

    let description = redact(
        &server,
        &id,
        json!({"field": "description", "reason": REASON}),
    )
    .await;
    assert_eq!(description["field"], "description");
    assert_eq!(description["scope"], "field");
    assert_eq!(description["actor"], ADMIN);
    assert_eq!(description["reason"], REASON);
    let sides: Vec<(i64, String)> = description["scrubbed"]
        .as_array()
        .expect("scrubbed")
        .iter()
        .map(|t| (i(t, "seq"), s(t, "side").to_string()))
        .collect();
    assert_eq!(
        sides.len(),
        3,
        "the create entry and both sides of the edit: {sides:?}"
    );
    let cause = redact(
        &server,
        &id,
        json!({"field": "root_cause.summary", "reason": REASON}),
    )
    .await;
    let noted = redact(
        &server,
        &id,
        json!({"note_id": pasted_note, "reason": REASON}),
    )
    .await;
    assert_eq!(noted["note_id"], pasted_note.as_str());

    // The record, its notes, the list and the list's text filter.
    let incident = server.incident(&id).await;
    assert_clean("the incident", &incident.to_string());
    assert_eq!(incident["description"], "[redacted]");
    assert_eq!(incident["root_cause"]["summary"], "[redacted]");
    assert_eq!(incident["root_cause"]["category"], "people");
    assert_eq!(incident["title"], "Fax to the wrong clinic");
    let notes = incident["notes"].as_array().expect("notes");
    assert_eq!(notes.len(), 2, "nothing is deleted");
    let text_of = |nid: &str| {
        notes
            .iter()
            .find(|n| n["id"] == nid)
            .map(|n| n["text"].clone())
    };
    assert_eq!(text_of(&pasted_note), Some(json!("[redacted]")));
    assert_eq!(
        text_of(&kept_note),
        Some(json!("Clinic B confirmed the pages were shredded"))
    );
    let (_, list) = server
        .as_user(ANALYST, Method::GET, "/api/v1/incidents", None)
        .await;
    assert_clean("the list", &list.to_string());
    assert_eq!(list["items"].as_array().map(Vec::len), Some(2));
    let (_, filtered) = server
        .as_user(ANALYST, Method::GET, "/api/v1/incidents?q=7781234", None)
        .await;
    assert_eq!(filtered["items"], json!([]));

    // Search follows.
    wait_for_search(&server, "7781234", &id, false).await;
    assert!(search_ids(&server, "redacted").await.contains(&id));
    assert!(search_ids(&server, "tailgating").await.contains(&other));

    // The trail: clean copies, and three attributable redaction entries.
    let (status, trail) = server
        .as_user(
            AUDITOR,
            Method::GET,
            &format!("/api/v1/audit?incident={id}"),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_clean("the audit trail", &trail.to_string());
    let redactions: Vec<&Value> = trail
        .as_array()
        .expect("entries")
        .iter()
        .filter(|e| e["action"] == "incident.redact")
        .collect();
    assert_eq!(redactions.len(), 3);
    for (entry, answer) in redactions.iter().zip([&description, &cause, &noted]) {
        assert_eq!(entry["actor"], ADMIN);
        assert_eq!(entry["seq"], answer["seq"]);
        assert_eq!(entry["after"]["reason"], REASON);
        assert_eq!(entry["after"]["scrubbed"], answer["scrubbed"]);
        assert_eq!(entry["before"], json!({}));
    }
    assert_eq!(redactions[1]["after"]["field"], "root_cause.summary");
    assert_eq!(redactions[2]["entity_id"], pasted_note.as_str());

    // The usual change event went out for each.
    let seq = i(&noted, "seq");
    let events = server
        .running
        .state
        .store
        .events_since(seq - 1, 10)
        .await
        .expect("events");
    let event = events.iter().find(|e| e.seq == seq).expect("an event");
    assert_eq!(event.kind, "incident.updated");
    assert_eq!(event.incident_id, id);
    assert_eq!(event.version, i(&noted, "version"));

    // The chain verifies, in the store and with the real binary.
    let report = verify_chain(server.running.state.store.audit_rows().await.expect("rows"));
    assert_eq!(report.first_broken, None);
    assert_eq!(
        report.redacted, 4,
        "create, description edit, root cause edit, note"
    );
    let home = tempfile::tempdir().expect("home");
    let (ok, verified) = verify_with_binary(&server, home.path()).await;
    assert!(ok, "{verified}");
    assert_eq!(verified["ok"], true);
    assert_eq!(verified["redacted"], 4);

    // No row of any table, and on SQLite no byte of the database files, holds it.
    assert_eq!(rows_holding_it(&store).await, 0);
    if !on_postgres() {
        assert!(
            !holds_any(&database_bytes(&server)),
            "the database files still hold the redacted text"
        );
    }

    // Exports and the evidence pack, through the binary.
    for format in ["csv", "json"] {
        let mut cmd = api(&server, home.path(), ADMIN);
        cmd.args(["export", "--format", format]);
        let exported = ok_stdout(&run(cmd).await);
        assert!(exported.contains(&id), "{format} export lists the incident");
        assert_clean(&format!("the {format} export"), &exported);
    }
    let pack = home.path().join("pack");
    let mut cmd = api(&server, home.path(), ADMIN);
    cmd.args([
        "export",
        "evidence",
        "--from",
        "2026-01-01",
        "--to",
        "2026-12-31",
        "--out",
    ])
    .arg(&pack);
    ok_stdout(&run(cmd).await);
    let mut files = 0;
    for entry in std::fs::read_dir(&pack).expect("pack directory") {
        let path = entry.expect("entry").path();
        let text = std::fs::read_to_string(&path).expect("pack file");
        assert_clean(&path.display().to_string(), &text);
        files += 1;
    }
    assert!(files >= 5, "the pack has its files");
    let audit_csv = std::fs::read_to_string(pack.join("audit.csv")).expect("audit.csv");
    assert!(audit_csv.contains("incident.redact"));
    store.pool().close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_database_refuses_every_other_change_to_the_trail() {
    let server = TestServer::start().await;
    let id = report(&server, "Fax to the wrong clinic", PASTED).await;
    let store = open(&server).await;
    let rows = store.audit_rows().await.expect("rows");
    let create = rows
        .iter()
        .find(|r| r.action == "incident.create")
        .expect("create entry")
        .seq
        .to_string();
    let attempts = [
        "UPDATE audit SET actor = 'mallory' WHERE seq = $1",
        "UPDATE audit SET hash = prev_hash WHERE seq = $1",
        "UPDATE audit SET after_digest = before_digest WHERE seq = $1",
        "UPDATE audit SET after_json = '{}' WHERE seq = $1",
        "UPDATE audit SET after_json = '{}', after_salt = NULL WHERE seq = $1",
        "DELETE FROM audit WHERE seq = $1",
    ];
    for attempt in attempts {
        let refused = exec(&store, &attempt.replace("$1", &create), &[]).await;
        assert!(
            refused.as_ref().is_err_and(|e| e.contains("append-only")),
            "{attempt}: {refused:?}"
        );
    }
    let done = redact(
        &server,
        &id,
        json!({"field": "description", "reason": REASON}),
    )
    .await;
    // Even while the redaction is the newest entry, only text and salts may change.
    for attempt in &attempts[..3] {
        let refused = exec(&store, &attempt.replace("$1", &create), &[]).await;
        assert!(refused.is_err(), "{attempt} after a redaction: {refused:?}");
    }
    let own = i(&done, "seq").to_string();
    let refused = exec(
        &store,
        &format!("UPDATE audit SET after_json = '{{}}', after_salt = NULL WHERE seq = {own}"),
        &[],
    )
    .await;
    assert!(
        refused.is_err(),
        "a redaction entry itself is never rewritten"
    );
    let report = verify_chain(store.audit_rows().await.expect("rows"));
    assert_eq!((report.first_broken, report.redacted), (None, 1));
    store.pool().close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tampering_after_a_redaction_is_named() {
    let server = TestServer::start().await;
    let id = report(&server, "Fax to the wrong clinic", PASTED).await;
    let done = redact(
        &server,
        &id,
        json!({"field": "description", "reason": REASON}),
    )
    .await;
    let scrubbed = i(&done["scrubbed"][0], "seq");
    let own = i(&done, "seq");
    let store = open(&server).await;
    drop_update_trigger(&store).await;
    let rows = store.audit_rows().await.expect("rows");
    let text_of = |seq: i64| {
        rows.iter()
            .find(|r| r.seq == seq)
            .map(|r| r.after.clone())
            .expect("row")
    };
    let home = tempfile::tempdir().expect("home");
    for (seq, from, to) in [
        (scrubbed, "[redacted]", "[redacted] MRN-7781234"),
        (own, "by mistake", "on purpose"),
    ] {
        let original = text_of(seq);
        let tampered = original.replace(from, to);
        assert_ne!(tampered, original);
        let seq_text = seq.to_string();
        let update = "UPDATE audit SET after_json = $1 WHERE seq = CAST($2 AS BIGINT)";
        exec(&store, update, &[&tampered, &seq_text])
            .await
            .expect("tampered");
        let report = verify_chain(store.audit_rows().await.expect("rows"));
        assert_eq!(
            report.first_broken.as_ref().map(|b| b.0),
            Some(seq),
            "{report:?}"
        );
        let (ok, verified) = verify_with_binary(&server, home.path()).await;
        assert!(!ok, "the binary fails on tampering");
        assert_eq!(verified["first_broken"]["seq"], seq);
        exec(&store, update, &[&original, &seq_text])
            .await
            .expect("restored");
        assert_eq!(
            verify_chain(store.audit_rows().await.expect("rows")).first_broken,
            None
        );
    }
    store.pool().close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn entries_from_before_content_digests_are_redacted_too() {
    let server = TestServer::start().await;
    let id = report(&server, "Fax to the wrong clinic", PASTED).await;
    // Turn the trail into what an installation from before content digests holds: every entry
    // hashed over its raw text, no digests, then the append-only trigger as migrated.
    let store = open(&server).await;
    drop_update_trigger(&store).await;
    let mut prev = GENESIS_HASH.to_string();
    for row in store.audit_rows().await.expect("rows") {
        let hash = entry_hash(&prev, row.seq, &row.content());
        exec(
            &store,
            "UPDATE audit SET before_digest = NULL, after_digest = NULL, before_salt = NULL, after_salt = NULL, prev_hash = $1, hash = $2 WHERE seq = CAST($3 AS BIGINT)",
            &[&prev, &hash, &row.seq.to_string()],
        )
        .await
        .expect("rewritten");
        prev = hash;
    }
    let migration = if on_postgres() {
        include_str!("../src/store/migrations/0003_redaction_postgres.sql")
    } else {
        include_str!("../src/store/migrations/0003_redaction_sqlite.sql")
    };
    let create = &migration[migration.find("CREATE TRIGGER").expect("trigger")..];
    exec(&store, create, &[]).await.expect("trigger back");
    let rows = store.audit_rows().await.expect("rows");
    assert!(rows.iter().all(|r| !r.has_digests()));
    assert_eq!(verify_chain(rows).first_broken, None);

    let done = redact(
        &server,
        &id,
        json!({"field": "description", "reason": REASON}),
    )
    .await;
    assert_eq!(done["scrubbed"][0]["side"], "entry");
    assert_clean("the incident", &server.incident(&id).await.to_string());
    assert_eq!(rows_holding_it(&store).await, 0);
    let report = verify_chain(store.audit_rows().await.expect("rows"));
    assert_eq!((report.first_broken, report.redacted), (None, 1));
    store.pool().close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn only_admins_redact_and_bad_requests_change_nothing() {
    let server = TestServer::start().await;
    let id = report(&server, "Fax to the wrong clinic", PASTED).await;
    patch(
        &server,
        &id,
        json!({"title": "Fax to the wrong clinic (B)"}),
    )
    .await;
    let other = report(
        &server,
        "Tailgating at the loading dock",
        "badge not checked",
    )
    .await;
    let foreign_note = note(&server, &other, "Door propped open").await;
    let before = server.incident_record(&id).await;
    let entries = server.audit_len().await;
    let v = i(&before, "version");
    let body = json!({"field": "description", "reason": REASON});

    for user in [REPORTER, ANALYST, LEAD, AUDITOR] {
        let (status, answer) = redact_as(&server, user, &id, &body, Some(v)).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{user}: {answer}");
        assert_eq!(error_code(&answer), "forbidden");
    }
    let (status, answer) = redact_as(&server, ADMIN, &id, &body, Some(v - 1)).await;
    assert_eq!(status, StatusCode::CONFLICT, "{answer}");
    assert_eq!(answer["error"]["current"]["version"], v);
    let (status, answer) = redact_as(&server, ADMIN, &id, &body, None).await;
    assert_eq!(status, StatusCode::PRECONDITION_REQUIRED, "{answer}");
    let (status, answer) = redact_as(&server, ADMIN, "INC-2026-999999", &body, Some(1)).await;
    assert_eq!(status, StatusCode::NOT_FOUND, "{answer}");
    let (status, answer) = send_raw(
        &server,
        Method::POST,
        &format!("/api/v1/incidents/{id}/redactions"),
        Some(&server.token(ADMIN)),
        Some("application/json"),
        Some(b"{\"field\":".to_vec()),
        &[("If-Match", v.to_string())],
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{answer}");

    let invalid: &[(Value, &str)] = &[
        (json!({"field": "site", "reason": REASON}), "field"),
        (
            json!({"field": "description", "reason": REASON, "colour": "red"}),
            "body",
        ),
        (json!({"field": "description", "reason": "   "}), "reason"),
        (json!({"reason": REASON}), "field"),
        (
            json!({"field": "description", "note_id": foreign_note, "reason": REASON}),
            "note_id",
        ),
        (
            json!({"note_id": foreign_note, "reason": REASON}),
            "note_id",
        ),
        (json!({"field": "department", "reason": REASON}), "field"),
        (
            json!({"field": "description", "text": "not in there", "reason": REASON}),
            "text",
        ),
        (
            json!({"field": "description", "text": "  ", "reason": REASON}),
            "text",
        ),
        (
            json!({"field": "description", "text": "MRN-7781234", "reason": "pasted MRN-7781234 by mistake"}),
            "reason",
        ),
    ];
    for (body, field) in invalid {
        let (status, answer) = redact_as(&server, ADMIN, &id, body, Some(v)).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}: {answer}");
        assert_eq!(error_code(&answer), "invalid");
        if *field != "body" {
            assert_eq!(error_field(&answer), Some(*field), "{body}: {answer}");
        }
        assert!(
            !error_message(&answer).contains("7781234"),
            "an error never echoes the text: {answer}"
        );
    }

    assert_eq!(server.incident_record(&id).await, before, "nothing changed");
    assert_eq!(server.audit_len().await, entries, "nothing was recorded");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_cli_redacts_a_phrase_and_a_note() {
    let server = TestServer::start().await;
    let id = report(
        &server,
        "Fax to the wrong clinic",
        "Fax for MRN-7781234 Jane Roe sent to clinic B",
    )
    .await;
    let pasted_note = note(&server, &id, "Jane Roe's daughter called back").await;
    let home = tempfile::tempdir().expect("home");

    // The phrase comes on standard input, so it stays out of shell history.
    let mut cmd = api(&server, home.path(), ADMIN);
    cmd.args([
        "redact",
        &id,
        "--field",
        "description",
        "--phrase-stdin",
        "--reason",
        REASON,
        "--json",
    ])
    .stdin(Stdio::piped())
    .stdout(Stdio::piped())
    .stderr(Stdio::piped());
    let out = tokio::task::spawn_blocking(move || {
        let mut child = cmd.spawn().expect("spawn");
        child
            .stdin
            .take()
            .expect("stdin")
            .write_all(b"MRN-7781234 Jane Roe\n")
            .expect("phrase written");
        child.wait_with_output().expect("finished")
    })
    .await
    .expect("joined");
    let answer: Value = serde_json::from_str(&ok_stdout(&out)).expect("JSON");
    assert_eq!(answer["scope"], "phrase");
    assert_eq!(answer["field"], "description");
    assert_clean("the CLI's answer", &answer.to_string());
    assert_eq!(
        server.incident(&id).await["description"],
        "Fax for [redacted] sent to clinic B"
    );

    let mut cmd = api(&server, home.path(), ADMIN);
    cmd.args(["redact", &id, "--note", &pasted_note, "--reason", REASON]);
    let said = ok_stdout(&run(cmd).await);
    assert!(
        said.contains(&format!("{id} note {pasted_note} redacted")),
        "{said}"
    );

    // Not an admin: refused, nothing changes.
    let v = version(&server, &id).await;
    let mut cmd = api(&server, home.path(), LEAD);
    cmd.args(["redact", &id, "--field", "title", "--reason", REASON]);
    let refused = run(cmd).await;
    assert!(!refused.status.success());
    assert!(
        String::from_utf8_lossy(&refused.stderr).contains("403"),
        "{}",
        String::from_utf8_lossy(&refused.stderr)
    );
    assert_eq!(version(&server, &id).await, v);
    // Neither field nor note: clap refuses before anything is sent.
    let mut cmd = api(&server, home.path(), ADMIN);
    cmd.args(["redact", &id, "--reason", REASON]);
    assert!(!run(cmd).await.status.success());

    assert_clean("the incident", &server.incident(&id).await.to_string());
    let report = verify_chain(server.running.state.store.audit_rows().await.expect("rows"));
    assert_eq!((report.first_broken, report.redacted), (None, 2));
}
