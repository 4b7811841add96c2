//! The csfeed web site: pages, feeds and health, as an axum router.
//!
//! `csfeed-web` is the last stage of the pipeline. It reads the store and the search index
//! and never writes. Every page is rendered by an askama template, which escapes all text;
//! the only HTML inserted unescaped is article content that ingestion already sanitized and
//! highlight snippets that the search crate built from escaped text. HTTP status codes are
//! decided here and nowhere else: bad input gets a 4xx page that says why, never a 500.
#![deny(missing_docs)]

mod admin;
mod councils;
mod error;
mod feed_cache;
mod feeds;
mod opml;
mod pages;
mod params;
mod state;
mod subscriptions;
mod views;

pub use admin::{subscriber_state, subscribers_csv};
pub use error::AppError;
pub use feed_cache::FeedCache;
pub use opml::sources_opml;
pub use state::{AdminToken, AppState, SiteSettings, Subscriptions};

use std::time::Duration;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::http::{HeaderValue, header};
use axum::routing::get;
use tower_http::compression::CompressionLayer;
use tower_http::set_header::SetResponseHeaderLayer;
use tower_http::timeout::TimeoutLayer;
use tower_http::trace::TraceLayer;

/// One search result as JSON, with the field names `/api/v1/search` and `csfeed search
/// --json` both promise: id, title, url, source, source_name, published, updated, date,
/// score, summary, title_html, snippet_html, page (in a report), local_authorities (GSS
/// codes), topics (slugs), also_reported_by ([{source_name, url}]).
pub fn search_hit_json(hit: &csfeed_search::SearchHit) -> serde_json::Value {
    let record = &hit.record;
    let article = &record.article;
    serde_json::json!({
        "id": article.id,
        "title": article.title,
        "url": article.url,
        "source": article.source,
        "source_name": record.source_name,
        "published": article.published,
        "updated": article.updated,
        "date": record.display_date(),
        "score": hit.score,
        "summary": article.summary,
        "title_html": hit.title_html,
        "snippet_html": hit.snippet_html,
        "page": hit.page,
        "local_authorities": article.local_authorities,
        "topics": article.topics,
        "also_reported_by": record.also_reported_by.iter().map(|report| serde_json::json!({
            "source_name": report.source_name,
            "url": report.url,
        })).collect::<Vec<_>>(),
    })
}

/// A page of search results as JSON, the schema `/api/v1/search` and `csfeed search --json`
/// promise (stable field names; dates RFC 3339 UTC, null when the source gave none):
///
/// ```text
/// { "query": str, "total": int, "page": int, "page_size": int,
///   "warnings": [str], "did_you_mean": str|null,
///   "synonyms": [{ "written": str, "topic": str }],
///   "facets": { "kind"|"source"|"region"|"la"|"topic"|"grade"|"year":
///               [{ "value": str, "count": int }] },   // only when asked for
///   "results": [ see search_hit_json ] }
/// ```
///
/// Facet values are what the matching query operator takes (`la` values are GSS codes,
/// which `la:` also accepts).
pub fn search_results_json(
    results: &csfeed_search::SearchResults,
    query: &str,
    page: usize,
    page_size: usize,
) -> serde_json::Value {
    let facets: serde_json::Map<String, serde_json::Value> = results
        .facets
        .iter()
        .map(|facet| {
            let values = facet
                .values
                .iter()
                .map(|value| serde_json::json!({ "value": value.value, "count": value.count }))
                .collect();
            (
                facet.field.operator().to_owned(),
                serde_json::Value::Array(values),
            )
        })
        .collect();
    serde_json::json!({
        "query": query,
        "total": results.total,
        "page": page,
        "page_size": page_size,
        "warnings": results.warnings,
        "did_you_mean": results.did_you_mean,
        "synonyms": results.synonyms.iter().map(|(written, topic)| serde_json::json!({
            "written": written,
            "topic": topic,
        })).collect::<Vec<_>>(),
        "facets": facets,
        "results": results.hits.iter().map(search_hit_json).collect::<Vec<_>>(),
    })
}

/// No script at all, styles only from our stylesheet, images from anywhere (stories embed
/// them), forms only to ourselves, never framed.
const CONTENT_SECURITY_POLICY: &str = "default-src 'none'; style-src 'self'; img-src * data:; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";
/// Largest request body accepted (the site's only forms are small).
const MAX_BODY_BYTES: usize = 16 * 1024;

/// Longest a request may take before the client gets a 503.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(30);

/// Builds the site's router over `state`. Tests call this directly on a port-0 listener.
pub fn app(state: AppState) -> Router {
    Router::new()
        .route("/", get(pages::home))
        .route("/search", get(pages::search))
        .route("/articles/{id}", get(pages::article))
        .route("/sources", get(pages::sources))
        .route("/sources.opml", get(opml::sources))
        .route("/la", get(councils::index))
        .route("/la/{slug}", get(councils::council))
        .route("/la/{slug}/feed.rss", get(councils::council_feed))
        .route("/ofsted", get(councils::national))
        .route("/ofsted/changes.rss", get(feeds::ofsted_changes))
        .route("/metrics", get(pages::metrics))
        .route("/feed.rss", get(feeds::rss))
        .route("/search.rss", get(feeds::rss))
        .route("/search.atom", get(feeds::atom))
        .route("/search.json", get(feeds::json))
        .route("/subscriptions/confirm", get(subscriptions::confirm))
        .route(
            "/subscriptions/manage",
            get(subscriptions::manage).post(subscriptions::change),
        )
        .route(
            "/unsubscribe",
            get(subscriptions::unsubscribe_page).post(subscriptions::unsubscribe),
        )
        .route("/admin/sources.json", get(admin::sources))
        .route("/admin/subscribers.csv", get(admin::subscribers))
        .route("/healthz", get(pages::health))
        .route("/opensearch.xml", get(pages::opensearch))
        .route("/api/v1/search", get(pages::api_search))
        .route("/help/search", get(pages::search_help))
        .route("/static/{file}", get(pages::static_file))
        .route("/topics", get(pages::topics))
        .route("/topics/{slug}", get(pages::topic))
        .route(
            "/subscribe",
            get(pages::subscribe_page).post(subscriptions::subscribe),
        )
        .fallback(pages::not_found)
        .with_state(state)
        .layer(DefaultBodyLimit::max(MAX_BODY_BYTES))
        .layer(SetResponseHeaderLayer::if_not_present(
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static(CONTENT_SECURITY_POLICY),
        ))
        .layer(SetResponseHeaderLayer::if_not_present(
            header::X_CONTENT_TYPE_OPTIONS,
            HeaderValue::from_static("nosniff"),
        ))
        .layer(SetResponseHeaderLayer::if_not_present(
            header::REFERRER_POLICY,
            HeaderValue::from_static("strict-origin-when-cross-origin"),
        ))
        .layer(SetResponseHeaderLayer::if_not_present(
            header::X_FRAME_OPTIONS,
            HeaderValue::from_static("DENY"),
        ))
        .layer(CompressionLayer::new())
        .layer(TimeoutLayer::with_status_code(
            axum::http::StatusCode::SERVICE_UNAVAILABLE,
            REQUEST_TIMEOUT,
        ))
        .layer(TraceLayer::new_for_http())
}
