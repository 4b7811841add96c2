//! Articles: upserts that never duplicate, and the reads the index and the site need.

use chrono::{DateTime, Utc};
use csfeed_core::{Article, ArticleId, SourceId};
use rusqlite::{OptionalExtension, Row, params};
use url::Url;

use crate::time::{from_db, from_db_opt, to_db};
use crate::{Store, StoreError};

/// A stored article with what the store knows about it.
#[derive(Debug, Clone, PartialEq)]
pub struct ArticleRecord {
    /// The article as last ingested.
    pub article: Article,
    /// The name of the source it came from.
    pub source_name: String,
    /// When csfeed first saw it.
    pub first_seen_at: DateTime<Utc>,
    /// When its stored content last changed.
    pub changed_at: DateTime<Utc>,
    /// Its position in the store's change sequence; the index follows this.
    pub change_seq: i64,
}

impl ArticleRecord {
    /// The date to show and sort by: published, else updated, else first seen.
    pub fn display_date(&self) -> DateTime<Utc> {
        self.article
            .published
            .or(self.article.updated)
            .unwrap_or(self.first_seen_at)
    }
}

/// What an upsert did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct UpsertCounts {
    /// Articles not seen before.
    pub new: usize,
    /// Known articles whose content changed.
    pub updated: usize,
    /// Known articles that were already stored exactly so.
    pub unchanged: usize,
}

const ARTICLE_COLUMNS: &str = "a.id, a.source_id, a.guid, a.url, a.title, a.published_at,
    a.updated_at, a.first_seen_at, a.changed_at, a.authors, a.summary, a.content_html,
    a.content_text, a.change_seq, s.name, a.local_authorities, a.topics";

impl Store {
    /// Stores `articles` in one transaction: new ones are inserted, changed ones updated in
    /// place (keeping their first-seen time), unchanged ones left untouched.
    pub fn upsert_articles(
        &self,
        articles: &[Article],
        seen_at: DateTime<Utc>,
    ) -> Result<UpsertCounts, StoreError> {
        let seen_at = to_db(seen_at);
        self.connections.write(|connection| {
            let transaction = connection.transaction()?;
            let mut counts = UpsertCounts::default();
            let mut next_seq: i64 = transaction.query_row(
                "SELECT COALESCE(MAX(change_seq), 0) + 1 FROM articles",
                [],
                |row| row.get(0),
            )?;
            for article in articles {
                let fingerprint = article.fingerprint();
                let stored: Option<(String, i64)> = transaction
                    .prepare_cached("SELECT fingerprint, first_seen_at FROM articles WHERE id = ?1")?
                    .query_row([article.id.as_str()], |row| Ok((row.get(0)?, row.get(1)?)))
                    .optional()?;
                let first_seen_at = match &stored {
                    Some((stored_fingerprint, _)) if *stored_fingerprint == fingerprint => {
                        counts.unchanged += 1;
                        continue;
                    }
                    Some((_, first_seen_at)) => {
                        counts.updated += 1;
                        *first_seen_at
                    }
                    None => {
                        counts.new += 1;
                        seen_at
                    }
                };
                let sort_at = article
                    .published
                    .or(article.updated)
                    .map(to_db)
                    .unwrap_or(first_seen_at);
                let authors = serde_json::to_string(&article.authors).unwrap_or_else(|_| "[]".into());
                transaction
                    .prepare_cached(
                        "INSERT OR REPLACE INTO articles (id, source_id, guid, url, title,
                             published_at, updated_at, first_seen_at, changed_at, sort_at, authors,
                             summary, content_html, content_text, fingerprint, change_seq,
                             local_authorities, topics)
                         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18)",
                    )?
                    .execute(params![
                        article.id.as_str(),
                        article.source.as_str(),
                        article.guid,
                        article.url.as_ref().map(Url::as_str),
                        article.title,
                        article.published.map(to_db),
                        article.updated.map(to_db),
                        first_seen_at,
                        seen_at,
                        sort_at,
                        authors,
                        article.summary,
                        article.content_html,
                        article.content_text,
                        fingerprint,
                        next_seq,
                        json_list(&article.local_authorities),
                        json_list(&article.topics),
                    ])?;
                next_seq += 1;
            }
            transaction.commit()?;
            Ok(counts)
        })
    }

    /// One article by id.
    pub fn article(&self, id: &ArticleId) -> Result<Option<ArticleRecord>, StoreError> {
        self.connections.read(|connection| {
            let sql = format!(
                "SELECT {ARTICLE_COLUMNS} FROM articles a JOIN sources s ON s.id = a.source_id WHERE a.id = ?1"
            );
            connection
                .query_row(&sql, [id.as_str()], article_from_row)
                .optional()?
                .transpose()
        })
    }

    /// The articles with these ids, in the order given; unknown ids are skipped.
    pub fn articles_by_ids(&self, ids: &[ArticleId]) -> Result<Vec<ArticleRecord>, StoreError> {
        self.connections.read(|connection| {
            let sql = format!(
                "SELECT {ARTICLE_COLUMNS} FROM articles a JOIN sources s ON s.id = a.source_id WHERE a.id = ?1"
            );
            let mut statement = connection.prepare_cached(&sql)?;
            let mut found = Vec::with_capacity(ids.len());
            for id in ids {
                if let Some(record) = statement.query_row([id.as_str()], article_from_row).optional()? {
                    found.push(record?);
                }
            }
            Ok(found)
        })
    }

    /// The newest articles (by published, else updated, else first-seen date), optionally
    /// from one source only.
    pub fn latest_articles(
        &self,
        source: Option<&SourceId>,
        limit: usize,
        offset: usize,
    ) -> Result<Vec<ArticleRecord>, StoreError> {
        self.connections.read(|connection| {
            let sql = format!(
                "SELECT {ARTICLE_COLUMNS} FROM articles a JOIN sources s ON s.id = a.source_id
                 WHERE (?1 IS NULL OR a.source_id = ?1)
                 ORDER BY a.sort_at DESC, a.id LIMIT ?2 OFFSET ?3"
            );
            let mut statement = connection.prepare_cached(&sql)?;
            let rows = statement.query_map(
                params![source.map(SourceId::as_str), limit as i64, offset as i64],
                article_from_row,
            )?;
            rows.map(|row| row?).collect()
        })
    }

    /// Up to `limit` articles that changed after position `after_seq` in the change
    /// sequence, oldest change first. The index catches up by walking this.
    pub fn articles_changed_after(
        &self,
        after_seq: i64,
        limit: usize,
    ) -> Result<Vec<ArticleRecord>, StoreError> {
        self.connections.read(|connection| {
            let sql = format!(
                "SELECT {ARTICLE_COLUMNS} FROM articles a JOIN sources s ON s.id = a.source_id
                 WHERE a.change_seq > ?1 ORDER BY a.change_seq LIMIT ?2"
            );
            let mut statement = connection.prepare_cached(&sql)?;
            let rows = statement.query_map(params![after_seq, limit as i64], article_from_row)?;
            rows.map(|row| row?).collect()
        })
    }

    /// The newest position in the change sequence (0 when there are no articles).
    pub fn last_change_seq(&self) -> Result<i64, StoreError> {
        self.connections.read(|connection| {
            Ok(
                connection.query_row("SELECT COALESCE(MAX(change_seq), 0) FROM articles", [], |row| {
                    row.get(0)
                })?,
            )
        })
    }

    /// How many articles are stored.
    pub fn article_count(&self) -> Result<u64, StoreError> {
        self.connections.read(|connection| {
            let count: i64 = connection.query_row("SELECT COUNT(*) FROM articles", [], |row| row.get(0))?;
            Ok(count.max(0) as u64)
        })
    }
}

fn json_list(items: &[String]) -> String {
    serde_json::to_string(items).unwrap_or_else(|_| "[]".to_owned())
}

fn article_from_row(row: &Row<'_>) -> rusqlite::Result<Result<ArticleRecord, StoreError>> {
    let id: String = row.get(0)?;
    let source: String = row.get(1)?;
    let guid: String = row.get(2)?;
    let url: Option<String> = row.get(3)?;
    let title: String = row.get(4)?;
    let published: Option<i64> = row.get(5)?;
    let updated: Option<i64> = row.get(6)?;
    let first_seen: i64 = row.get(7)?;
    let changed: i64 = row.get(8)?;
    let authors: String = row.get(9)?;
    let summary: String = row.get(10)?;
    let content_html: String = row.get(11)?;
    let content_text: String = row.get(12)?;
    let change_seq: i64 = row.get(13)?;
    let source_name: String = row.get(14)?;
    let local_authorities: String = row.get(15)?;
    let topics: String = row.get(16)?;
    Ok((|| {
        let corrupt = |what: &'static str, value: &str| StoreError::Corrupt {
            what,
            value: value.to_owned(),
        };
        Ok(ArticleRecord {
            article: Article {
                id: ArticleId::parse(&id).ok_or_else(|| corrupt("article id", &id))?,
                source: SourceId::parse(&source).map_err(|_| corrupt("article source", &source))?,
                guid,
                url: url
                    .as_deref()
                    .map(Url::parse)
                    .transpose()
                    .map_err(|_| corrupt("article url", url.as_deref().unwrap_or_default()))?,
                title,
                published: from_db_opt(published)?,
                updated: from_db_opt(updated)?,
                authors: serde_json::from_str(&authors).map_err(|_| corrupt("authors", &authors))?,
                summary,
                content_html,
                content_text,
                local_authorities: serde_json::from_str(&local_authorities)
                    .map_err(|_| corrupt("local authorities", &local_authorities))?,
                topics: serde_json::from_str(&topics).map_err(|_| corrupt("topics", &topics))?,
            },
            source_name,
            first_seen_at: from_db(first_seen)?,
            changed_at: from_db(changed)?,
            change_seq,
        })
    })())
}
