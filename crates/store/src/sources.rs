//! Sources, their fetch state, and per-URL HTTP validators.

use std::time::Duration;

use chrono::{DateTime, Utc};
use csfeed_core::{Source, SourceId, SourceKind};
use url::Url;

use crate::time::from_db_opt;
use crate::{Store, StoreError};

/// Consecutive fetches that must end at the same permanent-redirect target before the
/// source's fetch URL is switched to it (one 301 may be a mistake; several are a move).
pub const REDIRECT_ADOPT_AFTER: u32 = 3;

/// How the last fetches of a source went.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FetchState {
    /// When it was last tried.
    pub last_attempt_at: Option<DateTime<Utc>>,
    /// When it last succeeded (including "not modified").
    pub last_success_at: Option<DateTime<Utc>>,
    /// The last failure's one-line reason; cleared by a success.
    pub last_error: Option<String>,
    /// The last HTTP status seen, if any.
    pub last_status: Option<u16>,
    /// Failures since the last success.
    pub consecutive_failures: u32,
    /// ETag to send next time.
    pub etag: Option<String>,
    /// Last-Modified to send next time.
    pub last_modified: Option<String>,
    /// When it should next be fetched; `None` means now.
    pub next_due_at: Option<DateTime<Utc>>,
    /// A permanent redirect seen on the latest fetches, not yet adopted.
    pub redirect_to: Option<String>,
    /// Consecutive fetches that ended at `redirect_to`.
    pub redirect_seen: u32,
    /// Size of the last full response body.
    pub last_body_bytes: Option<u64>,
    /// Bytes not downloaded thanks to "not modified" answers.
    pub bytes_saved: u64,
    /// Fetch attempts in all.
    pub fetches: u64,
    /// Attempts answered "not modified".
    pub not_modified: u64,
}

/// A source with its fetch state and article count, as shown on `/sources`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SourceRecord {
    /// The source as last configured.
    pub source: Source,
    /// Where it has permanently moved to (after [`REDIRECT_ADOPT_AFTER`] fetches), if so.
    pub moved_to: Option<Url>,
    /// False once the source has been removed from config (its articles are kept).
    pub in_config: bool,
    /// How fetching it has gone.
    pub state: FetchState,
    /// Articles stored from it.
    pub article_count: u64,
    /// When the operator paused it (it is not fetched on schedule until resumed).
    pub paused_at: Option<DateTime<Utc>>,
    /// Publications its listing pages name that are not stored or tried yet.
    pub publications_pending: u64,
    /// Publications that failed and wait for their retry.
    pub publications_failing: u64,
}

impl SourceRecord {
    /// True when the last attempt failed.
    pub fn is_failing(&self) -> bool {
        self.state.consecutive_failures > 0
    }

    /// True when the scheduler fetches it: configured, enabled and not paused.
    pub fn is_scheduled(&self) -> bool {
        self.in_config && self.source.enabled && self.paused_at.is_none()
    }

    /// One word or phrase for the source's state, as `/sources` and `csfeed sources list`
    /// show it: "removed from config", "disabled", "paused", "blocked by robots.txt",
    /// "failing", "ok" or "not fetched yet".
    pub fn status(&self) -> &'static str {
        let blocked = self
            .state
            .last_error
            .as_deref()
            .is_some_and(|error| error.starts_with("blocked by robots.txt"));
        if !self.in_config {
            "removed from config"
        } else if !self.source.enabled {
            "disabled"
        } else if self.paused_at.is_some() {
            "paused"
        } else if self.is_failing() && blocked {
            "blocked by robots.txt"
        } else if self.is_failing() {
            "failing"
        } else if self.state.last_success_at.is_some() {
            "ok"
        } else {
            "not fetched yet"
        }
    }

    /// The URL to request: where it moved to, else the configured one.
    pub fn url_to_fetch(&self) -> &Url {
        self.moved_to.as_ref().unwrap_or(&self.source.url)
    }
}

/// What the operator can do to a source while csfeed runs (`csfeed sources pause|resume|
/// refresh ID`, `POST /admin/sources/{id}/{change}`); the config file is not touched.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SourceChange {
    /// The scheduler skips it until resumed (it can still be fetched by name).
    Pause,
    /// The scheduler fetches it again when it is due.
    Resume,
    /// Due now: the scheduler's next round fetches it, cutting any backoff short (its
    /// failed publications' too).
    Refresh,
}

impl SourceChange {
    /// The change named `pause`, `resume` or `refresh`.
    pub fn parse(name: &str) -> Option<Self> {
        match name {
            "pause" => Some(SourceChange::Pause),
            "resume" => Some(SourceChange::Resume),
            "refresh" => Some(SourceChange::Refresh),
            _ => None,
        }
    }

    /// Its name, as [`SourceChange::parse`] reads it.
    pub fn as_str(self) -> &'static str {
        match self {
            SourceChange::Pause => "pause",
            SourceChange::Resume => "resume",
            SourceChange::Refresh => "refresh",
        }
    }
}

/// The result of one fetch attempt, to be recorded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FetchResult {
    /// New content was fetched and ingested.
    Changed {
        /// HTTP status, if the source is HTTP.
        http_status: Option<u16>,
        /// New ETag.
        etag: Option<String>,
        /// New Last-Modified.
        last_modified: Option<String>,
        /// Size of the body.
        body_bytes: u64,
        /// The final URL when every redirect on the way was permanent.
        moved_to: Option<Url>,
    },
    /// The source reported no change.
    NotModified {
        /// HTTP status, if the source is HTTP.
        http_status: Option<u16>,
        /// ETag to keep.
        etag: Option<String>,
        /// Last-Modified to keep.
        last_modified: Option<String>,
        /// The final URL when every redirect on the way was permanent.
        moved_to: Option<Url>,
    },
    /// The fetch or the parse failed.
    Failed {
        /// HTTP status, if the server answered.
        http_status: Option<u16>,
        /// One-line reason.
        error: String,
    },
}

/// A source row's columns, in order, as both backends select them.
pub(crate) const SOURCE_COLUMNS: &str =
    "s.id, s.name, s.url, s.kind, s.interval_secs, s.enabled, s.in_config,
    f.last_attempt_at, f.last_success_at, f.last_error, f.last_status, f.consecutive_failures,
    f.etag, f.last_modified, f.next_due_at,
    (SELECT COUNT(*) FROM articles a WHERE a.source_id = s.id),
    s.fetch_url, f.redirect_to, f.redirect_seen, f.last_body_bytes, f.bytes_saved, f.fetches,
    f.not_modified, s.options, s.paused_at,
    (SELECT COUNT(*) FROM publications p WHERE p.source_id = s.id AND p.status = 'pending'),
    (SELECT COUNT(*) FROM publications p WHERE p.source_id = s.id AND p.status = 'failed')";

/// A source row as read ([`SOURCE_COLUMNS`]), before it is checked and turned into a
/// [`SourceRecord`]; both backends read into this.
pub(crate) struct StoredSource {
    pub(crate) id: String,
    pub(crate) name: String,
    pub(crate) url: String,
    pub(crate) kind: String,
    pub(crate) interval_secs: i64,
    pub(crate) enabled: bool,
    pub(crate) in_config: bool,
    pub(crate) attempt: Option<i64>,
    pub(crate) success: Option<i64>,
    pub(crate) next_due: Option<i64>,
    pub(crate) last_error: Option<String>,
    pub(crate) last_status: Option<i64>,
    pub(crate) failures: Option<i64>,
    pub(crate) etag: Option<String>,
    pub(crate) last_modified: Option<String>,
    pub(crate) article_count: i64,
    pub(crate) fetch_url: Option<String>,
    pub(crate) redirect_to: Option<String>,
    pub(crate) redirect_seen: Option<i64>,
    pub(crate) last_body_bytes: Option<i64>,
    pub(crate) bytes_saved: Option<i64>,
    pub(crate) fetches: Option<i64>,
    pub(crate) not_modified: Option<i64>,
    pub(crate) options: String,
    pub(crate) paused_at: Option<i64>,
    pub(crate) pending: Option<i64>,
    pub(crate) failing: Option<i64>,
}

impl StoredSource {
    /// The record, or [`StoreError::Corrupt`] naming the first unreadable column.
    pub(crate) fn into_record(self) -> Result<SourceRecord, StoreError> {
        let count = |value: Option<i64>| value.unwrap_or(0).max(0) as u64;
        let corrupt = |what: &'static str, value: &str| StoreError::Corrupt {
            what,
            value: value.to_owned(),
        };
        let Self {
            id,
            name,
            url,
            kind,
            interval_secs,
            enabled,
            in_config,
            attempt,
            success,
            next_due,
            last_error,
            last_status,
            failures,
            etag,
            last_modified,
            article_count,
            fetch_url,
            redirect_to,
            redirect_seen,
            last_body_bytes,
            bytes_saved,
            fetches,
            not_modified,
            options,
            paused_at,
            pending,
            failing,
        } = self;
        Ok(SourceRecord {
            source: Source {
                id: SourceId::parse(&id).map_err(|_| corrupt("source id", &id))?,
                name,
                url: Url::parse(&url).map_err(|_| corrupt("source url", &url))?,
                kind: SourceKind::parse(&kind).ok_or_else(|| corrupt("source kind", &kind))?,
                interval: Duration::from_secs(interval_secs.max(0) as u64),
                enabled,
                options: serde_json::from_str(&options).map_err(|_| corrupt("source options", &options))?,
            },
            moved_to: fetch_url
                .as_deref()
                .map(Url::parse)
                .transpose()
                .map_err(|_| corrupt("fetch url", fetch_url.as_deref().unwrap_or_default()))?,
            in_config,
            state: FetchState {
                last_attempt_at: from_db_opt(attempt)?,
                last_success_at: from_db_opt(success)?,
                last_error,
                last_status: last_status.and_then(|status| u16::try_from(status).ok()),
                consecutive_failures: u32::try_from(failures.unwrap_or(0)).unwrap_or(u32::MAX),
                etag,
                last_modified,
                next_due_at: from_db_opt(next_due)?,
                redirect_to,
                redirect_seen: u32::try_from(count(redirect_seen)).unwrap_or(u32::MAX),
                last_body_bytes: last_body_bytes.map(|bytes| bytes.max(0) as u64),
                bytes_saved: count(bytes_saved),
                fetches: count(fetches),
                not_modified: count(not_modified),
            },
            article_count: count(Some(article_count)),
            paused_at: from_db_opt(paused_at)?,
            publications_pending: count(pending),
            publications_failing: count(failing),
        })
    }
}

/// The sources operations behind [`Store`]'s methods of the same names, one implementation per
/// backend.
pub(crate) trait SourceOps {
    fn sync_sources(&self, configured: &[Source]) -> Result<(), StoreError>;
    fn sources(&self) -> Result<Vec<SourceRecord>, StoreError>;
    fn source(&self, id: &SourceId) -> Result<Option<SourceRecord>, StoreError>;
    fn change_source(
        &self,
        id: &SourceId,
        change: SourceChange,
        now: DateTime<Utc>,
    ) -> Result<bool, StoreError>;
    fn record_fetch(
        &self,
        id: &SourceId,
        at: DateTime<Utc>,
        result: &FetchResult,
        next_due_at: DateTime<Utc>,
    ) -> Result<(), StoreError>;
    fn http_validators(&self, url: &Url) -> Result<(Option<String>, Option<String>), StoreError>;
    fn set_http_validators(
        &self,
        url: &Url,
        etag: Option<&str>,
        last_modified: Option<&str>,
        at: DateTime<Utc>,
    ) -> Result<(), StoreError>;
}

impl Store {
    /// Makes the stored sources match `configured`: new ones are added, changed ones
    /// updated (a changed URL forgets any adopted redirect), and ones no longer configured
    /// are kept but marked as such.
    pub fn sync_sources(&self, configured: &[Source]) -> Result<(), StoreError> {
        self.backend.sync_sources(configured)
    }

    /// Every stored source, configured ones first, by id.
    pub fn sources(&self) -> Result<Vec<SourceRecord>, StoreError> {
        self.backend.sources()
    }

    /// One source by id.
    pub fn source(&self, id: &SourceId) -> Result<Option<SourceRecord>, StoreError> {
        self.backend.source(id)
    }

    /// Applies the operator's `change` to the source at `now`; false when there is no
    /// such source.
    pub fn change_source(
        &self,
        id: &SourceId,
        change: SourceChange,
        now: DateTime<Utc>,
    ) -> Result<bool, StoreError> {
        self.backend.change_source(id, change, now)
    }

    /// Records one fetch attempt made at `at`, and when the source is next due. A
    /// permanent redirect seen [`REDIRECT_ADOPT_AFTER`] times in a row becomes the
    /// source's fetch URL.
    pub fn record_fetch(
        &self,
        id: &SourceId,
        at: DateTime<Utc>,
        result: &FetchResult,
        next_due_at: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        self.backend.record_fetch(id, at, result, next_due_at)
    }

    /// Validators stored for a page or PDF URL (not a source's own URL).
    pub fn http_validators(&self, url: &Url) -> Result<(Option<String>, Option<String>), StoreError> {
        self.backend.http_validators(url)
    }

    /// Stores the validators of a page or PDF URL for its next conditional request.
    pub fn set_http_validators(
        &self,
        url: &Url,
        etag: Option<&str>,
        last_modified: Option<&str>,
        at: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        self.backend.set_http_validators(url, etag, last_modified, at)
    }
}
