//! Live events. One pump reads the audit trail after every local write (and on a short tick, for
//! writes through other nodes sharing the database) and broadcasts each change in order, so
//! every subscriber on every node sees the same sequence. SSE subscribers can resume from a
//! sequence number (`Last-Event-ID` or `since_seq`) and miss nothing.

use super::AppState;
use super::auth::Caller;
use super::error::ApiResult;
use crate::domain::Permission;
use crate::domain::wire::ServerEvent;
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

/// Broadcasts every change recorded after start-up until shutdown.
pub async fn pump(state: AppState, mut shutdown: watch::Receiver<bool>) {
    let mut last = state.store.latest_seq().await.unwrap_or(0);
    loop {
        tokio::select! {
            _ = state.wake.notified() => {},
            _ = tokio::time::sleep(super::EVENT_POLL) => {},
            _ = shutdown.changed() => return,
        }
        loop {
            match state.store.events_since(last, 1000).await {
                Ok(batch) if !batch.is_empty() => {
                    for ev in &batch {
                        let _ = state.events.send(ev.clone());
                    }
                    let newest = batch.iter().map(|e| e.seq).max().unwrap_or(last);
                    last = last.max(newest);
                    if batch.len() < 1000 {
                        break;
                    }
                }
                Ok(_) => {
                    // The batch may hold audit rows that are not events (tokens): skip past them.
                    if let Ok(latest) = state.store.latest_seq().await {
                        last = last.max(latest);
                    }
                    break;
                }
                Err(e) => {
                    tracing::warn!(error = %e, "event pump could not read the audit trail");
                    break;
                }
            }
        }
    }
}

/// Tells event streams that their server is shutting down (`true`), so they end and graceful
/// shutdown does not wait forever for responses that never finish. Added by `start_with_state`;
/// routers served some other way simply keep their streams open.
#[derive(Debug, Clone)]
pub struct Stopping(pub watch::Receiver<bool>);

/// Where an event stream should start.
#[derive(Debug, Deserialize, IntoParams)]
pub struct EventQuery {
    /// Replay every event after this sequence number before going live.
    pub since_seq: Option<i64>,
}

/// Server-sent events: `incident.created`, `incident.updated`, `action.updated`.
#[utoipa::path(get, path = "/api/v1/events", params(EventQuery), tag = "events",
    responses((status = 200, description = "text/event-stream of ServerEvent", body = ServerEvent), (status = 401, body = crate::domain::wire::ErrorBody)))]
pub async fn events(
    State(state): State<AppState>,
    caller: Caller,
    headers: HeaderMap,
    Query(q): Query<EventQuery>,
    stopping: Option<Extension<Stopping>>,
) -> ApiResult<Sse<impl Stream<Item = Result<Event, Infallible>>>> {
    caller.require(Permission::ReadAll)?;
    let resume = headers
        .get("last-event-id")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<i64>().ok())
        .or(q.since_seq);
    let mut live = state.events.subscribe();
    let store = state.store.clone();
    let mut stopping = stopping.map(|Extension(Stopping(rx))| rx);
    let stream = async_stream::stream! {
        let mut last = match resume {
            Some(seq) => seq,
            None => store.latest_seq().await.unwrap_or(0),
        };
        // Catch up from the trail first; the live subscription is already buffering.
        loop {
            match store.events_since(last, 1000).await {
                Ok(batch) if !batch.is_empty() => {
                    for ev in batch {
                        last = ev.seq;
                        yield Ok(to_sse(&ev));
                    }
                }
                _ => break,
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
                    while let Ok(batch) = store.events_since(last, 1000).await {
                        if batch.is_empty() { break; }
                        for ev in batch {
                            last = ev.seq;
                            yield Ok(to_sse(&ev));
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
