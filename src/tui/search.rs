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
    let hits = results
        .hits
        .into_iter()
        .map(|h| LocalHit {
            id: h.id,
            score: h.score,
            positions: h.title_positions,
        })
        .collect();
    (hits, results.total)
}
