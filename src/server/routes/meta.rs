//! Liveness, identity and the machine-readable contract.

use crate::domain::wire::{ErrorBody, Health, Whoami};
use crate::server::AppState;
use crate::server::auth::Caller;
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;

/// Liveness and database reachability; needs no token.
#[utoipa::path(get, path = "/healthz", tag = "meta", security(()),
    responses((status = 200, body = Health), (status = 503, body = Health)))]
pub async fn healthz(State(state): State<AppState>) -> (StatusCode, Json<Health>) {
    let ok = state.store.ping().await;
    let status = if ok {
        StatusCode::OK
    } else {
        StatusCode::SERVICE_UNAVAILABLE
    };
    (
        status,
        Json(Health {
            status: if ok { "ok" } else { "degraded" }.into(),
            database: state.store.backend().name().into(),
            database_ok: ok,
        }),
    )
}

/// Who the presented token belongs to.
#[utoipa::path(get, path = "/api/v1/whoami", tag = "meta",
    responses((status = 200, body = Whoami), (status = 401, body = ErrorBody)))]
pub async fn whoami(caller: Caller) -> Json<Whoami> {
    Json(Whoami {
        user: caller.user,
        role: caller.role,
    })
}
