//! Feeds of the latest stories or of any search.

use std::collections::HashMap;

use axum::extract::{Query, State};

use axum::http::{HeaderMap, header};
use axum::response::{IntoResponse, Response};
use rss::extension::atom::{AtomExtension, Link};
use rss::{ChannelBuilder, GuidBuilder, ItemBuilder};
use url::Url;

use csfeed_store::ArticleRecord;

use crate::params::SearchParams;
use crate::{AppError, AppState};

/// Items in a feed.
const FEED_ITEMS: usize = 50;

/// `/feed.rss?q=…`: RSS 2.0 of the newest stories matching the search (all stories when
/// there is no query), with permalink guids, RFC 822 dates and an `atom:link rel="self"`.
pub(crate) async fn rss(
    State(state): State<AppState>,
    headers: HeaderMap,
    Query(raw): Query<HashMap<String, String>>,
) -> Result<Response, AppError> {
    let mut params = SearchParams::parse(&raw)?;
    params.sort = csfeed_search::SortOrder::Newest;
    params.page = 1;
    let request = params.to_request(FEED_ITEMS);
    let results = state
        .blocking(move |state| Ok(state.index.search(&state.store, &request)?))
        .await?;
    let base = site_base(&state, &headers);
    let absolute = |path: &str| match base.as_ref().and_then(|base| base.join(path).ok()) {
        Some(url) => url.to_string(),
        None => path.to_owned(),
    };
    let query_string = params.query_string(None);
    let self_url = absolute(&format!(
        "/feed.rss{}{query_string}",
        if query_string.is_empty() { "" } else { "?" }
    ));
    let page_url = absolute(&format!("/search?{query_string}"));
    let title = if let (true, Some(la)) = (params.query.is_empty(), params.local_authority) {
        format!("{} – {}", state.site.title, la.name)
    } else if let (true, Some(topic)) = (params.query.is_empty(), params.topic) {
        format!("{} – {}", state.site.title, topic.name)
    } else if params.query.is_empty() {
        format!("{} – latest stories", state.site.title)
    } else {
        format!("{} – search: {}", state.site.title, params.query)
    };
    let records: Vec<&ArticleRecord> = results.hits.iter().map(|hit| &hit.record).collect();
    Ok(rss_document(
        &state,
        base.as_ref(),
        title,
        page_url,
        self_url,
        &records,
    ))
}

/// `/ofsted/changes.rss`: every change of a council's overall grade, newest first.
pub(crate) async fn ofsted_changes(
    State(state): State<AppState>,
    headers: HeaderMap,
) -> Result<Response, AppError> {
    let alerts = state
        .blocking(|state| Ok(state.store.grade_change_alerts(FEED_ITEMS)?))
        .await?;
    let base = site_base(&state, &headers);
    let absolute = |path: &str| match base.as_ref().and_then(|base| base.join(path).ok()) {
        Some(url) => url.to_string(),
        None => path.to_owned(),
    };
    let title = format!("{} – changes in Ofsted grades", state.site.title);
    let records: Vec<&ArticleRecord> = alerts.iter().collect();
    Ok(rss_document(
        &state,
        base.as_ref(),
        title,
        absolute("/ofsted"),
        absolute("/ofsted/changes.rss"),
        &records,
    ))
}

/// An RSS 2.0 document of `records`, with permalink guids, RFC 822 dates and a self link.
fn rss_document(
    state: &AppState,
    base: Option<&Url>,
    title: String,
    page_url: String,
    self_url: String,
    records: &[&ArticleRecord],
) -> Response {
    let absolute = |path: &str| match base.and_then(|base| base.join(path).ok()) {
        Some(url) => url.to_string(),
        None => path.to_owned(),
    };
    let items: Vec<rss::Item> = records
        .iter()
        .map(|record| {
            let article = &record.article;
            let permalink = absolute(&format!("/articles/{}", article.id));
            ItemBuilder::default()
                .title(Some(article.title.clone()))
                .link(Some(
                    article
                        .url
                        .as_ref()
                        .map_or_else(|| permalink.clone(), ToString::to_string),
                ))
                .description(Some(article.summary.clone()))
                .guid(Some(
                    GuidBuilder::default().value(permalink).permalink(true).build(),
                ))
                .pub_date(Some(record.display_date().to_rfc2822()))
                .source(Some(rss::Source {
                    url: absolute(&format!("/search?source={}", article.source)),
                    title: Some(record.source_name.clone()),
                }))
                .build()
        })
        .collect();
    let channel = ChannelBuilder::default()
        .title(title)
        .link(page_url)
        .description(format!("{} – {}", state.site.title, state.site.tagline))
        .language(Some("en-gb".to_owned()))
        .generator(Some(concat!("csfeed ", env!("CARGO_PKG_VERSION")).to_owned()))
        .last_build_date(records.first().map(|record| record.display_date().to_rfc2822()))
        .atom_ext(Some(AtomExtension {
            links: vec![Link {
                href: self_url,
                rel: "self".to_owned(),
                mime_type: Some("application/rss+xml".to_owned()),
                ..Link::default()
            }],
        }))
        .items(items)
        .build();
    (
        [
            (header::CONTENT_TYPE, "application/rss+xml; charset=utf-8"),
            (header::CACHE_CONTROL, "public, max-age=300"),
        ],
        channel.to_string(),
    )
        .into_response()
}

/// The site's public root: configured, else taken from the request's `Host` header.
fn site_base(state: &AppState, headers: &HeaderMap) -> Option<Url> {
    if let Some(url) = &state.site.public_url {
        return Some(url.clone());
    }
    let host = headers
        .get(header::HOST)
        .and_then(|host| host.to_str().ok())
        .filter(|host| {
            host.chars()
                .all(|c| c.is_ascii_alphanumeric() || "-.:[]".contains(c))
        })
        .unwrap_or("localhost");
    Url::parse(&format!("http://{host}/")).ok()
}
