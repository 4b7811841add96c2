//! The JSON schema of search results that `/api/v1/search` and `csfeed search --json` share.
//!
//! Serialized straight from borrowed results (no intermediate `serde_json::Value`, which
//! was a tenth of an API search's time). Fields are declared in alphabetical order, the
//! order clients have always seen.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use csfeed_core::{ArticleId, SourceId};
use csfeed_search::{SearchHit, SearchResults};
use serde::Serialize;
use url::Url;

/// A page of search results as JSON, the schema `/api/v1/search` and `csfeed search --json`
/// promise (stable field names; dates RFC 3339 UTC, null when the source gave none):
///
/// ```text
/// { "query": str, "total": int, "page": int, "page_size": int,
///   "warnings": [str], "did_you_mean": str|null,
///   "synonyms": [{ "written": str, "topic": str }],
///   "facets": { "kind"|"source"|"region"|"la"|"topic"|"grade"|"year":
///               [{ "value": str, "count": int }] },   // only when asked for
///   "results": [ see SearchHitJson ] }
/// ```
///
/// Facet values are what the matching query operator takes (`la` values are GSS codes,
/// which `la:` also accepts).
#[derive(Debug, Serialize)]
pub struct SearchResultsJson<'a> {
    did_you_mean: Option<&'a str>,
    facets: BTreeMap<&'static str, Vec<FacetValueJson<'a>>>,
    page: usize,
    page_size: usize,
    query: &'a str,
    results: Vec<SearchHitJson<'a>>,
    synonyms: Vec<SynonymJson<'a>>,
    total: usize,
    warnings: &'a [String],
}

/// One search result as JSON: id, title, url, source, source_name, published, updated,
/// date, score, summary, title_html, snippet_html, page (in a report), local_authorities
/// (GSS codes), topics (slugs), kind (`news`, `inspection`, `focused-visit`,
/// `monitoring-visit`, `jtai`, `alert`), grade (`outstanding`, `good`,
/// `requires-improvement`, `inadequate` or null), also_reported_by ([{source_name, url}]).
#[derive(Debug, Serialize)]
pub struct SearchHitJson<'a> {
    also_reported_by: Vec<ReportJson<'a>>,
    date: DateTime<Utc>,
    grade: Option<&'static str>,
    id: &'a ArticleId,
    kind: &'static str,
    local_authorities: &'a [String],
    page: Option<usize>,
    published: Option<DateTime<Utc>>,
    score: f32,
    snippet_html: &'a str,
    source: &'a SourceId,
    source_name: &'a str,
    summary: &'a str,
    title: &'a str,
    title_html: &'a str,
    topics: &'a [String],
    updated: Option<DateTime<Utc>>,
    url: Option<&'a Url>,
}

#[derive(Debug, Serialize)]
struct FacetValueJson<'a> {
    count: u64,
    value: &'a str,
}

#[derive(Debug, Serialize)]
struct SynonymJson<'a> {
    topic: &'a str,
    written: &'a str,
}

#[derive(Debug, Serialize)]
struct ReportJson<'a> {
    source_name: &'a str,
    url: Option<&'a Url>,
}

/// `results` (page `page` of `page_size`, for `query`) in the shared schema.
pub fn search_results_json<'a>(
    results: &'a SearchResults,
    query: &'a str,
    page: usize,
    page_size: usize,
) -> SearchResultsJson<'a> {
    let facets = results
        .facets
        .iter()
        .map(|facet| {
            let values = facet
                .values
                .iter()
                .map(|value| FacetValueJson {
                    count: value.count,
                    value: &value.value,
                })
                .collect();
            (facet.field.operator(), values)
        })
        .collect();
    SearchResultsJson {
        did_you_mean: results.did_you_mean.as_deref(),
        facets,
        page,
        page_size,
        query,
        results: results.hits.iter().map(search_hit_json).collect(),
        synonyms: results
            .synonyms
            .iter()
            .map(|(written, topic)| SynonymJson { topic, written })
            .collect(),
        total: results.total,
        warnings: &results.warnings,
    }
}

/// One hit in the shared schema.
pub fn search_hit_json(hit: &SearchHit) -> SearchHitJson<'_> {
    let record = &hit.record;
    let article = &record.article;
    SearchHitJson {
        also_reported_by: record
            .also_reported_by
            .iter()
            .map(|report| ReportJson {
                source_name: &report.source_name,
                url: report.url.as_ref(),
            })
            .collect(),
        date: record.display_date(),
        grade: hit.grade.map(csfeed_search::grade_slug),
        id: &article.id,
        kind: hit.kind.slug(),
        local_authorities: &article.local_authorities,
        page: hit.page,
        published: article.published,
        score: hit.score,
        snippet_html: &hit.snippet_html,
        source: &article.source,
        source_name: &record.source_name,
        summary: &article.summary,
        title: &article.title,
        title_html: &hit.title_html,
        topics: &article.topics,
        updated: article.updated,
        url: article.url.as_ref(),
    }
}
