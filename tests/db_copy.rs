//! `triage db copy`: an embedded SQLite installation moves into a new database with every row,
//! the audit chain verifying on arrival, and serves the same incidents there; a non-empty target
//! is refused. Runs SQLite → SQLite always, and SQLite → PostgreSQL when `TRIAGE_TEST_PG` is set.

mod common;

use std::process::Command;
use triage::client::ApiClient;
use triage::domain::action::NewAction;
use triage::domain::{NewReport, Role};
use triage::server::{self, ServerConfig};
use triage::store::{CopyError, SqlStore, copy_database};

async fn installation(db: &str) -> Vec<triage::domain::Incident> {
    let config = ServerConfig {
        listen: "127.0.0.1:0".parse().expect("address"),
        db: db.to_string(),
        ..Default::default()
    };
    let running = server::start(config, None).await.expect("server");
    let (secret, record) = server::auth::new_token("lee", Role::Lead, None);
    running
        .state
        .store
        .insert_token(record, "test", chrono::Utc::now())
        .await
        .expect("token");
    let client = ApiClient::new(&running.url(), &secret).expect("client");
    let mut ids = Vec::new();
    for n in 0..30 {
        let r = NewReport {
            title: format!("Near miss {n} \u{1b}[2J fax"),
            site: "North".into(),
            description: "kept exactly as given".into(),
            ..Default::default()
        };
        ids.push(client.report(&r).await.expect("report").id);
    }
    client
        .add_note(&ids[0], "root cause: auto-complete")
        .await
        .expect("note");
    let due = chrono::Utc::now().date_naive();
    client
        .add_action(
            &ids[0],
            &NewAction {
                title: "Retrain".into(),
                owner: "ana".into(),
                due,
            },
        )
        .await
        .expect("action");
    let mut out = Vec::new();
    for id in &ids {
        out.push(client.incident(id).await.expect("incident"));
    }
    running.stop().await;
    out
}

async fn serves_the_same(db: &str, before: &[triage::domain::Incident]) {
    let config = ServerConfig {
        listen: "127.0.0.1:0".parse().expect("address"),
        db: db.to_string(),
        ..Default::default()
    };
    let running = server::start(config, None)
        .await
        .expect("server on the copy");
    let (secret, record) = server::auth::new_token("auditor", Role::Auditor, None);
    running
        .state
        .store
        .insert_token(record, "test", chrono::Utc::now())
        .await
        .expect("token");
    let client = ApiClient::new(&running.url(), &secret).expect("client");
    for b in before {
        let a = client.incident(&b.id).await.expect("copied incident");
        assert_eq!(
            (a.title.as_str(), a.version, a.notes.len(), a.actions.len()),
            (b.title.as_str(), b.version, b.notes.len(), b.actions.len())
        );
    }
    running.stop().await;
}

#[tokio::test]
async fn sqlite_installation_copies_whole_and_verified() {
    let dir = tempfile::tempdir().expect("temp dir");
    let source = dir
        .path()
        .join("embedded.db")
        .to_string_lossy()
        .into_owned();
    let before = installation(&source).await;
    let target = dir.path().join("copy.db").to_string_lossy().into_owned();
    let from = SqlStore::open(&source, 2).await.expect("source");
    let to = SqlStore::open(&target, 2).await.expect("target");
    let report = copy_database(&from, &to).await.expect("copy");
    assert_eq!(
        report
            .tables
            .iter()
            .find(|t| t.0 == "incidents")
            .map(|t| t.1),
        Some(30)
    );
    assert!(report.audit_verified >= 33, "{report:?}");
    assert!(
        matches!(
            copy_database(&from, &to).await,
            Err(CopyError::TargetNotEmpty(_))
        ),
        "a second copy into the same target is refused"
    );
    drop((from, to));
    serves_the_same(&target, &before).await;

    // The same through the binary, as an operator would.
    let third = dir.path().join("third.db");
    let out = Command::new(env!("CARGO_BIN_EXE_triage"))
        .env_remove("TRIAGE_DB")
        .args(["db", "copy", "--from", &source, "--to"])
        .arg(&third)
        .arg("--json")
        .output()
        .expect("binary");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    assert_eq!(
        json["audit_verified"],
        serde_json::json!(report.audit_verified)
    );

    if let Some(admin) = std::env::var("TRIAGE_TEST_PG")
        .ok()
        .filter(|v| !v.is_empty())
    {
        let pg = common::fresh_postgres(&admin).await;
        let from = SqlStore::open(&source, 2).await.expect("source");
        let to = SqlStore::open(&pg, 2).await.expect("postgres target");
        let report = copy_database(&from, &to).await.expect("copy to PostgreSQL");
        assert_eq!(
            report.audit_verified,
            json["audit_verified"].as_u64().unwrap_or(0)
        );
        drop((from, to));
        serves_the_same(&pg, &before).await;
    } else {
        eprintln!("PostgreSQL leg skipped: set TRIAGE_TEST_PG=postgres://…/postgres");
    }
}
