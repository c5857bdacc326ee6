//! Bearer tokens: issued once, stored as salted SHA-256 hashes, compared in constant time, with
//! expiry, revocation and a limit on repeated failures from one address.
//!
//! Tokens are 256-bit random secrets, so a fast salted hash is enough (no password stretching
//! needed) and keeps authentication off the hot path of every request.

use super::AppState;
use super::error::ApiError;
use crate::domain::{Permission, Role};
use crate::store::{StoreError, TokenRecord};
use axum::extract::{ConnectInfo, FromRequestParts};
use axum::http::StatusCode;
use axum::http::request::Parts;
use chrono::{DateTime, Utc};
use rand::RngCore;
use sha2::{Digest, Sha256};
use std::collections::HashMap;
use std::net::{IpAddr, SocketAddr};
use std::sync::Mutex;
use std::time::{Duration, Instant};
use subtle::ConstantTimeEq;

/// The authenticated caller of a request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Caller {
    /// User name.
    pub user: String,
    /// Role.
    pub role: Role,
}

impl Caller {
    /// Refuses with 403 unless the role grants `permission`.
    pub fn require(&self, permission: Permission) -> Result<(), ApiError> {
        if self.role.allows(permission) {
            Ok(())
        } else {
            Err(ApiError::forbidden(format!(
                "role {} may not do this ({permission:?} needed)",
                self.role
            )))
        }
    }
}

fn random_hex(bytes: usize) -> String {
    let mut buf = vec![0u8; bytes];
    rand::rng().fill_bytes(&mut buf);
    hex::encode(buf)
}

fn hash_secret(salt: &str, secret: &str) -> String {
    let mut h = Sha256::new();
    h.update(salt.as_bytes());
    h.update(b":");
    h.update(secret.as_bytes());
    hex::encode(h.finalize())
}

/// Creates a token for `user` with `role`: returns the secret to show once and the record to
/// store (which holds only the salted hash).
pub fn new_token(
    user: &str,
    role: Role,
    expires_at: Option<DateTime<Utc>>,
) -> (String, TokenRecord) {
    let id = random_hex(6);
    let secret = random_hex(32);
    let salt = random_hex(16);
    let hash = hash_secret(&salt, &secret);
    let token = format!("tc_{id}_{secret}");
    (
        token,
        TokenRecord {
            id,
            user: user.to_string(),
            role,
            salt,
            hash,
            expires_at,
            revoked_at: None,
        },
    )
}

/// Splits `tc_<id>_<secret>` into its parts.
fn split_token(token: &str) -> Option<(&str, &str)> {
    let rest = token.strip_prefix("tc_")?;
    let (id, secret) = rest.split_once('_')?;
    (!id.is_empty() && !secret.is_empty()).then_some((id, secret))
}

/// Checks a presented token against its stored record.
pub fn verify(record: &TokenRecord, secret: &str, now: DateTime<Utc>) -> bool {
    let presented = hash_secret(&record.salt, secret);
    let same: bool = presented.as_bytes().ct_eq(record.hash.as_bytes()).into();
    same && record.revoked_at.is_none() && record.expires_at.is_none_or(|e| e > now)
}

/// Counts authentication failures per address and refuses an address after too many.
#[derive(Debug, Default)]
pub struct FailureLimiter {
    failures: Mutex<HashMap<IpAddr, (Instant, u32)>>,
}

impl FailureLimiter {
    const WINDOW: Duration = Duration::from_secs(60);
    const MAX_FAILURES: u32 = 20;

    /// Whether `ip` is currently locked out.
    pub fn blocked(&self, ip: IpAddr) -> bool {
        let Ok(map) = self.failures.lock() else {
            return false;
        };
        map.get(&ip)
            .is_some_and(|(start, n)| start.elapsed() < Self::WINDOW && *n >= Self::MAX_FAILURES)
    }

    /// Records one failure from `ip`.
    pub fn fail(&self, ip: IpAddr) {
        if let Ok(mut map) = self.failures.lock() {
            let entry = map.entry(ip).or_insert((Instant::now(), 0));
            if entry.0.elapsed() >= Self::WINDOW {
                *entry = (Instant::now(), 0);
            }
            entry.1 += 1;
            if map.len() > 10_000 {
                map.retain(|_, (start, _)| start.elapsed() < Self::WINDOW);
            }
        }
    }
}

/// Verified tokens, kept briefly so that every request does not hit the database.
#[derive(Debug, Default)]
pub struct TokenCache {
    entries: Mutex<HashMap<String, (Instant, TokenRecord)>>,
}

impl TokenCache {
    const TTL: Duration = Duration::from_secs(5);

    fn get(&self, id: &str) -> Option<TokenRecord> {
        let map = self.entries.lock().ok()?;
        map.get(id)
            .filter(|(at, _)| at.elapsed() < Self::TTL)
            .map(|(_, r)| r.clone())
    }

    fn put(&self, record: TokenRecord) {
        if let Ok(mut map) = self.entries.lock() {
            if map.len() > 10_000 {
                map.clear();
            }
            map.insert(record.id.clone(), (Instant::now(), record));
        }
    }

    /// Forgets every cached token (after a revocation).
    pub fn clear(&self) {
        if let Ok(mut map) = self.entries.lock() {
            map.clear();
        }
    }
}

async fn lookup(state: &AppState, id: &str) -> Result<Option<TokenRecord>, StoreError> {
    if let Some(hit) = state.tokens.get(id) {
        return Ok(Some(hit));
    }
    let found = state.store.find_token(id).await?;
    if let Some(record) = &found {
        state.tokens.put(record.clone());
    }
    Ok(found)
}

impl FromRequestParts<AppState> for Caller {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let ip = parts
            .extensions
            .get::<ConnectInfo<SocketAddr>>()
            .map(|c| c.0.ip())
            .unwrap_or(IpAddr::from([127, 0, 0, 1]));
        if state.failures.blocked(ip) {
            return Err(ApiError::new(
                StatusCode::TOO_MANY_REQUESTS,
                "rate_limited",
                "too many failed authentication attempts; wait a minute",
            ));
        }
        let header = parts
            .headers
            .get(axum::http::header::AUTHORIZATION)
            .and_then(|h| h.to_str().ok());
        // The scheme name is case-insensitive (RFC 9110 11.1): "bearer" is as good as "Bearer".
        let Some(token) = header
            .and_then(|h| h.trim().split_once(' '))
            .filter(|(scheme, _)| scheme.eq_ignore_ascii_case("bearer"))
            .map(|(_, token)| token.trim())
        else {
            state.failures.fail(ip);
            return Err(ApiError::unauthorized(
                "missing bearer token (Authorization: Bearer <token>)",
            ));
        };
        let Some((id, secret)) = split_token(token) else {
            state.failures.fail(ip);
            return Err(ApiError::unauthorized("malformed token"));
        };
        let record = lookup(state, id).await?;
        match record {
            Some(record) if verify(&record, secret, state.clock.now()) => Ok(Caller {
                user: record.user,
                role: record.role,
            }),
            _ => {
                state.failures.fail(ip);
                Err(ApiError::unauthorized("invalid, expired or revoked token"))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn issued_token_verifies_and_tampered_does_not() {
        let now = Utc::now();
        let (token, record) = new_token("kim", Role::Analyst, None);
        let (id, secret) = split_token(&token).unwrap();
        assert_eq!(id, record.id);
        assert!(verify(&record, secret, now));
        assert!(!verify(&record, &format!("{secret}x"), now));
        let expired = TokenRecord {
            expires_at: Some(now - chrono::Duration::seconds(1)),
            ..record.clone()
        };
        assert!(!verify(&expired, secret, now));
        let revoked = TokenRecord {
            revoked_at: Some(now),
            ..record
        };
        assert!(!verify(&revoked, secret, now));
        assert_eq!(split_token("tc__x"), None);
        assert_eq!(split_token("nope"), None);
    }

    #[test]
    fn limiter_blocks_after_many_failures() {
        let l = FailureLimiter::default();
        let ip = IpAddr::from([10, 0, 0, 1]);
        for _ in 0..19 {
            l.fail(ip);
        }
        assert!(!l.blocked(ip));
        l.fail(ip);
        assert!(l.blocked(ip));
        assert!(!l.blocked(IpAddr::from([10, 0, 0, 2])));
    }
}
