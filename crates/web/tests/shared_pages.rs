//! Pages and feeds people share and follow: what they show the public (and keep for the
//! operator), their share metadata, tags and headings. The real router over a real store
//! and index.

use std::sync::Arc;
use std::time::Duration;

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use chrono::{TimeZone, Utc};
use csfeed_core::{Article, ArticleId, Source, SourceId, SourceKind};
use csfeed_search::{OpenMode, SearchIndex};
use csfeed_store::{FetchResult, Store};
use csfeed_web::{AdminToken, AppState, SiteSettings, Subscriptions};
use tower::ServiceExt as _;
use url::Url;

const ADMIN_TOKEN: &str = "test-admin-token";
const SITE: &str = "https://news.example.org/";

fn source(id: &str, name: &str, url: &str, kind: SourceKind) -> Source {
    Source {
        id: SourceId::parse(id).unwrap(),
        name: name.into(),
        url: Url::parse(url).unwrap(),
        kind,
        interval: Duration::from_secs(1800),
        enabled: true,
        options: Default::default(),
    }
}

fn article(source: &SourceId, guid: &str, title: &str, councils: &[&str], topics: &[&str]) -> Article {
    Article {
        id: ArticleId::derive(source, guid),
        source: source.clone(),
        guid: guid.into(),
        url: Some(Url::parse(&format!("https://publisher.example/{guid}")).unwrap()),
        title: title.into(),
        published: Some(Utc.with_ymd_and_hms(2025, 3, 3, 9, 0, 0).unwrap()),
        updated: None,
        authors: vec!["A Writer".into()],
        summary: format!("{title}: what inspectors found."),
        content_html: format!("<p>{title}: what inspectors found.</p>"),
        content_text: format!("{title}: what inspectors found."),
        local_authorities: councils.iter().map(|council| (*council).to_owned()).collect(),
        topics: topics.iter().map(|topic| (*topic).to_owned()).collect(),
    }
}

/// A site with a news feed, a local-file feed and an Ofsted source with a URL template;
/// the file source's last fetch failed with an error naming a server path.
fn state(dir: &std::path::Path) -> AppState {
    let store = Store::open(&dir.join("db.sqlite3")).unwrap();
    let news = source(
        "news",
        "Sector News",
        "https://news.example/feeds/all.rss?key=abc",
        SourceKind::Feed,
    );
    let local = source(
        "local",
        "Local Digest",
        "file:///srv/csfeed/secret/digest.rss",
        SourceKind::Feed,
    );
    let ofsted = source(
        "ofsted",
        "Ofsted reports",
        "https://reports.ofsted.example/provider/44/{urn}",
        SourceKind::Ofsted,
    );
    store
        .sync_sources(&[news.clone(), local.clone(), ofsted])
        .unwrap();
    let now = Utc::now();
    store
        .record_fetch(
            &news.id,
            now,
            &FetchResult::Changed {
                http_status: Some(200),
                etag: None,
                last_modified: None,
                body_bytes: 123_456,
                moved_to: None,
            },
            now,
        )
        .unwrap();
    store
        .record_fetch(
            &local.id,
            now,
            &FetchResult::Failed {
                http_status: None,
                error: "cannot read /srv/csfeed/secret/digest.rss: permission denied".into(),
            },
            now,
        )
        .unwrap();
    let articles = [
        article(
            &news.id,
            "st-helens",
            "St Helens focused visit",
            &["E08000013"],
            &["kinship-care", "child-protection"],
        ),
        article(
            &news.id,
            "kent",
            "Kinship carers in Kent",
            &["E10000016"],
            &["kinship-care"],
        ),
    ];
    store.upsert_articles(&articles, now).unwrap();
    let index = SearchIndex::open(&dir.join("index"), OpenMode::ReadWrite).unwrap();
    index.catch_up(&store).unwrap();
    let mailer = csfeed_digest::Mailer::outbox("csfeed <digest@csfeed.test>", dir.join("outbox")).unwrap();
    let recorder = metrics_exporter_prometheus::PrometheusBuilder::new().build_recorder();
    AppState {
        store,
        index: Arc::new(index),
        site: Arc::new(SiteSettings {
            title: "Children's Services Today".into(),
            tagline: "News for people who work with children".into(),
            public_url: Some(Url::parse(SITE).unwrap()),
        }),
        metrics: Some(recorder.handle()),
        feeds: Arc::default(),
        subscriptions: Some(Arc::new(Subscriptions {
            mailer,
            links: csfeed_digest::Links {
                site: Url::parse(SITE).unwrap(),
                signer: csfeed_digest::Signer::new(b"test key"),
            },
        })),
        admin_token: Some(Arc::new(AdminToken(ADMIN_TOKEN.into()))),
    }
}

/// A site over a fresh temporary store and index.
struct Site {
    _dir: tempfile::TempDir,
    app: axum::Router,
}

impl Site {
    fn new() -> Self {
        let dir = tempfile::tempdir().unwrap();
        let app = csfeed_web::app(state(dir.path()));
        Self { _dir: dir, app }
    }

    async fn send(&self, path: &str, token: Option<&str>) -> (StatusCode, String) {
        let mut request = Request::get(path).header(header::HOST, "csfeed.test");
        if let Some(token) = token {
            request = request.header(header::AUTHORIZATION, format!("Bearer {token}"));
        }
        let response = self
            .app
            .clone()
            .oneshot(request.body(Body::empty()).unwrap())
            .await
            .unwrap();
        let status = response.status();
        let bytes = axum::body::to_bytes(response.into_body(), usize::MAX)
            .await
            .unwrap();
        (status, String::from_utf8_lossy(&bytes).into_owned())
    }

    async fn get(&self, path: &str) -> (StatusCode, String) {
        self.send(path, None).await
    }

    /// The id of the story titled `title`.
    async fn article_path(&self, title: &str) -> String {
        let (_, json) = self.get("/api/v1/search?q=").await;
        let json: serde_json::Value = serde_json::from_str(&json).unwrap();
        let hit = json["results"]
            .as_array()
            .unwrap()
            .iter()
            .find(|hit| hit["title"] == title)
            .unwrap_or_else(|| panic!("no {title:?} in {json}"));
        format!("/articles/{}", hit["id"].as_str().unwrap())
    }
}

/// Things only the operator should see: server paths, URL templates, fetch addresses and
/// counters, error details.
const OPERATOR_INTERNALS: &[&str] = &[
    "file://",
    "/srv/csfeed",
    "{urn}",
    "%7Burn%7D",
    "feeds/all.rss",
    "key=abc",
    "permission denied",
    "not modified",
    "saved",
    "123456",
];

#[tokio::test]
async fn the_sources_page_shows_readers_names_home_pages_and_status_only() {
    let site = Site::new();
    let (status, page) = site.get("/sources").await;
    assert_eq!(status, StatusCode::OK);
    for shown in [
        "Sector News",
        "Local Digest",
        "Ofsted reports",
        "href=\"https://news.example/\"",
        "href=\"https://reports.ofsted.example/\"",
        "failing",
        "Last updated",
    ] {
        assert!(page.contains(shown), "{shown:?} missing from {page}");
    }
    for hidden in OPERATOR_INTERNALS {
        assert!(!page.contains(hidden), "{hidden:?} is shown on {page}");
    }
    // The operator's detailed view still has it all, behind the token.
    assert_eq!(site.get("/admin/sources.json").await.0, StatusCode::UNAUTHORIZED);
    let (status, json) = site.send("/admin/sources.json", Some(ADMIN_TOKEN)).await;
    assert_eq!(status, StatusCode::OK);
    assert!(json.contains("/srv/csfeed/secret/digest.rss") && json.contains("permission denied"));
}

#[tokio::test]
async fn metrics_need_the_admin_token() {
    let site = Site::new();
    let (status, body) = site.get("/metrics").await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "{body}");
    assert_eq!(
        site.send("/metrics", Some("wrong-token")).await.0,
        StatusCode::UNAUTHORIZED
    );
    let (status, _) = site.send("/metrics", Some(ADMIN_TOKEN)).await;
    assert_eq!(status, StatusCode::OK);
}

#[tokio::test]
async fn the_opml_lists_the_sites_own_feeds_with_absolute_addresses() {
    let site = Site::new();
    let (status, opml) = site.get("/sources.opml").await;
    assert_eq!(status, StatusCode::OK);
    for feed in [
        "xmlUrl=\"https://news.example.org/feed.rss\"",
        "xmlUrl=\"https://news.example.org/search.rss?q=source:news\"",
        "xmlUrl=\"https://news.example.org/search.rss?q=source:local\"",
        "xmlUrl=\"https://news.example.org/la/st-helens/feed.rss\"",
        "htmlUrl=\"https://news.example.org/la/st-helens\"",
        "xmlUrl=\"https://news.example.org/search.rss?topic=kinship-care\"",
        "htmlUrl=\"https://news.example.org/topics/kinship-care\"",
    ] {
        assert!(opml.contains(feed), "{feed} missing from {opml}");
    }
    for hidden in OPERATOR_INTERNALS {
        assert!(!opml.contains(hidden), "{hidden:?} is in {opml}");
    }
    // Every feed outline points at this site, so a reader can import the file as it is.
    for url in opml.split("xmlUrl=\"").skip(1) {
        assert!(url.starts_with(SITE), "{url}");
    }
}
