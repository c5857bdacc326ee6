//! Running a query: filters first, then a character-mask prefilter, then fuzzy scoring of the
//! short fields (fuzzy-matcher's Skim algorithm) combined with word-prefix hits in descriptions
//! and notes; both cores; top-k by selection, never a full sort. A `Searcher` narrows from its
//! previous result while the query only grows.

use super::index::{Record, SearchIndex, mask_of};
use super::query::Query;
use crate::domain::wire::{SearchHit, SearchResults};
use fuzzy_matcher::FuzzyMatcher;
use fuzzy_matcher::skim::SkimMatcherV2;

/// Score added when a query word is a prefix of a word in the description or notes.
const WORD_HIT: i64 = 12;
/// Shortest query word looked up in descriptions and notes (shorter ones match nearly all).
pub const TEXT_MIN: usize = 3;
/// How many candidates per wanted hit get the full fuzzy score after the cheap ranking.
const RESCORE_FACTOR: usize = 4;

/// A bit set over record positions.
struct Bits(Vec<u64>);

impl Bits {
    fn new(n: usize) -> Self {
        Bits(vec![0; n.div_ceil(64)])
    }
    fn set(&mut self, i: u32) {
        if let Some(w) = self.0.get_mut(i as usize / 64) {
            *w |= 1 << (i % 64);
        }
    }
    fn has(&self, i: u32) -> bool {
        self.0
            .get(i as usize / 64)
            .is_some_and(|w| w & (1 << (i % 64)) != 0)
    }
}

/// The query's filters, resolved against the index's interned strings once per search.
struct Filters<'q> {
    q: &'q Query,
    site: Option<Vec<bool>>,
    category: Option<Vec<bool>>,
    owner: Option<Vec<bool>>,
}

impl<'q> Filters<'q> {
    fn new(index: &SearchIndex, q: &'q Query) -> Self {
        Filters {
            q,
            site: q.site.as_deref().map(|s| index.strings_containing(s)),
            category: q.category.as_deref().map(|c| index.strings_containing(c)),
            owner: q.owner.as_deref().map(|o| index.strings_containing(o)),
        }
    }

    fn pass(&self, r: &Record) -> bool {
        let has = |set: &Option<Vec<bool>>, id: u32| {
            set.as_ref()
                .is_none_or(|s| s.get(id as usize).copied().unwrap_or(false))
        };
        let q = self.q;
        r.live
            && has(&self.site, r.site)
            && (has(&self.category, r.category)
                || self
                    .category
                    .as_ref()
                    .is_some_and(|s| s.get(r.label as usize).copied().unwrap_or(false)))
            && q.status
                .as_deref()
                .is_none_or(|s| r.status.as_str().starts_with(s))
            && q.determination
                .as_deref()
                .is_none_or(|d| r.determination.as_str().starts_with(d))
            && has(&self.owner, r.owner)
            && q.after.is_none_or(|d| r.discovered >= d)
            && q.before.is_none_or(|d| r.discovered <= d)
    }
}

/// The words of the query with their masks and description hit sets.
struct Prepared {
    words: Vec<(String, u64, Option<Bits>)>,
}

fn prepare(index: &SearchIndex, q: &Query) -> Prepared {
    let n = index.records.len();
    let words = q
        .words
        .iter()
        .map(|w| {
            let hits = (w.chars().count() >= TEXT_MIN && index.is_sorted()).then(|| {
                let mut bits = Bits::new(n);
                for word in index.prefix_words_sorted(w) {
                    for p in &index.postings[word as usize] {
                        bits.set(*p);
                    }
                }
                bits
            });
            (w.clone(), mask_of(w), hits)
        })
        .collect();
    Prepared { words }
}

/// A match: (score, record position).
type Scored = (i64, u32);

/// Whether `needle` is a subsequence of `hay` (bytes): necessary for any fuzzy match, and cheap.
fn subsequence(hay: &[u8], needle: &[u8]) -> bool {
    let mut it = hay.iter();
    needle.iter().all(|n| it.any(|h| h == n))
}

/// A cheap relevance estimate: contiguous match at a word start > contiguous > scattered.
fn cheap(hay: &str, word: &str) -> i64 {
    match hay.find(word) {
        Some(0) => 3,
        Some(i) if !hay.as_bytes()[i - 1].is_ascii_alphanumeric() => 3,
        Some(_) => 2,
        None => 1,
    }
}

/// Phase one: whether the record can match at all, and a cheap rank for it.
fn quick(r: &Record, pos: u32, p: &Prepared) -> Option<i64> {
    let mut total = 0;
    for (word, mask, hits) in &p.words {
        let short = r.mask & mask == *mask && subsequence(r.short.as_bytes(), word.as_bytes());
        let in_text = hits.as_ref().is_some_and(|b| b.has(pos));
        if !short && !in_text {
            return None;
        }
        total += if short {
            cheap(&r.short, word) * 100
        } else {
            0
        } + if in_text { WORD_HIT } else { 0 };
    }
    Some(total)
}

/// Phase two: the full fuzzy score (fuzzy-matcher's Skim algorithm) of a short-listed record.
fn score(matcher: &SkimMatcherV2, r: &Record, pos: u32, p: &Prepared) -> Option<i64> {
    let mut total = 0;
    for (word, mask, hits) in &p.words {
        let fuzzy = if r.mask & mask == *mask {
            matcher.fuzzy_match(&r.short, word)
        } else {
            None
        };
        let in_text = hits.as_ref().is_some_and(|b| b.has(pos));
        match (fuzzy, in_text) {
            (None, false) => return None,
            (f, t) => total += f.unwrap_or(0) + if t { WORD_HIT } else { 0 },
        }
    }
    Some(total)
}

/// Finds every match among `candidates` (or every record) with the cheap test on both cores,
/// then gives the best of them the full fuzzy score. Returns all matches (for narrowing) and
/// the best `limit`, fully scored.
fn scan(
    index: &SearchIndex,
    q: &Query,
    candidates: Option<&[u32]>,
    limit: usize,
) -> (Vec<u32>, Vec<Scored>) {
    let prepared = prepare(index, q);
    let matches = find(index, q, &prepared, candidates);
    // Chunks are scanned in order, so the positions come out sorted (as narrowing needs).
    let positions: Vec<u32> = matches.iter().map(|m| m.1).collect();
    if prepared.words.is_empty() {
        return (positions, top(index, matches, limit));
    }
    let mut short = matches;
    let keep = limit.saturating_mul(RESCORE_FACTOR).max(1);
    if short.len() > keep {
        short.select_nth_unstable_by(keep - 1, |a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
        short.truncate(keep);
    }
    let matcher = SkimMatcherV2::default().ignore_case();
    let rescored: Vec<(i64, u32)> = short
        .iter()
        .map(|&(rank, pos)| {
            (
                score(&matcher, &index.records[pos as usize], pos, &prepared).unwrap_or(0)
                    + rank / 100,
                pos,
            )
        })
        .collect();
    (positions, top(index, rescored, limit))
}

/// Phase one over `candidates` (or all records), split across the cores.
fn find(
    index: &SearchIndex,
    q: &Query,
    prepared: &Prepared,
    candidates: Option<&[u32]>,
) -> Vec<(i64, u32)> {
    let all: Vec<u32>;
    let positions: &[u32] = match candidates {
        Some(c) => c,
        None => {
            all = (0..index.records.len() as u32).collect();
            &all
        }
    };
    let threads = std::thread::available_parallelism()
        .map_or(1, |n| n.get())
        .min(8);
    let chunk = positions.len().div_ceil(threads).max(4096);
    let filters = Filters::new(index, q);
    let run = |slice: &[u32]| -> Vec<(i64, u32)> {
        slice
            .iter()
            .filter_map(|&pos| {
                let r = &index.records[pos as usize];
                if !filters.pass(r) {
                    return None;
                }
                if prepared.words.is_empty() {
                    return Some((
                        i64::from(chrono::Datelike::num_days_from_ce(&r.discovered)),
                        pos,
                    ));
                }
                quick(r, pos, prepared).map(|s| (s, pos))
            })
            .collect()
    };
    if positions.len() <= chunk {
        return run(positions);
    }
    std::thread::scope(|scope| {
        let handles: Vec<_> = positions
            .chunks(chunk)
            .map(|slice| scope.spawn(move || run(slice)))
            .collect();
        handles
            .into_iter()
            .flat_map(|h| h.join().unwrap_or_default())
            .collect()
    })
}

/// The best `limit` of `matches`, best first (ties by id for stable output).
fn top(index: &SearchIndex, mut matches: Vec<(i64, u32)>, limit: usize) -> Vec<(i64, u32)> {
    let cmp = |a: &(i64, u32), b: &(i64, u32)| {
        b.0.cmp(&a.0).then_with(|| {
            index.records[a.1 as usize]
                .id
                .cmp(&index.records[b.1 as usize].id)
        })
    };
    if limit > 0 && matches.len() > limit {
        matches.select_nth_unstable_by(limit - 1, cmp);
        matches.truncate(limit);
    }
    matches.sort_by(cmp);
    matches
}

fn hits(index: &SearchIndex, q: &Query, best: &[(i64, u32)]) -> Vec<SearchHit> {
    let matcher = SkimMatcherV2::default().ignore_case();
    best.iter()
        .map(|(score, pos)| {
            let r = &index.records[*pos as usize];
            let mut positions: Vec<usize> = q
                .words
                .iter()
                .filter_map(|w| matcher.fuzzy_indices(&r.title, w))
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
                id: r.id.clone(),
                title: r.title.clone(),
                site: index.text(r.site).to_string(),
                status: r.status.as_str().into(),
                determination: r.determination.as_str().into(),
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
        let (matches, best) = scan(self, &q, None, limit);
        let total = matches.len();
        SearchResults {
            query: text.to_string(),
            total,
            hits: hits(self, &q, &best),
        }
    }
}

/// A search session that narrows from its previous result while the query grows.
#[derive(Debug, Default, Clone)]
pub struct Searcher {
    last: Option<(Query, u64, Vec<u32>)>,
}

impl Searcher {
    /// Runs `text` against `index`, reusing the previous matches when that is exact.
    pub fn search(&mut self, index: &SearchIndex, text: &str, limit: usize) -> SearchResults {
        let q = Query::parse(text);
        let previous = self
            .last
            .as_ref()
            .filter(|(old, generation, _)| *generation == index.generation && q.narrows(old))
            .map(|(_, _, m)| m.as_slice());
        let (positions, best) = scan(index, &q, previous, limit);
        debug_assert!(positions.is_sorted());
        let total = positions.len();
        let out = SearchResults {
            query: text.to_string(),
            total,
            hits: hits(index, &q, &best),
        };
        self.last = Some((q, index.generation, positions));
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{Incident, Note, Status, Subtype};
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
        for n in 0..600 {
            corpus.push(inc(
                &format!("I{n:04}"),
                &format!("{} {n}", titles[n % titles.len()]),
                ["North", "South"][n % 2],
                "results of the lab were faxed",
                None,
            ));
        }
        let index = SearchIndex::build(&corpus);
        let mut searcher = Searcher::default();
        let mut typed = String::new();
        for c in "fax lab resu".chars() {
            typed.push(c);
            let narrowed = searcher.search(&index, &typed, 50);
            let fresh = index.search(&typed, 50);
            assert_eq!(narrowed.total, fresh.total, "query {typed:?}");
            assert_eq!(ids(&narrowed), ids(&fresh), "query {typed:?}");
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
