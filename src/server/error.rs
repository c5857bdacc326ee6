//! API errors: one type, one JSON shape, the right status — never a 500 for bad input.

use crate::domain::wire::{ErrorBody, ErrorDetail};
use crate::store::StoreError;
use axum::Json;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};

/// An error answered to an API client.
#[derive(Debug, Clone)]
pub struct ApiError {
    /// HTTP status.
    pub status: StatusCode,
    /// The JSON body.
    pub detail: ErrorDetail,
}

impl ApiError {
    /// An error with a code and message.
    pub fn new(status: StatusCode, code: &str, message: impl Into<String>) -> Self {
        ApiError {
            status,
            detail: ErrorDetail {
                code: code.into(),
                message: message.into(),
                field: None,
                current: None,
            },
        }
    }

    /// 400: the request could not be read.
    pub fn malformed(message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, "malformed", message)
    }

    /// 422: valid JSON with an invalid value in `field`.
    pub fn invalid(field: &str, message: impl Into<String>) -> Self {
        let mut e = Self::new(StatusCode::UNPROCESSABLE_ENTITY, "invalid", message);
        e.detail.field = Some(field.to_string());
        e
    }

    /// 401: no or bad token.
    pub fn unauthorized(message: impl Into<String>) -> Self {
        Self::new(StatusCode::UNAUTHORIZED, "unauthorized", message)
    }

    /// 403: the role does not allow this.
    pub fn forbidden(message: impl Into<String>) -> Self {
        Self::new(StatusCode::FORBIDDEN, "forbidden", message)
    }

    /// 404.
    pub fn not_found(message: impl Into<String>) -> Self {
        Self::new(StatusCode::NOT_FOUND, "not_found", message)
    }

    /// 409 with the current record.
    pub fn conflict(current: serde_json::Value) -> Self {
        let mut e = Self::new(
            StatusCode::CONFLICT,
            "conflict",
            "the record was changed by someone else; reload and re-apply",
        );
        e.detail.current = Some(current);
        e
    }

    /// 500, for failures that are ours; the message never carries incident text.
    pub fn internal(message: impl Into<String>) -> Self {
        Self::new(StatusCode::INTERNAL_SERVER_ERROR, "internal", message)
    }
}

impl From<StoreError> for ApiError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::NotFound(what) => ApiError::not_found(format!("{what} not found")),
            StoreError::Conflict(current) => ApiError::conflict(*current),
            StoreError::Database(err) => {
                tracing::error!(error = %err, "database error");
                ApiError::new(
                    StatusCode::SERVICE_UNAVAILABLE,
                    "unavailable",
                    "the database did not answer; try again",
                )
            }
            StoreError::Invalid { field, message } => ApiError::invalid(&field, message),
            // A retry of the same request is answered by the route with what the first made;
            // reaching here means the key came with a different request.
            StoreError::Replayed { .. } => ApiError::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "idempotency_key_reused",
                "this Idempotency-Key was used for a different request; use a new key",
            ),
            StoreError::Integrity(what) => {
                tracing::error!(what = %what, "audit trail does not verify");
                ApiError::internal(what)
            }
            StoreError::Corrupt(what) => {
                tracing::error!(what = %what, "unreadable stored record");
                ApiError::internal("a stored record could not be read")
            }
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        (self.status, Json(ErrorBody { error: self.detail })).into_response()
    }
}

/// Result of a handler.
pub type ApiResult<T> = Result<T, ApiError>;
