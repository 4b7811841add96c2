//! PostgreSQL: publications.

use chrono::{DateTime, Utc};
use csfeed_core::{Article, InspectionRecord, SourceId};
use url::Url;

use super::Postgres;
use crate::publications::{ListedPublication, PageValidators, PublicationOps, PublicationRecord, Settlement};
use crate::{StoreError, UpsertCounts};

impl PublicationOps for Postgres {
    fn record_listing(
        &self,
        _source: &SourceId,
        _listing: &Url,
        _publications: &[ListedPublication],
        _validators: Option<&PageValidators>,
        _at: DateTime<Utc>,
    ) -> Result<usize, StoreError> {
        Err(StoreError::NotOnPostgresYet("record_listing"))
    }

    fn record_page_not_modified(&self, _source: &SourceId, _page: &Url) -> Result<u64, StoreError> {
        Err(StoreError::NotOnPostgresYet("record_page_not_modified"))
    }

    fn due_publications(
        &self,
        _source: &SourceId,
        _now: DateTime<Utc>,
    ) -> Result<Vec<PublicationRecord>, StoreError> {
        Err(StoreError::NotOnPostgresYet("due_publications"))
    }

    fn settle_publication(
        &self,
        _source: &SourceId,
        _url: &str,
        _settlement: &Settlement,
        _articles: &[Article],
        _inspections: &[InspectionRecord],
        _seen_at: DateTime<Utc>,
    ) -> Result<UpsertCounts, StoreError> {
        Err(StoreError::NotOnPostgresYet("settle_publication"))
    }

    fn publication_backlog(&self, _source: &SourceId) -> Result<(u64, u64), StoreError> {
        Err(StoreError::NotOnPostgresYet("publication_backlog"))
    }
}
