//! A query's field filters (site, category, status, determination, owner, dates), resolved
//! against the index's interned strings once per search so each record costs a few lookups.

use super::index::{Meta, SearchIndex};
use super::query::Query;

/// The filters of one query, ready to test records.
pub struct Filters<'q> {
    q: &'q Query,
    site: Option<Vec<bool>>,
    category: Option<Vec<bool>>,
    owner: Option<Vec<bool>>,
}

impl<'q> Filters<'q> {
    /// Resolves the filters of `q` against `index`.
    pub fn new(index: &SearchIndex, q: &'q Query) -> Self {
        Filters {
            q,
            site: q.site.as_deref().map(|s| index.strings_containing(s)),
            category: q.category.as_deref().map(|c| index.strings_containing(c)),
            owner: q.owner.as_deref().map(|o| index.strings_containing(o)),
        }
    }

    /// Whether any filter is set (without one, every record passes).
    pub fn active(&self) -> bool {
        let q = self.q;
        q.site.is_some()
            || q.category.is_some()
            || q.status.is_some()
            || q.determination.is_some()
            || q.owner.is_some()
            || q.after.is_some()
            || q.before.is_some()
    }

    /// Whether a record with these fields passes every filter.
    pub fn pass(&self, m: &Meta) -> bool {
        let has = |set: &Option<Vec<bool>>, id: u32| {
            set.as_ref()
                .is_none_or(|s| s.get(id as usize).copied().unwrap_or(false))
        };
        let q = self.q;
        has(&self.site, m.site)
            && (has(&self.category, m.category)
                || self
                    .category
                    .as_ref()
                    .is_some_and(|s| s.get(m.label as usize).copied().unwrap_or(false)))
            && q.status
                .as_deref()
                .is_none_or(|s| m.status.as_str().starts_with(s))
            && q.determination
                .as_deref()
                .is_none_or(|d| m.determination.as_str().starts_with(d))
            && has(&self.owner, m.owner)
            && q.after.is_none_or(|d| m.discovered >= d)
            && q.before.is_none_or(|d| m.discovered <= d)
    }
}
