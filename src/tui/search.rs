//! Search over the console's own cache, so typing never waits for the network.

use super::cache::Cache;
use fuzzy_matcher::FuzzyMatcher;
use fuzzy_matcher::skim::SkimMatcherV2;

/// One local search result.
#[derive(Debug, Clone, PartialEq)]
pub struct LocalHit {
    /// Incident id.
    pub id: String,
    /// Score.
    pub score: i64,
    /// Matched character positions in the title as shown (`domain::text::safe_line`).
    pub positions: Vec<usize>,
}

/// The best `limit` incidents for `query`, best first.
pub fn search_cache(cache: &Cache, query: &str, limit: usize) -> Vec<LocalHit> {
    let query = query.trim();
    if query.is_empty() {
        return Vec::new();
    }
    let matcher = SkimMatcherV2::default().smart_case();
    let mut hits: Vec<LocalHit> = cache
        .items()
        .iter()
        .filter_map(|i| {
            // Positions index the title as shown (escapes made visible, bidi controls removed),
            // since that is the text the search popup highlights.
            let shown = crate::domain::text::safe_line(&i.title);
            let (title_score, positions) = matcher
                .fuzzy_indices(&shown, query)
                .unwrap_or((0, Vec::new()));
            let other = format!(
                "{} {} {}",
                i.site,
                i.classification.category_words(),
                i.entity.as_deref().unwrap_or("")
            );
            let other_score = matcher.fuzzy_match(&other, query).unwrap_or(0);
            let score = title_score.max(other_score / 2);
            (score > 0).then(|| LocalHit {
                id: i.id.clone(),
                score,
                positions,
            })
        })
        .collect();
    let k = limit.min(hits.len());
    if k > 0 && k < hits.len() {
        hits.select_nth_unstable_by(k - 1, |a, b| b.score.cmp(&a.score));
        hits.truncate(k);
    }
    hits.sort_by(|a, b| b.score.cmp(&a.score).then_with(|| a.id.cmp(&b.id)));
    hits
}
