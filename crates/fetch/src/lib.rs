//! Fetching what csfeed sources point at, over HTTP(S) or from local files.
//!
//! `csfeed-fetch` is the only crate that talks to the outside world. It hands the ingest
//! stage raw bytes plus what it needs to interpret them (content type, final URL), and hands
//! the store the cache validators (ETag, Last-Modified) for the next conditional request.
//! Every limit is enforced here: connection, whole-request and stall timeouts, a redirect
//! limit and a body-size cap counted on decompressed bytes while streaming.
#![deny(missing_docs)]

mod error;
mod fetcher;
mod local;

pub use error::FetchError;
pub use fetcher::{FetchConfig, FetchOutcome, Fetched, Fetcher, Validators};
