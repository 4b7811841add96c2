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
use rusqlite::{Connection, Row, params};
use url::Url;

use super::Sqlite;
use super::articles::upsert_articles_in;
use super::inspections::upsert_inspections_in;
use crate::publications::{ListedPublication, PageValidators, PublicationOps, PublicationRecord, Settlement};
use crate::time::to_db;
use crate::{StoreError, UpsertCounts};

impl PublicationOps for Sqlite {
    fn record_listing(
        &self,
        source: &SourceId,
        listing: &Url,
        publications: &[ListedPublication],
        validators: Option<&PageValidators>,
        at: DateTime<Utc>,
    ) -> Result<usize, StoreError> {
        self.connections.write(|connection| {
            let transaction = connection.transaction()?;
            let added = insert_listed(&transaction, source, listing, publications, at)?;
            if let Some(validators) = validators {
                transaction.execute(
                    "INSERT INTO http_cache (url, etag, last_modified, checked_at, body_bytes)
                     VALUES (?1, ?2, ?3, ?4, ?5)
                     ON CONFLICT(url) DO UPDATE SET etag = ?2, last_modified = ?3, checked_at = ?4,
                         body_bytes = ?5",
                    params![
                        listing.as_str(),
                        validators.etag,
                        validators.last_modified,
                        to_db(at),
                        validators.body_bytes as i64
                    ],
                )?;
            }
            transaction.commit()?;
            Ok(added)
        })
    }

    fn record_page_not_modified(&self, source: &SourceId, page: &Url) -> Result<u64, StoreError> {
        self.connections.write(|connection| {
            let transaction = connection.transaction()?;
            let saved: i64 = transaction.query_row(
                "SELECT COALESCE((SELECT body_bytes FROM http_cache WHERE url = ?1), 0)",
                [page.as_str()],
                |row| row.get(0),
            )?;
            transaction.execute(
                "UPDATE fetch_state SET not_modified = not_modified + 1, bytes_saved = bytes_saved + ?2
                 WHERE source_id = ?1",
                params![source.as_str(), saved],
            )?;
            transaction.commit()?;
            Ok(saved.max(0) as u64)
        })
    }

    fn due_publications(
        &self,
        source: &SourceId,
        now: DateTime<Utc>,
    ) -> Result<Vec<PublicationRecord>, StoreError> {
        self.connections.read(|connection| {
            let mut statement = connection.prepare_cached(
                "SELECT url, listing_url, details, status, attempts, last_error, next_attempt_at
                 FROM publications
                 WHERE source_id = ?1 AND (status = 'pending'
                     OR (status = 'failed' AND COALESCE(next_attempt_at, 0) <= ?2))
                 ORDER BY rowid",
            )?;
            let rows = statement.query_map(params![source.as_str(), to_db(now)], publication_from_row)?;
            rows.map(|row| row?).collect()
        })
    }

    fn settle_publication(
        &self,
        source: &SourceId,
        url: &str,
        settlement: &Settlement,
        articles: &[Article],
        inspections: &[InspectionRecord],
        seen_at: DateTime<Utc>,
    ) -> Result<UpsertCounts, StoreError> {
        self.connections.write(|connection| {
            let transaction = connection.transaction()?;
            upsert_inspections_in(&transaction, inspections)?;
            let counts = upsert_articles_in(&transaction, articles, seen_at)?;
            mark(&transaction, source, url, settlement)?;
            transaction.commit()?;
            Ok(counts)
        })
    }

    fn publication_backlog(&self, source: &SourceId) -> Result<(u64, u64), StoreError> {
        self.connections.read(|connection| {
            Ok(connection.query_row(
                "SELECT COUNT(*) FILTER (WHERE status = 'pending'), COUNT(*) FILTER (WHERE status = 'failed')
                 FROM publications WHERE source_id = ?1",
                [source.as_str()],
                |row| {
                    let count = |value: i64| value.max(0) as u64;
                    Ok((count(row.get(0)?), count(row.get(1)?)))
                },
            )?)
        })
    }
}

fn insert_listed(
    connection: &Connection,
    source: &SourceId,
    listing: &Url,
    publications: &[ListedPublication],
    at: DateTime<Utc>,
) -> Result<usize, StoreError> {
    let mut insert = connection.prepare_cached(
        "INSERT INTO publications (source_id, url, listing_url, details, status, listed_at)
         VALUES (?1, ?2, ?3, ?4, 'pending', ?5) ON CONFLICT DO NOTHING",
    )?;
    let mut refresh = connection.prepare_cached(
        "UPDATE publications SET listing_url = ?3, details = ?4
         WHERE source_id = ?1 AND url = ?2 AND status != 'stored'",
    )?;
    let mut added = 0;
    for publication in publications {
        let values = params![
            source.as_str(),
            publication.url,
            listing.as_str(),
            publication.details,
            to_db(at)
        ];
        let inserted = insert.execute(values)?;
        if inserted == 0 {
            refresh.execute(params![
                source.as_str(),
                publication.url,
                listing.as_str(),
                publication.details
            ])?;
        }
        added += inserted;
    }
    Ok(added)
}

fn mark(
    connection: &Connection,
    source: &SourceId,
    url: &str,
    settlement: &Settlement,
) -> Result<(), StoreError> {
    match settlement {
        Settlement::Stored => connection.execute(
            "UPDATE publications SET status = 'stored', last_error = NULL, next_attempt_at = NULL
             WHERE source_id = ?1 AND url = ?2",
            params![source.as_str(), url],
        )?,
        Settlement::Failed { error, retry_at } => connection.execute(
            "UPDATE publications SET status = 'failed', attempts = attempts + 1, last_error = ?3,
                 next_attempt_at = ?4
             WHERE source_id = ?1 AND url = ?2",
            params![source.as_str(), url, error, to_db(*retry_at)],
        )?,
    };
    Ok(())
}

fn publication_from_row(row: &Row<'_>) -> rusqlite::Result<Result<PublicationRecord, StoreError>> {
    let status: String = row.get(3)?;
    let attempts: i64 = row.get(4)?;
    let next_attempt_at: Option<i64> = row.get(6)?;
    let (url, listing_url, details, last_error) = (row.get(0)?, row.get(1)?, row.get(2)?, row.get(5)?);
    Ok(PublicationRecord::from_columns(
        url,
        listing_url,
        details,
        &status,
        attempts,
        last_error,
        next_attempt_at,
    ))
}
