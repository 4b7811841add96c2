//! What csfeed hands on is safe: text that merely shows markup never becomes markup in a
//! feed reader, a page or an email.

use crate::helpers::Workspace;

/// A feed whose story text shows an `<img onerror>` tag as characters (escaped in the
/// source's HTML), about St Helens so that it reaches the council's feed too.
const ESCAPED_MARKUP_FEED: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0">
  <channel>
    <title>Markup Watch (fictional)</title>
    <link>https://markup.example/</link>
    <description>Fictional news that quotes markup.</description>
    <item>
      <title>St Helens web form quoted markup in its letter</title>
      <link>https://markup.example/st-helens-letter</link>
      <guid>https://markup.example/st-helens-letter</guid>
      <pubDate>Mon, 10 Mar 2025 09:00:00 GMT</pubDate>
      <description><![CDATA[<p>St Helens children's services quoted &lt;img src=x onerror=alert(1)&gt; in a letter to families.</p>]]></description>
    </item>
  </channel>
</rss>
"#;

#[tokio::test(flavor = "multi_thread")]
async fn text_that_shows_markup_stays_text_in_every_feed_and_page() {
    let dir = tempfile::tempdir().unwrap();
    let feed = dir.path().join("markup.rss");
    std::fs::write(&feed, ESCAPED_MARKUP_FEED).unwrap();
    let workspace = Workspace::new(&[("markup", format!("file://{}", feed.display()))]);
    let fetch = workspace.run(&["fetch"]).await;
    assert!(fetch.status.success(), "{fetch:?}");
    let server = workspace.serve().await;

    for path in ["/feed.rss", "/search.rss?q=onerror", "/la/st-helens/feed.rss"] {
        let (status, body) = server.get_text(path).await;
        assert_eq!(status, 200, "{path}");
        let feed = feed_rs::parser::parse(body.as_bytes()).expect("our RSS parses");
        let entry = feed
            .entries
            .first()
            .unwrap_or_else(|| panic!("{path} has the story: {body}"));
        // What a reader gets once the XML is decoded: HTML in which the tag is text.
        let description = &entry.summary.as_ref().expect("a description").content;
        assert!(
            description.contains("&lt;img src=x onerror=alert(1)&gt;"),
            "{path}: {description}"
        );
        assert!(!description.contains("<img"), "{path}: {description}");
    }
    // Atom and JSON Feed carry the summary as plain text, which readers do not parse.
    let (_, atom) = server.get_text("/search.atom?q=onerror").await;
    assert!(
        atom.contains("<summary>St Helens") && !atom.contains("type=\"html\""),
        "a text summary (Atom's default type): {atom}"
    );
    let (_, json) = server.get_text("/search.json?q=onerror").await;
    let json: serde_json::Value = serde_json::from_str(&json).unwrap();
    let item = &json["items"][0];
    assert!(item.get("content_html").is_none(), "{item}");
    assert!(
        item["content_text"]
            .as_str()
            .unwrap_or_default()
            .contains("<img src=x"),
        "plain text, escaped once by JSON only: {item}"
    );
    // The pages show it as text.
    let (_, page) = server.get_text("/search?q=onerror").await;
    assert!(
        page.contains("&lt;img src=x") && !page.contains("<img src=x"),
        "{page}"
    );
    assert!(server.stop().await.success());
}

#[tokio::test(flavor = "multi_thread")]
async fn text_that_shows_markup_stays_text_in_the_digest_email() {
    let dir = tempfile::tempdir().unwrap();
    let feed = dir.path().join("markup.rss");
    // A digest carries news of its window only: date the story today.
    let today = chrono::Utc::now().to_rfc2822();
    std::fs::write(
        &feed,
        ESCAPED_MARKUP_FEED.replace("Mon, 10 Mar 2025 09:00:00 GMT", &today),
    )
    .unwrap();
    let workspace = Workspace::new(&[("markup", format!("file://{}", feed.display()))]);
    let mut config = std::fs::read_to_string(workspace.config()).unwrap();
    config.push_str("\n[server]\npublic_url = \"http://csfeed.test/\"\n");
    std::fs::write(workspace.config(), config).unwrap();
    let added = workspace
        .run(&[
            "subscribers",
            "add",
            "dana@example.org",
            "--follow",
            "onerror",
            "--confirmed",
        ])
        .await;
    assert!(added.status.success(), "{added:?}");
    // The story must be new after the subscription, and windows end a second back.
    tokio::time::sleep(std::time::Duration::from_millis(1_100)).await;
    assert!(workspace.run(&["fetch"]).await.status.success());
    tokio::time::sleep(std::time::Duration::from_millis(1_100)).await;
    let digest = workspace.run(&["digest", "--frequency", "daily"]).await;
    assert!(digest.stdout.contains("sent 1"), "{digest:?}");

    let outbox = workspace.dir.path().join("data/outbox");
    let email = std::fs::read_dir(&outbox)
        .unwrap()
        .filter_map(Result::ok)
        .map(|entry| std::fs::read(entry.path()).unwrap())
        .find(|raw| String::from_utf8_lossy(raw).contains("dana@example.org"))
        .expect("the digest is in the outbox");
    let message = mail_parser::MessageParser::default()
        .parse(&email[..])
        .expect("a parsable message");
    let html = message.body_html(0).expect("an HTML part");
    // Escaped once, as askama writes it (`&#60;` is `&lt;`), and never a live tag.
    assert!(html.contains("&#60;img src=x onerror=alert(1)&#62;"), "{html}");
    assert!(!html.contains("<img"), "{html}");
}
