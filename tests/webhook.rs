//! Escalation webhooks: a signed JSON POST per level, retried with backoff until a receiver on
//! loopback accepts it; the signature verifies and the payload holds ids, never incident text.

use axum::Router;
use axum::body::Bytes;
use axum::http::{HeaderMap, StatusCode};
use axum::routing::post;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use triage::client::ApiClient;
use triage::domain::action::NewAction;
use triage::domain::clock::FixedClock;
use triage::domain::clocks::ClockRules;
use triage::domain::escalation::{EscalationRules, Webhook};
use triage::domain::{NewReport, Role};
use triage::server::webhook::{EscalationNotice, SIGNATURE_HEADER, verify};

/// Every delivery attempt seen: body, signature, accepted.
type Attempts = Arc<Mutex<Vec<(Vec<u8>, String, bool)>>>;

/// A receiver that refuses the first `refuse` deliveries, then accepts; it keeps every attempt.
async fn receiver(refuse: usize) -> (String, Attempts) {
    let seen: Attempts = Arc::default();
    let log = seen.clone();
    let app = Router::new().route(
        "/hook",
        post(move |headers: HeaderMap, body: Bytes| {
            let log = log.clone();
            async move {
                let sig = headers
                    .get(SIGNATURE_HEADER)
                    .and_then(|v| v.to_str().ok())
                    .unwrap_or("")
                    .to_string();
                let mut log = log.lock().expect("log");
                let accept = log.len() >= refuse;
                log.push((body.to_vec(), sig, accept));
                if accept {
                    StatusCode::OK
                } else {
                    StatusCode::SERVICE_UNAVAILABLE
                }
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let url = format!("http://{}/hook", listener.local_addr().expect("address"));
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    (url, seen)
}

#[tokio::test]
async fn delivery_is_retried_until_accepted_and_signed() {
    let (url, seen) = receiver(2).await;
    let hook = Webhook {
        level: 1,
        url,
        secret: "pager-secret".into(),
    };
    let notice = EscalationNotice {
        kind: "action.escalated".into(),
        id: "ACT-000001".into(),
        incident_id: "INC-2026-000001".into(),
        level: 1,
        to: "lead".into(),
        days_overdue: 1,
    };
    let attempts = triage::server::webhook::deliver(&hook, &notice, Duration::from_millis(10))
        .await
        .expect("delivered");
    assert_eq!(attempts, 3, "two refusals, then accepted");
    let seen = seen.lock().expect("log").clone();
    assert_eq!(seen.len(), 3);
    for (body, sig, _) in &seen {
        assert!(verify("pager-secret", body, sig), "every attempt is signed");
        let got: EscalationNotice = serde_json::from_slice(body).expect("json");
        assert_eq!(got, notice);
    }
}

#[tokio::test]
async fn an_escalation_reaches_the_webhook_of_its_level() {
    let (url, seen) = receiver(1).await;
    let dir = tempfile::tempdir().expect("temp dir");
    let rules = ClockRules {
        escalation: EscalationRules {
            webhooks: vec![Webhook {
                level: 1,
                url,
                secret: "s".into(),
            }],
            ..Default::default()
        },
        ..Default::default()
    };
    let config = triage::server::ServerConfig {
        listen: "127.0.0.1:0".parse().expect("address"),
        db: dir.path().join("t.db").to_string_lossy().into_owned(),
        rules: rules.clone(),
        ..Default::default()
    };
    let store = triage::server::open_store(&config).await.expect("store");
    let clock = Arc::new(FixedClock::new(
        chrono::DateTime::parse_from_rfc3339("2026-03-05T10:00:00Z")
            .expect("time")
            .to_utc(),
    ));
    let state = triage::server::state_for(store, clock.clone(), rules);
    let running = triage::server::start_with_state(config.listen, state, config.body_limit)
        .await
        .expect("server");
    let (secret, record) = triage::server::auth::new_token("lee", Role::Lead, None);
    running
        .state
        .store
        .insert_token(record, "test", chrono::Utc::now())
        .await
        .expect("token");
    let client = ApiClient::new(&running.url(), &secret).expect("client");
    let marker = "PHIMARKER-webhook";
    let inc = client
        .report(&NewReport {
            title: format!("Fax {marker}"),
            site: "North".into(),
            ..Default::default()
        })
        .await
        .expect("report");
    let due = chrono::NaiveDate::from_ymd_opt(2026, 3, 6).expect("date");
    let action = client
        .add_action(
            &inc.id,
            &NewAction {
                title: format!("Retrain {marker}"),
                owner: "ana".into(),
                due,
            },
        )
        .await
        .expect("action");
    clock.set(
        chrono::DateTime::parse_from_rfc3339("2026-03-07T12:00:00Z")
            .expect("time")
            .to_utc(),
    );
    let pass = triage::server::escalation::run_once(&running.state)
        .await
        .expect("pass");
    assert_eq!(pass.actions, 1);
    assert_eq!(
        pass.incidents, 1,
        "the untriaged report's clock ran out too"
    );
    let accepted_for = |id: &str| {
        seen.lock()
            .map(|s| {
                s.iter().any(|(b, _, ok)| {
                    *ok && serde_json::from_slice::<EscalationNotice>(b).is_ok_and(|n| n.id == id)
                })
            })
            .unwrap_or(false)
    };
    let delivered = tokio::time::timeout(Duration::from_secs(20), async {
        loop {
            if accepted_for(&action.id) && accepted_for(&inc.id) {
                return;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    })
    .await;
    assert!(delivered.is_ok(), "the webhook was retried until accepted");
    let seen = seen.lock().expect("log").clone();
    for (body, sig, _) in &seen {
        assert!(verify("s", body, sig));
        assert!(
            !String::from_utf8_lossy(body).contains(marker),
            "no incident text leaves in a webhook"
        );
        let got: EscalationNotice = serde_json::from_slice(body).expect("json");
        assert_eq!((got.level, got.to.as_str()), (1, "lead"));
    }
    running.stop().await;
}
