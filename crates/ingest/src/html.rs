//! HTML cleaning: sanitizing for display, flattening to text for indexing.

use std::borrow::Cow;

use ammonia::UrlRelative;
use scraper::{Html, Node};
use url::Url;

/// Elements after which a reader expects a line break in plain text.
const BLOCK_ELEMENTS: &[&str] = &[
    "p",
    "div",
    "br",
    "li",
    "ul",
    "ol",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "blockquote",
    "pre",
    "tr",
    "table",
    "section",
    "article",
    "header",
    "footer",
    "figure",
    "figcaption",
    "hr",
    "dd",
    "dt",
];

/// Sanitizes untrusted HTML so it is safe to store and render: scripts, event handlers,
/// `javascript:` URLs, iframes, forms and styles are removed; relative links and images are
/// made absolute against `base` when given; links get `rel="noopener noreferrer nofollow"`.
pub fn sanitize_html(untrusted: &str, base: Option<&Url>) -> String {
    let untrusted = defuse_deep_nesting(untrusted);
    let mut builder = ammonia::Builder::default();
    builder.link_rel(Some("noopener noreferrer nofollow"));
    builder.url_relative(match base {
        Some(base) => UrlRelative::RewriteWithBase(base.clone()),
        None => UrlRelative::Deny,
    });
    builder.clean(&untrusted).to_string()
}

/// Flattens HTML to plain text: entities decoded, one paragraph per line (blank line
/// between), whitespace inside a paragraph collapsed. Script and style contents are dropped.
pub fn html_to_text(html: &str) -> String {
    let fragment = Html::parse_fragment(&defuse_deep_nesting(html));
    let mut raw = String::with_capacity(html.len());
    for edge in fragment.root_element().traverse() {
        match edge {
            ego_tree::iter::Edge::Open(node) => match node.value() {
                Node::Text(text) => {
                    let inside_skipped = node.ancestors().any(|ancestor| {
                        ancestor
                            .value()
                            .as_element()
                            .is_some_and(|element| matches!(element.name(), "script" | "style"))
                    });
                    if !inside_skipped {
                        raw.push_str(text);
                    }
                }
                Node::Element(element) if element.name() == "br" => raw.push('\n'),
                _ => {}
            },
            ego_tree::iter::Edge::Close(node) => {
                if let Some(element) = node.value().as_element()
                    && BLOCK_ELEMENTS.contains(&element.name())
                {
                    raw.push('\n');
                }
            }
        }
    }
    raw.lines()
        .map(collapse_whitespace)
        .filter(|line| !line.is_empty())
        .collect::<Vec<_>>()
        .join("\n\n")
}

/// Deepest element nesting handed to the HTML parser. Real articles stay far below it;
/// hostile ones nest thousands deep, which makes tree building quadratic.
const MAX_NESTING: usize = 512;

/// Elements that never have a closing tag, so they do not nest.
const VOID_ELEMENTS: &[&str] = &[
    "area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "param", "source", "track",
    "wbr",
];

/// Returns `html` unchanged unless its tags nest deeper than [`MAX_NESTING`]; then only
/// its text is kept (tags dropped), so the parser's work stays linear in the input.
fn defuse_deep_nesting(html: &str) -> Cow<'_, str> {
    if max_nesting(html) <= MAX_NESTING {
        return Cow::Borrowed(html);
    }
    let mut text = String::with_capacity(html.len() / 2);
    let mut rest = html;
    while let Some(open) = rest.find('<') {
        text.push_str(&rest[..open]);
        text.push(' ');
        rest = rest[open..]
            .find('>')
            .map_or("", |close| &rest[open + close + 1..]);
    }
    text.push_str(rest);
    Cow::Owned(text.replace('<', "&lt;"))
}

/// A linear over-estimate of how deeply the tags of `html` nest (unclosed tags count as
/// open, which only errs towards defusing).
fn max_nesting(html: &str) -> usize {
    let (mut depth, mut deepest) = (0usize, 0usize);
    let mut rest = html;
    while let Some(open) = rest.find('<') {
        let tag = &rest[open + 1..];
        let end = tag.find('>').unwrap_or(tag.len());
        let inside = &tag[..end];
        rest = &tag[end..];
        if let Some(closing) = inside.strip_prefix('/') {
            if !closing.is_empty() {
                depth = depth.saturating_sub(1);
            }
            continue;
        }
        let name: String = inside
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric())
            .map(|c| c.to_ascii_lowercase())
            .collect();
        if name.is_empty() || inside.ends_with('/') || VOID_ELEMENTS.contains(&name.as_str()) {
            continue;
        }
        depth += 1;
        deepest = deepest.max(depth);
    }
    deepest
}

/// Collapses runs of whitespace (including non-breaking spaces) to single spaces and trims.
pub(crate) fn collapse_whitespace(text: &str) -> String {
    text.split(|c: char| c.is_whitespace() || c == '\u{a0}')
        .filter(|word| !word.is_empty())
        .collect::<Vec<_>>()
        .join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hostile_markup_is_removed() {
        let hostile = r#"<p onclick="x()">Hi<script>alert(1)</script></p><img src="x" onerror="alert(1)"><a href="javascript:alert(1)">j</a><iframe src="https://evil.example/"></iframe><svg onload="alert(1)"><circle/></svg>"#;
        let clean = sanitize_html(hostile, None);
        for bad in [
            "<script",
            "onerror",
            "onclick",
            "javascript:",
            "<iframe",
            "onload",
            "<svg",
        ] {
            assert!(!clean.contains(bad), "{bad} survived in {clean}");
        }
        assert!(clean.contains("<p>Hi</p>"), "{clean}");
    }

    #[test]
    fn relative_links_become_absolute() {
        let base = Url::parse("https://news.example/2024/07/story/").unwrap();
        let clean = sanitize_html(r#"<a href="../other/">o</a><img src="/i.png">"#, Some(&base));
        assert!(
            clean.contains(r#"href="https://news.example/2024/07/other/""#),
            "{clean}"
        );
        assert!(clean.contains(r#"src="https://news.example/i.png""#), "{clean}");
        assert!(clean.contains("noopener"), "{clean}");
    }

    #[test]
    fn deep_nesting_keeps_its_text_but_not_its_tags() {
        let deep = format!("{}secret text{}", "<div>".repeat(10_000), "</div>".repeat(10_000));
        assert_eq!(max_nesting(&deep), 10_000);
        assert_eq!(html_to_text(&deep), "secret text");
        assert_eq!(sanitize_html(&deep, None).trim(), "secret text");
        let normal = "<p>a <b>b</b><br><img src=x></p><ul><li>c</li></ul>";
        assert_eq!(max_nesting(normal), 2);
        assert!(matches!(defuse_deep_nesting(normal), Cow::Borrowed(_)));
    }

    #[test]
    fn text_keeps_paragraphs_and_decodes_entities() {
        let text = html_to_text(
            "<p>Children&#8217;s   services</p><ul><li>one</li><li>two&nbsp;more</li></ul><script>x()</script>",
        );
        assert_eq!(text, "Children\u{2019}s services\n\none\n\ntwo more");
    }
}
