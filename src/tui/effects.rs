//! Runs effects on tokio tasks with the API client; every result comes back as a message.
//! Only the latest fetch of an incident matters; writes run in order.

use super::msg::{Effect, Msg, WriteKind, Written};
use crate::client::{ApiClient, ListParams};
use tokio::sync::mpsc::UnboundedSender;

/// Starts the work an effect asks for.
pub fn spawn(client: &ApiClient, effect: Effect, tx: &UnboundedSender<Msg>) {
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
            Effect::Patch { id, version, patch } => {
                let result = client
                    .patch_incident(&id, version, &patch)
                    .await
                    .map(|i| Written::Incident(Box::new(i)));
                Msg::Written(WriteKind::Incident(Box::new(patch)), result)
            }
            Effect::Report(report) => Msg::Written(
                WriteKind::Report,
                client
                    .report(&report)
                    .await
                    .map(|i| Written::Incident(Box::new(i))),
            ),
            Effect::AddNote { id, text } => Msg::Written(
                WriteKind::Note(text.clone()),
                client.add_note(&id, &text).await.map(Written::Note),
            ),
            Effect::AddAction { id, action } => Msg::Written(
                WriteKind::NewAction(action.title.clone()),
                client
                    .add_action(&id, &action)
                    .await
                    .map(|a| Written::Action(Box::new(a))),
            ),
            Effect::PatchAction { id, version, patch } => {
                let result = client
                    .patch_action(&id, version, &patch)
                    .await
                    .map(|a| Written::Action(Box::new(a)));
                Msg::Written(WriteKind::Action(Box::new(patch)), result)
            }
            Effect::LoadBoard => Msg::BoardLoaded(client.board().await.map(Box::new)),
            Effect::LoadStats => {
                Msg::StatsLoaded(client.stats(None, None, Some("month")).await.map(Box::new))
            }
            Effect::Quit | Effect::Search { .. } => return,
        };
        let _ = tx.send(msg);
    });
}
