//! Sources without feeds and feeds without full text: the bundled demo site scraped with
//! CSS selectors, and excerpt-only feed items completed from their pages.

use wiremock::matchers::path;
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::helpers::{Workspace, repo_path};

const FRONTLINE_SELECTORS: &str = r#"
[sources.html]
item = "article.news-item"
title = ".news-title"
link = ".news-title a"
date = ".news-date"
date_format = "%d %B %Y"
summary = ".news-teaser"
next_page = "a.next-page"
max_pages = 2
content = ".entry-content"
"#;

async fn search_json(workspace: &Workspace, args: &[&str]) -> serde_json::Value {
    let mut all = vec!["search"];
    all.extend_from_slice(args);
    all.push("--json");
    let output = workspace.run(&all).await;
    assert!(output.status.success(), "{output:?}");
    serde_json::from_str(&output.stdout).expect("search --json")
}

#[tokio::test(flavor = "multi_thread")]
async fn the_demo_site_is_scraped_with_its_selectors() {
    let workspace = Workspace::new(&[]);
    let listing = repo_path("demo/site/news/index.html");
    let config = std::fs::read_to_string(workspace.config()).unwrap()
        + &format!(
            "\n[[sources]]\nid = \"frontline\"\nname = \"Frontline\"\nkind = \"html\"\nurl = \"file://{}\"\n{FRONTLINE_SELECTORS}",
            listing.display()
        );
    std::fs::write(workspace.config(), config).unwrap();

    let fetch = workspace.run(&["fetch"]).await;
    assert!(fetch.status.success(), "{fetch:?}");
    assert!(
        fetch.stdout.contains("15 new"),
        "two listing pages of 8 and 7 stories: {}",
        fetch.stdout
    );

    let all = search_json(&workspace, &["", "--limit", "50"]).await;
    assert_eq!(all["total"], 15, "page 3 is beyond max_pages");
    for result in all["results"].as_array().unwrap() {
        let url = result["url"].as_str().unwrap_or_default();
        assert!(
            url.starts_with("https://www.frontline-childrens-news.example/"),
            "canonical URL preferred: {url}"
        );
        assert!(!url.contains("utm_") && !url.contains('#'), "{url}");
    }

    let st_helens = search_json(&workspace, &["St Helens", "protection"]).await;
    let story = &st_helens["results"][0];
    assert!(
        story["title"]
            .as_str()
            .unwrap()
            .starts_with("St Helens keeps up strong practice"),
        "{story}"
    );
    assert_eq!(story["local_authorities"], serde_json::json!(["E08000013"]));
    assert_eq!(
        story["published"], "2024-07-12T00:00:00Z",
        "the listing's UK-order date 12/07/2024"
    );

    let trap = search_json(&workspace, &["volunteer", "reading", "mentors"]).await;
    assert_eq!(
        trap["results"][0]["local_authorities"],
        serde_json::json!(["E08000025"]),
        "Birmingham only: {}",
        trap["results"][0]
    );

    let undated = search_json(&workspace, &["Public Law Outline", "explainer"]).await;
    assert_eq!(
        undated["results"][0]["published"],
        serde_json::Value::Null,
        "no date is invented"
    );
    let listed = workspace.run(&["search", "Public Law Outline explainer"]).await;
    assert!(
        listed.stdout.contains("Undated · first seen"),
        "the terminal says so too: {}",
        listed.stdout
    );

    let page = search_json(&workspace, &["kinship", "hub", "Durham"]).await;
    let summary = page["results"][0]["summary"].as_str().unwrap();
    assert!(!summary.contains("[...]"), "{summary}");
    let text = workspace.run(&["search", "\"Make an Enquiry\"", "--json"]).await;
    let text: serde_json::Value = serde_json::from_str(&text.stdout).unwrap();
    assert_eq!(text["total"], 0, "site chrome is not part of any story");

    let again = workspace.run(&["fetch", "--all"]).await;
    assert!(again.stdout.contains("0 new"), "{}", again.stdout);
}

#[tokio::test(flavor = "multi_thread")]
async fn excerpt_only_feed_items_get_their_full_text_once() {
    let server = MockServer::start().await;
    let feed = format!(
        r#"<?xml version="1.0"?><rss version="2.0"><channel><title>Excerpts</title>
        <item><title>Bradford kinship carers get new allowance</title><link>{0}/story/1?utm_source=rss</link><guid>s1</guid>
        <description>Kinship carers in Bradford will receive a new weekly allowance [&#8230;]</description></item>
        <item><title>Whole story in the feed</title><link>{0}/story/2</link><guid>s2</guid>
        <description>{1}</description></item></channel></rss>"#,
        server.uri(),
        "A complete story that is long enough. ".repeat(30)
    );
    Mock::given(path("/feed"))
        .respond_with(ResponseTemplate::new(200).set_body_raw(feed, "application/rss+xml"))
        .mount(&server)
        .await;
    let page = "<html><head><title>x</title></head><body><nav>Menu Subscribe</nav><article><h1>Bradford kinship carers get new allowance</h1><p>Kinship carers in Bradford will receive a new weekly allowance matching the fostering rate from April, the council said.</p><p>The change follows a campaign by grandparents who said they could not afford to keep caring for their grandchildren without help from the council.</p><p>About 400 households are expected to benefit, at a cost the council put at 2.1 million pounds a year, met from its children's services budget.</p></article><footer>Cookies</footer></body></html>";
    Mock::given(path("/story/1"))
        .respond_with(ResponseTemplate::new(200).set_body_raw(page, "text/html"))
        .mount(&server)
        .await;
    let workspace = Workspace::new(&[]);
    let config = std::fs::read_to_string(workspace.config()).unwrap()
        + &format!(
            "\n[[sources]]\nid = \"excerpts\"\nname = \"Excerpts\"\nurl = \"{}/feed\"\nfull_text = true\n",
            server.uri()
        );
    std::fs::write(workspace.config(), config).unwrap();

    assert!(workspace.run(&["fetch"]).await.status.success());
    let found = search_json(&workspace, &["grandparents", "campaign"]).await;
    assert_eq!(found["total"], 1, "the page's text is indexed: {found}");
    assert_eq!(
        found["results"][0]["url"],
        format!("{}/story/1", server.uri()),
        "tracking stripped"
    );
    assert!(workspace.run(&["fetch", "--all"]).await.status.success());
    let story_requests = server
        .received_requests()
        .await
        .unwrap()
        .iter()
        .filter(|r| r.url.path() == "/story/1")
        .count();
    assert_eq!(story_requests, 1, "a completed story's page is not fetched again");
    let requests_for_2 = server
        .received_requests()
        .await
        .unwrap()
        .iter()
        .filter(|r| r.url.path() == "/story/2")
        .count();
    assert_eq!(requests_for_2, 0, "a full item needs no page");
}

#[tokio::test(flavor = "multi_thread")]
async fn one_event_from_two_outlets_is_shown_once() {
    let workspace = Workspace::new(&[(
        "practice-news",
        format!("file://{}", repo_path("demo/feeds/practice-news.rss").display()),
    )]);
    let listing = repo_path("demo/site/news/index.html");
    let config = std::fs::read_to_string(workspace.config()).unwrap()
        + &format!(
            "\n[[sources]]\nid = \"frontline\"\nname = \"Frontline\"\nkind = \"html\"\nurl = \"file://{}\"\n{FRONTLINE_SELECTORS}",
            listing.display()
        );
    std::fs::write(workspace.config(), config).unwrap();
    assert!(workspace.run(&["fetch"]).await.status.success());
    let server = workspace.serve().await;
    let (_, page) = server.get_text("/search?q=St+Helens+protection+plans").await;
    assert!(
        page.contains("Also reported by"),
        "the two reports are linked: {page}"
    );
    let frontline_story = page
        .split("href=\"/articles/")
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .unwrap();
    let (_, article) = server.get_text(&format!("/articles/{frontline_story}")).await;
    assert!(article.contains("Also reported by"), "{article}");
    assert!(server.stop().await.success());
    // Fetching everything again keeps the groups as they were.
    assert!(workspace.run(&["fetch", "--all"]).await.status.success());
    let listed = workspace
        .run(&["search", "St Helens protection plans"])
        .await
        .stdout;
    let entries = listed.matches("Ofsted focused visit finds St Helens").count()
        + listed.matches("St Helens keeps up strong practice").count();
    assert_eq!(
        entries, 1,
        "one entry for the story in the terminal too: {listed}"
    );
    assert!(listed.contains("Also reported by"), "{listed}");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_story_page_that_failed_is_read_later_though_its_listing_is_unchanged() {
    use wiremock::matchers::header;

    let server = MockServer::start().await;
    let story = |n: u32| {
        format!(
            "<article class=\"news-item\"><h2 class=\"news-title\"><a href=\"{}/story/{n}\">Story {n} about fostering in Leeds</a></h2>\
             <span class=\"news-date\">0{n} July 2024</span><p class=\"news-teaser\">Teaser {n}.</p></article>",
            server.uri()
        )
    };
    let listing = format!("<html><body>{}{}</body></html>", story(1), story(2));
    Mock::given(path("/news"))
        .and(header("If-None-Match", "\"l1\""))
        .respond_with(ResponseTemplate::new(304).insert_header("ETag", "\"l1\""))
        .with_priority(1)
        .mount(&server)
        .await;
    Mock::given(path("/news"))
        .respond_with(
            ResponseTemplate::new(200)
                .insert_header("ETag", "\"l1\"")
                .set_body_raw(listing, "text/html"),
        )
        .mount(&server)
        .await;
    Mock::given(path("/story/1"))
        .respond_with(ResponseTemplate::new(500))
        .up_to_n_times(1)
        .with_priority(1)
        .mount(&server)
        .await;
    let page = |n: u32| {
        format!(
            "<html><body><div class=\"entry-content\"><p>Full text of story {n}: the council's fostering \
             recruitment drive found forty new carers for teenagers this spring.</p></div></body></html>"
        )
    };
    for n in [1, 2] {
        Mock::given(path(format!("/story/{n}")))
            .respond_with(ResponseTemplate::new(200).set_body_raw(page(n), "text/html"))
            .mount(&server)
            .await;
    }
    let workspace = Workspace::new(&[]);
    let config = std::fs::read_to_string(workspace.config()).unwrap()
        + &format!(
            "\n[[sources]]\nid = \"scraped\"\nname = \"Scraped\"\nkind = \"html\"\nurl = \"{}/news\"\n{}",
            server.uri(),
            FRONTLINE_SELECTORS.replace("next_page = \"a.next-page\"\n", "")
        );
    std::fs::write(workspace.config(), config).unwrap();

    let first = workspace.run(&["fetch", "--all"]).await;
    assert!(first.stdout.contains("2 new"), "{first:?}");
    let sources = workspace.sources().await;
    assert_eq!(
        sources["scraped"]["publications_failing"], 1,
        "{}",
        sources["scraped"]
    );
    let found = search_json(&workspace, &["\"Full text of story\""]).await;
    assert_eq!(
        found["total"], 1,
        "story 1 is kept with its teaser meanwhile: {found}"
    );

    assert!(
        workspace
            .run(&["sources", "refresh", "scraped"])
            .await
            .status
            .success()
    );
    let retry = workspace.run(&["fetch", "--all"]).await;
    assert!(
        retry.stdout.contains("1 changed") && retry.stdout.contains("1 not modified"),
        "the listing answers 304 and story 1 is read: {}",
        retry.stdout
    );
    let found = search_json(&workspace, &["\"Full text of story\""]).await;
    assert_eq!(found["total"], 2, "{found}");
    assert_eq!(workspace.sources().await["scraped"]["publications_failing"], 0);

    assert!(workspace.run(&["fetch", "--all"]).await.status.success());
    let requests = server.received_requests().await.unwrap();
    let hits = |wanted: &str| requests.iter().filter(|r| r.url.path() == wanted).count();
    assert_eq!(
        (hits("/story/1"), hits("/story/2")),
        (2, 1),
        "stored stories are not fetched again"
    );
}
