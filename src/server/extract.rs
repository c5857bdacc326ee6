//! Request extractors that turn every way a body can be wrong into the right status: 415 for a
//! wrong media type, 413 over the limit, 400 for malformed JSON, 422 naming the field for a
//! well-formed body with a wrong value or an unknown field.

use super::error::ApiError;
use axum::body::Bytes;
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::request::Parts;
use axum::http::{StatusCode, header};
use serde::de::DeserializeOwned;

/// A JSON body parsed strictly.
#[derive(Debug, Clone)]
pub struct JsonBody<T>(pub T);

/// Parses JSON bytes, classifying failures as 400 (syntax) or 422 (values, naming the field).
pub fn parse_json<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, ApiError> {
    let de = &mut serde_json::Deserializer::from_slice(bytes);
    match serde_path_to_error::deserialize::<_, T>(de) {
        Ok(v) => Ok(v),
        Err(err) => {
            let path = err.path().to_string();
            let inner = err.into_inner();
            match inner.classify() {
                serde_json::error::Category::Data => {
                    let field = if path == "." {
                        "body".to_string()
                    } else {
                        path
                    };
                    Err(ApiError::invalid(&field, inner.to_string()))
                }
                _ => Err(ApiError::malformed(format!("malformed JSON: {inner}"))),
            }
        }
    }
}

impl<S: Send + Sync, T: DeserializeOwned> FromRequest<S> for JsonBody<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        let content_type = req
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("");
        let mime = content_type
            .split(';')
            .next()
            .unwrap_or("")
            .trim()
            .to_ascii_lowercase();
        if mime != "application/json" {
            return Err(ApiError::new(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "unsupported_media_type",
                "send Content-Type: application/json",
            ));
        }
        let bytes = Bytes::from_request(req, state).await.map_err(|rejection| {
            if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE {
                ApiError::new(
                    StatusCode::PAYLOAD_TOO_LARGE,
                    "too_large",
                    "request body is larger than the server accepts",
                )
            } else {
                ApiError::malformed(format!("could not read the body: {rejection}"))
            }
        })?;
        parse_json(&bytes).map(JsonBody)
    }
}

/// The `{id}` of a path, with axum's plain-text rejection (e.g. an id that is not UTF-8) turned
/// into the API's JSON error.
#[derive(Debug, Clone)]
pub struct IdPath(pub String);

impl<S: Send + Sync> FromRequestParts<S> for IdPath {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        axum::extract::Path::<String>::from_request_parts(parts, state)
            .await
            .map(|p| IdPath(p.0))
            .map_err(|e| ApiError::malformed(e.body_text()))
    }
}

/// The version a write is based on, from `If-Match` (quotes and `W/` allowed).
#[derive(Debug, Clone, Copy)]
pub struct IfMatch(pub Option<i64>);

impl<S: Send + Sync> FromRequestParts<S> for IfMatch {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        let Some(raw) = parts.headers.get(header::IF_MATCH) else {
            return Ok(IfMatch(None));
        };
        let text = raw
            .to_str()
            .map_err(|_| ApiError::malformed("If-Match is not text"))?;
        let trimmed = text.trim().trim_start_matches("W/").trim_matches('"');
        trimmed
            .parse::<i64>()
            .map(|v| IfMatch(Some(v)))
            .map_err(|_| ApiError::malformed("If-Match must be the record's integer version"))
    }
}

/// Picks the version from `If-Match` or the body; a write without one is refused.
pub fn required_version(header: IfMatch, body: Option<i64>) -> Result<i64, ApiError> {
    match (header.0, body) {
        (Some(h), Some(b)) if h != b => Err(ApiError::invalid(
            "version",
            "If-Match and body version disagree",
        )),
        (Some(v), _) | (None, Some(v)) => Ok(v),
        (None, None) => Err(ApiError::new(
            StatusCode::PRECONDITION_REQUIRED,
            "version_required",
            "send If-Match: <version> or \"version\" in the body",
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::NewReport;

    #[test]
    fn syntax_is_400_values_are_422_with_field() {
        assert_eq!(
            parse_json::<NewReport>(b"{").unwrap_err().status,
            StatusCode::BAD_REQUEST
        );
        let e =
            parse_json::<NewReport>(br#"{"title":"x","site":"N","discovered_at":"2026-02-30"}"#)
                .unwrap_err();
        assert_eq!(e.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(e.detail.field.as_deref(), Some("discovered_at"));
        let e = parse_json::<NewReport>(br#"{"title":"x","site":"N","colour":"red"}"#).unwrap_err();
        assert_eq!(e.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(e.detail.message.contains("colour"), "{}", e.detail.message);
    }
}
