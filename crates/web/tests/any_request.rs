//! Any request, however odd, gets an answer below 500: random paths, query strings, form
//! bodies and tokens against every route of the real router, over a real store and index.

use std::sync::Arc;
use std::time::Duration;

use axum::body::Body;
use axum::http::{Method, Request, header};
use chrono::{TimeZone, Utc};
use csfeed_core::{Article, ArticleId, Source, SourceId, SourceKind};
use csfeed_search::{OpenMode, SearchIndex};
use csfeed_store::Store;
use csfeed_web::{AdminToken, AppState, SiteSettings, Subscriptions};
use proptest::prelude::*;
use proptest::test_runner::{Config, TestRunner};
use tower::ServiceExt as _;
use url::Url;

/// Route templates; `{}` is filled with a random segment.
const ROUTES: &[&str] = &[
    "/",
    "/search",
    "/search.rss",
    "/search.atom",
    "/search.json",
    "/search.csv",
    "/feed.rss",
    "/api/v1/search",
    "/articles/{}",
    "/la",
    "/la/{}",
    "/la/{}/feed.rss",
    "/ofsted",
    "/ofsted/changes.rss",
    "/topics",
    "/topics/{}",
    "/sources",
    "/sources.opml",
    "/static/{}",
    "/help/search",
    "/opensearch.xml",
    "/healthz",
    "/metrics",
    "/subscribe",
    "/subscriptions/confirm",
    "/subscriptions/manage",
    "/unsubscribe",
    "/admin/sources.json",
    "/admin/sources/{}/{}",
    "/admin/subscribers.csv",
    "/{}",
];

/// Parameter names the routes read, and a few they do not.
const KEYS: &[&str] = &[
    "q",
    "page",
    "sort",
    "source",
    "from",
    "to",
    "facets",
    "region",
    "grade",
    "token",
    "email",
    "frequency",
    "action",
    "follow",
    "label",
    "id",
    "limit",
    "format",
    "x",
];

fn value() -> impl Strategy<Value = String> {
    prop_oneof![
        ".{0,24}",
        "[a-z0-9:\\-\" ()*]{0,24}",
        prop::sample::select(vec![
            "",
            "0",
            "-1",
            "1",
            "2",
            "99999999999999999999",
            "0001-01-01",
            "9999-12-31",
            "2025-02-30",
            "after:0",
            "before:9999",
            "year:0",
            "la:*",
            "\"",
            "(",
            "*",
            "OR",
            "-",
            "newest",
            "relevance",
            "st-helens",
            "kinship-care",
            "news",
            "m.1.99999999999.AAAA",
            "u.1.1.x",
            "daily",
            "weekly",
            "unsubscribe",
            "pause",
            "resume",
            "refresh",
            "%",
            "\u{0}",
            "a@b.c",
        ])
        .prop_map(str::to_owned),
    ]
}

#[derive(Debug, Clone)]
struct Input {
    method: Method,
    route: &'static str,
    segments: Vec<String>,
    query: Vec<(&'static str, String)>,
    form: Vec<(&'static str, String)>,
    admin: bool,
}

fn input() -> impl Strategy<Value = Input> {
    (
        prop_oneof![7 => Just(Method::GET), 1 => Just(Method::HEAD), 2 => Just(Method::POST)],
        prop::sample::select(ROUTES.to_vec()),
        prop::collection::vec(value(), 2),
        prop::collection::vec((prop::sample::select(KEYS.to_vec()), value()), 0..4),
        prop::collection::vec((prop::sample::select(KEYS.to_vec()), value()), 0..4),
        any::<bool>(),
    )
        .prop_map(|(method, route, segments, query, form, admin)| Input {
            method,
            route,
            segments,
            query,
            form,
            admin,
        })
}

fn encoded(pairs: &[(&'static str, String)]) -> String {
    url::form_urlencoded::Serializer::new(String::new())
        .extend_pairs(pairs.iter().map(|(key, value)| (*key, value.as_str())))
        .finish()
}

fn request(input: &Input) -> Request<Body> {
    let mut segments = input.segments.iter();
    let mut path = String::new();
    for (index, part) in input.route.split("{}").enumerate() {
        if index > 0 {
            let segment = segments.next().map_or("", String::as_str);
            path.extend(url::form_urlencoded::byte_serialize(segment.as_bytes()));
        }
        path.push_str(part);
    }
    let uri = if input.query.is_empty() {
        path
    } else {
        format!("{path}?{}", encoded(&input.query))
    };
    let mut builder = Request::builder()
        .method(input.method.clone())
        .uri(uri)
        .header(header::HOST, "csfeed.test");
    if input.admin {
        builder = builder.header(header::AUTHORIZATION, "Bearer test-admin-token");
    }
    let body = if input.method == Method::POST {
        builder = builder.header(header::CONTENT_TYPE, "application/x-www-form-urlencoded");
        Body::from(encoded(&input.form))
    } else {
        Body::empty()
    };
    builder.body(body).unwrap()
}

fn article(source: &SourceId, guid: &str, title: &str, body: &str, day: u32, councils: &[&str]) -> Article {
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

fn state(dir: &std::path::Path) -> AppState {
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

#[test]
fn no_request_gets_a_server_error() {
    let dir = tempfile::tempdir().unwrap();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let app = csfeed_web::app(state(dir.path()));
    let mut runner = TestRunner::new(Config {
        cases: std::env::var("PROPTEST_CASES")
            .ok()
            .and_then(|cases| cases.parse().ok())
            .unwrap_or(1_000),
        ..Config::default()
    });
    runner
        .run(&input(), |input| {
            let response = runtime.block_on(app.clone().oneshot(request(&input))).unwrap();
            let status = response.status();
            prop_assert!(status.as_u16() < 500, "{status} for {input:?}");
            Ok(())
        })
        .unwrap();
}
