//! Search over the console's own cache through the shared search index, so typing never waits
//! for the network; a `Searcher` narrows from the previous keystroke's result.

use crate::search::{SearchIndex, Searcher};

/// One local search result.
#[derive(Debug, Clone, PartialEq)]
pub struct LocalHit {
    /// Incident id.
    pub id: String,
    /// Score.
    pub score: i64,
    /// Matched character positions in the title.
    pub positions: Vec<usize>,
}

/// The best `limit` incidents for `query`, best first, and how many matched in all.
pub fn search_local(
    index: &SearchIndex,
    searcher: &mut Searcher,
    query: &str,
    limit: usize,
) -> (Vec<LocalHit>, usize) {
    if query.trim().is_empty() {
        return (Vec::new(), 0);
    }
    let results = searcher.search(index, query, limit);
    let words = crate::search::Query::parse(query).words;
    let matcher = fuzzy_matcher::skim::SkimMatcherV2::default().ignore_case();
    let hits = results
        .hits
        .into_iter()
        .map(|h| {
            // Positions index the title as shown (escapes made visible, bidi controls
            // removed), since that is the text the search popup highlights.
            let shown = crate::domain::text::safe_line(&h.title);
            let mut positions: Vec<usize> = words
                .iter()
                .filter_map(|w| fuzzy_matcher::FuzzyMatcher::fuzzy_indices(&matcher, &shown, w))
                .flat_map(|(_, p)| p)
                .collect();
            positions.sort_unstable();
            positions.dedup();
            LocalHit {
                id: h.id,
                score: h.score,
                positions,
            }
        })
        .collect();
    (hits, results.total)
}
