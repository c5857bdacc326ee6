//! Reminders out of the console: an escalation is POSTed as JSON to the webhooks configured for
//! its level, signed with HMAC-SHA256 (`X-Triage-Signature: sha256=<hex>`), and retried with
//! backoff until the receiver accepts it. The payload carries ids and levels, never incident text.

use crate::domain::escalation::Webhook;
use hmac::{Hmac, Mac};
use serde::Serialize;
use sha2::Sha256;
use std::time::Duration;

/// The signature header.
pub const SIGNATURE_HEADER: &str = "X-Triage-Signature";
/// Deliveries tried at most this many times.
pub const ATTEMPTS: u32 = 8;

/// What a webhook receives.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, serde::Deserialize)]
pub struct EscalationNotice {
    /// `action.escalated` or `incident.escalated`.
    pub kind: String,
    /// The action or incident id.
    pub id: String,
    /// The incident.
    pub incident_id: String,
    /// The level reached.
    pub level: u32,
    /// Who that level is ("lead").
    pub to: String,
    /// Days overdue.
    pub days_overdue: i64,
}

/// `sha256=<hex>` of the HMAC-SHA256 of `body` under `secret`.
pub fn sign(secret: &str, body: &[u8]) -> String {
    let mut mac = match Hmac::<Sha256>::new_from_slice(secret.as_bytes()) {
        Ok(m) => m,
        Err(_) => return String::new(),
    };
    mac.update(body);
    format!("sha256={}", hex::encode(mac.finalize().into_bytes()))
}

/// Whether `signature` is the right one for `body` (constant-time).
pub fn verify(secret: &str, body: &[u8], signature: &str) -> bool {
    let Some(hex_sig) = signature.strip_prefix("sha256=") else {
        return false;
    };
    let Ok(bytes) = hex::decode(hex_sig) else {
        return false;
    };
    let Ok(mut mac) = Hmac::<Sha256>::new_from_slice(secret.as_bytes()) else {
        return false;
    };
    mac.update(body);
    mac.verify_slice(&bytes).is_ok()
}

/// Sends `notice` to every webhook of its level, each on its own task with retries.
pub fn notify(webhooks: &[Webhook], notice: &EscalationNotice) {
    for hook in webhooks.iter().filter(|h| h.level == notice.level) {
        let (hook, notice) = (hook.clone(), notice.clone());
        tokio::spawn(async move {
            if let Err(e) = deliver(&hook, &notice, Duration::from_millis(250)).await {
                tracing::warn!(id = %notice.id, level = notice.level, error = %e, "webhook not delivered");
            }
        });
    }
}

/// Delivers one notice, retrying with doubling backoff from `first_backoff`; returns attempts.
pub async fn deliver(
    hook: &Webhook,
    notice: &EscalationNotice,
    first_backoff: Duration,
) -> Result<u32, String> {
    let body = serde_json::to_vec(notice).map_err(|e| e.to_string())?;
    let signature = sign(&hook.secret, &body);
    let client = reqwest::Client::builder()
        .timeout(Duration::from_secs(10))
        .build()
        .map_err(|e| e.to_string())?;
    let mut backoff = first_backoff;
    let mut last = String::new();
    for attempt in 1..=ATTEMPTS {
        let sent = client
            .post(&hook.url)
            .header(reqwest::header::CONTENT_TYPE, "application/json")
            .header(SIGNATURE_HEADER, &signature)
            .body(body.clone())
            .send()
            .await;
        match sent {
            Ok(r) if r.status().is_success() => return Ok(attempt),
            Ok(r) => last = format!("HTTP {}", r.status()),
            Err(e) => last = e.to_string(),
        }
        tokio::time::sleep(backoff).await;
        backoff = (backoff * 2).min(Duration::from_secs(60));
    }
    Err(format!("gave up after {ATTEMPTS} attempts: {last}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signatures_verify_and_tampering_fails() {
        let body = br#"{"kind":"action.escalated"}"#;
        let sig = sign("s3cret", body);
        assert!(sig.starts_with("sha256="));
        assert!(verify("s3cret", body, &sig));
        assert!(!verify("other", body, &sig));
        assert!(!verify("s3cret", b"{}", &sig));
        assert!(!verify("s3cret", body, "sha256=zz"));
    }
}
