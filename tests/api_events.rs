//! Live events over SSE: a subscriber sees what other clients change, in order with increasing
//! `seq`, and a subscriber that reconnects with `Last-Event-ID` or `since_seq` gets exactly the
//! events it missed. Waits are generous timeouts, never timing assertions.

mod common;

use common::*;
use futures::StreamExt;
use reqwest::StatusCode;
use triage::client::EventStream;
use triage::domain::wire::ServerEvent;
use triage::domain::{ActionPatch, ActionStatus, IncidentPatch, NewAction, NewReport, Status};

async fn next_event(stream: &mut EventStream) -> ServerEvent {
    tokio::time::timeout(PATIENCE, stream.next())
        .await
        .expect("an event within the timeout")
        .expect("stream still open")
        .expect("a well-formed event")
}

fn report(title: &str) -> NewReport {
    NewReport {
        title: title.into(),
        site: "North".into(),
        ..Default::default()
    }
}

/// (kind, id, incident_id, version) of an event.
fn key(e: &ServerEvent) -> (String, String, String, i64) {
    (
        e.kind.clone(),
        e.id.clone(),
        e.incident_id.clone(),
        e.version,
    )
}

fn want(kind: &str, id: &str, incident: &str, version: i64) -> (String, String, String, i64) {
    (kind.into(), id.into(), incident.into(), version)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn subscriber_sees_changes_by_others_in_order() {
    let server = TestServer::start().await;
    let analyst = server.client(ANALYST);
    let mut events = analyst.events(None).await.expect("subscribed");

    // Filed by another client.
    let inc = server
        .client(REPORTER)
        .report(&report("Snooping in a celebrity's record"))
        .await
        .expect("report");
    let created = next_event(&mut events).await;
    assert_eq!(key(&created), want("incident.created", &inc.id, &inc.id, 1));

    let lead = server.client(LEAD);
    let updated = lead
        .patch_incident(
            &inc.id,
            inc.version,
            &IncidentPatch {
                status: Some(Status::Triaged),
                owner: Some(ANALYST.into()),
                ..Default::default()
            },
        )
        .await
        .expect("patch");
    let action = lead
        .add_action(
            &inc.id,
            &NewAction {
                title: "Review EHR access logs weekly".into(),
                owner: ANALYST.into(),
                due: day("2026-03-31"),
            },
        )
        .await
        .expect("action");
    let done = server
        .client(ANALYST)
        .patch_action(
            &action.id,
            action.version,
            &ActionPatch {
                status: Some(ActionStatus::InProgress),
                ..Default::default()
            },
        )
        .await
        .expect("action patch");

    let got = [
        next_event(&mut events).await,
        next_event(&mut events).await,
        next_event(&mut events).await,
    ];
    assert_eq!(
        got.iter().map(key).collect::<Vec<_>>(),
        vec![
            want("incident.updated", &inc.id, &inc.id, updated.version),
            want("action.updated", &action.id, &inc.id, 1),
            want("action.updated", &action.id, &inc.id, done.version),
        ]
    );
    let seqs: Vec<i64> = std::iter::once(created.seq)
        .chain(got.iter().map(|e| e.seq))
        .collect();
    assert!(
        seqs.windows(2).all(|w| w[0] < w[1]),
        "seq increases: {seqs:?}"
    );
    // Every event is an audit entry: same sequence numbers as the trail.
    let trail = server
        .client(ADMIN)
        .audit(Some(&inc.id), 0)
        .await
        .expect("audit");
    assert_eq!(
        trail.iter().map(|e| e.seq).collect::<Vec<_>>(),
        seqs,
        "events and audit entries agree"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reconnecting_with_last_event_id_replays_exactly_what_was_missed() {
    let server = TestServer::start().await;
    let analyst = server.client(ANALYST);
    let mut events = analyst.events(None).await.expect("subscribed");
    let inc = analyst
        .report(&report("Misdirected discharge summary"))
        .await
        .expect("report");
    let last_seen = next_event(&mut events).await;
    assert_eq!(last_seen.id, inc.id);
    drop(events);

    // Changes while nobody listens.
    let note = analyst
        .add_note(&inc.id, "called the recipient, letter returned")
        .await
        .expect("note");
    let v2 = analyst
        .patch_incident(
            &inc.id,
            1,
            &IncidentPatch {
                status: Some(Status::Triaged),
                ..Default::default()
            },
        )
        .await
        .expect("patch");
    let action = analyst
        .add_action(
            &inc.id,
            &NewAction {
                title: "Verify address before printing".into(),
                owner: ANALYST2.into(),
                due: day("2026-03-20"),
            },
        )
        .await
        .expect("action");
    // A token issued meanwhile is audited but is not an event.
    server.mint("late", triage::domain::Role::Analyst).await;

    let mut resumed = analyst
        .events(Some(last_seen.seq))
        .await
        .expect("resubscribed");
    let missed = [
        next_event(&mut resumed).await,
        next_event(&mut resumed).await,
        next_event(&mut resumed).await,
    ];
    assert_eq!(
        missed.iter().map(key).collect::<Vec<_>>(),
        vec![
            want("incident.updated", &note.id, &inc.id, 1),
            want("incident.updated", &inc.id, &inc.id, v2.version),
            want("action.updated", &action.id, &inc.id, 1),
        ]
    );
    assert_eq!(
        missed.iter().map(|e| e.seq).collect::<Vec<_>>(),
        vec![last_seen.seq + 1, last_seen.seq + 2, last_seen.seq + 3]
    );
    // Then live again: the next change is the next event — nothing extra, nothing twice.
    let other = server
        .client(REPORTER)
        .report(&report("Tailgating at the loading dock"))
        .await
        .expect("report");
    let live = next_event(&mut resumed).await;
    assert_eq!(
        key(&live),
        want("incident.created", &other.id, &other.id, 1)
    );
    assert!(live.seq > missed[2].seq + 1, "the token row is skipped");
}

/// A minimal SSE reader over a raw response, to see `id:` and `event:` lines as sent.
struct RawEvents {
    body: futures::stream::BoxStream<'static, reqwest::Result<bytes::Bytes>>,
    buffer: String,
}

/// (id line, event line, data) of one SSE block.
type Block = (String, String, ServerEvent);

impl RawEvents {
    async fn next(&mut self) -> Block {
        loop {
            if let Some(end) = self.buffer.find("\n\n") {
                let block: String = self.buffer.drain(..end + 2).collect();
                let field = |name: &str| {
                    block
                        .lines()
                        .find_map(|l| l.strip_prefix(name))
                        .map(|v| v.trim().to_string())
                };
                let Some(data) = field("data:") else {
                    continue; // keep-alive
                };
                let event = serde_json::from_str(&data).expect("event JSON");
                return (
                    field("id:").unwrap_or_default(),
                    field("event:").unwrap_or_default(),
                    event,
                );
            }
            let chunk = tokio::time::timeout(PATIENCE, self.body.next())
                .await
                .expect("data within the timeout")
                .expect("stream open")
                .expect("chunk");
            self.buffer
                .push_str(&String::from_utf8_lossy(&chunk).replace('\r', ""));
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn since_seq_query_replays_from_a_sequence_number() {
    let server = TestServer::start().await;
    let analyst = server.client(ANALYST);
    let mut ids = Vec::new();
    for n in 0..3 {
        ids.push(
            analyst
                .report(&report(&format!("Phishing email clicked {n}")))
                .await
                .expect("report")
                .id,
        );
    }
    let trail = server.client(ADMIN).audit(None, 0).await.expect("audit");
    let first = trail
        .iter()
        .find(|e| e.entity_id == ids[0])
        .expect("first report audited")
        .seq;

    let resp = server
        .http
        .get(format!("{}/api/v1/events?since_seq={first}", server.url()))
        .bearer_auth(server.token(ANALYST))
        .send()
        .await
        .expect("events");
    assert_eq!(resp.status(), StatusCode::OK);
    assert!(
        resp.headers()
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.starts_with("text/event-stream"))
    );
    let mut raw = RawEvents {
        body: resp.bytes_stream().boxed(),
        buffer: String::new(),
    };
    // Everything after `first`: the second and third report, with id and event lines that
    // match the payload (so a browser EventSource resumes with Last-Event-ID by itself).
    for id in &ids[1..] {
        let (sse_id, sse_event, ev) = raw.next().await;
        assert_eq!(ev.id, *id);
        assert_eq!(ev.kind, "incident.created");
        assert_eq!(sse_id, ev.seq.to_string());
        assert_eq!(sse_event, ev.kind);
    }
    let live = analyst
        .report(&report("Unencrypted text message"))
        .await
        .expect("report");
    let (_, _, ev) = raw.next().await;
    assert_eq!(ev.id, live.id);

    // Last-Event-ID wins over since_seq when both are sent (it is what a reconnect carries).
    let resp = server
        .http
        .get(format!("{}/api/v1/events?since_seq=0", server.url()))
        .bearer_auth(server.token(ANALYST))
        .header("Last-Event-ID", first.to_string())
        .send()
        .await
        .expect("events");
    let mut raw = RawEvents {
        body: resp.bytes_stream().boxed(),
        buffer: String::new(),
    };
    let (_, _, ev) = raw.next().await;
    assert_eq!(ev.id, ids[1]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_event_is_lost_under_concurrent_writers() {
    let server = TestServer::start().await;
    let mut events = server
        .client(ANALYST)
        .events(None)
        .await
        .expect("subscribed");
    let writers = 4;
    let each = 60;
    let mut tasks = Vec::new();
    for w in 0..writers {
        let client = server.client(if w % 2 == 0 { REPORTER } else { ANALYST2 });
        tasks.push(tokio::spawn(async move {
            let mut ids = Vec::new();
            for n in 0..each {
                let inc = client
                    .report(&report(&format!("Concurrent report {w}-{n}")))
                    .await
                    .expect("report");
                ids.push(inc.id);
            }
            ids
        }));
    }
    let mut filed = std::collections::BTreeSet::new();
    for t in tasks {
        filed.extend(t.await.expect("writer"));
    }
    let mut seen = std::collections::BTreeSet::new();
    let mut last = 0;
    while seen.len() < filed.len() {
        let ev = next_event(&mut events).await;
        assert!(ev.seq > last, "in order: {} after {last}", ev.seq);
        last = ev.seq;
        assert!(seen.insert(ev.id.clone()), "{} twice", ev.id);
    }
    assert_eq!(seen, filed);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_long_run_of_non_event_entries_does_not_hide_later_events() {
    let server = TestServer::start().await;
    let analyst = server.client(ANALYST);
    let mut watcher = analyst.events(None).await.expect("subscribed");
    let first = analyst
        .report(&report("Before the tokens"))
        .await
        .expect("report");
    let trail = server.client(ADMIN).audit(None, 0).await.expect("audit");
    let resume_at = trail.last().expect("entries").seq;
    assert_eq!(
        trail.last().map(|e| e.entity_id.as_str()),
        Some(first.id.as_str())
    );
    // More audit rows that are not events than one read of the trail covers.
    for n in 0..1005 {
        server
            .mint(&format!("bulk{n}"), triage::domain::Role::Reporter)
            .await;
    }
    assert_eq!(next_event(&mut watcher).await.id, first.id);
    let after = analyst
        .report(&report("After the tokens"))
        .await
        .expect("report");
    // Only resume once the live broadcast is over, so the event must come from the trail.
    let live = next_event(&mut watcher).await;
    assert_eq!(live.id, after.id);
    let mut resumed = analyst.events(Some(resume_at)).await.expect("resubscribed");
    let ev = next_event(&mut resumed).await;
    assert_eq!(key(&ev), want("incident.created", &after.id, &after.id, 1));
    assert_eq!(ev.seq, resume_at + 1005 + 1);
}
