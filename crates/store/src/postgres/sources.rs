//! PostgreSQL: sources, their fetch state, and per-URL HTTP validators.

use chrono::{DateTime, Utc};
use csfeed_core::{Source, SourceId};
use postgres::{GenericClient, Row};
use url::Url;

use super::Postgres;
use crate::StoreError;
use crate::sources::{
    FetchResult, REDIRECT_ADOPT_AFTER, SOURCE_COLUMNS, SourceChange, SourceOps, SourceRecord, StoredSource,
};
use crate::time::to_db;

impl SourceOps for Postgres {
    fn sync_sources(&self, configured: &[Source]) -> Result<(), StoreError> {
        let configured = configured.to_vec();
        self.workers.run(move |client| {
            let mut transaction = client.transaction()?;
            transaction.execute("UPDATE sources SET in_config = FALSE", &[])?;
            for source in &configured {
                let options = serde_json::to_string(&source.options).unwrap_or_else(|_| "{}".to_owned());
                transaction.execute(
                    "INSERT INTO sources (id, name, url, kind, interval_secs, enabled, in_config, options)
                     VALUES ($1, $2, $3, $4, $5, $6, TRUE, $7)
                     ON CONFLICT (id) DO UPDATE SET name = $2, url = $3, kind = $4,
                         interval_secs = $5, enabled = $6, in_config = TRUE, options = $7,
                         fetch_url = CASE WHEN sources.url = $3 THEN sources.fetch_url ELSE NULL END",
                    &[
                        &source.id.as_str(),
                        &source.name,
                        &source.url.as_str(),
                        &source.kind.as_str(),
                        &(source.interval.as_secs() as i64),
                        &source.enabled,
                        &options,
                    ],
                )?;
                transaction.execute(
                    "INSERT INTO fetch_state (source_id) VALUES ($1) ON CONFLICT DO NOTHING",
                    &[&source.id.as_str()],
                )?;
            }
            transaction.commit()?;
            Ok(())
        })
    }

    fn sources(&self) -> Result<Vec<SourceRecord>, StoreError> {
        self.workers.run(|client| {
            let sql = format!(
                "SELECT {SOURCE_COLUMNS} FROM sources s LEFT JOIN fetch_state f ON f.source_id = s.id
                 ORDER BY s.in_config DESC, s.id"
            );
            client.query(&sql, &[])?.iter().map(source_from_row).collect()
        })
    }

    fn source(&self, id: &SourceId) -> Result<Option<SourceRecord>, StoreError> {
        let id = id.clone();
        self.workers.run(move |client| {
            let sql = format!(
                "SELECT {SOURCE_COLUMNS} FROM sources s LEFT JOIN fetch_state f ON f.source_id = s.id
                 WHERE s.id = $1"
            );
            client
                .query_opt(&sql, &[&id.as_str()])?
                .as_ref()
                .map(source_from_row)
                .transpose()
        })
    }

    fn change_source(
        &self,
        id: &SourceId,
        change: SourceChange,
        now: DateTime<Utc>,
    ) -> Result<bool, StoreError> {
        let id = id.clone();
        self.workers.run(move |client| {
            let id = id.as_str();
            let changed = match change {
                // A second pause keeps the first one's time.
                SourceChange::Pause => client.execute(
                    "UPDATE sources SET paused_at = COALESCE(paused_at, $2) WHERE id = $1",
                    &[&id, &to_db(now)],
                )?,
                SourceChange::Resume => client.execute("UPDATE sources SET paused_at = NULL WHERE id = $1", &[&id])?,
                SourceChange::Refresh => {
                    let mut transaction = client.transaction()?;
                    // Its failed publications are due now too: the operator cut the wait short.
                    transaction.execute(
                        "UPDATE publications SET next_attempt_at = NULL WHERE source_id = $1 AND status = 'failed'",
                        &[&id],
                    )?;
                    let changed = transaction
                        .execute("UPDATE fetch_state SET next_due_at = NULL WHERE source_id = $1", &[&id])?;
                    transaction.commit()?;
                    changed
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
        let (id, result) = (id.clone(), result.clone());
        let (at, next_due_at) = (to_db(at), to_db(next_due_at));
        self.workers.run(move |client| {
            let mut transaction = client.transaction()?;
            let source = id.as_str();
            match &result {
                FetchResult::Changed {
                    http_status,
                    etag,
                    last_modified,
                    body_bytes,
                    moved_to,
                } => {
                    transaction.execute(
                        "UPDATE fetch_state SET last_attempt_at = $2, last_success_at = $2,
                             last_error = NULL, last_status = $3, consecutive_failures = 0,
                             etag = $4, last_modified = $5, next_due_at = $6,
                             last_body_bytes = $7, fetches = fetches + 1
                         WHERE source_id = $1",
                        &[
                            &source,
                            &at,
                            &status(*http_status),
                            etag,
                            last_modified,
                            &next_due_at,
                            &(*body_bytes as i64),
                        ],
                    )?;
                    track_redirect(&mut transaction, source, moved_to.as_ref())?;
                }
                FetchResult::NotModified {
                    http_status,
                    etag,
                    last_modified,
                    moved_to,
                } => {
                    transaction.execute(
                        "UPDATE fetch_state SET last_attempt_at = $2, last_success_at = $2,
                             last_error = NULL, last_status = $3, consecutive_failures = 0,
                             etag = $4, last_modified = $5, next_due_at = $6,
                             bytes_saved = bytes_saved + COALESCE(last_body_bytes, 0),
                             fetches = fetches + 1, not_modified = not_modified + 1
                         WHERE source_id = $1",
                        &[
                            &source,
                            &at,
                            &status(*http_status),
                            etag,
                            last_modified,
                            &next_due_at,
                        ],
                    )?;
                    track_redirect(&mut transaction, source, moved_to.as_ref())?;
                }
                FetchResult::Failed { http_status, error } => {
                    transaction.execute(
                        "UPDATE fetch_state SET last_attempt_at = $2, last_error = $3, last_status = $4,
                             consecutive_failures = consecutive_failures + 1, next_due_at = $5,
                             fetches = fetches + 1
                         WHERE source_id = $1",
                        &[&source, &at, error, &status(*http_status), &next_due_at],
                    )?;
                }
            }
            transaction.commit()?;
            Ok(())
        })
    }

    fn http_validators(&self, url: &Url) -> Result<(Option<String>, Option<String>), StoreError> {
        let url = url.to_string();
        self.workers.run(move |client| {
            let Some(row) = client.query_opt(
                "SELECT etag, last_modified FROM http_cache WHERE url = $1",
                &[&url],
            )?
            else {
                return Ok((None, None));
            };
            Ok((row.try_get(0)?, row.try_get(1)?))
        })
    }

    fn set_http_validators(
        &self,
        url: &Url,
        etag: Option<&str>,
        last_modified: Option<&str>,
        at: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        let (url, etag, last_modified) = (
            url.to_string(),
            etag.map(str::to_owned),
            last_modified.map(str::to_owned),
        );
        self.workers.run(move |client| {
            client.execute(
                "INSERT INTO http_cache (url, etag, last_modified, checked_at) VALUES ($1, $2, $3, $4)
                 ON CONFLICT (url) DO UPDATE SET etag = $2, last_modified = $3, checked_at = $4",
                &[&url, &etag, &last_modified, &to_db(at)],
            )?;
            Ok(())
        })
    }
}

/// An HTTP status as stored (PostgreSQL has no unsigned types).
fn status(http_status: Option<u16>) -> Option<i64> {
    http_status.map(i64::from)
}

/// Counts consecutive fetches ending at the same permanent-redirect target and adopts it
/// as the fetch URL once it has held long enough; any other outcome resets the count.
fn track_redirect(
    client: &mut impl GenericClient,
    source: &str,
    moved_to: Option<&Url>,
) -> Result<(), StoreError> {
    let Some(target) = moved_to else {
        client.execute(
            "UPDATE fetch_state SET redirect_to = NULL, redirect_seen = 0 WHERE source_id = $1",
            &[&source],
        )?;
        return Ok(());
    };
    let row = client.query_one(
        "SELECT redirect_to, redirect_seen FROM fetch_state WHERE source_id = $1",
        &[&source],
    )?;
    let (previous, seen): (Option<String>, i64) = (row.try_get(0)?, row.try_get(1)?);
    let seen = if previous.as_deref() == Some(target.as_str()) {
        seen + 1
    } else {
        1
    };
    if seen >= i64::from(REDIRECT_ADOPT_AFTER) {
        client.execute(
            "UPDATE sources SET fetch_url = $2 WHERE id = $1",
            &[&source, &target.as_str()],
        )?;
        client.execute(
            "UPDATE fetch_state SET redirect_to = NULL, redirect_seen = 0 WHERE source_id = $1",
            &[&source],
        )?;
    } else {
        client.execute(
            "UPDATE fetch_state SET redirect_to = $2, redirect_seen = $3 WHERE source_id = $1",
            &[&source, &target.as_str(), &seen],
        )?;
    }
    Ok(())
}

fn source_from_row(row: &Row) -> Result<SourceRecord, StoreError> {
    StoredSource {
        id: row.try_get(0)?,
        name: row.try_get(1)?,
        url: row.try_get(2)?,
        kind: row.try_get(3)?,
        interval_secs: row.try_get(4)?,
        enabled: row.try_get(5)?,
        in_config: row.try_get(6)?,
        attempt: row.try_get(7)?,
        success: row.try_get(8)?,
        last_error: row.try_get(9)?,
        last_status: row.try_get(10)?,
        failures: row.try_get(11)?,
        etag: row.try_get(12)?,
        last_modified: row.try_get(13)?,
        next_due: row.try_get(14)?,
        article_count: row.try_get(15)?,
        fetch_url: row.try_get(16)?,
        redirect_to: row.try_get(17)?,
        redirect_seen: row.try_get(18)?,
        last_body_bytes: row.try_get(19)?,
        bytes_saved: row.try_get(20)?,
        fetches: row.try_get(21)?,
        not_modified: row.try_get(22)?,
        options: row.try_get(23)?,
        paused_at: row.try_get(24)?,
        pending: row.try_get(25)?,
        failing: row.try_get(26)?,
    }
    .into_record()
}
