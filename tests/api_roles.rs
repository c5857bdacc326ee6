//! Who may do what: every route of the served OpenAPI document against every role (and no token,
//! a bad token), as API.md says — plus the field-level rules (lead-only fields), reporters seeing
//! only their own reports, `/healthz` without a token, and the document matching the router.

mod common;

use common::*;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use std::collections::BTreeSet;
use triage::domain::Role;

/// Who calls.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Who {
    Role(Role),
    NoToken,
    BadToken,
}

const ROLES: [Role; 5] = [
    Role::Reporter,
    Role::Analyst,
    Role::Lead,
    Role::Admin,
    Role::Auditor,
];

fn user_of(role: Role) -> &'static str {
    match role {
        Role::Reporter => REPORTER,
        Role::Analyst => ANALYST,
        Role::Lead => LEAD,
        Role::Admin => ADMIN,
        Role::Auditor => AUDITOR,
    }
}

/// Expected status per role, in the order of [`ROLES`]: reporter, analyst, lead, admin, auditor.
/// Without a token or with a bad one every row but `/healthz` is 401.
const TABLE: &[(&str, &str, [u16; 5])] = &[
    ("GET", "/healthz", [200, 200, 200, 200, 200]),
    ("GET", "/api/v1/openapi.json", [200, 200, 200, 200, 200]),
    ("GET", "/api/v1/whoami", [200, 200, 200, 200, 200]),
    ("POST", "/api/v1/reports", [201, 201, 201, 201, 403]),
    ("GET", "/api/v1/incidents", [200, 200, 200, 200, 200]),
    // The incident in the table was filed by another reporter: 404 to ours, not 403.
    ("GET", "/api/v1/incidents/{id}", [404, 200, 200, 200, 200]),
    ("PATCH", "/api/v1/incidents/{id}", [403, 200, 200, 200, 403]),
    (
        "POST",
        "/api/v1/incidents/{id}/notes",
        [403, 201, 201, 201, 403],
    ),
    (
        "POST",
        "/api/v1/incidents/{id}/actions",
        [403, 201, 201, 201, 403],
    ),
    // Redaction is the admin's alone (the fixture's description is redacted once, by the admin).
    (
        "POST",
        "/api/v1/incidents/{id}/redactions",
        [403, 403, 403, 201, 403],
    ),
    ("PATCH", "/api/v1/actions/{id}", [403, 200, 200, 200, 403]),
    ("GET", "/api/v1/actions", [403, 200, 200, 200, 200]),
    ("GET", "/api/v1/board", [403, 200, 200, 200, 200]),
    ("GET", "/api/v1/search", [403, 200, 200, 200, 200]),
    ("GET", "/api/v1/stats", [403, 200, 200, 200, 200]),
    ("GET", "/api/v1/events", [403, 200, 200, 200, 200]),
    ("GET", "/api/v1/audit", [403, 403, 403, 200, 200]),
    ("POST", "/api/v1/import", [403, 403, 200, 200, 403]),
];

/// The paths API.md fixes (method, path).
const API_MD: &[(&str, &str)] = &[
    ("GET", "/healthz"),
    ("GET", "/api/v1/openapi.json"),
    ("POST", "/api/v1/reports"),
    ("GET", "/api/v1/incidents"),
    ("GET", "/api/v1/incidents/{id}"),
    ("PATCH", "/api/v1/incidents/{id}"),
    ("POST", "/api/v1/incidents/{id}/notes"),
    ("POST", "/api/v1/incidents/{id}/actions"),
    ("PATCH", "/api/v1/actions/{id}"),
    ("GET", "/api/v1/board"),
    ("GET", "/api/v1/search"),
    ("GET", "/api/v1/stats"),
    ("GET", "/api/v1/events"),
    ("GET", "/api/v1/audit"),
];

/// Contract paths whose implementation is still on another branch: allowed to be missing from
/// the document for now, and checked like every other path as soon as they appear. (Empty since
/// `/api/v1/search` arrived with the search merge.)
const PENDING: &[(&str, &str)] = &[];

/// The operations of the served document, as (METHOD, path template).
async fn documented(server: &TestServer) -> BTreeSet<(String, String)> {
    let (status, doc) = server
        .as_user(ANALYST, Method::GET, "/api/v1/openapi.json", None)
        .await;
    assert_eq!(status, StatusCode::OK);
    let paths = doc
        .get("paths")
        .and_then(Value::as_object)
        .expect("paths in the document");
    let mut out = BTreeSet::new();
    for (path, item) in paths {
        for method in ["get", "post", "put", "patch", "delete", "head", "options"] {
            if item.get(method).is_some() {
                out.insert((method.to_uppercase(), path.clone()));
            }
        }
    }
    out
}

/// The ids the table's path templates are filled with.
struct Fixture {
    incident: String,
    action: String,
}

async fn fixture(server: &TestServer) -> Fixture {
    // Filed by the *other* reporter, so the table's reporter must not see it.
    let incident = server.report(REPORTER2, "Fax to the wrong clinic").await;
    let id = s(&incident, "id").to_string();
    let (status, action) = server
        .as_user(
            ANALYST,
            Method::POST,
            &format!("/api/v1/incidents/{id}/actions"),
            Some(&json!({"title": "Re-train front desk", "owner": ANALYST2, "due": "2026-03-20"})),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{action}");
    Fixture {
        incident: id,
        action: s(&action, "id").to_string(),
    }
}

/// Builds the concrete request of a table row: path, body and If-Match.
async fn request_for(
    server: &TestServer,
    fx: &Fixture,
    method: &str,
    template: &str,
    tag: &str,
) -> (String, Option<Value>, Option<String>) {
    let path = match template {
        "/api/v1/actions/{id}" => template.replace("{id}", &fx.action),
        "/api/v1/search" => "/api/v1/search?q=fax".to_string(),
        t => t.replace("{id}", &fx.incident),
    };
    let body = match (method, template) {
        ("POST", "/api/v1/reports") => {
            Some(json!({"title": format!("Report by {tag}"), "site": "East"}))
        }
        ("PATCH", "/api/v1/incidents/{id}") => Some(json!({"title": format!("Retitled by {tag}")})),
        ("POST", "/api/v1/incidents/{id}/notes") => Some(json!({"text": format!("Note by {tag}")})),
        ("POST", "/api/v1/incidents/{id}/actions") => Some(
            json!({"title": format!("Action by {tag}"), "owner": ANALYST, "due": "2026-04-01"}),
        ),
        ("PATCH", "/api/v1/actions/{id}") => {
            Some(json!({"title": format!("Action retitled by {tag}")}))
        }
        ("POST", "/api/v1/incidents/{id}/redactions") => Some(
            json!({"field": "description", "reason": format!("identifiers pasted by mistake ({tag})")}),
        ),
        ("POST", "/api/v1/import") => Some(json!({"records": [{
            "import_key": format!("roles-{tag}"),
            "title": "Stolen laptop (archive)",
            "description": "",
            "site": "TX",
            "entity": "Example Health",
            "discovered_at": "2024-05-01",
            "status": "closed",
            "determination": "breach",
            "classification": {"breach_type": ["Theft"], "location": ["Laptop"]}
        }]})),
        _ => None,
    };
    let if_match = match template {
        "/api/v1/incidents/{id}" if method == "PATCH" => {
            Some(i(&server.incident(&fx.incident).await, "version").to_string())
        }
        "/api/v1/incidents/{id}/redactions" => {
            Some(i(&server.incident(&fx.incident).await, "version").to_string())
        }
        "/api/v1/actions/{id}" => {
            let inc = server.incident(&fx.incident).await;
            let action = inc["actions"]
                .as_array()
                .and_then(|a| a.iter().find(|a| a["id"] == fx.action.as_str()))
                .cloned()
                .expect("fixture action");
            Some(i(&action, "version").to_string())
        }
        _ => None,
    };
    (path, body, if_match)
}

/// Sends one request and returns its status; checks the error shape of refusals. Event streams
/// are not read past their headers.
async fn status_of(
    server: &TestServer,
    http: &reqwest::Client,
    method: &str,
    path: &str,
    token: Option<&str>,
    body: Option<&Value>,
    if_match: Option<&str>,
) -> (StatusCode, Value) {
    let method: Method = method.parse().expect("method");
    let mut req = http.request(method.clone(), format!("{}{}", server.url(), path));
    if let Some(t) = token {
        req = req.bearer_auth(t);
    }
    if let Some(b) = body {
        req = req.json(b);
    }
    if let Some(v) = if_match {
        req = req.header("If-Match", v);
    }
    let resp = tokio::time::timeout(PATIENCE, req.send())
        .await
        .expect("answer in time")
        .expect("request sent");
    let status = resp.status();
    let streaming = resp
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("text/event-stream"));
    if streaming {
        return (status, Value::Null);
    }
    let bytes = tokio::time::timeout(PATIENCE, resp.bytes())
        .await
        .expect("body in time")
        .expect("body");
    let value: Value = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
    if !status.is_success() {
        let code = error_code(&value);
        let want = match status.as_u16() {
            401 => "unauthorized",
            403 => "forbidden",
            404 => "not_found",
            _ => code,
        };
        assert_eq!(code, want, "{method} {path}: {value}");
    }
    (status, value)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_route_against_every_role() {
    let server = TestServer::start().await;
    let fx = fixture(&server).await;
    let doc = documented(&server).await;

    let table: BTreeSet<(String, String)> = TABLE
        .iter()
        .map(|(m, p, _)| (m.to_string(), p.to_string()))
        .collect();
    let untested: Vec<_> = doc.difference(&table).collect();
    assert!(
        untested.is_empty(),
        "routes in the OpenAPI document without a row in the role table: {untested:?}"
    );

    let mut checked = 0;
    for (method, template, want) in TABLE {
        if !doc.contains(&(method.to_string(), template.to_string())) {
            assert!(
                PENDING.contains(&(*method, *template)),
                "{method} {template} is in the table but not in the document"
            );
            continue;
        }
        let whos = ROLES
            .iter()
            .map(|r| Who::Role(*r))
            .chain([Who::NoToken, Who::BadToken]);
        for who in whos {
            let tag = format!("{who:?}").to_lowercase();
            let (path, body, if_match) = request_for(&server, &fx, method, template, &tag).await;
            let expected = match who {
                Who::Role(role) => {
                    let idx = ROLES.iter().position(|r| *r == role).expect("role");
                    want[idx]
                }
                _ if *template == "/healthz" => 200,
                _ => 401,
            };
            // Unauthenticated callers each come from their own address, so the table does not
            // trip the failure limit (tested on its own in api_errors).
            let (http, token) = match who {
                Who::Role(role) => (server.http.clone(), Some(server.token(user_of(role)))),
                Who::NoToken => (raw_client(Some(fresh_loopback())), None),
                Who::BadToken => (
                    raw_client(Some(fresh_loopback())),
                    Some("tc_0123456789ab_not-the-secret".to_string()),
                ),
            };
            let (status, body) = status_of(
                &server,
                &http,
                method,
                &path,
                token.as_deref(),
                body.as_ref(),
                if_match.as_deref(),
            )
            .await;
            assert_eq!(
                status.as_u16(),
                expected,
                "{who:?} {method} {path}: got {status}: {body}"
            );
            checked += 1;
        }
    }
    assert!(checked >= 16 * 7, "only {checked} cases ran");

    // The auditor wrote nothing, however often it tried.
    let rows = server
        .running
        .state
        .store
        .audit_rows()
        .await
        .expect("audit");
    assert!(
        rows.iter().all(|r| r.actor != AUDITOR),
        "an auditor's write reached the audit trail"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reporter_reads_only_own_reports() {
    let server = TestServer::start().await;
    let own = server.report(REPORTER, "My own report").await;
    let own_id = s(&own, "id").to_string();
    let other = server.report(REPORTER2, "Someone else's report").await;
    let other_id = s(&other, "id").to_string();
    assert_eq!(s(&own, "reported_by"), REPORTER);

    let (status, body) = server
        .as_user(
            REPORTER,
            Method::GET,
            &format!("/api/v1/incidents/{own_id}"),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");

    // Another's report and a report that does not exist look the same: 404.
    for id in [other_id.as_str(), "INC-2026-999999"] {
        let (status, body) = server
            .as_user(
                REPORTER,
                Method::GET,
                &format!("/api/v1/incidents/{id}"),
                None,
            )
            .await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{body}");
        assert_eq!(error_code(&body), "not_found");
    }

    for query in ["", "?q=report", "?status=new", "?site=north", "?limit=1000"] {
        let (status, page) = server
            .as_user(
                REPORTER,
                Method::GET,
                &format!("/api/v1/incidents{query}"),
                None,
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{page}");
        let ids: Vec<&str> = page["items"]
            .as_array()
            .expect("items")
            .iter()
            .map(|i| s(i, "id"))
            .collect();
        assert_eq!(ids, vec![own_id.as_str()], "reporter list {query}");
    }

    let (_, page) = server
        .as_user(ANALYST, Method::GET, "/api/v1/incidents", None)
        .await;
    assert_eq!(page["items"].as_array().expect("items").len(), 2);
}

/// Fields only a lead may change on an incident, each with a value a lead may set.
fn lead_fields() -> Vec<(&'static str, Value)> {
    vec![
        ("determination", json!({"determination": "near_miss"})),
        ("owner", json!({"owner": ANALYST})),
        ("escalation_level", json!({"escalation_level": 1})),
        ("discovered_at", json!({"discovered_at": "2026-03-01"})),
        (
            "notices",
            json!({"notices": [{"kind": "individuals", "sent_on": "2026-03-05"}]}),
        ),
        (
            "hold",
            json!({"hold": {"written": true, "stated_on": "2026-03-04", "until": "2026-04-01", "official": "Det. Ruiz"}}),
        ),
        (
            "close_reason",
            json!({"close_reason": "handled by the vendor"}),
        ),
    ]
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn analyst_changes_analyst_fields_and_lead_changes_lead_fields() {
    let server = TestServer::start().await;
    let inc = server.report(REPORTER, "Lost badge").await;
    let id = s(&inc, "id").to_string();
    let path = format!("/api/v1/incidents/{id}");

    let analyst_fields = [
        json!({"title": "Lost badge at north entrance"}),
        json!({"description": "found later"}),
        json!({"site": "North"}),
        json!({"department": "Radiology"}),
        json!({"status": "triaged"}),
        json!({"occurred_at": "2026-02-27"}),
        json!({"classification": {"subtype": "tailgating", "severity": "low", "phi_involved": false}}),
        json!({"risk_assessment": {"contained_before_disclosure": true, "conclusion": "no PHI left"}}),
        json!({"root_cause": {"summary": "badge on lanyard", "factors": ["lanyard"], "category": "people"}}),
    ];
    for patch in &analyst_fields {
        let version = i(&server.incident(&id).await, "version");
        let mut body = patch.clone();
        body["version"] = json!(version);
        let (status, out) = server
            .as_user(ANALYST, Method::PATCH, &path, Some(&body))
            .await;
        assert_eq!(status, StatusCode::OK, "analyst {patch}: {out}");
        assert_eq!(i(&out, "version"), version + 1);
    }

    for (field, patch) in lead_fields() {
        let before = server.incident_record(&id).await;
        let audit_before = server.audit_len().await;
        let mut body = patch.clone();
        body["version"] = before["version"].clone();
        let (status, out) = server
            .as_user(ANALYST, Method::PATCH, &path, Some(&body))
            .await;
        assert_eq!(status, StatusCode::FORBIDDEN, "analyst {field}: {out}");
        assert_eq!(error_code(&out), "forbidden");
        assert!(
            error_message(&out).contains(field),
            "message names {field}: {out}"
        );
        // A refused patch that also carries an analyst field changes nothing at all.
        body["title"] = json!("sneaked in");
        let (status, _) = server
            .as_user(ANALYST, Method::PATCH, &path, Some(&body))
            .await;
        assert_eq!(status, StatusCode::FORBIDDEN);
        assert_eq!(server.incident_record(&id).await, before, "{field}");
        assert_eq!(server.audit_len().await, audit_before, "{field}");

        let (status, out) = server
            .as_user(LEAD, Method::PATCH, &path, Some(&body))
            .await;
        assert_eq!(status, StatusCode::OK, "lead {field}: {out}");
    }

    // Closing is the lead's: refused to the analyst even when everything else is in order.
    let version = i(&server.incident(&id).await, "version");
    let close = json!({"status": "closed", "version": version});
    let (status, out) = server
        .as_user(ANALYST, Method::PATCH, &path, Some(&close))
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{out}");
    let (status, out) = server
        .as_user(LEAD, Method::PATCH, &path, Some(&close))
        .await;
    assert_eq!(status, StatusCode::OK, "{out}");
    assert_eq!(s(&out, "status"), "closed");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn action_owner_and_due_are_lead_fields() {
    let server = TestServer::start().await;
    let inc = server.report(REPORTER, "Misdirected email").await;
    let id = s(&inc, "id");
    let analyst = server.client(ANALYST);
    let lead = server.client(LEAD);
    let action = analyst
        .add_action(
            id,
            &triage::domain::NewAction {
                title: "Disable autocomplete".into(),
                owner: ANALYST2.into(),
                due: day("2026-03-31"),
            },
        )
        .await
        .expect("analyst adds an action");
    let refused = [
        triage::domain::ActionPatch {
            owner: Some(ANALYST.into()),
            ..Default::default()
        },
        triage::domain::ActionPatch {
            due: Some(day("2026-04-30")),
            reason: Some("vendor delay".into()),
            ..Default::default()
        },
        triage::domain::ActionPatch {
            status: Some(triage::domain::ActionStatus::Cancelled),
            ..Default::default()
        },
        triage::domain::ActionPatch {
            escalation_level: Some(1),
            ..Default::default()
        },
    ];
    let mut version = action.version;
    for patch in &refused {
        let err = analyst
            .patch_action(&action.id, version, patch)
            .await
            .expect_err("analyst refused");
        assert_eq!(
            err.status(),
            Some(StatusCode::FORBIDDEN),
            "{patch:?}: {err}"
        );
        let done = lead
            .patch_action(&action.id, version, patch)
            .await
            .unwrap_or_else(|e| panic!("lead {patch:?}: {e}"));
        version = done.version;
    }
    // The analyst may move the work along.
    let moved = analyst
        .patch_action(
            &action.id,
            version,
            &triage::domain::ActionPatch {
                status: Some(triage::domain::ActionStatus::Open),
                title: Some("Disable address autocomplete".into()),
                ..Default::default()
            },
        )
        .await
        .expect("analyst reopens");
    assert_eq!(moved.title, "Disable address autocomplete");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn healthz_needs_no_token() {
    let server = TestServer::start().await;
    let (status, body) = server.call(Method::GET, "/healthz", None, None).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(s(&body, "status"), "ok");
    let backend = if on_postgres() { "postgres" } else { "sqlite" };
    assert_eq!(s(&body, "database"), backend);
    assert_eq!(body["database_ok"], json!(true));
    // Everything else does need one.
    let (status, body) = server
        .call(Method::GET, "/api/v1/openapi.json", None, None)
        .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(error_code(&body), "unauthorized");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_documented_route_is_served() {
    let server = TestServer::start().await;
    let fx = fixture(&server).await;
    let token = server.token(ADMIN);

    // The router's own answers, so the check below means something.
    let (status, body) = server
        .call(Method::GET, "/api/v1/nowhere", Some(&token), None)
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(error_code(&body), "no_route");
    let (status, body) = server
        .call(Method::DELETE, "/api/v1/incidents", Some(&token), None)
        .await;
    assert_eq!(status, StatusCode::METHOD_NOT_ALLOWED);
    assert_eq!(error_code(&body), "method_not_allowed");

    let doc = documented(&server).await;
    assert!(doc.len() >= 15, "document lists {} operations", doc.len());
    for (method, template) in &doc {
        let (path, body, if_match) = request_for(&server, &fx, method, template, "served").await;
        let (status, answer) = status_of(
            &server,
            &server.http,
            method,
            &path,
            Some(&token),
            body.as_ref(),
            if_match.as_deref(),
        )
        .await;
        assert_ne!(
            status,
            StatusCode::METHOD_NOT_ALLOWED,
            "{method} {path} is documented but not routed"
        );
        assert_ne!(
            answer.pointer("/error/code").and_then(Value::as_str),
            Some("no_route"),
            "{method} {path} is documented but not routed"
        );
        assert!(
            status.is_success(),
            "{method} {path} as admin: {status} {answer}"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn api_md_paths_are_in_the_document() {
    let server = TestServer::start().await;
    let doc = documented(&server).await;
    let missing: Vec<_> = API_MD
        .iter()
        .filter(|(m, p)| !doc.contains(&(m.to_string(), p.to_string())))
        .filter(|op| !PENDING.contains(op))
        .collect();
    assert!(
        missing.is_empty(),
        "API.md paths missing from /api/v1/openapi.json: {missing:?}"
    );
    // `/healthz` is documented as open; everything else carries the bearer requirement.
    let (_, raw) = server
        .as_user(ANALYST, Method::GET, "/api/v1/openapi.json", None)
        .await;
    assert_eq!(raw["paths"]["/healthz"]["get"]["security"], json!([{}]));
    assert!(
        raw.pointer("/components/securitySchemes/bearer").is_some(),
        "bearer scheme documented"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn expired_and_revoked_tokens_are_refused() {
    let server = TestServer::start().await;
    let store = &server.running.state.store;
    let (expired, record) = triage::server::auth::new_token(
        "old",
        Role::Analyst,
        Some(server.now() - chrono::Duration::seconds(1)),
    );
    store
        .insert_token(record, "test-setup", server.now())
        .await
        .expect("stored");
    let (status, body) = server
        .call(Method::GET, "/api/v1/whoami", Some(&expired), None)
        .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "{body}");
    assert_eq!(error_code(&body), "unauthorized");

    // A token that expires later works until then (the server's clock decides).
    let (later, record) = triage::server::auth::new_token(
        "soon",
        Role::Analyst,
        Some(server.now() + chrono::Duration::hours(1)),
    );
    store
        .insert_token(record, "test-setup", server.now())
        .await
        .expect("stored");
    let (status, body) = server
        .call(Method::GET, "/api/v1/whoami", Some(&later), None)
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(s(&body, "user"), "soon");
    server.set_clock(server.now() + chrono::Duration::hours(2));
    let (status, _) = server
        .call(Method::GET, "/api/v1/whoami", Some(&later), None)
        .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);

    // Revoked: refused once the server forgets what it cached.
    let token = server.token(ANALYST);
    let (status, _) = server
        .call(Method::GET, "/api/v1/whoami", Some(&token), None)
        .await;
    assert_eq!(status, StatusCode::OK);
    let n = store
        .revoke_tokens(ANALYST, ADMIN, server.now())
        .await
        .expect("revoked");
    assert_eq!(n, 1);
    server.running.state.tokens.clear();
    let (status, _) = server
        .call(Method::GET, "/api/v1/whoami", Some(&token), None)
        .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    // A forged secret for a known token id is refused.
    let forged = format!("{}x", server.token(LEAD));
    let (status, _) = server
        .call(Method::GET, "/api/v1/whoami", Some(&forged), None)
        .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
}
