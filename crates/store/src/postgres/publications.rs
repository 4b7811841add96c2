//! PostgreSQL: the ledger of publications each source's listing pages name.

use chrono::{DateTime, Utc};
use csfeed_core::{Article, InspectionRecord, SourceId};
use postgres::{GenericClient, Row};
use url::Url;

use super::Postgres;
use super::articles::upsert_articles_in;
use super::inspections::upsert_inspections_in;
use crate::publications::{ListedPublication, PageValidators, PublicationOps, PublicationRecord, Settlement};
use crate::time::to_db;
use crate::{StoreError, UpsertCounts};

impl PublicationOps for Postgres {
    fn record_listing(
        &self,
        source: &SourceId,
        listing: &Url,
        publications: &[ListedPublication],
        validators: Option<&PageValidators>,
        at: DateTime<Utc>,
    ) -> Result<usize, StoreError> {
        let (source, listing) = (source.clone(), listing.clone());
        let (publications, validators) = (publications.to_vec(), validators.cloned());
        self.workers.run(move |client| {
            let mut transaction = client.transaction()?;
            let added = insert_listed(&mut transaction, &source, &listing, &publications, at)?;
            if let Some(validators) = validators {
                transaction.execute(
                    "INSERT INTO http_cache (url, etag, last_modified, checked_at, body_bytes)
                     VALUES ($1, $2, $3, $4, $5)
                     ON CONFLICT (url) DO UPDATE SET etag = $2, last_modified = $3, checked_at = $4,
                         body_bytes = $5",
                    &[
                        &listing.as_str(),
                        &validators.etag,
                        &validators.last_modified,
                        &to_db(at),
                        &(validators.body_bytes as i64),
                    ],
                )?;
            }
            transaction.commit()?;
            Ok(added)
        })
    }

    fn record_page_not_modified(&self, source: &SourceId, page: &Url) -> Result<u64, StoreError> {
        let (source, page) = (source.clone(), page.to_string());
        self.workers.run(move |client| {
            let mut transaction = client.transaction()?;
            let saved: i64 = transaction
                .query_one(
                    "SELECT COALESCE((SELECT body_bytes FROM http_cache WHERE url = $1), 0)::BIGINT",
                    &[&page],
                )?
                .try_get(0)?;
            transaction.execute(
                "UPDATE fetch_state SET not_modified = not_modified + 1, bytes_saved = bytes_saved + $2
                 WHERE source_id = $1",
                &[&source.as_str(), &saved],
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
        let source = source.clone();
        self.workers.run(move |client| {
            let rows = client.query(
                "SELECT url, listing_url, details, status, attempts, last_error, next_attempt_at
                 FROM publications
                 WHERE source_id = $1 AND (status = 'pending'
                     OR (status = 'failed' AND COALESCE(next_attempt_at, 0) <= $2))
                 ORDER BY listed_order",
                &[&source.as_str(), &to_db(now)],
            )?;
            rows.iter().map(publication_from_row).collect()
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
        let (source, url, settlement) = (source.clone(), url.to_owned(), settlement.clone());
        let (articles, inspections) = (articles.to_vec(), inspections.to_vec());
        self.workers.run(move |client| {
            let mut transaction = client.transaction()?;
            upsert_inspections_in(&mut transaction, &inspections)?;
            let counts = upsert_articles_in(&mut transaction, &articles, seen_at)?;
            mark(&mut transaction, &source, &url, &settlement)?;
            transaction.commit()?;
            Ok(counts)
        })
    }

    fn publication_backlog(&self, source: &SourceId) -> Result<(u64, u64), StoreError> {
        let source = source.clone();
        self.workers.run(move |client| {
            let row = client.query_one(
                "SELECT COUNT(*) FILTER (WHERE status = 'pending'), COUNT(*) FILTER (WHERE status = 'failed')
                 FROM publications WHERE source_id = $1",
                &[&source.as_str()],
            )?;
            let count = |value: i64| value.max(0) as u64;
            Ok((count(row.try_get(0)?), count(row.try_get(1)?)))
        })
    }
}

fn insert_listed(
    client: &mut impl GenericClient,
    source: &SourceId,
    listing: &Url,
    publications: &[ListedPublication],
    at: DateTime<Utc>,
) -> Result<usize, StoreError> {
    let mut added = 0;
    for publication in publications {
        let inserted = client.execute(
            "INSERT INTO publications (source_id, url, listing_url, details, status, listed_at)
             VALUES ($1, $2, $3, $4, 'pending', $5) ON CONFLICT DO NOTHING",
            &[
                &source.as_str(),
                &publication.url,
                &listing.as_str(),
                &publication.details,
                &to_db(at),
            ],
        )?;
        if inserted == 0 {
            client.execute(
                "UPDATE publications SET listing_url = $3, details = $4
                 WHERE source_id = $1 AND url = $2 AND status != 'stored'",
                &[
                    &source.as_str(),
                    &publication.url,
                    &listing.as_str(),
                    &publication.details,
                ],
            )?;
        }
        added += inserted as usize;
    }
    Ok(added)
}

fn mark(
    client: &mut impl GenericClient,
    source: &SourceId,
    url: &str,
    settlement: &Settlement,
) -> Result<(), StoreError> {
    match settlement {
        Settlement::Stored => client.execute(
            "UPDATE publications SET status = 'stored', last_error = NULL, next_attempt_at = NULL
             WHERE source_id = $1 AND url = $2",
            &[&source.as_str(), &url],
        )?,
        Settlement::Failed { error, retry_at } => client.execute(
            "UPDATE publications SET status = 'failed', attempts = attempts + 1, last_error = $3,
                 next_attempt_at = $4
             WHERE source_id = $1 AND url = $2",
            &[&source.as_str(), &url, error, &to_db(*retry_at)],
        )?,
    };
    Ok(())
}

fn publication_from_row(row: &Row) -> Result<PublicationRecord, StoreError> {
    let status: String = row.try_get(3)?;
    PublicationRecord::from_columns(
        row.try_get(0)?,
        row.try_get(1)?,
        row.try_get(2)?,
        &status,
        row.try_get(4)?,
        row.try_get(5)?,
        row.try_get(6)?,
    )
}
