//! News listing pages without a feed, read with per-source CSS selectors.

use chrono::{DateTime, Utc};
use csfeed_core::HtmlSelectors;
use scraper::{ElementRef, Html, Selector};
use url::Url;

use crate::IngestError;
use crate::dates::parse_date;
use crate::html::collapse_whitespace;

/// One story found on a listing page.
#[derive(Debug, Clone, PartialEq)]
pub struct ListingItem {
    /// Headline.
    pub title: String,
    /// Absolute link to the story's page.
    pub url: Url,
    /// Date shown with the item, when there is one and it could be read.
    pub date: Option<DateTime<Utc>>,
    /// Teaser shown with the item (plain text).
    pub summary: String,
}

/// What a listing page holds.
#[derive(Debug, Clone, PartialEq)]
pub struct Listing {
    /// Stories, in page order.
    pub items: Vec<ListingItem>,
    /// The next (older) page, when the page links one.
    pub next_page: Option<Url>,
}

/// The compiled selectors of one source.
#[derive(Debug)]
pub struct CompiledSelectors {
    item: Selector,
    title: Selector,
    link: Selector,
    date: Option<Selector>,
    date_format: Option<String>,
    summary: Option<Selector>,
    next_page: Option<Selector>,
    /// The article body on story pages.
    pub content: Option<Selector>,
}

impl CompiledSelectors {
    /// Compiles a source's selectors; the error names the one that does not parse.
    pub fn compile(selectors: &HtmlSelectors) -> Result<Self, IngestError> {
        let parse = |name: &str, css: &str| {
            Selector::parse(css)
                .map_err(|error| IngestError::BadSelector(format!("{name} selector {css:?}: {error}")))
        };
        let optional =
            |name: &str, css: &Option<String>| css.as_deref().map(|css| parse(name, css)).transpose();
        Ok(Self {
            item: parse("item", &selectors.item)?,
            title: parse("title", &selectors.title)?,
            link: parse("link", &selectors.link)?,
            date: optional("date", &selectors.date)?,
            date_format: selectors.date_format.clone(),
            summary: optional("summary", &selectors.summary)?,
            next_page: optional("next_page", &selectors.next_page)?,
            content: optional("content", &selectors.content)?,
        })
    }
}

/// Reads the stories on one listing page fetched from `page_url`. Items without a title or
/// a usable link are skipped; a page with no items at all is an error that says which
/// selector to check.
pub fn parse_listing(
    html: &str,
    page_url: &Url,
    selectors: &CompiledSelectors,
    now: DateTime<Utc>,
) -> Result<Listing, IngestError> {
    let page = Html::parse_document(html);
    let items: Vec<ListingItem> = page
        .select(&selectors.item)
        .filter_map(|item| read_item(item, page_url, selectors, now))
        .collect();
    if items.is_empty() {
        return Err(IngestError::NoItems);
    }
    let next_page = selectors.next_page.as_ref().and_then(|selector| {
        page.select(selector)
            .find_map(|link| link.value().attr("href"))
            .and_then(|href| page_url.join(href.trim()).ok())
            .filter(|next| next != page_url)
    });
    Ok(Listing { items, next_page })
}

fn read_item(
    item: ElementRef<'_>,
    page_url: &Url,
    selectors: &CompiledSelectors,
    now: DateTime<Utc>,
) -> Option<ListingItem> {
    let title = collapse_whitespace(&item.select(&selectors.title).next()?.text().collect::<String>());
    // A card that is itself the link (`<a class="card">`) is matched by the link selector
    // too: only an element's descendants are searched otherwise.
    let href = item
        .select(&selectors.link)
        .find_map(|link| link.value().attr("href"))
        .or_else(|| {
            selectors
                .link
                .matches(&item)
                .then(|| item.value().attr("href"))
                .flatten()
        })?;
    let url = page_url.join(href.trim()).ok()?;
    if title.is_empty() || !matches!(url.scheme(), "http" | "https" | "file") {
        return None;
    }
    let date = selectors.date.as_ref().and_then(|selector| {
        let element = item.select(selector).next()?;
        let machine = element.value().attr("datetime").map(str::to_owned);
        let text = element.text().collect::<String>();
        machine
            .and_then(|value| parse_date(&value, None, now))
            .or_else(|| parse_date(&text, selectors.date_format.as_deref(), now))
    });
    let summary = selectors
        .summary
        .as_ref()
        .and_then(|selector| item.select(selector).next())
        .map(|element| collapse_whitespace(&element.text().collect::<String>()))
        .unwrap_or_default();
    Some(ListingItem {
        title,
        url,
        date,
        summary,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn selectors() -> CompiledSelectors {
        CompiledSelectors::compile(&HtmlSelectors {
            item: "article.news-item".into(),
            title: ".news-title".into(),
            link: ".news-title a".into(),
            date: Some(".news-date".into()),
            date_format: Some("%d %B %Y".into()),
            summary: Some(".news-teaser".into()),
            next_page: Some("a.next-page".into()),
            max_pages: 2,
            content: None,
        })
        .unwrap()
    }

    #[test]
    fn items_dates_teasers_and_the_next_page() {
        let html = r#"<html><body><div class="news-list">
            <article class="news-item"><h2 class="news-title"><a href="../articles/one.html?utm_source=x">One &amp; only</a></h2>
              <p class="news-date">12 July 2024</p><p class="news-teaser">Teaser one [...]</p></article>
            <article class="news-item"><h2 class="news-title"><a href="/two/">Two</a></h2><p class="news-date">12/07/2024</p></article>
            <article class="news-item"><h2 class="news-title">No link</h2></article>
            <article class="news-item"><h2 class="news-title"><a href="javascript:alert(1)">Bad</a></h2></article>
          </div><a class="next-page" href="page2.html">Older</a></body></html>"#;
        let base = Url::parse("https://site.example/news/index.html").unwrap();
        let now = Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).unwrap();
        let listing = parse_listing(html, &base, &selectors(), now).unwrap();
        assert_eq!(listing.items.len(), 2);
        assert_eq!(listing.items[0].title, "One & only");
        assert_eq!(
            listing.items[0].url.as_str(),
            "https://site.example/articles/one.html?utm_source=x"
        );
        assert_eq!(listing.items[0].summary, "Teaser one [...]");
        assert_eq!(
            listing.items[0].date,
            Some(Utc.with_ymd_and_hms(2024, 7, 12, 0, 0, 0).unwrap())
        );
        assert_eq!(
            listing.items[1].date,
            Some(Utc.with_ymd_and_hms(2024, 7, 12, 0, 0, 0).unwrap())
        );
        assert_eq!(
            listing.next_page.unwrap().as_str(),
            "https://site.example/news/page2.html"
        );
    }

    #[test]
    fn an_item_that_is_itself_the_link_gives_its_own_href() {
        let cards = CompiledSelectors::compile(&HtmlSelectors {
            item: "div.card-list a.card".into(),
            title: ".primary-info".into(),
            link: "a.card".into(),
            summary: Some(".text".into()),
            ..HtmlSelectors::default()
        })
        .unwrap();
        let html = r#"<div class="card-list"><a class="card card-news" href="/news/1/"><div class="primary-info">One</div><div class="text">Teaser</div></a></div>"#;
        let base = Url::parse("https://committees.example/committee/203/news/").unwrap();
        let listing = parse_listing(html, &base, &cards, Utc::now()).unwrap();
        assert_eq!(
            listing.items[0].url.as_str(),
            "https://committees.example/news/1/"
        );
        assert_eq!(listing.items[0].summary, "Teaser");
    }

    #[test]
    fn bad_selectors_and_empty_pages_say_what_to_check() {
        let bad = HtmlSelectors {
            item: "article[".into(),
            ..HtmlSelectors::default()
        };
        let error = CompiledSelectors::compile(&bad).unwrap_err();
        assert!(error.to_string().contains("item selector"), "{error}");
        let base = Url::parse("https://site.example/").unwrap();
        let error = parse_listing(
            "<html><body>nothing</body></html>",
            &base,
            &selectors(),
            Utc::now(),
        )
        .unwrap_err();
        assert!(error.to_string().contains("item selector"), "{error}");
    }
}
