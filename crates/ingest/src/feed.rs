//! Feeds (RSS 0.9x/1.0/2.0, Atom, JSON Feed) to articles, through feed-rs.

use csfeed_core::{Article, SourceId};
use feed_rs::model::{Entry, FeedType, Text};
use feed_rs::parser::{ParseErrorKind, ParseFeedError};
use scraper::{Html, Selector};
use serde::Serialize;
use url::Url;

use crate::IngestError;
use crate::article::Draft;
use crate::html::{collapse_whitespace, html_to_text, sanitize_html};
use crate::normalise::{Dialect, NO_LINK, normalise};

/// A parsed feed: its title and its items as normalised articles, in document order.
#[derive(Debug, Clone, Serialize)]
pub struct ParsedFeed {
    /// The feed's own title, when it has one.
    pub title: Option<String>,
    /// One article per usable item (items with neither title, link, id nor text are dropped).
    pub articles: Vec<Article>,
    /// The format the document declares, as written: "RSS 2.0", "RSS 0.93", "RSS 1.0",
    /// "Atom 0.3", "Atom 1.0", "JSON Feed"…
    pub format: String,
}

/// Parses one feed document fetched from `location` (served with `content_type`, when it
/// came over HTTP) into articles belonging to `source`.
///
/// Tolerates what real servers send: any declared or mislabelled charset (decoded to
/// UTF-8 first), a byte-order mark or blank lines before the XML prolog, and control
/// characters that XML forbids. Entities are never expanded from a DTD, so
/// entity-expansion attacks stay inert.
pub fn parse_feed(
    source: &SourceId,
    bytes: &[u8],
    content_type: Option<&str>,
    location: Option<&Url>,
) -> Result<ParsedFeed, IngestError> {
    let cleaned = clean_document(&csfeed_fetch::decode_text(bytes, content_type));
    if cleaned.is_empty() {
        return Err(IngestError::Empty);
    }
    if looks_like_html(&cleaned) {
        return Err(IngestError::HtmlPage {
            feed_link: advertised_feed(&cleaned, location),
        });
    }
    let parser = feed_rs::parser::Builder::new()
        .base_uri(location.map(Url::as_str))
        .id_generator(|links, title, _| stable_fallback_key(links, title))
        .sanitize_content(false)
        .build();
    let normalised = normalise(cleaned);
    let feed = parser
        .parse(normalised.document.as_slice())
        .map_err(|error| not_a_feed(&error, normalised.dialect.as_ref()))?;
    let format = normalised
        .dialect
        .as_ref()
        .map_or_else(|| describe_feed_type(&feed.feed_type), Dialect::describe);
    let articles: Vec<Article> = feed
        .entries
        .into_iter()
        .filter_map(|entry| to_article(source, entry, location))
        .collect();
    // A document with items that yields none must say so: stored as a success it would
    // look like a quiet feed.
    if articles.is_empty() && normalised.items > 0 {
        return Err(IngestError::NoReadableItems {
            items: normalised.items,
            format,
        });
    }
    let title = feed
        .title
        .map(|title| text_to_plain(&title))
        .filter(|title| !title.is_empty())
        .or_else(|| {
            normalised
                .channel_dc_title
                .map(|title| collapse_whitespace(&html_to_text(&title)))
        })
        .filter(|title| !title.is_empty());
    Ok(ParsedFeed {
        title,
        articles,
        format,
    })
}

/// feed-rs's error, with its misleading "no root element" explained.
fn not_a_feed(error: &feed_rs::parser::ParseFeedError, dialect: Option<&Dialect>) -> IngestError {
    let message = match (error, dialect) {
        (ParseFeedError::ParseError(ParseErrorKind::NoFeedRoot), Some(Dialect::Other(root))) => {
            format!("the root element is <{root}>, not <rss>, <rdf:RDF> or <feed>")
        }
        (ParseFeedError::ParseError(ParseErrorKind::NoFeedRoot), Some(Dialect::Rss(_))) => {
            "an <rss> element with no <channel> and no items".to_owned()
        }
        _ => error.to_string(),
    };
    IngestError::NotAFeed(one_line(&message))
}

fn describe_feed_type(feed_type: &FeedType) -> String {
    match feed_type {
        FeedType::Atom => "Atom 1.0",
        FeedType::JSON => "JSON Feed",
        FeedType::RSS0 => "RSS 0.9x",
        FeedType::RSS1 => "RSS 1.0",
        FeedType::RSS2 => "RSS 2.0",
    }
    .to_owned()
}

/// feed-rs falls back to a random UUID for items without an id; ours must be stable, so
/// use the link, then the title, and leave it empty (item dropped) when there is neither.
fn stable_fallback_key(links: &[feed_rs::model::Link], title: &Option<Text>) -> String {
    if let Some(link) = links.iter().find(|link| link.href != NO_LINK) {
        return link.href.clone();
    }
    match title {
        Some(title) if !title.content.trim().is_empty() => format!("title:{}", title.content.trim()),
        _ => String::new(),
    }
}

fn to_article(source: &SourceId, entry: Entry, location: Option<&Url>) -> Option<Article> {
    let guid = match entry.id.trim() {
        "" => text_key(&entry)?,
        id => id.to_owned(),
    };
    let url = entry
        .links
        .iter()
        .find(|link| link.rel.as_deref().is_none_or(|rel| rel == "alternate"))
        .or(entry.links.first())
        .and_then(|link| resolve(&link.href, location));
    let base = url.as_ref().or(location);
    let content_html = entry
        .content
        .as_ref()
        .and_then(|content| content.body.as_deref())
        .filter(|body| !body.trim().is_empty())
        .map(|body| sanitize_html(body, base))
        .or_else(|| {
            entry
                .summary
                .as_ref()
                .map(|summary| text_to_safe_html(summary, base))
        })
        .unwrap_or_default();
    let content_text = html_to_text(&content_html);
    let summary = entry
        .summary
        .as_ref()
        .map(text_to_plain)
        .filter(|summary| !summary.is_empty())
        .unwrap_or_default();
    let authors = entry
        .authors
        .iter()
        .filter_map(|person| person.name.as_deref())
        .map(collapse_whitespace)
        .filter(|name| !name.is_empty())
        .collect();
    Some(
        Draft {
            source: source.clone(),
            key: guid,
            url,
            title: entry.title.as_ref().map(text_to_plain).unwrap_or_default(),
            published: entry.published,
            updated: entry.updated,
            authors,
            summary,
            content_html,
            content_text,
        }
        .finish(),
    )
}

/// The key of an item with no id, link or title: RSS 2.0 allows an item that is only a
/// `<description>`, and its text is then all that identifies it.
fn text_key(entry: &Entry) -> Option<String> {
    let text = entry
        .summary
        .as_ref()
        .map(text_to_plain)
        .filter(|text| !text.is_empty())
        .or_else(|| {
            let body = entry.content.as_ref()?.body.as_deref()?;
            Some(collapse_whitespace(&html_to_text(body))).filter(|text| !text.is_empty())
        })
        // Text that is all markup (`&lt;!' &lt;a href="x"&gt;`) still tells items apart.
        .or_else(|| {
            let raw = collapse_whitespace(&entry.summary.as_ref()?.content);
            Some(raw).filter(|raw| !raw.is_empty())
        })?;
    Some(format!(
        "text:{}",
        text.chars().take(TEXT_KEY_CHARS).collect::<String>()
    ))
}

/// Enough of an item's text to tell it from its neighbours, short enough for a key.
const TEXT_KEY_CHARS: usize = 200;

fn resolve(href: &str, location: Option<&Url>) -> Option<Url> {
    let absolute = match location {
        Some(base) => base.join(href.trim()).ok()?,
        None => Url::parse(href.trim()).ok()?,
    };
    matches!(absolute.scheme(), "http" | "https").then_some(absolute)
}

/// Plain text of a feed text construct, which may be HTML-typed ("&lt;b&gt;…").
fn text_to_plain(text: &Text) -> String {
    if text.content_type.subty() == "html" || text.content.contains('<') || text.content.contains('&') {
        collapse_whitespace(&html_to_text(&text.content))
    } else {
        collapse_whitespace(&text.content)
    }
}

fn text_to_safe_html(text: &Text, base: Option<&Url>) -> String {
    if text.content_type.subty() == "plain" && !text.content.contains('<') {
        let escaped = csfeed_core::escape_html(&text.content);
        format!("<p>{escaped}</p>")
    } else {
        sanitize_html(&text.content, base)
    }
}

/// Prepares decoded text for the XML parser: leading whitespace and a stray BOM go, as do
/// the characters XML 1.0 forbids (C0 controls, U+FFFE, U+FFFF); the prolog's `encoding`
/// is rewritten to UTF-8, since the text has already been decoded.
fn clean_document(text: &str) -> Vec<u8> {
    let text = text.trim_start_matches(|c: char| c.is_whitespace() || c == '\u{feff}');
    let mut cleaned: String = text
        .chars()
        .filter(|&c| !matches!(c, '\u{0}'..='\u{8}' | '\u{b}' | '\u{c}' | '\u{e}'..='\u{1f}' | '\u{fffe}' | '\u{ffff}'))
        .collect();
    if cleaned.starts_with("<?xml")
        && let Some(prolog_end) = cleaned.find("?>")
    {
        let prolog = &cleaned[..prolog_end];
        if let Some(start) = prolog.find("encoding") {
            let declaration_end = prolog[start..]
                .char_indices()
                .filter(|(_, c)| *c == '"' || *c == '\'')
                .nth(1)
                .map(|(index, _)| start + index + 1);
            if let Some(end) = declaration_end {
                cleaned.replace_range(start..end, "encoding=\"UTF-8\"");
            }
        }
    }
    cleaned.into_bytes()
}

fn looks_like_html(document: &[u8]) -> bool {
    let head: Vec<u8> = document.iter().take(512).map(u8::to_ascii_lowercase).collect();
    let head = String::from_utf8_lossy(&head);
    let head = head.trim_start_matches(|c: char| c != '<');
    head.starts_with("<!doctype html")
        || head.starts_with("<html")
        || (head.starts_with("<!--") && head.contains("<html"))
        || head.starts_with("<head")
        || head.starts_with("<body")
}

/// The first RSS/Atom/JSON feed a page advertises with `<link rel="alternate">`.
fn advertised_feed(document: &[u8], location: Option<&Url>) -> Option<String> {
    let page = Html::parse_document(&String::from_utf8_lossy(document));
    let selector = Selector::parse(r#"link[rel~="alternate"][href]"#).ok()?;
    page.select(&selector)
        .find(|link| {
            link.value().attr("type").is_some_and(|kind| {
                matches!(
                    kind.trim().to_ascii_lowercase().as_str(),
                    "application/rss+xml"
                        | "application/atom+xml"
                        | "application/feed+json"
                        | "application/json"
                )
            })
        })
        .and_then(|link| link.value().attr("href"))
        .map(|href| match location.and_then(|base| base.join(href).ok()) {
            Some(absolute) => absolute.to_string(),
            None => href.to_owned(),
        })
}

fn one_line(message: &str) -> String {
    collapse_whitespace(message)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn source() -> SourceId {
        SourceId::parse("test").unwrap()
    }

    const RSS: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0" xmlns:content="http://purl.org/rss/1.0/modules/content/" xmlns:dc="http://purl.org/dc/elements/1.1/">
<channel><title>Sector news</title><link>https://news.example/</link><description>d</description>
<item><title>Children&#8217;s services at St Helens improve</title><link>https://news.example/st-helens/</link>
<pubDate>Fri, 12 Jul 2024 09:30:00 +0000</pubDate><dc:creator><![CDATA[A Writer]]></dc:creator>
<guid isPermaLink="false">https://news.example/?p=1</guid>
<description><![CDATA[Short teaser [&#8230;]]]></description>
<content:encoded><![CDATA[<p>Full <b>text</b> <a href="/more">more</a></p><script>alert(1)</script>]]></content:encoded></item>
<item><title>No guid here</title><link>https://news.example/no-guid/</link></item>
<item><description>neither title nor link nor guid</description></item>
<item><category>nothing to show at all</category></item>
</channel></rss>"#;

    #[test]
    fn rss_items_are_normalised_and_sanitized() {
        let feed = parse_feed(&source(), RSS.as_bytes(), None, None).unwrap();
        assert_eq!(feed.title.as_deref(), Some("Sector news"));
        assert_eq!(
            feed.articles.len(),
            3,
            "only the item with nothing to show is dropped"
        );
        let first = &feed.articles[0];
        assert_eq!(first.title, "Children\u{2019}s services at St Helens improve");
        assert_eq!(first.guid, "https://news.example/?p=1");
        assert_eq!(
            first.url.as_ref().unwrap().as_str(),
            "https://news.example/st-helens/"
        );
        assert_eq!(first.authors, vec!["A Writer".to_owned()]);
        assert_eq!(first.published.unwrap().to_rfc3339(), "2024-07-12T09:30:00+00:00");
        assert!(
            first.content_html.contains(r#"href="https://news.example/more""#),
            "{}",
            first.content_html
        );
        assert!(!first.content_html.contains("script"));
        assert_eq!(first.content_text, "Full text more");
        assert_eq!(first.summary, "Short teaser [\u{2026}]");
        assert_eq!(feed.articles[1].guid, "https://news.example/no-guid/");
        assert_eq!(
            feed.articles[2].guid, "text:neither title nor link nor guid",
            "RSS 2.0 allows an item that is only a description"
        );
        assert_eq!(feed.format, "RSS 2.0");
    }

    #[test]
    fn a_document_whose_items_are_all_unreadable_fails_with_the_reason() {
        let document = br#"<rss version="2.0"><channel><title>T</title><item><category>c</category></item></channel></rss>"#;
        let error = parse_feed(&source(), document, None, None).unwrap_err();
        assert_eq!(
            error,
            IngestError::NoReadableItems {
                items: 1,
                format: "RSS 2.0".into()
            }
        );
        let empty = br#"<rss version="2.0"><channel><title>T</title></channel></rss>"#;
        assert!(
            parse_feed(&source(), empty, None, None)
                .unwrap()
                .articles
                .is_empty()
        );
    }

    #[test]
    fn other_root_elements_are_named_in_the_error() {
        let error = parse_feed(&source(), b"<opml><body/></opml>", None, None).unwrap_err();
        assert!(
            error.to_string().contains("the root element is <opml>"),
            "{error}"
        );
    }

    #[test]
    fn ids_are_stable_across_parses() {
        let once = parse_feed(&source(), RSS.as_bytes(), None, None).unwrap();
        let twice = parse_feed(&source(), RSS.as_bytes(), None, None).unwrap();
        let ids = |feed: &ParsedFeed| feed.articles.iter().map(|a| a.id.clone()).collect::<Vec<_>>();
        assert_eq!(ids(&once), ids(&twice));
    }

    #[test]
    fn bom_and_leading_blank_lines_are_tolerated() {
        let mut bytes = b"\xEF\xBB\xBF\n\n  ".to_vec();
        bytes.extend_from_slice(RSS.as_bytes());
        assert_eq!(
            parse_feed(&source(), &bytes, None, None).unwrap().articles.len(),
            3
        );
    }

    #[test]
    fn html_pages_point_to_their_feed() {
        let page = br#"<!DOCTYPE html><html><head><link rel="alternate" type="application/rss+xml" href="/feed/"></head><body>hi</body></html>"#;
        let base = Url::parse("https://news.example/news/").unwrap();
        let error = parse_feed(&source(), page, None, Some(&base)).unwrap_err();
        assert_eq!(
            error,
            IngestError::HtmlPage {
                feed_link: Some("https://news.example/feed/".into())
            }
        );
        assert!(error.to_string().contains("https://news.example/feed/"));
    }

    #[test]
    fn empty_and_garbage_are_clean_errors() {
        assert_eq!(
            parse_feed(&source(), b"  \n ", None, None).unwrap_err(),
            IngestError::Empty
        );
        let garbage: Vec<u8> = (0..4096u32)
            .map(|i| (i.wrapping_mul(2654435761) >> 13) as u8)
            .collect();
        let error = parse_feed(&source(), &garbage, None, None).unwrap_err();
        assert!(!error.to_string().contains('\n'));
    }

    #[test]
    fn declared_charsets_and_control_characters_are_handled() {
        let latin1 = b"<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?><rss version=\"2.0\"><channel><title>T</title><item><title>\xA35,800 in Cr\xE9ditville\x01\x0B</title><guid>g</guid></item></channel></rss>";
        let feed = parse_feed(&source(), latin1, None, None).unwrap();
        assert_eq!(feed.articles[0].title, "\u{a3}5,800 in Cr\u{e9}ditville");
        let mislabelled = parse_feed(
            &source(),
            latin1,
            Some("application/rss+xml; charset=utf-8"),
            None,
        )
        .unwrap();
        assert_eq!(mislabelled.articles[0].title, "\u{a3}5,800 in Cr\u{e9}ditville");
    }
}
