//! Runs effects on tokio tasks with the API client; every result comes back as a message.
//! Only the latest fetch of an incident matters; writes go one at a time from the outbox, whose
//! operations the [`Runner`] records durably before anything after them runs.

use super::msg::{Effect, Msg, Written};
use super::outbox::{Entry, OutboxFile, Write};
use crate::client::{ApiClient, ClientError, ListParams};
use tokio::sync::mpsc::UnboundedSender;

/// Runs effects for one console: API calls on tasks, outbox records synchronously.
pub struct Runner {
    client: ApiClient,
    outbox: Option<OutboxFile>,
    tx: UnboundedSender<Msg>,
}

impl Runner {
    /// A runner over `client`; `outbox` is the durable log (none keeps the queue in memory).
    pub fn new(client: ApiClient, outbox: Option<OutboxFile>, tx: UnboundedSender<Msg>) -> Self {
        Runner { client, outbox, tx }
    }

    /// Runs one effect. An outbox record is on disk when this returns, so a send that follows
    /// it can never be acknowledged before its record exists.
    pub fn run(&mut self, effect: Effect) {
        match effect {
            Effect::Outbox(op) => {
                if let Some(file) = &mut self.outbox
                    && let Err(e) = file.apply(&op)
                {
                    let _ = self.tx.send(Msg::OutboxFailed(e.to_string()));
                }
            }
            other => spawn(&self.client, other, &self.tx),
        }
    }
}

/// Sends one queued write; creates carry the entry's idempotency key.
async fn send(client: &ApiClient, entry: Entry) -> Result<Written, ClientError> {
    let key = entry.key.as_str();
    match entry.write {
        Write::Patch { id, version, patch } => client
            .patch_incident(&id, version, &patch)
            .await
            .map(|i| Written::Incident(Box::new(i))),
        Write::Report { report } => client
            .report_keyed(&report, key)
            .await
            .map(|i| Written::Incident(Box::new(i))),
        Write::AddNote { id, text } => client
            .add_note_keyed(&id, &text, key)
            .await
            .map(Written::Note),
        Write::AddAction { id, action } => client
            .add_action_keyed(&id, &action, key)
            .await
            .map(|a| Written::Action(Box::new(a))),
        Write::PatchAction { id, version, patch } => client
            .patch_action(&id, version, &patch)
            .await
            .map(|a| Written::Action(Box::new(a))),
    }
}

/// Starts the work an effect asks for (outbox records are the [`Runner`]'s job).
fn spawn(client: &ApiClient, effect: Effect, tx: &UnboundedSender<Msg>) {
    let client = client.clone();
    let tx = tx.clone();
    tokio::spawn(async move {
        let msg = match effect {
            Effect::Load { since } => {
                // Page by page: the queue fills as pages arrive instead of after the last one.
                let catch_up = since.is_some();
                let mut params = ListParams {
                    since,
                    limit: Some(1000),
                    ..Default::default()
                };
                loop {
                    match client.list_page(&params).await {
                        Ok(page) => match page.next_cursor {
                            Some(cursor) => {
                                if tx.send(Msg::LoadedPage(page.items, catch_up)).is_err() {
                                    return;
                                }
                                params.cursor = Some(cursor);
                            }
                            None => break Msg::Loaded(Ok(page.items), catch_up),
                        },
                        Err(e) => break Msg::Loaded(Err(e), catch_up),
                    }
                }
            }
            Effect::Fetch(id) => Msg::Fetched(client.incident(&id).await.map(Box::new)),
            Effect::Send(entry) => Msg::Sent {
                entry: entry.id,
                result: send(&client, entry).await,
            },
            Effect::LoadBoard => Msg::BoardLoaded(client.board().await.map(Box::new)),
            Effect::LoadStats => {
                Msg::StatsLoaded(client.stats(None, None, Some("month")).await.map(Box::new))
            }
            Effect::Quit | Effect::Search { .. } | Effect::Write(_) | Effect::Outbox(_) => return,
        };
        let _ = tx.send(msg);
    });
}
