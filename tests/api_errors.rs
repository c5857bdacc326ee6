//! Every way a request can be wrong gets the right status and the one JSON error shape
//! `{"error":{"code","message","field"?}}` — never a 500 — and a refused write leaves the
//! incident, its actions and the audit trail exactly as they were.

mod common;

use common::*;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

/// One bad request and what must come back.
struct Case {
    name: &'static str,
    user: Option<&'static str>,
    method: Method,
    path: String,
    content_type: Option<&'static str>,
    body: Option<Vec<u8>>,
    headers: Vec<(&'static str, String)>,
    status: u16,
    code: &'static str,
    field: Option<&'static str>,
    message_has: Option<&'static str>,
}

impl Case {
    fn new(name: &'static str, user: &'static str, method: Method, path: &str) -> Case {
        Case {
            name,
            user: Some(user),
            method,
            path: path.to_string(),
            content_type: None,
            body: None,
            headers: Vec::new(),
            status: 0,
            code: "",
            field: None,
            message_has: None,
        }
    }

    fn json(mut self, body: Value) -> Case {
        self.content_type = Some("application/json");
        self.body = Some(body.to_string().into_bytes());
        self
    }

    fn raw(mut self, content_type: Option<&'static str>, body: &[u8]) -> Case {
        self.content_type = content_type;
        self.body = Some(body.to_vec());
        self
    }

    fn header(mut self, name: &'static str, value: impl Into<String>) -> Case {
        self.headers.push((name, value.into()));
        self
    }

    fn anonymous(mut self) -> Case {
        self.user = None;
        self
    }

    fn want(mut self, status: u16, code: &'static str, field: Option<&'static str>) -> Case {
        self.status = status;
        self.code = code;
        self.field = field;
        self
    }

    fn mentions(mut self, text: &'static str) -> Case {
        self.message_has = Some(text);
        self
    }
}

/// Everything a rejected request must leave untouched.
#[derive(Debug, PartialEq)]
struct Snapshot {
    incident: Value,
    all_ids: Vec<String>,
    audit: usize,
}

async fn snapshot(server: &TestServer, id: &str) -> Snapshot {
    let (_, page) = server
        .as_user(ADMIN, Method::GET, "/api/v1/incidents?limit=1000", None)
        .await;
    Snapshot {
        incident: server.incident_record(id).await,
        all_ids: page["items"]
            .as_array()
            .expect("items")
            .iter()
            .map(|i| s(i, "id").to_string())
            .collect(),
        audit: server.audit_len().await,
    }
}

/// Sends a case, checks status, shape, code, field and message, and that nothing changed.
async fn check(server: &TestServer, watched: &str, case: Case) -> Value {
    let before = snapshot(server, watched).await;
    let token = case.user.map(|u| server.token(u));
    let (status, body) = send_raw(
        server,
        case.method.clone(),
        &case.path,
        token.as_deref(),
        case.content_type,
        case.body.clone(),
        &case.headers,
    )
    .await;
    let name = case.name;
    assert!(
        status.as_u16() < 500,
        "{name}: server error {status}: {body}"
    );
    assert_eq!(status.as_u16(), case.status, "{name}: {body}");
    if status.is_success() {
        return body;
    }
    assert_eq!(error_code(&body), case.code, "{name}: {body}");
    assert_eq!(error_field(&body), case.field, "{name}: {body}");
    if let Some(text) = case.message_has {
        assert!(
            error_message(&body).contains(text),
            "{name}: message should mention '{text}': {body}"
        );
    }
    let after = snapshot(server, watched).await;
    assert_eq!(before, after, "{name}: a refused request changed something");
    body
}

/// A server with one incident (version 3) that has one action (version 1); returns their ids.
async fn setup() -> (TestServer, String, String) {
    let server = TestServer::start().await;
    let inc = server.report(REPORTER, "Fax to the wrong clinic").await;
    let id = s(&inc, "id").to_string();
    let analyst = server.client(ANALYST);
    let inc = analyst
        .patch_incident(
            &id,
            1,
            &triage::domain::IncidentPatch {
                status: Some(triage::domain::Status::Triaged),
                ..Default::default()
            },
        )
        .await
        .expect("triage");
    let inc = analyst
        .patch_incident(
            &id,
            inc.version,
            &triage::domain::IncidentPatch {
                title: Some("Fax to the wrong clinic (north)".into()),
                ..Default::default()
            },
        )
        .await
        .expect("retitle");
    assert_eq!(inc.version, 3);
    let action = analyst
        .add_action(
            &id,
            &triage::domain::NewAction {
                title: "Program speed dials".into(),
                owner: ANALYST.into(),
                due: day("2026-03-20"),
            },
        )
        .await
        .expect("action");
    (server, id, action.id)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_reports_are_refused_with_the_right_status() {
    let (server, id, _) = setup().await;
    let post = |name| Case::new(name, REPORTER, Method::POST, "/api/v1/reports");
    let ok = json!({"title": "Lost badge", "site": "North"});
    let with = |extra: Value| {
        let mut b = ok.clone();
        for (k, v) in extra.as_object().expect("object") {
            b[k] = v.clone();
        }
        b
    };
    let cases = vec![
        post("NUL in a text field (no back end can keep it the same)")
            .json(with(json!({"description": "before\u{0}after"})))
            .want(422, "invalid", Some("description"))
            .mentions("NUL"),
        Case::new(
            "NUL in a query filter",
            REPORTER,
            Method::GET,
            "/api/v1/incidents?site=North%00",
        )
        .want(400, "malformed", None)
        .mentions("NUL"),
        post("malformed JSON")
            .raw(Some("application/json"), br#"{"title": "x", "site": "#)
            .want(400, "malformed", None),
        post("empty body")
            .raw(Some("application/json"), b"")
            .want(400, "malformed", None),
        post("not UTF-8")
            .raw(
                Some("application/json"),
                b"{\"title\": \"\xff\xfe\", \"site\": \"N\"}",
            )
            .want(400, "malformed", None),
        post("unknown field")
            .json(with(json!({"colour": "red"})))
            .want(422, "invalid", Some("colour"))
            .mentions("colour"),
        post("missing site")
            .json(json!({"title": "x"}))
            .want(422, "invalid", Some("body"))
            .mentions("site"),
        post("string instead of object")
            .json(json!("Lost badge at North"))
            .want(422, "invalid", Some("body")),
        post("title of the wrong type")
            .json(json!({"title": 42, "site": "N"}))
            .want(422, "invalid", Some("title")),
        post("impossible date")
            .json(with(json!({"discovered_at": "2026-02-30"})))
            .want(422, "invalid", Some("discovered_at")),
        post("not a date")
            .json(with(json!({"discovered_at": "yesterday"})))
            .want(422, "invalid", Some("discovered_at")),
        post("future discovery")
            .json(with(json!({"discovered_at": "2026-03-06"})))
            .want(422, "invalid", Some("discovered_at"))
            .mentions("future"),
        post("occurred after discovery")
            .json(with(
                json!({"discovered_at": "2026-03-01", "occurred_at": "2026-03-02"}),
            ))
            .want(422, "invalid", Some("occurred_at")),
        post("unknown source")
            .json(with(json!({"source": "telepathy"})))
            .want(422, "invalid", Some("source")),
        post("blank title")
            .json(with(json!({"title": "   "})))
            .want(422, "invalid", Some("title")),
        post("title too long")
            .json(with(json!({"title": "x".repeat(201)})))
            .want(422, "invalid", Some("title")),
        post("wrong media type")
            .raw(Some("text/plain"), ok.to_string().as_bytes())
            .want(415, "unsupported_media_type", None),
        post("no media type")
            .raw(None, ok.to_string().as_bytes())
            .want(415, "unsupported_media_type", None),
        post("form instead of JSON")
            .raw(Some("application/x-www-form-urlencoded"), b"title=x&site=N")
            .want(415, "unsupported_media_type", None),
        post("no token")
            .anonymous()
            .json(ok.clone())
            .want(401, "unauthorized", None),
        post("bad token")
            .anonymous()
            .header("Authorization", "Bearer tc_abc_def")
            .json(ok.clone())
            .want(401, "unauthorized", None),
        post("basic auth")
            .anonymous()
            .header("Authorization", "Basic YWRtaW46YWRtaW4=")
            .json(ok.clone())
            .want(401, "unauthorized", None),
        Case::new("auditor files", AUDITOR, Method::POST, "/api/v1/reports")
            .json(ok.clone())
            .want(403, "forbidden", None),
    ];
    for case in cases {
        check(&server, &id, case).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_incident_changes_are_refused_and_change_nothing() {
    let (server, id, _) = setup().await;
    let path = format!("/api/v1/incidents/{id}");
    let patch = |name, user| Case::new(name, user, Method::PATCH, &path);
    let v = |mut body: Value| {
        body["version"] = json!(3);
        body
    };
    let cases = vec![
        patch("malformed", ANALYST)
            .raw(Some("application/json"), b"{\"title\": }")
            .want(400, "malformed", None),
        patch("unknown field", ANALYST)
            .json(v(json!({"colour": "red"})))
            .want(422, "invalid", Some("colour"))
            .mentions("colour"),
        patch("unknown nested field", ANALYST)
            .json(v(json!({"classification": {"severty": "low"}})))
            .want(422, "invalid", Some("classification.severty"))
            .mentions("severty"),
        patch("unknown status", ANALYST)
            .json(v(json!({"status": "bogus"})))
            .want(422, "invalid", Some("status"))
            .mentions("bogus"),
        patch("unknown severity", ANALYST)
            .json(v(json!({"classification": {"severity": "extreme"}})))
            .want(422, "invalid", Some("classification.severity"))
            .mentions("extreme"),
        patch("unknown breach type", ANALYST)
            .json(v(json!({"classification": {"breach_type": ["Alien Abduction"]}})))
            .want(422, "invalid", Some("classification.breach_type[0]")),
        patch("unknown location", ANALYST)
            .json(v(json!({"classification": {"location": ["Cloud"]}})))
            .want(422, "invalid", Some("classification.location[0]")),
        patch("negative individuals", ANALYST)
            .json(v(json!({"classification": {"individuals_affected": -5}})))
            .want(422, "invalid", Some("classification.individuals_affected")),
        patch("fractional individuals", ANALYST)
            .json(v(json!({"classification": {"individuals_affected": 2.5}})))
            .want(422, "invalid", Some("classification.individuals_affected")),
        patch("bad state code", ANALYST)
            .json(v(json!({"classification": {"residents_by_state": {"california": 3}}})))
            .want(422, "invalid", Some("classification.residents_by_state")),
        patch("more residents than individuals", ANALYST)
            .json(v(json!({"classification": {"individuals_affected": 10, "residents_by_state": {"CA": 11}}})))
            .want(422, "invalid", Some("classification.individuals_affected")),
        patch("unknown risk", ANALYST)
            .json(v(json!({"risk_assessment": {"nature_extent": {"risk": "huge"}}})))
            .want(422, "invalid", Some("risk_assessment.nature_extent.risk")),
        patch("unknown root-cause category", ANALYST)
            .json(v(json!({"root_cause": {"category": "aliens"}})))
            .want(422, "invalid", Some("root_cause.category")),
        patch("impossible occurrence date", ANALYST)
            .json(v(json!({"occurred_at": "2026-02-30"})))
            .want(422, "invalid", Some("occurred_at")),
        patch("illegal status move", ANALYST)
            .json(v(json!({"status": "new"})))
            .want(422, "invalid", Some("status"))
            .mentions("allowed: investigating, actions, closed"),
        patch("blank title", ANALYST)
            .json(v(json!({"title": ""})))
            .want(422, "invalid", Some("title")),
        patch("D0 as analyst", ANALYST)
            .json(v(json!({"occurred_at": "2026-03-03", "discovered_at": "2026-03-04"})))
            .want(403, "forbidden", None),
        patch("occurred after the new D0", LEAD)
            .json(v(json!({"occurred_at": "2026-03-03", "discovered_at": "2026-03-01"})))
            .want(422, "invalid", Some("occurred_at"))
            .mentions("after discovered_at 2026-03-01"),
        patch("future D0", LEAD)
            .json(v(json!({"discovered_at": "2026-03-06"})))
            .want(422, "invalid", Some("discovered_at")),
        patch("impossible D0", LEAD)
            .json(v(json!({"discovered_at": "2026-02-30"})))
            .want(422, "invalid", Some("discovered_at")),
        patch("escalation out of range", LEAD)
            .json(v(json!({"escalation_level": 9})))
            .want(422, "invalid", Some("escalation_level")),
        patch("oral hold without official", LEAD)
            .json(v(json!({"hold": {"written": false, "stated_on": "2026-03-05"}})))
            .want(422, "invalid", Some("hold.official")),
        patch("notice before discovery", LEAD)
            .json(v(json!({"notices": [{"kind": "individuals", "sent_on": "2026-01-01"}]})))
            .want(422, "invalid", Some("notices.sent_on")),
        patch("close undetermined", LEAD)
            .json(v(json!({"status": "closed"})))
            .want(422, "invalid", Some("status"))
            .mentions("undetermined"),
        patch("close with open work", LEAD)
            .json(v(json!({"status": "closed", "determination": "near_miss"})))
            .want(422, "invalid", Some("status"))
            .mentions("open action"),
        patch("stale version", ANALYST)
            .json(json!({"title": "mine", "version": 2}))
            .want(409, "conflict", None),
        patch("stale If-Match", ANALYST)
            .json(json!({"title": "mine"}))
            .header("If-Match", "1")
            .want(409, "conflict", None),
        patch("no version", ANALYST)
            .json(json!({"title": "mine"}))
            .want(428, "version_required", None),
        patch("garbage If-Match", ANALYST)
            .json(json!({"title": "mine"}))
            .header("If-Match", "latest")
            .want(400, "malformed", None),
        patch("If-Match and body disagree", ANALYST)
            .json(json!({"title": "mine", "version": 3}))
            .header("If-Match", "\"2\"")
            .want(422, "invalid", Some("version")),
        patch("lead field as analyst", ANALYST)
            .json(v(json!({"determination": "breach"})))
            .want(403, "forbidden", None),
        patch("reporter patches", REPORTER)
            .json(v(json!({"title": "mine"})))
            .want(403, "forbidden", None),
        patch("wrong media type", ANALYST)
            .raw(Some("text/json"), v(json!({"title": "x"})).to_string().as_bytes())
            .want(415, "unsupported_media_type", None),
        patch("no token", ANALYST)
            .anonymous()
            .json(v(json!({"title": "x"})))
            .want(401, "unauthorized", None),
        Case::new(
            "no such incident",
            ANALYST,
            Method::PATCH,
            "/api/v1/incidents/INC-2026-999999",
        )
        .json(v(json!({"title": "x"})))
        .want(404, "not_found", None),
        Case::new("wrong method", ANALYST, Method::PUT, &path)
            .json(v(json!({"title": "x"})))
            .want(405, "method_not_allowed", None),
        Case::new("empty note", ANALYST, Method::POST, &format!("{path}/notes"))
            .json(json!({"text": "  "}))
            .want(422, "invalid", Some("text")),
        Case::new("note unknown field", ANALYST, Method::POST, &format!("{path}/notes"))
            .json(json!({"text": "x", "pinned": true}))
            .want(422, "invalid", Some("pinned"))
            .mentions("pinned"),
        Case::new("note by auditor", AUDITOR, Method::POST, &format!("{path}/notes"))
            .json(json!({"text": "x"}))
            .want(403, "forbidden", None),
        Case::new(
            "note on no incident",
            ANALYST,
            Method::POST,
            "/api/v1/incidents/INC-2026-999999/notes",
        )
        .json(json!({"text": "x"}))
        .want(404, "not_found", None),
        Case::new("action due before D0", ANALYST, Method::POST, &format!("{path}/actions"))
            .json(json!({"title": "x", "owner": ANALYST, "due": "2026-03-04"}))
            .want(422, "invalid", Some("due"))
            .mentions("before the discovery date"),
        Case::new("action impossible due", ANALYST, Method::POST, &format!("{path}/actions"))
            .json(json!({"title": "x", "owner": ANALYST, "due": "2026-13-01"}))
            .want(422, "invalid", Some("due")),
        Case::new("action without owner", ANALYST, Method::POST, &format!("{path}/actions"))
            .json(json!({"title": "x", "owner": " ", "due": "2026-03-20"}))
            .want(422, "invalid", Some("owner")),
        Case::new(
            "action on no incident",
            ANALYST,
            Method::POST,
            "/api/v1/incidents/INC-2026-999999/actions",
        )
        .json(json!({"title": "x", "owner": ANALYST, "due": "2026-03-20"}))
        .want(404, "not_found", None),
    ];
    for case in cases {
        let name = case.name;
        let body = check(&server, &id, case).await;
        if name.starts_with("stale") {
            // The conflict carries the record as it is now, so the client can re-apply.
            let current = &body["error"]["current"];
            assert_eq!(s(current, "id"), id, "{name}: {body}");
            assert_eq!(i(current, "version"), 3, "{name}: {body}");
            assert_eq!(s(current, "title"), "Fax to the wrong clinic (north)");
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_action_changes_are_refused_and_change_nothing() {
    let (server, id, action) = setup().await;
    let path = format!("/api/v1/actions/{action}");
    let patch = |name, user| Case::new(name, user, Method::PATCH, &path);
    let cases = vec![
        patch("stale version", ANALYST)
            .json(json!({"title": "x"}))
            .header("If-Match", "0")
            .want(409, "conflict", None),
        patch("no version", ANALYST)
            .json(json!({"title": "x"}))
            .want(428, "version_required", None),
        patch("unknown status", ANALYST)
            .json(json!({"status": "finished", "version": 1}))
            .want(422, "invalid", Some("status")),
        patch("open to verified", LEAD)
            .json(json!({"status": "verified", "version": 1}))
            .want(422, "invalid", Some("status")),
        patch("re-date without reason", LEAD)
            .json(json!({"due": "2026-04-30", "version": 1}))
            .want(422, "invalid", Some("reason")),
        patch("owner change as analyst", ANALYST)
            .json(json!({"owner": ANALYST2, "version": 1}))
            .want(403, "forbidden", None),
        patch("auditor", AUDITOR)
            .json(json!({"title": "x", "version": 1}))
            .want(403, "forbidden", None),
        patch("unknown field", ANALYST)
            .json(json!({"title": "x", "version": 1, "priority": 1}))
            .want(422, "invalid", Some("priority"))
            .mentions("priority"),
        Case::new(
            "no such action",
            ANALYST,
            Method::PATCH,
            "/api/v1/actions/ACT-999999",
        )
        .json(json!({"title": "x", "version": 1}))
        .want(404, "not_found", None),
    ];
    for case in cases {
        let name = case.name;
        let body = check(&server, &id, case).await;
        if name == "stale version" {
            let current = &body["error"]["current"];
            assert_eq!(s(current, "id"), action);
            assert_eq!(i(current, "version"), 1);
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_queries_are_422() {
    let (server, id, _) = setup().await;
    let get = |name, user, path: &str| Case::new(name, user, Method::GET, path);
    let cases = vec![
        get("limit 0", ANALYST, "/api/v1/incidents?limit=0").want(422, "invalid", Some("limit")),
        get("limit 1001", ANALYST, "/api/v1/incidents?limit=1001").want(
            422,
            "invalid",
            Some("limit"),
        ),
        get("limit not a number", ANALYST, "/api/v1/incidents?limit=ten").want(
            422,
            "invalid",
            Some("query"),
        ),
        get(
            "since yesterday",
            ANALYST,
            "/api/v1/incidents?since=yesterday",
        )
        .want(422, "invalid", Some("since")),
        get(
            "since a date",
            ANALYST,
            "/api/v1/incidents?since=2026-03-01",
        )
        .want(422, "invalid", Some("since")),
        get("bad cursor", ANALYST, "/api/v1/incidents?cursor=bogus").want(
            422,
            "invalid",
            Some("cursor"),
        ),
        get("negative cursor", ANALYST, "/api/v1/incidents?cursor=c-1").want(
            422,
            "invalid",
            Some("cursor"),
        ),
        get(
            "unknown status",
            ANALYST,
            "/api/v1/incidents?status=new,bogus",
        )
        .want(422, "invalid", Some("status")),
        get(
            "unknown determination",
            ANALYST,
            "/api/v1/incidents?determination=maybe",
        )
        .want(422, "invalid", Some("determination")),
        get("unknown parameter", ANALYST, "/api/v1/incidents?colour=red").want(
            422,
            "invalid",
            Some("query"),
        ),
        get("audit limit 0", ADMIN, "/api/v1/audit?limit=0").want(422, "invalid", Some("limit")),
        get("audit since word", ADMIN, "/api/v1/audit?since=yesterday").want(
            422,
            "invalid",
            Some("query"),
        ),
        get(
            "stats impossible date",
            ANALYST,
            "/api/v1/stats?from=2026-02-30",
        )
        .want(422, "invalid", Some("from")),
        get("stats by year", ANALYST, "/api/v1/stats?by=year").want(422, "invalid", Some("by")),
        get(
            "stats reversed",
            ANALYST,
            "/api/v1/stats?from=2026-03-01&to=2026-01-01",
        )
        .want(422, "invalid", Some("from")),
        get(
            "events since word",
            ANALYST,
            "/api/v1/events?since_seq=latest",
        )
        .want(422, "invalid", Some("query")),
        get(
            "actions unknown parameter",
            ANALYST,
            "/api/v1/actions?mine=1",
        )
        .want(422, "invalid", Some("query")),
        get("search limit 0", ANALYST, "/api/v1/search?q=fax&limit=0").want(
            422,
            "invalid",
            Some("limit"),
        ),
        get("search without q", ANALYST, "/api/v1/search").want(422, "invalid", Some("query")),
        get(
            "search q too long",
            ANALYST,
            &format!("/api/v1/search?q={}", "x".repeat(501)),
        )
        .want(422, "invalid", Some("q")),
        get(
            "search impossible date",
            ANALYST,
            "/api/v1/search?q=after:2026-02-30",
        )
        .want(422, "invalid", Some("q")),
        get(
            "search unknown parameter",
            ANALYST,
            "/api/v1/search?q=fax&sort=date",
        )
        .want(422, "invalid", Some("query")),
        get("no route", ANALYST, "/api/v1/incident").want(404, "no_route", None),
        get(
            "no such incident",
            ANALYST,
            "/api/v1/incidents/INC-2026-999999",
        )
        .want(404, "not_found", None),
    ];
    for case in cases {
        check(&server, &id, case).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bodies_over_the_limit_are_413() {
    let server = TestServer::start_with(Options {
        body_limit: 2048,
        ..Default::default()
    })
    .await;
    let inc = server.report(REPORTER, "Small enough").await;
    let id = s(&inc, "id").to_string();
    let big = "x".repeat(8 * 1024);
    let cases = vec![
        Case::new("big report", REPORTER, Method::POST, "/api/v1/reports")
            .json(json!({"title": "Too big", "site": "N", "description": big}))
            .want(413, "too_large", None),
        Case::new(
            "big patch",
            ANALYST,
            Method::PATCH,
            &format!("/api/v1/incidents/{id}"),
        )
        .json(json!({"description": big, "version": 1}))
        .want(413, "too_large", None),
        Case::new(
            "big note",
            ANALYST,
            Method::POST,
            &format!("/api/v1/incidents/{id}/notes"),
        )
        .json(json!({"text": big}))
        .want(413, "too_large", None),
    ];
    for case in cases {
        check(&server, &id, case).await;
    }
    // Just under the limit is fine.
    let (status, body) = server
        .as_user(
            REPORTER,
            Method::POST,
            "/api/v1/reports",
            Some(&json!({"title": "Fits", "site": "N", "description": "y".repeat(1500)})),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn repeated_bad_tokens_from_one_address_are_rate_limited() {
    let server = TestServer::start().await;
    let attacker = raw_client(Some(fresh_loopback()));
    let mut refused = 0;
    let mut limited = None;
    for n in 0..40 {
        let (status, body) = server
            .call_with(
                &attacker,
                Method::GET,
                "/api/v1/incidents",
                Some(&format!("tc_guess{n}_wrong")),
                None,
                &[],
            )
            .await;
        assert!(status.as_u16() < 500, "{body}");
        match status {
            StatusCode::UNAUTHORIZED => {
                assert_eq!(error_code(&body), "unauthorized");
                refused += 1;
            }
            StatusCode::TOO_MANY_REQUESTS => {
                assert_eq!(error_code(&body), "rate_limited");
                limited = Some(n);
                break;
            }
            other => panic!("unexpected {other}: {body}"),
        }
    }
    let limited = limited.expect("rate limited within 40 bad tokens");
    assert!(refused >= 5, "limited too early, after {refused} failures");
    assert_eq!(limited, refused);
    // The address stays limited, whatever it presents...
    let (status, _) = server
        .call_with(
            &attacker,
            Method::GET,
            "/api/v1/incidents",
            Some(&server.token(ANALYST)),
            None,
            &[],
        )
        .await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS);
    // ...while others are not affected, and nothing was written.
    let (status, _) = server
        .as_user(ANALYST, Method::GET, "/api/v1/incidents", None)
        .await;
    assert_eq!(status, StatusCode::OK);
    let (status, _) = server.call(Method::GET, "/healthz", None, None).await;
    assert_eq!(status, StatusCode::OK);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn extreme_dates_are_refused_not_fatal() {
    let (server, id, _) = setup().await;
    let path = format!("/api/v1/incidents/{id}");
    let cases = vec![
        Case::new("stats at the end of time", ANALYST, Method::GET, "/api/v1/stats?from=%2B262142-12-01&to=%2B262142-12-31&by=month")
            .want(422, "invalid", Some("to")),
        Case::new("stats weekly at the end of time", ANALYST, Method::GET, "/api/v1/stats?from=%2B262142-12-20&to=%2B262142-12-31")
            .want(422, "invalid", Some("to")),
        Case::new("stats at the start of time", ANALYST, Method::GET, "/api/v1/stats?to=-262143-01-02")
            .want(422, "invalid", Some("to")),
        Case::new("hold stated at the end of time", LEAD, Method::PATCH, &path)
            .json(json!({"version": 3, "determination": "breach", "hold": {"written": false, "stated_on": "+262142-12-31", "official": "Det. Ruiz"}}))
            .want(422, "invalid", Some("hold.stated_on")),
    ];
    for case in cases {
        check(&server, &id, case).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn oversized_filters_and_odd_paths_are_client_errors() {
    let (server, id, _) = setup().await;
    let words = vec!["fax"; 1500].join("%20");
    let statuses = vec!["new"; 9000].join(",");
    let cases = vec![
        Case::new(
            "thousands of words",
            ANALYST,
            Method::GET,
            &format!("/api/v1/incidents?q={words}"),
        )
        .want(422, "invalid", Some("q")),
        Case::new(
            "thousands of statuses",
            ANALYST,
            Method::GET,
            &format!("/api/v1/incidents?status={statuses}"),
        )
        .want(200, "", None),
        Case::new(
            "id that is not UTF-8",
            ANALYST,
            Method::GET,
            "/api/v1/incidents/%E9",
        )
        .want(400, "malformed", None),
        Case::new(
            "action id that is not UTF-8",
            ANALYST,
            Method::PATCH,
            "/api/v1/actions/%FF",
        )
        .json(json!({"title": "x", "version": 1}))
        .want(400, "malformed", None),
        Case::new("lower-case bearer", ANALYST, Method::GET, "/api/v1/whoami")
            .anonymous()
            .header("Authorization", format!("bearer {}", server.token(ANALYST)))
            .want(200, "", None),
    ];
    for case in cases {
        check(&server, &id, case).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_typed_client_sends_any_id_intact() {
    let (server, _, _) = setup().await;
    let client = server.client(ANALYST);
    // Not ids this server issues, but they must arrive as sent: a clean 404, not a 400.
    for id in ["INC-2026-é", "INC/2026/1", "INC 2026?1#x", "INC-2026-%41"] {
        let err = client.incident(id).await.expect_err("no such incident");
        assert_eq!(err.status(), Some(StatusCode::NOT_FOUND), "{id}: {err}");
        assert!(err.to_string().contains(id), "{id}: {err}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn d0_cannot_move_before_the_recorded_occurrence() {
    let (server, id, _) = setup().await;
    let lead = server.client(LEAD);
    let inc = lead
        .patch_incident(
            &id,
            3,
            &triage::domain::IncidentPatch {
                occurred_at: Some(day("2026-03-03")),
                ..Default::default()
            },
        )
        .await
        .expect("occurrence recorded");
    let path = format!("/api/v1/incidents/{id}");
    check(
        &server,
        &id,
        Case::new("D0 before the occurrence", LEAD, Method::PATCH, &path)
            .json(json!({"discovered_at": "2026-03-02", "version": inc.version}))
            .want(422, "invalid", Some("discovered_at"))
            .mentions("occurred_at 2026-03-03"),
    )
    .await;
    // On or after the occurrence is fine.
    let moved = lead
        .patch_incident(
            &id,
            inc.version,
            &triage::domain::IncidentPatch {
                discovered_at: Some(day("2026-03-03")),
                ..Default::default()
            },
        )
        .await
        .expect("D0 moved");
    assert_eq!(moved.discovered_at, day("2026-03-03"));
}
