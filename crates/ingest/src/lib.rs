//! Turning fetched bytes into clean csfeed [`Article`](csfeed_core::Article)s.
//!
//! `csfeed-ingest` is the parse-and-normalise stage of the pipeline. It never touches the
//! network or the database: it takes the bytes `csfeed-fetch` produced and returns articles
//! whose HTML has been sanitized (ammonia), whose text has been extracted for indexing, and
//! whose identity is stable across re-fetches. `csfeed inspect-feed` calls exactly this code.
#![deny(missing_docs)]

mod article;
mod dates;
mod error;
mod extract;
mod feed;
mod html;
mod judgments;
mod listing;
mod normalise;

pub use article::{Draft as ArticleDraft, article_from_listing, complete_article, looks_like_excerpt};
pub use dates::parse_date;
pub use error::IngestError;
pub use extract::{ExtractedPage, extract_page};
pub use feed::{ParsedFeed, parse_feed};
pub use html::{html_to_text, sanitize_html};
pub use judgments::parse_judgments;
pub use listing::{CompiledSelectors, Listing, ListingItem, parse_listing};
