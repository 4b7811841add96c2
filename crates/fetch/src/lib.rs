//! Fetching what csfeed sources point at, politely, over HTTP(S) or from local files.
//!
//! `csfeed-fetch` is the only crate that talks to the outside world, and it is built to be
//! welcome there and to survive anything it meets:
//!
//! - **polite**: conditional GET (ETag / Last-Modified), robots.txt per RFC 9309 with
//!   Crawl-delay ([`robots`]), at most one request in flight per host and a minimum gap
//!   between requests to a host, a global concurrency limit ([`politeness`]), and a
//!   User-Agent that names the service and a contact URL;
//! - **robust**: connect, whole-request and stall timeouts, a body-size cap counted on
//!   decompressed bytes while streaming, redirects followed by hand with a limit, loop
//!   detection and robots checks on every hop, `Retry-After` read in both forms;
//! - **honest about text**: [`decode_text`] finds a document's charset from its BOM,
//!   `Content-Type`, XML prolog or HTML meta and decodes it with encoding_rs.
//!
//! It hands the ingest stage raw bytes plus what it needs to interpret them, and hands the
//! store the validators for the next conditional request.
#![deny(missing_docs)]

mod charset;
mod config;
mod error;
mod fetcher;
mod local;
pub mod politeness;
mod retry_after;
pub mod robots;

pub use charset::decode_text;
pub use config::FetchConfig;
pub use error::FetchError;
pub use fetcher::{Downloaded, FetchOutcome, Fetched, Fetcher, Validators};
pub use politeness::SharedHostSlots;

#[cfg(test)]
mod tests;
