//! Sources, their fetch state, and per-URL HTTP validators.

use chrono::{DateTime, Utc};
use csfeed_core::{Source, SourceId};
use rusqlite::{Connection, OptionalExtension, Row, params};
use url::Url;

use super::Sqlite;
use crate::StoreError;
use crate::sources::{
    FetchResult, REDIRECT_ADOPT_AFTER, SOURCE_COLUMNS, SourceChange, SourceOps, SourceRecord, StoredSource,
};
use crate::time::to_db;

impl SourceOps for Sqlite {
    fn sync_sources(&self, configured: &[Source]) -> Result<(), StoreError> {
        self.connections.write(|connection| {
            let transaction = connection.transaction()?;
            transaction.execute("UPDATE sources SET in_config = 0", [])?;
            for source in configured {
                transaction.execute(
                    "INSERT INTO sources (id, name, url, kind, interval_secs, enabled, in_config, options)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, 1, ?7)
                     ON CONFLICT(id) DO UPDATE SET name = ?2, url = ?3, kind = ?4,
                         interval_secs = ?5, enabled = ?6, in_config = 1, options = ?7,
                         fetch_url = CASE WHEN url = ?3 THEN fetch_url ELSE NULL END",
                    params![
                        source.id.as_str(),
                        source.name,
                        source.url.as_str(),
                        source.kind.as_str(),
                        source.interval.as_secs() as i64,
                        source.enabled,
                        serde_json::to_string(&source.options).unwrap_or_else(|_| "{}".to_owned()),
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

    fn sources(&self) -> Result<Vec<SourceRecord>, StoreError> {
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

    fn source(&self, id: &SourceId) -> Result<Option<SourceRecord>, StoreError> {
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

    fn change_source(
        &self,
        id: &SourceId,
        change: SourceChange,
        now: DateTime<Utc>,
    ) -> Result<bool, StoreError> {
        self.connections.write(|connection| {
            let changed = match change {
                // A second pause keeps the first one's time.
                SourceChange::Pause => connection.execute(
                    "UPDATE sources SET paused_at = COALESCE(paused_at, ?2) WHERE id = ?1",
                    params![id.as_str(), to_db(now)],
                )?,
                SourceChange::Resume => {
                    connection.execute("UPDATE sources SET paused_at = NULL WHERE id = ?1", [id.as_str()])?
                }
                SourceChange::Refresh => {
                    // Its failed publications are due now too: the operator cut the wait short.
                    connection.execute(
                        "UPDATE publications SET next_attempt_at = NULL WHERE source_id = ?1 AND status = 'failed'",
                        [id.as_str()],
                    )?;
                    connection.execute(
                        "UPDATE fetch_state SET next_due_at = NULL WHERE source_id = ?1",
                        [id.as_str()],
                    )?
                }
            };
            Ok(changed > 0)
        })
    }

    fn record_fetch(
        &self,
        id: &SourceId,
        at: DateTime<Utc>,
        result: &FetchResult,
        next_due_at: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        let (at, next_due_at) = (to_db(at), to_db(next_due_at));
        self.connections.write(|connection| {
            let transaction = connection.transaction()?;
            match result {
                FetchResult::Changed {
                    http_status,
                    etag,
                    last_modified,
                    body_bytes,
                    moved_to,
                } => {
                    transaction.execute(
                        "UPDATE fetch_state SET last_attempt_at = ?2, last_success_at = ?2,
                             last_error = NULL, last_status = ?3, consecutive_failures = 0,
                             etag = ?4, last_modified = ?5, next_due_at = ?6,
                             last_body_bytes = ?7, fetches = fetches + 1
                         WHERE source_id = ?1",
                        params![
                            id.as_str(),
                            at,
                            http_status,
                            etag,
                            last_modified,
                            next_due_at,
                            *body_bytes as i64
                        ],
                    )?;
                    track_redirect(&transaction, id, moved_to.as_ref())?;
                }
                FetchResult::NotModified {
                    http_status,
                    etag,
                    last_modified,
                    moved_to,
                } => {
                    transaction.execute(
                        "UPDATE fetch_state SET last_attempt_at = ?2, last_success_at = ?2,
                             last_error = NULL, last_status = ?3, consecutive_failures = 0,
                             etag = ?4, last_modified = ?5, next_due_at = ?6,
                             bytes_saved = bytes_saved + COALESCE(last_body_bytes, 0),
                             fetches = fetches + 1, not_modified = not_modified + 1
                         WHERE source_id = ?1",
                        params![id.as_str(), at, http_status, etag, last_modified, next_due_at],
                    )?;
                    track_redirect(&transaction, id, moved_to.as_ref())?;
                }
                FetchResult::Failed { http_status, error } => {
                    transaction.execute(
                        "UPDATE fetch_state SET last_attempt_at = ?2, last_error = ?3, last_status = ?4,
                             consecutive_failures = consecutive_failures + 1, next_due_at = ?5,
                             fetches = fetches + 1
                         WHERE source_id = ?1",
                        params![id.as_str(), at, error, http_status, next_due_at],
                    )?;
                }
            }
            transaction.commit()?;
            Ok(())
        })
    }

    fn http_validators(&self, url: &Url) -> Result<(Option<String>, Option<String>), StoreError> {
        self.connections.read(|connection| {
            let found = connection
                .prepare_cached("SELECT etag, last_modified FROM http_cache WHERE url = ?1")?
                .query_row([url.as_str()], |row| Ok((row.get(0)?, row.get(1)?)))
                .optional()?;
            Ok(found.unwrap_or_default())
        })
    }

    fn set_http_validators(
        &self,
        url: &Url,
        etag: Option<&str>,
        last_modified: Option<&str>,
        at: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        self.connections.write(|connection| {
            connection.execute(
                "INSERT INTO http_cache (url, etag, last_modified, checked_at) VALUES (?1, ?2, ?3, ?4)
                 ON CONFLICT(url) DO UPDATE SET etag = ?2, last_modified = ?3, checked_at = ?4",
                params![url.as_str(), etag, last_modified, to_db(at)],
            )?;
            Ok(())
        })
    }
}

/// Counts consecutive fetches ending at the same permanent-redirect target and adopts it
/// as the fetch URL once it has held long enough; any other outcome resets the count.
fn track_redirect(connection: &Connection, id: &SourceId, moved_to: Option<&Url>) -> Result<(), StoreError> {
    let Some(target) = moved_to else {
        connection.execute(
            "UPDATE fetch_state SET redirect_to = NULL, redirect_seen = 0 WHERE source_id = ?1",
            [id.as_str()],
        )?;
        return Ok(());
    };
    let (previous, seen): (Option<String>, i64) = connection.query_row(
        "SELECT redirect_to, redirect_seen FROM fetch_state WHERE source_id = ?1",
        [id.as_str()],
        |row| Ok((row.get(0)?, row.get(1)?)),
    )?;
    let seen = if previous.as_deref() == Some(target.as_str()) {
        seen + 1
    } else {
        1
    };
    if seen >= i64::from(REDIRECT_ADOPT_AFTER) {
        connection.execute(
            "UPDATE sources SET fetch_url = ?2 WHERE id = ?1",
            params![id.as_str(), target.as_str()],
        )?;
        connection.execute(
            "UPDATE fetch_state SET redirect_to = NULL, redirect_seen = 0 WHERE source_id = ?1",
            [id.as_str()],
        )?;
    } else {
        connection.execute(
            "UPDATE fetch_state SET redirect_to = ?2, redirect_seen = ?3 WHERE source_id = ?1",
            params![id.as_str(), target.as_str(), seen],
        )?;
    }
    Ok(())
}

fn source_from_row(row: &Row<'_>) -> rusqlite::Result<Result<SourceRecord, StoreError>> {
    let id: String = row.get(0)?;
    let name: String = row.get(1)?;
    let url: String = row.get(2)?;
    let kind: String = row.get(3)?;
    let interval_secs: i64 = row.get(4)?;
    let enabled: bool = row.get(5)?;
    let in_config: bool = row.get(6)?;
    let (attempt, success, next_due): (Option<i64>, Option<i64>, Option<i64>) =
        (row.get(7)?, row.get(8)?, row.get(14)?);
    let last_error: Option<String> = row.get(9)?;
    let last_status: Option<i64> = row.get(10)?;
    let failures: Option<i64> = row.get(11)?;
    let etag: Option<String> = row.get(12)?;
    let last_modified: Option<String> = row.get(13)?;
    let article_count: i64 = row.get(15)?;
    let fetch_url: Option<String> = row.get(16)?;
    let redirect_to: Option<String> = row.get(17)?;
    let redirect_seen: Option<i64> = row.get(18)?;
    let last_body_bytes: Option<i64> = row.get(19)?;
    let bytes_saved: Option<i64> = row.get(20)?;
    let fetches: Option<i64> = row.get(21)?;
    let not_modified: Option<i64> = row.get(22)?;
    let options: String = row.get(23)?;
    let paused_at: Option<i64> = row.get(24)?;
    let (pending, failing): (Option<i64>, Option<i64>) = (row.get(25)?, row.get(26)?);
    Ok(StoredSource {
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
    }
    .into_record())
}
