//! Running a search: lenient parsing, filters, ranking, highlighting, hydration.

use std::collections::HashMap;
use std::ops::Bound;
use std::sync::Arc;

use chrono::{DateTime, Utc};
use csfeed_core::{ArticleId, Grade, SourceId};
use csfeed_store::{ArticleRecord, Store};
use tantivy::collector::TopDocs;
use tantivy::columnar::StrColumn;
use tantivy::query::{
    AllQuery, BooleanQuery, MoreLikeThisQuery, Occur, Query, QueryParser, RangeQuery, TermQuery,
};
use tantivy::schema::{IndexRecordOption, OwnedValue, Value};
use tantivy::snippet::SnippetGenerator;
use tantivy::tokenizer::TextAnalyzer;
use tantivy::{
    DocAddress, DocId, Order, Score, Searcher, SegmentOrdinal, SegmentReader, TantivyDocument, Term,
};

use tracing::debug;

use crate::facets::{FacetCollector, FacetCounts, FacetField, into_counts};
use crate::facts::ArticleKind;
use crate::groups::StoryCount;
use crate::phrases::SectorName;
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
/// How much of an article's body "more like this" reads for its words.
const MORE_LIKE_THIS_CHARS: usize = 20_000;
/// The most a story's recency can multiply its relevance by (for a story dated now).
const RECENCY_WEIGHT: f32 = 0.25;
/// Days after which a story's recency boost has halved.
const RECENCY_HALF_LIFE_DAYS: f32 = 180.0;
/// Words too common in English to say what a story is about.
const STOP_WORDS: &[&str] = &[
    "the", "and", "for", "that", "with", "this", "from", "was", "were", "are", "has", "have", "had", "been",
    "not", "but", "they", "their", "them", "there", "which", "who", "will", "would", "can", "could",
    "should", "its", "our", "your", "about", "into", "than", "then", "also", "more", "said", "his", "her",
    "she", "him", "all", "any", "one", "two", "new", "out", "what", "when", "where", "how", "some", "such",
    "other", "these", "those", "after", "before", "over", "only", "very",
];

/// The recency multiplier applied to a relevance score:
///
/// `boost = 1 + RECENCY_WEIGHT × 0.5^(age_days / RECENCY_HALF_LIFE_DAYS)`
///
/// so a story dated today scores up to 1.25× its BM25 score, one six months old 1.125×, a
/// year old 1.06× and a five-year-old report about 1.0×. The boost is gentle on purpose: it
/// breaks near-ties in favour of the newer story and never lets an old story that matches
/// well lose to a new one that barely matches (a title match is worth 3×). Future dates
/// count as today; undated items get no boost (they sort as if very old).
pub fn recency_boost(age_days: Option<f32>) -> f32 {
    match age_days {
        Some(age) => 1.0 + RECENCY_WEIGHT * (-age.max(0.0) / RECENCY_HALF_LIFE_DAYS).exp2(),
        None => 1.0,
    }
}

/// Hits in rank order, as (score, address); the score is 0 when sorted by date.
type Ranked = Vec<(f32, DocAddress)>;

/// Hits ranked beyond a page (at least), so that folding story groups still fills it.
const FOLD_MARGIN: usize = 10;

/// Searches remembered per index generation.
const CACHED_RESULTS: usize = 256;

/// Recent results, valid until the index changes: popular searches, feed refreshes, the
/// next page of a search and a facet clicked and then removed are answered without
/// scoring and counting every match again (the same idea as Elasticsearch's request
/// cache). A new index generation makes every entry stale.
#[derive(Debug, Default)]
pub(crate) struct ResultCache {
    entries: std::sync::Mutex<std::collections::HashMap<String, (u64, Arc<SearchResults>)>>,
}

impl ResultCache {
    fn get(&self, generation: u64, key: &str) -> Option<Arc<SearchResults>> {
        let entries = self
            .entries
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        entries
            .get(key)
            .filter(|(stored, _)| *stored == generation)
            .map(|(_, results)| Arc::clone(results))
    }

    fn put(&self, generation: u64, key: String, results: &Arc<SearchResults>) {
        let mut entries = self
            .entries
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if entries.len() >= CACHED_RESULTS {
            entries.retain(|_, (stored, _)| *stored == generation);
            if entries.len() >= CACHED_RESULTS {
                entries.clear();
            }
        }
        entries.insert(key, (generation, Arc::clone(results)));
    }
}

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
    /// Only articles dated at or after this, or undated (for digests, whose window the
    /// `seen_*` bounds give: history first seen now is not news).
    pub fresh_from: Option<DateTime<Utc>>,
    /// Result order.
    pub sort: SortOrder,
    /// Results to skip (for pagination).
    pub offset: usize,
    /// Results to return (clamped to 1..=100).
    pub limit: usize,
    /// Count the matches by source, council, region, topic, kind, grade and year.
    pub facets: bool,
    /// Only articles csfeed first saw at or after this (for digests: "new since").
    pub seen_from: Option<DateTime<Utc>>,
    /// Only articles csfeed first saw before this.
    pub seen_to: Option<DateTime<Utc>>,
    /// Leave out highlighting (titles and snippets come back as escaped plain text): for
    /// callers that show no snippets, such as the digest.
    pub skip_highlights: bool,
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
    /// What the article is (news, an inspection report, a grade-change alert…).
    pub kind: ArticleKind,
    /// The overall grade of the report it is or announces.
    pub grade: Option<Grade>,
}

/// A page of results.
#[derive(Debug, Clone)]
pub struct SearchResults {
    /// How many stories match in all (reports of one story from several outlets count
    /// once, and are listed once: the best-ranked stands for the rest).
    pub total: usize,
    /// This page of them.
    pub hits: Vec<SearchHit>,
    /// Parts of the query that could not be understood and were ignored, in words.
    pub warnings: Vec<String>,
    /// Facet counts over all matches (empty unless the request asked for them).
    pub facets: Vec<FacetCounts>,
    /// For a query that found nothing: a respelling that finds something.
    pub did_you_mean: Option<String>,
    /// Phrases searched under all their sector names: (as written, the topic's name).
    pub synonyms: Vec<(String, String)>,
}

impl SearchIndex {
    /// Runs `request`. Never fails because of what the user typed: parts of the query that
    /// cannot be parsed are ignored and reported in [`SearchResults::warnings`].
    ///
    /// Results are shared with the cache (one page holds whole article bodies; copying them
    /// in and out was a noticeable part of a search).
    pub fn search(&self, store: &Store, request: &SearchRequest) -> Result<Arc<SearchResults>, SearchError> {
        let generation = self.generation();
        let key = format!("{request:?}");
        if let Some(results) = self.cache.get(generation, &key) {
            return Ok(results);
        }
        let results = Arc::new(self.search_uncached(store, request)?);
        self.cache.put(generation, key, &results);
        Ok(results)
    }

    /// [`SearchIndex::search`] without the result cache (for measuring).
    pub fn search_uncached(
        &self,
        store: &Store,
        request: &SearchRequest,
    ) -> Result<SearchResults, SearchError> {
        match self.run_search(store, request) {
            // A query Tantivy accepted but cannot run on this schema is still the user's
            // input, not a failure of the index: say so instead of failing.
            Err(SearchError::Tantivy(
                error @ (tantivy::TantivyError::SchemaError(_)
                | tantivy::TantivyError::InvalidArgument(_)
                | tantivy::TantivyError::FieldNotFound(_)),
            )) => {
                debug!(%error, "search cannot be run");
                Ok(SearchResults {
                    total: 0,
                    hits: Vec::new(),
                    warnings: vec!["this search cannot be run: try fewer signs and operators".to_owned()],
                    facets: Vec::new(),
                    did_you_mean: None,
                    synonyms: Vec::new(),
                })
            }
            other => other,
        }
    }

    fn run_search(&self, store: &Store, request: &SearchRequest) -> Result<SearchResults, SearchError> {
        let searcher = self.reader.searcher();
        let operators = crate::syntax::extract_filters(&request.query);
        let (text_query, expanded, mut warnings) = self.understand_text(&operators.text);
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
        let facet_fields = FacetField::ALL.to_vec();
        let facets = request.facets.then(|| FacetCollector {
            fields: facet_fields.clone(),
        });
        // Hits are folded to one per story group, so rank a few more than the page needs
        // (from the top, so that every page folds the same way) and rank again, deeper,
        // in the rare case that folding left the page short.
        let wanted = offset + limit;
        let mut depth = wanted + limit.max(FOLD_MARGIN);
        let (mut ranked, (total, facet_fruit)) =
            self.ranked(&searcher, query.as_ref(), by_date, depth, (StoryCount, facets))?;
        let mut folded = crate::groups::fold_stories(&searcher, ranked.clone());
        while folded.len() < wanted && ranked.len() == depth && depth < wanted * 8 {
            depth *= 2;
            (ranked, _) = self.ranked(&searcher, query.as_ref(), by_date, depth, None::<StoryCount>)?;
            folded = crate::groups::fold_stories(&searcher, ranked.clone());
        }
        let addresses: Vec<(f32, DocAddress)> = folded.into_iter().skip(offset).take(limit).collect();
        let sector_names = crate::phrases::names_of(expanded.expansions.iter().map(|(_, topic)| *topic));
        let hits = self.hydrate(
            store,
            &searcher,
            Highlights {
                query: text_query.as_ref(),
                sector_names: &sector_names,
                skip: request.skip_highlights,
            },
            &addresses,
        )?;
        let did_you_mean = if total == 0 && !operators.text.trim().is_empty() {
            self.did_you_mean(store, &searcher, request, &operators.text)?
        } else {
            None
        };
        Ok(SearchResults {
            total,
            hits,
            warnings,
            facets: facet_fruit.map_or_else(Vec::new, |fruit| into_counts(&facet_fields, fruit)),
            did_you_mean,
            synonyms: expanded
                .expansions
                .into_iter()
                .map(|(written, topic)| (written, topic.name.to_owned()))
                .collect(),
        })
    }

    /// The best `depth` matches of `query` (by date, else by relevance with the recency
    /// boost) as (score, address), and what `also` collects over all matches.
    fn ranked<C: tantivy::collector::Collector>(
        &self,
        searcher: &Searcher,
        query: &dyn Query,
        by_date: bool,
        depth: usize,
        also: C,
    ) -> Result<(Ranked, C::Fruit), SearchError> {
        if by_date {
            let top =
                TopDocs::with_limit(depth).order_by_fast_field::<tantivy::DateTime>("date", Order::Desc);
            let (top, fruit) = searcher.search(query, &(top, also))?;
            return Ok((
                top.into_iter().map(|(_, address)| (0.0, address)).collect(),
                fruit,
            ));
        }
        let now = Utc::now().timestamp();
        let top = TopDocs::with_limit(depth).tweak_score(move |segment: &SegmentReader| {
            let dates = segment.fast_fields().date("date").ok();
            move |doc: DocId, score: Score| {
                let age_days = dates
                    .as_ref()
                    .and_then(|dates| dates.first(doc))
                    .map(|date| (now - date.into_timestamp_secs()) as f32 / 86_400.0);
                score * recency_boost(age_days)
            }
        });
        Ok(searcher.search(query, &(top, also))?)
    }

    /// A respelling of `text` that finds something: each word that occurs in no indexed
    /// text is replaced by the closest headline or teaser word (edit distance 1, or 2 for
    /// words of six letters or more; the most used wins a tie).
    fn did_you_mean(
        &self,
        store: &Store,
        searcher: &Searcher,
        request: &SearchRequest,
        text: &str,
    ) -> Result<Option<String>, SearchError> {
        let mut changed = false;
        let mut respelled = Vec::new();
        for token in crate::syntax::tokens(text) {
            let is_word = token.chars().count() >= 3 && token.chars().all(char::is_alphabetic);
            if is_word
                && !self.is_known_word(searcher, &token)?
                && let Some(better) = self.closest_word(searcher, &token)?
            {
                respelled.push(better);
                changed = true;
                continue;
            }
            respelled.push(token);
        }
        if !changed {
            return Ok(None);
        }
        let suggestion = crate::syntax::replace_text(&request.query, text, &respelled.join(" "));
        let retry = SearchRequest {
            query: suggestion.clone(),
            facets: false,
            limit: 1,
            offset: 0,
            ..request.clone()
        };
        let found = self.search(store, &retry)?.total;
        Ok((found > 0).then_some(suggestion))
    }

    /// Whether `word`, analysed as the full-text fields analyse it, occurs anywhere.
    fn is_known_word(&self, searcher: &Searcher, word: &str) -> Result<bool, SearchError> {
        let mut analyzer = self
            .index
            .tokenizers()
            .get(crate::analysis::ENGLISH)
            .ok_or_else(|| SearchError::Internal("the English analyzer is missing".into()))?;
        let mut stream = analyzer.token_stream(word);
        let mut known = true;
        while let Some(token) = stream.next() {
            let mut found = false;
            for field in [self.fields.title, self.fields.summary, self.fields.body] {
                if searcher.doc_freq(&Term::from_field_text(field, &token.text))? > 0 {
                    found = true;
                    break;
                }
            }
            known &= found;
        }
        Ok(known)
    }

    /// The indexed headline or teaser word nearest to `word`.
    fn closest_word(&self, searcher: &Searcher, word: &str) -> Result<Option<String>, SearchError> {
        let wanted = word.to_lowercase();
        let allowed = if wanted.chars().count() >= 6 { 2 } else { 1 };
        let mut best: Option<(usize, u64, String)> = None;
        for segment in searcher.segment_readers() {
            let inverted = segment.inverted_index(self.fields.words)?;
            let mut terms = inverted.terms().stream()?;
            while terms.advance() {
                let Ok(candidate) = std::str::from_utf8(terms.key()) else {
                    continue;
                };
                if candidate.len().abs_diff(wanted.len()) > allowed {
                    continue;
                }
                let distance = strsim::damerau_levenshtein(&wanted, candidate);
                if distance == 0 || distance > allowed {
                    continue;
                }
                let frequency = u64::from(terms.value().doc_freq);
                let better = best.as_ref().is_none_or(|(best_distance, best_frequency, _)| {
                    (distance, std::cmp::Reverse(frequency))
                        < (*best_distance, std::cmp::Reverse(*best_frequency))
                });
                if better {
                    best = Some((distance, frequency, candidate.to_owned()));
                }
            }
        }
        Ok(best.map(|(_, _, word)| word))
    }

    /// Articles like the one with `id`: its most distinctive headline and body words,
    /// searched for, leaving out the article itself and other reports of its story.
    pub fn more_like_this(
        &self,
        store: &Store,
        id: &ArticleId,
        limit: usize,
    ) -> Result<Vec<ArticleRecord>, SearchError> {
        let Some(record) = store.article(id)? else {
            return Ok(Vec::new());
        };
        let article = &record.article;
        let body: String = article.content_text.chars().take(MORE_LIKE_THIS_CHARS).collect();
        let similar = MoreLikeThisQuery::builder()
            .with_min_doc_frequency(2)
            .with_max_doc_frequency((self.num_docs() / 5).max(10))
            .with_min_term_frequency(1)
            .with_min_word_length(3)
            .with_max_query_terms(30)
            .with_stop_words(STOP_WORDS.iter().map(|word| (*word).to_owned()).collect())
            .with_document_fields(vec![
                (self.fields.title, vec![OwnedValue::Str(article.title.clone())]),
                (self.fields.title, vec![OwnedValue::Str(article.title.clone())]),
                (self.fields.body, vec![OwnedValue::Str(body)]),
            ]);
        let query = BooleanQuery::new(vec![
            (Occur::Must, Box::new(similar) as Box<dyn Query>),
            (Occur::MustNot, exact_term(self.fields.id, id.as_str())),
        ]);
        let searcher = self.reader.searcher();
        let top = searcher.search(&query, &TopDocs::with_limit(limit + 5).order_by_score())?;
        let mut ids = Vec::with_capacity(top.len());
        for (_, address) in top {
            let document: TantivyDocument = searcher.doc(address)?;
            if let Some(id) = document
                .get_first(self.fields.id)
                .and_then(|value| value.as_str())
                .and_then(ArticleId::parse)
            {
                ids.push(id);
            }
        }
        let story = record.story_id.clone().unwrap_or_else(|| id.clone());
        let mut records = store.articles_by_ids(&ids)?;
        records.retain(|other| other.story_id.as_ref() != Some(&story) && other.article.id != story);
        records.truncate(limit);
        Ok(records)
    }

    /// The text part of a query, mended for the parser (see `lenient`), its sector names
    /// expanded, and parsed; with notes for the user. The parser's own messages are never
    /// shown: when it still objects, the words alone are searched.
    fn understand_text(&self, text: &str) -> (Box<dyn Query>, crate::synonyms::Expanded, Vec<String>) {
        let mut cleaned = crate::lenient::clean(text);
        let mut expanded = crate::synonyms::expand(&cleaned.text);
        let (mut query, mut warnings, mut objections) = self.parse_text(&expanded.text);
        if !objections.is_empty() {
            debug!(
                ?objections,
                "query parser objected after mending; searching the words"
            );
            cleaned = cleaned.words_only();
            expanded = crate::synonyms::expand(&cleaned.text);
            (query, warnings, objections) = self.parse_text(&expanded.text);
            if !objections.is_empty() {
                debug!(?objections, "query parser objected to the words alone");
            }
        }
        warnings.extend(cleaned.note());
        (query, expanded, warnings)
    }

    /// Parses mended text: the query, notes for the user, and the parser's objections
    /// (for logs, never for users).
    fn parse_text(&self, raw: &str) -> (Box<dyn Query>, Vec<String>, Vec<tantivy::query::QueryParserError>) {
        if raw.trim().is_empty() {
            return (Box::new(AllQuery), Vec::new(), Vec::new());
        }
        let fields = self.fields;
        let mut parser = QueryParser::for_index(&self.index, vec![fields.title, fields.summary, fields.body]);
        parser.set_conjunction_by_default();
        parser.set_field_boost(fields.title, TITLE_BOOST);
        parser.set_field_boost(fields.summary, SUMMARY_BOOST);
        let mut warnings: Vec<String> = Vec::new();
        // `field:*` asks for "has any value", which Tantivy answers only for fast fields.
        let (raw, dropped) = without_any_value_terms(raw);
        if dropped {
            warnings.push("ignored field:* (searching for any value is not supported)".to_owned());
        }
        let raw = raw.as_str();
        let raw = if grouping_depth(raw) > MAX_GROUPING_DEPTH {
            warnings.push(format!(
                "ignored brackets nested more than {MAX_GROUPING_DEPTH} deep"
            ));
            raw.replace(['(', ')'], " ")
        } else {
            raw.to_owned()
        };
        let (query, mut objections) = parser.parse_query_lenient(&raw);
        if objections == [tantivy::query::QueryParserError::AllButQueryForbidden] {
            // Only exclusions ("-fostering"): everything except them, not (as the parser
            // would have it) the excluded words themselves.
            let (everything_but, still) = parser.parse_query_lenient(&format!("* {raw}"));
            return (everything_but, warnings, still);
        }
        objections.dedup();
        (query, warnings, objections)
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
                clauses.push((Occur::Must, exact_term(field, value)));
            }
        }
        let ranges = [
            date_range(self.fields.date, request.from, request.to),
            date_range(self.fields.seen, request.seen_from, request.seen_to),
        ];
        clauses.extend(ranges.into_iter().flatten().map(|range| (Occur::Must, range)));
        if let Some(range) = date_range(self.fields.date, request.fresh_from, None) {
            let undated = exact_term(self.fields.undated, "1");
            let fresh = BooleanQuery::new(vec![(Occur::Should, range), (Occur::Should, undated)]);
            clauses.push((Occur::Must, Box::new(fresh)));
        }
        all_of(clauses)
    }

    /// Adds the filters written as operators in the query (`la:`, `region:`, `topic:`,
    /// `kind:`, `grade:`, `year:`, `source:`, `after:`, `before:`).
    fn with_operators(
        &self,
        query: Box<dyn Query>,
        operators: &crate::syntax::FieldFilters,
    ) -> Box<dyn Query> {
        let mut clauses: Vec<(Occur, Box<dyn Query>)> = vec![(Occur::Must, query)];
        for (facet, any_of) in &operators.exact {
            let field = self.facet_field(*facet);
            let options: Vec<(Occur, Box<dyn Query>)> = any_of
                .iter()
                .map(|value| (Occur::Should, exact_term(field, value)))
                .collect();
            clauses.push((Occur::Must, Box::new(BooleanQuery::new(options))));
        }
        for has in &operators.has {
            clauses.push((Occur::Must, exact_term(self.fields.has, has.slug())));
        }
        if let Some(range) = date_range(self.fields.date, operators.after, operators.before) {
            clauses.push((Occur::Must, range));
        }
        all_of(clauses)
    }

    fn facet_field(&self, facet: FacetField) -> tantivy::schema::Field {
        match facet {
            FacetField::Source => self.fields.source,
            FacetField::LocalAuthority => self.fields.local_authority,
            FacetField::Region => self.fields.region,
            FacetField::Topic => self.fields.topic,
            FacetField::Kind => self.fields.kind,
            FacetField::Grade => self.fields.grade,
            FacetField::Year => self.fields.year,
        }
    }

    fn hydrate(
        &self,
        store: &Store,
        searcher: &Searcher,
        highlights: Highlights<'_>,
        addresses: &[(f32, DocAddress)],
    ) -> Result<Vec<SearchHit>, SearchError> {
        let Highlights {
            query: text_query,
            sector_names,
            skip: skip_highlights,
        } = highlights;
        let mut found = Vec::with_capacity(addresses.len());
        let (mut kinds, mut grades) = (FastText::new(searcher, "kind"), FastText::new(searcher, "grade"));
        for (score, address) in addresses {
            let document: TantivyDocument = searcher.doc(*address)?;
            let id = document
                .get_first(self.fields.id)
                .and_then(|value| value.as_str())
                .and_then(ArticleId::parse);
            if let Some(id) = id {
                let kind = kinds.get(*address).and_then(|kind| ArticleKind::parse(&kind));
                let grade = grades.get(*address).and_then(|grade| Grade::parse(&grade));
                found.push(Found {
                    id,
                    score: *score,
                    kind: kind.unwrap_or(ArticleKind::News),
                    grade,
                });
            }
        }
        let ids: Vec<ArticleId> = found.iter().map(|found| found.id.clone()).collect();
        let records = store.articles_by_ids(&ids)?;
        let found_for = |record: &ArticleRecord| {
            found
                .iter()
                .find(|found| found.id == record.article.id)
                .map_or((0.0, ArticleKind::News, None), |found| {
                    (found.score, found.kind, found.grade)
                })
        };
        if skip_highlights {
            return Ok(records
                .into_iter()
                .map(|record| {
                    let (score, kind, grade) = found_for(&record);
                    SearchHit {
                        title_html: csfeed_core::escape_html(&record.article.title),
                        snippet_html: csfeed_core::escape_html(&record.article.summary),
                        page: None,
                        record,
                        score,
                        kind,
                        grade,
                    }
                })
                .collect());
        }
        let mut title_snippets = SnippetGenerator::create(searcher, text_query, self.fields.title)?;
        title_snippets.set_max_num_chars(1_000);
        let mut body_snippets = SnippetGenerator::create(searcher, text_query, self.fields.body)?;
        body_snippets.set_max_num_chars(SNIPPET_CHARS);
        let mut body_analyzer = self.index.tokenizer_for_field(self.fields.body)?;
        let mut body_terms: Vec<String> = Vec::new();
        text_query.query_terms(&mut |term, _| {
            if term.field() == self.fields.body
                && let Some(text) = term.value().as_str()
                && !body_terms.iter().any(|known| known == text)
            {
                body_terms.push(text.to_owned());
            }
        });
        let hits = records
            .into_iter()
            .map(|record| {
                let (score, kind, grade) = found_for(&record);
                let title = &record.article.title;
                let title_html = highlighted_whole(&title_snippets, title, sector_names)
                    .or_else(|| crate::phrases::marked(title, &[], sector_names))
                    .unwrap_or_else(|| csfeed_core::escape_html(title));
                let text = &record.article.content_text;
                let body = highlighted_body(
                    &body_snippets,
                    &body_terms,
                    &mut body_analyzer,
                    text,
                    sector_names,
                )
                .or_else(|| {
                    crate::phrases::passage(text, sector_names, SNIPPET_WINDOW_BEFORE, SNIPPET_CHARS)
                });
                let page = body.as_ref().and_then(|(_, offset)| page_at(text, *offset));
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
                    kind,
                    grade,
                }
            })
            .collect();
        Ok(hits)
    }
}

/// A hit as the index knows it, before the store fills it in.
struct Found {
    id: ArticleId,
    score: f32,
    kind: ArticleKind,
    grade: Option<Grade>,
}

/// One fast text field's values, its column opened once per segment for a page of hits.
struct FastText<'a> {
    searcher: &'a Searcher,
    name: &'static str,
    columns: HashMap<SegmentOrdinal, Option<StrColumn>>,
}

impl<'a> FastText<'a> {
    fn new(searcher: &'a Searcher, name: &'static str) -> Self {
        Self {
            searcher,
            name,
            columns: HashMap::new(),
        }
    }

    /// The field's value for the document at `address` (the first, when it has several).
    fn get(&mut self, address: DocAddress) -> Option<String> {
        let (searcher, name) = (self.searcher, self.name);
        let column = self
            .columns
            .entry(address.segment_ord)
            .or_insert_with(|| {
                searcher
                    .segment_reader(address.segment_ord)
                    .fast_fields()
                    .str(name)
                    .ok()
                    .flatten()
            })
            .as_ref()?;
        let ord = column.ords().first(address.doc_id)?;
        let mut text = String::new();
        column.ord_to_str(ord, &mut text).ok()?.then_some(text)
    }
}

/// What to highlight in a page of hits.
#[derive(Clone, Copy)]
struct Highlights<'a> {
    /// The text query (its terms are marked in titles and passages).
    query: &'a dyn Query,
    /// Sector names the query's synonyms reached through topic tags, marked where no
    /// query term is found.
    sector_names: &'a [SectorName],
    /// Plain titles and teasers, no highlighting (feeds).
    skip: bool,
}

/// Documents whose `field` holds exactly `value`.
fn exact_term(field: tantivy::schema::Field, value: &str) -> Box<dyn Query> {
    Box::new(TermQuery::new(
        Term::from_field_text(field, value),
        IndexRecordOption::Basic,
    ))
}

/// Documents dated at or after `from` and before `to` in the date `field`; `None` when
/// neither bound is given.
fn date_range(
    field: tantivy::schema::Field,
    from: Option<DateTime<Utc>>,
    to: Option<DateTime<Utc>>,
) -> Option<Box<dyn Query>> {
    if from.is_none() && to.is_none() {
        return None;
    }
    let term = |date: DateTime<Utc>| Term::from_field_date_for_search(field, crate::schema::index_date(date));
    let lower = from.map_or(Bound::Unbounded, |from| Bound::Included(term(from)));
    let upper = to.map_or(Bound::Unbounded, |to| Bound::Excluded(term(to)));
    Some(Box::new(RangeQuery::new(lower, upper)))
}

/// All of `clauses` (the only one itself, when there is one).
fn all_of(mut clauses: Vec<(Occur, Box<dyn Query>)>) -> Box<dyn Query> {
    if clauses.len() == 1 {
        return clauses.remove(0).1;
    }
    Box::new(BooleanQuery::new(clauses))
}

/// `raw` without `field:*` terms, and whether there were any.
fn without_any_value_terms(raw: &str) -> (String, bool) {
    let mut dropped = false;
    let kept: Vec<&str> = raw
        .split_whitespace()
        .filter(|token| {
            let any_value = token.contains(":*") || token.contains(":\"*") || token.contains(":(*");
            dropped |= any_value;
            !any_value
        })
        .collect();
    if dropped {
        (kept.join(" "), true)
    } else {
        (raw.to_owned(), false)
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

/// `text` whole (a headline), escaped, with the query terms and sector `names` in it
/// marked; `None` when no query term occurs in it. A snippet's fragment runs from its first
/// word to its last, so it would cut a headline's closing bracket or opening quote.
fn highlighted_whole(generator: &SnippetGenerator, text: &str, names: &[SectorName]) -> Option<String> {
    let snippet = generator.snippet(text);
    if snippet.highlighted().is_empty() {
        return None;
    }
    let start = snippet.fragment_range().start;
    let terms: Vec<std::ops::Range<usize>> = snippet
        .highlighted()
        .iter()
        .map(|range| range.start + start..range.end + start)
        .collect();
    crate::phrases::marked(text, &terms, names)
}

/// Bytes of body text before and after the first match that the snippet generator reads:
/// stemming a whole 100-page report to find one 240-character passage would be most of a
/// search's cost.
const SNIPPET_WINDOW_BEFORE: usize = 80;
const SNIPPET_WINDOW_AFTER: usize = 320;

/// The highlighted passage of a body, read from the stretch around the first word that
/// `analyzer` (the body field's) turns into one of `terms`; `None` when no word does.
fn highlighted_body(
    generator: &SnippetGenerator,
    terms: &[String],
    analyzer: &mut TextAnalyzer,
    text: &str,
    names: &[SectorName],
) -> Option<(String, usize)> {
    let (window, start) = snippet_window(text, terms, analyzer)?;
    highlighted_at(generator, window, names).map(|(html, offset)| (html, start + offset))
}

/// The part of `text` around the earliest word that `analyzer` turns into one of `terms`
/// (stems), and its byte offset; `None` when no word does. Candidates are found without
/// stemming the text: a stem, less its last letter, begins the words it comes from
/// ("earli" from "early", "hope" from "hoping"), so only words starting that way are
/// stemmed to check.
fn snippet_window<'a>(
    text: &'a str,
    terms: &[String],
    analyzer: &mut TextAnalyzer,
) -> Option<(&'a str, usize)> {
    if terms.is_empty() {
        return None;
    }
    if text.len() <= SNIPPET_WINDOW_BEFORE + SNIPPET_WINDOW_AFTER {
        return Some((text, 0));
    }
    let lower = text.to_ascii_lowercase();
    // A report's address block and cover page are quoted only when nothing else matches.
    let floor = crate::report_text::passage_floor(text);
    let mut first = None;
    for from in [floor, 0] {
        first = terms
            .iter()
            .filter_map(|term| first_word_stemming_to(&lower[from..], term, analyzer).map(|at| at + from))
            .min();
        if first.is_some() {
            break;
        }
    }
    let first = first?;
    let mut start = first.saturating_sub(SNIPPET_WINDOW_BEFORE);
    if first >= floor {
        start = start.max(floor);
    }
    while !text.is_char_boundary(start) {
        start -= 1;
    }
    let mut end = (first + SNIPPET_WINDOW_AFTER).min(text.len());
    while !text.is_char_boundary(end) {
        end += 1;
    }
    let (start, end) = crate::report_text::whole_words(text, start, end, first..first);
    Some((&text[start..end], start))
}

/// Where the first word of `lower` (lower-cased text) that `analyzer` turns into `term`
/// starts.
fn first_word_stemming_to(lower: &str, term: &str, analyzer: &mut TextAnalyzer) -> Option<usize> {
    let mut letters = term.char_indices();
    let prefix = match (letters.nth(3), term.char_indices().next_back()) {
        // Four letters or more: all but the last.
        (Some(_), Some((last, _))) => &term[..last],
        _ => term,
    };
    if prefix.is_empty() {
        return None;
    }
    lower.match_indices(prefix).map(|(at, _)| at).find(|&at| {
        let starts_word = lower[..at]
            .chars()
            .next_back()
            .is_none_or(|before| !before.is_alphanumeric());
        if !starts_word {
            return false;
        }
        let word_end = lower[at..]
            .char_indices()
            .find(|(_, character)| !character.is_alphanumeric())
            .map_or(lower.len(), |(length, _)| at + length);
        let mut tokens = analyzer.token_stream(&lower[at..word_end]);
        let mut stems_to_term = false;
        tokens.process(&mut |token| stems_to_term |= token.text == term);
        stems_to_term
    })
}

/// The highlighted passage (query terms and sector `names` marked) and where in `text` it
/// starts; `None` when no query term is in `text`.
fn highlighted_at(generator: &SnippetGenerator, text: &str, names: &[SectorName]) -> Option<(String, usize)> {
    let snippet = generator.snippet(text);
    if snippet.is_empty() || snippet.highlighted().is_empty() {
        return None;
    }
    let fragment = snippet.fragment_range();
    let passage = with_enclosing_marks(text, fragment.clone());
    let shift = fragment.start - passage.start;
    let terms: Vec<std::ops::Range<usize>> = snippet
        .highlighted()
        .iter()
        .map(|range| range.start + shift..range.end + shift)
        .collect();
    let html = crate::phrases::marked(&text[passage.clone()], &terms, names)?;
    Some((html, passage.start))
}

/// `range` of `text` widened over the brackets and quotes just outside it: a snippet's
/// fragment runs from its first word to its last, and "(was inadequate" reads wrong.
fn with_enclosing_marks(text: &str, range: std::ops::Range<usize>) -> std::ops::Range<usize> {
    const OPENING: &[char] = &['(', '[', '"', '\'', '\u{201c}', '\u{2018}'];
    const CLOSING: &[char] = &[')', ']', '"', '\'', '\u{201d}', '\u{2019}'];
    let before = text.get(..range.start).unwrap_or_default();
    let after = text.get(range.end..).unwrap_or_default();
    let start = range.start - (before.len() - before.trim_end_matches(OPENING).len());
    let end = range.end + (after.len() - after.trim_start_matches(CLOSING).len());
    start..end
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

#[cfg(test)]
mod tests {
    use tantivy::tokenizer::TokenizerManager;

    use super::*;

    fn english() -> TextAnalyzer {
        TokenizerManager::default()
            .get("en_stem")
            .expect("built-in analyzer")
    }

    fn long_text(before: &str, needle: &str) -> String {
        format!("{} {needle} {}", before.repeat(40), "and then more. ".repeat(40))
    }

    #[test]
    fn the_window_is_found_for_stems_that_do_not_begin_their_word() {
        // "early" stems to "earli"; "hoping" to "hope".
        for (word, stem) in [("early", "earli"), ("hoping", "hope"), ("families", "famili")] {
            let text = long_text("Nothing to see here. ", word);
            let (window, start) = snippet_window(&text, &[stem.to_owned()], &mut english()).expect(word);
            assert!(window.contains(word), "{word}: {window}");
            assert_eq!(&text[start..start + window.len()], window);
        }
    }

    #[test]
    fn a_prefix_of_another_word_is_not_taken_for_the_term() {
        // "career" starts with "car" but does not stem to "care".
        let text = long_text("A career in the law. ", "care");
        let (window, _) = snippet_window(&text, &["care".to_owned()], &mut english()).expect("window");
        // The text opens with 800 bytes of "career": a window there would not reach "care".
        assert!(window.contains(" care "), "{window}");
    }

    #[test]
    fn no_window_when_no_word_stems_to_a_term() {
        let text = long_text("A career in the law. ", "caring");
        assert_eq!(snippet_window(&text, &["cares".to_owned()], &mut english()), None);
        assert_eq!(snippet_window(&text, &[], &mut english()), None);
    }

    #[test]
    fn windows_hold_whole_words_and_skip_a_letters_address() {
        let text = format!(
            "{} neglect {}",
            "write to enquiries@ofsted.gov.uk ".repeat(9),
            "for children. ".repeat(40)
        );
        let (window, start) = snippet_window(&text, &["neglect".to_owned()], &mut english()).expect("window");
        assert!(
            start == 0 || text[..start].ends_with(' '),
            "starts mid-word: {window}"
        );
        assert!(
            window.ends_with("for") || window.ends_with("children."),
            "{window}"
        );

        let letter = format!(
            "Atlas House St Helens WA9 1LD Dear Ms Brooks Focused visit. {}{PAGE_BREAK}St Helens again.{PAGE_BREAK}End.",
            "Children are safe. ".repeat(30)
        );
        let (window, _) = snippet_window(&letter, &["helen".to_owned()], &mut english()).expect("window");
        assert!(
            window.contains("St Helens again") && !window.contains("WA9"),
            "{window}"
        );
    }

    #[test]
    fn short_texts_are_read_whole() {
        let text = "Early help.";
        assert_eq!(
            snippet_window(text, &["earli".to_owned()], &mut english()),
            Some((text, 0))
        );
    }
}
