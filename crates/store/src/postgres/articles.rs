//! PostgreSQL: articles, upserts that never duplicate, and the change sequence.
//!
//! Several processes may write at once here, so every transaction that hands out change
//! sequence positions first takes one transaction-scoped advisory lock: positions are then
//! committed in order, and a follower reading "after N" can never see N+2 committed while
//! N+1 is still to come (and skip it for good).

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use csfeed_core::{Article, ArticleId, SourceId};
use postgres::{GenericClient, Row, Transaction};
use url::Url;

use super::Postgres;
use super::workers::prepared;
use crate::StoreError;
use crate::articles::{
    ARTICLE_COLUMNS, ArticleOps, ArticleRecord, FOLD_WINDOW_SECONDS, RecordedOutlets, StoredArticle,
    StoryMembers, UpsertCounts, UpsertSteps, best_story, fill_reports, json_list, shares_a_council,
    sort_time, story_of, upsert_with,
};
use crate::time::to_db;

/// Advisory lock key ("csfeed" and 2) serialising the writers of the change sequence.
const CHANGE_SEQ_LOCK: i64 = 0x6373_6665_6564_0002;

impl ArticleOps for Postgres {
    fn upsert_articles(
        &self,
        articles: &[Article],
        seen_at: DateTime<Utc>,
    ) -> Result<UpsertCounts, StoreError> {
        let articles = articles.to_vec();
        self.workers.run(move |client| {
            let mut transaction = client.transaction()?;
            let counts = upsert_articles_in(&mut transaction, &articles, seen_at)?;
            transaction.commit()?;
            Ok(counts)
        })
    }

    fn article(&self, id: &ArticleId) -> Result<Option<ArticleRecord>, StoreError> {
        let id = id.clone();
        self.workers.run(move |client| {
            let sql = format!(
                "SELECT {ARTICLE_COLUMNS} FROM articles a JOIN sources s ON s.id = a.source_id WHERE a.id = $1"
            );
            let statement = prepared(client, &sql)?;
            let mut records = client
                .query(&statement, &[&id.as_str()])?
                .iter()
                .map(article_from_row)
                .collect::<Result<Vec<_>, _>>()?;
            attach_reports(client, &mut records)?;
            Ok(records.pop())
        })
    }

    fn articles_by_ids(&self, ids: &[ArticleId]) -> Result<Vec<ArticleRecord>, StoreError> {
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        let ids: Vec<ArticleId> = ids.to_vec();
        self.workers.run(move |client| {
            // One statement for the whole page (a search reads 20 at a time), not one each.
            let sql = format!(
                "SELECT {ARTICLE_COLUMNS} FROM articles a JOIN sources s ON s.id = a.source_id
                 WHERE a.id = ANY($1)"
            );
            let wanted: Vec<&str> = ids.iter().map(ArticleId::as_str).collect();
            let mut by_id: HashMap<ArticleId, ArticleRecord> = HashMap::with_capacity(ids.len());
            let statement = prepared(client, &sql)?;
            for row in client.query(&statement, &[&wanted])? {
                let record = article_from_row(&row)?;
                by_id.insert(record.article.id.clone(), record);
            }
            let mut found: Vec<ArticleRecord> = ids.iter().filter_map(|id| by_id.remove(id)).collect();
            attach_reports(client, &mut found)?;
            Ok(found)
        })
    }

    fn latest_articles(
        &self,
        source: Option<&SourceId>,
        limit: usize,
        offset: usize,
    ) -> Result<Vec<ArticleRecord>, StoreError> {
        let source = source.map(|id| id.as_str().to_owned());
        self.workers.run(move |client| {
            let sql = format!(
                "SELECT {ARTICLE_COLUMNS} FROM articles a JOIN sources s ON s.id = a.source_id
                 WHERE ($1::TEXT IS NULL OR a.source_id = $1) AND (a.story_id IS NULL OR a.story_id = a.id)
                   AND a.guid NOT LIKE 'alert:history:%'
                 ORDER BY a.sort_at DESC, a.id LIMIT $2 OFFSET $3"
            );
            let statement = prepared(client, &sql)?;
            let rows = client.query(&statement, &[&source, &(limit as i64), &(offset as i64)])?;
            let mut records = rows.iter().map(article_from_row).collect::<Result<Vec<_>, _>>()?;
            attach_reports(client, &mut records)?;
            Ok(records)
        })
    }

    fn article_id_by_guid(&self, guid: &str) -> Result<Option<ArticleId>, StoreError> {
        let guid = guid.to_owned();
        self.workers.run(move |client| {
            let row = client.query_opt(
                "SELECT id FROM articles WHERE guid = $1 ORDER BY first_seen_at LIMIT 1",
                &[&guid],
            )?;
            let id: Option<String> = row.map(|row| row.try_get(0)).transpose()?;
            Ok(id.as_deref().and_then(ArticleId::parse))
        })
    }

    fn grade_change_alerts(&self, limit: usize) -> Result<Vec<ArticleRecord>, StoreError> {
        self.workers.run(move |client| {
            let sql = format!(
                "SELECT {ARTICLE_COLUMNS} FROM articles a JOIN sources s ON s.id = a.source_id
                 WHERE a.guid LIKE 'alert:%' ORDER BY a.sort_at DESC, a.id LIMIT $1"
            );
            client
                .query(&sql, &[&(limit as i64)])?
                .iter()
                .map(article_from_row)
                .collect()
        })
    }

    fn judgments_for(&self, gss_codes: &[String], limit: usize) -> Result<Vec<ArticleRecord>, StoreError> {
        let parties = json_list(gss_codes);
        self.workers.run(move |client| {
            let sql = format!(
                "SELECT {ARTICLE_COLUMNS} FROM articles a JOIN sources s ON s.id = a.source_id
                 WHERE s.kind = 'judgments' AND a.local_authorities::jsonb ?| ARRAY(SELECT jsonb_array_elements_text($1::text::jsonb))
                 ORDER BY a.sort_at DESC, a.id LIMIT $2"
            );
            client
                .query(&sql, &[&parties, &(limit as i64)])?
                .iter()
                .map(article_from_row)
                .collect()
        })
    }

    fn articles_changed_after(&self, after_seq: i64, limit: usize) -> Result<Vec<ArticleRecord>, StoreError> {
        self.workers.run(move |client| {
            let sql = format!(
                "SELECT {ARTICLE_COLUMNS} FROM articles a JOIN sources s ON s.id = a.source_id
                 WHERE a.change_seq > $1 ORDER BY a.change_seq LIMIT $2"
            );
            let statement = prepared(client, &sql)?;
            let rows = client.query(&statement, &[&after_seq, &(limit as i64)])?;
            let mut records = rows.iter().map(article_from_row).collect::<Result<Vec<_>, _>>()?;
            // The index records which articles share a story, to show and count it once.
            attach_reports(client, &mut records)?;
            Ok(records)
        })
    }

    fn last_change_seq(&self) -> Result<i64, StoreError> {
        self.workers.run(|client| {
            let row = client.query_one("SELECT COALESCE(MAX(change_seq), 0)::BIGINT FROM articles", &[])?;
            Ok(row.try_get(0)?)
        })
    }

    fn article_count(&self) -> Result<u64, StoreError> {
        self.workers.run(|client| {
            let count: i64 = client
                .query_one("SELECT COUNT(*) FROM articles", &[])?
                .try_get(0)?;
            Ok(count.max(0) as u64)
        })
    }
}

/// [`ArticleOps::upsert_articles`] inside a caller's transaction, so a publication's article
/// can be stored together with the ledger row that records it. Takes the change-sequence
/// lock, held until the caller's transaction ends.
pub(crate) fn upsert_articles_in(
    transaction: &mut Transaction<'_>,
    articles: &[Article],
    seen_at: DateTime<Utc>,
) -> Result<UpsertCounts, StoreError> {
    let seen_at = to_db(seen_at);
    if articles.is_empty() {
        return Ok(UpsertCounts::default());
    }
    transaction.execute("SELECT pg_advisory_xact_lock($1)", &[&CHANGE_SEQ_LOCK])?;
    // Read after the lock: this statement's snapshot includes every earlier writer's commit.
    let next_seq: i64 = transaction
        .query_one(
            "SELECT (COALESCE(MAX(change_seq), 0) + 1)::BIGINT FROM articles",
            &[],
        )?
        .try_get(0)?;
    upsert_with(&mut PostgresUpsert(transaction), articles, seen_at, next_seq)
}

/// [`UpsertSteps`] in a PostgreSQL transaction.
struct PostgresUpsert<'a, 'b>(&'a mut Transaction<'b>);

impl UpsertSteps for PostgresUpsert<'_, '_> {
    fn stored(&mut self, id: &ArticleId) -> Result<Option<(String, i64)>, StoreError> {
        let statement = prepared(
            self.0,
            "SELECT fingerprint, first_seen_at FROM articles WHERE id = $1",
        )?;
        match self.0.query_opt(&statement, &[&id.as_str()])? {
            Some(row) => Ok(Some((row.try_get(0)?, row.try_get(1)?))),
            None => Ok(None),
        }
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
fn relist_story(client: &mut impl GenericClient, story: &str, mut next_seq: i64) -> Result<i64, StoreError> {
    let members = client.query(
        "SELECT id FROM articles WHERE story_id = $1 ORDER BY change_seq",
        &[&story],
    )?;
    for member in members {
        let id: String = member.try_get(0)?;
        client.execute(
            "UPDATE articles SET change_seq = $2 WHERE id = $1",
            &[&id, &next_seq],
        )?;
        next_seq += 1;
    }
    Ok(next_seq)
}

/// An article from another source stored under the same canonical URL.
fn exact_duplicate(client: &mut impl GenericClient, article: &Article) -> Result<Option<String>, StoreError> {
    let Some(url) = &article.url else { return Ok(None) };
    let statement = prepared(
        client,
        "SELECT id FROM articles WHERE url = $1 AND source_id != $2 ORDER BY first_seen_at LIMIT 1",
    )?;
    let row = client.query_opt(&statement, &[&url.as_str(), &article.source.as_str()])?;
    Ok(row.map(|row| row.try_get(0)).transpose()?)
}

/// Records that `article`'s source also reports the stored article `existing`; false when
/// that was already known.
fn record_other_source(
    client: &mut impl GenericClient,
    existing: &str,
    article: &Article,
    seen_at: i64,
) -> Result<bool, StoreError> {
    let statement = prepared(
        client,
        "INSERT INTO article_sources (article_id, source_id, url, first_seen_at) VALUES ($1, $2, $3, $4)
         ON CONFLICT DO NOTHING",
    )?;
    let added = client.execute(
        &statement,
        &[
            &existing,
            &article.source.as_str(),
            &article.url.as_ref().map(Url::as_str),
            &seen_at,
        ],
    )?;
    Ok(added > 0)
}

/// The story a new article belongs to: see [`best_story`]. Candidates come from the index
/// alone first (date, source, councils), and only those sharing a council are read whole.
fn story_for(client: &mut impl GenericClient, article: &Article, sort_at: i64) -> Result<String, StoreError> {
    if article.local_authorities.is_empty() {
        return Ok(article.id.to_string());
    }
    let statement = prepared(
        client,
        "SELECT id, local_authorities FROM articles
         WHERE sort_at BETWEEN $1 AND $2 AND source_id != $3 AND local_authorities != '[]'",
    )?;
    let nearby = client.query(
        &statement,
        &[
            &(sort_at - FOLD_WINDOW_SECONDS),
            &(sort_at + FOLD_WINDOW_SECONDS),
            &article.source.as_str(),
        ],
    )?;
    let mut sharing_a_council = Vec::new();
    for row in nearby {
        let (id, councils): (String, String) = (row.try_get(0)?, row.try_get(1)?);
        if shares_a_council(article, &councils) {
            sharing_a_council.push(id);
        }
    }
    if sharing_a_council.is_empty() {
        return Ok(article.id.to_string());
    }
    let statement = prepared(
        client,
        "SELECT story_id, title, content_text FROM articles WHERE id = ANY($1) ORDER BY id",
    )?;
    let rows = client.query(&statement, &[&sharing_a_council])?;
    let candidates = rows
        .iter()
        .map(|row| Ok((row.try_get(0)?, row.try_get(1)?, row.try_get(2)?)))
        .collect::<Result<Vec<_>, postgres::Error>>()?;
    Ok(best_story(article, candidates))
}

/// Inserts or updates one article row; `story_id` is set only on insert.
fn write_article(
    client: &mut impl GenericClient,
    article: &Article,
    fingerprint: &str,
    first_seen_at: i64,
    seen_at: i64,
    change_seq: i64,
    story_id: Option<String>,
) -> Result<(), StoreError> {
    let authors = serde_json::to_string(&article.authors).unwrap_or_else(|_| "[]".into());
    let statement = prepared(
        client,
        "INSERT INTO articles (id, source_id, guid, url, title, published_at, updated_at,
             first_seen_at, changed_at, sort_at, authors, summary, content_html, content_text,
             fingerprint, change_seq, local_authorities, topics, story_id)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, COALESCE($19, $1))
         ON CONFLICT (id) DO UPDATE SET source_id = excluded.source_id, guid = excluded.guid,
             url = excluded.url, title = excluded.title, published_at = excluded.published_at,
             updated_at = excluded.updated_at, changed_at = excluded.changed_at,
             sort_at = excluded.sort_at, authors = excluded.authors, summary = excluded.summary,
             content_html = excluded.content_html, content_text = excluded.content_text,
             fingerprint = excluded.fingerprint, change_seq = excluded.change_seq,
             local_authorities = excluded.local_authorities, topics = excluded.topics",
    )?;
    client.execute(
        &statement,
        &[
            &article.id.as_str(),
            &article.source.as_str(),
            &article.guid,
            &article.url.as_ref().map(Url::as_str),
            &article.title,
            &article.published.map(to_db),
            &article.updated.map(to_db),
            &first_seen_at,
            &seen_at,
            &sort_time(article, first_seen_at),
            &authors,
            &article.summary,
            &article.content_html,
            &article.content_text,
            &fingerprint,
            &change_seq,
            &json_list(&article.local_authorities),
            &json_list(&article.topics),
            &story_id,
        ],
    )?;
    Ok(())
}

/// Fills in `also_reported_by` for each of `records`: two statements for the lot.
fn attach_reports(client: &mut impl GenericClient, records: &mut [ArticleRecord]) -> Result<(), StoreError> {
    if records.is_empty() {
        return Ok(());
    }
    let stories: Vec<String> = records.iter().map(story_of).collect();
    let ids: Vec<&str> = records.iter().map(|record| record.article.id.as_str()).collect();
    // Both lists in one statement (a member's id is never NULL, an outlet's always is): a
    // page of search results costs two round trips to the server, not three.
    let statement = prepared(
        client,
        "SELECT a.story_id, s.name, a.url, a.id FROM articles a JOIN sources s ON s.id = a.source_id
         WHERE a.story_id = ANY($1)
         UNION ALL
         SELECT x.article_id, s.name, x.url, NULL FROM article_sources x JOIN sources s ON s.id = x.source_id
         WHERE x.article_id = ANY($2)",
    )?;
    let (mut grouped, mut recorded) = (StoryMembers::new(), RecordedOutlets::new());
    for row in client.query(&statement, &[&stories, &ids])? {
        let key: String = row.try_get(0)?;
        let (source_name, url): (String, Option<String>) = (row.try_get(1)?, row.try_get(2)?);
        match row.try_get::<_, Option<String>>(3)? {
            Some(member) => grouped.entry(key).or_default().push((source_name, url, member)),
            None => recorded.entry(key).or_default().push((source_name, url)),
        }
    }
    fill_reports(records, &stories, &grouped, &recorded);
    Ok(())
}

fn article_from_row(row: &Row) -> Result<ArticleRecord, StoreError> {
    StoredArticle {
        id: row.try_get(0)?,
        source: row.try_get(1)?,
        guid: row.try_get(2)?,
        url: row.try_get(3)?,
        title: row.try_get(4)?,
        published: row.try_get(5)?,
        updated: row.try_get(6)?,
        first_seen: row.try_get(7)?,
        changed: row.try_get(8)?,
        authors: row.try_get(9)?,
        summary: row.try_get(10)?,
        content_html: row.try_get(11)?,
        content_text: row.try_get(12)?,
        change_seq: row.try_get(13)?,
        source_name: row.try_get(14)?,
        local_authorities: row.try_get(15)?,
        topics: row.try_get(16)?,
        story_id: row.try_get(17)?,
    }
    .into_record()
}
