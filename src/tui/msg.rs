//! What flows through the console's loop: messages in (keys, API results, live events) and
//! effects out (API calls to make). `update` turns one into the other without any I/O.

use super::outbox::{Entry, Op, Write};
use crate::client::ClientError;
use crate::domain::action::Action;
use crate::domain::wire::{Board, ServerEvent, Stats};
use crate::domain::{Incident, Note};
use crossterm::event::KeyEvent;

/// The state of the link to the server.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Link {
    /// Connecting for the first time.
    Connecting,
    /// Live events flowing.
    Live,
    /// Lost; retrying after the given number of seconds.
    Reconnecting(u64),
}

/// Something that happened.
#[derive(Debug)]
pub enum Msg {
    /// A key press.
    Key(KeyEvent),
    /// Pasted text.
    Paste(String),
    /// The terminal was resized.
    Resize,
    /// A second passed (ages, banners).
    Tick,
    /// A page of incidents arrived (initial load or catch-up).
    Loaded(Result<Vec<Incident>, ClientError>, bool),
    /// A page of a load that has more pages to come.
    LoadedPage(Vec<Incident>, bool),
    /// One incident arrived (after an event or on open).
    Fetched(Result<Box<Incident>, ClientError>),
    /// A queued write was sent and answered.
    Sent {
        /// The outbox entry.
        entry: u64,
        /// What the server said.
        result: Result<Written, ClientError>,
    },
    /// Recording an outbox operation failed (the change is held in memory only).
    OutboxFailed(String),
    /// The board arrived.
    BoardLoaded(Result<Box<Board>, ClientError>),
    /// Statistics arrived.
    StatsLoaded(Result<Box<Stats>, ClientError>),
    /// A live event.
    Event(ServerEvent),
    /// The link changed.
    Link(Link),
    /// Results of a search run on a worker.
    SearchDone {
        /// Which search they answer.
        generation: u64,
        /// The best hits.
        hits: Vec<super::search::LocalHit>,
        /// Matches in all.
        total: usize,
    },
}

impl Effect {
    /// Whether the effect answers with a message (outbox records and quitting do not).
    pub fn answers(&self) -> bool {
        !matches!(self, Effect::Outbox(_) | Effect::Quit | Effect::Write(_))
    }
}

/// A successful write's result.
#[derive(Debug, Clone)]
pub enum Written {
    /// The incident as saved.
    Incident(Box<Incident>),
    /// The note.
    Note(Note),
    /// The action.
    Action(Box<Action>),
}

/// An API call to make.
// Effects live for one loop iteration; boxing the patch would only add allocations.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Clone, PartialEq)]
pub enum Effect {
    /// Load every incident, or those changed since a time.
    Load {
        /// RFC 3339 time of the last sync.
        since: Option<String>,
    },
    /// Fetch one incident fully.
    Fetch(String),
    /// A change the analyst made: `App::update` queues it in the outbox before it is sent.
    Write(Write),
    /// Record an outbox operation durably (runs before any effect after it).
    Outbox(Op),
    /// Send a queued write; the answer comes back as [`Msg::Sent`].
    Send(Entry),
    /// Load the board.
    LoadBoard,
    /// Load statistics.
    LoadStats,
    /// Search the local index on a worker (the console loop runs it: it owns the index).
    Search {
        /// The query.
        query: String,
        /// Its generation, so older answers can be dropped.
        generation: u64,
    },
    /// Leave the console.
    Quit,
}
