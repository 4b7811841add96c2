//! Full-text search over csfeed's articles, with Tantivy.
//!
//! The index is derived data: `csfeed-store` is the record of truth and this crate follows
//! its change sequence. Every commit records, as its payload, the last change-sequence
//! number it covers (the watermark), so after a crash or an external `csfeed fetch` the
//! index catches up by indexing everything newer — and `rebuild` recreates it from scratch.
//!
//! One process holds the `IndexWriter` (Tantivy enforces this with a lock file); any number
//! may read. Search results are hydrated from the store, so the index stores only ids.
#![deny(missing_docs)]

mod error;
mod index;
mod query;
mod schema;

pub use error::SearchError;
pub use index::{CatchUp, OpenMode, SearchIndex};
pub use query::{SearchHit, SearchRequest, SearchResults, SortOrder};
