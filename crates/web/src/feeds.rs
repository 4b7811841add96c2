//! Feeds of the latest stories or of any search.

use std::collections::HashMap;
use std::sync::Arc;

use axum::extract::{Query, State};

use axum::http::{HeaderMap, header};
use axum::response::Response;
use rss::extension::atom::{AtomExtension, Link};
use rss::{ChannelBuilder, GuidBuilder, ItemBuilder};
use url::Url;

use csfeed_store::ArticleRecord;

use crate::feed_cache::CachedFeed;
use crate::params::SearchParams;
use crate::{AppError, AppState};

/// Items in a feed.
const FEED_ITEMS: usize = 50;

/// The formats every feed comes in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum FeedFormat {
    /// RSS 2.0.
    Rss,
    /// Atom 1.0.
    Atom,
    /// JSON Feed 1.1.
    Json,
}

impl FeedFormat {
    fn extension(self) -> &'static str {
        match self {
            FeedFormat::Rss => "rss",
            FeedFormat::Atom => "atom",
            FeedFormat::Json => "json",
        }
    }

    fn content_type(self) -> &'static str {
        match self {
            FeedFormat::Rss => "application/rss+xml; charset=utf-8",
            FeedFormat::Atom => "application/atom+xml; charset=utf-8",
            FeedFormat::Json => "application/feed+json; charset=utf-8",
        }
    }
}

/// One feed: its title, addresses and items.
struct FeedDocument<'a> {
    title: String,
    page_url: String,
    self_url: String,
    items: Vec<FeedItem<'a>>,
}

/// One story in a feed, with the Ofsted grade the index found for it.
struct FeedItem<'a> {
    record: &'a ArticleRecord,
    grade: Option<csfeed_core::Grade>,
}

impl FeedItem<'_> {
    /// What the story is tagged with, as readers name it: its councils, its topics and
    /// its Ofsted grade, each as (the site's page listing that kind of tag, name).
    fn tags(&self) -> Vec<(&'static str, String)> {
        let article = &self.record.article;
        let gazetteer = csfeed_core::Gazetteer::get();
        let councils = article
            .local_authorities
            .iter()
            .filter_map(|gss| gazetteer.find(gss))
            .map(|la| ("/la", la.name.clone()));
        let topics = article
            .topics
            .iter()
            .filter_map(|slug| csfeed_core::Topic::find(slug))
            .map(|topic| ("/topics", topic.name.to_owned()));
        let grade = self.grade.map(|grade| ("/ofsted", grade.label().to_owned()));
        councils.chain(topics).chain(grade).collect()
    }
}

/// Where a feed lives when it is not plain `/search.{format}`: a council's feed, whose
/// page is the council's.
pub(crate) struct FeedHome {
    /// The page the feed follows (`/la/st-helens`).
    pub page_path: String,
    /// The feed's own path (`/la/st-helens/feed.rss`).
    pub feed_path: String,
}

/// `/feed.rss` and `/search.rss?q=…`: RSS 2.0 of the newest stories matching the search.
pub(crate) async fn rss(
    state: State<AppState>,
    headers: HeaderMap,
    query: Query<HashMap<String, String>>,
) -> Result<Response, AppError> {
    search_feed(state, headers, query, FeedFormat::Rss, None).await
}

/// `/search.atom?q=…`: the same as Atom 1.0.
pub(crate) async fn atom(
    state: State<AppState>,
    headers: HeaderMap,
    query: Query<HashMap<String, String>>,
) -> Result<Response, AppError> {
    search_feed(state, headers, query, FeedFormat::Atom, None).await
}

/// `/search.json?q=…`: the same as JSON Feed 1.1.
pub(crate) async fn json(
    state: State<AppState>,
    headers: HeaderMap,
    query: Query<HashMap<String, String>>,
) -> Result<Response, AppError> {
    search_feed(state, headers, query, FeedFormat::Json, None).await
}

/// The newest stories matching a search (all stories without `q`), in `format`; `home`
/// gives its page and address when it is not a plain search feed.
pub(crate) async fn search_feed(
    State(state): State<AppState>,
    headers: HeaderMap,
    Query(raw): Query<HashMap<String, String>>,
    format: FeedFormat,
    home: Option<FeedHome>,
) -> Result<Response, AppError> {
    let mut params = SearchParams::parse(&raw)?;
    params.sort = csfeed_search::SortOrder::Newest;
    params.page = 1;
    let base = site_base(&state, &headers);
    let query_string = params.query_string(None);
    let generation = state.index.generation();
    let key = format!(
        "search.{}|{}|{query_string}|{}",
        format.extension(),
        base.as_ref().map_or("", Url::as_str),
        home.as_ref().map_or("", |home| home.feed_path.as_str())
    );
    if let Some(feed) = state.feeds.get(generation, &key) {
        return Ok(feed.respond(&headers));
    }
    let request = params.to_request(FEED_ITEMS);
    let results = state
        .blocking(move |state| Ok(state.index.search(&state.store, &request)?))
        .await?;
    let with_query = |path: &str| {
        let separator = if query_string.is_empty() { "" } else { "?" };
        absolute(base.as_ref(), &format!("{path}{separator}{query_string}"))
    };
    let title = if let (true, Some(la)) = (params.query.is_empty(), params.local_authority) {
        format!("{} – {}", state.site.title, la.name)
    } else if let (true, Some(topic)) = (params.query.is_empty(), params.topic) {
        format!("{} – {}", state.site.title, topic.name)
    } else if params.query.is_empty() {
        format!("{} – latest stories", state.site.title)
    } else {
        format!("{} – search: {}", state.site.title, params.query)
    };
    let (page_url, self_url) = match &home {
        Some(home) => (
            absolute(base.as_ref(), &home.page_path),
            absolute(base.as_ref(), &home.feed_path),
        ),
        None => (
            with_query("/search"),
            with_query(&format!("/search.{}", format.extension())),
        ),
    };
    let document = FeedDocument {
        title,
        page_url,
        self_url,
        items: results
            .hits
            .iter()
            .map(|hit| FeedItem {
                record: &hit.record,
                grade: hit.grade,
            })
            .collect(),
    };
    let feed = Arc::new(render(&state, base.as_ref(), &document, format));
    state.feeds.put(generation, key, Arc::clone(&feed));
    Ok(feed.respond(&headers))
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
    let document = FeedDocument {
        title: format!("{} – Ofsted grade changes and priority actions", state.site.title),
        page_url: absolute(base.as_ref(), "/ofsted"),
        self_url: absolute(base.as_ref(), "/ofsted/changes.rss"),
        items: alerts
            .iter()
            .map(|record| FeedItem { record, grade: None })
            .collect(),
    };
    Ok(render(&state, base.as_ref(), &document, FeedFormat::Rss).respond(&headers))
}

pub(crate) fn absolute(base: Option<&Url>, path: &str) -> String {
    match base.and_then(|base| base.join(path).ok()) {
        Some(url) => url.to_string(),
        None => path.to_owned(),
    }
}

/// Renders the document with its validators: an `ETag` of the body and a `Last-Modified`
/// of the newest item.
fn render(
    state: &AppState,
    base: Option<&Url>,
    document: &FeedDocument<'_>,
    format: FeedFormat,
) -> CachedFeed {
    let body = match format {
        FeedFormat::Rss => rss_body(state, base, document),
        FeedFormat::Atom => atom_body(base, document),
        FeedFormat::Json => json_body(state, base, document),
    };
    let newest = document
        .items
        .iter()
        .map(|item| item.record.changed_at.max(item.record.display_date()))
        .max();
    let last_modified = newest.map(|time| httpdate::fmt_http_date(std::time::SystemTime::from(time)));
    CachedFeed::new(body, format.content_type(), last_modified)
}

/// The story's original address when it is public, else its page here (`permalink`).
fn original_or(record: &ArticleRecord, permalink: &str) -> String {
    crate::views::public_original(record).unwrap_or_else(|| permalink.to_owned())
}

/// The date an item was published, as its source gave it; none for undated items. Feeds
/// then omit it (RSS `pubDate`, Atom `published` and JSON Feed `date_published` are all
/// optional) rather than invent one from when csfeed first saw the item: readers file an
/// item without a date under when they fetched it, while an invented one would be shown,
/// and sorted, as the day it was published. Atom's required `updated` stays: it is when
/// csfeed's copy last changed, which is true.
fn publication_date(record: &ArticleRecord) -> Option<chrono::DateTime<chrono::Utc>> {
    record.is_dated().then(|| record.display_date())
}

fn permalink(base: Option<&Url>, record: &ArticleRecord) -> String {
    absolute(base, &format!("/articles/{}", record.article.id))
}

/// RSS 2.0: permalink guids, RFC 822 dates, `atom:link rel="self"`.
fn rss_body(state: &AppState, base: Option<&Url>, document: &FeedDocument<'_>) -> String {
    let items: Vec<rss::Item> = document
        .items
        .iter()
        .map(|item| {
            let record = item.record;
            let article = &record.article;
            let permalink = permalink(base, record);
            let categories = item
                .tags()
                .into_iter()
                .map(|(taxonomy, name)| rss::Category {
                    name,
                    domain: Some(absolute(base, taxonomy)),
                })
                .collect::<Vec<_>>();
            ItemBuilder::default()
                .categories(categories)
                .title(Some(article.title.clone()))
                .link(Some(original_or(record, &permalink)))
                // Readers render an RSS description as HTML, and the summary is plain text:
                // unescaped, a summary that reads `<img onerror=…>` would become markup.
                .description(Some(csfeed_core::escape_html(&article.summary)))
                .guid(Some(
                    GuidBuilder::default().value(permalink).permalink(true).build(),
                ))
                .pub_date(publication_date(record).map(|date| date.to_rfc2822()))
                .source(Some(rss::Source {
                    url: absolute(base, &format!("/search?source={}", article.source)),
                    title: Some(record.source_name.clone()),
                }))
                .build()
        })
        .collect();
    ChannelBuilder::default()
        .title(document.title.clone())
        .link(document.page_url.clone())
        .description(format!("{} – {}", state.site.title, state.site.tagline))
        .language(Some("en-gb".to_owned()))
        .generator(Some(concat!("csfeed ", env!("CARGO_PKG_VERSION")).to_owned()))
        .last_build_date(
            document
                .items
                .first()
                .map(|item| item.record.display_date().to_rfc2822()),
        )
        .atom_ext(Some(AtomExtension {
            links: vec![Link {
                href: document.self_url.clone(),
                rel: "self".to_owned(),
                mime_type: Some("application/rss+xml".to_owned()),
                ..Link::default()
            }],
        }))
        .items(items)
        .build()
        .to_string()
}

/// Atom 1.0: permalink ids, RFC 3339 dates, self and alternate links.
fn atom_body(base: Option<&Url>, document: &FeedDocument<'_>) -> String {
    use atom_syndication::{Entry, Feed, Link as AtomLink, Person, Text};
    let fixed = |time: chrono::DateTime<chrono::Utc>| time.fixed_offset();
    let link = |href: String, rel: &str, mime: &str| AtomLink {
        href,
        rel: rel.to_owned(),
        mime_type: Some(mime.to_owned()),
        ..AtomLink::default()
    };
    let entries: Vec<Entry> = document
        .items
        .iter()
        .map(|item| {
            let record = item.record;
            let article = &record.article;
            let permalink = permalink(base, record);
            let mut links = vec![link(original_or(record, &permalink), "alternate", "text/html")];
            links.push(link(permalink.clone(), "related", "text/html"));
            Entry {
                id: permalink,
                title: Text::plain(article.title.clone()),
                updated: fixed(record.changed_at.max(record.display_date())),
                published: publication_date(record).map(fixed),
                summary: Some(Text::plain(article.summary.clone())),
                authors: article
                    .authors
                    .iter()
                    .map(|name| Person {
                        name: name.clone(),
                        ..Person::default()
                    })
                    .collect(),
                links,
                categories: item
                    .tags()
                    .into_iter()
                    .map(|(taxonomy, name)| atom_syndication::Category {
                        term: name.clone(),
                        scheme: Some(absolute(base, taxonomy)),
                        label: Some(name),
                    })
                    .collect(),
                ..Entry::default()
            }
        })
        .collect();
    let updated = document
        .items
        .iter()
        .map(|item| item.record.changed_at.max(item.record.display_date()))
        .max()
        .unwrap_or_else(chrono::Utc::now);
    Feed {
        id: document.self_url.clone(),
        title: Text::plain(document.title.clone()),
        updated: fixed(updated),
        links: vec![
            link(document.self_url.clone(), "self", "application/atom+xml"),
            link(document.page_url.clone(), "alternate", "text/html"),
        ],
        entries,
        lang: Some("en-GB".to_owned()),
        ..Feed::default()
    }
    .to_string()
}

/// JSON Feed 1.1.
fn json_body(state: &AppState, base: Option<&Url>, document: &FeedDocument<'_>) -> String {
    let items: Vec<serde_json::Value> = document
        .items
        .iter()
        .map(|item| {
            let record = item.record;
            let article = &record.article;
            let permalink = permalink(base, record);
            let mut entry = serde_json::json!({
                "id": permalink,
                "url": original_or(record, &permalink),
                "title": article.title,
                "summary": article.summary,
                "content_text": article.summary,
                "date_published": record.display_date().to_rfc3339(),
                "date_modified": record.changed_at.max(record.display_date()).to_rfc3339(),
                "authors": article.authors.iter().map(|name| serde_json::json!({ "name": name })).collect::<Vec<_>>(),
                "tags": item.tags().into_iter().map(|(_, name)| name).collect::<Vec<_>>(),
            });
            if publication_date(record).is_none()
                && let Some(fields) = entry.as_object_mut()
            {
                fields.remove("date_published");
            }
            entry
        })
        .collect();
    serde_json::json!({
        "version": "https://jsonfeed.org/version/1.1",
        "title": document.title,
        "home_page_url": document.page_url,
        "feed_url": document.self_url,
        "description": format!("{} – {}", state.site.title, state.site.tagline),
        "language": "en-GB",
        "items": items,
    })
    .to_string()
}

/// The site's public root: configured, else taken from the request's `Host` header.
pub(crate) fn site_base(state: &AppState, headers: &HeaderMap) -> Option<Url> {
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
