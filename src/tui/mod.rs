//! The console: a keyboard-driven triage workspace over the API. Input and live events become
//! messages; `App::update` turns them into state changes and effects; effects run on tasks and
//! come back as messages; `view::draw` renders the state. The console speaks only HTTP.

pub mod app;
pub mod cache;
pub mod command;
pub mod effects;
pub mod form;
pub mod input;
pub mod keymap;
pub mod live;
pub mod msg;
pub mod outbox;
pub mod search;
pub mod terminal;
pub mod theme;
pub mod view;

use crate::client::{ApiClient, ClientError};
use app::App;
use crossterm::event::{Event as TermEvent, EventStream};
use futures::StreamExt;
use msg::{Effect, Msg};
use std::path::PathBuf;
use std::time::Duration;
use tokio::sync::mpsc;

/// How to open the console.
#[derive(Debug, Clone)]
pub struct ConsoleOptions {
    /// Keymap name.
    pub keymap: String,
    /// Theme name.
    pub theme: String,
    /// Directory of user keymaps and themes.
    pub config_dir: PathBuf,
    /// `NO_COLOR` is set.
    pub no_color: bool,
    /// How to name the server in the status bar (e.g. the embedded database); its URL if absent.
    pub server_label: Option<String>,
    /// The directory of the durable outbox (one log per server and user). `None` keeps the
    /// queue of changes in memory only.
    pub outbox: Option<PathBuf>,
}

/// Why the console could not run.
#[derive(Debug, thiserror::Error)]
pub enum ConsoleError {
    /// The API refused or was unreachable at start.
    #[error("{0}")]
    Api(#[from] ClientError),
    /// The terminal could not be set up.
    #[error("terminal: {0}")]
    Terminal(#[from] std::io::Error),
}

/// Builds the app state for a user, loading keymap and theme (their errors become a banner).
pub fn new_app(
    user: String,
    role: crate::domain::Role,
    server: String,
    opts: &ConsoleOptions,
    today: chrono::NaiveDate,
) -> App {
    let (keymap, key_errors) = keymap::load_keymap(&opts.keymap, Some(&opts.config_dir));
    let (theme, theme_errors) =
        theme::load_theme(&opts.theme, Some(&opts.config_dir), opts.no_color);
    let mut app = App::new(user, role, server, keymap, theme, today);
    let problems: Vec<String> = key_errors
        .iter()
        .map(|e| e.to_string())
        .chain(theme_errors.iter().map(|e| e.to_string()))
        .collect();
    if !problems.is_empty() {
        app.say(
            format!("{} — using the defaults", problems.join("; ")),
            true,
        );
    }
    app
}

/// Runs a search on a blocking worker; the answer comes back as a message.
fn search_on_worker(app: &App, query: String, generation: u64, tx: &mpsc::UnboundedSender<Msg>) {
    let (index, searcher, tx) = (app.index.clone(), app.searcher.clone(), tx.clone());
    tokio::task::spawn_blocking(move || {
        let found = match (index.read(), searcher.lock()) {
            (Ok(index), Ok(mut searcher)) => {
                search::search_local(&index, &mut searcher, &query, app::SEARCH_HITS)
            }
            _ => return,
        };
        let _ = tx.send(Msg::SearchDone {
            generation,
            hits: found.0,
            total: found.1,
        });
    });
}

/// Runs the console until the analyst quits.
pub async fn run(client: ApiClient, opts: ConsoleOptions) -> Result<(), ConsoleError> {
    let who = client.whoami().await?;
    let today = chrono::Local::now().date_naive();
    let server = opts
        .server_label
        .clone()
        .unwrap_or_else(|| client.base().to_string());
    let mut app = new_app(who.user.clone(), who.role, server.clone(), &opts, today);
    let (tx, mut rx) = mpsc::unbounded_channel::<Msg>();
    let outbox_file = match &opts.outbox {
        Some(dir) => {
            let key = outbox::key_for(&server, &who.user);
            match outbox::OutboxFile::open(dir, &key) {
                Ok((file, entries, warnings)) => {
                    if !entries.is_empty() {
                        app.say(
                            format!(
                                "{} change(s) from an earlier session are in the outbox; sending them in order",
                                entries.len()
                            ),
                            false,
                        );
                    }
                    if !warnings.is_empty() {
                        app.say(
                            format!(
                                "outbox: {} unreadable line(s) kept aside: {}",
                                warnings.len(),
                                warnings.join("; ")
                            ),
                            true,
                        );
                    }
                    app.outbox = outbox::Queue::restore(entries);
                    Some(file)
                }
                Err(e) => {
                    app.say(
                        format!("{e} — changes made here are held in memory only"),
                        true,
                    );
                    None
                }
            }
        }
        None => None,
    };
    let mut runner = effects::Runner::new(client.clone(), outbox_file, tx.clone());
    let input_tx = tx.clone();
    tokio::spawn(async move {
        let mut events = EventStream::new();
        while let Some(Ok(ev)) = events.next().await {
            let msg = match ev {
                TermEvent::Key(k) => Msg::Key(k),
                TermEvent::Paste(p) => Msg::Paste(p),
                TermEvent::Resize(..) => Msg::Resize,
                _ => continue,
            };
            if input_tx.send(msg).is_err() {
                break;
            }
        }
    });
    tokio::spawn(live::follow(client.clone(), tx.clone()));
    runner.run(Effect::Load { since: None });
    // Whatever an earlier session left in the outbox goes first.
    for effect in app.update(Msg::Resize) {
        runner.run(effect);
    }
    let mut guard = terminal::TerminalGuard::enter()?;
    guard.terminal.draw(|f| view::draw(f, &app))?;
    let mut tick = tokio::time::interval(Duration::from_secs(1));
    loop {
        let first = tokio::select! {
            Some(msg) = rx.recv() => msg,
            _ = tick.tick() => Msg::Tick,
        };
        let mut batch = vec![first];
        while let Ok(more) = rx.try_recv() {
            batch.push(more);
        }
        for msg in batch {
            for effect in app.update(msg) {
                match effect {
                    Effect::Search { query, generation } => {
                        search_on_worker(&app, query, generation, &tx)
                    }
                    other => runner.run(other),
                }
            }
        }
        if app.quit {
            break;
        }
        guard.terminal.draw(|f| view::draw(f, &app))?;
    }
    drop(guard);
    if !app.outbox.is_empty() {
        eprintln!(
            "{} change(s) not yet accepted by the server are kept in the outbox and sent the next time the console starts",
            app.outbox.len()
        );
    }
    Ok(())
}
