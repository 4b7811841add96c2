//! A real store and index with a few stories, and the router over them, for the tests.
// Each test binary uses only some of these.
#![allow(dead_code)]

use std::sync::Arc;
use std::time::Duration;

use chrono::{TimeZone, Utc};
use csfeed_core::{Article, ArticleId, Source, SourceId, SourceKind};
use csfeed_search::{OpenMode, SearchIndex};
use csfeed_store::Store;
use csfeed_web::{AdminToken, AppState, SiteSettings, Subscriptions};
use url::Url;

/// A story from `source`, dated in March 2025, about `councils` (GSS codes).
pub fn article(
    source: &SourceId,
    guid: &str,
    title: &str,
    body: &str,
    day: u32,
    councils: &[&str],
) -> Article {
    Article {
        id: ArticleId::derive(source, guid),
        source: source.clone(),
        guid: guid.into(),
        url: Some(Url::parse(&format!("https://news.example/{guid}")).unwrap()),
        title: title.into(),
        published: Some(Utc.with_ymd_and_hms(2025, 3, day, 9, 0, 0).unwrap()),
        updated: None,
        authors: vec!["A Writer".into()],
        summary: body.chars().take(80).collect(),
        content_html: format!("<p>{body}</p>"),
        content_text: body.into(),
        local_authorities: councils.iter().map(|council| (*council).to_owned()).collect(),
        topics: vec!["kinship-care".into()],
    }
}

/// The site over a store and index in `dir` with three stories (St Helens, Kent, none).
pub fn state(dir: &std::path::Path) -> AppState {
    let store = Store::open(&dir.join("db.sqlite3")).unwrap();
    let source = Source {
        id: SourceId::parse("news").unwrap(),
        name: "Sector News".into(),
        url: Url::parse("https://news.example/feed").unwrap(),
        kind: SourceKind::Feed,
        interval: Duration::from_secs(1800),
        enabled: true,
        options: Default::default(),
    };
    store.sync_sources(std::slice::from_ref(&source)).unwrap();
    let articles = [
        article(
            &source.id,
            "a",
            "St Helens focused visit",
            "Inspectors visited St Helens children's services.",
            3,
            &["E08000013"],
        ),
        article(
            &source.id,
            "b",
            "Kinship carers in Kent",
            "Kinship carers say support is patchy.",
            4,
            &["E10000016"],
        ),
        article(
            &source.id,
            "c",
            "Looked after children numbers",
            "The number of children in care rose.",
            5,
            &[],
        ),
    ];
    store.upsert_articles(&articles, Utc::now()).unwrap();
    let index = SearchIndex::open(&dir.join("index"), OpenMode::ReadWrite).unwrap();
    index.catch_up(&store).unwrap();
    let mailer = csfeed_digest::Mailer::outbox("csfeed <digest@csfeed.test>", dir.join("outbox")).unwrap();
    AppState {
        store,
        index: Arc::new(index),
        site: Arc::new(SiteSettings {
            title: "Test".into(),
            tagline: "Any request".into(),
            public_url: None,
        }),
        metrics: None,
        feeds: Arc::default(),
        subscriptions: Some(Arc::new(Subscriptions {
            mailer,
            links: csfeed_digest::Links {
                site: Url::parse("http://csfeed.test/").unwrap(),
                signer: csfeed_digest::Signer::new(b"test key"),
            },
        })),
        admin_token: Some(Arc::new(AdminToken("test-admin-token".into()))),
    }
}

/// The answer to `GET uri` from `app`: status, `Location` header and body.
pub async fn get(app: &axum::Router, uri: &str) -> (axum::http::StatusCode, Option<String>, String) {
    use tower::ServiceExt as _;
    let request = axum::http::Request::builder()
        .uri(uri)
        .header(axum::http::header::HOST, "csfeed.test")
        .body(axum::body::Body::empty())
        .unwrap();
    let response = app.clone().oneshot(request).await.unwrap();
    let status = response.status();
    let location = response
        .headers()
        .get(axum::http::header::LOCATION)
        .and_then(|value| value.to_str().ok())
        .map(str::to_owned);
    let bytes = axum::body::to_bytes(response.into_body(), usize::MAX)
        .await
        .unwrap();
    (status, location, String::from_utf8_lossy(&bytes).into_owned())
}
