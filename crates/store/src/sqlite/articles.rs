//! Articles: upserts that never duplicate, and the reads the index and the site need.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use csfeed_core::{Article, ArticleId, SourceId};
use rusqlite::{Connection, OptionalExtension, Row, params};
use url::Url;

use super::Sqlite;
use crate::StoreError;
use crate::articles::{
    ARTICLE_COLUMNS, ArticleOps, ArticleRecord, FOLD_WINDOW_SECONDS, RecordedOutlets, StoredArticle,
    StoryMembers, UpsertCounts, UpsertSteps, best_story, fill_reports, json_list, shares_a_council,
    sort_time, story_of, upsert_with,
};
use crate::time::to_db;

impl ArticleOps for Sqlite {
    fn upsert_articles(
        &self,
        articles: &[Article],
        seen_at: DateTime<Utc>,
    ) -> Result<UpsertCounts, StoreError> {
        self.connections.write(|connection| {
            let transaction = connection.transaction()?;
            let counts = upsert_articles_in(&transaction, articles, seen_at)?;
            transaction.commit()?;
            Ok(counts)
        })
    }

    fn article(&self, id: &ArticleId) -> Result<Option<ArticleRecord>, StoreError> {
        self.connections.read(|connection| {
            let sql = format!(
                "SELECT {ARTICLE_COLUMNS} FROM articles a JOIN sources s ON s.id = a.source_id WHERE a.id = ?1"
            );
            let record = connection.query_row(&sql, [id.as_str()], article_from_row).optional()?.transpose()?;
            let mut records: Vec<ArticleRecord> = record.into_iter().collect();
            attach_reports(connection, &mut records)?;
            Ok(records.pop())
        })
    }

    fn articles_by_ids(&self, ids: &[ArticleId]) -> Result<Vec<ArticleRecord>, StoreError> {
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        self.connections.read(|connection| {
            // One statement for the whole page (a search reads 20 at a time), not one each.
            let sql = format!(
                "SELECT {ARTICLE_COLUMNS} FROM articles a JOIN sources s ON s.id = a.source_id
                 WHERE a.id IN (SELECT value FROM json_each(?1))"
            );
            let mut statement = connection.prepare_cached(&sql)?;
            let rows = statement.query_map(
                [json_list(&ids.iter().map(ArticleId::as_str).collect::<Vec<_>>())],
                article_from_row,
            )?;
            let mut by_id: HashMap<ArticleId, ArticleRecord> = HashMap::with_capacity(ids.len());
            for row in rows {
                let record = row??;
                by_id.insert(record.article.id.clone(), record);
            }
            let mut found: Vec<ArticleRecord> = ids.iter().filter_map(|id| by_id.remove(id)).collect();
            attach_reports(connection, &mut found)?;
            Ok(found)
        })
    }

    fn latest_articles(
        &self,
        source: Option<&SourceId>,
        limit: usize,
        offset: usize,
    ) -> Result<Vec<ArticleRecord>, StoreError> {
        self.connections.read(|connection| {
            let sql = format!(
                "SELECT {ARTICLE_COLUMNS} FROM articles a JOIN sources s ON s.id = a.source_id
                 WHERE (?1 IS NULL OR a.source_id = ?1) AND (a.story_id IS NULL OR a.story_id = a.id)
                   AND a.guid NOT LIKE 'alert:history:%'
                 ORDER BY a.sort_at DESC, a.id LIMIT ?2 OFFSET ?3"
            );
            let mut statement = connection.prepare_cached(&sql)?;
            let rows = statement.query_map(
                params![source.map(SourceId::as_str), limit as i64, offset as i64],
                article_from_row,
            )?;
            let mut records: Vec<ArticleRecord> = rows.map(|row| row?).collect::<Result<_, _>>()?;
            attach_reports(connection, &mut records)?;
            Ok(records)
        })
    }

    fn article_id_by_guid(&self, guid: &str) -> Result<Option<ArticleId>, StoreError> {
        self.connections.read(|connection| {
            let id: Option<String> = connection
                .prepare_cached("SELECT id FROM articles WHERE guid = ?1 ORDER BY first_seen_at LIMIT 1")?
                .query_row([guid], |row| row.get(0))
                .optional()?;
            Ok(id.as_deref().and_then(ArticleId::parse))
        })
    }

    fn grade_change_alerts(&self, limit: usize) -> Result<Vec<ArticleRecord>, StoreError> {
        self.connections.read(|connection| {
            let sql = format!(
                "SELECT {ARTICLE_COLUMNS} FROM articles a JOIN sources s ON s.id = a.source_id
                 WHERE a.guid LIKE 'alert:%' ORDER BY a.sort_at DESC, a.id LIMIT ?1"
            );
            let mut statement = connection.prepare_cached(&sql)?;
            let rows = statement.query_map([limit as i64], article_from_row)?;
            rows.map(|row| row?).collect()
        })
    }

    fn judgments_for(&self, gss_codes: &[String], limit: usize) -> Result<Vec<ArticleRecord>, StoreError> {
        self.connections.read(|connection| {
            let sql = format!(
                "SELECT {ARTICLE_COLUMNS} FROM articles a JOIN sources s ON s.id = a.source_id
                 WHERE s.kind = 'judgments'
                   AND EXISTS (SELECT 1 FROM json_each(a.local_authorities) party
                               WHERE party.value IN (SELECT value FROM json_each(?1)))
                 ORDER BY a.sort_at DESC, a.id LIMIT ?2"
            );
            let mut statement = connection.prepare_cached(&sql)?;
            let rows = statement.query_map(params![json_list(gss_codes), limit as i64], article_from_row)?;
            rows.map(|row| row?).collect()
        })
    }

    fn articles_changed_after(&self, after_seq: i64, limit: usize) -> Result<Vec<ArticleRecord>, StoreError> {
        self.connections.scan(|connection| {
            let sql = format!(
                "SELECT {ARTICLE_COLUMNS} FROM articles a JOIN sources s ON s.id = a.source_id
                 WHERE a.change_seq > ?1 ORDER BY a.change_seq LIMIT ?2"
            );
            let mut statement = connection.prepare_cached(&sql)?;
            let rows = statement.query_map(params![after_seq, limit as i64], article_from_row)?;
            let mut records: Vec<ArticleRecord> = rows.map(|row| row?).collect::<Result<_, _>>()?;
            // The index records which articles share a story, to show and count it once.
            attach_reports(connection, &mut records)?;
            Ok(records)
        })
    }

    fn last_change_seq(&self) -> Result<i64, StoreError> {
        self.connections.read(|connection| {
            Ok(
                connection.query_row("SELECT COALESCE(MAX(change_seq), 0) FROM articles", [], |row| {
                    row.get(0)
                })?,
            )
        })
    }

    fn article_count(&self) -> Result<u64, StoreError> {
        self.connections.read(|connection| {
            let count: i64 = connection.query_row("SELECT COUNT(*) FROM articles", [], |row| row.get(0))?;
            Ok(count.max(0) as u64)
        })
    }
}

/// [`Store::upsert_articles`] inside a caller's transaction, so a publication's article
/// can be stored together with the ledger row that records it.
pub(crate) fn upsert_articles_in(
    transaction: &Connection,
    articles: &[Article],
    seen_at: DateTime<Utc>,
) -> Result<UpsertCounts, StoreError> {
    let seen_at = to_db(seen_at);
    let next_seq: i64 = transaction.query_row(
        "SELECT COALESCE(MAX(change_seq), 0) + 1 FROM articles",
        [],
        |row| row.get(0),
    )?;
    upsert_with(&mut SqliteUpsert(transaction), articles, seen_at, next_seq)
}

/// [`UpsertSteps`] on a SQLite connection inside the caller's transaction.
struct SqliteUpsert<'a>(&'a Connection);

impl UpsertSteps for SqliteUpsert<'_> {
    fn stored(&mut self, id: &ArticleId) -> Result<Option<(String, i64)>, StoreError> {
        Ok(self
            .0
            .prepare_cached("SELECT fingerprint, first_seen_at FROM articles WHERE id = ?1")?
            .query_row([id.as_str()], |row| Ok((row.get(0)?, row.get(1)?)))
            .optional()?)
    }

    fn exact_duplicate(&mut self, article: &Article) -> Result<Option<String>, StoreError> {
        exact_duplicate(self.0, article)
    }

    fn record_other_source(
        &mut self,
        existing: &str,
        article: &Article,
        seen_at: i64,
    ) -> Result<bool, StoreError> {
        record_other_source(self.0, existing, article, seen_at)
    }

    fn story_for(&mut self, article: &Article, sort_at: i64) -> Result<String, StoreError> {
        story_for(self.0, article, sort_at)
    }

    fn relist_story(&mut self, story: &str, next_seq: i64) -> Result<i64, StoreError> {
        relist_story(self.0, story, next_seq)
    }

    fn write_article(
        &mut self,
        article: &Article,
        fingerprint: &str,
        first_seen_at: i64,
        seen_at: i64,
        change_seq: i64,
        story_id: Option<String>,
    ) -> Result<(), StoreError> {
        write_article(
            self.0,
            article,
            fingerprint,
            first_seen_at,
            seen_at,
            change_seq,
            story_id,
        )
    }
}

/// Moves every article of `story` to the end of the change sequence (from `next_seq` on);
/// returns the next free position.
fn relist_story(connection: &Connection, story: &str, mut next_seq: i64) -> Result<i64, StoreError> {
    let members: Vec<String> = connection
        .prepare_cached("SELECT id FROM articles WHERE story_id = ?1 ORDER BY change_seq")?
        .query_map([story], |row| row.get(0))?
        .collect::<Result<_, _>>()?;
    let mut update = connection.prepare_cached("UPDATE articles SET change_seq = ?2 WHERE id = ?1")?;
    for member in members {
        update.execute(params![member, next_seq])?;
        next_seq += 1;
    }
    Ok(next_seq)
}

/// An article from another source stored under the same canonical URL.
fn exact_duplicate(connection: &Connection, article: &Article) -> Result<Option<String>, StoreError> {
    let Some(url) = &article.url else { return Ok(None) };
    Ok(connection
        .prepare_cached(
            "SELECT id FROM articles WHERE url = ?1 AND source_id != ?2 ORDER BY first_seen_at LIMIT 1",
        )?
        .query_row(params![url.as_str(), article.source.as_str()], |row| row.get(0))
        .optional()?)
}

/// Records that `article`'s source also reports the stored article `existing`; false when
/// that was already known.
fn record_other_source(
    connection: &Connection,
    existing: &str,
    article: &Article,
    seen_at: i64,
) -> Result<bool, StoreError> {
    let added = connection
        .prepare_cached(
            "INSERT INTO article_sources (article_id, source_id, url, first_seen_at) VALUES (?1, ?2, ?3, ?4)
         ON CONFLICT DO NOTHING",
        )?
        .execute(params![
            existing,
            article.source.as_str(),
            article.url.as_ref().map(Url::as_str),
            seen_at
        ])?;
    Ok(added > 0)
}

/// The story a new article belongs to: the most similar report from another source about
/// one of the same councils, dated within three days, if it is similar enough; else its own.
fn story_for(connection: &Connection, article: &Article, sort_at: i64) -> Result<String, StoreError> {
    if article.local_authorities.is_empty() {
        return Ok(article.id.to_string());
    }
    // First from the index alone (no stored text is read): other sources' articles in the
    // window that share a council. A busy day of one outlet costs index entries, not pages.
    let mut nearby = connection.prepare_cached(
        "SELECT rowid, local_authorities FROM articles INDEXED BY articles_by_sort_source_councils
         WHERE sort_at BETWEEN ?1 AND ?2 AND source_id != ?3 AND local_authorities != '[]'",
    )?;
    let rows = nearby.query_map(
        params![
            sort_at - FOLD_WINDOW_SECONDS,
            sort_at + FOLD_WINDOW_SECONDS,
            article.source.as_str()
        ],
        |row| Ok((row.get::<_, i64>(0)?, row.get::<_, String>(1)?)),
    )?;
    let mut sharing_a_council = Vec::new();
    for row in rows {
        let (rowid, councils) = row?;
        if shares_a_council(article, &councils) {
            sharing_a_council.push(rowid);
        }
    }
    let mut statement =
        connection.prepare_cached("SELECT story_id, title, content_text FROM articles WHERE rowid = ?1")?;
    let mut candidates = Vec::with_capacity(sharing_a_council.len());
    for rowid in sharing_a_council {
        let found = statement
            .query_row([rowid], |row| {
                Ok((
                    row.get::<_, Option<String>>(0)?,
                    row.get::<_, String>(1)?,
                    row.get::<_, String>(2)?,
                ))
            })
            .optional()?;
        candidates.extend(found);
    }
    Ok(best_story(article, candidates))
}

/// Inserts or updates one article row; `story_id` is set only on insert.
fn write_article(
    connection: &Connection,
    article: &Article,
    fingerprint: &str,
    first_seen_at: i64,
    seen_at: i64,
    change_seq: i64,
    story_id: Option<String>,
) -> Result<(), StoreError> {
    let authors = serde_json::to_string(&article.authors).unwrap_or_else(|_| "[]".into());
    connection
        .prepare_cached(
            "INSERT INTO articles (id, source_id, guid, url, title, published_at, updated_at,
                 first_seen_at, changed_at, sort_at, authors, summary, content_html, content_text,
                 fingerprint, change_seq, local_authorities, topics, story_id)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, COALESCE(?19, ?1))
             ON CONFLICT(id) DO UPDATE SET source_id = excluded.source_id, guid = excluded.guid,
                 url = excluded.url, title = excluded.title, published_at = excluded.published_at,
                 updated_at = excluded.updated_at, changed_at = excluded.changed_at,
                 sort_at = excluded.sort_at, authors = excluded.authors, summary = excluded.summary,
                 content_html = excluded.content_html, content_text = excluded.content_text,
                 fingerprint = excluded.fingerprint, change_seq = excluded.change_seq,
                 local_authorities = excluded.local_authorities, topics = excluded.topics",
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
            sort_time(article, first_seen_at),
            authors,
            article.summary,
            article.content_html,
            article.content_text,
            fingerprint,
            change_seq,
            json_list(&article.local_authorities),
            json_list(&article.topics),
            story_id,
        ])?;
    Ok(())
}

/// Fills in `also_reported_by` for each of `records`: the other members of its story group,
/// then the other outlets recorded against it. Two statements for the lot.
fn attach_reports(connection: &Connection, records: &mut [ArticleRecord]) -> Result<(), StoreError> {
    if records.is_empty() {
        return Ok(());
    }
    let mut grouped = StoryMembers::new();
    let mut statement = connection.prepare_cached(
        "SELECT a.story_id, s.name, a.url, a.id FROM articles a JOIN sources s ON s.id = a.source_id
         WHERE a.story_id IN (SELECT value FROM json_each(?1))",
    )?;
    let stories: Vec<String> = records.iter().map(story_of).collect();
    let rows = statement.query_map([json_list(&stories)], |row| {
        Ok((
            row.get::<_, String>(0)?,
            (
                row.get::<_, String>(1)?,
                row.get::<_, Option<String>>(2)?,
                row.get::<_, String>(3)?,
            ),
        ))
    })?;
    for row in rows {
        let (story, member) = row?;
        grouped.entry(story).or_default().push(member);
    }
    let mut recorded = RecordedOutlets::new();
    let mut statement = connection.prepare_cached(
        "SELECT x.article_id, s.name, x.url FROM article_sources x JOIN sources s ON s.id = x.source_id
         WHERE x.article_id IN (SELECT value FROM json_each(?1))",
    )?;
    let ids = json_list(
        &records
            .iter()
            .map(|record| record.article.id.as_str())
            .collect::<Vec<_>>(),
    );
    let rows = statement.query_map([ids], |row| {
        Ok((
            row.get::<_, String>(0)?,
            (row.get::<_, String>(1)?, row.get::<_, Option<String>>(2)?),
        ))
    })?;
    for row in rows {
        let (article, outlet) = row?;
        recorded.entry(article).or_default().push(outlet);
    }
    fill_reports(records, &stories, &grouped, &recorded);
    Ok(())
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
    let story_id: Option<String> = row.get(17)?;
    Ok(StoredArticle {
        id,
        source,
        guid,
        url,
        title,
        published,
        updated,
        first_seen,
        changed,
        authors,
        summary,
        content_html,
        content_text,
        change_seq,
        source_name,
        local_authorities,
        topics,
        story_id,
    }
    .into_record())
}
