//! The whole pipeline: fetch over HTTP, store, index, search, feed, restart, reindex.

use crate::helpers::{DEMO_FEEDS, DEMO_ITEMS, ST_HELENS_TITLE, Workspace, demo_feed_server};

#[tokio::test(flavor = "multi_thread")]
async fn fetched_stories_are_searchable_subscribable_and_survive_restarts() {
    let feeds = demo_feed_server().await;
    let sources: Vec<(&str, String)> = DEMO_FEEDS
        .iter()
        .map(|(name, _, _)| (name.split('.').next().unwrap(), format!("{}/{name}", feeds.uri())))
        .collect();
    let workspace = Workspace::new(&sources);

    let fetch = workspace.run(&["fetch"]).await;
    assert!(fetch.status.success(), "{fetch:?}");
    assert!(
        fetch.stdout.contains(&format!("{DEMO_ITEMS} new")),
        "{}",
        fetch.stdout
    );
    assert!(
        fetch.stdout.contains(&format!("indexed {DEMO_ITEMS} articles")),
        "{}",
        fetch.stdout
    );

    let server = workspace.serve().await;
    let health = server.health().await;
    assert_eq!(health["articles"], DEMO_ITEMS);
    assert_eq!(health["indexed"], DEMO_ITEMS);

    // Search over HTTP finds the story, highlighted.
    let (status, page) = server.get_text("/search?q=St+Helens+focused+visit").await;
    assert_eq!(status, 200);
    assert!(page.contains("<mark>Helens</mark>"), "no highlight in {page}");
    assert!(
        page.contains("Showing 1\u{2013}1 of 1 story"),
        "no count in {page}"
    );
    let article_href = page
        .split("href=\"/articles/")
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .expect("a link to the stored article");

    // The stored article page shows the story, sanitized, with a link to the original.
    let (status, article) = server.get_text(&format!("/articles/{article_href}")).await;
    assert_eq!(status, 200);
    assert!(article.contains("Gareth Dakin"), "{article}");
    assert!(article.contains("Read full story at"), "{article}");

    // The same search as RSS parses back and contains the story.
    let response = server.get("/feed.rss?q=St+Helens").await;
    assert_eq!(response.status(), 200);
    assert_eq!(
        response.headers()["content-type"],
        "application/rss+xml; charset=utf-8"
    );
    let body = response.bytes().await.unwrap();
    let feed = feed_rs::parser::parse(&body[..]).expect("our RSS parses");
    let titles: Vec<String> = feed
        .entries
        .iter()
        .filter_map(|e| e.title.as_ref().map(|t| t.content.clone()))
        .collect();
    assert!(titles.iter().any(|t| t == ST_HELENS_TITLE), "{titles:?}");
    let text = String::from_utf8_lossy(&body);
    assert!(text.contains("rel=\"self\""), "{text}");
    assert!(
        text.contains("<guid>http://127.0.0.1:"),
        "guids are absolute permalinks: {text}"
    );

    // The same search as Atom and JSON Feed parses back too.
    for format in ["atom", "json"] {
        let body = server
            .get(&format!("/search.{format}?q=St+Helens"))
            .await
            .bytes()
            .await
            .unwrap();
        let parsed = feed_rs::parser::parse(&body[..]).unwrap_or_else(|e| panic!("{format}: {e}"));
        let titles: Vec<String> = parsed
            .entries
            .iter()
            .filter_map(|e| e.title.as_ref().map(|t| t.content.clone()))
            .collect();
        assert!(
            titles.iter().any(|t| t == ST_HELENS_TITLE),
            "{format}: {titles:?}"
        );
    }
    // Feeds carry validators and answer 304 to a repeat.
    let first = server.get("/search.rss?q=St+Helens").await;
    let etag = first.headers()["etag"].to_str().unwrap().to_owned();
    assert!(first.headers().contains_key("last-modified"));
    let repeat = reqwest::Client::new()
        .get(format!("{}/search.rss?q=St+Helens", server.url))
        .header("if-none-match", &etag)
        .send()
        .await
        .unwrap();
    assert_eq!(repeat.status(), 304);
    assert!(repeat.bytes().await.unwrap().is_empty());
    let (status, opensearch) = server.get_text("/opensearch.xml").await;
    assert_eq!(status, 200);
    assert!(opensearch.contains("search?q={searchTerms}"), "{opensearch}");

    // The whole-site feed has unique guids and RFC 822 dates.
    let body = server.get("/feed.rss").await.bytes().await.unwrap();
    let all = feed_rs::parser::parse(&body[..]).expect("site feed parses");
    assert!(all.entries.len() >= 20);
    let mut ids: Vec<&str> = all.entries.iter().map(|e| e.id.as_str()).collect();
    ids.sort_unstable();
    ids.dedup();
    assert_eq!(ids.len(), all.entries.len(), "guids are unique");
    assert!(
        all.entries.iter().all(|e| e.published.is_some()),
        "every item has a pubDate"
    );

    // A clean stop, then a restart with the same data directory keeps everything.
    assert!(server.stop().await.success(), "serve exits 0 on SIGTERM");
    let server = workspace.serve().await;
    let health = server.health().await;
    assert_eq!(health["articles"], DEMO_ITEMS);
    assert_eq!(health["indexed"], DEMO_ITEMS);
    let (_, page) = server.get_text("/search?q=St+Helens+focused+visit").await;
    assert!(page.contains("<mark>Helens</mark>"));
    assert!(server.stop().await.success());

    // Reindex rebuilds the same number of documents as the store holds.
    let reindex = workspace.run(&["reindex"]).await;
    assert!(reindex.status.success(), "{reindex:?}");
    assert!(
        reindex.stdout.contains(&format!(
            "the index holds {DEMO_ITEMS} documents and the store {DEMO_ITEMS} articles"
        )),
        "{}",
        reindex.stdout
    );

    // The CLI search agrees, as JSON.
    let search = workspace
        .run(&["search", "St Helens", "focused", "visit", "--json"])
        .await;
    assert!(search.status.success(), "{search:?}");
    let results: serde_json::Value = serde_json::from_str(&search.stdout).expect("search --json is JSON");
    assert_eq!(results["total"], 1);
    assert_eq!(results["results"][0]["title"], ST_HELENS_TITLE);
    assert!(
        results["results"][0]["title_html"]
            .as_str()
            .unwrap()
            .contains("<mark>")
    );

    // However the council's name is written, the same stories are found; the CLI's facets
    // name councils, not GSS codes.
    let total_for = |output: &crate::helpers::Output| -> u64 {
        let results: serde_json::Value = serde_json::from_str(&output.stdout).expect("JSON");
        results["total"].as_u64().unwrap_or_default()
    };
    let plain = total_for(&workspace.run(&["search", "St Helens", "--json"]).await);
    assert!(plain >= 1, "{plain}");
    for written in ["St Helen's", "St Helen\u{2019}s", "St. Helens"] {
        let found = total_for(&workspace.run(&["search", written, "--json"]).await);
        assert_eq!(found, plain, "{written}");
    }
    let facets = workspace.run(&["search", "St Helens", "--facets"]).await;
    assert!(facets.status.success(), "{facets:?}");
    assert!(
        facets.stdout.contains("Council: St Helens (") && facets.stdout.contains("la:st-helens"),
        "{}",
        facets.stdout
    );
    assert!(!facets.stdout.contains("E08000013"), "{}", facets.stdout);

    // Date filters bound the results, inclusively.
    let dated = workspace
        .run(&[
            "search",
            "inadequate",
            "--from",
            "2026-01-01",
            "--to",
            "2026-03-26",
            "--json",
        ])
        .await;
    let dated: serde_json::Value = serde_json::from_str(&dated.stdout).expect("JSON");
    assert_eq!(dated["total"], 1, "{dated}");

    // Fetching again stores nothing new and duplicates nothing.
    let again = workspace.run(&["fetch", "--source", "practice-news"]).await;
    assert!(again.status.success(), "{again:?}");
    assert!(
        again.stdout.contains("0 new, 0 changed, 30 unchanged"),
        "{}",
        again.stdout
    );
    let everything = workspace.run(&["search", "", "--json"]).await;
    let everything: serde_json::Value = serde_json::from_str(&everything.stdout).expect("JSON");
    assert_eq!(everything["total"], DEMO_ITEMS);
}
