//! Live events. One pump reads the audit trail after every local write (and on a short tick, for
//! writes through other nodes sharing the database) and broadcasts each change in order, so
//! every subscriber on every node sees the same sequence. SSE subscribers can resume from a
//! sequence number (`Last-Event-ID` or `since_seq`) and miss nothing.

use super::AppState;
use super::auth::Caller;
use super::error::{ApiError, ApiResult};
use crate::domain::Permission;
use crate::domain::wire::ServerEvent;
use crate::store::{Store, StoreError};
use axum::Extension;
use axum::extract::{Query, State};
use axum::http::HeaderMap;
use axum::response::sse::{Event, KeepAlive, Sse};
use futures::Stream;
use serde::Deserialize;
use std::convert::Infallible;
use std::time::Duration;
use tokio::sync::{broadcast, watch};
use utoipa::IntoParams;

/// Rows scanned per read of the trail.
const BATCH: usize = 1000;

/// The events after `after` and the position they reach. Audit rows that are not events (token
/// entries) are stepped over, but only up to the newest row read *before* looking: every row up
/// to it is committed (writes are serialised), so an empty answer proves there is no event
/// there — whereas a row committed between two reads could otherwise be skipped unseen.
pub async fn read_after(
    store: &dyn Store,
    after: i64,
) -> Result<(Vec<ServerEvent>, i64), StoreError> {
    let ceiling = store.latest_seq().await?;
    let mut from = after;
    loop {
        let batch = store.events_since(from, BATCH).await?;
        if let Some(newest) = batch.last().map(|e| e.seq) {
            return Ok((batch, newest.max(from)));
        }
        let reached = ceiling.min(from.saturating_add(BATCH as i64)).max(from);
        if reached >= ceiling {
            return Ok((Vec::new(), reached));
        }
        from = reached;
    }
}

/// Broadcasts every change recorded after `from_seq` until shutdown.
pub async fn pump(state: AppState, mut shutdown: watch::Receiver<bool>, from_seq: i64) {
    let mut last = from_seq;
    tokio::spawn(build_index(state.clone()));
    loop {
        loop {
            match read_after(state.store.as_ref(), last).await {
                Ok((batch, reached)) => {
                    reindex(&state, &batch).await;
                    for ev in &batch {
                        let _ = state.events.send(ev.clone());
                    }
                    last = last.max(reached);
                    if batch.is_empty() {
                        break;
                    }
                }
                Err(e) => {
                    tracing::warn!(error = %e, "event pump could not read the audit trail");
                    break;
                }
            }
        }
        tokio::select! {
            _ = state.wake.notified() => {},
            _ = tokio::time::sleep(super::EVENT_POLL) => {},
            _ = shutdown.changed() => return,
        }
    }
}

/// Loads every incident into the search index (in pages, so other work goes on meanwhile).
async fn build_index(state: AppState) {
    let mut filter = crate::store::ListFilter {
        limit: 1000,
        ..Default::default()
    };
    loop {
        let Ok((page, next)) = state.store.list_incidents(&filter).await else {
            tracing::warn!("search index: could not read incidents");
            return;
        };
        if let Ok(mut index) = state.search.write() {
            for incident in &page {
                index.upsert(incident);
            }
        }
        match next {
            Some(seq) => filter.after_seq = Some(seq),
            None => break,
        }
    }
    if let Ok(mut index) = state.search.write() {
        index.ensure_sorted();
        tracing::info!(records = index.len(), "search index built");
    }
}

/// Brings the search index up to date with the incidents a batch of events touched.
async fn reindex(state: &AppState, batch: &[ServerEvent]) {
    let mut ids: Vec<&str> = batch
        .iter()
        .map(|e| e.incident_id.as_str())
        .filter(|id| !id.is_empty())
        .collect();
    ids.sort_unstable();
    ids.dedup();
    let mut fresh = Vec::with_capacity(ids.len());
    for id in ids {
        if let Ok(incident) = state.store.get_incident(id).await {
            fresh.push(incident);
        }
    }
    if let Ok(mut index) = state.search.write() {
        for incident in &fresh {
            index.upsert(incident);
        }
        index.ensure_sorted();
    }
}

/// Tells event streams that their server is shutting down (`true`), so they end and graceful
/// shutdown does not wait forever for responses that never finish. Added by `start_with_state`;
/// routers served some other way simply keep their streams open.
#[derive(Debug, Clone)]
pub struct Stopping(pub watch::Receiver<bool>);

/// Where an event stream should start.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct EventQuery {
    /// Replay every event after this sequence number before going live.
    pub since_seq: Option<i64>,
}

/// Server-sent events: `incident.created`, `incident.updated`, `action.updated`.
#[utoipa::path(get, path = "/api/v1/events", params(EventQuery), tag = "events",
    responses((status = 200, description = "text/event-stream of ServerEvent", body = ServerEvent), (status = 401, body = crate::domain::wire::ErrorBody), (status = 422, body = crate::domain::wire::ErrorBody)))]
pub async fn events(
    State(state): State<AppState>,
    caller: Caller,
    headers: HeaderMap,
    stopping: Option<Extension<Stopping>>,
    query: Result<Query<EventQuery>, axum::extract::rejection::QueryRejection>,
) -> ApiResult<Sse<impl Stream<Item = Result<Event, Infallible>>>> {
    caller.require(Permission::ReadAll)?;
    let Query(q) = query.map_err(|e| ApiError::invalid("query", e.body_text()))?;
    let resume = headers
        .get("last-event-id")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<i64>().ok())
        .or(q.since_seq);
    // Subscribe first, then fix the starting point: whatever commits after it is broadcast
    // to this subscription, whatever committed before is replayed from the trail.
    let mut live = state.events.subscribe();
    let start = match resume {
        Some(seq) => seq,
        None => state.store.latest_seq().await?,
    };
    let store = state.store.clone();
    let mut stopping = stopping.map(|Extension(Stopping(rx))| rx);
    let stream = async_stream::stream! {
        let mut last = start;
        // Catch up from the trail first; the live subscription is already buffering.
        while let Ok((batch, reached)) = read_after(store.as_ref(), last).await {
            let done = batch.is_empty();
            for ev in batch {
                yield Ok(to_sse(&ev));
            }
            last = last.max(reached);
            if done {
                break;
            }
        }
        loop {
            let next = match stopping.as_mut() {
                Some(stop) => tokio::select! {
                    next = live.recv() => Some(next),
                    _ = stop.wait_for(|stopping| *stopping) => None,
                },
                None => Some(live.recv().await),
            };
            // The server is stopping: end the response so graceful shutdown can finish.
            let Some(next) = next else { break };
            match next {
                Ok(ev) if ev.seq > last => {
                    last = ev.seq;
                    yield Ok(to_sse(&ev));
                }
                Ok(_) => {}
                Err(broadcast::error::RecvError::Lagged(_)) => {
                    // Too slow to keep up: replay from the trail instead of skipping.
                    while let Ok((batch, reached)) = read_after(store.as_ref(), last).await {
                        let done = batch.is_empty();
                        for ev in batch {
                            yield Ok(to_sse(&ev));
                        }
                        last = last.max(reached);
                        if done {
                            break;
                        }
                    }
                }
                Err(broadcast::error::RecvError::Closed) => break,
            }
        }
    };
    Ok(Sse::new(stream).keep_alive(KeepAlive::new().interval(Duration::from_secs(15))))
}

fn to_sse(ev: &ServerEvent) -> Event {
    let data = serde_json::to_string(ev).unwrap_or_default();
    Event::default()
        .id(ev.seq.to_string())
        .event(ev.kind.clone())
        .data(data)
}
