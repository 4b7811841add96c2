//! PostgreSQL: sources.

use chrono::{DateTime, Utc};
use csfeed_core::{Source, SourceId};
use url::Url;

use super::Postgres;
use crate::StoreError;
use crate::sources::{FetchResult, SourceChange, SourceOps, SourceRecord};

impl SourceOps for Postgres {
    fn sync_sources(&self, _configured: &[Source]) -> Result<(), StoreError> {
        Err(StoreError::NotOnPostgresYet("sync_sources"))
    }

    fn sources(&self) -> Result<Vec<SourceRecord>, StoreError> {
        Err(StoreError::NotOnPostgresYet("sources"))
    }

    fn source(&self, _id: &SourceId) -> Result<Option<SourceRecord>, StoreError> {
        Err(StoreError::NotOnPostgresYet("source"))
    }

    fn change_source(
        &self,
        _id: &SourceId,
        _change: SourceChange,
        _now: DateTime<Utc>,
    ) -> Result<bool, StoreError> {
        Err(StoreError::NotOnPostgresYet("change_source"))
    }

    fn record_fetch(
        &self,
        _id: &SourceId,
        _at: DateTime<Utc>,
        _result: &FetchResult,
        _next_due_at: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        Err(StoreError::NotOnPostgresYet("record_fetch"))
    }

    fn http_validators(&self, _url: &Url) -> Result<(Option<String>, Option<String>), StoreError> {
        Err(StoreError::NotOnPostgresYet("http_validators"))
    }

    fn set_http_validators(
        &self,
        _url: &Url,
        _etag: Option<&str>,
        _last_modified: Option<&str>,
        _at: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        Err(StoreError::NotOnPostgresYet("set_http_validators"))
    }
}
