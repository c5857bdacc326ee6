//! Two API nodes on one PostgreSQL database: a change through one node reaches subscribers of
//! the other, concurrent edits through different nodes give one winner and one 409, and each
//! node's search index follows writes made through the other. Skipped (with a message) unless
//! `TRIAGE_TEST_PG=postgres://…/postgres` names a throw-away cluster; `.ci/run` starts one.

mod common;

use std::time::Duration;
use triage::client::ApiClient;
use triage::domain::{IncidentPatch, NewReport, Role, Severity};
use triage::server::{self, RunningServer, ServerConfig};

async fn node(db: &str) -> RunningServer {
    let config = ServerConfig {
        listen: "127.0.0.1:0".parse().expect("address"),
        db: db.to_string(),
        ..Default::default()
    };
    server::start(config, None).await.expect("node starts")
}

async fn token(node: &RunningServer, user: &str, role: Role) -> String {
    let (secret, record) = server::auth::new_token(user, role, None);
    node.state
        .store
        .insert_token(record, "test", chrono::Utc::now())
        .await
        .expect("token stored");
    secret
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_nodes_share_one_live_truth() {
    let Some(admin) = std::env::var("TRIAGE_TEST_PG")
        .ok()
        .filter(|v| !v.is_empty())
    else {
        eprintln!("skipped: set TRIAGE_TEST_PG=postgres://…/postgres to run the two-node test");
        return;
    };
    let db = common::fresh_postgres(&admin).await;
    let a = node(&db).await;
    let b = node(&db).await;
    let lead = token(&a, "lead1", Role::Lead).await;
    let on_a = ApiClient::new(&a.url(), &lead).expect("client");
    let on_b = ApiClient::new(&b.url(), &lead).expect("client");
    assert_eq!(
        on_b.whoami()
            .await
            .expect("a token minted on node A works on node B")
            .user,
        "lead1"
    );

    let mut events_b = on_b.events(None).await.expect("stream on B");
    let report = NewReport {
        title: "Fax to wrong clinic via node A".into(),
        site: "North".into(),
        ..Default::default()
    };
    let created = on_a.report(&report).await.expect("report on A");
    let seen = tokio::time::timeout(Duration::from_secs(15), async {
        while let Some(ev) = events_b.next().await {
            let ev = ev.expect("event");
            if ev.incident_id == created.id && ev.kind == "incident.created" {
                return ev;
            }
        }
        panic!("stream on B ended");
    })
    .await
    .expect("B's subscriber sees A's report");
    assert_eq!(seen.version, 1);

    let patch = |s: Severity| IncidentPatch {
        classification: Some(triage::domain::Classification {
            severity: Some(s),
            ..Default::default()
        }),
        ..Default::default()
    };
    let (high, low) = (patch(Severity::High), patch(Severity::Low));
    let (ra, rb) = tokio::join!(
        on_a.patch_incident(&created.id, 1, &high),
        on_b.patch_incident(&created.id, 1, &low)
    );
    let outcomes = [ra.is_ok(), rb.is_ok()];
    assert_eq!(
        outcomes.iter().filter(|ok| **ok).count(),
        1,
        "exactly one winner: {outcomes:?}"
    );
    let loser = if ra.is_err() { ra.err() } else { rb.err() }.expect("a loser");
    assert!(loser.is_conflict(), "the other gets 409: {loser}");
    assert!(
        loser.conflict_current().is_some(),
        "409 carries the current record"
    );
    assert_eq!(
        on_b.incident(&created.id).await.expect("read on B").version,
        2
    );

    let found = tokio::time::timeout(Duration::from_secs(15), async {
        loop {
            if let Ok(r) = on_b.search("wrong clinic node", 10).await
                && r.hits.iter().any(|h| h.id == created.id)
            {
                return;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    })
    .await;
    assert!(
        found.is_ok(),
        "node B's search index follows writes made through node A"
    );
    a.stop().await;
    b.stop().await;
}
