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
        // The dialects the normalising pass rewrites (issue 16).
        "<rss>",
        "<rss version=\"0.94\" xmlns=\"http://backend.userland.com/rss2\">",
        "<r:rss version=\"2.0\" xmlns:r=\"http://backend.userland.com/rss2\">",
        "<rdf:RDF xmlns:rdf=\"http://www.w3.org/1999/02/22-rdf-syntax-ns#\" xmlns=\"http://my.netscape.com/rdf/simple/0.9/\">",
        "<rdf:RDF xmlns:rdf=\"http://www.w3.org/1999/02/22-rdf-syntax-ns#\" xmlns=\"http://purl.org/rss/1.0/\">",
        "</rdf:RDF>",
        "<item rdf:about=\"https://news.example/a\">",
        "<feed version=\"0.3\" xmlns=\"http://purl.org/atom/ns#\">",
        "<content type=\"text/html\" mode=\"escaped\">",
        "</content>",
        "<modified>",
        "</modified>",
        "<title type=\"application/octet-stream\">",
        "<dc:title xmlns:dc=\"http://purl.org/dc/elements/1.1/\">",
        "</dc:title>",
        "<description>",
        "</description>",
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
    fn utf16_and_utf32_without_a_bom_read_as_utf8_does(document in feedish()) {
        // Every document gets a prolog: the byte order is recognised from its first characters.
        let document = format!("<?xml version=\"1.0\"?>{document}");
        let source = SourceId::parse("prop").unwrap();
        let summary = |bytes: &[u8]| {
            parse_feed(&source, bytes, None, None)
                .map(|feed| (feed.title, feed.articles.into_iter().map(|article| article.title).collect::<Vec<_>>()))
                .map_err(|error| error.to_string())
        };
        let utf8 = summary(document.as_bytes());
        let utf16le: Vec<u8> = document.encode_utf16().flat_map(u16::to_le_bytes).collect();
        let utf32be: Vec<u8> = document.chars().flat_map(|c| u32::from(c).to_be_bytes()).collect();
        prop_assert_eq!(&summary(&utf16le), &utf8);
        prop_assert_eq!(&summary(&utf32be), &utf8);
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
