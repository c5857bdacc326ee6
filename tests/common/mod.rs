//! Shared harness of the API tests: a real server in this process on `127.0.0.1:0` over a
//! temporary SQLite file, tokens minted for each role, and small helpers for raw HTTP where the
//! status matters. Every test builds its own server, so tests never share state.
//!
//! `TRIAGE_TEST_PG=postgres://postgres@127.0.0.1:55432/postgres cargo test --test 'api_*'` runs
//! the same API tests on PostgreSQL, one fresh database per server.

#![allow(dead_code)]

use chrono::{DateTime, NaiveDate, Utc};
use reqwest::{Method, StatusCode};
use serde_json::Value;
use std::net::{IpAddr, Ipv4Addr};
use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Duration;
use triage::client::ApiClient;
use triage::domain::Role;
use triage::domain::clock::FixedClock;
use triage::server::{RunningServer, ServerConfig, auth::new_token};

/// The time the fixed clock starts at: a Thursday, so business-day clocks are plain.
pub const T0: &str = "2026-03-05T10:00:00Z";

/// How long any single wait may take before a test gives up (only to avoid hanging).
pub const PATIENCE: Duration = Duration::from_secs(30);

/// Parses an RFC 3339 time.
pub fn at(s: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(s)
        .expect("test time")
        .with_timezone(&Utc)
}

/// Parses a calendar date.
pub fn day(s: &str) -> NaiveDate {
    s.parse().expect("test date")
}

/// How to start a test server.
pub struct Options {
    /// Largest body accepted.
    pub body_limit: usize,
    /// Start a fixed clock here (`None`: the system clock).
    pub fixed_at: Option<DateTime<Utc>>,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            body_limit: ServerConfig::default().body_limit,
            fixed_at: Some(at(T0)),
        }
    }
}

/// One server, its temporary directory and a token per role.
pub struct TestServer {
    /// The running server (its `state.store` is the real store).
    pub running: RunningServer,
    /// The fixed clock, when one was asked for.
    pub clock: Option<Arc<FixedClock>>,
    /// Keeps the database directory alive.
    pub dir: tempfile::TempDir,
    /// The database the server runs on: the SQLite file's path or the PostgreSQL URL (tests
    /// that inspect or tamper with the stored rows open it themselves).
    pub db: String,
    /// Raw HTTP client (no retries, no token).
    pub http: reqwest::Client,
    /// Tokens by user name.
    tokens: std::sync::Mutex<Vec<(String, String)>>,
}

/// The standard cast: one user per role.
pub const REPORTER: &str = "rita";
pub const REPORTER2: &str = "ravi";
pub const ANALYST: &str = "ana";
pub const ANALYST2: &str = "andy";
pub const LEAD: &str = "lee";
pub const ADMIN: &str = "adam";
pub const AUDITOR: &str = "aud";

impl TestServer {
    /// A server with a fixed clock at [`T0`] and the standard cast.
    pub async fn start() -> TestServer {
        Self::start_with(Options::default()).await
    }

    /// A server with the given options and the standard cast.
    pub async fn start_with(options: Options) -> TestServer {
        let dir = tempfile::tempdir().expect("temp dir");
        let db = match std::env::var("TRIAGE_TEST_PG") {
            Ok(admin_url) if !admin_url.is_empty() => fresh_postgres(&admin_url).await,
            _ => dir.path().join("t.db").to_string_lossy().into_owned(),
        };
        let config = ServerConfig {
            listen: "127.0.0.1:0".parse().expect("address"),
            db: db.clone(),
            body_limit: options.body_limit,
            ..Default::default()
        };
        let clock = options.fixed_at.map(|t| Arc::new(FixedClock::new(t)));
        let store = triage::server::open_store(&config).await.expect("store");
        let dyn_clock: Arc<dyn triage::domain::clock::Clock> = match &clock {
            Some(c) => c.clone(),
            None => Arc::new(triage::domain::clock::SystemClock),
        };
        let state = triage::server::state_for(store, dyn_clock, config.rules.clone());
        let running = triage::server::start_with_state(config.listen, state, config.body_limit)
            .await
            .expect("server starts");
        let server = TestServer {
            running,
            clock,
            dir,
            db,
            http: raw_client(None),
            tokens: std::sync::Mutex::new(Vec::new()),
        };
        for (user, role) in [
            (REPORTER, Role::Reporter),
            (REPORTER2, Role::Reporter),
            (ANALYST, Role::Analyst),
            (ANALYST2, Role::Analyst),
            (LEAD, Role::Lead),
            (ADMIN, Role::Admin),
            (AUDITOR, Role::Auditor),
        ] {
            server.mint(user, role).await;
        }
        server
    }

    /// Mints a token for `user` with `role` and remembers it.
    pub async fn mint(&self, user: &str, role: Role) -> String {
        let (token, record) = new_token(user, role, None);
        self.running
            .state
            .store
            .insert_token(record, "test-setup", self.now())
            .await
            .expect("token stored");
        self.tokens
            .lock()
            .expect("tokens")
            .push((user.to_string(), token.clone()));
        token
    }

    /// The token of a user of the standard cast (or one minted later).
    pub fn token(&self, user: &str) -> String {
        self.tokens
            .lock()
            .expect("tokens")
            .iter()
            .find(|(u, _)| u == user)
            .map(|(_, t)| t.clone())
            .unwrap_or_else(|| panic!("no token for {user}"))
    }

    /// The server's now.
    pub fn now(&self) -> DateTime<Utc> {
        self.clock
            .as_ref()
            .map(|c| triage::domain::clock::Clock::now(c.as_ref()))
            .unwrap_or_else(Utc::now)
    }

    /// Moves the fixed clock.
    pub fn set_clock(&self, t: DateTime<Utc>) {
        self.clock.as_ref().expect("a fixed clock").set(t);
    }

    /// The base URL.
    pub fn url(&self) -> String {
        self.running.url()
    }

    /// The typed client for a user.
    pub fn client(&self, user: &str) -> ApiClient {
        ApiClient::new(&self.url(), &self.token(user)).expect("client")
    }

    /// A raw request; returns the status and the body as JSON (`Null` when it is not JSON).
    pub async fn call(
        &self,
        method: Method,
        path: &str,
        token: Option<&str>,
        body: Option<&Value>,
    ) -> (StatusCode, Value) {
        self.call_with(&self.http, method, path, token, body, &[])
            .await
    }

    /// A raw request as a standard-cast user.
    pub async fn as_user(
        &self,
        user: &str,
        method: Method,
        path: &str,
        body: Option<&Value>,
    ) -> (StatusCode, Value) {
        let token = self.token(user);
        self.call(method, path, Some(&token), body).await
    }

    /// A raw request through `http` with extra headers.
    pub async fn call_with(
        &self,
        http: &reqwest::Client,
        method: Method,
        path: &str,
        token: Option<&str>,
        body: Option<&Value>,
        headers: &[(&str, &str)],
    ) -> (StatusCode, Value) {
        let mut req = http.request(method.clone(), format!("{}{}", self.url(), path));
        if let Some(t) = token {
            req = req.bearer_auth(t);
        }
        if let Some(b) = body {
            req = req.json(b);
        }
        for (k, v) in headers {
            req = req.header(*k, *v);
        }
        let resp = tokio::time::timeout(PATIENCE, req.send())
            .await
            .unwrap_or_else(|_| panic!("{method} {path} timed out"))
            .unwrap_or_else(|e| panic!("{method} {path}: {e}"));
        let status = resp.status();
        let bytes = resp.bytes().await.expect("body");
        let value = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
        (status, value)
    }

    /// Files a report as `user` and returns the incident JSON.
    pub async fn report(&self, user: &str, title: &str) -> Value {
        let (status, body) = self
            .as_user(
                user,
                Method::POST,
                "/api/v1/reports",
                Some(&serde_json::json!({"title": title, "site": "North Campus", "description": "fax sent to the wrong number"})),
            )
            .await;
        assert_eq!(status, StatusCode::CREATED, "{body}");
        body
    }

    /// The incident as an admin sees it.
    pub async fn incident(&self, id: &str) -> Value {
        let (status, body) = self
            .as_user(ADMIN, Method::GET, &format!("/api/v1/incidents/{id}"), None)
            .await;
        assert_eq!(status, StatusCode::OK, "{body}");
        body
    }

    /// The incident as an admin sees it, without the parts computed from the search index
    /// (`similar`, `recurrence`): the index follows writes asynchronously, so those may change
    /// between two reads while nothing is written.
    pub async fn incident_record(&self, id: &str) -> Value {
        let mut v = self.incident(id).await;
        if let Some(o) = v.as_object_mut() {
            o.remove("similar");
            o.remove("recurrence");
        }
        v
    }

    /// Number of rows in the audit trail.
    pub async fn audit_len(&self) -> usize {
        self.running
            .state
            .store
            .audit_rows()
            .await
            .expect("audit rows")
            .len()
    }

    /// Stops the server.
    pub async fn stop(self) {
        self.running.stop().await;
    }
}

/// With `TRIAGE_TEST_PG=postgres://…/postgres` set, each server gets a database of its own on
/// that PostgreSQL (left behind; use a throw-away cluster). Without it, a SQLite file.
pub async fn fresh_postgres(admin_url: &str) -> String {
    use sqlx::Connection;
    static N: AtomicU32 = AtomicU32::new(0);
    let name = format!(
        "triage_test_{}_{}_{}",
        std::process::id(),
        N.fetch_add(1, Ordering::Relaxed),
        rand_suffix()
    );
    let mut conn = sqlx::postgres::PgConnection::connect(admin_url)
        .await
        .expect("TRIAGE_TEST_PG reachable");
    sqlx::raw_sql(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}")))
        .execute(&mut conn)
        .await
        .expect("create test database");
    let _ = conn.close().await;
    match admin_url.rsplit_once('/') {
        Some((base, _)) => format!("{base}/{name}"),
        None => panic!("TRIAGE_TEST_PG must end in /<database>"),
    }
}

fn rand_suffix() -> u32 {
    use std::hash::{BuildHasher, RandomState};
    (RandomState::new().hash_one(std::time::SystemTime::now()) % 1_000_000) as u32
}

/// Whether the tests run on PostgreSQL.
pub fn on_postgres() -> bool {
    std::env::var("TRIAGE_TEST_PG").is_ok_and(|v| !v.is_empty())
}

/// A raw client without a token, optionally bound to a local address (so that failed
/// authentications counted per address do not add up across a test's cases).
pub fn raw_client(local: Option<IpAddr>) -> reqwest::Client {
    let mut b = reqwest::Client::builder()
        .timeout(PATIENCE)
        .connect_timeout(Duration::from_secs(10));
    if let Some(ip) = local {
        b = b.local_address(ip);
    }
    b.build().expect("http client")
}

/// A fresh loopback source address for each call (127.0.x.y), so that a test may send many
/// unauthenticated requests without tripping the per-address failure limit.
pub fn fresh_loopback() -> IpAddr {
    static NEXT: AtomicU32 = AtomicU32::new(2);
    let n = NEXT.fetch_add(1, Ordering::Relaxed);
    IpAddr::V4(Ipv4Addr::new(
        127,
        0,
        (n / 250) as u8 + 1,
        (n % 250) as u8 + 2,
    ))
}

/// Checks the error shape `{"error":{"code","message","field"?}}` and returns the code.
pub fn error_code(body: &Value) -> &str {
    let err = body
        .get("error")
        .unwrap_or_else(|| panic!("no error object in {body}"));
    let code = err
        .get("code")
        .and_then(Value::as_str)
        .unwrap_or_else(|| panic!("no error.code in {body}"));
    assert!(
        err.get("message").and_then(Value::as_str).is_some(),
        "no error.message in {body}"
    );
    if let Some(f) = err.get("field") {
        assert!(f.is_string(), "error.field is not a string in {body}");
    }
    code
}

/// The `error.field` of an error body.
pub fn error_field(body: &Value) -> Option<&str> {
    body.pointer("/error/field").and_then(Value::as_str)
}

/// The `error.message` of an error body.
pub fn error_message(body: &Value) -> &str {
    body.pointer("/error/message")
        .and_then(Value::as_str)
        .unwrap_or("")
}

/// A string field of a JSON object.
pub fn s<'a>(v: &'a Value, key: &str) -> &'a str {
    v.get(key)
        .and_then(Value::as_str)
        .unwrap_or_else(|| panic!("no string '{key}' in {v}"))
}

/// An integer field of a JSON object.
pub fn i(v: &Value, key: &str) -> i64 {
    v.get(key)
        .and_then(Value::as_i64)
        .unwrap_or_else(|| panic!("no integer '{key}' in {v}"))
}

/// A raw request with an exact body and content type (for malformed or mislabelled bodies).
pub async fn send_raw(
    server: &TestServer,
    method: Method,
    path: &str,
    token: Option<&str>,
    content_type: Option<&str>,
    body: Option<Vec<u8>>,
    headers: &[(&str, String)],
) -> (StatusCode, Value) {
    let mut req = server
        .http
        .request(method.clone(), format!("{}{}", server.url(), path));
    if let Some(t) = token {
        req = req.bearer_auth(t);
    }
    if let Some(ct) = content_type {
        req = req.header("content-type", ct);
    }
    if let Some(b) = body {
        req = req.body(b);
    }
    for (k, v) in headers {
        req = req.header(*k, v.as_str());
    }
    let resp = tokio::time::timeout(PATIENCE, req.send())
        .await
        .unwrap_or_else(|_| panic!("{method} {path} timed out"))
        .unwrap_or_else(|e| panic!("{method} {path}: {e}"));
    let status = resp.status();
    let bytes = resp.bytes().await.expect("body");
    let value = serde_json::from_slice(&bytes)
        .unwrap_or_else(|_| Value::String(String::from_utf8_lossy(&bytes).into_owned()));
    (status, value)
}

/// The `triage` binary with an environment of its own: no `TRIAGE_*` from the caller, config
/// and data directories inside the test's `home`, quiet logs, no stdin.
pub fn triage_command(home: &std::path::Path) -> std::process::Command {
    let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_triage"));
    for (k, _) in std::env::vars_os() {
        if k.to_string_lossy().starts_with("TRIAGE_") {
            cmd.env_remove(k);
        }
    }
    cmd.env("HOME", home)
        .env("XDG_CONFIG_HOME", home.join("config"))
        .env("XDG_DATA_HOME", home.join("data"))
        .env("TRIAGE_LOG", "warn")
        .stdin(std::process::Stdio::null());
    cmd
}
