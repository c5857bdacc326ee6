//! The search index: compact per-record short fields with character masks for fuzzy scoring,
//! and an inverted word index (with prefix lookup) for descriptions, notes and root causes.
//! Updated record by record, so the server and the console keep it live.

use crate::domain::{Determination, Incident, Status};
use chrono::NaiveDate;
use std::collections::HashMap;

/// Longest short text kept per record (title | site | category | entity | department).
pub const SHORT_MAX: usize = 240;
/// Most distinct words indexed per record.
pub const WORDS_MAX: usize = 80;

const STOP: &[&str] = &[
    "the",
    "and",
    "for",
    "was",
    "were",
    "that",
    "with",
    "this",
    "from",
    "are",
    "has",
    "had",
    "have",
    "not",
    "but",
    "its",
    "their",
    "which",
    "who",
    "been",
    "all",
    "any",
    "into",
    "also",
    "covered",
    "entity",
    "protected",
    "health",
    "information",
    "phi",
    "individuals",
    "involved",
    "included",
    "reported",
];

/// One indexed incident.
#[derive(Debug, Clone)]
pub struct Record {
    /// Incident id.
    pub id: String,
    /// Title as given (for highlighting positions).
    pub title: String,
    /// Lowercased short fields, bounded.
    pub short: String,
    /// Which characters occur in `short` (a–z, 0–9, other).
    pub mask: u64,
    /// Lowercased site (interned: see [`SearchIndex::text`]).
    pub site: u32,
    /// Lowercased category words (interned).
    pub category: u32,
    /// The category label used for patterns and "seen before" (interned).
    pub label: u32,
    /// Status.
    pub status: Status,
    /// Determination.
    pub determination: Determination,
    /// Lowercased owner (interned).
    pub owner: u32,
    /// Discovery date.
    pub discovered: NaiveDate,
    /// Indexed word ids (title, description, notes, root cause).
    pub words: Box<[u32]>,
    /// False once removed.
    pub live: bool,
    /// The incident version indexed (an older copy never replaces a newer one).
    pub version: i64,
    /// When the incident last changed (notes and actions change it without a new version).
    pub updated: chrono::DateTime<chrono::Utc>,
}

/// The bit of a character in a mask.
pub fn char_bit(c: char) -> u64 {
    match c {
        'a'..='z' => 1 << (c as u32 - 'a' as u32),
        '0'..='9' => 1 << (26 + c as u32 - '0' as u32),
        ' ' | '|' | '-' | '_' | '.' | ',' | '/' | '\'' => 0,
        _ => 1 << 36,
    }
}

/// The mask of every character in `text`.
pub fn mask_of(text: &str) -> u64 {
    text.chars().fold(0, |m, c| m | char_bit(c))
}

/// The label that groups incidents for recurrence: the subtype, else the first HHS type.
pub fn category_label(incident: &Incident) -> String {
    let c = &incident.classification;
    c.subtype
        .map(|s| s.label())
        .or_else(|| c.breach_type.first().map(|b| b.as_str().to_string()))
        .unwrap_or_else(|| "unclassified".into())
}

/// Splits text into lowercase index words (letters and digits, 3+ characters, no stop words).
pub fn words(text: &str) -> impl Iterator<Item = String> + '_ {
    text.split(|c: char| !c.is_alphanumeric())
        .filter(|w| w.chars().count() >= 3)
        .map(str::to_lowercase)
        .filter(|w| !STOP.contains(&w.as_str()))
}

fn bounded(text: &str, max: usize) -> &str {
    match text.char_indices().nth(max) {
        Some((i, _)) => &text[..i],
        None => text,
    }
}

/// The index over every incident.
#[derive(Debug, Default, Clone)]
pub struct SearchIndex {
    pub(crate) records: Vec<Record>,
    by_id: HashMap<String, u32>,
    vocab: Vec<String>,
    word_ids: HashMap<String, u32>,
    pub(crate) postings: Vec<Vec<u32>>,
    sorted_vocab: Vec<u32>,
    strings: Vec<String>,
    string_ids: HashMap<String, u32>,
    vocab_dirty: bool,
    live: usize,
    /// Bumped on every change, so searches can tell whether a narrowed result is still valid.
    pub generation: u64,
}

impl SearchIndex {
    /// Builds an index of `incidents`.
    pub fn build<'a>(incidents: impl IntoIterator<Item = &'a Incident>) -> Self {
        let mut index = SearchIndex::default();
        for i in incidents {
            index.upsert(i);
        }
        index.ensure_sorted();
        index.compact();
        index
    }

    /// Gives back the spare capacity of the posting lists after a bulk load.
    pub fn compact(&mut self) {
        for list in &mut self.postings {
            list.shrink_to_fit();
        }
        self.records.shrink_to_fit();
    }

    /// Interns a repeated short string (site, category, label, owner).
    fn intern(&mut self, text: &str) -> u32 {
        if let Some(id) = self.string_ids.get(text) {
            return *id;
        }
        let id = self.strings.len() as u32;
        self.strings.push(text.to_string());
        self.string_ids.insert(text.to_string(), id);
        id
    }

    /// The text of an interned string.
    pub fn text(&self, id: u32) -> &str {
        self.strings.get(id as usize).map_or("", String::as_str)
    }

    /// Which interned strings contain `needle` (for substring filters, tested once per string
    /// instead of once per record).
    pub fn strings_containing(&self, needle: &str) -> Vec<bool> {
        self.strings.iter().map(|s| s.contains(needle)).collect()
    }

    /// Roughly how many bytes the index holds on the heap (its own data, not allocator slack).
    pub fn heap_bytes(&self) -> usize {
        let records: usize = self
            .records
            .iter()
            .map(|r| r.id.capacity() + r.title.capacity() + r.short.capacity() + r.words.len() * 4)
            .sum();
        let postings: usize = self.postings.iter().map(|p| p.capacity() * 4 + 24).sum();
        let vocab: usize = self.vocab.iter().map(|w| w.capacity() * 2 + 48).sum();
        records
            + self.records.capacity() * std::mem::size_of::<Record>()
            + postings
            + vocab
            + self.by_id.len() * 48
            + self.sorted_vocab.capacity() * 4
    }

    /// Records indexed (live).
    pub fn len(&self) -> usize {
        self.live
    }

    /// Whether nothing is indexed.
    pub fn is_empty(&self) -> bool {
        self.live == 0
    }

    /// The record of an incident id.
    pub fn record(&self, id: &str) -> Option<&Record> {
        self.by_id
            .get(id)
            .map(|i| &self.records[*i as usize])
            .filter(|r| r.live)
    }

    pub(crate) fn position(&self, id: &str) -> Option<u32> {
        self.by_id
            .get(id)
            .copied()
            .filter(|i| self.records[*i as usize].live)
    }

    fn word_id(&mut self, w: String) -> u32 {
        if let Some(id) = self.word_ids.get(&w) {
            return *id;
        }
        let id = self.vocab.len() as u32;
        self.word_ids.insert(w.clone(), id);
        self.vocab.push(w);
        self.postings.push(Vec::new());
        self.vocab_dirty = true;
        id
    }

    /// Document frequency of a word id.
    pub fn df(&self, word: u32) -> usize {
        self.postings.get(word as usize).map_or(0, Vec::len)
    }

    /// The text of a word id.
    pub fn word(&self, id: u32) -> &str {
        &self.vocab[id as usize]
    }

    /// Adds or replaces an incident; a copy older than the indexed one is ignored.
    pub fn upsert(&mut self, incident: &Incident) {
        if let Some(r) = self.record(&incident.id)
            && (r.version, r.updated) > (incident.version, incident.updated_at)
        {
            return;
        }
        self.remove(&incident.id);
        let c = &incident.classification;
        let category = c.category_words().to_lowercase();
        let short_full = format!(
            "{} | {} | {} | {} | {}",
            incident.title,
            incident.site,
            category,
            incident.entity.as_deref().unwrap_or(""),
            incident.department.as_deref().unwrap_or("")
        )
        .to_lowercase();
        let short = bounded(&short_full, SHORT_MAX).to_string();
        let mut ids: Vec<u32> = Vec::new();
        let texts = std::iter::once(incident.title.as_str())
            .chain(std::iter::once(incident.description.as_str()))
            .chain(std::iter::once(incident.root_cause.summary.as_str()))
            .chain(incident.notes.iter().map(|n| n.text.as_str()));
        for text in texts {
            for w in words(bounded(text, 4000)) {
                if ids.len() >= WORDS_MAX {
                    break;
                }
                let id = self.word_id(w);
                if !ids.contains(&id) {
                    ids.push(id);
                }
            }
        }
        let pos = match self.by_id.get(&incident.id) {
            Some(p) => *p,
            None => {
                let p = self.records.len() as u32;
                self.by_id.insert(incident.id.clone(), p);
                self.records.push(Record {
                    id: incident.id.clone(),
                    title: String::new(),
                    short: String::new(),
                    mask: 0,
                    site: 0,
                    category: 0,
                    label: 0,
                    status: incident.status,
                    determination: incident.determination,
                    owner: 0,
                    discovered: incident.discovered_at,
                    words: Box::new([]),
                    live: false,
                    version: 0,
                    updated: incident.updated_at,
                });
                p
            }
        };
        for id in &ids {
            let list = &mut self.postings[*id as usize];
            if list.last() != Some(&pos) {
                list.push(pos);
                if list.len() >= 2 && list[list.len() - 2] > pos {
                    list.sort_unstable();
                }
            }
        }
        let (site, category, label, owner) = (
            self.intern(&incident.site.to_lowercase()),
            self.intern(&category),
            self.intern(&category_label(incident)),
            self.intern(&incident.owner.as_deref().unwrap_or("").to_lowercase()),
        );
        let r = &mut self.records[pos as usize];
        r.title = incident.title.clone();
        r.mask = mask_of(&short);
        r.short = short;
        r.site = site;
        r.category = category;
        r.label = label;
        r.status = incident.status;
        r.determination = incident.determination;
        r.owner = owner;
        r.discovered = incident.discovered_at;
        r.words = ids.into_boxed_slice();
        r.version = incident.version;
        r.updated = incident.updated_at;
        r.live = true;
        self.live += 1;
        self.generation += 1;
    }

    /// Removes an incident (its slot is reused on the next upsert of the same id).
    pub fn remove(&mut self, id: &str) {
        let Some(pos) = self.position(id) else { return };
        let words = std::mem::take(&mut self.records[pos as usize].words);
        for w in words.iter() {
            self.postings[*w as usize].retain(|p| *p != pos);
        }
        self.records[pos as usize].live = false;
        self.live -= 1;
        self.generation += 1;
    }

    /// Word ids whose text starts with `prefix`.
    pub fn prefix_words(&mut self, prefix: &str) -> Vec<u32> {
        self.ensure_sorted();
        self.prefix_words_sorted(prefix)
    }

    /// Sorts the vocabulary for prefix lookups if words were added since.
    pub fn ensure_sorted(&mut self) {
        if self.vocab_dirty || self.sorted_vocab.len() != self.vocab.len() {
            let mut order: Vec<u32> = (0..self.vocab.len() as u32).collect();
            order.sort_unstable_by(|a, b| self.vocab[*a as usize].cmp(&self.vocab[*b as usize]));
            self.sorted_vocab = order;
            self.vocab_dirty = false;
        }
    }

    /// Prefix lookup on an already sorted vocabulary (call `ensure_sorted` after changes).
    pub fn prefix_words_sorted(&self, prefix: &str) -> Vec<u32> {
        let start = self
            .sorted_vocab
            .partition_point(|w| self.vocab[*w as usize].as_str() < prefix);
        self.sorted_vocab[start..]
            .iter()
            .take_while(|w| self.vocab[**w as usize].starts_with(prefix))
            .copied()
            .collect()
    }

    /// Whether the vocabulary order is current.
    pub fn is_sorted(&self) -> bool {
        !self.vocab_dirty && self.sorted_vocab.len() == self.vocab.len()
    }
}
