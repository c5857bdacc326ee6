//! The incident API: axum over tokio on a real database. `start` binds, serves and returns a
//! handle, so `triage serve`, the console's embedded server and the tests run the same code.

pub mod auth;
pub mod error;
pub mod escalation;
pub mod events;
pub mod extract;
pub mod routes;
pub mod service;
pub mod tls;
pub mod webhook;

use crate::domain::clock::{Clock, SystemClock};
use crate::domain::clocks::ClockRules;
use crate::domain::wire::ServerEvent;
use crate::store::{SqlStore, Store, StoreError};
use auth::{FailureLimiter, TokenCache};
use axum::Router;
use axum::serve::ListenerExt;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;
use tokio::net::TcpListener;
use tokio::sync::{Notify, broadcast, watch};
use tokio::task::JoinHandle;

/// Everything a handler needs, cheap to clone.
#[derive(Clone)]
pub struct AppState {
    /// The database.
    pub store: Arc<dyn Store>,
    /// The time source (tests inject a fixed clock).
    pub clock: Arc<dyn Clock>,
    /// Configured SLAs and extra deadline rules.
    pub rules: Arc<ClockRules>,
    /// Live events for SSE subscribers.
    pub events: broadcast::Sender<ServerEvent>,
    /// Wakes the event pump right after a local write.
    pub wake: Arc<Notify>,
    /// Recently verified tokens.
    pub tokens: Arc<TokenCache>,
    /// Authentication failures per address.
    pub failures: Arc<FailureLimiter>,
    /// The search index over every incident, kept live by the event pump.
    pub search: Arc<std::sync::RwLock<crate::search::SearchIndex>>,
    /// The last statistics answer, reused until something is written.
    pub stats_cache: Arc<routes::stats::StatsCache>,
}

impl AppState {
    /// Signals that something was written, so events go out at once.
    pub fn changed(&self) {
        self.wake.notify_one();
    }
}

/// How to run a server.
#[derive(Debug, Clone)]
pub struct ServerConfig {
    /// Address to bind (loopback by default).
    pub listen: SocketAddr,
    /// Database path or URL.
    pub db: String,
    /// Largest request body accepted, in bytes.
    pub body_limit: usize,
    /// Clock rules.
    pub rules: ClockRules,
    /// Database pool size.
    pub max_connections: u32,
    /// Serve HTTPS with this certificate and key; plain HTTP when absent.
    pub tls: Option<tls::TlsFiles>,
}

impl Default for ServerConfig {
    fn default() -> Self {
        ServerConfig {
            listen: SocketAddr::from(([127, 0, 0, 1], 7878)),
            db: "triage.db".into(),
            body_limit: 1024 * 1024,
            rules: ClockRules::default(),
            max_connections: 8,
            tls: None,
        }
    }
}

/// A server running in this process.
pub struct RunningServer {
    /// The address it listens on (the real port when 0 was asked for).
    pub addr: SocketAddr,
    /// Shared state (tests use the store directly).
    pub state: AppState,
    tls: bool,
    shutdown: watch::Sender<bool>,
    join: JoinHandle<()>,
}

impl RunningServer {
    /// The base URL, e.g. `http://127.0.0.1:7878` (`https://…` when serving TLS).
    pub fn url(&self) -> String {
        let scheme = if self.tls { "https" } else { "http" };
        format!("{scheme}://{}", self.addr)
    }

    /// Stops accepting, finishes in-flight requests and waits for the end.
    pub async fn stop(self) {
        let _ = self.shutdown.send(true);
        let _ = self.join.await;
    }

    /// Waits until the server ends (after a signal or `stop`).
    pub async fn wait(self) {
        let _ = self.join.await;
    }

    /// A handle that stops the server when sent `true`.
    pub fn stopper(&self) -> watch::Sender<bool> {
        self.shutdown.clone()
    }
}

/// Opens the store for `config`.
pub async fn open_store(config: &ServerConfig) -> Result<Arc<dyn Store>, StoreError> {
    Ok(Arc::new(
        SqlStore::open(&config.db, config.max_connections).await?,
    ))
}

/// Builds the shared state around a store.
pub fn state_for(store: Arc<dyn Store>, clock: Arc<dyn Clock>, rules: ClockRules) -> AppState {
    let (events, _) = broadcast::channel(4096);
    AppState {
        store,
        clock,
        rules: Arc::new(rules),
        events,
        wake: Arc::new(Notify::new()),
        tokens: Arc::new(TokenCache::default()),
        failures: Arc::new(FailureLimiter::default()),
        search: Arc::new(std::sync::RwLock::new(crate::search::SearchIndex::default())),
        stats_cache: Arc::new(routes::stats::StatsCache::default()),
    }
}

/// The router with every route, its limits and the OpenAPI document. A handler that panics
/// answers a JSON 500 instead of dropping the connection.
pub fn app(state: AppState, body_limit: usize) -> Router {
    routes::router(state, body_limit)
        .layer(axum::middleware::from_fn(refuse_nul_in_query))
        .layer(tower_http::catch_panic::CatchPanicLayer::custom(
            panic_response,
        ))
}

/// Refuses a query string that decodes to NUL (`%00`): no filter holds it, and PostgreSQL
/// cannot take it as a parameter.
async fn refuse_nul_in_query(
    req: axum::extract::Request,
    next: axum::middleware::Next,
) -> axum::response::Response {
    use axum::response::IntoResponse;
    if req.uri().query().is_some_and(|q| q.contains("%00")) {
        return error::ApiError::malformed("query parameters may not contain NUL (%00)")
            .into_response();
    }
    next.run(req).await
}

/// The answer for a request whose handler panicked. The panic's text is not logged: it may
/// quote incident data.
fn panic_response(_panic: Box<dyn std::any::Any + Send>) -> axum::response::Response {
    use axum::response::IntoResponse;
    tracing::error!("a request handler panicked");
    error::ApiError::internal("the server failed on this request").into_response()
}

/// Binds and serves until `stop` (or the returned handle's stopper) says so.
pub async fn start(
    config: ServerConfig,
    clock: Option<Arc<dyn Clock>>,
) -> Result<RunningServer, std::io::Error> {
    // Certificate problems are reported before the database is touched or a port is taken.
    let tls = match &config.tls {
        Some(files) => Some(tls::server_config(files).map_err(std::io::Error::other)?),
        None => None,
    };
    let store = open_store(&config).await.map_err(std::io::Error::other)?;
    let clock = clock.unwrap_or_else(|| Arc::new(SystemClock));
    let state = state_for(store, clock, config.rules.clone());
    if let Some(files) = &config.tls {
        tracing::info!(certificate = %files.cert.display(), "TLS on");
    }
    start_with_state_tls(config.listen, state, config.body_limit, tls).await
}

/// Serves an already built state (tests that share a store between two servers use this).
pub async fn start_with_state(
    listen: SocketAddr,
    state: AppState,
    body_limit: usize,
) -> Result<RunningServer, std::io::Error> {
    start_with_state_tls(listen, state, body_limit, None).await
}

/// Like [`start_with_state`], serving HTTPS with `tls` when given.
pub async fn start_with_state_tls(
    listen: SocketAddr,
    state: AppState,
    body_limit: usize,
    tls: Option<Arc<rustls::ServerConfig>>,
) -> Result<RunningServer, std::io::Error> {
    let listener = TcpListener::bind(listen).await?;
    let addr = listener.local_addr()?;
    let (shutdown, mut rx) = watch::channel(false);
    // Where the event pump starts is fixed before the server answers anything, so no write
    // made through it can fall before the pump's starting point unseen.
    let from_seq = state
        .store
        .latest_seq()
        .await
        .map_err(std::io::Error::other)?;
    let pump = tokio::spawn(events::pump(state.clone(), shutdown.subscribe(), from_seq));
    let escalator = tokio::spawn(escalation::run(state.clone(), shutdown.subscribe()));
    let router = app(state.clone(), body_limit)
        .layer(axum::Extension(events::Stopping(shutdown.subscribe())));
    let serves_tls = tls.is_some();
    let join = tokio::spawn(async move {
        let stopped = async move {
            while !*rx.borrow() {
                if rx.changed().await.is_err() {
                    break;
                }
            }
        };
        let service = router.into_make_service_with_connect_info::<SocketAddr>();
        let served = match tls {
            None => {
                axum::serve(listener, service)
                    .with_graceful_shutdown(stopped)
                    .await
            }
            Some(config) => {
                // `tap_io` adds nothing to the connection; through it axum gives handlers the
                // peer address (`ConnectInfo<SocketAddr>`, which the failure limiter needs).
                let listener = tls::TlsListener::new(listener, config).tap_io(|_| {});
                axum::serve(listener, service)
                    .with_graceful_shutdown(stopped)
                    .await
            }
        };
        if let Err(e) = served {
            tracing::error!(error = %e, "server ended with an error");
        }
        pump.abort();
        escalator.abort();
    });
    tracing::info!(%addr, tls = serves_tls, "serving");
    Ok(RunningServer {
        addr,
        state,
        tls: serves_tls,
        shutdown,
        join,
    })
}

/// Waits for SIGINT or SIGTERM.
pub async fn shutdown_signal() {
    let ctrl_c = tokio::signal::ctrl_c();
    #[cfg(unix)]
    {
        let mut term =
            match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
                Ok(s) => s,
                Err(_) => {
                    let _ = ctrl_c.await;
                    return;
                }
            };
        tokio::select! {
            _ = ctrl_c => {},
            _ = term.recv() => {},
        }
    }
    #[cfg(not(unix))]
    {
        let _ = ctrl_c.await;
    }
}

/// How often the event pump looks for changes made by other nodes.
pub const EVENT_POLL: Duration = Duration::from_millis(250);

#[cfg(test)]
mod tests {
    use super::*;
    use crate::client::ApiClient;
    use crate::domain::Role;

    /// A console following the event stream must not keep the server from stopping (the
    /// embedded console's quit and `triage serve`'s SIGTERM both wait on `stop`).
    #[tokio::test]
    async fn stop_ends_open_event_streams() {
        let dir = tempfile::tempdir().unwrap();
        let config = ServerConfig {
            listen: "127.0.0.1:0".parse().unwrap(),
            db: dir.path().join("t.db").to_string_lossy().into_owned(),
            body_limit: 1 << 20,
            rules: ClockRules::default(),
            max_connections: 2,
            tls: None,
        };
        let server = start(config, None).await.unwrap();
        let (secret, record) = auth::new_token("kim", Role::Analyst, None);
        server
            .state
            .store
            .insert_token(record, "test", chrono::Utc::now())
            .await
            .unwrap();
        let client = ApiClient::new(&server.url(), &secret).unwrap();
        let mut stream = client.events(None).await.unwrap();
        // The bound only turns a hang into a failure; nothing here measures time.
        let bound = Duration::from_secs(60);
        tokio::time::timeout(bound, server.stop())
            .await
            .expect("stop() kept waiting for the open event stream");
        let end = tokio::time::timeout(bound, stream.next())
            .await
            .expect("the event stream did not end");
        assert!(
            !matches!(end, Some(Ok(_))),
            "an event arrived after stop: {end:?}"
        );
    }
}
