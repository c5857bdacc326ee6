//! The console's outbox: every change the analyst makes is written here first (one JSON line,
//! fsynced) and sent from here in order, so a dropped link or a killed console loses nothing.
//!
//! Two halves: [`Queue`] is the pure bookkeeping `App` keeps (what is pending, what is in
//! flight, what stopped and why, how versions chain when several queued changes touch one
//! record); [`OutboxFile`] is the durable log the effect runner appends to. The file is an
//! append-only list of operations (`add`, `replace`, `done`) so every step is one small fsynced
//! write; it is compacted when the queue empties and on open.

use crate::domain::action::{ActionPatch, NewAction};
use crate::domain::{IncidentPatch, NewReport};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use std::collections::{HashMap, VecDeque};
use std::fs::{File, OpenOptions};
use std::io::{BufRead, BufReader, Write as _};
use std::path::{Path, PathBuf};

/// One change to send to the API.
// Writes are few (one per analyst action) and short-lived: boxing the patch buys nothing.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Write {
    /// Patch an incident at the version the analyst saw.
    Patch {
        /// Incident id.
        id: String,
        /// Version the patch is based on.
        version: i64,
        /// What to change.
        patch: IncidentPatch,
    },
    /// Add a note.
    AddNote {
        /// Incident id.
        id: String,
        /// Text.
        text: String,
    },
    /// Add a corrective action.
    AddAction {
        /// Incident id.
        id: String,
        /// The action.
        action: NewAction,
    },
    /// Change an action at the version the analyst saw.
    PatchAction {
        /// Action id.
        id: String,
        /// Its version.
        version: i64,
        /// What to change.
        patch: ActionPatch,
    },
    /// File a new report.
    Report {
        /// The report.
        report: NewReport,
    },
}

impl Write {
    /// A short, terminal-safe description for the status line and the outbox popup.
    pub fn describe(&self) -> String {
        let text = match self {
            Write::Patch { id, .. } => format!("change to {id}"),
            Write::AddNote { id, text } => format!("note on {id}: {}", first_words(text)),
            Write::AddAction { id, action } => {
                format!("new action on {id}: {}", first_words(&action.title))
            }
            Write::PatchAction { id, patch, .. } => match patch.status {
                Some(status) => format!("{id} → {status}"),
                None => format!("change to {id}"),
            },
            Write::Report { report } => format!("new report: {}", first_words(&report.title)),
        };
        crate::domain::text::sanitize(&text, false)
    }

    /// The versioned record this write changes and the version it expects.
    pub fn versioned(&self) -> Option<(&str, i64)> {
        match self {
            Write::Patch { id, version, .. } | Write::PatchAction { id, version, .. } => {
                Some((id, *version))
            }
            _ => None,
        }
    }

    /// The same write expecting another version of its record.
    pub fn at_version(mut self, new: i64) -> Self {
        if let Write::Patch { version, .. } | Write::PatchAction { version, .. } = &mut self {
            *version = new;
        }
        self
    }

    /// The incident this write concerns, if it names one.
    pub fn incident_id(&self) -> Option<&str> {
        match self {
            Write::Patch { id, .. } | Write::AddNote { id, .. } | Write::AddAction { id, .. } => {
                Some(id)
            }
            _ => None,
        }
    }
}

/// The first few words of free text, for descriptions.
fn first_words(text: &str) -> String {
    let line = text.lines().next().unwrap_or("");
    let mut out: String = line.chars().take(40).collect();
    if line.chars().count() > 40 || text.lines().nth(1).is_some() {
        out.push('…');
    }
    out
}

/// A queued write with its place in the queue.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Entry {
    /// Position, increasing; never reused within one file.
    pub id: u64,
    /// When the analyst made the change.
    pub queued_at: DateTime<Utc>,
    /// The `Idempotency-Key` every attempt at a create carries: if an earlier attempt reached
    /// the server and only its answer was lost, the server answers with what it made.
    pub key: String,
    /// The change.
    pub write: Write,
}

/// Why the queue stopped at its head.
#[derive(Debug, Clone, PartialEq)]
pub struct Stop {
    /// The entry that stopped.
    pub entry: u64,
    /// What the server said, terminal-safe.
    pub reason: String,
    /// The record as it is now on the server (from a 409), to re-apply on.
    pub current: Option<serde_json::Value>,
}

/// What the durable file must record; the runner applies these in order before any send.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "op", rename_all = "snake_case")]
pub enum Op {
    /// A new entry.
    Add {
        /// The entry.
        entry: Entry,
    },
    /// An entry's write was changed (re-applied on a newer version).
    Replace {
        /// The entry with its new write.
        entry: Entry,
    },
    /// The server accepted an entry (or the analyst dropped it).
    Done {
        /// Entry id.
        id: u64,
    },
    /// The server refused an entry for good; it is kept in the refused log for the analyst.
    Refused {
        /// The entry.
        entry: Entry,
        /// What the server said.
        reason: String,
    },
}

/// The console's pending writes, in order, and the state of sending them.
#[derive(Debug, Default, Clone)]
pub struct Queue {
    entries: VecDeque<Entry>,
    next_id: u64,
    in_flight: Option<u64>,
    stopped: Option<Stop>,
    /// The last send failed on the link; waiting to retry.
    pub waiting: bool,
    /// Versions moved by writes this console sent: record id → (version before, version after),
    /// so a later queued change based on the old version follows its own earlier change.
    moved: HashMap<String, (i64, i64)>,
}

impl Queue {
    /// A queue holding what a previous run left in the file.
    pub fn restore(entries: Vec<Entry>) -> Queue {
        let next_id = entries.iter().map(|e| e.id + 1).max().unwrap_or(1);
        Queue {
            entries: entries.into(),
            next_id,
            ..Default::default()
        }
    }

    /// Pending entries, oldest first.
    pub fn entries(&self) -> impl ExactSizeIterator<Item = &Entry> {
        self.entries.iter()
    }

    /// Number of pending entries.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Whether nothing is pending.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// Why the queue stopped, if it did.
    pub fn stopped(&self) -> Option<&Stop> {
        self.stopped.as_ref()
    }

    /// The entry being sent.
    pub fn in_flight(&self) -> Option<u64> {
        self.in_flight
    }

    /// One entry by id.
    pub fn get(&self, id: u64) -> Option<&Entry> {
        self.entries.iter().find(|e| e.id == id)
    }

    /// Whether a pending entry concerns this incident (for the queue's pending mark).
    pub fn touches(&self, incident: &str) -> bool {
        self.entries
            .iter()
            .any(|e| e.write.incident_id() == Some(incident))
    }

    /// Queues a write; returns the entry to record.
    pub fn push(&mut self, write: Write, now: DateTime<Utc>) -> Entry {
        let entry = Entry {
            id: self.next_id.max(1),
            queued_at: now,
            key: crate::client::new_idempotency_key(),
            write,
        };
        self.next_id = entry.id + 1;
        self.entries.push_back(entry.clone());
        entry
    }

    /// The head to send now, if nothing is in flight and the queue is not stopped. Its version
    /// follows earlier changes this console made to the same record.
    pub fn next_to_send(&mut self) -> Option<Entry> {
        if self.in_flight.is_some() || self.stopped.is_some() {
            return None;
        }
        let head = self.entries.front_mut()?;
        if let Some((record, version)) = head.write.versioned()
            && let Some(&(from, to)) = self.moved.get(record)
            && from == version
        {
            head.write = head.write.clone().at_version(to);
        }
        self.in_flight = Some(head.id);
        Some(head.clone())
    }

    /// The server accepted an entry; `versions` is (record, version sent, version now).
    pub fn accepted(&mut self, id: u64, versions: Option<(String, i64, i64)>) {
        self.entries.retain(|e| e.id != id);
        if self.in_flight == Some(id) {
            self.in_flight = None;
        }
        self.waiting = false;
        if let Some((record, from, to)) = versions {
            self.moved.insert(record, (from, to));
        }
    }

    /// The link failed while sending; the entry stays at the head.
    pub fn link_failed(&mut self, id: u64) {
        if self.in_flight == Some(id) {
            self.in_flight = None;
        }
        self.waiting = true;
    }

    /// Tries again now: ends the wait for the link, and a stop that needs no decision (the
    /// token was refused). A conflict stays until the analyst re-applies or drops.
    pub fn retry(&mut self) {
        self.waiting = false;
        if self.stopped.as_ref().is_some_and(|s| s.current.is_none()) {
            self.stopped = None;
        }
    }

    /// The server needs the analyst's decision before this entry can go.
    pub fn stop(&mut self, stop: Stop) {
        if self.in_flight == Some(stop.entry) {
            self.in_flight = None;
        }
        self.stopped = Some(stop);
    }

    /// Removes an entry (refused by the server or dropped by the analyst); a stop on it ends.
    pub fn remove(&mut self, id: u64) -> Option<Entry> {
        let pos = self.entries.iter().position(|e| e.id == id)?;
        if self.stopped.as_ref().is_some_and(|s| s.entry == id) {
            self.stopped = None;
        }
        if self.in_flight == Some(id) {
            self.in_flight = None;
        }
        self.entries.remove(pos)
    }

    /// Replaces an entry's write (re-applied on a newer version); a stop on it ends.
    pub fn replace(&mut self, id: u64, write: Write) -> Option<Entry> {
        let entry = self.entries.iter_mut().find(|e| e.id == id)?;
        entry.write = write;
        if self.stopped.as_ref().is_some_and(|s| s.entry == id) {
            self.stopped = None;
        }
        Some(entry.clone())
    }
}

/// Why the outbox file could not be used.
#[derive(Debug, thiserror::Error)]
pub enum OutboxError {
    /// Reading, writing or syncing failed.
    #[error("outbox {path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The cause.
        source: std::io::Error,
    },
}

/// The durable outbox: an append-only, fsynced log of [`Op`]s in one file, locked while a
/// console uses it.
#[derive(Debug)]
pub struct OutboxFile {
    path: PathBuf,
    file: File,
    /// Held for the console's lifetime: no other console sends from this log.
    _lock: File,
    pending: usize,
}

/// How many files one user may have for one server (one per console open at once).
const SLOTS: usize = 8;

impl OutboxFile {
    /// Opens the outbox for `key` (server and user) in `dir`: the first file no other console
    /// holds. Entries left in files no console holds (a console that was killed) are taken over,
    /// so the next start sends them. Returns the file, the entries to send, and warnings about
    /// lines that could not be read (kept aside, never deleted).
    pub fn open(
        dir: &Path,
        key: &str,
    ) -> Result<(OutboxFile, Vec<Entry>, Vec<String>), OutboxError> {
        let io = |path: &Path| {
            let path = path.to_path_buf();
            move |source| OutboxError::Io { path, source }
        };
        std::fs::create_dir_all(dir).map_err(io(dir))?;
        let slot_path = |n: usize| match n {
            0 => dir.join(format!("{key}.jsonl")),
            n => dir.join(format!("{key}.{n}.jsonl")),
        };
        // Each slot has a lock file beside its log, so the log itself can be replaced by rename.
        let mut mine: Option<(PathBuf, File)> = None;
        let mut orphans = Vec::new();
        for n in 0..SLOTS {
            let path = slot_path(n);
            let lock_path = path.with_extension("lock");
            let Ok(lock) = OpenOptions::new()
                .create(true)
                .truncate(false)
                .write(true)
                .open(&lock_path)
            else {
                continue;
            };
            if lock.try_lock().is_err() {
                continue;
            }
            if mine.is_none() {
                mine = Some((path, lock));
            } else if path.exists() {
                orphans.push((path, lock));
            }
        }
        let Some((path, lock)) = mine else {
            return Err(OutboxError::Io {
                path: slot_path(0),
                source: std::io::Error::other("every outbox slot is held by another console"),
            });
        };
        let file = OpenOptions::new()
            .create(true)
            .append(true)
            .open(&path)
            .map_err(io(&path))?;
        let mut warnings = Vec::new();
        let mut entries = read_log(&path, &mut warnings).map_err(io(&path))?;
        let mut next = entries.iter().map(|e| e.id + 1).max().unwrap_or(1);
        let mut adopted = Vec::new();
        for (orphan, _lock) in &orphans {
            for mut e in read_log(orphan, &mut warnings).map_err(io(orphan))? {
                e.id = next;
                next += 1;
                adopted.push(e);
            }
        }
        entries.extend(adopted);
        let mut outbox = OutboxFile {
            path,
            file,
            _lock: lock,
            pending: entries.len(),
        };
        outbox.rewrite(&entries)?;
        for (orphan, lock) in orphans {
            let _ = std::fs::remove_file(&orphan);
            drop(lock);
        }
        Ok((outbox, entries, warnings))
    }

    /// The file's path.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Records one operation durably (written and fsynced before this returns).
    pub fn apply(&mut self, op: &Op) -> Result<(), OutboxError> {
        let io = |source| OutboxError::Io {
            path: self.path.clone(),
            source,
        };
        if let Op::Refused { entry, reason } = op {
            self.keep_refused(entry, reason).map_err(io)?;
        }
        let mut line = serde_json::to_vec(op).map_err(|e| io(std::io::Error::other(e)))?;
        line.push(b'\n');
        self.file.write_all(&line).map_err(io)?;
        self.file.sync_data().map_err(io)?;
        match op {
            Op::Add { .. } => self.pending += 1,
            Op::Done { .. } | Op::Refused { .. } => self.pending = self.pending.saturating_sub(1),
            Op::Replace { .. } => {}
        }
        if self.pending == 0 {
            // Nothing left to send: start the log afresh so it never grows without bound.
            self.file.set_len(0).map_err(io)?;
            self.file.sync_all().map_err(io)?;
        }
        Ok(())
    }

    /// Appends a refused entry to the refused log beside the outbox, so its text is never lost.
    fn keep_refused(&self, entry: &Entry, reason: &str) -> std::io::Result<()> {
        let path = self.path.with_extension("refused.jsonl");
        let mut f = OpenOptions::new().create(true).append(true).open(path)?;
        let mut line = serde_json::to_vec(&serde_json::json!({
            "entry": entry,
            "reason": reason,
            "refused_at": Utc::now(),
        }))?;
        line.push(b'\n');
        f.write_all(&line)?;
        f.sync_data()
    }

    /// Replaces the log with `entries` as `add` lines: written to a temporary file, synced,
    /// renamed over the log, and the directory synced.
    fn rewrite(&mut self, entries: &[Entry]) -> Result<(), OutboxError> {
        let io = |path: &Path| {
            let path = path.to_path_buf();
            move |source| OutboxError::Io { path, source }
        };
        let tmp = self.path.with_extension("jsonl.tmp");
        {
            let mut f = File::create(&tmp).map_err(io(&tmp))?;
            for entry in entries {
                let mut line = serde_json::to_vec(&Op::Add {
                    entry: entry.clone(),
                })
                .map_err(|e| io(&tmp)(std::io::Error::other(e)))?;
                line.push(b'\n');
                f.write_all(&line).map_err(io(&tmp))?;
            }
            f.sync_all().map_err(io(&tmp))?;
        }
        std::fs::rename(&tmp, &self.path).map_err(io(&self.path))?;
        if let Some(dir) = self.path.parent()
            && let Ok(d) = File::open(dir)
        {
            let _ = d.sync_all();
        }
        self.file = OpenOptions::new()
            .append(true)
            .open(&self.path)
            .map_err(io(&self.path))?;
        self.pending = entries.len();
        Ok(())
    }
}

/// Reads a log into the entries still pending. A torn last line (the console died while
/// writing it, so it was never acknowledged) is skipped; any other unreadable line is copied to
/// a `.corrupt` file beside the log and reported.
fn read_log(path: &Path, warnings: &mut Vec<String>) -> std::io::Result<Vec<Entry>> {
    let file = match File::open(path) {
        Ok(f) => f,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(vec![]),
        Err(e) => return Err(e),
    };
    let lines: Vec<Vec<u8>> = BufReader::new(file)
        .split(b'\n')
        .collect::<Result<_, _>>()?;
    let mut entries: Vec<Entry> = Vec::new();
    let last = lines.len().saturating_sub(1);
    let mut bad = Vec::new();
    for (n, line) in lines.iter().enumerate() {
        if line.iter().all(u8::is_ascii_whitespace) {
            continue;
        }
        match serde_json::from_slice::<Op>(line) {
            Ok(Op::Add { entry }) => entries.push(entry),
            Ok(Op::Replace { entry }) => {
                if let Some(e) = entries.iter_mut().find(|e| e.id == entry.id) {
                    *e = entry;
                }
            }
            Ok(Op::Done { id }) => entries.retain(|e| e.id != id),
            Ok(Op::Refused { entry, .. }) => entries.retain(|e| e.id != entry.id),
            Err(_) if n == last => {}
            Err(e) => {
                warnings.push(format!("{}: line {}: {e}", path.display(), n + 1));
                bad.extend_from_slice(line);
                bad.push(b'\n');
            }
        }
    }
    if !bad.is_empty() {
        let mut f = OpenOptions::new()
            .create(true)
            .append(true)
            .open(path.with_extension("corrupt"))?;
        f.write_all(&bad)?;
        f.sync_data()?;
    }
    Ok(entries)
}

/// How many changes wait in every outbox log of `dir` (any server, any user): to tell an
/// analyst whose console cannot reach its server that nothing was lost.
pub fn pending_in(dir: &Path) -> usize {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return 0;
    };
    entries
        .flatten()
        .map(|e| e.path())
        .filter(|p| {
            p.extension().is_some_and(|x| x == "jsonl")
                && !p.to_string_lossy().ends_with(".refused.jsonl")
        })
        .map(|p| read_log(&p, &mut Vec::new()).map_or(0, |e| e.len()))
        .sum()
}

/// The outbox key for a server and user: stable across runs, safe as a file name.
pub fn key_for(server: &str, user: &str) -> String {
    use sha2::{Digest, Sha256};
    let digest = Sha256::digest(format!("{server}\n{user}").as_bytes());
    format!("outbox-{}", &hex::encode(digest)[..16])
}

#[cfg(test)]
mod tests {
    use super::*;

    fn note(id: &str, text: &str) -> Write {
        Write::AddNote {
            id: id.into(),
            text: text.into(),
        }
    }

    fn patch(id: &str, version: i64) -> Write {
        Write::Patch {
            id: id.into(),
            version,
            patch: IncidentPatch::default(),
        }
    }

    #[test]
    fn sends_in_order_one_at_a_time() {
        let mut q = Queue::default();
        let a = q.push(note("TC-1", "a"), Utc::now());
        let b = q.push(note("TC-1", "b"), Utc::now());
        assert_eq!(q.next_to_send().map(|e| e.id), Some(a.id));
        assert_eq!(q.next_to_send(), None, "one in flight at a time");
        q.accepted(a.id, None);
        assert_eq!(q.next_to_send().map(|e| e.id), Some(b.id));
    }

    #[test]
    fn a_link_failure_keeps_the_head_and_retries_it() {
        let mut q = Queue::default();
        let a = q.push(note("TC-1", "a"), Utc::now());
        q.push(note("TC-1", "b"), Utc::now());
        q.next_to_send();
        q.link_failed(a.id);
        assert!(q.waiting);
        assert_eq!(q.next_to_send().map(|e| e.id), Some(a.id));
        assert_eq!(q.len(), 2);
    }

    #[test]
    fn a_stop_holds_everything_behind_it_until_resolved() {
        let mut q = Queue::default();
        let a = q.push(patch("TC-1", 3), Utc::now());
        let b = q.push(note("TC-2", "b"), Utc::now());
        q.next_to_send();
        q.stop(Stop {
            entry: a.id,
            reason: "conflict".into(),
            current: None,
        });
        assert_eq!(q.next_to_send(), None);
        q.replace(a.id, patch("TC-1", 4));
        let sent = q.next_to_send().unwrap();
        assert_eq!(sent.write.versioned(), Some(("TC-1", 4)));
        q.accepted(a.id, Some(("TC-1".into(), 4, 5)));
        assert_eq!(q.next_to_send().map(|e| e.id), Some(b.id));
    }

    #[test]
    fn later_changes_follow_the_version_an_earlier_queued_change_made() {
        let mut q = Queue::default();
        let a = q.push(patch("TC-1", 3), Utc::now());
        q.push(patch("TC-1", 3), Utc::now());
        q.push(patch("TC-2", 3), Utc::now());
        q.next_to_send();
        q.accepted(a.id, Some(("TC-1".into(), 3, 4)));
        let second = q.next_to_send().unwrap();
        assert_eq!(second.write.versioned(), Some(("TC-1", 4)));
        q.accepted(second.id, Some(("TC-1".into(), 4, 5)));
        let third = q.next_to_send().unwrap();
        assert_eq!(
            third.write.versioned(),
            Some(("TC-2", 3)),
            "other records untouched"
        );
    }

    #[test]
    fn the_file_survives_reopening_and_drops_what_was_done() {
        let dir = tempfile::tempdir().unwrap();
        let (mut f, entries, _) = OutboxFile::open(dir.path(), "k").unwrap();
        assert!(entries.is_empty());
        let mut q = Queue::restore(entries);
        let a = q.push(note("TC-1", "first"), Utc::now());
        let b = q.push(note("TC-1", "second"), Utc::now());
        let c = q.push(patch("TC-1", 2), Utc::now());
        for e in [&a, &b, &c] {
            f.apply(&Op::Add { entry: e.clone() }).unwrap();
        }
        f.apply(&Op::Done { id: a.id }).unwrap();
        let c2 = q.replace(c.id, patch("TC-1", 7)).unwrap();
        f.apply(&Op::Replace { entry: c2.clone() }).unwrap();
        drop(f);
        let (_f, entries, warnings) = OutboxFile::open(dir.path(), "k").unwrap();
        assert!(warnings.is_empty(), "{warnings:?}");
        assert_eq!(entries, vec![b, c2]);
    }

    #[test]
    fn a_torn_last_line_is_skipped_and_junk_is_kept_aside() {
        let dir = tempfile::tempdir().unwrap();
        let (mut f, _, _) = OutboxFile::open(dir.path(), "k").unwrap();
        let entry = Queue::default().push(note("TC-1", "kept"), Utc::now());
        f.apply(&Op::Add {
            entry: entry.clone(),
        })
        .unwrap();
        let path = f.path().to_path_buf();
        drop(f);
        let mut raw = std::fs::read(&path).unwrap();
        let mut junk = b"\x00\xffnot json\n".to_vec();
        junk.extend_from_slice(&raw);
        raw = junk;
        raw.extend_from_slice(b"{\"op\":\"add\",\"entry\":{\"id\":9");
        std::fs::write(&path, raw).unwrap();
        let (_f, entries, warnings) = OutboxFile::open(dir.path(), "k").unwrap();
        assert_eq!(entries, vec![entry]);
        assert_eq!(warnings.len(), 1, "{warnings:?}");
        let corrupt = std::fs::read(path.with_extension("corrupt")).unwrap();
        assert!(corrupt.starts_with(b"\x00\xffnot json"));
    }

    #[test]
    fn a_second_console_gets_its_own_file_and_a_later_one_adopts_orphans() {
        let dir = tempfile::tempdir().unwrap();
        let (mut first, _, _) = OutboxFile::open(dir.path(), "k").unwrap();
        let (mut second, _, _) = OutboxFile::open(dir.path(), "k").unwrap();
        assert_ne!(first.path(), second.path());
        let mut q = Queue::default();
        let a = q.push(note("TC-1", "from the first"), Utc::now());
        let b = q.push(note("TC-1", "from the second"), Utc::now());
        first.apply(&Op::Add { entry: a.clone() }).unwrap();
        second.apply(&Op::Add { entry: b.clone() }).unwrap();
        drop(first);
        drop(second);
        let (_f, entries, _) = OutboxFile::open(dir.path(), "k").unwrap();
        let texts: Vec<String> = entries.iter().map(|e| e.write.describe()).collect();
        assert_eq!(
            texts,
            vec![
                "note on TC-1: from the first".to_string(),
                "note on TC-1: from the second".to_string()
            ]
        );
        let ids: std::collections::HashSet<u64> = entries.iter().map(|e| e.id).collect();
        assert_eq!(ids.len(), 2, "adopted entries get fresh ids");
    }

    #[test]
    fn pending_changes_are_counted_across_logs_but_not_refused_ones() {
        let dir = tempfile::tempdir().unwrap();
        let (mut a, _, _) = OutboxFile::open(dir.path(), "server-a").unwrap();
        let (mut b, _, _) = OutboxFile::open(dir.path(), "server-b").unwrap();
        let mut q = Queue::default();
        for f in [&mut a, &mut b] {
            let entry = q.push(note("TC-1", "waiting"), Utc::now());
            f.apply(&Op::Add { entry }).unwrap();
        }
        let refused = q.push(note("TC-2", "refused"), Utc::now());
        a.apply(&Op::Add {
            entry: refused.clone(),
        })
        .unwrap();
        a.apply(&Op::Refused {
            entry: refused,
            reason: "422".into(),
        })
        .unwrap();
        assert_eq!(pending_in(dir.path()), 2);
        assert_eq!(pending_in(&dir.path().join("missing")), 0);
    }

    #[test]
    fn refused_entries_are_kept_in_their_own_log() {
        let dir = tempfile::tempdir().unwrap();
        let (mut f, _, _) = OutboxFile::open(dir.path(), "k").unwrap();
        let entry = Queue::default().push(note("TC-404", "lost cause"), Utc::now());
        f.apply(&Op::Add {
            entry: entry.clone(),
        })
        .unwrap();
        f.apply(&Op::Refused {
            entry: entry.clone(),
            reason: "404: no such incident".into(),
        })
        .unwrap();
        let refused = std::fs::read_to_string(f.path().with_extension("refused.jsonl")).unwrap();
        assert!(refused.contains("lost cause") && refused.contains("404"));
        assert_eq!(
            std::fs::metadata(f.path()).unwrap().len(),
            0,
            "log compacted"
        );
    }

    #[test]
    fn descriptions_are_short_and_inert() {
        let w = note(
            "TC-1",
            "\x1b[31mred\x1b[0m and a very long line that goes on and on and on",
        );
        let d = w.describe();
        assert!(!d.contains('\x1b'), "{d}");
        assert!(d.ends_with('…'));
    }
}
