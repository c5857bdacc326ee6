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
/// Text holding NUL (U+0000) is refused: PostgreSQL cannot store it, and one database must be
/// able to move to the other (`triage db copy`), so neither back end takes it.
pub fn parse_json<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, ApiError> {
    if has_nul_escape(bytes) {
        let field = serde_json::from_slice::<serde_json::Value>(bytes)
            .ok()
            .and_then(|v| nul_path(&v, String::new()))
            .unwrap_or_else(|| "body".into());
        return Err(ApiError::invalid(
            &field,
            "text may not contain NUL (U+0000) characters",
        ));
    }
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

/// Whether JSON text holds a `\u0000` escape (the only way JSON can carry NUL): a backslash
/// that is itself not escaped, followed by `u0000`.
fn has_nul_escape(bytes: &[u8]) -> bool {
    let mut backslashes = 0usize;
    for (i, &b) in bytes.iter().enumerate() {
        if b == b'\\' {
            backslashes += 1;
            continue;
        }
        if b == b'u' && backslashes % 2 == 1 && bytes[i + 1..].starts_with(b"0000") {
            return true;
        }
        backslashes = 0;
    }
    false
}

/// The path of the first string (or key) holding NUL, e.g. `records[0].title`.
fn nul_path(value: &serde_json::Value, path: String) -> Option<String> {
    let here = || {
        if path.is_empty() {
            "body".to_string()
        } else {
            path.clone()
        }
    };
    match value {
        serde_json::Value::String(s) if s.contains('\0') => Some(here()),
        serde_json::Value::Array(items) => items
            .iter()
            .enumerate()
            .find_map(|(i, v)| nul_path(v, format!("{path}[{i}]"))),
        serde_json::Value::Object(map) => map.iter().find_map(|(k, v)| {
            let child = if path.is_empty() {
                k.clone()
            } else {
                format!("{path}.{k}")
            };
            if k.contains('\0') {
                return Some(here());
            }
            nul_path(v, child)
        }),
        _ => None,
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
        let id = axum::extract::Path::<String>::from_request_parts(parts, state)
            .await
            .map_err(|e| ApiError::malformed(e.body_text()))?
            .0;
        if id.chars().any(char::is_control) {
            return Err(ApiError::malformed("ids never contain control characters"));
        }
        Ok(IdPath(id))
    }
}

/// The client's `Idempotency-Key` for a create, if it sent one: 1 to 200 visible ASCII
/// characters (a UUID fits).
#[derive(Debug, Clone, Default)]
pub struct IdempotencyKey(pub Option<String>);

impl IdempotencyKey {
    /// The key with a digest of what it asks for (`route` names the operation and its target).
    pub fn for_request<T: serde::Serialize>(
        &self,
        route: &str,
        body: &T,
    ) -> Option<crate::store::Idempotency> {
        use sha2::{Digest, Sha256};
        let key = self.0.clone()?;
        let mut h = Sha256::new();
        h.update(route.as_bytes());
        h.update([0]);
        h.update(serde_json::to_vec(body).unwrap_or_default());
        Some(crate::store::Idempotency {
            key,
            request: hex::encode(h.finalize()),
        })
    }
}

impl<S: Send + Sync> FromRequestParts<S> for IdempotencyKey {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        let Some(raw) = parts.headers.get("idempotency-key") else {
            return Ok(IdempotencyKey(None));
        };
        let key = raw.as_bytes();
        if key.is_empty() || key.len() > 200 || !key.iter().all(|b| (0x21..=0x7e).contains(b)) {
            return Err(ApiError::malformed(
                "Idempotency-Key must be 1 to 200 visible ASCII characters",
            ));
        }
        Ok(IdempotencyKey(Some(
            String::from_utf8_lossy(key).into_owned(),
        )))
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
    fn nul_in_text_is_422_naming_the_field_and_escaped_backslashes_are_not_nul() {
        let err = parse_json::<NewReport>(br#"{"title":"a\u0000b","site":"N"}"#).unwrap_err();
        assert_eq!(err.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(format!("{err:?}").contains("title"), "{err:?}");
        let ok = parse_json::<NewReport>(br#"{"title":"a\\u0000b","site":"N"}"#).unwrap();
        assert_eq!(ok.title, "a\\u0000b", "a literal backslash, then text");
        assert!(
            has_nul_escape(br#"["\\\u0000"]"#),
            "escaped backslash, then NUL"
        );
    }

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
