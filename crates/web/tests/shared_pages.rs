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

/// A report csfeed read from the server's disk (its guid and address).
const LOCAL_REPORT: &str = "file:///srv/csfeed/secret/report.pdf";

/// The first twelve topics' slugs.
fn many_topics() -> Vec<&'static str> {
    csfeed_core::TOPICS
        .iter()
        .take(12)
        .map(|topic| topic.slug)
        .collect()
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
        // On more topics than the sidebar shows, so the topic facet has "and N more".
        article(
            &news.id,
            "survey",
            "A survey of the whole sector",
            &[],
            &many_topics(),
        ),
        // A report read from the server's disk.
        Article {
            url: Some(Url::parse(LOCAL_REPORT).unwrap()),
            ..article(&local.id, LOCAL_REPORT, "A report read from disk", &[], &[])
        },
    ];
    store.upsert_articles(&articles, now).unwrap();
    store
        .upsert_inspections(&[csfeed_core::InspectionRecord {
            report_url: LOCAL_REPORT.into(),
            urn: "80560".into(),
            gss_code: Some("E08000013".into()),
            kind: "focused_visit".into(),
            visit_start: None,
            visit_end: None,
            published: chrono::NaiveDate::from_ymd_opt(2025, 3, 1),
            lead_inspector: None,
            inspectors: Vec::new(),
            judgements: Default::default(),
            headline: None,
            priority_actions: Vec::new(),
            improvements: Vec::new(),
            origin: "report".into(),
        }])
        .unwrap();
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
        "source:news",
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

/// The value of `<meta {attribute}="{name}" content="…">` in `page`.
fn meta<'a>(page: &'a str, attribute: &str, name: &str) -> Option<&'a str> {
    page.split(&format!("<meta {attribute}=\"{name}\" content=\""))
        .nth(1)?
        .split('"')
        .next()
}

/// The levels of the page's headings, in document order.
fn heading_levels(page: &str) -> Vec<u8> {
    page.split("<h")
        .skip(1)
        .filter_map(|rest| {
            let mut chars = rest.chars();
            let level = chars.next()?.to_digit(10)?;
            matches!(chars.next(), Some(' ' | '>')).then_some(level as u8)
        })
        .collect()
}

#[tokio::test]
async fn a_story_page_has_its_council_and_topic_chips_and_the_councils_subscribe_form() {
    let site = Site::new();
    let path = site.article_path("St Helens focused visit").await;
    let (status, page) = site.get(&path).await;
    assert_eq!(status, StatusCode::OK);
    for chip in [
        "<a class=\"chip chip-council\" href=\"/la/st-helens\">St Helens</a>",
        "<a class=\"chip chip-topic\" href=\"/topics/kinship-care\">Kinship care</a>",
        "<a class=\"chip chip-topic\" href=\"/topics/child-protection\">Child protection</a>",
    ] {
        assert!(page.contains(chip), "{chip} missing from {page}");
    }
    assert!(
        page.contains("action=\"/subscribe\"") && page.contains("name=\"q\" value=\"la:st-helens\""),
        "the council's subscribe form: {page}"
    );
}

#[tokio::test]
async fn a_story_page_has_share_metadata_and_a_canonical_link_to_the_original() {
    let site = Site::new();
    let path = site.article_path("St Helens focused visit").await;
    let (_, page) = site.get(&path).await;
    let summary = "St Helens focused visit: what inspectors found.";
    assert_eq!(meta(&page, "name", "description"), Some(summary));
    assert_eq!(meta(&page, "property", "og:description"), Some(summary));
    assert_eq!(
        meta(&page, "property", "og:title"),
        Some("St Helens focused visit")
    );
    let own_address = format!("https://news.example.org{path}");
    assert_eq!(meta(&page, "property", "og:url"), Some(own_address.as_str()));
    assert_eq!(meta(&page, "property", "og:type"), Some("article"));
    assert!(
        meta(&page, "property", "og:site_name").is_some_and(|name| name.ends_with("s Services Today")),
        "{page}"
    );
    assert!(
        page.contains("<link rel=\"canonical\" href=\"https://publisher.example/st-helens\">"),
        "{page}"
    );
}

#[tokio::test]
async fn every_page_has_share_metadata_and_headings_that_go_down_one_level_at_a_time() {
    let site = Site::new();
    let article = site.article_path("St Helens focused visit").await;
    for path in [
        "/",
        "/search?q=kinship",
        "/search",
        "/topics",
        "/topics/kinship-care",
        "/la",
        "/la/st-helens",
        "/ofsted",
        "/sources",
        "/help/search",
        "/subscribe",
        article.as_str(),
        "/no/such/page",
    ] {
        let (_, page) = site.get(path).await;
        for (attribute, name) in [
            ("name", "description"),
            ("property", "og:title"),
            ("property", "og:description"),
            ("property", "og:url"),
            ("property", "og:type"),
            ("property", "og:site_name"),
        ] {
            assert!(
                meta(&page, attribute, name).is_some_and(|value| !value.is_empty()),
                "{path} has no {name}: {page}"
            );
        }
        assert!(
            meta(&page, "property", "og:url").is_some_and(|url| url.starts_with(SITE)),
            "{path}: og:url is absolute"
        );
        let levels = heading_levels(&page);
        assert_eq!(levels.first(), Some(&1), "{path} starts with its h1: {levels:?}");
        for pair in levels.windows(2) {
            assert!(
                pair[1] <= pair[0] + 1,
                "{path} jumps from h{} to h{}: {levels:?}",
                pair[0],
                pair[1]
            );
        }
        let canonical = page.contains("rel=\"canonical\"");
        assert_eq!(
            canonical,
            path == article,
            "{path}: only republished stories have a canonical link"
        );
    }
}

#[tokio::test]
async fn feed_items_carry_council_and_topic_names_as_categories_and_tags() {
    let site = Site::new();
    let (_, rss) = site.get("/search.rss?q=focused").await;
    for category in [
        "<category domain=\"https://news.example.org/la\">St Helens</category>",
        "<category domain=\"https://news.example.org/topics\">Kinship care</category>",
        "<category domain=\"https://news.example.org/topics\">Child protection</category>",
    ] {
        assert!(rss.contains(category), "{category} missing from {rss}");
    }
    let (_, json) = site.get("/search.json?q=focused").await;
    let json: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(
        json["items"][0]["tags"],
        serde_json::json!(["St Helens", "Kinship care", "Child protection"])
    );
    let (_, atom) = site.get("/search.atom?q=focused").await;
    assert!(atom.contains("label=\"Kinship care\""), "{atom}");
}

#[tokio::test]
async fn a_council_feed_links_to_the_councils_page() {
    let site = Site::new();
    let (status, rss) = site.get("/la/st-helens/feed.rss").await;
    assert_eq!(status, StatusCode::OK);
    let channel_link = rss
        .split("<link>")
        .nth(1)
        .and_then(|rest| rest.split("</link>").next());
    assert_eq!(
        channel_link,
        Some("https://news.example.org/la/st-helens"),
        "{rss}"
    );
    assert!(
        rss.contains("href=\"https://news.example.org/la/st-helens/feed.rss\""),
        "its self link: {rss}"
    );
    // The search feed of the same council keeps its own links.
    let (_, search) = site.get("/search.rss?la=st-helens").await;
    assert!(
        search.contains("<link>https://news.example.org/search?la=st-helens"),
        "{search}"
    );
}

#[tokio::test]
async fn error_pages_use_the_site_title_a_capital_letter_and_offer_no_feeds() {
    let site = Site::new();
    for (path, status) in [
        ("/no/such/page", StatusCode::NOT_FOUND),
        ("/articles/0123456789abcdef", StatusCode::NOT_FOUND),
        ("/search?page=abc", StatusCode::BAD_REQUEST),
    ] {
        let (got, page) = site.get(path).await;
        assert_eq!(got, status, "{path}");
        let title = page
            .split("<title>")
            .nth(1)
            .and_then(|rest| rest.split("</title>").next());
        assert!(
            title.is_some_and(|title| title.ends_with("s Services Today") && !title.contains("csfeed")),
            "{path}: {title:?}"
        );
        let heading = page.split("<h1>").nth(1).unwrap_or_default();
        assert!(heading.starts_with(char::is_uppercase), "{path}: {heading}");
        let message = page.split("</h1>\n  <p>").nth(1).unwrap_or_default();
        assert!(message.starts_with(char::is_uppercase), "{path}: {message}");
        assert!(
            !page.contains("rel=\"alternate\""),
            "{path} advertises a feed: {page}"
        );
        assert!(
            !page.contains(".rss") && !page.contains("RSS"),
            "{path} links to a feed: {page}"
        );
    }
}

#[tokio::test]
async fn a_topic_page_marks_its_topic_active_and_more_topics_link_to_the_topic_index() {
    let site = Site::new();
    let (_, page) = site.get("/topics/kinship-care").await;
    let active = page
        .split("class=\"facet-active\"")
        .nth(1)
        .and_then(|rest| rest.split("</a>").next())
        .unwrap_or_default();
    assert!(
        active.contains("Kinship care"),
        "the topic's facet is active: {page}"
    );
    // Following the active facet leaves the topic: a search without it.
    assert!(
        page.contains("<a class=\"facet-active\" href=\"/search?sort=newest\""),
        "{page}"
    );
    let (_, everything) = site.get("/search").await;
    assert!(
        everything.contains("<a href=\"/topics\">and 4 more"),
        "the topic facet's remainder links to the topic index: {everything}"
    );
}

#[tokio::test]
async fn a_story_read_from_a_local_file_shares_no_server_path() {
    let site = Site::new();
    let path = site.article_path("A report read from disk").await;
    let (status, page) = site.get(&path).await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        !page.contains("file://") && !page.contains("/srv/csfeed"),
        "{page}"
    );
    assert!(!page.contains("rel=\"canonical\""), "{page}");
    // The council's timeline and the news about the report link to its page here.
    for page in [
        "/la/st-helens",
        &site.article_path("St Helens focused visit").await,
    ] {
        let (_, body) = site.get(page).await;
        assert!(body.contains(&format!("href=\"{path}\"")), "{page}: {body}");
        assert!(!body.contains("file://"), "{page}: {body}");
    }
    for feed in ["/feed.rss", "/search.atom", "/search.json"] {
        let (_, body) = site.get(feed).await;
        assert!(body.contains("A report read from disk"), "{feed}: {body}");
        assert!(!body.contains("file://"), "{feed}: {body}");
    }
}
