//! The last step shared by every kind of source: a draft story becomes an [`Article`],
//! with a canonical URL, a clean teaser, and its council and topic tags.

use chrono::{DateTime, Utc};
use csfeed_core::{Article, ArticleId, SourceId, canonical_url, tag_article};
use url::Url;

use crate::html::collapse_whitespace;

/// Longest teaser kept in [`Article::summary`], in characters.
const SUMMARY_MAX_CHARS: usize = 320;

/// A story as a parser found it, before normalisation (canonical URL, clean teaser, tags).
#[derive(Debug, Clone)]
pub struct Draft {
    /// The source it came from.
    pub source: SourceId,
    /// The source's own key for the story (guid, or the canonical link).
    pub key: String,
    /// Link to the story.
    pub url: Option<Url>,
    /// Headline.
    pub title: String,
    /// Publication date, when the source gives one.
    pub published: Option<DateTime<Utc>>,
    /// Last update, when the source gives one.
    pub updated: Option<DateTime<Utc>>,
    /// Authors.
    pub authors: Vec<String>,
    /// Plain-text teaser; the body's opening is used when empty.
    pub summary: String,
    /// The story as sanitized HTML.
    pub content_html: String,
    /// The story as plain text.
    pub content_text: String,
}

impl Draft {
    /// Normalises and tags the draft into an article.
    pub fn finish(self) -> Article {
        let (content_html, content_text) = drop_syndication_trailer(self.content_html, self.content_text);
        let summary = if self.summary.trim().is_empty() {
            collapse_whitespace(&content_text)
        } else {
            self.summary
        };
        let summary = truncate_words(&drop_trailer_sentence(&summary), SUMMARY_MAX_CHARS);
        let title = collapse_whitespace(&self.title);
        let title = if title.is_empty() {
            untitled(&summary)
        } else {
            title
        };
        let tags = tag_article(&title, &summary, &content_text);
        Article {
            id: ArticleId::derive(&self.source, &self.key),
            source: self.source,
            guid: self.key,
            url: self.url.as_ref().map(canonical_url),
            title,
            published: self.published.filter(plausible),
            updated: self.updated.filter(plausible),
            authors: self.authors,
            summary,
            content_html,
            content_text,
            local_authorities: tags.gss_codes(),
            topics: tags.topic_slugs(),
        }
    }
}

/// A story found on a listing page, completed from its own page when that could be read.
/// The listing's headline, date and teaser win; the page gives the text, canonical URL,
/// byline, and a date when the listing has none.
pub fn article_from_listing(
    source: &SourceId,
    item: &crate::ListingItem,
    page: Option<crate::ExtractedPage>,
) -> Article {
    let page = page.unwrap_or_default();
    let url = page
        .canonical
        .clone()
        .or_else(|| matches!(item.url.scheme(), "http" | "https").then(|| item.url.clone()));
    let key = canonical_url(&item.url).to_string();
    let teaser = strip_excerpt_marker(&item.summary);
    let (content_html, content_text) = if page.content_text.trim().is_empty() {
        let escaped = csfeed_core::escape_html(&teaser);
        (
            if escaped.is_empty() {
                String::new()
            } else {
                format!("<p>{escaped}</p>")
            },
            teaser.clone(),
        )
    } else {
        (page.content_html, page.content_text)
    };
    Draft {
        source: source.clone(),
        key,
        url,
        title: item.title.clone(),
        published: item.date.or(page.published),
        updated: None,
        authors: page.authors,
        summary: teaser,
        content_html,
        content_text,
    }
    .finish()
}

/// The article with the full text of its page in place of an excerpt, re-tagged; unchanged
/// when the page gave less text than the feed did.
pub fn complete_article(article: Article, page: crate::ExtractedPage) -> Article {
    if page.content_text.len() <= article.content_text.len() {
        return article;
    }
    Draft {
        source: article.source,
        key: article.guid,
        url: page.canonical.or(article.url),
        title: article.title,
        published: article.published.or(page.published),
        updated: article.updated,
        authors: if article.authors.is_empty() {
            page.authors
        } else {
            article.authors
        },
        summary: strip_excerpt_marker(&article.summary),
        content_html: page.content_html,
        content_text: page.content_text,
    }
    .finish()
}

/// "Teaser text [...]" → "Teaser text…".
fn strip_excerpt_marker(teaser: &str) -> String {
    let trimmed = teaser.trim_end();
    for marker in [
        " [...]",
        " […]",
        "[...]",
        "[…]",
        " Read more",
        " Continue reading",
    ] {
        if let Some(stripped) = trimmed.strip_suffix(marker) {
            return format!("{}…", stripped.trim_end().trim_end_matches(['.', ',']));
        }
    }
    trimmed.to_owned()
}

/// True for a teaser that is only an excerpt of a longer story ("… [...]", "Read more").
pub fn looks_like_excerpt(text: &str) -> bool {
    let text = text.trim_end();
    text.ends_with("[…]")
        || text.ends_with("[...]")
        || text.ends_with('…')
        || text.ends_with("...")
        || text.contains("appeared first on")
        || text.ends_with("Read more")
        || text.ends_with("Continue reading")
}

/// Dates far in the future are a publisher's bug; keeping them would pin the story to the
/// top of every "newest" list. Dates before 1900 are placeholders (`0001-01-01` is Go's and
/// .NET's "no date") and would sort the story to the bottom of every list.
fn plausible(date: &DateTime<Utc>) -> bool {
    chrono::Datelike::year(date) >= 1900 && *date < Utc::now() + chrono::Duration::days(2)
}

/// Removes the "The post X appeared first on Y." line that WordPress SEO plugins append.
fn drop_syndication_trailer(html: String, text: String) -> (String, String) {
    let is_trailer = |paragraph: &str| {
        paragraph.trim_start().starts_with("The post ") && paragraph.contains("appeared first on")
    };
    let text = match text.rsplit_once("\n\n") {
        Some((body, last)) if is_trailer(last) => body.to_owned(),
        None if is_trailer(&text) => String::new(),
        _ => text,
    };
    let html = match html.rfind("<p>") {
        Some(start) if is_trailer(&crate::html::html_to_text(&html[start..])) => {
            html[..start].trim_end().to_owned()
        }
        _ => html,
    };
    (html, text)
}

fn drop_trailer_sentence(summary: &str) -> String {
    match summary.find("The post ") {
        Some(start) if summary[start..].contains("appeared first on") => {
            summary[..start].trim_end().to_owned()
        }
        _ => summary.to_owned(),
    }
}

fn untitled(summary: &str) -> String {
    let teaser = truncate_words(summary, 80);
    if teaser.is_empty() {
        "(untitled)".to_owned()
    } else {
        teaser
    }
}

/// Cuts `text` at a word boundary so it is at most `max_chars` characters plus an ellipsis.
pub(crate) fn truncate_words(text: &str, max_chars: usize) -> String {
    if text.chars().count() <= max_chars {
        return text.to_owned();
    }
    let cut: String = text.chars().take(max_chars).collect();
    let at_word = cut.rfind(' ').map_or(cut.as_str(), |space| &cut[..space]);
    format!("{}…", at_word.trim_end_matches([',', ';', ':', ' ']))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn draft() -> Draft {
        Draft {
            source: SourceId::parse("test").unwrap(),
            key: "k".into(),
            url: Some(Url::parse("https://news.example/a/?utm_source=rss#top").unwrap()),
            title: "  Kinship  carers in  Hull ".into(),
            published: None,
            updated: None,
            authors: vec![],
            summary: String::new(),
            content_html: "<p>Body about kinship care.</p><p>The post <a href=\"x\">A</a> appeared first on <a href=\"y\">Site</a>.</p>".into(),
            content_text: "Body about kinship care.\n\nThe post A appeared first on Site.".into(),
        }
    }

    #[test]
    fn drafts_become_clean_tagged_articles() {
        let article = draft().finish();
        assert_eq!(article.title, "Kinship carers in Hull");
        assert_eq!(article.url.unwrap().as_str(), "https://news.example/a/");
        assert_eq!(article.content_text, "Body about kinship care.");
        assert_eq!(article.content_html, "<p>Body about kinship care.</p>");
        assert_eq!(article.summary, "Body about kinship care.");
        assert_eq!(article.local_authorities, ["E06000010"]);
        assert_eq!(article.topics, ["kinship-care"]);
        assert_eq!(article.published, None, "no date is invented");
    }

    #[test]
    fn placeholder_and_future_dates_are_dropped() {
        for raw in [
            "0001-01-01T00:00:00Z",
            "1899-12-31T23:00:00Z",
            "9999-12-31T23:59:59Z",
        ] {
            let date = DateTime::parse_from_rfc3339(raw).unwrap().to_utc();
            let article = Draft {
                published: Some(date),
                updated: Some(date),
                ..draft()
            }
            .finish();
            assert_eq!((article.published, article.updated), (None, None), "{raw}");
        }
        let real = DateTime::parse_from_rfc3339("2025-03-04T09:00:00Z")
            .unwrap()
            .to_utc();
        assert_eq!(
            Draft {
                published: Some(real),
                ..draft()
            }
            .finish()
            .published,
            Some(real)
        );
    }

    #[test]
    fn excerpts_are_recognised() {
        assert!(looks_like_excerpt(
            "Councils say the money is not enough [&#8230;]"
                .replace("&#8230;", "…")
                .as_str()
        ));
        assert!(looks_like_excerpt("Story text [...]"));
        assert!(looks_like_excerpt("The post X appeared first on Y."));
        assert!(!looks_like_excerpt("A whole paragraph that ends properly."));
    }

    #[test]
    fn long_teasers_are_cut_at_a_word() {
        let cut = truncate_words(&"word ".repeat(200), 30);
        assert!(cut.ends_with("word…") && cut.chars().count() <= 31, "{cut}");
    }
}
