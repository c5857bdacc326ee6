//! Running a query: filters first, then a character-mask prefilter and a cheap rank over the
//! short text on both cores, then fuzzy-matcher's Skim score for the best few, combined with
//! word-prefix hits in descriptions and notes; top-k by selection, never a full sort. A scan can
//! be limited to earlier matches whose rank for all but the last query word is already known
//! (see [`super::session`]).

use super::filter::Filters;
use super::index::{SearchIndex, mask_of};
use super::probe::WordProbe;
use super::query::Query;
use crate::domain::wire::{SearchHit, SearchResults};
use fuzzy_matcher::FuzzyMatcher;
use fuzzy_matcher::skim::SkimMatcherV2;
use std::cmp::Reverse;
use std::collections::BinaryHeap;

/// Score added when a query word is a prefix of a word in the description or notes.
const WORD_HIT: u32 = 12;
/// Shortest query word looked up in descriptions and notes (shorter ones match nearly all).
pub const TEXT_MIN: usize = 3;
/// How many candidates per wanted hit get the full fuzzy score after the cheap ranking.
const RESCORE_FACTOR: usize = 4;
/// Fewest records worth handing to another core.
const MIN_SPLIT: usize = 4096;
/// Marks a candidate whose rank for the earlier query words is not known yet.
pub(crate) const UNKNOWN: u32 = u32::MAX;

/// A bit set over record positions.
pub(crate) struct Bits(pub(crate) Vec<u64>);

impl Bits {
    fn has(&self, i: u32) -> bool {
        self.0
            .get(i as usize / 64)
            .is_some_and(|w| w & (1 << (i % 64)) != 0)
    }
}

/// Which records hold a word starting with a query word (in descriptions, notes…).
pub(crate) enum TextHits {
    /// The word is too short to look up, or the vocabulary is not sorted yet.
    None,
    /// Every such record, as a bit set (for scans).
    Bits(Bits),
    /// Worked out per record from its word list (for the few records rescored).
    PerRecord,
}

/// One query word, ready to test records.
pub(crate) struct Word {
    pub(crate) probe: WordProbe,
    pub(crate) hits: TextHits,
}

impl Word {
    fn in_text(&self, index: &SearchIndex, pos: u32) -> bool {
        match &self.hits {
            TextHits::None => false,
            TextHits::Bits(b) => b.has(pos),
            TextHits::PerRecord => index
                .words_of(pos)
                .any(|w| index.word(w).starts_with(&self.probe.word)),
        }
    }

    /// Phase one for this word: its cheap rank in the record at `pos`, `None` if it cannot match.
    #[inline]
    fn rank(&self, index: &SearchIndex, pos: u32) -> Option<u32> {
        let p = pos as usize;
        let mask = index.masks[p];
        let short = if let Some(r) = self.probe.rank_single(mask, index.starts[p]) {
            r
        } else if mask & self.probe.mask == self.probe.mask {
            self.probe
                .rank(index.hot.get(pos), index.tail[p], &index.tails)
        } else {
            0
        };
        let in_text = self.in_text(index, pos);
        if short == 0 && !in_text {
            return None;
        }
        Some(u32::from(short) * 100 + if in_text { WORD_HIT } else { 0 })
    }
}

/// The words of a query.
pub(crate) struct Prepared {
    pub(crate) words: Vec<Word>,
}

/// Prepares the words of `q`. The last word always gets its text hits as a bit set; the others
/// only when `all` (a scan will test them), else per record (only the rescored few need them).
/// Words already prepared in `reuse` (for the same state of the index) are taken from it.
pub(crate) fn prepare(
    index: &SearchIndex,
    q: &Query,
    all: bool,
    mut reuse: Option<&mut Prepared>,
) -> Prepared {
    let n = q.words.len();
    // Tables per tail pay off when tails are few next to the records (they are when tails
    // repeat; an entity named on every record makes them as many as the records).
    let tables = index.tails.len() <= (index.slots() / 8).max(4096);
    let text_hits = |w: &str| {
        let mut bits = vec![0u64; index.slots().div_ceil(64)];
        for word in index.prefix_words_sorted(w) {
            index.postings[word as usize].set_bits(&mut bits);
        }
        TextHits::Bits(Bits(bits))
    };
    let words = q
        .words
        .iter()
        .enumerate()
        .map(|(i, w)| {
            let want_bits = all || i + 1 == n;
            let old = reuse.as_deref_mut().and_then(|r| {
                let at = r.words.iter().position(|o| o.probe.word == *w)?;
                Some(r.words.swap_remove(at))
            });
            let searchable = w.chars().count() >= TEXT_MIN && index.is_sorted();
            match old {
                Some(mut word) => {
                    if want_bits && matches!(word.hits, TextHits::PerRecord) {
                        word.hits = text_hits(w);
                    }
                    word
                }
                None => Word {
                    probe: WordProbe::new(w, mask_of(w), &index.tails, tables),
                    hits: match (searchable, want_bits) {
                        (false, _) => TextHits::None,
                        (true, true) => text_hits(w),
                        (true, false) => TextHits::PerRecord,
                    },
                },
            }
        })
        .collect();
    Prepared { words }
}

/// Phase one for a record: the cheap rank of all query words but the last (`known` unless
/// [`UNKNOWN`]) and of the last; `None` if a word cannot match. Without words, the rank is the
/// discovery day (newest first).
#[inline]
fn quick(index: &SearchIndex, pos: u32, p: &Prepared, known: u32) -> Option<(u32, u32)> {
    let Some((last, earlier)) = p.words.split_last() else {
        let day = chrono::Datelike::num_days_from_ce(&index.meta[pos as usize].discovered);
        return Some((0, day.max(0) as u32));
    };
    let last = last.rank(index, pos)?;
    let base = if known == UNKNOWN {
        let mut sum = 0;
        for w in earlier {
            sum += w.rank(index, pos)?;
        }
        sum
    } else {
        known
    };
    Some((base, last))
}

/// Phase two: the full fuzzy score (fuzzy-matcher's Skim algorithm) of a short-listed record.
fn score(
    matcher: &SkimMatcherV2,
    index: &SearchIndex,
    pos: u32,
    p: &Prepared,
    short: &mut String,
) -> Option<i64> {
    index.short_text(pos, short);
    let mask = index.masks[pos as usize];
    let mut total = 0;
    for w in &p.words {
        let fuzzy = if mask & w.probe.mask == w.probe.mask {
            matcher.fuzzy_match(short, &w.probe.word)
        } else {
            None
        };
        let in_text = w.in_text(index, pos);
        match (fuzzy, in_text) {
            (None, false) => return None,
            (f, t) => total += f.unwrap_or(0) + if t { i64::from(WORD_HIT) } else { 0 },
        }
    }
    Some(total)
}

/// A match ordered by rank, then by position (lower first): `rank << 32 | !pos`.
fn key(rank: u32, pos: u32) -> u64 {
    (u64::from(rank) << 32) | u64::from(!pos)
}

fn unkey(key: u64) -> (u32, u32) {
    ((key >> 32) as u32, !(key as u32))
}

/// The best `keep` keys offered so far.
struct Best {
    keep: usize,
    heap: BinaryHeap<Reverse<u64>>,
}

impl Best {
    fn new(keep: usize) -> Self {
        Best {
            keep,
            heap: BinaryHeap::new(),
        }
    }

    fn offer(&mut self, key: u64) {
        if self.heap.len() < self.keep {
            self.heap.push(Reverse(key));
        } else if let Some(mut worst) = self.heap.peek_mut()
            && key > worst.0
        {
            *worst = Reverse(key);
        }
    }
}

/// Which records a scan visits.
#[derive(Clone, Copy)]
pub(crate) enum Scope<'a> {
    /// Every position in `start..end`.
    All(u32, u32),
    /// These positions (ascending) with, when given, the rank already known of all query words
    /// but the last, aligned ([`UNKNOWN`] where it is not).
    Some(&'a [u32], Option<&'a [u32]>),
}

impl Scope<'_> {
    fn len(&self) -> usize {
        match self {
            Scope::All(a, b) => (b - a) as usize,
            Scope::Some(s, _) => s.len(),
        }
    }

    fn split(self, parts: usize) -> Vec<Self> {
        let size = self.len().div_ceil(parts.max(1)).max(MIN_SPLIT);
        match self {
            Scope::All(a, b) => (a..b)
                .step_by(size)
                .map(|s| Scope::All(s, (s + size as u32).min(b)))
                .collect(),
            Scope::Some(s, known) => s
                .chunks(size)
                .enumerate()
                .map(|(i, part)| {
                    let at = i * size;
                    Scope::Some(part, known.map(|k| &k[at..at + part.len()]))
                })
                .collect(),
        }
    }
}

/// The cores to spread work over (read once).
pub(crate) fn cores() -> usize {
    static CORES: std::sync::OnceLock<usize> = std::sync::OnceLock::new();
    *CORES.get_or_init(|| {
        std::thread::available_parallelism()
            .map_or(1, |n| n.get())
            .min(8)
    })
}

/// What phase one found: every match in ascending order with, aligned, the rank of all query
/// words but the last and the rank of the last.
#[derive(Debug, Default, Clone)]
pub(crate) struct Found {
    pub(crate) positions: Vec<u32>,
    pub(crate) base: Vec<u32>,
    pub(crate) last: Vec<u32>,
}

/// Phase one over one part of the scope: every match, in order, and the best `keep` of them.
fn run(
    index: &SearchIndex,
    filters: &Filters,
    prepared: &Prepared,
    keep: usize,
    scope: Scope,
) -> (Found, Vec<u64>) {
    let mut found = Found::default();
    let mut best = Best::new(keep);
    let filtered = filters.active();
    let mut visit = |pos: u32, known: u32| {
        if !index.live[pos as usize] || (filtered && !filters.pass(&index.meta[pos as usize])) {
            return;
        }
        if let Some((base, last)) = quick(index, pos, prepared, known) {
            found.positions.push(pos);
            found.base.push(base);
            found.last.push(last);
            best.offer(key(base + last, pos));
        }
    };
    match scope {
        Scope::All(a, b) => (a..b).for_each(|p| visit(p, UNKNOWN)),
        Scope::Some(s, None) => s.iter().for_each(|p| visit(*p, UNKNOWN)),
        Scope::Some(s, Some(k)) => s.iter().zip(k).for_each(|(p, k)| visit(*p, *k)),
    }
    (found, best.heap.into_iter().map(|r| r.0).collect())
}

/// Phase one on all cores: every match and the best `keep` by cheap rank.
fn find(
    index: &SearchIndex,
    q: &Query,
    prepared: &Prepared,
    scope: Scope,
    keep: usize,
) -> (Found, Vec<u64>) {
    let filters = Filters::new(index, q);
    let parts = scope.split(cores());
    if parts.len() <= 1 {
        return run(index, &filters, prepared, keep, scope);
    }
    let parts: Vec<(Found, Vec<u64>)> = std::thread::scope(|s| {
        let filters = &filters;
        let handles: Vec<_> = parts
            .into_iter()
            .map(|part| s.spawn(move || run(index, filters, prepared, keep, part)))
            .collect();
        handles
            .into_iter()
            .map(|h| h.join().unwrap_or_default())
            .collect()
    });
    let total = parts.iter().map(|f| f.0.positions.len()).sum();
    let mut found = Found {
        positions: Vec::with_capacity(total),
        base: Vec::with_capacity(total),
        last: Vec::with_capacity(total),
    };
    let mut best = Best::new(keep);
    for (f, b) in parts {
        found.positions.extend(f.positions);
        found.base.extend(f.base);
        found.last.extend(f.last);
        b.into_iter().for_each(|k| best.offer(k));
    }
    (found, best.heap.into_iter().map(|r| r.0).collect())
}

/// A match: (score, record position).
pub(crate) type Scored = (i64, u32);

/// Finds every match in `scope`, then gives the best of them the full fuzzy score. Returns all
/// matches (for narrowing) and the best `limit`, fully scored.
pub(crate) fn scan(
    index: &SearchIndex,
    q: &Query,
    prepared: &Prepared,
    scope: Scope,
    limit: usize,
) -> (Found, Vec<Scored>) {
    if prepared.words.is_empty() {
        let (found, keys) = find(index, q, prepared, scope, usize::MAX);
        let all = keys
            .into_iter()
            .map(unkey)
            .map(|(day, pos)| (i64::from(day), pos));
        return (found, top(index, all.collect(), limit));
    }
    let keep = limit.saturating_mul(RESCORE_FACTOR).max(1);
    let (found, keys) = find(index, q, prepared, scope, keep);
    let rescore = |keys: &[u64]| -> Vec<Scored> {
        let matcher = SkimMatcherV2::default().ignore_case();
        let mut short = String::new();
        keys.iter()
            .map(|k| {
                let (rank, pos) = unkey(*k);
                let fuzzy = score(&matcher, index, pos, prepared, &mut short).unwrap_or(0);
                (fuzzy + i64::from(rank / 100), pos)
            })
            .collect()
    };
    let rescored: Vec<Scored> = if keys.len() < 64 || cores() < 2 {
        rescore(&keys)
    } else {
        std::thread::scope(|s| {
            let handles: Vec<_> = keys
                .chunks(keys.len().div_ceil(cores()))
                .map(|part| s.spawn(move || rescore(part)))
                .collect();
            handles
                .into_iter()
                .flat_map(|h| h.join().unwrap_or_default())
                .collect()
        })
    };
    (found, top(index, rescored, limit))
}

/// The best `limit` of `matches`, best first (ties by id for stable output).
fn top(index: &SearchIndex, mut matches: Vec<Scored>, limit: usize) -> Vec<Scored> {
    let cmp = |a: &Scored, b: &Scored| {
        b.0.cmp(&a.0)
            .then_with(|| index.id_bytes(a.1).cmp(index.id_bytes(b.1)))
    };
    if limit > 0 && matches.len() > limit {
        matches.select_nth_unstable_by(limit - 1, cmp);
        matches.truncate(limit);
    }
    matches.sort_by(cmp);
    matches
}

/// The wire form of the best matches, with the title positions to highlight.
pub(crate) fn hits(index: &SearchIndex, q: &Query, best: &[Scored]) -> Vec<SearchHit> {
    let matcher = SkimMatcherV2::default().ignore_case();
    best.iter()
        .map(|(score, pos)| {
            let title = index.title(*pos);
            let meta = &index.meta[*pos as usize];
            let mut positions: Vec<usize> = q
                .words
                .iter()
                .filter_map(|w| matcher.fuzzy_indices(title, w))
                .flat_map(|(_, p)| p)
                .collect();
            positions.sort_unstable();
            positions.dedup();
            let field = if positions.is_empty() && !q.words.is_empty() {
                "description"
            } else {
                "title"
            };
            SearchHit {
                id: index.id(*pos).to_string(),
                title: title.to_string(),
                site: index.text(meta.site).to_string(),
                status: meta.status.as_str().into(),
                determination: meta.determination.as_str().into(),
                score: *score,
                field: field.into(),
                title_positions: positions,
            }
        })
        .collect()
}

impl SearchIndex {
    /// Searches everything (no narrowing).
    pub fn search(&self, text: &str, limit: usize) -> SearchResults {
        let q = Query::parse(text);
        let prepared = prepare(self, &q, true, None);
        let (found, best) = scan(
            self,
            &q,
            &prepared,
            Scope::All(0, self.slots() as u32),
            limit,
        );
        SearchResults {
            query: text.to_string(),
            total: found.positions.len(),
            hits: hits(self, &q, &best),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{Incident, Note, Status, Subtype};
    use crate::search::Searcher;
    use chrono::{NaiveDate, TimeZone, Utc};

    fn inc(id: &str, title: &str, site: &str, desc: &str, sub: Option<Subtype>) -> Incident {
        let at = Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).unwrap();
        let mut i = Incident::minimal(
            id,
            title,
            site,
            NaiveDate::from_ymd_opt(2026, 1, 1).unwrap(),
            at,
        );
        i.description = desc.into();
        i.classification.subtype = sub;
        i
    }

    fn corpus() -> Vec<Incident> {
        vec![
            inc(
                "A",
                "Lab results faxed to wrong clinic",
                "North",
                "fax number typo",
                Some(Subtype::MisdirectedFax),
            ),
            inc(
                "B",
                "Email to wrong patient",
                "South",
                "autocomplete picked a namesake; lab results attached",
                Some(Subtype::MisdirectedEmail),
            ),
            inc(
                "C",
                "Laptop stolen from car",
                "North",
                "unencrypted device",
                Some(Subtype::StolenDevice),
            ),
            inc(
                "D",
                "Badge tailgating at records room",
                "East",
                "visitor followed staff",
                Some(Subtype::Tailgating),
            ),
        ]
    }

    fn ids(r: &SearchResults) -> Vec<&str> {
        r.hits.iter().map(|h| h.id.as_str()).collect()
    }

    #[test]
    fn fuzzy_title_beats_description_only() {
        let index = SearchIndex::build(&corpus());
        let r = index.search("lab res", 10);
        assert_eq!(ids(&r)[0], "A", "{r:?}");
        assert!(
            ids(&r).contains(&"B"),
            "found through the description: {r:?}"
        );
        assert_eq!(r.hits[0].field, "title");
        assert!(!r.hits[0].title_positions.is_empty());
    }

    #[test]
    fn typos_and_filters() {
        let index = SearchIndex::build(&corpus());
        assert_eq!(ids(&index.search("lptop", 10)), vec!["C"]);
        assert_eq!(ids(&index.search("site:north", 10)).len(), 2);
        assert_eq!(ids(&index.search("cat:misdirected_fax", 10)), vec!["A"]);
        assert_eq!(ids(&index.search("wrong site:south", 10)), vec!["B"]);
        assert!(index.search("status:closed", 10).hits.is_empty());
    }

    #[test]
    fn notes_are_searchable_and_upserts_show() {
        let mut corpus = corpus();
        let mut index = SearchIndex::build(&corpus);
        assert!(index.search("shredder", 10).hits.is_empty());
        corpus[3].notes.push(Note {
            id: "N1".into(),
            author: "kim".into(),
            at: Utc::now(),
            text: "Shredder jammed".into(),
        });
        corpus[3].status = Status::Closed;
        index.upsert(&corpus[3]);
        index.ensure_sorted();
        assert_eq!(ids(&index.search("shredder", 10)), vec!["D"]);
        assert_eq!(ids(&index.search("status:closed", 10)), vec!["D"]);
        index.remove("D");
        assert!(index.search("shredder", 10).hits.is_empty());
    }

    #[test]
    fn narrowing_gives_the_same_results_as_a_fresh_search() {
        let mut corpus = Vec::new();
        let titles = [
            "fax to lab",
            "lab fax misdirected",
            "faxed labels",
            "email lab results",
            "lost fax machine",
            "phishing email",
        ];
        // Enough records for the scans to be split across cores.
        for n in 0..2 * MIN_SPLIT + 100 {
            corpus.push(inc(
                &format!("I{n:04}"),
                &format!("{} {n}", titles[n % titles.len()]),
                ["North", "South"][n % 2],
                "results of the lab were faxed",
                None,
            ));
        }
        let mut index = SearchIndex::build(&corpus);
        for typing in [
            "fax lab resu",
            "lab fax resu",
            "site:north fa la res",
            "resul l",
        ] {
            let mut searcher = Searcher::default();
            let mut typed = String::new();
            for (n, c) in typing.chars().enumerate() {
                typed.push(c);
                if n == 7 {
                    // A change between keystrokes: the next search starts afresh.
                    let mut changed = corpus[3].clone();
                    changed.version += 1;
                    changed.title = "fax lab results resent".into();
                    index.upsert(&changed);
                    index.ensure_sorted();
                }
                let narrowed = searcher.search(&index, &typed, 50);
                let fresh = index.search(&typed, 50);
                assert_eq!(narrowed, fresh, "query {typed:?}");
            }
        }
    }

    #[test]
    fn similar_prefers_same_kind_and_never_itself() {
        let mut corpus = corpus();
        corpus.push(inc(
            "E",
            "Referral faxed to wrong clinic",
            "North",
            "fax number typo again",
            Some(Subtype::MisdirectedFax),
        ));
        let index = SearchIndex::build(&corpus);
        let sim = index.similar("A", 3);
        assert_eq!(sim[0].id, "E", "{sim:?}");
        assert!(sim.iter().all(|s| s.id != "A"));
        assert!(sim[0].why.iter().any(|w| w.contains("same category")));
        let line = index
            .recurrence("A", NaiveDate::from_ymd_opt(2026, 2, 1).unwrap())
            .unwrap();
        assert_eq!(line, "misdirected fax · north · 2 in 90 days, 2 in a year");
    }
}
