//! What the site tells a professional is right and current: undated items are labelled and
//! never lead, feeds invent no dates, and one story reported by several outlets is one entry
//! (with "Also reported by") on every list. The real router over a real store and index.

use std::sync::Arc;
use std::time::Duration;

use axum::body::Body;
use axum::http::{Request, header};
use chrono::{DateTime, TimeZone, Utc};
use csfeed_core::{Article, ArticleId, Source, SourceId, SourceKind};
use csfeed_search::{OpenMode, SearchIndex};
use csfeed_store::Store;
use csfeed_web::{AppState, SiteSettings};
use tower::ServiceExt as _;
use url::Url;

const ST_HELENS: &str = "E08000013";
const LETTER: &str = "Ofsted inspectors found St Helens gives a consistent and effective service to children in need and those on protection plans, in a focused visit letter.";

fn source(id: &str, name: &str) -> Source {
    Source {
        id: SourceId::parse(id).unwrap(),
        name: name.into(),
        url: Url::parse(&format!("https://{id}.example/feed")).unwrap(),
        kind: SourceKind::Feed,
        interval: Duration::from_secs(1800),
        enabled: true,
        options: Default::default(),
    }
}

fn day(n: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2024, 5, n, 9, 0, 0).unwrap()
}

fn story(source: &str, guid: &str, title: &str, text: &str, published: Option<DateTime<Utc>>) -> Article {
    let source_id = SourceId::parse(source).unwrap();
    Article {
        id: ArticleId::derive(&source_id, guid),
        source: source_id,
        guid: guid.into(),
        url: Some(Url::parse(&format!("https://{source}.example/{guid}")).unwrap()),
        title: title.into(),
        published,
        updated: None,
        authors: vec![],
        summary: text.chars().take(100).collect(),
        content_html: format!("<p>{text}</p>"),
        content_text: text.into(),
        local_authorities: vec![ST_HELENS.into()],
        topics: vec!["ofsted-inspections".into()],
    }
}

/// The St Helens 2024 letter from two outlets (one story group), an unrelated St Helens
/// story, and an undated explainer first seen after all of them.
fn state(dir: &std::path::Path) -> AppState {
    let store = Store::open(&dir.join("db.sqlite3")).unwrap();
    store
        .sync_sources(&[
            source("one", "Outlet One"),
            source("two", "Outlet Two"),
            source("three", "Outlet Three"),
        ])
        .unwrap();
    let upsert = |article: Article, seen: DateTime<Utc>| store.upsert_articles(&[article], seen).unwrap();
    upsert(
        story(
            "one",
            "letter",
            "Ofsted letter praises St Helens",
            LETTER,
            Some(day(10)),
        ),
        day(10),
    );
    upsert(
        story(
            "two",
            "letter",
            "St Helens keeps up strong practice, Ofsted letter says",
            LETTER,
            Some(day(11)),
        ),
        day(11),
    );
    upsert(
        story(
            "three",
            "home",
            "St Helens opens a children's home",
            "The council opened a new home for four children in the borough, its first for a decade.",
            Some(day(2)),
        ),
        day(2),
    );
    upsert(
        story(
            "three",
            "plo",
            "Explainer: what the Public Law Outline means",
            "The PLO explained for families in St Helens.",
            None,
        ),
        day(20),
    );
    let index = SearchIndex::open(&dir.join("index"), OpenMode::ReadWrite).unwrap();
    index.catch_up(&store).unwrap();
    AppState {
        store,
        index: Arc::new(index),
        site: Arc::new(SiteSettings {
            title: "Test".into(),
            tagline: "Trust".into(),
            public_url: None,
        }),
        metrics: None,
        feeds: Arc::default(),
        subscriptions: None,
        admin_token: None,
    }
}

async fn get(state: &AppState, path: &str) -> String {
    let request = Request::get(path)
        .header(header::HOST, "csfeed.test")
        .body(Body::empty())
        .unwrap();
    let response = csfeed_web::app(state.clone()).oneshot(request).await.unwrap();
    assert_eq!(response.status(), 200, "{path}");
    let body = axum::body::to_bytes(response.into_body(), usize::MAX)
        .await
        .unwrap();
    String::from_utf8(body.to_vec()).unwrap()
}

/// How many of the entries (the parts of `body` after each `delimiter`) are the letter
/// story: by the link to either outlet's report, however its headline is highlighted.
fn letter_entries(body: &str, delimiter: &str) -> usize {
    let ids: Vec<String> = ["one", "two"]
        .iter()
        .map(|source| ArticleId::derive(&SourceId::parse(source).unwrap(), "letter").to_string())
        .collect();
    body.split(delimiter)
        .skip(1)
        .filter(|entry| ids.iter().any(|id| entry.contains(&format!("/articles/{id}"))))
        .count()
}

#[tokio::test(flavor = "multi_thread")]
async fn an_undated_story_is_labelled_never_leads_and_gets_no_invented_date_in_feeds() {
    let dir = tempfile::tempdir().unwrap();
    let state = state(dir.path());

    let home = get(&state, "/").await;
    let lead = home.split("class=\"lead-story\"").nth(1).expect("a lead story");
    let lead = lead.split("</article>").next().unwrap();
    assert!(!lead.contains("Explainer"), "an undated item never leads: {lead}");
    assert!(home.contains("Undated · first seen 20 May 2024"), "{home}");

    let explainer = state.store.article_id_by_guid("plo").unwrap().unwrap();
    let page = get(&state, &format!("/articles/{explainer}")).await;
    assert!(page.contains("Undated · first seen 20 May 2024"), "{page}");

    let rss = get(&state, "/search.rss?q=St+Helens").await;
    let items: Vec<&str> = rss.split("<item>").skip(1).collect();
    let last = items.last().unwrap();
    assert!(
        last.contains("Explainer"),
        "undated sorts after dated news: {rss}"
    );
    assert!(!last.contains("<pubDate>"), "no invented pubDate: {last}");
    assert!(items[0].contains("<pubDate>"), "{rss}");

    let atom = get(&state, "/search.atom?q=St+Helens").await;
    let entry = atom
        .split("<entry>")
        .find(|entry| entry.contains("Explainer"))
        .unwrap();
    assert!(
        !entry.contains("<published>") && entry.contains("<updated>"),
        "{entry}"
    );

    let json: serde_json::Value =
        serde_json::from_str(&get(&state, "/search.json?q=St+Helens").await).unwrap();
    let items = json["items"].as_array().unwrap();
    let undated = items
        .iter()
        .find(|item| item["title"].as_str().unwrap().contains("Explainer"))
        .unwrap();
    assert!(undated.get("date_published").is_none(), "{undated}");
    assert!(items[0].get("date_published").is_some());

    let csv = get(&state, "/search.csv?q=St+Helens").await;
    let row = csv.lines().find(|line| line.contains("Explainer")).unwrap();
    assert!(row.starts_with(",Explainer"), "no date in the date column: {row}");
    assert!(csv.lines().nth(1).unwrap().starts_with("2024-05-"), "{csv}");
}

#[tokio::test(flavor = "multi_thread")]
async fn one_story_reported_by_two_outlets_is_one_entry_on_every_list() {
    let dir = tempfile::tempdir().unwrap();
    let state = state(dir.path());
    for path in [
        "/search?q=St+Helens",
        "/search?q=letter&sort=newest",
        "/la/st-helens",
        "/topics/ofsted-inspections",
    ] {
        let body = get(&state, path).await;
        assert_eq!(letter_entries(&body, "<article"), 1, "{path}: {body}");
        assert!(body.contains("Also reported by <a href=\"/articles/"), "{path}");
    }
    let search = get(&state, "/search?q=St+Helens").await;
    assert!(
        search.contains("of 3 stories"),
        "groups are counted, not reports: {search}"
    );
    for (path, delimiter) in [
        ("/search.rss?q=St+Helens", "<item>"),
        ("/search.atom?q=St+Helens", "<entry>"),
        ("/search.json?q=St+Helens", "\"id\":"),
        ("/la/st-helens/feed.rss", "<item>"),
        ("/feed.rss", "<item>"),
    ] {
        let body = get(&state, path).await;
        assert_eq!(letter_entries(&body, delimiter), 1, "{path}: {body}");
    }
}
