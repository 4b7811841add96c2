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

use crate::time::from_db_opt;
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
    fn parse(text: &str) -> Result<Self, StoreError> {
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

impl PublicationRecord {
    /// A ledger row from its columns as both backends read them, or
    /// [`StoreError::Corrupt`] for an unknown status.
    pub(crate) fn from_columns(
        url: String,
        listing_url: String,
        details: String,
        status: &str,
        attempts: i64,
        last_error: Option<String>,
        next_attempt_at: Option<i64>,
    ) -> Result<Self, StoreError> {
        Ok(Self {
            url,
            listing_url,
            details,
            status: PublicationStatus::parse(status)?,
            attempts: u32::try_from(attempts.max(0)).unwrap_or(u32::MAX),
            last_error,
            next_attempt_at: from_db_opt(next_attempt_at)?,
        })
    }
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

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use chrono::TimeZone;
    use csfeed_core::{ArticleId, Source, SourceKind};

    use super::*;
    use crate::SourceChange;

    fn at(seconds: i64) -> DateTime<Utc> {
        Utc.timestamp_opt(1_720_000_000 + seconds, 0).unwrap()
    }

    fn with_ofsted(store: Store) -> (Store, SourceId) {
        let id = SourceId::parse("ofsted").unwrap();
        store
            .sync_sources(&[Source {
                id: id.clone(),
                name: "Ofsted".into(),
                url: Url::parse("https://reports.example/provider/44/%7Burn%7D").unwrap(),
                kind: SourceKind::Ofsted,
                interval: Duration::from_secs(3600),
                enabled: true,
                options: Default::default(),
            }])
            .unwrap();
        (store, id)
    }

    fn listed(url: &str) -> ListedPublication {
        ListedPublication {
            url: url.into(),
            details: format!("{{\"url\":{url:?}}}"),
        }
    }

    fn report_article(source: &SourceId, url: &str) -> Article {
        Article {
            id: ArticleId::derive(source, url),
            source: source.clone(),
            guid: url.into(),
            url: Some(Url::parse(url).unwrap()),
            title: "Inspection".into(),
            published: Some(at(0)),
            updated: None,
            authors: vec![],
            summary: String::new(),
            content_html: "<p>report</p>".into(),
            content_text: "report".into(),
            local_authorities: vec![],
            topics: vec![],
        }
    }

    backend_tests! {
        fn listed_publications_stay_due_until_settled_and_failures_wait_their_turn(store) {
            let (store, id) = with_ofsted(store);
            let page = Url::parse("https://reports.example/provider/44/80560").unwrap();
            let (a, b) = ("https://files.example/a", "https://files.example/b");
            let validators = PageValidators {
                etag: Some("\"p1\"".into()),
                last_modified: None,
                body_bytes: 4000,
            };
            let added = store
                .record_listing(&id, &page, &[listed(a), listed(b)], Some(&validators), at(0))
                .unwrap();
            assert_eq!(added, 2);
            assert_eq!(store.http_validators(&page).unwrap().0.as_deref(), Some("\"p1\""));
            assert_eq!(
                store
                    .record_listing(&id, &page, &[listed(a)], None, at(1))
                    .unwrap(),
                0,
                "listed again, not twice"
            );
            let due: Vec<String> = store
                .due_publications(&id, at(2))
                .unwrap()
                .into_iter()
                .map(|p| p.url)
                .collect();
            assert_eq!(due, [a, b]);

            let counts = store
                .settle_publication(&id, a, &Settlement::Stored, &[report_article(&id, a)], &[], at(3))
                .unwrap();
            assert_eq!(counts.new, 1);
            let failed = Settlement::Failed {
                error: "HTTP 500".into(),
                retry_at: at(600),
            };
            store
                .settle_publication(&id, b, &failed, &[], &[], at(3))
                .unwrap();
            assert!(
                store.due_publications(&id, at(599)).unwrap().is_empty(),
                "b waits for its retry"
            );
            let retry = store.due_publications(&id, at(600)).unwrap();
            assert_eq!(retry.len(), 1);
            assert_eq!(
                (retry[0].status, retry[0].attempts, retry[0].last_error.as_deref()),
                (PublicationStatus::Failed, 1, Some("HTTP 500"))
            );
            let record = store.source(&id).unwrap().unwrap();
            assert_eq!((record.publications_pending, record.publications_failing), (0, 1));
            assert_eq!(store.publication_backlog(&id).unwrap(), (0, 1));

            store.change_source(&id, SourceChange::Refresh, at(4)).unwrap();
            assert_eq!(
                store.due_publications(&id, at(5)).unwrap().len(),
                1,
                "a refresh cuts the wait short"
            );
            store
                .record_listing(&id, &page, &[listed(a)], None, at(6))
                .unwrap();
            assert!(
                store
                    .due_publications(&id, at(7))
                    .unwrap()
                    .iter()
                    .all(|p| p.url == b),
                "a stored publication listed again stays stored"
            );
        }

        fn not_modified_pages_count_the_bytes_they_saved(store) {
            let (store, id) = with_ofsted(store);
            let page = Url::parse("https://reports.example/provider/44/80560").unwrap();
            let validators = PageValidators {
                body_bytes: 4000,
                ..PageValidators::default()
            };
            store
                .record_listing(&id, &page, &[], Some(&validators), at(0))
                .unwrap();
            assert_eq!(store.record_page_not_modified(&id, &page).unwrap(), 4000);
            assert_eq!(store.record_page_not_modified(&id, &page).unwrap(), 4000);
            let state = store.source(&id).unwrap().unwrap().state;
            assert_eq!((state.not_modified, state.bytes_saved), (2, 8000));
        }
    }
}
