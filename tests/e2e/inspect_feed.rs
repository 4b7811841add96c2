//! `csfeed inspect-feed` on every fixture: JSON or a clean one-line error, never a hang.

use crate::helpers::{repo_path, run_csfeed};

#[tokio::test(flavor = "multi_thread")]
async fn every_fixture_gives_json_or_a_one_line_error() {
    let manifest = std::fs::read_to_string(repo_path("tests/fixtures/feeds/MANIFEST.tsv")).unwrap();
    let mut checked = 0;
    for line in manifest.lines().skip(1).filter(|line| !line.trim().is_empty()) {
        let columns: Vec<&str> = line.split('\t').collect();
        let (file, expect) = (columns[0], columns[1]);
        let path = repo_path(&format!("tests/fixtures/feeds/{file}"));
        let output = run_csfeed(&["inspect-feed".into(), path.display().to_string()]).await;
        assert!(
            !output.stderr.contains("panicked"),
            "{file} panicked: {}",
            output.stderr
        );
        assert!(
            !output.stdout.contains("lollollol") && !output.stdout.contains("root:x:0"),
            "{file} expanded an entity"
        );
        if output.status.success() {
            assert_ne!(expect, "error", "{file} should have been rejected");
            let json: serde_json::Value =
                serde_json::from_str(&output.stdout).unwrap_or_else(|e| panic!("{file}: {e}"));
            let items = json["items"]
                .as_array()
                .unwrap_or_else(|| panic!("{file}: no items array"));
            let expected_items: usize = columns[2].parse().unwrap();
            assert_eq!(items.len(), expected_items, "{file}");
            let title = columns[3];
            assert!(
                items.iter().any(|item| item["title"] == title),
                "{file}: no item titled {title:?}"
            );
            for item in items {
                for key in ["title", "url", "published", "summary", "authors"] {
                    assert!(item.get(key).is_some(), "{file}: item without {key}");
                }
            }
            assert!(json["feed"].get("title").is_some(), "{file}: no feed.title");
        } else {
            assert_ne!(expect, "ok", "{file} failed: {}", output.stderr);
            assert_eq!(output.status.code(), Some(1), "{file}");
            assert!(output.stdout.is_empty(), "{file} printed to stdout on error");
            let stderr = output.stderr.trim_end();
            assert_eq!(
                stderr.lines().count(),
                1,
                "{file}: error is not one line: {stderr}"
            );
            assert!(stderr.starts_with("error: "), "{file}: {stderr}");
        }
        checked += 1;
    }
    assert!(checked >= 20, "only {checked} fixtures checked");
}

#[tokio::test(flavor = "multi_thread")]
async fn known_shapes_are_normalised() {
    async fn run(file: &str) -> crate::helpers::Output {
        let path = repo_path(&format!("tests/fixtures/feeds/{file}"));
        run_csfeed(&["inspect-feed".into(), path.display().to_string()]).await
    }
    let html = run("html-page.html").await;
    assert!(
        html.stderr.contains("HTML page, not a feed")
            && html.stderr.contains("https://www.sectorwatch.example/feed/"),
        "{}",
        html.stderr
    );

    let latin = run("rss2-latin1.xml").await;
    assert!(
        latin.stdout.contains("£5,800"),
        "Latin-1 is decoded: {}",
        latin.stdout
    );

    let wordpress: serde_json::Value = serde_json::from_str(&run("rss2-wordpress.xml").await.stdout).unwrap();
    let first = &wordpress["items"][0];
    assert!(
        first["published"].as_str().unwrap().ends_with('Z'),
        "dates are UTC RFC 3339: {first}"
    );
    assert!(
        !first["authors"].as_array().unwrap().is_empty(),
        "dc:creator becomes an author: {first}"
    );

    let missing = run_csfeed(&["inspect-feed".into(), "/nonexistent/feed.xml".into()]).await;
    assert_eq!(missing.status.code(), Some(1));
    assert!(missing.stderr.contains("is not a file"), "{}", missing.stderr);
}

/// The dialects feed-rs alone could not read (issue 16) show their format, title and items,
/// and a document whose items cannot be read is an error, never an empty success.
#[tokio::test(flavor = "multi_thread")]
async fn older_dialects_show_their_format_title_and_items() {
    async fn inspect(file: &str) -> crate::helpers::Output {
        let path = repo_path(&format!("tests/fixtures/feeds/conformance/{file}"));
        run_csfeed(&["inspect-feed".into(), path.display().to_string()]).await
    }
    let atom03 = inspect("feedparser-atom-entry_title.xml").await;
    assert!(atom03.status.success(), "{}", atom03.stderr);
    let atom03: serde_json::Value = serde_json::from_str(&atom03.stdout).unwrap();
    assert_eq!(atom03["feed"]["format"], "Atom 0.3");
    assert_eq!(atom03["items"][0]["title"], "Example Atom");

    let userland: serde_json::Value = serde_json::from_str(
        &inspect("feedparser-namespace-rss2.0NSwithModules.xml")
            .await
            .stdout,
    )
    .unwrap();
    assert_eq!(userland["feed"]["title"], "RSS Tests - RSS2.0 w/ NS");
    assert_eq!(userland["items"].as_array().map(Vec::len), Some(1));

    let unreadable = inspect("csfeed-rss2-unreadable-items.xml").await;
    assert_eq!(unreadable.status.code(), Some(1));
    assert!(
        unreadable
            .stderr
            .contains("the RSS 2.0 feed has 2 items but none could be read"),
        "{}",
        unreadable.stderr
    );
}
