//! Turning fetched bytes into clean csfeed [`Article`](csfeed_core::Article)s.
//!
//! `csfeed-ingest` is the parse-and-normalise stage of the pipeline. It never touches the
//! network or the database: it takes the bytes `csfeed-fetch` produced and returns articles
//! whose HTML has been sanitized (ammonia), whose text has been extracted for indexing, and
//! whose identity is stable across re-fetches. `csfeed inspect-feed` calls exactly this code.
#![deny(missing_docs)]

mod error;
mod feed;
mod html;

pub use error::IngestError;
pub use feed::{ParsedFeed, parse_feed};
pub use html::{html_to_text, sanitize_html};
