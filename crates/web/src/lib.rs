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
mod findings;
mod json;
mod national_data;
mod opml;
mod pages;
mod params;
mod reports;
mod spreadsheet;
mod state;
mod subscriptions;
mod views;

pub use admin::{source_json, subscriber_state, subscribers_csv};
pub use error::AppError;
pub use feed_cache::FeedCache;
pub use json::{SearchHitJson, SearchResultsJson, search_hit_json, search_results_json};
pub use opml::sources_opml;
pub use state::{AdminToken, AppState, SiteSettings, Subscriptions};
pub use views::{facet_value, human_bytes};

use std::time::Duration;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::http::{HeaderValue, header};
use axum::routing::{get, post};
use tower_http::compression::CompressionLayer;
use tower_http::set_header::SetResponseHeaderLayer;
use tower_http::timeout::TimeoutLayer;
use tower_http::trace::TraceLayer;

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
        .route("/reports/{file}", get(reports::report_file))
        .route("/sources", get(pages::sources))
        .route("/sources.opml", get(opml::sources))
        .route("/la", get(councils::index))
        .route("/la/{slug}", get(councils::council))
        .route("/la/{slug}/feed.rss", get(councils::council_feed))
        .route("/ofsted", get(councils::national))
        .route("/ofsted/changes.rss", get(feeds::ofsted_changes))
        .route("/ofsted/findings", get(findings::findings))
        .route("/ofsted.csv", get(national_data::csv))
        .route("/ofsted.json", get(national_data::json))
        .route("/metrics", get(admin::metrics))
        .route("/feed.rss", get(feeds::rss))
        .route("/search.rss", get(feeds::rss))
        .route("/search.atom", get(feeds::atom))
        .route("/search.json", get(feeds::json))
        .route("/search.csv", get(spreadsheet::search))
        .route(
            "/subscriptions/confirm",
            get(subscriptions::confirm_page).post(subscriptions::confirm),
        )
        .route(
            "/subscriptions/manage",
            get(subscriptions::manage).post(subscriptions::change),
        )
        .route(
            "/unsubscribe",
            get(subscriptions::unsubscribe_page).post(subscriptions::unsubscribe),
        )
        .route("/admin/sources.json", get(admin::sources))
        .route("/admin/sources/{id}/{action}", post(admin::source_action))
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
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            error::error_pages,
        ))
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
