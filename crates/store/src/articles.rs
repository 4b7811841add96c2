//! Articles: upserts that never duplicate, and the reads the index and the site need.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use csfeed_core::{Article, ArticleId, SourceId};
use rusqlite::{Connection, OptionalExtension, Row, params};
use url::Url;

use crate::time::{from_db, from_db_opt, to_db};
use crate::{Store, StoreError};

/// Another outlet's report of the same story.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Report {
    /// The outlet.
    pub source_name: String,
    /// Its link to the story.
    pub url: Option<Url>,
    /// Its own stored article, when it is stored separately (a near-duplicate).
    pub article_id: Option<ArticleId>,
}

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
    /// The story group it belongs to (its own id when it leads the group).
    pub story_id: Option<ArticleId>,
    /// Other outlets' reports of the same story (filled by the reads that show them).
    pub also_reported_by: Vec<Report>,
}

impl ArticleRecord {
    /// The date to show: published, else updated, else first seen (say which with
    /// [`ArticleRecord::is_dated`]: a first-seen time is not a publication date).
    pub fn display_date(&self) -> DateTime<Utc> {
        self.article
            .published
            .or(self.article.updated)
            .unwrap_or(self.first_seen_at)
    }

    /// Whether the source gave a date (published or updated).
    pub fn is_dated(&self) -> bool {
        self.article.published.or(self.article.updated).is_some()
    }

    /// The date newest-first lists order by: the source's date, or for an undated article
    /// its first-seen time shifted below every dated article (see [`UNDATED_SORT_SHIFT`]).
    pub fn sort_date(&self) -> DateTime<Utc> {
        from_db(sort_time(&self.article, to_db(self.first_seen_at))).unwrap_or(self.first_seen_at)
    }
}

/// How far below its first-seen time an undated article sorts, in seconds (about 250
/// years): a first ingest stores undated items with `first_seen = now`, and by that alone
/// an explainer would lead every newest-first list as today's news. Shifted, undated items
/// sort after every dated one (dates before 1900 are dropped as placeholders), keep their
/// first-seen order among themselves, and stay inside the index's date range. A migration
/// ("undated articles sort below…") writes the same shift into stored rows.
pub const UNDATED_SORT_SHIFT: i64 = 7_884_000_000;

/// What an upsert did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct UpsertCounts {
    /// Stories already stored from another source under the same canonical URL, now
    /// recorded against that article instead of stored twice.
    pub folded: usize,
    /// Articles not seen before.
    pub new: usize,
    /// Known articles whose content changed.
    pub updated: usize,
    /// Known articles that were already stored exactly so.
    pub unchanged: usize,
}

const ARTICLE_COLUMNS: &str = "a.id, a.source_id, a.guid, a.url, a.title, a.published_at,
    a.updated_at, a.first_seen_at, a.changed_at, a.authors, a.summary, a.content_html,
    a.content_text, a.change_seq, s.name, a.local_authorities, a.topics, a.story_id";

/// Days either side of a story's date in which another outlet's report may be folded in.
const FOLD_WINDOW_SECONDS: i64 = 3 * 24 * 60 * 60;
/// Least similarity (see `csfeed_core::similarity`) for two reports to be one story.
pub const FOLD_SIMILARITY: f64 = 0.3;

impl Store {
    /// Stores `articles` in one transaction: new ones are inserted, changed ones updated in
    /// place (keeping their first-seen time), unchanged ones left untouched.
    pub fn upsert_articles(
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

    /// One article by id.
    pub fn article(&self, id: &ArticleId) -> Result<Option<ArticleRecord>, StoreError> {
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

    /// The articles with these ids, in the order given; unknown ids are skipped.
    pub fn articles_by_ids(&self, ids: &[ArticleId]) -> Result<Vec<ArticleRecord>, StoreError> {
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

    /// The newest articles (by published, else updated, else first-seen date), optionally
    /// from one source only. Grade changes found while backfilling are history, not news:
    /// they are left out (their reports are listed).
    pub fn latest_articles(
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

    /// The newest judgments (articles of `judgments` sources) that name any of the councils
    /// with these GSS codes (a council and its predecessors) as a party, newest first.
    pub fn judgments_for(
        &self,
        gss_codes: &[String],
        limit: usize,
    ) -> Result<Vec<ArticleRecord>, StoreError> {
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

    /// The id of the article stored under this key (guid) by any source, if any.
    pub fn article_id_by_guid(&self, guid: &str) -> Result<Option<ArticleId>, StoreError> {
        self.connections.read(|connection| {
            let id: Option<String> = connection
                .prepare_cached("SELECT id FROM articles WHERE guid = ?1 ORDER BY first_seen_at LIMIT 1")?
                .query_row([guid], |row| row.get(0))
                .optional()?;
            Ok(id.as_deref().and_then(ArticleId::parse))
        })
    }

    /// Grade-change alerts (articles whose key starts with `alert:`), newest first.
    pub fn grade_change_alerts(&self, limit: usize) -> Result<Vec<ArticleRecord>, StoreError> {
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

    /// Up to `limit` articles that changed after position `after_seq` in the change
    /// sequence, oldest change first, with their other reports. The index catches up by
    /// walking this; an article is listed again when another report joins its story.
    pub fn articles_changed_after(
        &self,
        after_seq: i64,
        limit: usize,
    ) -> Result<Vec<ArticleRecord>, StoreError> {
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

/// [`Store::upsert_articles`] inside a caller's transaction, so a publication's article
/// can be stored together with the ledger row that records it.
pub(crate) fn upsert_articles_in(
    transaction: &Connection,
    articles: &[Article],
    seen_at: DateTime<Utc>,
) -> Result<UpsertCounts, StoreError> {
    let seen_at = to_db(seen_at);
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
        let (first_seen_at, story_id) = match &stored {
            Some((stored_fingerprint, _)) if *stored_fingerprint == fingerprint => {
                counts.unchanged += 1;
                continue;
            }
            Some((_, first_seen_at)) => {
                counts.updated += 1;
                // An update keeps its story: re-fetching never splits a group.
                (*first_seen_at, None)
            }
            None => {
                if let Some(existing) = exact_duplicate(transaction, article)? {
                    if record_other_source(transaction, &existing, article, seen_at)? {
                        counts.folded += 1;
                    } else {
                        counts.unchanged += 1;
                    }
                    continue;
                }
                counts.new += 1;
                let sort_at = sort_time(article, seen_at);
                let story = story_for(transaction, article, sort_at)?;
                if story != article.id.as_str() {
                    // The group's other reports now have company: re-list them in the
                    // change sequence so the index learns they are grouped.
                    next_seq = relist_story(transaction, &story, next_seq)?;
                }
                (seen_at, Some(story))
            }
        };
        write_article(
            transaction,
            article,
            &fingerprint,
            first_seen_at,
            seen_at,
            next_seq,
            story_id,
        )?;
        next_seq += 1;
    }
    Ok(counts)
}

/// Date used for ordering: published, else updated, else first seen less
/// [`UNDATED_SORT_SHIFT`].
fn sort_time(article: &Article, first_seen_at: i64) -> i64 {
    article
        .published
        .or(article.updated)
        .map(to_db)
        .unwrap_or(first_seen_at - UNDATED_SORT_SHIFT)
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
    let words = csfeed_core::similarity::story_words(&article.title, &article.content_text);
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
        let councils: Vec<String> = serde_json::from_str(&councils).unwrap_or_default();
        if councils.iter().any(|gss| article.local_authorities.contains(gss)) {
            sharing_a_council.push(rowid);
        }
    }
    let mut statement =
        connection.prepare_cached("SELECT story_id, title, content_text FROM articles WHERE rowid = ?1")?;
    let mut best: Option<(f64, String)> = None;
    for rowid in sharing_a_council {
        let Some((story_id, title, text)) = statement
            .query_row([rowid], |row| {
                Ok((
                    row.get::<_, Option<String>>(0)?,
                    row.get::<_, String>(1)?,
                    row.get::<_, String>(2)?,
                ))
            })
            .optional()?
        else {
            continue;
        };
        let score =
            csfeed_core::similarity::similarity(&words, &csfeed_core::similarity::story_words(&title, &text));
        if score >= FOLD_SIMILARITY && best.as_ref().is_none_or(|(top, _)| score > *top) {
            best = story_id.map(|story| (score, story));
        }
    }
    Ok(best.map_or_else(|| article.id.to_string(), |(_, story)| story))
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
    let story_of = |record: &ArticleRecord| -> String {
        record
            .story_id
            .as_ref()
            .unwrap_or(&record.article.id)
            .as_str()
            .to_owned()
    };
    let mut grouped: HashMap<String, Vec<(String, Option<String>, String)>> = HashMap::new();
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
    let mut recorded: HashMap<String, Vec<(String, Option<String>)>> = HashMap::new();
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
    for (record, story) in records.iter_mut().zip(&stories) {
        let id = record.article.id.as_str();
        let members = grouped.get(story).into_iter().flatten();
        let mut reports: Vec<Report> = members
            .filter(|(_, _, member)| member != id)
            .map(|(source_name, url, member)| Report {
                source_name: source_name.clone(),
                url: url.as_deref().and_then(|url| Url::parse(url).ok()),
                article_id: ArticleId::parse(member),
            })
            .collect();
        reports.extend(
            recorded
                .get(id)
                .into_iter()
                .flatten()
                .map(|(source_name, url)| Report {
                    source_name: source_name.clone(),
                    url: url.as_deref().and_then(|url| Url::parse(url).ok()),
                    article_id: None,
                }),
        );
        record.also_reported_by = reports;
    }
    Ok(())
}

/// `items` as a JSON array of strings (as stored in list columns, and for `json_each(?)`).
fn json_list<S: AsRef<str>>(items: &[S]) -> String {
    serde_json::Value::from(items.iter().map(AsRef::as_ref).collect::<Vec<&str>>()).to_string()
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
            story_id: story_id.as_deref().and_then(ArticleId::parse),
            also_reported_by: Vec::new(),
        })
    })())
}
