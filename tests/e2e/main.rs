//! End-to-end tests of the `csfeed` binary: real processes, a real SQLite database and
//! Tantivy index in a temporary data directory, and feeds served by a local HTTP server.

mod browser;
mod digest;
mod failures;
mod faults;
mod helpers;
mod inspect_feed;
mod judgments;
mod ofsted;
mod ofsted_mirror;
mod operations;
mod pipeline;
mod postgres;
mod records;
mod replicas;
mod resilience;
mod scraping;
mod search;
mod sources_check;
mod trust;
mod web;
