//! Search as professionals use it on the site: facets that refine, "did you mean", sector
//! synonyms, "more like this", and every search as a feed in three formats that feed
//! readers (feed-rs, and Python's feedparser when installed) parse back.

use crate::helpers::DEMO_ITEMS;
use crate::web::demo_workspace;

/// The `href`s of the facet links in the "Refine" sidebar of a results page, with the
/// count shown beside each.
fn facet_links(page: &str) -> Vec<(String, u64)> {
    let Some(sidebar) = page.split("id=\"facets-heading\"").nth(1) else {
        return Vec::new();
    };
    sidebar
        .split("<li><a ")
        .skip(1)
        .filter_map(|item| {
            let href = item.split("href=\"").nth(1)?.split('"').next()?;
            let count = item
                .split("facet-count\">")
                .nth(1)?
                .split('<')
                .next()?
                .parse()
                .ok()?;
            Some((href.replace("&amp;", "&"), count))
        })
        .collect()
}

async fn json(server: &crate::helpers::Server, path: &str) -> serde_json::Value {
    let (status, body) = server.get_text(path).await;
    assert_eq!(status, 200, "{path}: {body}");
    serde_json::from_str(&body).expect("JSON")
}

/// "Showing 1–20 of 74" → 74; "No stories found." → 0.
fn total_shown(page: &str) -> u64 {
    page.split("Showing ")
        .nth(1)
        .and_then(|rest| rest.split(" of ").nth(1))
        .and_then(|rest| rest.split(' ').next())
        .and_then(|count| count.parse().ok())
        .unwrap_or(0)
}

#[tokio::test(flavor = "multi_thread")]
async fn facets_refine_and_every_search_is_a_feed() {
    let workspace = demo_workspace();
    let server = workspace.serve().await;
    server.wait_for_demo().await;

    // Facets: each link refines the search to exactly the count it showed.
    let (status, page) = server.get_text("/search?q=children").await;
    assert_eq!(status, 200);
    let links = facet_links(&page);
    assert!(links.len() >= 10, "facets shown: {links:?}");
    for (href, count) in links.iter().take(25) {
        let (status, refined) = server.get_text(href).await;
        assert_eq!(status, 200, "{href}");
        assert_eq!(total_shown(&refined), *count, "{href}");
        assert!(
            refined.contains("facet-active"),
            "the chosen value is marked: {href}"
        );
    }

    // The API's facet counts agree with the filtered searches too.
    let api: serde_json::Value = json(&server, "/api/v1/search?q=&facets=1").await;
    assert_eq!(api["total"], DEMO_ITEMS);
    for (operator, values) in api["facets"].as_object().expect("facets object") {
        for value in values.as_array().unwrap().iter().take(5) {
            let query = format!("{operator}:{}", value["value"].as_str().unwrap());
            let encoded: String = url::form_urlencoded::byte_serialize(query.as_bytes()).collect();
            let refined: serde_json::Value = json(&server, &format!("/api/v1/search?q={encoded}")).await;
            assert_eq!(refined["total"], value["count"], "{query}");
        }
    }

    // A misspelling gets a suggestion that finds something; synonyms are explained.
    let (_, misspelt) = server.get_text("/search?q=kinshp+carers").await;
    assert!(misspelt.contains("Did you mean"), "{misspelt}");
    assert!(misspelt.contains("q=kinship+carers"), "{misspelt}");
    let (_, synonyms) = server.get_text("/search?q=looked+after+children").await;
    assert!(
        synonyms.contains("also finds stories using the other names for"),
        "{synonyms}"
    );
    let exact = total_shown(&server.get_text("/search?q=%22looked+after+children%22").await.1);
    assert!(total_shown(&synonyms) > exact, "synonyms widen the search");

    // Each article suggests related stories.
    let api: serde_json::Value = json(&server, "/api/v1/search?q=St+Helens+focused+visit").await;
    let id = api["results"][0]["id"].as_str().unwrap().to_owned();
    let (status, article) = server.get_text(&format!("/articles/{id}")).await;
    assert_eq!(status, 200);
    assert!(article.contains("More like this"), "{article}");

    // Feeds in three formats, compressed once and served with validators.
    let raw_client = reqwest::Client::builder().no_gzip().no_brotli().build().unwrap();
    let mut bodies = Vec::new();
    for format in ["rss", "atom", "json"] {
        let path = format!("{}/search.{format}?q=children", server.url);
        let plain = reqwest::get(&path).await.unwrap();
        assert_eq!(plain.status(), 200);
        let etag = plain.headers()["etag"].to_str().unwrap().to_owned();
        assert!(plain.headers().contains_key("last-modified"));
        let body = plain.bytes().await.unwrap();
        let feed = feed_rs::parser::parse(&body[..]).unwrap_or_else(|e| panic!("{format}: {e}"));
        assert!(feed.entries.len() >= 5, "{format}");
        let mut ids: Vec<&str> = feed.entries.iter().map(|entry| entry.id.as_str()).collect();
        ids.sort_unstable();
        ids.dedup();
        assert_eq!(ids.len(), feed.entries.len(), "{format}: unique ids");
        assert!(
            feed.entries.iter().all(|entry| entry.published.is_some()
                && entry.links.iter().all(|link| link.href.starts_with("http"))),
            "{format}: dated entries with absolute links"
        );
        for (encoding, expected) in [("br, gzip", "br"), ("gzip", "gzip")] {
            let compressed = raw_client
                .get(&path)
                .header("accept-encoding", encoding)
                .send()
                .await
                .unwrap();
            assert_eq!(compressed.headers()["content-encoding"], expected, "{format}");
            assert_eq!(compressed.headers()["vary"], "accept-encoding");
            let compressed_etag = compressed.headers()["etag"].to_str().unwrap().to_owned();
            assert!(compressed.bytes().await.unwrap().len() < body.len());
            let repeat = raw_client
                .get(&path)
                .header("accept-encoding", encoding)
                .header("if-none-match", &compressed_etag)
                .send()
                .await
                .unwrap();
            assert_eq!(repeat.status(), 304, "{format} {encoding}");
        }
        let repeat = raw_client
            .get(&path)
            .header("if-none-match", &etag)
            .send()
            .await
            .unwrap();
        assert_eq!(repeat.status(), 304, "{format}");
        bodies.push((format, body, feed.entries.len()));
    }
    // Council and topic pages advertise all three formats.
    for page in [
        "/search?la=st-helens",
        "/search?topic=kinship-care",
        "/search?source=practice-news",
    ] {
        let (_, html) = server.get_text(page).await;
        for kind in [
            "application/rss+xml",
            "application/atom+xml",
            "application/feed+json",
        ] {
            assert!(
                html.contains(&format!("rel=\"alternate\" type=\"{kind}\"")),
                "{page}: {kind}"
            );
        }
    }
    assert!(server.stop().await.success());

    // Python's feedparser, the reference most feed readers are checked against.
    let has_feedparser = std::process::Command::new("python3")
        .args(["-c", "import feedparser"])
        .status()
        .is_ok_and(|status| status.success());
    if !has_feedparser {
        eprintln!(
            "skipping the feedparser check: python3 with feedparser is not installed (pip install feedparser)"
        );
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    for (format, body, entries) in bodies {
        let file = dir.path().join(format!("feed.{format}"));
        std::fs::write(&file, &body).unwrap();
        let output = std::process::Command::new("python3")
            .args([
                "-c",
                "import sys, feedparser; d = feedparser.parse(sys.argv[1]); print(int(bool(d.bozo)), len(d.entries), d.version, d.bozo_exception if d.bozo else '')",
            ])
            .arg(&file)
            .output()
            .unwrap();
        let report = String::from_utf8_lossy(&output.stdout).trim().to_owned();
        let mut fields = report.split(' ');
        let bozo = fields.next();
        let count: usize = fields.next().and_then(|n| n.parse().ok()).unwrap_or(0);
        if format == "json" && count == 0 {
            // feedparser reads JSON Feed only from version 6.1.
            continue;
        }
        assert_eq!(bozo, Some("0"), "{format}: feedparser says {report}");
        assert_eq!(count, entries, "{format}: {report}");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn every_search_downloads_as_a_spreadsheet() {
    let workspace = demo_workspace();
    let server = workspace.serve().await;
    server.wait_for_demo().await;
    let (_, page) = server.get_text("/search?q=St+Helens").await;
    assert!(
        page.contains("href=\"/search.csv?q=St+Helens\""),
        "the results page links its download"
    );

    let response = server.get("/search.csv?q=St+Helens").await;
    assert_eq!(response.status(), 200);
    let header = |name: &str| {
        response
            .headers()
            .get(name)
            .and_then(|value| value.to_str().ok())
            .unwrap_or_default()
            .to_owned()
    };
    assert_eq!(header("content-type"), "text/csv; charset=utf-8");
    assert!(header("content-disposition").starts_with("attachment"));
    let body = response.text().await.unwrap();
    let mut reader = csv::Reader::from_reader(body.as_bytes());
    assert_eq!(
        reader.headers().unwrap(),
        vec![
            "date",
            "headline",
            "kind",
            "grade",
            "councils",
            "topics",
            "source",
            "url",
            "csfeed_url"
        ]
    );
    let rows: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
    let api = json(&server, "/api/v1/search?q=St+Helens").await;
    assert_eq!(
        rows.len() as u64,
        api["total"].as_u64().unwrap(),
        "every match, one row each"
    );
    for row in &rows {
        assert!(row[0].len() == 10 && row[0].starts_with("20"), "a date: {row:?}");
        assert!(!row[1].is_empty() && !row[2].is_empty(), "{row:?}");
        assert!(
            row[8].starts_with(&format!("{}/articles/", server.url)),
            "{row:?}"
        );
    }
    assert!(
        rows.iter().any(|row| row[4].contains("St Helens")),
        "councils by name: {rows:?}"
    );

    let (_, everything) = server.get_text("/search.csv?sort=newest").await;
    let all = csv::Reader::from_reader(everything.as_bytes()).records().count();
    assert_eq!(all, DEMO_ITEMS, "no query: every story");
    let (status, page) = server.get_text("/search.csv?sort=sideways").await;
    assert_eq!(status, 400, "{page}");
    assert!(server.stop().await.success());
}

#[tokio::test(flavor = "multi_thread")]
async fn searching_before_anything_is_fetched_says_what_to_run_and_creates_nothing() {
    let workspace = crate::helpers::Workspace::new(&[]);
    let missing = workspace.dir.path().join("data");
    let empty = workspace.dir.path().join("empty");
    std::fs::create_dir(&empty).unwrap();
    let empty_arg = empty.display().to_string();
    for args in [
        vec!["search", "kinship"],
        vec!["search", "kinship", "--facets", "--json"],
        vec!["search", "kinship", "--data-dir", &empty_arg],
    ] {
        let output = workspace.run(&args).await;
        assert!(!output.status.success(), "{args:?}: {output:?}");
        assert!(
            output.stderr.contains("nothing is indexed yet") && output.stderr.contains("csfeed fetch"),
            "{args:?}: {}",
            output.stderr
        );
    }
    assert!(!missing.exists(), "a missing data directory stays missing");
    assert_eq!(
        std::fs::read_dir(&empty).unwrap().count(),
        0,
        "an empty one stays empty"
    );
}
