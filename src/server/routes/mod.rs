//! The router: every path of the contract, registered together with its OpenAPI description so
//! the served document and the routes cannot drift.

pub mod actions;
pub mod audit;
pub mod board;
pub mod import;
pub mod incidents;
pub mod meta;
pub mod redactions;
pub mod search;
pub mod stats;

use super::AppState;
use super::error::ApiError;
use axum::Json;
use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::http::StatusCode;
use axum::routing::get;
use std::sync::Arc;
use utoipa::OpenApi;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

/// The document's fixed parts; paths come from the routes.
#[derive(OpenApi)]
#[openapi(
    info(title = "triage-console incident API", description = "HIPAA incident and near-miss handling. Every path but /healthz needs `Authorization: Bearer <token>`."),
    modifiers(&BearerAuth),
    security(("bearer" = []))
)]
struct ApiDoc;

struct BearerAuth;

impl utoipa::Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()),
        );
    }
}

/// The routes and the OpenAPI document they describe.
pub fn routes_and_doc() -> (Router<AppState>, utoipa::openapi::OpenApi) {
    OpenApiRouter::with_openapi(ApiDoc::openapi())
        .routes(routes!(meta::healthz))
        .routes(routes!(meta::whoami))
        .routes(routes!(incidents::create_report))
        .routes(routes!(incidents::list_incidents))
        .routes(routes!(incidents::get_incident, incidents::patch_incident))
        .routes(routes!(incidents::add_note))
        .routes(routes!(incidents::add_action))
        .routes(routes!(redactions::redact))
        .routes(routes!(actions::patch_action))
        .routes(routes!(actions::list_actions))
        .routes(routes!(board::board))
        .routes(routes!(stats::stats))
        .routes(routes!(super::events::events))
        .routes(routes!(audit::audit))
        .routes(routes!(import::import))
        .routes(routes!(search::search))
        .split_for_parts()
}

/// The OpenAPI document as served.
pub fn openapi() -> utoipa::openapi::OpenApi {
    let (_, mut doc) = routes_and_doc();
    add_openapi_path(&mut doc);
    doc
}

/// Adds the document's own path to itself.
fn add_openapi_path(doc: &mut utoipa::openapi::OpenApi) {
    use utoipa::openapi::path::{HttpMethod, OperationBuilder, PathItem};
    use utoipa::openapi::response::ResponseBuilder;
    let op = OperationBuilder::new()
        .summary(Some("This contract, machine-readable"))
        .response(
            "200",
            ResponseBuilder::new()
                .description("OpenAPI 3.1 document")
                .build(),
        )
        .build();
    doc.paths.paths.insert(
        "/api/v1/openapi.json".into(),
        PathItem::new(HttpMethod::Get, op),
    );
}

/// The complete application router with limits and fallbacks.
pub fn router(state: AppState, body_limit: usize) -> Router {
    let (routes, mut doc) = routes_and_doc();
    add_openapi_path(&mut doc);
    let doc = Arc::new(doc);
    routes
        .route(
            "/api/v1/openapi.json",
            get(move |_caller: super::auth::Caller| {
                let doc = doc.clone();
                async move { Json((*doc).clone()) }
            }),
        )
        .fallback(|| async {
            ApiError::new(
                StatusCode::NOT_FOUND,
                "no_route",
                "no such path; see /api/v1/openapi.json",
            )
        })
        .method_not_allowed_fallback(|| async {
            ApiError::new(
                StatusCode::METHOD_NOT_ALLOWED,
                "method_not_allowed",
                "method not allowed on this path",
            )
        })
        .layer(DefaultBodyLimit::max(body_limit))
        .with_state(state)
}
