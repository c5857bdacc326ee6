//! The typed HTTP client of the incident API, used by the console and the scripting commands.
//! Reads retry with backoff on network failures; writes never retry on their own (the caller
//! decides, with the record's version, so nothing is applied twice).

mod sse;

pub use sse::EventStream;

use crate::domain::action::{Action, ActionPatch, NewAction};
use crate::domain::audit::AuditEvent;
use crate::domain::redact::{NewRedaction, Redaction};
use crate::domain::wire::{
    ActionList, Board, ErrorBody, ImportBatch, ImportOutcome, IncidentPage, NewNote, SearchResults,
    Stats, Whoami,
};
use crate::domain::{Incident, IncidentPatch, NewReport, Note};
use reqwest::{Method, StatusCode};
use serde::Serialize;
use serde::de::DeserializeOwned;
use std::time::Duration;
use thiserror::Error;

/// What can go wrong talking to the API.
#[derive(Debug, Error)]
pub enum ClientError {
    /// The server answered with an error.
    #[error("{status}: {}", body.error.message)]
    Api {
        /// HTTP status.
        status: StatusCode,
        /// The server's error body.
        body: Box<ErrorBody>,
    },
    /// The server could not be reached or the connection dropped.
    #[error("cannot reach the server: {0}")]
    Network(String),
    /// The answer was not what the contract says.
    #[error("unexpected answer from the server: {0}")]
    Decode(String),
    /// The client could not be set up (e.g. a CA certificate that is not PEM).
    #[error("cannot set up the HTTP client: {0}")]
    Setup(String),
}

impl ClientError {
    /// The HTTP status, for API errors.
    pub fn status(&self) -> Option<StatusCode> {
        match self {
            ClientError::Api { status, .. } => Some(*status),
            _ => None,
        }
    }

    /// Whether this is a version conflict (the current record is in the body).
    pub fn is_conflict(&self) -> bool {
        self.status() == Some(StatusCode::CONFLICT)
    }

    /// Whether the server was unreachable (work can be queued for later).
    pub fn is_network(&self) -> bool {
        matches!(self, ClientError::Network(_))
    }

    /// The current record sent with a 409.
    pub fn conflict_current(&self) -> Option<&serde_json::Value> {
        match self {
            ClientError::Api { body, .. } => body.error.current.as_ref(),
            _ => None,
        }
    }
}

/// Filters for listing incidents.
#[derive(Debug, Clone, Default, Serialize)]
pub struct ListParams {
    /// Status(es), comma-separated.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status: Option<String>,
    /// Determination.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub determination: Option<String>,
    /// Category text.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub category: Option<String>,
    /// Owner.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub owner: Option<String>,
    /// Site.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub site: Option<String>,
    /// Words.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub q: Option<String>,
    /// Changed after (RFC 3339).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub since: Option<String>,
    /// Page size.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub limit: Option<usize>,
    /// Cursor.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cursor: Option<String>,
}

/// A client bound to one server and token.
#[derive(Debug, Clone)]
pub struct ApiClient {
    base: String,
    token: String,
    http: reqwest::Client,
}

const READ_ATTEMPTS: u32 = 3;

impl ApiClient {
    /// A client for `base` (e.g. `http://127.0.0.1:7878`) presenting `token`.
    pub fn new(base: &str, token: &str) -> Result<Self, ClientError> {
        Self::with_roots(base, token, Vec::new())
    }

    /// Like [`ApiClient::new`], also trusting the CA certificate(s) in `ca_pem` besides the
    /// system's roots: for an `https://` server whose certificate a private CA issued.
    pub fn with_ca_pem(base: &str, token: &str, ca_pem: &[u8]) -> Result<Self, ClientError> {
        let roots = reqwest::Certificate::from_pem_bundle(ca_pem)
            .map_err(|e| ClientError::Setup(format!("CA certificate is not valid PEM: {e}")))?;
        if roots.is_empty() {
            return Err(ClientError::Setup(
                "no CERTIFICATE section found in the CA certificate file".into(),
            ));
        }
        Self::with_roots(base, token, roots)
    }

    fn with_roots(
        base: &str,
        token: &str,
        roots: Vec<reqwest::Certificate>,
    ) -> Result<Self, ClientError> {
        let http = reqwest::Client::builder()
            .connect_timeout(Duration::from_secs(5))
            .timeout(Duration::from_secs(60))
            .tls_certs_merge(roots)
            .build()
            .map_err(|e| ClientError::Setup(error_chain(&e)))?;
        Ok(ApiClient {
            base: base.trim_end_matches('/').to_string(),
            token: token.to_string(),
            http,
        })
    }

    /// The server's base URL.
    pub fn base(&self) -> &str {
        &self.base
    }

    fn url(&self, path: &str) -> String {
        format!("{}{}", self.base, path)
    }

    async fn send<B: Serialize + ?Sized, T: DeserializeOwned>(
        &self,
        method: Method,
        path: &str,
        query: Option<&[(&str, String)]>,
        body: Option<&B>,
        if_match: Option<i64>,
    ) -> Result<T, ClientError> {
        self.send_keyed(method, path, query, body, if_match, None)
            .await
    }

    /// Sends a request; a create with an `Idempotency-Key` is retried on a network error like
    /// a read, since the server answers a repeat with what the first attempt made.
    async fn send_keyed<B: Serialize + ?Sized, T: DeserializeOwned>(
        &self,
        method: Method,
        path: &str,
        query: Option<&[(&str, String)]>,
        body: Option<&B>,
        if_match: Option<i64>,
        key: Option<&str>,
    ) -> Result<T, ClientError> {
        let idempotent = method == Method::GET || key.is_some();
        let mut attempt = 0;
        loop {
            attempt += 1;
            let mut req = self
                .http
                .request(method.clone(), self.url(path))
                .bearer_auth(&self.token);
            if let Some(q) = query {
                req = req.query(q);
            }
            if let Some(b) = body {
                req = req.json(b);
            }
            if let Some(v) = if_match {
                req = req.header(reqwest::header::IF_MATCH, v.to_string());
            }
            if let Some(k) = key {
                req = req.header("Idempotency-Key", k);
            }
            match req.send().await {
                Ok(resp) => return decode(resp).await,
                Err(e) if idempotent && attempt < READ_ATTEMPTS => {
                    tracing::debug!(error = %e, attempt, "retrying read");
                    tokio::time::sleep(Duration::from_millis(100 * 2u64.pow(attempt))).await;
                }
                Err(e) => return Err(ClientError::Network(error_chain(&e))),
            }
        }
    }

    async fn get<T: DeserializeOwned>(
        &self,
        path: &str,
        query: &[(&str, String)],
    ) -> Result<T, ClientError> {
        self.send::<(), T>(Method::GET, path, Some(query), None, None)
            .await
    }

    /// Who the token belongs to.
    pub async fn whoami(&self) -> Result<Whoami, ClientError> {
        self.get("/api/v1/whoami", &[]).await
    }

    /// Files a report (with a fresh idempotency key, so a retry never files it twice).
    pub async fn report(&self, report: &NewReport) -> Result<Incident, ClientError> {
        self.report_keyed(report, &new_idempotency_key()).await
    }

    /// Files a report under `key`: the same key again answers with the first report.
    pub async fn report_keyed(
        &self,
        report: &NewReport,
        key: &str,
    ) -> Result<Incident, ClientError> {
        self.send_keyed(
            Method::POST,
            "/api/v1/reports",
            None,
            Some(report),
            None,
            Some(key),
        )
        .await
    }

    /// One page of incidents.
    pub async fn list_page(&self, params: &ListParams) -> Result<IncidentPage, ClientError> {
        let value = serde_json::to_value(params).map_err(|e| ClientError::Decode(e.to_string()))?;
        let query: Vec<(&str, String)> = value
            .as_object()
            .map(|m| {
                m.iter()
                    .filter_map(|(k, v)| {
                        let key: &str = match k.as_str() {
                            "status" => "status",
                            "determination" => "determination",
                            "category" => "category",
                            "owner" => "owner",
                            "site" => "site",
                            "q" => "q",
                            "since" => "since",
                            "limit" => "limit",
                            "cursor" => "cursor",
                            _ => return None,
                        };
                        let text = match v {
                            serde_json::Value::String(s) => s.clone(),
                            other => other.to_string(),
                        };
                        Some((key, text))
                    })
                    .collect()
            })
            .unwrap_or_default();
        self.get("/api/v1/incidents", &query).await
    }

    /// Every matching incident, following pages (at most `max` when given).
    pub async fn list_all(
        &self,
        params: &ListParams,
        max: Option<usize>,
    ) -> Result<Vec<Incident>, ClientError> {
        let mut params = params.clone();
        let mut out = Vec::new();
        loop {
            if let Some(max) = max {
                params.limit = Some((max - out.len()).clamp(1, 1000));
            } else if params.limit.is_none() {
                params.limit = Some(1000);
            }
            let page = self.list_page(&params).await?;
            out.extend(page.items);
            if max.is_some_and(|m| out.len() >= m) {
                out.truncate(max.unwrap_or(usize::MAX));
                return Ok(out);
            }
            match page.next_cursor {
                Some(c) => params.cursor = Some(c),
                None => return Ok(out),
            }
        }
    }

    /// One incident with everything.
    pub async fn incident(&self, id: &str) -> Result<Incident, ClientError> {
        self.get(&format!("/api/v1/incidents/{}", encode(id)), &[])
            .await
    }

    /// Changes an incident based on `version`.
    pub async fn patch_incident(
        &self,
        id: &str,
        version: i64,
        patch: &IncidentPatch,
    ) -> Result<Incident, ClientError> {
        self.send(
            Method::PATCH,
            &format!("/api/v1/incidents/{}", encode(id)),
            None,
            Some(patch),
            Some(version),
        )
        .await
    }

    /// Adds a note.
    pub async fn add_note(&self, id: &str, text: &str) -> Result<Note, ClientError> {
        self.add_note_keyed(id, text, &new_idempotency_key()).await
    }

    /// Appends a note under `key`: the same key again answers with the first note.
    pub async fn add_note_keyed(
        &self,
        id: &str,
        text: &str,
        key: &str,
    ) -> Result<Note, ClientError> {
        self.send_keyed(
            Method::POST,
            &format!("/api/v1/incidents/{}/notes", encode(id)),
            None,
            Some(&NewNote {
                text: text.to_string(),
            }),
            None,
            Some(key),
        )
        .await
    }

    /// Adds a corrective action.
    pub async fn add_action(&self, id: &str, action: &NewAction) -> Result<Action, ClientError> {
        self.add_action_keyed(id, action, &new_idempotency_key())
            .await
    }

    /// Adds a corrective action under `key`: the same key again answers with the first.
    pub async fn add_action_keyed(
        &self,
        id: &str,
        action: &NewAction,
        key: &str,
    ) -> Result<Action, ClientError> {
        self.send_keyed(
            Method::POST,
            &format!("/api/v1/incidents/{}/actions", encode(id)),
            None,
            Some(action),
            None,
            Some(key),
        )
        .await
    }

    /// Redacts a field or note of an incident at `version` (admin only).
    pub async fn redact(
        &self,
        id: &str,
        version: i64,
        redaction: &NewRedaction,
    ) -> Result<Redaction, ClientError> {
        self.send(
            Method::POST,
            &format!("/api/v1/incidents/{}/redactions", encode(id)),
            None,
            Some(redaction),
            Some(version),
        )
        .await
    }

    /// Changes an action based on `version`.
    pub async fn patch_action(
        &self,
        id: &str,
        version: i64,
        patch: &ActionPatch,
    ) -> Result<Action, ClientError> {
        self.send(
            Method::PATCH,
            &format!("/api/v1/actions/{}", encode(id)),
            None,
            Some(patch),
            Some(version),
        )
        .await
    }

    /// Open actions, optionally of one owner (`me`).
    pub async fn actions(&self, owner: Option<&str>) -> Result<ActionList, ClientError> {
        let q: Vec<(&str, String)> = owner
            .map(|o| vec![("owner", o.to_string())])
            .unwrap_or_default();
        self.get("/api/v1/actions", &q).await
    }

    /// The board.
    pub async fn board(&self) -> Result<Board, ClientError> {
        self.get("/api/v1/board", &[]).await
    }

    /// Statistics for a window.
    pub async fn stats(
        &self,
        from: Option<&str>,
        to: Option<&str>,
        by: Option<&str>,
    ) -> Result<Stats, ClientError> {
        let mut q = Vec::new();
        for (k, v) in [("from", from), ("to", to), ("by", by)] {
            if let Some(v) = v {
                q.push((k, v.to_string()));
            }
        }
        self.get("/api/v1/stats", &q).await
    }

    /// Server-side search.
    pub async fn search(&self, q: &str, limit: usize) -> Result<SearchResults, ClientError> {
        self.get(
            "/api/v1/search",
            &[("q", q.to_string()), ("limit", limit.to_string())],
        )
        .await
    }

    /// Audit entries.
    pub async fn audit(
        &self,
        incident: Option<&str>,
        since: i64,
    ) -> Result<Vec<AuditEvent>, ClientError> {
        let mut q = vec![("since", since.to_string())];
        if let Some(i) = incident {
            q.push(("incident", i.to_string()));
        }
        self.get("/api/v1/audit", &q).await
    }

    /// Imports a batch.
    pub async fn import(&self, batch: &ImportBatch) -> Result<ImportOutcome, ClientError> {
        self.send(Method::POST, "/api/v1/import", None, Some(batch), None)
            .await
    }

    /// Opens the live event stream, resuming after `since_seq` when given.
    pub async fn events(&self, since_seq: Option<i64>) -> Result<EventStream, ClientError> {
        let mut req = self
            .http
            .get(self.url("/api/v1/events"))
            .bearer_auth(&self.token)
            .timeout(Duration::from_secs(365 * 24 * 3600));
        if let Some(s) = since_seq {
            req = req.header("Last-Event-ID", s.to_string());
        }
        let resp = req
            .send()
            .await
            .map_err(|e| ClientError::Network(error_chain(&e)))?;
        if !resp.status().is_success() {
            return Err(decode::<serde_json::Value>(resp)
                .await
                .err()
                .unwrap_or(ClientError::Decode("event stream refused".into())));
        }
        Ok(EventStream::new(resp))
    }

    /// Whether the server answers `/healthz`.
    pub async fn healthy(&self) -> bool {
        matches!(self.http.get(self.url("/healthz")).timeout(Duration::from_secs(3)).send().await, Ok(r) if r.status().is_success())
    }
}

/// An error with its causes (`error sending request…: …: invalid peer certificate: UnknownIssuer`):
/// reqwest's own message alone hides why a connection failed, e.g. an untrusted certificate.
fn error_chain(error: &dyn std::error::Error) -> String {
    let mut text = error.to_string();
    let mut cause = error.source();
    while let Some(c) = cause {
        let part = c.to_string();
        if !text.contains(&part) {
            text.push_str(": ");
            text.push_str(&part);
        }
        cause = c.source();
    }
    text
}

/// Percent-encodes a path segment, byte by byte of its UTF-8 form.
fn encode(segment: &str) -> String {
    let mut out = String::with_capacity(segment.len());
    for b in segment.bytes() {
        if b.is_ascii_alphanumeric() || b == b'-' || b == b'_' {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// A fresh `Idempotency-Key`: 128 random bits in hex.
pub fn new_idempotency_key() -> String {
    hex::encode(rand::random::<[u8; 16]>())
}

async fn decode<T: DeserializeOwned>(resp: reqwest::Response) -> Result<T, ClientError> {
    let status = resp.status();
    let bytes = resp
        .bytes()
        .await
        .map_err(|e| ClientError::Network(error_chain(&e)))?;
    if status.is_success() {
        return serde_json::from_slice(&bytes).map_err(|e| ClientError::Decode(e.to_string()));
    }
    let body: ErrorBody = serde_json::from_slice(&bytes).unwrap_or_else(|_| ErrorBody {
        error: crate::domain::wire::ErrorDetail {
            code: "http".into(),
            message: format!("HTTP {status}"),
            field: None,
            current: None,
        },
    });
    Err(ClientError::Api {
        status,
        body: Box::new(body),
    })
}
