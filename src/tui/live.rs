//! Follows the server's event stream; on a lost connection shows it, retries with backoff and,
//! once back, lets the app catch up with `since=`.

use super::msg::{Link, Msg};
use crate::client::ApiClient;
use std::time::Duration;
use tokio::sync::mpsc::UnboundedSender;

/// Runs until the receiver is gone.
pub async fn follow(client: ApiClient, tx: UnboundedSender<Msg>) {
    let mut backoff = 1u64;
    let mut last_seq: Option<i64> = None;
    loop {
        match client.events(last_seq).await {
            Ok(mut stream) => {
                backoff = 1;
                if tx.send(Msg::Link(Link::Live)).is_err() {
                    return;
                }
                while let Some(item) = stream.next().await {
                    match item {
                        Ok(ev) => {
                            last_seq = Some(ev.seq);
                            if tx.send(Msg::Event(ev)).is_err() {
                                return;
                            }
                        }
                        Err(_) => break,
                    }
                }
            }
            Err(e) => tracing::debug!(error = %e, "event stream unavailable"),
        }
        if tx.send(Msg::Link(Link::Reconnecting(backoff))).is_err() {
            return;
        }
        tokio::time::sleep(Duration::from_secs(backoff)).await;
        backoff = (backoff * 2).min(30);
    }
}
