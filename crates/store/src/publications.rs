//! The ledger of publications each source's listing pages name (an Ofsted provider page's
//! reports, a scraped listing's stories).
//!
//! A listed publication is pending until it is stored, or failed with its reason and a
//! time to try again. The listing page's validators are saved in the same transaction as
//! its rows, and a publication is marked stored in the same transaction as its article and
//! facts: whatever stops a run, every listed publication is eventually stored or known to
//! have failed, even when its listing page answers "not modified" from then on.

use chrono::{DateTime, Utc};
use csfeed_core::{Article, InspectionRecord, SourceId};
use url::Url;

use crate::{Store, StoreError, UpsertCounts};

/// Where a listed publication stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PublicationStatus {
    /// Listed, not yet stored or tried.
    Pending,
    /// Stored (its article, and facts when it has them).
    Stored,
    /// Tried and failed; tried again from its `next_attempt_at`.
    Failed,
}

impl PublicationStatus {
    pub(crate) fn parse(text: &str) -> Result<Self, StoreError> {
        match text {
            "pending" => Ok(Self::Pending),
            "stored" => Ok(Self::Stored),
            "failed" => Ok(Self::Failed),
            other => Err(StoreError::Corrupt {
                what: "publication status",
                value: other.to_owned(),
            }),
        }
    }
}

/// One publication as a listing page names it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ListedPublication {
    /// Its address: the ledger's key within the source.
    pub url: String,
    /// What the caller needs to take it in later without the listing page (JSON, opaque
    /// to the store): a page that answers "not modified" gives nothing to re-read.
    pub details: String,
}

/// A listing page's validators and size, saved with its publications.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PageValidators {
    /// ETag to send next time.
    pub etag: Option<String>,
    /// Last-Modified to send next time.
    pub last_modified: Option<String>,
    /// Size of the body, counted as saved whenever the page answers "not modified".
    pub body_bytes: u64,
}

/// A ledger row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PublicationRecord {
    /// Its address.
    pub url: String,
    /// The listing page that named it last.
    pub listing_url: String,
    /// The caller's details, as recorded.
    pub details: String,
    /// Where it stands.
    pub status: PublicationStatus,
    /// Failed attempts so far.
    pub attempts: u32,
    /// The last failure's one-line reason.
    pub last_error: Option<String>,
    /// When a failed one may be tried again.
    pub next_attempt_at: Option<DateTime<Utc>>,
}

/// How taking in one publication ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Settlement {
    /// Stored (possibly with nothing new to write: it was already in the store).
    Stored,
    /// Failed; tried again from `retry_at`.
    Failed {
        /// One-line reason.
        error: String,
        /// When to try again.
        retry_at: DateTime<Utc>,
    },
}

/// The publications operations behind [`Store`]'s methods of the same names, one implementation per
/// backend.
pub(crate) trait PublicationOps {
    fn record_listing(
        &self,
        source: &SourceId,
        listing: &Url,
        publications: &[ListedPublication],
        validators: Option<&PageValidators>,
        at: DateTime<Utc>,
    ) -> Result<usize, StoreError>;
    fn record_page_not_modified(&self, source: &SourceId, page: &Url) -> Result<u64, StoreError>;
    fn due_publications(
        &self,
        source: &SourceId,
        now: DateTime<Utc>,
    ) -> Result<Vec<PublicationRecord>, StoreError>;
    fn settle_publication(
        &self,
        source: &SourceId,
        url: &str,
        settlement: &Settlement,
        articles: &[Article],
        inspections: &[InspectionRecord],
        seen_at: DateTime<Utc>,
    ) -> Result<UpsertCounts, StoreError>;
    fn publication_backlog(&self, source: &SourceId) -> Result<(u64, u64), StoreError>;
}

impl Store {
    /// Records the publications a listing page names, and then (in the same transaction)
    /// the page's validators when given. New ones are pending; known ones keep their status
    /// and get the page's latest details.
    pub fn record_listing(
        &self,
        source: &SourceId,
        listing: &Url,
        publications: &[ListedPublication],
        validators: Option<&PageValidators>,
        at: DateTime<Utc>,
    ) -> Result<usize, StoreError> {
        self.backend
            .record_listing(source, listing, publications, validators, at)
    }

    /// Counts a "not modified" answer to one of a source's listing pages against the
    /// source, with the bytes it saved (the page's last full size); returns those bytes.
    pub fn record_page_not_modified(&self, source: &SourceId, page: &Url) -> Result<u64, StoreError> {
        self.backend.record_page_not_modified(source, page)
    }

    /// The source's publications to take in at `now`: pending ones, and failed ones whose
    /// retry time has come; in the order they were first listed.
    pub fn due_publications(
        &self,
        source: &SourceId,
        now: DateTime<Utc>,
    ) -> Result<Vec<PublicationRecord>, StoreError> {
        self.backend.due_publications(source, now)
    }

    /// Settles one publication: its articles and inspection facts are stored and its row
    /// marked stored or failed, all in one transaction. A failed publication may still
    /// bring articles (a story kept with its listing's text until its page can be read).
    pub fn settle_publication(
        &self,
        source: &SourceId,
        url: &str,
        settlement: &Settlement,
        articles: &[Article],
        inspections: &[InspectionRecord],
        seen_at: DateTime<Utc>,
    ) -> Result<UpsertCounts, StoreError> {
        self.backend
            .settle_publication(source, url, settlement, articles, inspections, seen_at)
    }

    /// Publications of the source that are (pending, failed) now.
    pub fn publication_backlog(&self, source: &SourceId) -> Result<(u64, u64), StoreError> {
        self.backend.publication_backlog(source)
    }
}
