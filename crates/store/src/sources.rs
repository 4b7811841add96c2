//! Sources and their fetch state.

use std::time::Duration;

use chrono::{DateTime, Utc};
use csfeed_core::{Source, SourceId, SourceKind};
use rusqlite::{OptionalExtension, Row, params};
use url::Url;

use crate::time::{from_db_opt, to_db};
use crate::{Store, StoreError};

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
}

/// A source with its fetch state and article count, as shown on `/sources`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SourceRecord {
    /// The source as last configured.
    pub source: Source,
    /// False once the source has been removed from config (its articles are kept).
    pub in_config: bool,
    /// How fetching it has gone.
    pub state: FetchState,
    /// Articles stored from it.
    pub article_count: u64,
}

impl SourceRecord {
    /// True when the last attempt failed.
    pub fn is_failing(&self) -> bool {
        self.state.consecutive_failures > 0
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
    },
    /// The source reported no change.
    NotModified {
        /// HTTP status, if the source is HTTP.
        http_status: Option<u16>,
        /// ETag to keep.
        etag: Option<String>,
        /// Last-Modified to keep.
        last_modified: Option<String>,
    },
    /// The fetch or the parse failed.
    Failed {
        /// HTTP status, if the server answered.
        http_status: Option<u16>,
        /// One-line reason.
        error: String,
    },
}

const SOURCE_COLUMNS: &str = "s.id, s.name, s.url, s.kind, s.interval_secs, s.enabled, s.in_config,
    f.last_attempt_at, f.last_success_at, f.last_error, f.last_status, f.consecutive_failures,
    f.etag, f.last_modified, f.next_due_at,
    (SELECT COUNT(*) FROM articles a WHERE a.source_id = s.id)";

impl Store {
    /// Makes the stored sources match `configured`: new ones are added, changed ones
    /// updated, and ones no longer configured are kept but marked as such.
    pub fn sync_sources(&self, configured: &[Source]) -> Result<(), StoreError> {
        self.connections.write(|connection| {
            let transaction = connection.transaction()?;
            transaction.execute("UPDATE sources SET in_config = 0", [])?;
            for source in configured {
                transaction.execute(
                    "INSERT INTO sources (id, name, url, kind, interval_secs, enabled, in_config)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, 1)
                     ON CONFLICT(id) DO UPDATE SET name = ?2, url = ?3, kind = ?4,
                         interval_secs = ?5, enabled = ?6, in_config = 1",
                    params![
                        source.id.as_str(),
                        source.name,
                        source.url.as_str(),
                        source.kind.as_str(),
                        source.interval.as_secs() as i64,
                        source.enabled,
                    ],
                )?;
                transaction.execute(
                    "INSERT INTO fetch_state (source_id) VALUES (?1) ON CONFLICT DO NOTHING",
                    [source.id.as_str()],
                )?;
            }
            transaction.commit()?;
            Ok(())
        })
    }

    /// Every stored source, configured ones first, by id.
    pub fn sources(&self) -> Result<Vec<SourceRecord>, StoreError> {
        self.connections.read(|connection| {
            let sql = format!(
                "SELECT {SOURCE_COLUMNS} FROM sources s LEFT JOIN fetch_state f ON f.source_id = s.id
                 ORDER BY s.in_config DESC, s.id"
            );
            let mut statement = connection.prepare_cached(&sql)?;
            let rows = statement.query_map([], source_from_row)?;
            rows.map(|row| row?).collect()
        })
    }

    /// One source by id.
    pub fn source(&self, id: &SourceId) -> Result<Option<SourceRecord>, StoreError> {
        self.connections.read(|connection| {
            let sql = format!(
                "SELECT {SOURCE_COLUMNS} FROM sources s LEFT JOIN fetch_state f ON f.source_id = s.id
                 WHERE s.id = ?1"
            );
            connection
                .query_row(&sql, [id.as_str()], source_from_row)
                .optional()?
                .transpose()
        })
    }

    /// Records one fetch attempt made at `at`, and when the source is next due.
    pub fn record_fetch(
        &self,
        id: &SourceId,
        at: DateTime<Utc>,
        result: &FetchResult,
        next_due_at: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        let at = to_db(at);
        let next_due_at = to_db(next_due_at);
        self.connections.write(|connection| {
            match result {
                FetchResult::Changed {
                    http_status,
                    etag,
                    last_modified,
                }
                | FetchResult::NotModified {
                    http_status,
                    etag,
                    last_modified,
                } => connection.execute(
                    "UPDATE fetch_state SET last_attempt_at = ?2, last_success_at = ?2,
                         last_error = NULL, last_status = ?3, consecutive_failures = 0,
                         etag = ?4, last_modified = ?5, next_due_at = ?6
                     WHERE source_id = ?1",
                    params![id.as_str(), at, http_status, etag, last_modified, next_due_at],
                )?,
                FetchResult::Failed { http_status, error } => connection.execute(
                    "UPDATE fetch_state SET last_attempt_at = ?2, last_error = ?3, last_status = ?4,
                         consecutive_failures = consecutive_failures + 1, next_due_at = ?5
                     WHERE source_id = ?1",
                    params![id.as_str(), at, error, http_status, next_due_at],
                )?,
            };
            Ok(())
        })
    }
}

fn source_from_row(row: &Row<'_>) -> rusqlite::Result<Result<SourceRecord, StoreError>> {
    let id: String = row.get(0)?;
    let url: String = row.get(2)?;
    let kind: String = row.get(3)?;
    let interval_secs: i64 = row.get(4)?;
    let state = (
        row.get::<_, Option<i64>>(7)?,
        row.get::<_, Option<i64>>(8)?,
        row.get::<_, Option<i64>>(14)?,
    );
    let name: String = row.get(1)?;
    let enabled: bool = row.get(5)?;
    let in_config: bool = row.get(6)?;
    let last_error: Option<String> = row.get(9)?;
    let last_status: Option<i64> = row.get(10)?;
    let failures: Option<i64> = row.get(11)?;
    let etag: Option<String> = row.get(12)?;
    let last_modified: Option<String> = row.get(13)?;
    let article_count: i64 = row.get(15)?;
    Ok((|| {
        let corrupt = |what: &'static str, value: &str| StoreError::Corrupt {
            what,
            value: value.to_owned(),
        };
        Ok(SourceRecord {
            source: Source {
                id: SourceId::parse(&id).map_err(|_| corrupt("source id", &id))?,
                name,
                url: Url::parse(&url).map_err(|_| corrupt("source url", &url))?,
                kind: SourceKind::parse(&kind).ok_or_else(|| corrupt("source kind", &kind))?,
                interval: Duration::from_secs(interval_secs.max(0) as u64),
                enabled,
            },
            in_config,
            state: FetchState {
                last_attempt_at: from_db_opt(state.0)?,
                last_success_at: from_db_opt(state.1)?,
                last_error,
                last_status: last_status.and_then(|status| u16::try_from(status).ok()),
                consecutive_failures: u32::try_from(failures.unwrap_or(0)).unwrap_or(u32::MAX),
                etag,
                last_modified,
                next_due_at: from_db_opt(state.2)?,
            },
            article_count: article_count.max(0) as u64,
        })
    })())
}
