//! Search over past and open incidents: as-you-type fuzzy search with field filters, "seen
//! before" (similar incidents and recurrence), recurring patterns and groups of near-identical
//! descriptions.

pub mod arena;
pub mod clusters;
pub mod engine;
pub mod filter;
pub mod ids;
pub mod index;
pub mod intern;
pub mod patterns;
pub mod postings;
pub mod probe;
pub mod query;
pub mod session;
pub mod shingles;
pub mod similar;

pub use index::SearchIndex;
pub use query::Query;
pub use session::Searcher;
