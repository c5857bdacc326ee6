//! The search index, laid out for scanning: per record, the fields read by every query (a
//! character mask, the lowercased title in a chunked arena, the id of its interned
//! "site | category | entity | department" tail) sit in their own arrays, and everything read
//! only for filters or results lies elsewhere. Descriptions, notes and root causes are reached
//! through an inverted word index with prefix lookup and compact posting lists. Updated record
//! by record, so the server and the console keep it live.

use super::arena::{Arena, put_varint, varints};
use super::ids::IdMap;
use super::intern::Interner;
use super::postings::Postings;
use crate::domain::{Determination, Incident, Status};
use chrono::{DateTime, NaiveDate, Utc};

/// Longest title kept for matching, in characters (and the bound on the rest of the short text).
pub const SHORT_MAX: usize = 240;
/// Most distinct words indexed per record.
pub const WORDS_MAX: usize = 80;
/// Longest text read for words per field, in characters.
const TEXT_MAX: usize = 4000;

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

/// The characters (a–z, 0–9) whose first occurrence in `text` starts a word (is not preceded by
/// an ASCII letter or digit), as mask bits: with the mask, this ranks a one-character query
/// word without reading the text.
pub fn first_start_mask(text: &[u8]) -> u64 {
    let (mut seen, mut starts) = (0u64, 0u64);
    for (i, &b) in text.iter().enumerate() {
        if !b.is_ascii_lowercase() && !b.is_ascii_digit() {
            continue;
        }
        let bit = char_bit(char::from(b));
        if seen & bit == 0 {
            seen |= bit;
            if i == 0 || !text[i - 1].is_ascii_alphanumeric() {
                starts |= bit;
            }
        }
    }
    starts
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
    raw_words(text)
        .map(str::to_lowercase)
        .filter(|w| !STOP.contains(&w.as_str()))
}

/// The alphanumeric runs of 3+ characters, as written.
fn raw_words(text: &str) -> impl Iterator<Item = &str> + '_ {
    text.split(|c: char| !c.is_alphanumeric())
        .filter(|w| w.len() >= 3 && w.chars().count() >= 3)
}

/// `text` cut to at most `max` characters.
pub fn bounded(text: &str, max: usize) -> &str {
    match text.char_indices().nth(max) {
        Some((i, _)) => &text[..i],
        None => text,
    }
}

/// What filters and results read of a record (never touched by a scan without filters).
#[derive(Debug, Clone, Copy)]
pub struct Meta {
    /// Lowercased site (interned in [`SearchIndex::strings`]).
    pub site: u32,
    /// Lowercased category words (interned).
    pub category: u32,
    /// The category label used for patterns and "seen before" (interned).
    pub label: u32,
    /// Lowercased owner (interned).
    pub owner: u32,
    /// Discovery date.
    pub discovered: NaiveDate,
    /// Status.
    pub status: Status,
    /// Determination.
    pub determination: Determination,
}

/// The index over every incident; a record's position is its index in each per-record array.
#[derive(Debug, Default, Clone)]
pub struct SearchIndex {
    /// Whether each position holds a live record.
    pub(crate) live: Vec<bool>,
    /// Characters present in each record's short text (title and tail).
    pub(crate) masks: Vec<u64>,
    /// Characters whose first occurrence in each record's short text starts a word.
    pub(crate) starts: Vec<u64>,
    /// Lowercased, bounded titles.
    pub(crate) hot: Arena,
    /// The interned tail of each record's short text.
    pub(crate) tail: Vec<u32>,
    /// Tails: " | site | category | entity | department", lowercased.
    pub(crate) tails: Interner,
    /// The character mask and first-occurrence-at-word-start mask of each tail.
    tail_masks: Vec<(u64, u64)>,
    /// Filter and result fields.
    pub(crate) meta: Vec<Meta>,
    /// Incident ids.
    ids: Arena,
    /// Titles as written.
    titles: Arena,
    /// Each record's word ids, as varints, in the order they were read.
    word_lists: Arena,
    /// Version and last change of the copy indexed.
    versions: Vec<(i64, DateTime<Utc>)>,
    by_id: IdMap,
    vocab: Interner,
    pub(crate) postings: Vec<Postings>,
    sorted_vocab: Vec<u32>,
    /// Sites, categories, labels and owners.
    pub(crate) strings: Interner,
    live_count: usize,
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

    /// Gives back spare capacity after a bulk load.
    pub fn compact(&mut self) {
        for list in &mut self.postings {
            list.shrink();
        }
        for arena in [
            &mut self.hot,
            &mut self.ids,
            &mut self.titles,
            &mut self.word_lists,
        ] {
            arena.shrink();
        }
        for interner in [&mut self.vocab, &mut self.strings, &mut self.tails] {
            interner.shrink();
        }
        self.live.shrink_to_fit();
        self.masks.shrink_to_fit();
        self.starts.shrink_to_fit();
        self.tail.shrink_to_fit();
        self.meta.shrink_to_fit();
        self.versions.shrink_to_fit();
    }

    /// The text of an interned site, category, label or owner.
    pub fn text(&self, id: u32) -> &str {
        self.strings.text(id)
    }

    /// Which interned strings contain `needle` (for substring filters, tested once per string
    /// instead of once per record).
    pub fn strings_containing(&self, needle: &str) -> Vec<bool> {
        self.strings.iter().map(|s| s.contains(needle)).collect()
    }

    /// Roughly how many bytes the index holds on the heap (its own data, not allocator slack).
    pub fn heap_bytes(&self) -> usize {
        let slots = self.live.capacity()
            + self.masks.capacity() * 8
            + self.starts.capacity() * 8
            + self.tail.capacity() * 4
            + self.meta.capacity() * std::mem::size_of::<Meta>()
            + self.versions.capacity() * std::mem::size_of::<(i64, DateTime<Utc>)>();
        let arenas = self.hot.heap_bytes()
            + self.ids.heap_bytes()
            + self.titles.heap_bytes()
            + self.word_lists.heap_bytes();
        let postings: usize = self
            .postings
            .iter()
            .map(|p| p.heap_bytes() + std::mem::size_of::<Postings>())
            .sum();
        slots
            + arenas
            + postings
            + self.by_id.heap_bytes()
            + self.vocab.heap_bytes()
            + self.strings.heap_bytes()
            + self.tails.heap_bytes()
            + self.sorted_vocab.capacity() * 4
    }

    /// Records indexed (live).
    pub fn len(&self) -> usize {
        self.live_count
    }

    /// Whether nothing is indexed.
    pub fn is_empty(&self) -> bool {
        self.live_count == 0
    }

    /// Positions in use (live or removed): the bound of every per-record array.
    pub(crate) fn slots(&self) -> usize {
        self.live.len()
    }

    /// The position of a live incident.
    pub(crate) fn position(&self, id: &str) -> Option<u32> {
        self.by_id
            .get(id, &self.ids)
            .filter(|p| self.live[*p as usize])
    }

    /// The incident id at `pos`.
    pub(crate) fn id(&self, pos: u32) -> &str {
        self.ids.text(pos)
    }

    /// The incident id at `pos` as bytes (ordered as the text is), for tie-breaks.
    pub(crate) fn id_bytes(&self, pos: u32) -> &[u8] {
        self.ids.get(pos)
    }

    /// The title, as written, at `pos`.
    pub(crate) fn title(&self, pos: u32) -> &str {
        self.titles.text(pos)
    }

    /// The full lowercased short text at `pos` (title and tail), for the fuzzy scorer.
    pub(crate) fn short_text(&self, pos: u32, out: &mut String) {
        out.clear();
        out.push_str(std::str::from_utf8(self.hot.get(pos)).unwrap_or(""));
        out.push_str(self.tails.text(self.tail[pos as usize]));
    }

    /// The word ids of the record at `pos`, in the order they were read.
    pub(crate) fn words_of(&self, pos: u32) -> impl Iterator<Item = u32> + '_ {
        varints(self.word_lists.get(pos))
    }

    /// Document frequency of a word id.
    pub fn df(&self, word: u32) -> usize {
        self.postings.get(word as usize).map_or(0, Postings::len)
    }

    /// The text of a word id.
    pub fn word(&self, id: u32) -> &str {
        self.vocab.text(id)
    }

    /// The id of a word (lowercase), adding it to the vocabulary if new.
    fn word_id(&mut self, w: &str) -> u32 {
        let id = self.vocab.intern(w);
        if id as usize == self.postings.len() {
            self.postings.push(Postings::default());
        }
        id
    }

    /// The distinct word ids of an incident's texts, in reading order, at most [`WORDS_MAX`].
    fn word_ids(&mut self, incident: &Incident) -> Vec<u32> {
        let mut ids: Vec<u32> = Vec::new();
        let mut lower = String::new();
        let texts = std::iter::once(incident.title.as_str())
            .chain(std::iter::once(incident.description.as_str()))
            .chain(std::iter::once(incident.root_cause.summary.as_str()))
            .chain(incident.notes.iter().map(|n| n.text.as_str()));
        for text in texts {
            for raw in raw_words(bounded(text, TEXT_MAX)) {
                if ids.len() >= WORDS_MAX {
                    break;
                }
                lower.clear();
                if raw.is_ascii() {
                    lower.extend(raw.bytes().map(|b| char::from(b.to_ascii_lowercase())));
                } else {
                    lower.push_str(&raw.to_lowercase());
                }
                if STOP.contains(&lower.as_str()) {
                    continue;
                }
                let id = self.word_id(&lower);
                if !ids.contains(&id) {
                    ids.push(id);
                }
            }
        }
        ids
    }

    /// Adds or replaces an incident; a copy older than the indexed one is ignored.
    pub fn upsert(&mut self, incident: &Incident) {
        let existing = self.by_id.get(&incident.id, &self.ids);
        if let Some(p) = existing
            && self.live[p as usize]
            && self.versions[p as usize] > (incident.version, incident.updated_at)
        {
            return;
        }
        let c = &incident.classification;
        let category = c.category_words().to_lowercase();
        let title = bounded(&incident.title, SHORT_MAX).to_lowercase();
        let tail_full = format!(
            " | {} | {} | {} | {}",
            incident.site,
            category,
            incident.entity.as_deref().unwrap_or(""),
            incident.department.as_deref().unwrap_or("")
        )
        .to_lowercase();
        let tail_text = bounded(&tail_full, SHORT_MAX);
        let tail = self.tails.intern(tail_text);
        if tail as usize == self.tail_masks.len() {
            self.tail_masks
                .push((mask_of(tail_text), first_start_mask(tail_text.as_bytes())));
        }
        let new_words = self.word_ids(incident);
        let meta = Meta {
            site: self.strings.intern(&incident.site.to_lowercase()),
            category: self.strings.intern(&category),
            label: self.strings.intern(&category_label(incident)),
            owner: self
                .strings
                .intern(&incident.owner.as_deref().unwrap_or("").to_lowercase()),
            discovered: incident.discovered_at,
            status: incident.status,
            determination: incident.determination,
        };
        let pos = match existing {
            Some(p) => p,
            None => {
                let p = self.live.len() as u32;
                self.ids.set(p, incident.id.as_bytes());
                self.by_id.insert(&incident.id, p, &self.ids);
                self.live.push(false);
                self.masks.push(0);
                self.starts.push(0);
                self.tail.push(0);
                self.meta.push(meta);
                self.versions.push((0, incident.updated_at));
                p
            }
        };
        let p = pos as usize;
        let old_words: Vec<u32> = if self.live[p] {
            self.words_of(pos).collect()
        } else {
            Vec::new()
        };
        for w in old_words.iter().filter(|w| !new_words.contains(w)) {
            self.postings[*w as usize].remove(pos);
        }
        for w in new_words.iter().filter(|w| !old_words.contains(w)) {
            self.postings[*w as usize].insert(pos);
        }
        let mut list = Vec::with_capacity(new_words.len() * 2);
        for w in &new_words {
            put_varint(&mut list, *w);
        }
        self.word_lists.set(pos, &list);
        self.hot.set(pos, title.as_bytes());
        self.titles.set(pos, incident.title.as_bytes());
        let (title_mask, (tail_mask, tail_starts)) =
            (mask_of(&title), self.tail_masks[tail as usize]);
        self.masks[p] = title_mask | tail_mask;
        self.starts[p] = first_start_mask(title.as_bytes()) | (tail_starts & !title_mask);
        self.tail[p] = tail;
        self.meta[p] = meta;
        self.versions[p] = (incident.version, incident.updated_at);
        if !self.live[p] {
            self.live[p] = true;
            self.live_count += 1;
        }
        self.generation += 1;
    }

    /// Removes an incident (its slot is reused on the next upsert of the same id).
    pub fn remove(&mut self, id: &str) {
        let Some(pos) = self.position(id) else { return };
        let words: Vec<u32> = self.words_of(pos).collect();
        for w in words {
            self.postings[w as usize].remove(pos);
        }
        self.word_lists.set(pos, &[]);
        self.live[pos as usize] = false;
        self.live_count -= 1;
        self.generation += 1;
    }

    /// Word ids whose text starts with `prefix`.
    pub fn prefix_words(&mut self, prefix: &str) -> Vec<u32> {
        self.ensure_sorted();
        self.prefix_words_sorted(prefix)
    }

    /// Sorts the vocabulary for prefix lookups if words were added since.
    pub fn ensure_sorted(&mut self) {
        if !self.is_sorted() {
            let mut order: Vec<u32> = (0..self.vocab.len() as u32).collect();
            let vocab = &self.vocab;
            order.sort_unstable_by(|a, b| vocab.bytes(*a).cmp(vocab.bytes(*b)));
            self.sorted_vocab = order;
        }
    }

    /// Prefix lookup on an already sorted vocabulary (call `ensure_sorted` after changes).
    pub fn prefix_words_sorted(&self, prefix: &str) -> Vec<u32> {
        let (vocab, prefix) = (&self.vocab, prefix.as_bytes());
        let start = self
            .sorted_vocab
            .partition_point(|w| vocab.bytes(*w) < prefix);
        self.sorted_vocab[start..]
            .iter()
            .take_while(|w| vocab.bytes(**w).starts_with(prefix))
            .copied()
            .collect()
    }

    /// Whether the vocabulary order is current.
    pub fn is_sorted(&self) -> bool {
        self.sorted_vocab.len() == self.vocab.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn inc(id: &str, title: &str, desc: &str) -> Incident {
        let at = Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).unwrap();
        let day = NaiveDate::from_ymd_opt(2026, 1, 1).unwrap();
        let mut i = Incident::minimal(id, title, "North", day, at);
        i.description = desc.into();
        i
    }

    #[test]
    fn upserts_replace_words_and_removes_forget_them() {
        let mut index = SearchIndex::default();
        index.upsert(&inc("A", "Fax to clinic", "shredder jammed"));
        index.upsert(&inc("B", "Email", "shredder again"));
        let shredder = index.vocab.find("shredder").unwrap();
        assert_eq!(index.df(shredder), 2);
        let mut a = inc("A", "Fax to clinic", "printer jammed");
        a.version = 2;
        index.upsert(&a);
        assert_eq!(index.df(shredder), 1);
        assert_eq!(index.len(), 2);
        let older = inc("A", "Stale copy", "shredder");
        index.upsert(&older);
        assert_eq!(index.title(index.position("A").unwrap()), "Fax to clinic");
        index.remove("B");
        assert_eq!(index.df(shredder), 0);
        assert_eq!(index.len(), 1);
        assert_eq!(index.position("B"), None);
        index.upsert(&inc("B", "Email", "shredder back"));
        assert_eq!(index.df(shredder), 1);
        assert_eq!(index.position("B"), Some(1));
    }

    #[test]
    fn words_skip_short_and_stop_words() {
        let w: Vec<String> = words("The Fax was sent to 12 clinics; Größe").collect();
        assert_eq!(w, vec!["fax", "sent", "clinics", "größe"]);
    }
}
