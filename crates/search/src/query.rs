//! Running a search: lenient parsing, filters, ranking, highlighting, hydration.

use std::ops::Bound;

use chrono::{DateTime, Utc};
use csfeed_core::{ArticleId, SourceId};
use csfeed_store::{ArticleRecord, Store};
use tantivy::collector::{Count, TopDocs};
use tantivy::query::{AllQuery, BooleanQuery, Occur, Query, QueryParser, RangeQuery, TermQuery};
use tantivy::schema::{IndexRecordOption, Value};
use tantivy::snippet::SnippetGenerator;
use tantivy::{DocAddress, Order, Searcher, TantivyDocument, Term};

use crate::{SearchError, SearchIndex};

/// Weight of a match in the headline relative to one in the body.
const TITLE_BOOST: f32 = 3.0;
/// Weight of a match in the teaser relative to one in the body.
const SUMMARY_BOOST: f32 = 1.5;
/// Most results one page may ask for.
pub const MAX_PAGE_SIZE: usize = 100;
/// Deepest `(…)` grouping passed to Tantivy's recursive-descent parser; deeper input
/// would exhaust the stack, so its brackets are dropped instead.
const MAX_GROUPING_DEPTH: usize = 8;
/// Separates pages in the text of a paginated document (a report read from PDF).
pub const PAGE_BREAK: char = '\u{c}';
/// Length of a body snippet, in characters.
const SNIPPET_CHARS: usize = 240;

/// How results are ordered.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum SortOrder {
    /// Best match first (BM25, headline matches weighted up). An empty query sorts newest.
    #[default]
    Relevance,
    /// Newest first, by published date (else updated, else first seen).
    Newest,
}

/// One search, as typed in the site or the CLI.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SearchRequest {
    /// The user's query: words (stemmed English, all required), "exact phrases",
    /// `-excluded` words, `OR`, `(grouping)`, `title:word`, `source:id`. Empty matches all.
    pub query: String,
    /// Only articles from this source.
    pub source: Option<SourceId>,
    /// Only articles about the council with this GSS code.
    pub local_authority: Option<String>,
    /// Only articles on the topic with this slug.
    pub topic: Option<String>,
    /// Only articles dated at or after this.
    pub from: Option<DateTime<Utc>>,
    /// Only articles dated before this.
    pub to: Option<DateTime<Utc>>,
    /// Result order.
    pub sort: SortOrder,
    /// Results to skip (for pagination).
    pub offset: usize,
    /// Results to return (clamped to 1..=100).
    pub limit: usize,
}

/// One result: the stored article and its highlighted title and snippet.
#[derive(Debug, Clone)]
pub struct SearchHit {
    /// The article, read from the store.
    pub record: ArticleRecord,
    /// Relevance score (0 when sorted by date).
    pub score: f32,
    /// The title as HTML, escaped, with matches in `<mark>`.
    pub title_html: String,
    /// A passage of the body as HTML, escaped, with matches in `<mark>`; the teaser when
    /// the body has no match.
    pub snippet_html: String,
    /// For paginated texts (reports): the page the passage is on.
    pub page: Option<usize>,
}

/// A page of results.
#[derive(Debug, Clone)]
pub struct SearchResults {
    /// How many articles match in all.
    pub total: usize,
    /// This page of them.
    pub hits: Vec<SearchHit>,
    /// Parts of the query that could not be understood and were ignored, in words.
    pub warnings: Vec<String>,
}

impl SearchIndex {
    /// Runs `request`. Never fails because of what the user typed: parts of the query that
    /// cannot be parsed are ignored and reported in [`SearchResults::warnings`].
    pub fn search(&self, store: &Store, request: &SearchRequest) -> Result<SearchResults, SearchError> {
        let searcher = self.reader.searcher();
        let operators = crate::syntax::extract_filters(&request.query);
        let (text_query, mut warnings) = self.parse_text(&operators.text);
        warnings.extend(
            operators
                .warnings
                .iter()
                .map(|warning| format!("ignored: {warning}")),
        );
        let query = self.with_operators(self.with_filters(text_query.box_clone(), request), &operators);
        let limit = request.limit.clamp(1, MAX_PAGE_SIZE);
        let offset = request.offset.min(10_000);
        let by_date = request.sort == SortOrder::Newest || operators.text.trim().is_empty();
        let (total, addresses) = if by_date {
            let top = TopDocs::with_limit(limit)
                .and_offset(offset)
                .order_by_fast_field::<tantivy::DateTime>("date", Order::Desc);
            let (top, total) = searcher.search(&query, &(top, Count))?;
            (
                total,
                top.into_iter()
                    .map(|(_, address)| (0.0, address))
                    .collect::<Vec<_>>(),
            )
        } else {
            let top = TopDocs::with_limit(limit).and_offset(offset).order_by_score();
            let (top, total) = searcher.search(&query, &(top, Count))?;
            (total, top)
        };
        let hits = self.hydrate(store, &searcher, text_query.as_ref(), &addresses)?;
        Ok(SearchResults {
            total,
            hits,
            warnings,
        })
    }

    fn parse_text(&self, raw: &str) -> (Box<dyn Query>, Vec<String>) {
        if raw.trim().is_empty() {
            return (Box::new(AllQuery), Vec::new());
        }
        let fields = self.fields;
        let mut parser = QueryParser::for_index(&self.index, vec![fields.title, fields.summary, fields.body]);
        parser.set_conjunction_by_default();
        parser.set_field_boost(fields.title, TITLE_BOOST);
        parser.set_field_boost(fields.summary, SUMMARY_BOOST);
        let mut warnings: Vec<String> = Vec::new();
        let raw = if grouping_depth(raw) > MAX_GROUPING_DEPTH {
            warnings.push(format!(
                "ignored brackets nested more than {MAX_GROUPING_DEPTH} deep"
            ));
            raw.replace(['(', ')'], " ")
        } else {
            raw.to_owned()
        };
        let (query, errors) = parser.parse_query_lenient(&raw);
        for error in errors {
            let warning = format!("ignored part of the query: {error}");
            if !warnings.contains(&warning) {
                warnings.push(warning);
            }
        }
        (query, warnings)
    }

    fn with_filters(&self, text_query: Box<dyn Query>, request: &SearchRequest) -> Box<dyn Query> {
        let mut clauses: Vec<(Occur, Box<dyn Query>)> = vec![(Occur::Must, text_query)];
        let exact = [
            (self.fields.source, request.source.as_ref().map(SourceId::as_str)),
            (self.fields.local_authority, request.local_authority.as_deref()),
            (self.fields.topic, request.topic.as_deref()),
        ];
        for (field, value) in exact {
            if let Some(value) = value {
                let term = Term::from_field_text(field, value);
                clauses.push((
                    Occur::Must,
                    Box::new(TermQuery::new(term, IndexRecordOption::Basic)),
                ));
            }
        }
        if request.from.is_some() || request.to.is_some() {
            let date_term = |date: DateTime<Utc>| {
                Term::from_field_date_for_search(
                    self.fields.date,
                    tantivy::DateTime::from_timestamp_secs(date.timestamp()),
                )
            };
            let lower = request
                .from
                .map_or(Bound::Unbounded, |from| Bound::Included(date_term(from)));
            let upper = request
                .to
                .map_or(Bound::Unbounded, |to| Bound::Excluded(date_term(to)));
            clauses.push((Occur::Must, Box::new(RangeQuery::new(lower, upper))));
        }
        if clauses.len() == 1 {
            return clauses.remove(0).1;
        }
        Box::new(BooleanQuery::new(clauses))
    }

    /// Adds the filters written as operators in the query (`la:`, `region:`, `topic:`,
    /// `after:`, `before:`).
    fn with_operators(
        &self,
        query: Box<dyn Query>,
        operators: &crate::syntax::FieldFilters,
    ) -> Box<dyn Query> {
        let exact = |field, value: &str| -> Box<dyn Query> {
            Box::new(TermQuery::new(
                Term::from_field_text(field, value),
                IndexRecordOption::Basic,
            ))
        };
        let mut clauses: Vec<(Occur, Box<dyn Query>)> = vec![(Occur::Must, query)];
        for any_of in &operators.councils {
            let options = any_of
                .iter()
                .map(|gss| (Occur::Should, exact(self.fields.local_authority, gss)))
                .collect();
            clauses.push((Occur::Must, Box::new(BooleanQuery::new(options))));
        }
        for topic in &operators.topics {
            clauses.push((Occur::Must, exact(self.fields.topic, topic)));
        }
        if operators.after.is_some() || operators.before.is_some() {
            let date_term = |date: DateTime<Utc>| {
                Term::from_field_date_for_search(
                    self.fields.date,
                    tantivy::DateTime::from_timestamp_secs(date.timestamp()),
                )
            };
            let lower = operators
                .after
                .map_or(Bound::Unbounded, |after| Bound::Included(date_term(after)));
            let upper = operators
                .before
                .map_or(Bound::Unbounded, |before| Bound::Excluded(date_term(before)));
            clauses.push((Occur::Must, Box::new(RangeQuery::new(lower, upper))));
        }
        if clauses.len() == 1 {
            return clauses.remove(0).1;
        }
        Box::new(BooleanQuery::new(clauses))
    }

    fn hydrate(
        &self,
        store: &Store,
        searcher: &Searcher,
        text_query: &dyn Query,
        addresses: &[(f32, DocAddress)],
    ) -> Result<Vec<SearchHit>, SearchError> {
        let mut scored_ids = Vec::with_capacity(addresses.len());
        for (score, address) in addresses {
            let document: TantivyDocument = searcher.doc(*address)?;
            let id = document
                .get_first(self.fields.id)
                .and_then(|value| value.as_str())
                .and_then(ArticleId::parse);
            if let Some(id) = id {
                scored_ids.push((*score, id));
            }
        }
        let ids: Vec<ArticleId> = scored_ids.iter().map(|(_, id)| id.clone()).collect();
        let records = store.articles_by_ids(&ids)?;
        let mut title_snippets = SnippetGenerator::create(searcher, text_query, self.fields.title)?;
        title_snippets.set_max_num_chars(1_000);
        let mut body_snippets = SnippetGenerator::create(searcher, text_query, self.fields.body)?;
        body_snippets.set_max_num_chars(SNIPPET_CHARS);
        let hits = records
            .into_iter()
            .map(|record| {
                let score = scored_ids
                    .iter()
                    .find(|(_, id)| *id == record.article.id)
                    .map_or(0.0, |(score, _)| *score);
                let title_html = highlighted(&title_snippets, &record.article.title)
                    .unwrap_or_else(|| csfeed_core::escape_html(&record.article.title));
                let body = highlighted_at(&body_snippets, &record.article.content_text);
                let page = body
                    .as_ref()
                    .and_then(|(_, offset)| page_at(&record.article.content_text, *offset));
                let snippet_html = body.map_or_else(
                    || csfeed_core::escape_html(&record.article.summary),
                    |(html, _)| html,
                );
                SearchHit {
                    page,
                    record,
                    score,
                    title_html,
                    snippet_html,
                }
            })
            .collect();
        Ok(hits)
    }
}

/// How deeply `(…)` groups nest outside quoted phrases (unbalanced brackets count as open).
fn grouping_depth(raw: &str) -> usize {
    let (mut depth, mut deepest, mut quoted) = (0usize, 0usize, false);
    for character in raw.chars() {
        match character {
            '"' => quoted = !quoted,
            '(' if !quoted => {
                depth += 1;
                deepest = deepest.max(depth);
            }
            ')' if !quoted => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    deepest
}

/// The highlighted passage of `text`, or `None` when no query term occurs in it.
fn highlighted(generator: &SnippetGenerator, text: &str) -> Option<String> {
    highlighted_at(generator, text).map(|(html, _)| html)
}

/// The highlighted passage and where in `text` it starts.
fn highlighted_at(generator: &SnippetGenerator, text: &str) -> Option<(String, usize)> {
    let mut snippet = generator.snippet(text);
    if snippet.is_empty() || snippet.highlighted().is_empty() {
        return None;
    }
    snippet.set_snippet_prefix_postfix("<mark>", "</mark>");
    Some((snippet.to_html(), snippet.fragment_range().start))
}

/// The page an offset of a paginated text falls on (pages are separated by form feeds, as
/// in reports read from PDF); `None` for texts without pages.
fn page_at(text: &str, offset: usize) -> Option<usize> {
    if !text.contains(PAGE_BREAK) {
        return None;
    }
    let before = text.get(..offset).unwrap_or(text);
    Some(1 + before.matches(PAGE_BREAK).count())
}
