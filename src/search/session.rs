//! A search session for as-you-type search: each keystroke starts from the previous one's
//! matches whenever that gives exactly the answer a fresh search would. A longer last word or
//! an added word can only drop matches, and the rank of the unchanged words is carried over, so
//! only the new word is tested; a word reaching the length at which descriptions are searched
//! adds the records whose texts hold it; an unchanged query (a typed space) costs nothing.

use super::engine::{Bits, Found, Prepared, Scope, TextHits, UNKNOWN, hits, prepare, scan};
use super::index::SearchIndex;
use super::query::Query;
use crate::domain::wire::SearchResults;

/// What a `Searcher` keeps of its last search.
struct Last {
    query: Query,
    generation: u64,
    sorted: bool,
    limit: usize,
    found: Found,
    results: SearchResults,
    prepared: Prepared,
}

/// How a query relates to the previous one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Step {
    /// Nothing changed.
    Same,
    /// The last word grew (staying on the same side of the text-search length), or a word was
    /// added: earlier matches with their earlier ranks, testing the last word only.
    Extend { appended: bool },
    /// The last word grew to the length at which descriptions are searched: earlier matches plus
    /// the records whose texts hold it.
    Widen,
    /// Some earlier word changed but the matches can only shrink.
    Narrow,
    /// Search everything.
    Fresh,
}

fn step(q: &Query, prev: &Query) -> Step {
    if q == prev {
        return Step::Same;
    }
    if !q.same_filters(prev) {
        return Step::Fresh;
    }
    let (new, old) = (&q.words, &prev.words);
    let (n, m) = (new.len(), old.len());
    if m >= 1 && n == m && new[..n - 1] == old[..m - 1] && new[n - 1].starts_with(&old[m - 1]) {
        let min = super::engine::TEXT_MIN;
        let widens = old[m - 1].chars().count() < min && new[n - 1].chars().count() >= min;
        return if widens {
            Step::Widen
        } else {
            Step::Extend { appended: false }
        };
    }
    if m >= 1 && n == m + 1 && new[..m] == old[..] {
        return Step::Extend { appended: true };
    }
    if q.narrows(prev) {
        return Step::Narrow;
    }
    Step::Fresh
}

/// The earlier matches together with the records in `bits`, ascending, and the rank of the
/// earlier words where known.
fn widen(found: &Found, bits: &Bits) -> (Vec<u32>, Vec<u32>) {
    let mut positions = Vec::with_capacity(found.positions.len());
    let mut known = Vec::with_capacity(found.positions.len());
    let mut i = 0;
    let old = &found.positions;
    for (w, word) in bits.0.iter().enumerate() {
        let mut word = *word;
        while word != 0 {
            let pos = (w * 64) as u32 + word.trailing_zeros();
            word &= word - 1;
            while i < old.len() && old[i] < pos {
                positions.push(old[i]);
                known.push(found.base[i]);
                i += 1;
            }
            if i < old.len() && old[i] == pos {
                known.push(found.base[i]);
                i += 1;
            } else {
                known.push(UNKNOWN);
            }
            positions.push(pos);
        }
    }
    positions.extend_from_slice(&old[i..]);
    known.extend_from_slice(&found.base[i..]);
    (positions, known)
}

/// A search session that starts each keystroke from the previous one's matches.
#[derive(Default)]
pub struct Searcher {
    last: Option<Last>,
}

impl std::fmt::Debug for Searcher {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Searcher")
            .field("last", &self.last.as_ref().map(|l| &l.query))
            .finish()
    }
}

impl Searcher {
    /// Runs `text` against `index`, reusing the previous search where that is exact.
    pub fn search(&mut self, index: &SearchIndex, text: &str, limit: usize) -> SearchResults {
        let q = Query::parse(text);
        let mut last = self.last.take().filter(|last| {
            last.generation == index.generation
                && last.sorted == index.is_sorted()
                && last.limit == limit
        });
        let step = last.as_ref().map_or(Step::Fresh, |l| step(&q, &l.query));
        if let Some(mut last) = last.take_if(|_| step == Step::Same) {
            let results = SearchResults {
                query: text.to_string(),
                ..last.results.clone()
            };
            last.query = q;
            self.last = Some(last);
            return results;
        }
        let all_words = matches!(step, Step::Widen | Step::Narrow | Step::Fresh);
        let prepared = prepare(index, &q, all_words, last.as_mut().map(|l| &mut l.prepared));
        let empty = Found::default();
        let prev = last.as_ref().map_or(&empty, |l| &l.found);
        let carried: Vec<u32>;
        let widened: (Vec<u32>, Vec<u32>);
        let scope = match step {
            Step::Extend { appended: false } => Scope::Some(&prev.positions, Some(&prev.base)),
            Step::Extend { appended: true } => {
                carried = prev
                    .base
                    .iter()
                    .zip(&prev.last)
                    .map(|(b, l)| b + l)
                    .collect();
                Scope::Some(&prev.positions, Some(&carried))
            }
            Step::Widen => match prepared.words.last().map(|w| &w.hits) {
                Some(TextHits::Bits(bits)) => {
                    widened = widen(prev, bits);
                    Scope::Some(&widened.0, Some(&widened.1))
                }
                _ => Scope::Some(&prev.positions, Some(&prev.base)),
            },
            Step::Narrow => Scope::Some(&prev.positions, None),
            Step::Same | Step::Fresh => Scope::All(0, index.slots() as u32),
        };
        let (found, best) = scan(index, &q, &prepared, scope, limit);
        debug_assert!(found.positions.is_sorted());
        let results = SearchResults {
            query: text.to_string(),
            total: found.positions.len(),
            hits: hits(index, &q, &best),
        };
        self.last = Some(Last {
            query: q,
            generation: index.generation,
            sorted: index.is_sorted(),
            limit,
            found,
            results: results.clone(),
            prepared,
        });
        results
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn steps() {
        let s = |a: &str, b: &str| step(&Query::parse(a), &Query::parse(b));
        assert_eq!(s("fax", "fax"), Step::Same);
        assert_eq!(s("fa", "f"), Step::Extend { appended: false });
        assert_eq!(s("faxe", "fax"), Step::Extend { appended: false });
        assert_eq!(s("fax", "fa"), Step::Widen);
        assert_eq!(s("fax l", "fax"), Step::Extend { appended: true });
        assert_eq!(s("faxe lab", "fax lab"), Step::Narrow);
        assert_eq!(s("fa", "fax"), Step::Fresh);
        assert_eq!(s("fax site:n", "fax"), Step::Fresh);
        assert_eq!(s("site:n fax", "site:n"), Step::Narrow);
    }
}
