//! Any request, however odd, gets an answer below 500: random paths, query strings, form
//! bodies and tokens against every route of the real router, over a real store and index.

mod common;

use axum::body::Body;
use axum::http::{Method, Request, header};
use common::state;
use proptest::prelude::*;
use proptest::test_runner::{Config, TestRunner};
use tower::ServiceExt as _;

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
    "/ofsted/findings",
    "/ofsted.csv",
    "/ofsted.json",
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
    "months",
    "area",
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
