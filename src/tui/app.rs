//! The console's state and `update`: messages in, effects out, synchronous, no I/O. Rendering
//! reads this state and nothing else.

use super::cache::{Cache, QueueFilter, SortKey, queue_view};
use super::command::Command;
use super::form::{Field, Form};
use super::input::LineInput;
use super::keymap::{Keymap, Resolution};
use super::msg::{Effect, Link, Msg, Written};
use super::outbox::{Op, Queue, Stop, Write};
use super::search::{LocalHit, search_local};
use super::theme::Theme;
use crate::client::ClientError;
use crate::domain::action::{ActionPatch, ActionStatus, NewAction};
use crate::domain::wire::{Board, BoardItem, Stats};
use crate::domain::{Incident, IncidentPatch, NewReport, Role, Status};
use chrono::{DateTime, NaiveDate, Utc};
use crossterm::event::KeyEvent;
use ratatui_textarea::TextArea;
use std::collections::HashSet;

/// Up to this many incidents the console searches in line; above, on a worker.
pub const INLINE_SEARCH_LIMIT: usize = 20_000;
/// How many search results the popup shows.
pub const SEARCH_HITS: usize = 200;

/// The panes, in tab order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Pane {
    /// Inbound queue.
    Queue,
    /// Classification, assessment and clocks.
    Classify,
    /// Root-cause notes.
    Notes,
    /// Owner and deadline board.
    Board,
    /// Escalations, most urgent first.
    Escalations,
    /// Trends and recurring patterns.
    Dashboard,
}

impl Pane {
    /// Every pane in tab order.
    pub const ALL: [Pane; 6] = [
        Pane::Queue,
        Pane::Classify,
        Pane::Notes,
        Pane::Board,
        Pane::Escalations,
        Pane::Dashboard,
    ];

    /// Tab label.
    pub fn label(self) -> &'static str {
        match self {
            Pane::Queue => "Queue",
            Pane::Classify => "Classify",
            Pane::Notes => "Notes",
            Pane::Board => "Board",
            Pane::Escalations => "Escalations",
            Pane::Dashboard => "Dashboard",
        }
    }

    /// The keymap section of the pane.
    pub fn section(self) -> &'static str {
        match self {
            Pane::Queue => "queue",
            Pane::Classify => "classify",
            Pane::Notes => "notes",
            Pane::Board => "board",
            Pane::Escalations => "escalations",
            Pane::Dashboard => "dashboard",
        }
    }
}

/// What a one-line prompt is for.
#[derive(Debug, Clone, PartialEq)]
pub enum PromptFor {
    /// The queue filter.
    Filter,
    /// A text field of the form.
    Field(Field),
    /// A new report: `title | site`.
    NewReport,
    /// A new action: `title | owner | YYYY-MM-DD`.
    AddAction,
    /// New owner of an action.
    Reassign(String, i64),
    /// New due date and reason: `YYYY-MM-DD | reason`.
    Redate(String, i64),
    /// New incident owner.
    AssignIncident,
    /// Contributing factors, comma-separated.
    Factors,
}

/// What the multi-line editor is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EditorFor {
    /// A new analysis note.
    Note,
    /// The root-cause summary.
    RootCause,
}

/// A popup over the panes.
pub enum Popup {
    /// Key bindings, generated from the keymap.
    Help,
    /// Every command by name.
    Palette {
        /// What was typed.
        input: LineInput,
        /// Highlighted row.
        selected: usize,
    },
    /// A one-line prompt.
    Prompt {
        /// Purpose.
        purpose: PromptFor,
        /// Text.
        input: LineInput,
        /// Why the last submit was refused.
        error: Option<String>,
    },
    /// The multi-line editor.
    Editor {
        /// Purpose.
        purpose: EditorFor,
        /// The text area.
        area: Box<TextArea<'static>>,
        /// A save is in flight.
        saving: bool,
    },
    /// A version conflict: someone else changed the record.
    Conflict {
        /// The refused patch.
        patch: Box<IncidentPatch>,
        /// The record as it is now.
        current: Box<Incident>,
    },
    /// The outbox: changes not yet accepted by the server.
    Outbox {
        /// Highlighted row.
        selected: usize,
    },
    /// As-you-type search.
    Search {
        /// The query.
        input: LineInput,
        /// Results.
        hits: Vec<LocalHit>,
        /// Highlighted row.
        selected: usize,
    },
}

/// A message shown in the status line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Banner {
    /// Text.
    pub text: String,
    /// Error (true) or information.
    pub error: bool,
    /// Tick after which it disappears.
    pub until: u64,
}

/// Everything the console knows.
pub struct App {
    /// Incidents.
    pub cache: Cache,
    /// Queue view: indexes into the cache.
    pub view: Vec<usize>,
    /// Queue filter.
    pub filter: QueueFilter,
    /// Queue order.
    pub sort: SortKey,
    /// Selected row in the view.
    pub selected: usize,
    /// Focused pane.
    pub pane: Pane,
    /// Queue beside the detail (wide) or one pane at a time.
    pub split: bool,
    /// The selected incident fetched in full (similar, recurrence).
    pub detail: Option<Incident>,
    /// The classification draft of the selected incident.
    pub form: Option<Form>,
    /// The board.
    pub board: Option<Board>,
    /// Selected board row.
    pub board_selected: usize,
    /// Group the board by owner instead of due bucket.
    pub board_by_owner: bool,
    /// Show only what the logged-in user owns ("my work"), nearest due first.
    pub board_mine: bool,
    /// Statistics.
    pub stats: Option<Stats>,
    /// Open popup.
    pub popup: Option<Popup>,
    /// Link state.
    pub link: Link,
    /// Who is logged in.
    pub user: String,
    /// Their role.
    pub role: Role,
    /// The server's address.
    pub server: String,
    /// Status-line message.
    pub banner: Option<Banner>,
    /// Incidents that arrived live since start.
    pub arrivals: HashSet<String>,
    /// Keys of a sequence typed so far.
    pub pending: Vec<KeyEvent>,
    /// Key bindings.
    pub keymap: Keymap,
    /// Colours and styles.
    pub theme: Theme,
    /// Today, for ages and days left.
    pub today: NaiveDate,
    /// Newest change seen (for catch-up with `since=`).
    pub last_sync: Option<DateTime<Utc>>,
    /// Still loading the cache.
    pub loading: bool,
    /// Ticks since start.
    pub ticks: u64,
    /// Whether to leave.
    pub quit: bool,
    /// Scroll of the notes timeline.
    pub notes_scroll: u16,
    /// New reports and overdue incidents, recounted when the cache changes (not per frame).
    pub counts: (usize, usize),
    /// Search index over the cache, shared with the search task.
    pub index: std::sync::Arc<std::sync::RwLock<crate::search::SearchIndex>>,
    /// The search session (narrows while the query grows), shared with the search task.
    pub searcher: std::sync::Arc<std::sync::Mutex<crate::search::Searcher>>,
    /// The newest search asked for; older results are dropped.
    pub search_generation: u64,
    /// Matches of the current search in total.
    pub search_total: usize,
    /// First line shown in the help popup.
    pub help_scroll: u16,
    /// Rows of key bindings the help popup showed in the last frame (set while drawing), so
    /// scrolling stops at the last screenful instead of running past it.
    pub help_rows: std::cell::Cell<u16>,
    /// Changes made here and not yet accepted by the server, in order (see `tui::outbox`).
    pub outbox: Queue,
}

/// What a prompt shows while its change is on the way.
const SAVING: &str = "saving…";

/// Seconds between attempts to send the outbox while the server is unreachable.
const RETRY_TICKS: u64 = 5;

/// Whether a failed send may succeed later unchanged: the link, a server restarting or
/// overloaded. Such writes stay queued.
fn is_transient(e: &ClientError) -> bool {
    e.is_network()
        || e.status().is_some_and(|s| {
            s.is_server_error()
                || s == reqwest::StatusCode::TOO_MANY_REQUESTS
                || s == reqwest::StatusCode::REQUEST_TIMEOUT
        })
}

/// Whether a conflicting record already holds everything a queued patch sets: the patch
/// reached the server before, and only its answer was lost.
fn already_applied(write: &Write, current: &serde_json::Value) -> bool {
    let patch = match write {
        Write::Patch { patch, .. } => serde_json::to_value(patch),
        Write::PatchAction { patch, .. } => serde_json::to_value(patch),
        _ => return false,
    };
    let Ok(serde_json::Value::Object(fields)) = patch else {
        return false;
    };
    let mut set = fields
        .iter()
        .filter(|(k, v)| !v.is_null() && *k != "version" && *k != "reason")
        .peekable();
    set.peek().is_some() && set.all(|(k, v)| current.get(k).is_some_and(|c| contains(c, v)))
}

/// Whether `have` matches `want` on every field `want` names (objects field by field; a
/// missing field counts as null).
fn contains(have: &serde_json::Value, want: &serde_json::Value) -> bool {
    match (have, want) {
        (serde_json::Value::Object(h), serde_json::Value::Object(w)) => w
            .iter()
            .all(|(k, v)| h.get(k).map_or(v.is_null(), |hv| contains(hv, v))),
        (h, w) => h == w,
    }
}

fn err_text(e: &ClientError) -> String {
    crate::domain::text::sanitize(&e.to_string(), false)
}

impl App {
    /// A console for `user` with no data yet.
    pub fn new(
        user: String,
        role: Role,
        server: String,
        keymap: Keymap,
        theme: Theme,
        today: NaiveDate,
    ) -> Self {
        App {
            cache: Cache::default(),
            view: Vec::new(),
            filter: QueueFilter::default(),
            sort: SortKey::default(),
            selected: 0,
            pane: Pane::Queue,
            split: true,
            detail: None,
            form: None,
            board: None,
            board_selected: 0,
            board_by_owner: false,
            board_mine: false,
            stats: None,
            popup: None,
            link: Link::Connecting,
            user,
            role,
            server,
            banner: None,
            arrivals: HashSet::new(),
            pending: Vec::new(),
            keymap,
            theme,
            today,
            last_sync: None,
            loading: true,
            ticks: 0,
            quit: false,
            notes_scroll: 0,
            counts: (0, 0),
            index: Default::default(),
            searcher: Default::default(),
            search_generation: 0,
            search_total: 0,
            help_scroll: 0,
            help_rows: std::cell::Cell::new(0),
            outbox: Queue::default(),
        }
    }

    /// The incident under the cursor.
    pub fn selected_incident(&self) -> Option<&Incident> {
        let idx = *self.view.get(self.selected)?;
        let cached = self.cache.items().get(idx)?;
        match &self.detail {
            Some(d) if d.id == cached.id && d.version >= cached.version => Some(d),
            _ => Some(cached),
        }
    }

    fn selected_id(&self) -> Option<String> {
        self.selected_incident().map(|i| i.id.clone())
    }

    /// Shows a message for a few seconds.
    pub fn say(&mut self, text: impl Into<String>, error: bool) {
        self.banner = Some(Banner {
            text: text.into(),
            error,
            until: self.ticks + if error { 8 } else { 4 },
        });
    }

    /// Recomputes the queue view, keeping the selection on the same incident.
    pub fn refresh_view(&mut self) {
        let keep = self.selected_id();
        self.view = queue_view(&self.cache, &self.filter, self.sort);
        self.counts = super::cache::counts(&self.cache);
        if let Ok(mut index) = self.index.write() {
            index.ensure_sorted();
        }
        if let Some(id) = keep
            && let Some(pos) = self
                .view
                .iter()
                .position(|&i| self.cache.items()[i].id == id)
        {
            self.selected = pos;
        }
        self.selected = self.selected.min(self.view.len().saturating_sub(1));
        self.sync_form();
    }

    /// Keeps the form on the selected incident unless the analyst is editing it.
    fn sync_form(&mut self) {
        let Some(inc) = self.selected_incident() else {
            self.form = None;
            return;
        };
        let keep = self
            .form
            .as_ref()
            .is_some_and(|f| f.id == inc.id && (f.dirty || f.version == inc.version));
        if !keep {
            let focus = self
                .form
                .as_ref()
                .filter(|f| f.id == inc.id)
                .map(|f| f.focus)
                .unwrap_or(0);
            let mut form = Form::from_incident(inc);
            form.focus = focus;
            self.form = Some(form);
        }
    }

    /// Handles one message; returns the effects to run, in order. Every change the analyst
    /// makes is queued in the outbox (recorded durably) before it is sent.
    pub fn update(&mut self, msg: Msg) -> Vec<Effect> {
        let effects = self.handle(msg);
        self.route_writes(effects)
    }

    /// Puts writes into the outbox and sends its head when the queue can move.
    fn route_writes(&mut self, effects: Vec<Effect>) -> Vec<Effect> {
        let mut out = Vec::with_capacity(effects.len() + 1);
        let mut queued = false;
        for effect in effects {
            match effect {
                Effect::Write(write) => {
                    let entry = self.outbox.push(write, Utc::now());
                    out.push(Effect::Outbox(Op::Add { entry }));
                    queued = true;
                }
                other => out.push(other),
            }
        }
        if !self.outbox.waiting
            && let Some(entry) = self.outbox.next_to_send()
        {
            out.push(Effect::Send(entry));
        }
        if queued && (self.outbox.waiting || self.outbox.stopped().is_some()) {
            self.close_saving_popup();
            let why = if self.outbox.waiting {
                "the server is unreachable"
            } else {
                "the outbox is stopped at a change that needs you (P)"
            };
            self.say(
                format!(
                    "queued: {why}; {} pending, kept on disk and sent in order",
                    self.outbox.len()
                ),
                true,
            );
        }
        out
    }

    /// Closes a prompt or editor waiting for its save: its change is safe in the outbox.
    fn close_saving_popup(&mut self) {
        let saving = match &self.popup {
            Some(Popup::Editor { saving, .. }) => *saving,
            Some(Popup::Prompt { error, .. }) => error.as_deref() == Some(SAVING),
            _ => false,
        };
        if saving {
            self.popup = None;
        }
    }

    /// An answer to a queued write.
    fn sent(&mut self, id: u64, result: Result<Written, ClientError>) -> Vec<Effect> {
        let Some(entry) = self.outbox.get(id).cloned() else {
            return vec![];
        };
        let write = entry.write.clone();
        match result {
            Ok(written) => {
                let versions = match (&entry.write, &written) {
                    (Write::Patch { id, version, .. }, Written::Incident(i)) => {
                        Some((id.clone(), *version, i.version))
                    }
                    (Write::PatchAction { id, version, .. }, Written::Action(a)) => {
                        Some((id.clone(), *version, a.version))
                    }
                    _ => None,
                };
                self.outbox.accepted(id, versions);
                let mut effects = vec![Effect::Outbox(Op::Done { id })];
                effects.extend(self.written(write, Ok(written)));
                effects
            }
            Err(e) if is_transient(&e) => {
                self.outbox.link_failed(id);
                self.close_saving_popup();
                self.say(
                    format!(
                        "not sent: {} — {} change(s) kept in the outbox, sent when the server is back",
                        err_text(&e),
                        self.outbox.len()
                    ),
                    true,
                );
                vec![]
            }
            Err(e) if e.is_conflict() => {
                let current = e.conflict_current().cloned();
                if current
                    .as_ref()
                    .is_some_and(|c| already_applied(&entry.write, c))
                {
                    // Our change reached the server but its answer was lost: nothing to redo.
                    let version = current
                        .as_ref()
                        .and_then(|c| c.get("version"))
                        .and_then(serde_json::Value::as_i64);
                    let versions = entry
                        .write
                        .versioned()
                        .zip(version)
                        .map(|((r, from), to)| (r.to_string(), from, to));
                    self.outbox.accepted(id, versions);
                    let mut effects = vec![Effect::Outbox(Op::Done { id })];
                    effects.extend(entry.write.incident_id().map(|i| Effect::Fetch(i.into())));
                    return effects;
                }
                self.outbox.stop(Stop {
                    entry: id,
                    reason: format!("conflict: {}", err_text(&e)),
                    current,
                });
                self.close_saving_popup();
                match write {
                    Write::Patch { .. } => self.written(write, Err(e)),
                    _ => {
                        self.popup = Some(Popup::Outbox { selected: 0 });
                        self.say(
                            "someone else changed this action: re-apply your change (a) or drop it (d)",
                            true,
                        );
                        vec![Effect::LoadBoard]
                    }
                }
            }
            Err(e) if e.status() == Some(reqwest::StatusCode::UNAUTHORIZED) => {
                self.outbox.stop(Stop {
                    entry: id,
                    reason: format!("not sent: {}", err_text(&e)),
                    current: None,
                });
                self.close_saving_popup();
                self.say(
                    format!(
                        "the server refused the token ({}) — {} change(s) kept in the outbox",
                        err_text(&e),
                        self.outbox.len()
                    ),
                    true,
                );
                vec![]
            }
            Err(e) => {
                // Refused for good (bad value, no such record, not allowed): out of the queue,
                // kept in the refused log, and the prompt (if still open) keeps the text.
                self.outbox.remove(id);
                let refused = Op::Refused {
                    entry,
                    reason: err_text(&e),
                };
                let mut effects = vec![Effect::Outbox(refused)];
                effects.extend(self.written(write, Err(e)));
                effects
            }
        }
    }

    fn handle(&mut self, msg: Msg) -> Vec<Effect> {
        match msg {
            Msg::Key(key) => self.key(key),
            Msg::Paste(text) => self.paste(&text),
            Msg::Resize => vec![],
            Msg::Tick => {
                self.ticks += 1;
                if self.outbox.waiting && self.ticks.is_multiple_of(RETRY_TICKS) {
                    // Try the head again; a failure puts the queue back to waiting.
                    self.outbox.waiting = false;
                }
                if self.banner.as_ref().is_some_and(|b| b.until <= self.ticks) {
                    self.banner = None;
                }
                vec![]
            }
            Msg::LoadedPage(items, catch_up) => {
                for i in items {
                    self.absorb(i, catch_up);
                }
                self.refresh_view();
                vec![]
            }
            Msg::Loaded(result, catch_up) => {
                self.loading = false;
                match result {
                    Ok(items) => {
                        for i in items {
                            self.absorb(i, catch_up);
                        }
                        self.refresh_view();
                        if catch_up {
                            self.say("caught up with changes made while offline", false);
                        }
                    }
                    Err(e) => self.say(format!("could not load incidents: {}", err_text(&e)), true),
                }
                vec![]
            }
            Msg::Fetched(Ok(incident)) => {
                let incident = *incident;
                if self.selected_id().as_deref() == Some(&incident.id) {
                    self.detail = Some(incident.clone());
                }
                self.absorb(incident, true);
                self.refresh_view();
                vec![]
            }
            Msg::Fetched(Err(e)) => {
                self.say(format!("could not fetch: {}", err_text(&e)), true);
                vec![]
            }
            Msg::Sent { entry, result } => self.sent(entry, result),
            Msg::OutboxFailed(why) => {
                self.say(
                    format!(
                        "could not record the change on disk ({}); it is held in memory only",
                        crate::domain::text::sanitize(&why, false)
                    ),
                    true,
                );
                vec![]
            }
            Msg::BoardLoaded(Ok(b)) => {
                // Keep the cursor on the same item when a live reload reorders the board.
                let key =
                    |i: &BoardItem| (i.action_id.clone(), i.incident_id.clone(), i.title.clone());
                let before = self.board_item().map(key);
                self.board = Some(*b);
                let after = self.board.as_ref().map(|board| {
                    let order = self.board_order(board);
                    let found =
                        before.and_then(|k| order.iter().position(|&i| key(&board.items[i]) == k));
                    found
                        .unwrap_or(self.board_selected)
                        .min(order.len().saturating_sub(1))
                });
                self.board_selected = after.unwrap_or(0);
                vec![]
            }
            Msg::StatsLoaded(Ok(s)) => {
                self.stats = Some(*s);
                vec![]
            }
            Msg::BoardLoaded(Err(e)) | Msg::StatsLoaded(Err(e)) => {
                self.say(format!("could not load: {}", err_text(&e)), true);
                vec![]
            }
            Msg::Event(ev) => {
                let mut effects = vec![Effect::Fetch(ev.incident_id.clone())];
                if ev.kind == "incident.created" && !self.loading {
                    self.arrivals.insert(ev.incident_id.clone());
                }
                if matches!(self.pane, Pane::Board | Pane::Escalations) {
                    effects.push(Effect::LoadBoard);
                }
                effects
            }
            Msg::SearchDone {
                generation,
                hits,
                total,
            } => {
                self.search_done(generation, hits, total);
                vec![]
            }
            Msg::Link(link) => {
                let was_down = matches!(self.link, Link::Reconnecting(_));
                self.link = link.clone();
                if link == Link::Live && was_down {
                    self.outbox.waiting = false;
                    let since = self.last_sync.map(crate::store::format_time);
                    return vec![Effect::Load { since }];
                }
                vec![]
            }
        }
    }

    fn absorb(&mut self, incident: Incident, live: bool) {
        self.last_sync = Some(
            self.last_sync
                .map_or(incident.updated_at, |t| t.max(incident.updated_at)),
        );
        let id = incident.id.clone();
        self.index_upsert(&incident);
        let is_new = self.cache.upsert(incident);
        if is_new && live && !self.loading {
            self.arrivals.insert(id);
        }
    }

    fn written(&mut self, write: Write, result: Result<Written, ClientError>) -> Vec<Effect> {
        // A prompt whose write was in flight closes on success and keeps its text on failure.
        match (&result, &mut self.popup) {
            (Ok(_), Some(Popup::Prompt { .. })) => self.popup = None,
            (Err(e), Some(Popup::Prompt { error, .. })) if !e.is_conflict() => {
                *error = Some(format!(
                    "not saved: {} — press Enter to retry, Esc to drop",
                    err_text(e)
                ))
            }
            _ => {}
        }
        match result {
            Ok(Written::Incident(inc)) if matches!(write, Write::Report { .. }) => {
                self.say(format!("{} reported", inc.id), false);
                self.arrivals.insert(inc.id.clone());
                self.absorb(*inc, false);
                self.refresh_view();
                vec![]
            }
            Ok(Written::Incident(inc)) => {
                let id = inc.id.clone();
                self.form = Some(Form {
                    focus: self.form.as_ref().map(|f| f.focus).unwrap_or(0),
                    ..Form::from_incident(&inc)
                });
                self.detail = Some((*inc).clone());
                self.index_upsert(&inc);
                self.cache.upsert(*inc);
                self.refresh_view();
                self.say(format!("{id} saved"), false);
                vec![Effect::Fetch(id)]
            }
            Ok(Written::Note(_)) => {
                self.popup = None;
                self.say("note added", false);
                self.selected_id().map(Effect::Fetch).into_iter().collect()
            }
            Ok(Written::Action(a)) => {
                if matches!(self.popup, Some(Popup::Prompt { .. })) {
                    self.popup = None;
                }
                self.say(format!("{} {}", a.id, a.status), false);
                vec![Effect::Fetch(a.incident_id), Effect::LoadBoard]
            }
            Err(e) if e.is_conflict() => {
                if let Write::Patch { patch, .. } = write
                    && let Some(current) = e
                        .conflict_current()
                        .and_then(|v| serde_json::from_value::<Incident>(v.clone()).ok())
                {
                    self.popup = Some(Popup::Conflict {
                        patch: Box::new(patch),
                        current: Box::new(current),
                    });
                } else {
                    self.say(
                        "someone else changed this action; reloaded — try again",
                        true,
                    );
                    return vec![Effect::LoadBoard];
                }
                vec![]
            }
            Err(e) => {
                if let Some(Popup::Editor { saving, .. }) = &mut self.popup {
                    *saving = false;
                }
                let kept = if e.is_network() {
                    " — nothing lost: your text is kept, save again when the link is back"
                } else {
                    ""
                };
                self.say(format!("not saved: {}{kept}", err_text(&e)), true);
                vec![]
            }
        }
    }

    fn paste(&mut self, text: &str) -> Vec<Effect> {
        match &mut self.popup {
            Some(Popup::Editor { area, .. }) => {
                area.insert_str(text);
            }
            Some(Popup::Prompt { input, .. } | Popup::Palette { input, .. }) => input.insert(text),
            Some(Popup::Search { input, .. }) => {
                input.insert(text);
                return self.run_search();
            }
            _ => {}
        }
        vec![]
    }

    fn index_upsert(&self, incident: &Incident) {
        if let Ok(mut index) = self.index.write() {
            index.upsert(incident);
        }
    }

    /// Shows search results if they answer the newest search.
    pub fn search_done(&mut self, generation: u64, found: Vec<LocalHit>, total: usize) {
        if generation != self.search_generation {
            return;
        }
        if let Some(Popup::Search { hits, selected, .. }) = &mut self.popup {
            *hits = found;
            *selected = 0;
            self.search_total = total;
        }
    }

    fn key(&mut self, key: KeyEvent) -> Vec<Effect> {
        if key.kind != crossterm::event::KeyEventKind::Press {
            return vec![];
        }
        // Popups with text take keys first; only their own section's bindings apply there.
        let section = match &self.popup {
            Some(Popup::Editor { .. }) => Some("editor"),
            Some(Popup::Prompt { .. } | Popup::Palette { .. } | Popup::Search { .. }) => {
                Some("popup")
            }
            Some(Popup::Help) => Some("help"),
            Some(Popup::Conflict { .. }) => Some("conflict"),
            Some(Popup::Outbox { .. }) => Some("outbox"),
            None => None,
        };
        if let Some(section) = section {
            // Sequences (`ctrl-x ctrl-s`) work here too; a sequence that goes nowhere drops its
            // prefix and the key counts on its own (a binding, or text).
            let mut pending = std::mem::take(&mut self.pending);
            let mut resolution = self.keymap.resolve_only(section, &pending, key);
            if resolution == Resolution::Unbound && !pending.is_empty() {
                pending.clear();
                resolution = self.keymap.resolve_only(section, &[], key);
            }
            match resolution {
                Resolution::Command(cmd) => return self.command(cmd),
                Resolution::Pending => {
                    self.pending = pending;
                    self.pending.push(key);
                    return vec![];
                }
                Resolution::Unbound => {}
            }
            match &mut self.popup {
                Some(Popup::Editor {
                    area,
                    saving: false,
                    ..
                }) => {
                    area.input(key);
                }
                Some(Popup::Prompt { input, error, .. }) => {
                    let edited = input.key(key);
                    if edited {
                        *error = None;
                    }
                }
                Some(Popup::Palette { input, selected }) => {
                    *selected = if input.key(key) { 0 } else { *selected };
                }
                Some(Popup::Search { input, .. }) => {
                    let changed = input.key(key);
                    if changed {
                        return self.run_search();
                    }
                }
                _ => {}
            }
            return vec![];
        }
        let pending = std::mem::take(&mut self.pending);
        match self.keymap.resolve(self.pane.section(), &pending, key) {
            Resolution::Command(cmd) => self.command(cmd),
            Resolution::Pending => {
                self.pending = pending;
                self.pending.push(key);
                vec![]
            }
            Resolution::Unbound => vec![],
        }
    }

    /// Searches for what the search box holds: in line while the cache is small (well under a
    /// millisecond), otherwise on a worker so typing never waits; a newer query replaces an older.
    fn run_search(&mut self) -> Vec<Effect> {
        let Some(Popup::Search { input, .. }) = &self.popup else {
            return vec![];
        };
        let query = input.text().to_string();
        self.search_generation += 1;
        let generation = self.search_generation;
        let small = self
            .index
            .read()
            .map(|i| i.len() <= INLINE_SEARCH_LIMIT)
            .unwrap_or(true);
        if !small {
            return vec![Effect::Search { query, generation }];
        }
        let result = match (self.index.read(), self.searcher.lock()) {
            (Ok(index), Ok(mut searcher)) => {
                Some(search_local(&index, &mut searcher, &query, SEARCH_HITS))
            }
            _ => None,
        };
        if let Some((found, total)) = result {
            self.search_done(generation, found, total);
        }
        vec![]
    }

    /// Runs a named command (from a key, the palette or a test).
    pub fn command(&mut self, cmd: Command) -> Vec<Effect> {
        use Command as C;
        if self.popup.is_some() {
            return self.popup_command(cmd);
        }
        match cmd {
            C::AppQuit => {
                self.quit = true;
                vec![Effect::Quit]
            }
            C::AppHelp => {
                self.popup = Some(Popup::Help);
                self.help_scroll = 0;
                vec![]
            }
            C::AppPalette => {
                self.popup = Some(Popup::Palette {
                    input: LineInput::default(),
                    selected: 0,
                });
                vec![]
            }
            C::AppSearch => {
                self.popup = Some(Popup::Search {
                    input: LineInput::default(),
                    hits: Vec::new(),
                    selected: 0,
                });
                vec![]
            }
            C::AppRefresh => vec![Effect::Load { since: None }, Effect::LoadBoard],
            C::AppToggleLayout => {
                self.split = !self.split;
                vec![]
            }
            C::PaneNext | C::PanePrev => {
                let i = Pane::ALL.iter().position(|p| *p == self.pane).unwrap_or(0);
                let n = Pane::ALL.len();
                let next = if cmd == C::PaneNext {
                    (i + 1) % n
                } else {
                    (i + n - 1) % n
                };
                self.focus(Pane::ALL[next])
            }
            C::PaneQueue => self.focus(Pane::Queue),
            C::PaneClassify => self.focus(Pane::Classify),
            C::PaneNotes => self.focus(Pane::Notes),
            C::PaneBoard => self.focus(Pane::Board),
            C::PaneEscalations => self.focus(Pane::Escalations),
            C::PaneDashboard => self.focus(Pane::Dashboard),
            C::NavDown | C::NavUp | C::NavTop | C::NavBottom | C::NavPageDown | C::NavPageUp => {
                self.navigate(cmd)
            }
            C::NavOpen => match self.pane {
                Pane::Queue => self.focus(Pane::Classify),
                Pane::Classify => self.command(C::FieldEdit),
                Pane::Board | Pane::Escalations => {
                    if let Some(item) = self.board_item().cloned() {
                        self.open_incident(&item.incident_id);
                        return self.focus(Pane::Classify);
                    }
                    vec![]
                }
                _ => vec![],
            },
            C::NavBack => {
                self.arrivals.clear();
                self.focus(Pane::Queue)
            }
            C::QueueFilter => {
                self.popup = Some(Popup::Prompt {
                    purpose: PromptFor::Filter,
                    input: LineInput::with_text(&self.filter.text),
                    error: None,
                });
                vec![]
            }
            C::QueueClearFilter => {
                self.filter = QueueFilter::default();
                self.refresh_view();
                vec![]
            }
            C::QueueSort => {
                self.sort = self.sort.next();
                self.refresh_view();
                self.say(format!("sorted by {}", self.sort.label()), false);
                vec![]
            }
            C::QueueNewReport => {
                self.popup = Some(Popup::Prompt {
                    purpose: PromptFor::NewReport,
                    input: LineInput::default(),
                    error: None,
                });
                vec![]
            }
            C::IncidentAdvance => self.advance(),
            C::IncidentAssign => {
                let owner = self
                    .selected_incident()
                    .and_then(|i| i.owner.clone())
                    .unwrap_or_default();
                self.popup = Some(Popup::Prompt {
                    purpose: PromptFor::AssignIncident,
                    input: LineInput::with_text(&owner),
                    error: None,
                });
                vec![]
            }
            C::IncidentSeverity => {
                if let Some(f) = &mut self.form {
                    f.focus = super::form::FIELDS
                        .iter()
                        .position(|x| *x == Field::Severity)
                        .unwrap_or(0);
                }
                self.focus(Pane::Classify)
            }
            C::IncidentEditD0 => {
                if let Some(f) = &mut self.form {
                    f.focus = super::form::FIELDS
                        .iter()
                        .position(|x| *x == Field::Discovered)
                        .unwrap_or(0);
                }
                self.pane = Pane::Classify;
                self.command(C::FieldEdit)
            }
            C::IncidentDecide => self.decide(),
            C::FieldNext | C::FieldPrev => {
                if let Some(f) = &mut self.form {
                    f.move_focus(cmd == C::FieldNext);
                }
                vec![]
            }
            C::FieldCycle | C::FieldCycleBack => {
                if self.pane == Pane::Notes {
                    return self.cycle_root_cause(cmd == C::FieldCycle);
                }
                if let Some(f) = &mut self.form {
                    if f.field().is_text() {
                        return self.command(C::FieldEdit);
                    }
                    f.cycle(cmd == C::FieldCycle);
                }
                vec![]
            }
            C::FieldEdit => {
                if let Some(f) = &self.form {
                    let field = f.field();
                    if field.is_text() {
                        self.popup = Some(Popup::Prompt {
                            purpose: PromptFor::Field(field),
                            input: LineInput::with_text(&f.edit_text(field)),
                            error: None,
                        });
                    } else if let Some(f) = &mut self.form {
                        f.cycle(true);
                    }
                }
                vec![]
            }
            C::FieldSave | C::EditorSave => self.save_form(),
            C::NoteNew => self.open_editor(EditorFor::Note, ""),
            C::NoteFactors => {
                let Some(inc) = self.selected_incident() else {
                    return vec![];
                };
                let text = inc.root_cause.factors.join(", ");
                self.popup = Some(Popup::Prompt {
                    purpose: PromptFor::Factors,
                    input: LineInput::with_text(&text),
                    error: None,
                });
                vec![]
            }
            C::NoteRootCause => {
                let text = self
                    .selected_incident()
                    .map(|i| i.root_cause.summary.clone())
                    .unwrap_or_default();
                self.open_editor(EditorFor::RootCause, &text)
            }
            C::ActionAdd => {
                if self.selected_incident().is_none() && self.board_item().is_none() {
                    self.say("select an incident first", true);
                    return vec![];
                }
                self.popup = Some(Popup::Prompt {
                    purpose: PromptFor::AddAction,
                    input: LineInput::default(),
                    error: None,
                });
                vec![]
            }
            C::ActionReassign
            | C::ActionRedate
            | C::ActionComplete
            | C::ActionVerify
            | C::ActionEscalate
            | C::ActionAck => self.action_command(cmd),
            C::BoardGroup => {
                self.board_by_owner = !self.board_by_owner;
                vec![]
            }
            C::BoardMine => {
                self.board_mine = !self.board_mine;
                self.board_selected = 0;
                if self.pane != Pane::Board && self.pane != Pane::Escalations {
                    return self.focus(Pane::Board);
                }
                vec![]
            }
            C::AppOutbox => {
                self.popup = Some(Popup::Outbox { selected: 0 });
                vec![]
            }
            C::OutboxRetry => {
                self.outbox.retry();
                vec![]
            }
            C::EditorCancel | C::ConflictReload | C::ConflictReapply | C::OutboxDrop => vec![],
        }
    }

    fn focus(&mut self, pane: Pane) -> Vec<Effect> {
        self.pane = pane;
        let mut effects = Vec::new();
        match pane {
            Pane::Board | Pane::Escalations => effects.push(Effect::LoadBoard),
            Pane::Dashboard => effects.push(Effect::LoadStats),
            Pane::Classify | Pane::Notes => {
                if let Some(id) = self.selected_id()
                    && self.detail.as_ref().is_none_or(|d| d.id != id)
                {
                    effects.push(Effect::Fetch(id));
                }
            }
            Pane::Queue => {}
        }
        effects
    }

    fn open_incident(&mut self, id: &str) {
        if !self.view.iter().any(|&i| self.cache.items()[i].id == id) {
            self.filter = QueueFilter { text: "all".into() };
            self.view = queue_view(&self.cache, &self.filter, self.sort);
        }
        if let Some(pos) = self
            .view
            .iter()
            .position(|&i| self.cache.items()[i].id == id)
        {
            self.selected = pos;
        }
        self.sync_form();
    }

    fn navigate(&mut self, cmd: Command) -> Vec<Effect> {
        use Command as C;
        let page = 10;
        let (len, pos) = match self.pane {
            Pane::Board | Pane::Escalations => (
                self.board.as_ref().map_or(0, |b| b.items.len()),
                &mut self.board_selected,
            ),
            Pane::Classify => {
                if let Some(f) = &mut self.form {
                    match cmd {
                        C::NavDown => f.move_focus(true),
                        C::NavUp => f.move_focus(false),
                        _ => {}
                    }
                }
                return vec![];
            }
            Pane::Notes => {
                self.notes_scroll = match cmd {
                    C::NavDown => self.notes_scroll.saturating_add(1),
                    C::NavUp => self.notes_scroll.saturating_sub(1),
                    C::NavTop => 0,
                    C::NavPageDown => self.notes_scroll.saturating_add(10),
                    C::NavPageUp => self.notes_scroll.saturating_sub(10),
                    _ => self.notes_scroll,
                };
                return vec![];
            }
            _ => (self.view.len(), &mut self.selected),
        };
        if len == 0 {
            return vec![];
        }
        *pos = match cmd {
            C::NavDown => (*pos + 1).min(len - 1),
            C::NavUp => pos.saturating_sub(1),
            C::NavTop => 0,
            C::NavBottom => len - 1,
            C::NavPageDown => (*pos + page).min(len - 1),
            C::NavPageUp => pos.saturating_sub(page),
            _ => *pos,
        };
        if self.pane == Pane::Queue {
            self.detail = None;
            self.notes_scroll = 0;
            self.sync_form();
        }
        vec![]
    }

    fn advance(&mut self) -> Vec<Effect> {
        let Some(inc) = self.selected_incident() else {
            return vec![];
        };
        let next = match inc.status {
            Status::New => Status::Triaged,
            Status::Triaged => Status::Investigating,
            Status::Investigating => Status::Actions,
            Status::Actions => Status::Closed,
            Status::Closed => Status::Investigating,
        };
        let patch = IncidentPatch {
            status: Some(next),
            ..Default::default()
        };
        vec![Effect::Write(Write::Patch {
            id: inc.id.clone(),
            version: inc.version,
            patch,
        })]
    }

    /// Takes the determination the rules suggest for the draft, and saves.
    fn decide(&mut self) -> Vec<Effect> {
        let Some(f) = &mut self.form else {
            return vec![];
        };
        let s =
            crate::domain::assessment::suggest(f.classification.phi_involved, Some(&f.assessment));
        if s.determination == crate::domain::Determination::Undetermined {
            self.say("nothing to decide yet: record whether PHI was involved and assess the four factors", true);
            return vec![];
        }
        f.determination = s.determination;
        f.dirty = true;
        self.save_form()
    }

    fn cycle_root_cause(&mut self, forward: bool) -> Vec<Effect> {
        use crate::domain::RootCauseCategory as R;
        let Some(inc) = self.selected_incident() else {
            return vec![];
        };
        let mut rc = inc.root_cause.clone();
        let all = R::ALL;
        let pos = rc.category.and_then(|c| all.iter().position(|x| *x == c));
        rc.category = match (pos, forward) {
            (None, true) => Some(all[0]),
            (None, false) => all.last().copied(),
            (Some(p), true) => all.get(p + 1).copied(),
            (Some(0), false) => None,
            (Some(p), false) => all.get(p - 1).copied(),
        };
        let patch = IncidentPatch {
            root_cause: Some(rc),
            ..Default::default()
        };
        vec![Effect::Write(Write::Patch {
            id: inc.id.clone(),
            version: inc.version,
            patch,
        })]
    }

    fn save_form(&mut self) -> Vec<Effect> {
        if let Some(Popup::Editor { .. }) = &self.popup {
            return self.popup_command(Command::EditorSave);
        }
        let (Some(form), Some(inc)) = (&self.form, self.selected_incident()) else {
            return vec![];
        };
        let patch = form.patch(inc);
        if patch == IncidentPatch::default() {
            self.say("nothing to save", false);
            return vec![];
        }
        vec![Effect::Write(Write::Patch {
            id: form.id.clone(),
            version: form.version,
            patch,
        })]
    }

    fn open_editor(&mut self, purpose: EditorFor, text: &str) -> Vec<Effect> {
        if self.selected_incident().is_none() {
            self.say("select an incident first", true);
            return vec![];
        }
        let mut area = TextArea::from(text.lines().map(str::to_string).collect::<Vec<_>>());
        area.set_cursor_line_style(ratatui::style::Style::default());
        area.set_wrap_mode(ratatui_textarea::WrapMode::WordOrGlyph);
        // The text area's own selection colour (light blue) would ignore the theme and NO_COLOR.
        area.set_selection_style(self.theme.style("row.selected"));
        self.popup = Some(Popup::Editor {
            purpose,
            area: Box::new(area),
            saving: false,
        });
        vec![]
    }

    /// The board's rows in display order (only mine when "my work" is on).
    pub fn board_order(&self, board: &Board) -> Vec<usize> {
        super::view::board::order_for(
            board,
            self.pane == Pane::Escalations,
            self.board_by_owner,
            self.board_mine.then_some(self.user.as_str()),
        )
    }

    /// The selected board or escalation row.
    pub fn board_item(&self) -> Option<&BoardItem> {
        let board = self.board.as_ref()?;
        let order = self.board_order(board);
        order
            .get(self.board_selected)
            .and_then(|&i| board.items.get(i))
    }

    fn action_command(&mut self, cmd: Command) -> Vec<Effect> {
        use Command as C;
        let Some(item) = self.board_item().cloned() else {
            self.say("select an action on the board first", true);
            return vec![];
        };
        let Some(action_id) = item.action_id.clone() else {
            self.say(
                "that row is a notification deadline: record the notice in the incident",
                true,
            );
            return vec![];
        };
        let patch = match cmd {
            C::ActionReassign => {
                self.popup = Some(Popup::Prompt {
                    purpose: PromptFor::Reassign(action_id, item.version),
                    input: LineInput::with_text(&item.owner),
                    error: None,
                });
                return vec![];
            }
            C::ActionRedate => {
                self.popup = Some(Popup::Prompt {
                    purpose: PromptFor::Redate(action_id, item.version),
                    input: LineInput::with_text(&format!("{} | ", item.due)),
                    error: None,
                });
                return vec![];
            }
            C::ActionComplete => ActionPatch {
                status: Some(ActionStatus::Done),
                ..Default::default()
            },
            C::ActionVerify => ActionPatch {
                status: Some(ActionStatus::Verified),
                ..Default::default()
            },
            C::ActionEscalate => ActionPatch {
                escalation_level: Some(item.escalation_level + 1),
                ..Default::default()
            },
            C::ActionAck => ActionPatch {
                status: Some(ActionStatus::InProgress),
                ..Default::default()
            },
            _ => return vec![],
        };
        vec![Effect::Write(Write::PatchAction {
            id: action_id,
            version: item.version,
            patch,
        })]
    }

    fn popup_command(&mut self, cmd: Command) -> Vec<Effect> {
        use Command as C;
        let Some(popup) = self.popup.take() else {
            return vec![];
        };
        match (popup, cmd) {
            (_, C::NavBack | C::EditorCancel) => vec![],
            (
                Popup::Help,
                C::NavDown | C::NavUp | C::NavPageDown | C::NavPageUp | C::NavTop | C::NavBottom,
            ) => {
                // Stop at the last screenful the popup showed (before a first frame: the last line).
                let lines = super::view::popup::help_lines(self).len();
                let rows = usize::from(self.help_rows.get());
                let last = if rows == 0 {
                    lines.saturating_sub(1)
                } else {
                    lines.saturating_sub(rows)
                };
                let last = u16::try_from(last).unwrap_or(u16::MAX);
                let page = self.help_rows.get().saturating_sub(1).max(1);
                let s = self.help_scroll.min(last);
                self.help_scroll = match cmd {
                    C::NavDown => s.saturating_add(1),
                    C::NavUp => s.saturating_sub(1),
                    C::NavPageDown => s.saturating_add(page),
                    C::NavPageUp => s.saturating_sub(page),
                    C::NavTop => 0,
                    _ => last,
                }
                .min(last);
                self.popup = Some(Popup::Help);
                vec![]
            }
            (Popup::Palette { input, selected }, C::NavDown | C::NavUp) => {
                let n = super::view::popup::palette_matches(input.text()).len();
                let selected = if cmd == C::NavDown {
                    (selected + 1).min(n.saturating_sub(1))
                } else {
                    selected.saturating_sub(1)
                };
                self.popup = Some(Popup::Palette { input, selected });
                vec![]
            }
            (Popup::Palette { input, selected }, C::NavOpen) => {
                let matches = super::view::popup::palette_matches(input.text());
                match matches.get(selected) {
                    Some(cmd) => self.command(*cmd),
                    None => vec![],
                }
            }
            (
                Popup::Search {
                    input,
                    hits,
                    selected,
                },
                C::NavDown | C::NavUp,
            ) => {
                let selected = if cmd == C::NavDown {
                    (selected + 1).min(hits.len().saturating_sub(1))
                } else {
                    selected.saturating_sub(1)
                };
                self.popup = Some(Popup::Search {
                    input,
                    hits,
                    selected,
                });
                vec![]
            }
            (Popup::Search { hits, selected, .. }, C::NavOpen) => {
                let Some(hit) = hits.get(selected) else {
                    return vec![];
                };
                let id = hit.id.clone();
                self.open_incident(&id);
                self.detail = None;
                self.focus(Pane::Classify)
            }
            (Popup::Prompt { purpose, input, .. }, C::NavOpen | C::EditorSave | C::FieldSave) => {
                self.submit_prompt(purpose, input)
            }
            (Popup::Editor { purpose, area, .. }, C::EditorSave | C::FieldSave) => {
                let text = area.lines().join("\n");
                let Some(inc) = self.selected_incident() else {
                    return vec![];
                };
                let (id, version) = (inc.id.clone(), inc.version);
                let effect = match purpose {
                    EditorFor::Note if text.trim().is_empty() => {
                        self.popup = Some(Popup::Editor {
                            purpose,
                            area,
                            saving: false,
                        });
                        self.say("an empty note is not saved", true);
                        return vec![];
                    }
                    EditorFor::Note => Effect::Write(Write::AddNote { id, text }),
                    EditorFor::RootCause => {
                        let mut rc = inc.root_cause.clone();
                        rc.summary = text;
                        Effect::Write(Write::Patch {
                            id,
                            version,
                            patch: IncidentPatch {
                                root_cause: Some(rc),
                                ..Default::default()
                            },
                        })
                    }
                };
                // The editor stays open (with the text) until the server confirms.
                let keep_open = purpose == EditorFor::Note;
                if keep_open {
                    self.popup = Some(Popup::Editor {
                        purpose,
                        area,
                        saving: true,
                    });
                }
                vec![effect]
            }
            (Popup::Conflict { patch, current }, C::ConflictReapply) => {
                let (id, version) = (current.id.clone(), current.version);
                self.index_upsert(&current);
                let patch = match self.form.as_ref().filter(|f| f.id == id) {
                    Some(form) => Box::new(form.rebase(*patch, &current)),
                    None => patch,
                };
                self.cache.upsert((*current).clone());
                self.detail = Some(*current);
                self.resolve_stop(Some(Write::Patch {
                    id,
                    version,
                    patch: *patch,
                }))
            }
            (Popup::Conflict { current, .. }, C::ConflictReload | C::NavOpen) => {
                let mut effects = self.resolve_stop(None);
                self.form = Some(Form::from_incident(&current));
                self.detail = Some((*current).clone());
                self.index_upsert(&current);
                self.cache.upsert(*current);
                self.refresh_view();
                self.say(
                    "reloaded the current version; your change was discarded",
                    false,
                );
                effects.push(Effect::LoadBoard);
                effects
            }
            (Popup::Outbox { selected }, C::NavDown | C::NavUp | C::NavTop | C::NavBottom) => {
                let last = self.outbox.len().saturating_sub(1);
                let selected = match cmd {
                    C::NavDown => (selected + 1).min(last),
                    C::NavUp => selected.saturating_sub(1),
                    C::NavTop => 0,
                    _ => last,
                };
                self.popup = Some(Popup::Outbox { selected });
                vec![]
            }
            (Popup::Outbox { selected }, C::OutboxRetry) => {
                self.outbox.retry();
                self.popup = Some(Popup::Outbox { selected });
                self.say("sending the outbox now", false);
                vec![]
            }
            (Popup::Outbox { selected }, C::ConflictReapply) => {
                // An incident change gets the conflict dialog, which merges with the form.
                let dialog = self.outbox.stopped().and_then(|stop| {
                    let Write::Patch { patch, .. } = &self.outbox.get(stop.entry)?.write else {
                        return None;
                    };
                    let current: Incident = serde_json::from_value(stop.current.clone()?).ok()?;
                    Some(Popup::Conflict {
                        patch: Box::new(patch.clone()),
                        current: Box::new(current),
                    })
                });
                if dialog.is_some() {
                    self.popup = dialog;
                    return vec![];
                }
                let rebased = self.outbox.stopped().and_then(|stop| {
                    let version = stop.current.as_ref()?.get("version")?.as_i64()?;
                    Some(
                        self.outbox
                            .get(stop.entry)?
                            .write
                            .clone()
                            .at_version(version),
                    )
                });
                match rebased {
                    Some(write) => {
                        self.say("re-applying your change on the current version", false);
                        self.resolve_stop(Some(write))
                    }
                    None => {
                        self.popup = Some(Popup::Outbox { selected });
                        self.say(
                            "nothing to re-apply: no change is stopped at a conflict",
                            true,
                        );
                        vec![]
                    }
                }
            }
            (Popup::Outbox { selected }, C::OutboxDrop) => {
                let Some(id) = self.outbox.entries().nth(selected).map(|e| e.id) else {
                    self.popup = Some(Popup::Outbox { selected });
                    return vec![];
                };
                if self.outbox.in_flight() == Some(id) {
                    self.popup = Some(Popup::Outbox { selected });
                    self.say("that change is being sent; wait for the answer", true);
                    return vec![];
                }
                let dropped = self.outbox.remove(id);
                let left = self.outbox.len();
                if left > 0 {
                    self.popup = Some(Popup::Outbox {
                        selected: selected.min(left - 1),
                    });
                }
                if let Some(e) = dropped {
                    self.say(format!("dropped: {}", e.write.describe()), false);
                }
                vec![Effect::Outbox(Op::Done { id }), Effect::LoadBoard]
            }
            (Popup::Help, C::AppHelp | C::AppQuit) => vec![],
            (popup, _) => {
                self.popup = Some(popup);
                vec![]
            }
        }
    }

    /// Ends a stop of the outbox: re-apply (`Some`, the entry's new write) or drop (`None`).
    fn resolve_stop(&mut self, write: Option<Write>) -> Vec<Effect> {
        let Some(id) = self.outbox.stopped().map(|s| s.entry) else {
            // Not from the outbox (nothing stopped): a fresh write.
            return write.map(Effect::Write).into_iter().collect();
        };
        match write {
            Some(write) => self
                .outbox
                .replace(id, write)
                .map(|entry| Effect::Outbox(Op::Replace { entry }))
                .into_iter()
                .collect(),
            None => {
                self.outbox.remove(id);
                vec![Effect::Outbox(Op::Done { id })]
            }
        }
    }

    fn submit_prompt(&mut self, purpose: PromptFor, input: LineInput) -> Vec<Effect> {
        let effects = self.prompt_effects(purpose.clone(), input.clone());
        // Keep a prompt that writes open until the server answers, so nothing typed is lost.
        if !effects.is_empty() && self.popup.is_none() {
            self.popup = Some(Popup::Prompt {
                purpose,
                input,
                error: Some(SAVING.into()),
            });
        }
        effects
    }

    fn prompt_effects(&mut self, purpose: PromptFor, input: LineInput) -> Vec<Effect> {
        let text = input.text().trim().to_string();
        let refuse = |app: &mut App, purpose: PromptFor, input: LineInput, why: String| {
            app.popup = Some(Popup::Prompt {
                purpose,
                input,
                error: Some(why),
            });
            vec![]
        };
        match purpose.clone() {
            PromptFor::Filter => {
                self.filter = QueueFilter { text };
                self.selected = 0;
                self.refresh_view();
                vec![]
            }
            PromptFor::Field(field) => {
                let Some(form) = &mut self.form else {
                    return vec![];
                };
                match form.set_text(field, &text) {
                    Ok(()) => vec![],
                    Err(why) => refuse(self, purpose, input, why),
                }
            }
            PromptFor::NewReport => {
                let parts: Vec<&str> = text.splitn(2, '|').map(str::trim).collect();
                match parts.as_slice() {
                    [title, site] if !title.is_empty() && !site.is_empty() => {
                        let report = NewReport {
                            title: title.to_string(),
                            site: site.to_string(),
                            source: Some(crate::domain::Source::Console),
                            ..Default::default()
                        };
                        vec![Effect::Write(Write::Report { report })]
                    }
                    _ => refuse(self, purpose, input, "write: title | site".into()),
                }
            }
            PromptFor::AddAction => {
                let parts: Vec<&str> = text.split('|').map(str::trim).collect();
                let id = self
                    .board_item()
                    .filter(|_| matches!(self.pane, Pane::Board | Pane::Escalations))
                    .map(|b| b.incident_id.clone())
                    .or_else(|| self.selected_id());
                match (parts.as_slice(), id) {
                    ([title, owner, due], Some(id)) if !title.is_empty() && !owner.is_empty() => {
                        match due.parse::<NaiveDate>() {
                            Ok(due) => vec![Effect::Write(Write::AddAction {
                                id,
                                action: NewAction {
                                    title: title.to_string(),
                                    owner: owner.to_string(),
                                    due,
                                },
                            })],
                            Err(_) => refuse(
                                self,
                                purpose,
                                input,
                                format!("'{due}' is not a date YYYY-MM-DD"),
                            ),
                        }
                    }
                    _ => refuse(
                        self,
                        purpose,
                        input,
                        "write: title | owner | YYYY-MM-DD".into(),
                    ),
                }
            }
            PromptFor::Reassign(id, version) => {
                if text.is_empty() {
                    return refuse(self, purpose, input, "name the new owner".into());
                }
                vec![Effect::Write(Write::PatchAction {
                    id,
                    version,
                    patch: ActionPatch {
                        owner: Some(text),
                        ..Default::default()
                    },
                })]
            }
            PromptFor::Redate(id, version) => {
                let (date, reason) = text
                    .split_once('|')
                    .map(|(d, r)| (d.trim(), r.trim()))
                    .unwrap_or((text.as_str(), ""));
                match date.parse::<NaiveDate>() {
                    Ok(_) if reason.is_empty() => refuse(
                        self,
                        purpose,
                        input,
                        "a re-date needs a reason: YYYY-MM-DD | reason".into(),
                    ),
                    Ok(due) => vec![Effect::Write(Write::PatchAction {
                        id,
                        version,
                        patch: ActionPatch {
                            due: Some(due),
                            reason: Some(reason.to_string()),
                            ..Default::default()
                        },
                    })],
                    Err(_) => refuse(
                        self,
                        purpose,
                        input,
                        format!("'{date}' is not a date YYYY-MM-DD"),
                    ),
                }
            }
            PromptFor::Factors => {
                let Some(inc) = self.selected_incident() else {
                    return vec![];
                };
                let mut rc = inc.root_cause.clone();
                rc.factors = text
                    .split(',')
                    .map(str::trim)
                    .filter(|f| !f.is_empty())
                    .map(str::to_string)
                    .collect();
                vec![Effect::Write(Write::Patch {
                    id: inc.id.clone(),
                    version: inc.version,
                    patch: IncidentPatch {
                        root_cause: Some(rc),
                        ..Default::default()
                    },
                })]
            }
            PromptFor::AssignIncident => {
                let Some(inc) = self.selected_incident() else {
                    return vec![];
                };
                vec![Effect::Write(Write::Patch {
                    id: inc.id.clone(),
                    version: inc.version,
                    patch: IncidentPatch {
                        owner: Some(text),
                        ..Default::default()
                    },
                })]
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crossterm::event::{KeyCode, KeyModifiers};

    fn app_with(n: usize) -> App {
        let today = NaiveDate::from_ymd_opt(2026, 12, 4).unwrap_or_default();
        let (keymap, _) = super::super::keymap::load_keymap("default", None);
        let (theme, _) = super::super::theme::load_theme("mono", None, false);
        let mut app = App::new(
            "kim".into(),
            Role::Lead,
            "test".into(),
            keymap,
            theme,
            today,
        );
        app.update(Msg::Loaded(
            Ok(crate::corpus::synthetic(n, 3, today)),
            false,
        ));
        app
    }

    fn type_keys(app: &mut App, text: &str) -> Vec<Effect> {
        text.chars()
            .flat_map(|c| {
                app.update(Msg::Key(KeyEvent::new(
                    KeyCode::Char(c),
                    KeyModifiers::NONE,
                )))
            })
            .collect()
    }

    #[test]
    fn small_caches_search_in_line() {
        let mut app = app_with(500);
        app.command(Command::AppSearch);
        assert!(type_keys(&mut app, "fax").is_empty());
        assert!(matches!(&app.popup, Some(Popup::Search { hits, .. }) if !hits.is_empty()));
    }

    #[test]
    fn large_caches_search_on_a_worker_and_drop_stale_answers() {
        let mut app = app_with(INLINE_SEARCH_LIMIT + 1);
        app.command(Command::AppSearch);
        let effects = type_keys(&mut app, "fa");
        let generations: Vec<u64> = effects
            .iter()
            .filter_map(|e| {
                if let Effect::Search { generation, .. } = e {
                    Some(*generation)
                } else {
                    None
                }
            })
            .collect();
        assert_eq!(
            generations,
            vec![1, 2],
            "one search per keystroke, none run in line"
        );
        let stale = LocalHit {
            id: "old".into(),
            score: 1,
            positions: vec![],
        };
        app.update(Msg::SearchDone {
            generation: 1,
            hits: vec![stale],
            total: 1,
        });
        assert!(
            matches!(&app.popup, Some(Popup::Search { hits, .. }) if hits.is_empty()),
            "an older answer is dropped"
        );
        let fresh = LocalHit {
            id: "new".into(),
            score: 9,
            positions: vec![],
        };
        app.update(Msg::SearchDone {
            generation: 2,
            hits: vec![fresh],
            total: 7,
        });
        assert!(matches!(&app.popup, Some(Popup::Search { hits, .. }) if hits[0].id == "new"));
        assert_eq!(app.search_total, 7);
    }

    #[test]
    fn my_work_shows_only_mine_nearest_due_first() {
        use crate::domain::wire::{Board, BoardItem, DueBucket};
        let mut app = app_with(10);
        let today = app.today;
        let item = |owner: &str, days: u64, id: &str| BoardItem {
            kind: "action".into(),
            incident_id: "INC-1".into(),
            action_id: Some(id.into()),
            title: id.into(),
            owner: owner.into(),
            due: today + chrono::Days::new(days),
            bucket: DueBucket::Later,
            escalation_level: 0,
            status: "open".into(),
            version: 1,
            citation: None,
        };
        let board = Board {
            today,
            items: vec![
                item("lee", 1, "A"),
                item("kim", 9, "B"),
                item("kim", 2, "C"),
            ],
            by_owner: Default::default(),
            by_bucket: Default::default(),
        };
        app.update(Msg::BoardLoaded(Ok(Box::new(board))));
        app.command(Command::PaneBoard);
        app.command(Command::BoardMine);
        let board = app.board.clone().unwrap_or_else(|| unreachable!());
        let ids: Vec<String> = app
            .board_order(&board)
            .iter()
            .map(|&i| board.items[i].title.clone())
            .collect();
        assert_eq!(ids, ["C", "B"], "kim's, nearest due first");
        assert_eq!(app.board_item().map(|i| i.title.as_str()), Some("C"));
    }
}
