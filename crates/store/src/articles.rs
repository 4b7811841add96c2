//! Articles: upserts that never duplicate, and the reads the index and the site need.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use csfeed_core::{Article, ArticleId, SourceId};
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

pub(crate) const ARTICLE_COLUMNS: &str = "a.id, a.source_id, a.guid, a.url, a.title, a.published_at,
    a.updated_at, a.first_seen_at, a.changed_at, a.authors, a.summary, a.content_html,
    a.content_text, a.change_seq, s.name, a.local_authorities, a.topics, a.story_id";

/// Days either side of a story's date in which another outlet's report may be folded in.
pub(crate) const FOLD_WINDOW_SECONDS: i64 = 3 * 24 * 60 * 60;
/// Least similarity (see `csfeed_core::similarity`) for two reports to be one story.
pub const FOLD_SIMILARITY: f64 = 0.3;

/// The reads and writes an upsert makes inside the caller's transaction, one implementation
/// per backend; [`upsert_with`] decides with them what each article needs.
pub(crate) trait UpsertSteps {
    /// The stored fingerprint and first-seen time of the article with this id, if stored.
    fn stored(&mut self, id: &ArticleId) -> Result<Option<(String, i64)>, StoreError>;
    /// The stored article another source published under `article`'s canonical URL.
    fn exact_duplicate(&mut self, article: &Article) -> Result<Option<String>, StoreError>;
    /// Records `article`'s source as another outlet of `existing`; false if it already was.
    fn record_other_source(
        &mut self,
        existing: &str,
        article: &Article,
        seen_at: i64,
    ) -> Result<bool, StoreError>;
    /// The story a new article joins (see [`best_story`]).
    fn story_for(&mut self, article: &Article, sort_at: i64) -> Result<String, StoreError>;
    /// Moves every article of `story` to the end of the change sequence (from `next_seq`
    /// on); returns the next free position.
    fn relist_story(&mut self, story: &str, next_seq: i64) -> Result<i64, StoreError>;
    /// Inserts or replaces the article's row.
    #[allow(clippy::too_many_arguments)]
    fn write_article(
        &mut self,
        article: &Article,
        fingerprint: &str,
        first_seen_at: i64,
        seen_at: i64,
        change_seq: i64,
        story_id: Option<String>,
    ) -> Result<(), StoreError>;
}

/// Stores `articles` through `steps`, giving changed and new ones positions in the change
/// sequence from `next_seq` on: unchanged ones are left untouched, changed ones keep their
/// first-seen time and story, another source's copy of a stored URL is recorded against it,
/// and a new one joins the most similar story nearby (re-listing that story for the index).
pub(crate) fn upsert_with(
    steps: &mut impl UpsertSteps,
    articles: &[Article],
    seen_at: i64,
    mut next_seq: i64,
) -> Result<UpsertCounts, StoreError> {
    let mut counts = UpsertCounts::default();
    for article in articles {
        let fingerprint = article.fingerprint();
        let (first_seen_at, story_id) = match steps.stored(&article.id)? {
            Some((stored_fingerprint, _)) if stored_fingerprint == fingerprint => {
                counts.unchanged += 1;
                continue;
            }
            Some((_, first_seen_at)) => {
                counts.updated += 1;
                // An update keeps its story: re-fetching never splits a group.
                (first_seen_at, None)
            }
            None => {
                if let Some(existing) = steps.exact_duplicate(article)? {
                    if steps.record_other_source(&existing, article, seen_at)? {
                        counts.folded += 1;
                    } else {
                        counts.unchanged += 1;
                    }
                    continue;
                }
                counts.new += 1;
                let sort_at = sort_time(article, seen_at);
                let story = steps.story_for(article, sort_at)?;
                if story != article.id.as_str() {
                    // The group's other reports now have company: re-list them in the
                    // change sequence so the index learns they are grouped.
                    next_seq = steps.relist_story(&story, next_seq)?;
                }
                (seen_at, Some(story))
            }
        };
        steps.write_article(article, &fingerprint, first_seen_at, seen_at, next_seq, story_id)?;
        next_seq += 1;
    }
    Ok(counts)
}

/// Date used for ordering: published, else updated, else first seen less
/// [`UNDATED_SORT_SHIFT`].
pub(crate) fn sort_time(article: &Article, first_seen_at: i64) -> i64 {
    article
        .published
        .or(article.updated)
        .map(to_db)
        .unwrap_or(first_seen_at - UNDATED_SORT_SHIFT)
}

/// `items` as a JSON array of strings (as stored in list columns, and for `json_each(?)`).
pub(crate) fn json_list<S: AsRef<str>>(items: &[S]) -> String {
    serde_json::Value::from(items.iter().map(AsRef::as_ref).collect::<Vec<&str>>()).to_string()
}

/// Whether a stored article's councils (its JSON list column) include one of `article`'s.
pub(crate) fn shares_a_council(article: &Article, stored_councils: &str) -> bool {
    let councils: Vec<String> = serde_json::from_str(stored_councils).unwrap_or_default();
    councils.iter().any(|gss| article.local_authorities.contains(gss))
}

/// The story a new article joins among `candidates` (story id, title, text of other
/// sources' reports nearby that share a council): the most similar one, if it is similar
/// enough ([`FOLD_SIMILARITY`]); else the article's own id.
pub(crate) fn best_story(
    article: &Article,
    candidates: impl IntoIterator<Item = (Option<String>, String, String)>,
) -> String {
    let words = csfeed_core::similarity::story_words(&article.title, &article.content_text);
    let mut best: Option<(f64, String)> = None;
    for (story_id, title, text) in candidates {
        let score =
            csfeed_core::similarity::similarity(&words, &csfeed_core::similarity::story_words(&title, &text));
        if score >= FOLD_SIMILARITY && best.as_ref().is_none_or(|(top, _)| score > *top) {
            best = story_id.map(|story| (score, story));
        }
    }
    best.map_or_else(|| article.id.to_string(), |(_, story)| story)
}

/// A story group's members, by story id: (source name, url, article id).
pub(crate) type StoryMembers = HashMap<String, Vec<(String, Option<String>, String)>>;
/// Other outlets recorded against an article, by article id: (source name, url).
pub(crate) type RecordedOutlets = HashMap<String, Vec<(String, Option<String>)>>;

/// The story id each record belongs to (its own id when it leads or stands alone).
pub(crate) fn story_of(record: &ArticleRecord) -> String {
    record
        .story_id
        .as_ref()
        .unwrap_or(&record.article.id)
        .as_str()
        .to_owned()
}

/// Fills in each record's `also_reported_by`: the other members of its story group, then
/// the other outlets recorded against it.
pub(crate) fn fill_reports(
    records: &mut [ArticleRecord],
    stories: &[String],
    grouped: &StoryMembers,
    recorded: &RecordedOutlets,
) {
    for (record, story) in records.iter_mut().zip(stories) {
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
}

/// An article row's columns as read ([`ARTICLE_COLUMNS`], in that order), before they are
/// checked and turned into an [`ArticleRecord`]; both backends read into this.
pub(crate) struct StoredArticle {
    pub(crate) id: String,
    pub(crate) source: String,
    pub(crate) guid: String,
    pub(crate) url: Option<String>,
    pub(crate) title: String,
    pub(crate) published: Option<i64>,
    pub(crate) updated: Option<i64>,
    pub(crate) first_seen: i64,
    pub(crate) changed: i64,
    pub(crate) authors: String,
    pub(crate) summary: String,
    pub(crate) content_html: String,
    pub(crate) content_text: String,
    pub(crate) change_seq: i64,
    pub(crate) source_name: String,
    pub(crate) local_authorities: String,
    pub(crate) topics: String,
    pub(crate) story_id: Option<String>,
}

impl StoredArticle {
    /// The record, or [`StoreError::Corrupt`] naming the first unreadable column.
    pub(crate) fn into_record(self) -> Result<ArticleRecord, StoreError> {
        let corrupt = |what: &'static str, value: &str| StoreError::Corrupt {
            what,
            value: value.to_owned(),
        };
        let Self {
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
        } = self;
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
    }
}

/// The articles operations behind [`Store`]'s methods of the same names, one implementation per
/// backend.
pub(crate) trait ArticleOps {
    fn upsert_articles(
        &self,
        articles: &[Article],
        seen_at: DateTime<Utc>,
    ) -> Result<UpsertCounts, StoreError>;
    fn article(&self, id: &ArticleId) -> Result<Option<ArticleRecord>, StoreError>;
    fn articles_by_ids(&self, ids: &[ArticleId]) -> Result<Vec<ArticleRecord>, StoreError>;
    fn latest_articles(
        &self,
        source: Option<&SourceId>,
        limit: usize,
        offset: usize,
    ) -> Result<Vec<ArticleRecord>, StoreError>;
    fn article_id_by_guid(&self, guid: &str) -> Result<Option<ArticleId>, StoreError>;
    fn grade_change_alerts(&self, limit: usize) -> Result<Vec<ArticleRecord>, StoreError>;
    fn judgments_for(&self, gss_codes: &[String], limit: usize) -> Result<Vec<ArticleRecord>, StoreError>;
    fn articles_changed_after(&self, after_seq: i64, limit: usize) -> Result<Vec<ArticleRecord>, StoreError>;
    fn last_change_seq(&self) -> Result<i64, StoreError>;
    fn article_count(&self) -> Result<u64, StoreError>;
}

impl Store {
    /// Stores `articles` in one transaction: new ones are inserted, changed ones updated in
    /// place (keeping their first-seen time), unchanged ones left untouched.
    pub fn upsert_articles(
        &self,
        articles: &[Article],
        seen_at: DateTime<Utc>,
    ) -> Result<UpsertCounts, StoreError> {
        self.backend.upsert_articles(articles, seen_at)
    }

    /// One article by id.
    pub fn article(&self, id: &ArticleId) -> Result<Option<ArticleRecord>, StoreError> {
        self.backend.article(id)
    }

    /// The articles with these ids, in the order given; unknown ids are skipped.
    pub fn articles_by_ids(&self, ids: &[ArticleId]) -> Result<Vec<ArticleRecord>, StoreError> {
        self.backend.articles_by_ids(ids)
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
        self.backend.latest_articles(source, limit, offset)
    }

    /// The id of the article stored under this key (guid) by any source, if any.
    pub fn article_id_by_guid(&self, guid: &str) -> Result<Option<ArticleId>, StoreError> {
        self.backend.article_id_by_guid(guid)
    }

    /// Grade-change alerts (articles whose key starts with `alert:`), newest first.
    pub fn grade_change_alerts(&self, limit: usize) -> Result<Vec<ArticleRecord>, StoreError> {
        self.backend.grade_change_alerts(limit)
    }

    /// The newest judgments (articles of `judgments` sources) that name any of the councils
    /// with these GSS codes (a council and its predecessors) as a party, newest first.
    pub fn judgments_for(
        &self,
        gss_codes: &[String],
        limit: usize,
    ) -> Result<Vec<ArticleRecord>, StoreError> {
        self.backend.judgments_for(gss_codes, limit)
    }

    /// Up to `limit` articles that changed after position `after_seq` in the change
    /// sequence, oldest change first, with their other reports. The index catches up by
    /// walking this; an article is listed again when another report joins its story.
    pub fn articles_changed_after(
        &self,
        after_seq: i64,
        limit: usize,
    ) -> Result<Vec<ArticleRecord>, StoreError> {
        self.backend.articles_changed_after(after_seq, limit)
    }

    /// The newest position in the change sequence (0 when there are no articles).
    pub fn last_change_seq(&self) -> Result<i64, StoreError> {
        self.backend.last_change_seq()
    }

    /// How many articles are stored.
    pub fn article_count(&self) -> Result<u64, StoreError> {
        self.backend.article_count()
    }
}
