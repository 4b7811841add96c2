//! Property tests: whatever bytes a server sends and whatever a date looks like, ingestion
//! answers with a value or an error, never a panic, and what it stores is sanitized.

use chrono::{TimeZone, Utc};
use csfeed_core::SourceId;
use csfeed_ingest::{html_to_text, parse_date, parse_feed, sanitize_html};
use proptest::prelude::*;

/// Feed-like documents: fragments of RSS/Atom/JSON Feed with random text in between.
fn feedish() -> impl Strategy<Value = String> {
    let pieces = prop::sample::select(vec![
        "<?xml version=\"1.0\"?>",
        "<rss version=\"2.0\">",
        "<channel>",
        "<item>",
        "<title>",
        "</title>",
        "<link>",
        "</link>",
        "<pubDate>",
        "</pubDate>",
        "</item>",
        "</channel>",
        "</rss>",
        "<feed xmlns=\"http://www.w3.org/2005/Atom\">",
        "<entry>",
        "</entry>",
        "</feed>",
        "<![CDATA[",
        "]]>",
        "&amp;",
        "&nbsp;",
        "&#x0;",
        "<script>alert(1)</script>",
        "{\"version\":\"https://jsonfeed.org/version/1.1\",\"items\":[{\"id\":\"1\",\"title\":\"x\"}]}",
        "<description>&lt;img src=x onerror=alert(1)&gt;</description>",
        "\u{feff}",
        "\u{0}",
    ]);
    prop::collection::vec(
        prop_oneof![pieces.prop_map(str::to_owned), "[ -~\\u{a0}-\\u{2fff}]{0,12}"],
        0..40,
    )
    .prop_map(|parts| parts.concat())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: std::env::var("PROPTEST_CASES").ok().and_then(|cases| cases.parse().ok()).unwrap_or(400), ..ProptestConfig::default() })]

    #[test]
    fn any_bytes_parse_or_fail_cleanly(bytes in prop::collection::vec(any::<u8>(), 0..2_000)) {
        let source = SourceId::parse("prop").unwrap();
        let _ = parse_feed(&source, &bytes, None, None);
        let _ = parse_feed(&source, &bytes, Some("application/rss+xml; charset=iso-8859-1"), None);
    }

    #[test]
    fn feed_like_documents_give_sanitized_articles(document in feedish()) {
        let source = SourceId::parse("prop").unwrap();
        if let Ok(parsed) = parse_feed(&source, document.as_bytes(), Some("application/xml"), None) {
            for article in parsed.articles {
                let html = article.content_html.to_lowercase();
                prop_assert!(!html.contains("<script"), "{html}");
                prop_assert!(!html.contains("onerror"), "{html}");
            }
        }
    }

    #[test]
    fn dates_parse_or_are_left_unknown(raw in "\\PC{0,40}", format in prop::option::of("[%a-zA-Z/ :-]{0,12}")) {
        let now = Utc.with_ymd_and_hms(2026, 11, 25, 9, 0, 0).unwrap();
        let _ = parse_date(&raw, format.as_deref(), now);
    }

    #[test]
    fn sanitizing_is_safe_and_stable(html in "\\PC{0,200}") {
        let once = sanitize_html(&html, None);
        prop_assert!(!once.to_lowercase().contains("<script"));
        prop_assert_eq!(sanitize_html(&once, None), once.clone());
        let _ = html_to_text(&once);
    }
}
