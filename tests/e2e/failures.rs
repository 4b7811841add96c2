//! Bad sources fail alone, with a one-line reason, and lose nothing.

use wiremock::matchers::path;
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::helpers::{Workspace, closed_port, demo_feed};

const VALID: &str = "<?xml version=\"1.0\"?><rss version=\"2.0\"><channel><title>Flaky</title>\
    <item><title>Kept story about Derby kinship carers</title><link>https://flaky.example/1</link>\
    <guid>flaky-1</guid><pubDate>Mon, 01 Jul 2024 09:00:00 +0000</pubDate></item></channel></rss>";

#[tokio::test(flavor = "multi_thread")]
async fn each_broken_source_fails_alone_and_stored_stories_are_kept() {
    let server = MockServer::start().await;
    Mock::given(path("/good.rss"))
        .respond_with(
            ResponseTemplate::new(200).set_body_raw(demo_feed("practice-news.rss"), "application/rss+xml"),
        )
        .mount(&server)
        .await;
    Mock::given(path("/malformed.xml"))
        .respond_with(ResponseTemplate::new(200).set_body_raw(
            "<rss version=\"2.0\"><channel><item><title>cut",
            "application/rss+xml",
        ))
        .mount(&server)
        .await;
    Mock::given(path("/missing.xml"))
        .respond_with(ResponseTemplate::new(404))
        .mount(&server)
        .await;
    // Valid once, then malformed: the stored story must survive the bad fetch.
    Mock::given(path("/flaky.xml"))
        .respond_with(ResponseTemplate::new(200).set_body_raw(VALID, "application/rss+xml"))
        .up_to_n_times(1)
        .mount(&server)
        .await;
    Mock::given(path("/flaky.xml"))
        .respond_with(
            ResponseTemplate::new(200).set_body_raw("<html><body>Maintenance</body></html>", "text/html"),
        )
        .mount(&server)
        .await;
    let workspace = Workspace::new(&[
        ("good", format!("{}/good.rss", server.uri())),
        ("malformed", format!("{}/malformed.xml", server.uri())),
        ("missing", format!("{}/missing.xml", server.uri())),
        ("refused", format!("http://127.0.0.1:{}/feed.xml", closed_port())),
        ("flaky", format!("{}/flaky.xml", server.uri())),
    ]);

    let fetch = workspace.run(&["fetch"]).await;
    assert_eq!(
        fetch.status.code(),
        Some(1),
        "a failed source makes fetch exit 1: {fetch:?}"
    );
    assert!(fetch.stdout.contains("5 sources"), "{}", fetch.stdout);
    assert!(fetch.stdout.contains("31 new"), "{}", fetch.stdout);
    assert!(fetch.stdout.contains("3 failed"), "{}", fetch.stdout);
    for (id, reason) in [
        ("malformed", "not a valid RSS, Atom or JSON feed"),
        ("missing", "HTTP 404 Not Found"),
        ("refused", "connection failed"),
    ] {
        let line = fetch
            .stderr
            .lines()
            .find(|line| line.starts_with(&format!("{id}: ")))
            .unwrap_or_else(|| panic!("no error line for {id} in {}", fetch.stderr));
        assert!(line.contains(reason), "{line}");
    }

    let refetch = workspace.run(&["fetch", "--source", "flaky"]).await;
    assert_eq!(refetch.status.code(), Some(1));
    assert!(
        refetch.stderr.contains("flaky: this is an HTML page, not a feed"),
        "{}",
        refetch.stderr
    );

    let server = workspace.serve().await;
    let health = server.health().await;
    assert_eq!(health["articles"], 31, "nothing stored was lost: {health}");
    assert_eq!(health["failing_sources"], 4, "{health}");
    let (status, page) = server.get_text("/sources").await;
    assert_eq!(status, 200);
    for id in ["malformed", "missing", "refused", "flaky"] {
        let row = page
            .split(&format!("id=\"source-{id}\""))
            .nth(1)
            .expect("a row per source");
        let row = row.split("</tr>").next().unwrap_or_default();
        assert!(row.contains("failing"), "{id} row: {row}");
    }
    let good_row = page
        .split("id=\"source-good\"")
        .nth(1)
        .unwrap()
        .split("</tr>")
        .next()
        .unwrap();
    assert!(good_row.contains("status-good"), "{good_row}");
    let (_, results) = server.get_text("/search?q=Derby+kinship").await;
    assert!(results.contains("Kept story about"), "{results}");
    assert!(server.stop().await.success());
}

#[tokio::test(flavor = "multi_thread")]
async fn bad_configuration_is_a_clear_error() {
    let workspace = Workspace::new(&[("ok", "https://news.example/feed".into())]);
    std::fs::write(workspace.config(), "[fetch]\nconcurency = 3\n").unwrap();
    let output = workspace.run(&["fetch"]).await;
    assert_eq!(output.status.code(), Some(1));
    assert!(
        output.stderr.contains("concurency"),
        "names the unknown key: {}",
        output.stderr
    );
    assert_eq!(
        output.stderr.trim().lines().count(),
        1,
        "one line: {}",
        output.stderr
    );

    std::fs::write(
        workspace.config(),
        "[[sources]]\nid = \"Bad Id\"\nname = \"x\"\nurl = \"https://x.example/\"\n",
    )
    .unwrap();
    let output = workspace.run(&["fetch"]).await;
    assert_eq!(output.status.code(), Some(1));
    assert!(output.stderr.contains("lowercase letters"), "{}", output.stderr);

    let missing = crate::helpers::run_csfeed(&[
        "fetch".into(),
        "--config".into(),
        "/nonexistent/csfeed.toml".into(),
    ])
    .await;
    assert_eq!(missing.status.code(), Some(1));
    assert!(missing.stderr.contains("does not exist"), "{}", missing.stderr);
}
