//! A story's own page: its text (readability-style extraction, or the source's content
//! selector), canonical URL, date and byline.

use chrono::{DateTime, Utc};
use scraper::{Html, Selector};
use url::Url;

use crate::dates::parse_date;
use crate::html::{collapse_whitespace, html_to_text, sanitize_html};

/// What a story page says about itself.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ExtractedPage {
    /// The page's own headline.
    pub title: Option<String>,
    /// `<link rel="canonical">`, when given.
    pub canonical: Option<Url>,
    /// Publication date from the page's metadata or `<time datetime>`.
    pub published: Option<DateTime<Utc>>,
    /// Byline.
    pub authors: Vec<String>,
    /// The story, sanitized, links made absolute.
    pub content_html: String,
    /// The story as plain text.
    pub content_text: String,
}

/// Extracts the story from a page fetched from `page_url`. With `content` set, that element
/// is the story; otherwise dom_smoothie's readability port finds it. Never fails: a page
/// with no recognisable story gives empty content.
pub fn extract_page(
    html: &str,
    page_url: &Url,
    content: Option<&Selector>,
    now: DateTime<Utc>,
) -> ExtractedPage {
    let page = Html::parse_document(html);
    let canonical = first_attr(&page, r#"link[rel="canonical"]"#, "href")
        .and_then(|href| page_url.join(href.trim()).ok())
        .filter(|url| matches!(url.scheme(), "http" | "https"));
    let base = canonical.as_ref().unwrap_or(page_url);
    // Each place a date may be, in order of trust; the first that parses wins.
    let meta_date = [
        (r#"meta[property="article:published_time"]"#, "content"),
        (r#"meta[name="date"]"#, "content"),
        (r#"meta[itemprop="datePublished"]"#, "content"),
        ("time[datetime]", "datetime"),
    ]
    .iter()
    .filter_map(|(css, attribute)| first_attr(&page, css, attribute))
    .find_map(|value| parse_date(&value, None, now));
    let meta_title = first_attr(&page, r#"meta[property="og:title"]"#, "content");
    let selected = content
        .and_then(|selector| page.select(selector).next())
        .map(|element| element.html());
    let readable = match selected {
        Some(_) => None,
        None => dom_smoothie::Readability::new(html, Some(base.as_str()), None)
            .ok()
            .and_then(|mut readability| readability.parse().ok()),
    };
    let raw_content = selected
        .or_else(|| readable.as_ref().map(|article| article.content.to_string()))
        .unwrap_or_default();
    let content_html = sanitize_html(&raw_content, Some(base));
    let content_text = html_to_text(&content_html);
    let byline = first_text(
        &page,
        ".byline, [rel=author], .author, [itemprop=author], .field--name-field-author",
    )
    .or_else(|| readable.as_ref().and_then(|article| article.byline.clone()));
    let published = meta_date.or_else(|| {
        readable
            .as_ref()
            .and_then(|article| article.published_time.as_deref())
            .and_then(|value| parse_date(value, None, now))
    });
    ExtractedPage {
        title: meta_title
            .or_else(|| readable.as_ref().map(|article| article.title.clone()))
            .map(|title| collapse_whitespace(&title))
            .filter(|title| !title.is_empty()),
        canonical,
        published,
        authors: byline
            .map(|byline| collapse_whitespace(byline.trim_start_matches("By ").trim_start_matches("by ")))
            .filter(|name| !name.is_empty())
            .into_iter()
            .collect(),
        content_html,
        content_text,
    }
}

fn first_attr(page: &Html, css: &str, attribute: &str) -> Option<String> {
    let selector = Selector::parse(css).ok()?;
    page.select(&selector)
        .find_map(|element| element.value().attr(attribute))
        .map(str::to_owned)
}

fn first_text(page: &Html, css: &str) -> Option<String> {
    let selector = Selector::parse(css).ok()?;
    page.select(&selector)
        .map(|element| collapse_whitespace(&element.text().collect::<String>()))
        .find(|text| !text.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;

    const PAGE: &str = r#"<!DOCTYPE html><html><head><title>Site | Story</title>
      <link rel="canonical" href="https://news.example/2024/07/story/">
      <meta property="og:title" content="Kinship carers win support">
      <script>track()</script></head><body>
      <header><nav><a href="/">Home</a> <a href="/about">About</a></nav><div class="promo">Make an Enquiry</div></header>
      <main><article><h1>Kinship carers win support</h1><span class="byline">By Jo Bloggs</span>
      <time class="entry-date" datetime="2024-07-12T09:00:00+01:00">12 July 2024</time>
      <div class="entry-content">
        <p>Kinship carers in Leeds will receive a new allowance from September, the council has announced, after years of campaigning by families who stepped in to raise children.</p>
        <p>The allowance matches the fostering rate. <a href="/more/">Read more</a> <img src="/img/x.jpg" onerror="x()"></p>
        <p>Campaigners said the change would help hundreds of grandparents, aunts and older siblings across the city who care for children who cannot live with their parents.</p>
        <p>The council said the cost would be met from its reserves this year and from its budget next year, and that it would review the scheme after twelve months.</p>
      </div></article></main>
      <aside><h3>Related</h3><ul><li><a href="/x">Other story</a></li></ul></aside>
      <footer>© Site. Cookies. Contact Us.</footer></body></html>"#;

    #[test]
    fn the_story_is_found_and_cleaned() {
        let url = Url::parse("file:///demo/site/articles/story.html").unwrap();
        let page = extract_page(PAGE, &url, None, Utc::now());
        assert_eq!(
            page.canonical.as_ref().unwrap().as_str(),
            "https://news.example/2024/07/story/"
        );
        assert_eq!(page.title.as_deref(), Some("Kinship carers win support"));
        assert_eq!(page.authors, ["Jo Bloggs"]);
        assert_eq!(page.published.unwrap().to_rfc3339(), "2024-07-12T08:00:00+00:00");
        assert!(
            page.content_text.contains("Kinship carers in Leeds"),
            "{}",
            page.content_text
        );
        assert!(
            !page.content_text.contains("Make an Enquiry"),
            "{}",
            page.content_text
        );
        assert!(!page.content_text.contains("Cookies"), "{}", page.content_text);
        assert!(!page.content_html.contains("onerror") && !page.content_html.contains("<script"));
        assert!(
            page.content_html.contains("https://news.example/more/"),
            "{}",
            page.content_html
        );
    }

    #[test]
    fn a_content_selector_overrides_the_extractor() {
        let url = Url::parse("https://news.example/story").unwrap();
        let selector = Selector::parse(".promo").unwrap();
        let page = extract_page(PAGE, &url, Some(&selector), Utc::now());
        assert_eq!(page.content_text, "Make an Enquiry");
    }

    #[test]
    fn saved_page_shapes_of_common_publishing_systems() {
        let folder = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/fixtures/pages");
        let expected: Vec<serde_json::Value> =
            serde_json::from_str(&std::fs::read_to_string(folder.join("expected.json")).unwrap()).unwrap();
        assert!(expected.len() >= 5);
        let mut problems = Vec::new();
        for case in &expected {
            let file = case["file"].as_str().unwrap();
            let html = std::fs::read_to_string(folder.join(file)).unwrap();
            let url = Url::parse(case["url"].as_str().unwrap()).unwrap();
            let page = extract_page(&html, &url, None, Utc::now());
            let canonical = page.canonical.as_ref().map(Url::to_string);
            if canonical.as_deref() != case["canonical"].as_str() {
                problems.push(format!("{file}: canonical {canonical:?}"));
            }
            let published = page.published.map(|d| d.to_rfc3339());
            if published.as_deref() != case["published"].as_str() {
                problems.push(format!(
                    "{file}: published {published:?}, expected {}",
                    case["published"]
                ));
            }
            let authors: Vec<String> = serde_json::from_value(case["authors"].clone()).unwrap();
            if page.authors != authors {
                problems.push(format!(
                    "{file}: authors {:?}, expected {authors:?}",
                    page.authors
                ));
            }
            let text = page.content_text.split_whitespace().collect::<Vec<_>>().join(" ");
            for phrase in case["must_contain"].as_array().unwrap() {
                if !text.contains(phrase.as_str().unwrap()) {
                    problems.push(format!("{file}: story text lacks {phrase}"));
                }
            }
            for chrome in case["must_not_contain"].as_array().unwrap() {
                if text.contains(chrome.as_str().unwrap()) {
                    problems.push(format!("{file}: chrome {chrome} kept"));
                }
            }
        }
        assert!(problems.is_empty(), "{problems:#?}");
    }

    #[test]
    fn pages_without_a_story_give_empty_content() {
        let url = Url::parse("https://news.example/").unwrap();
        let page = extract_page("", &url, None, Utc::now());
        assert_eq!(page, ExtractedPage::default());
        let _ = extract_page("\u{0}<<<>>>&&&", &url, None, Utc::now());
    }
}
