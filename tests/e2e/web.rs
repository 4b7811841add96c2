//! The site as a browser and a feed reader see it: the scheduler fills it, bad input gets
//! a 4xx page, nothing gets a 5xx.

use crate::helpers::{Workspace, repo_path};

/// A workspace over the bundled demo files, as `file:` sources.
pub(crate) fn demo_workspace() -> Workspace {
    Workspace::new(&demo_sources())
}

/// The demo's three bundled feeds as (id, `file://` URL) pairs.
pub(crate) fn demo_sources() -> Vec<(&'static str, String)> {
    [
        ("practice-news", "practice-news.rss"),
        ("ofsted-news", "ofsted-news.atom"),
        ("research-digest", "research-digest.json"),
    ]
    .into_iter()
    .map(|(id, file)| {
        (
            id,
            format!("file://{}", repo_path(&format!("demo/feeds/{file}")).display()),
        )
    })
    .collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn serve_fetches_on_its_own_and_answers_bad_input_with_4xx_pages() {
    let workspace = demo_workspace();
    let server = workspace.serve().await;
    server.wait_for_demo().await;

    let (status, home) = server.get_text("/").await;
    assert_eq!(status, 200);
    assert!(
        home.contains("Test Digest") && home.contains("Read full story"),
        "{home}"
    );
    assert!(
        home.contains("rel=\"alternate\" type=\"application/rss+xml\""),
        "home advertises its feed"
    );
    assert!(
        !home.contains("<script"),
        "no script from remote content reaches the page"
    );
    assert!(!home.contains("onerror"), "no event handlers reach the page");

    // Security headers on every response; oversized bodies refused.
    let response = server.get("/").await;
    let headers = response.headers();
    assert!(
        headers["content-security-policy"]
            .to_str()
            .unwrap()
            .contains("default-src 'none'")
    );
    assert_eq!(headers["x-content-type-options"], "nosniff");
    assert_eq!(headers["referrer-policy"], "strict-origin-when-cross-origin");
    assert_eq!(headers["x-frame-options"], "DENY");
    let huge = reqwest::Client::new()
        .post(format!("{}/subscribe", server.url))
        .header("content-type", "application/x-www-form-urlencoded")
        .body("email=".to_owned() + &"a".repeat(100_000))
        .send()
        .await
        .unwrap();
    assert_eq!(huge.status(), 413);
    assert!(
        huge.text().await.unwrap().contains("more than the form takes"),
        "a page in the site's design, not axum's plain text"
    );

    let (status, sources) = server.get_text("/sources").await;
    assert_eq!(status, 200);
    assert_eq!(sources.matches("status-good").count(), 3, "{sources}");

    for (path, status, hint) in [
        ("/search?page=abc", 400, "page number"),
        ("/search?page=0", 400, "page number"),
        ("/search?sort=sideways", 400, "sort=newest"),
        ("/search?from=12/07/2024", 400, "YYYY-MM-DD"),
        ("/search?source=Bad%20Source", 400, "lowercase"),
        ("/articles/0123456789abcdef", 404, "no story"),
        ("/articles/..%2F..%2Fetc%2Fpasswd", 404, "no story"),
        ("/no/such/page", 404, "no page"),
        ("/feed.rss?page=-1", 400, "page number"),
    ] {
        let (got, body) = server.get_text(path).await;
        assert_eq!(got, status, "{path}: {body}");
        assert!(body.contains(hint), "{path} should explain itself: {body}");
        assert!(
            body.contains("<!DOCTYPE html>"),
            "{path} is a page in the site's design"
        );
    }

    let long = "(".repeat(900);
    for query in [
        "title:(((",
        "\"unclosed",
        "foo:bar kinship",
        long.as_str(),
        "<script>alert(1)</script>",
        "%00",
    ] {
        let encoded: String = url::form_urlencoded::byte_serialize(query.as_bytes()).collect();
        for route in ["/search?q=", "/feed.rss?q="] {
            let (status, body) = server.get_text(&format!("{route}{encoded}")).await;
            assert!(status < 500, "{route}{query:?} gave {status}");
            assert!(
                !body.contains("<script>alert(1)"),
                "{route}{query:?} reflected markup unescaped"
            );
        }
    }
    let too_long = "a".repeat(2000);
    let (status, _) = server.get_text(&format!("/search?q={too_long}")).await;
    assert_eq!(status, 400);

    // Topics and the subscribe page.
    let (status, topics) = server.get_text("/topics").await;
    assert_eq!(status, 200);
    assert!(
        topics.contains("href=\"/topics/kinship-care\"") && topics.contains("Kinship care"),
        "{topics}"
    );
    let (status, topic) = server.get_text("/topics/kinship-care").await;
    assert_eq!(status, 200);
    assert!(
        topic.contains("Kinship care") && topic.contains("search.atom?topic=kinship-care"),
        "{topic}"
    );
    assert_eq!(server.get_text("/topics/astrology").await.0, 404);
    let (status, subscribe) = server.get_text("/subscribe").await;
    assert_eq!(status, 200);
    assert!(
        subscribe.contains("Email me new stories") && subscribe.contains("/feed.rss"),
        "{subscribe}"
    );

    let (status, css) = server.get_text("/static/style.css").await;
    assert_eq!(status, 200);
    assert!(css.contains("prefers-color-scheme"));

    // Councils: the history is loaded at start-up; news is filtered by the council's tag.
    let (status, council) = server.get_text("/la/st-helens").await;
    assert_eq!(status, 200);
    assert!(
        council.contains("St Helens children&#39;s services")
            || council.contains("St Helens children's services"),
        "{council}"
    );
    assert!(
        council.contains("published 4 November 2019") && council.contains("grade-inadequate"),
        "timeline: {council}"
    );
    assert!(council.contains("<svg class=\"grade-chart\""), "chart");
    assert!(
        council.contains("Ofsted focused visit finds St Helens"),
        "its news"
    );
    assert!(!council.contains("Kent warns"), "only its news");
    let (status, feed) = server.get_text("/la/st-helens/feed.rss").await;
    assert_eq!(status, 200);
    let feed = feed_rs::parser::parse(feed.as_bytes()).expect("council feed parses");
    assert!(
        !feed.entries.is_empty() && feed.entries.len() < 10,
        "{} entries",
        feed.entries.len()
    );
    let (status, index) = server.get_text("/la").await;
    assert_eq!(status, 200);
    assert!(
        index.matches("href=\"/la/").count() >= 306,
        "153 councils by region and A–Z"
    );
    let (status, national) = server.get_text("/ofsted?region=North%20West").await;
    assert_eq!(status, 200);
    assert!(
        national.contains("St Helens") && !national.contains(">Kent<"),
        "{national}"
    );
    assert_eq!(server.get_text("/ofsted?grade=brilliant").await.0, 400);
    assert_eq!(server.get_text("/ofsted?region=Narnia").await.0, 400);
    assert_eq!(server.get_text("/la/atlantis").await.0, 404);
    // The same search as JSON for programs, and the syntax explained for people.
    let api = server.get("/api/v1/search?q=St+Helens+focused+visit").await;
    assert_eq!(api.status(), 200);
    let api: serde_json::Value = serde_json::from_str(&api.text().await.unwrap()).unwrap();
    assert_eq!(api["total"], 1, "{api}");
    assert_eq!(
        api["results"][0]["local_authorities"],
        serde_json::json!(["E08000013"])
    );
    assert_eq!(server.get_text("/api/v1/search?page=abc").await.0, 400);
    let (status, help) = server.get_text("/help/search").await;
    assert_eq!(status, 200);
    assert!(
        help.contains("la:st-helens") && help.contains("after:2025"),
        "{help}"
    );

    // Operators in the query filter exactly like the site's links do.
    let (_, by_operator) = server.get_text("/search?q=la%3A%22St+Helens%22").await;
    let (_, by_link) = server.get_text("/search?la=st-helens").await;
    let count = |page: &str| {
        page.split("Showing ")
            .nth(1)
            .and_then(|rest| rest.split('.').next())
            .unwrap_or_default()
            .to_owned()
    };
    assert!(!count(&by_link).is_empty());
    assert_eq!(count(&by_operator), count(&by_link));
    let (status, unknown) = server.get_text("/search?q=la%3AAtlantis+kinship").await;
    assert_eq!(status, 200);
    assert!(unknown.contains("no English council called"), "{unknown}");
    let (_, filtered) = server.get_text("/search?la=st-helens").await;
    assert!(filtered.contains("Council: St Helens"), "{filtered}");

    let newest = server.get_text("/search?sort=newest").await.1;
    let page2 = server.get_text("/search?sort=newest&page=2").await.1;
    assert!(newest.contains("Showing 1\u{2013}20 of 74"), "{newest}");
    assert!(page2.contains("Showing 21\u{2013}40 of 74"), "{page2}");
    assert!(server.stop().await.success());
}
