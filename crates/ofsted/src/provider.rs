//! Publications listed on an Ofsted provider page
//! (`https://reports.ofsted.gov.uk/provider/44/<URN>`).
//!
//! Each publication is an `a.publication-link` whose `href` is the file, holding a
//! `span.nonvisual` such as "children's services inspection, pdf - 09 may 2025"; the date
//! there is the publication date. Publications are listed newest first.

use chrono::NaiveDate;
use scraper::{ElementRef, Html, Selector};
use serde::{Deserialize, Serialize};
use url::Url;

use crate::ReportKind;
use crate::dates::parse_single;
use crate::kind::from_listing;

/// One publication listed on a provider page.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Publication {
    /// Kind of report, from the listing text (see [`ReportKind`]; a listed inspection
    /// cannot tell standard from short: read the report for that).
    pub kind: ReportKind,
    /// The listing text (`span.nonvisual`), whitespace tidied:
    /// "children's services focused visit, pdf - 12 july 2024".
    pub title: String,
    /// Publication date, from the end of the listing text.
    pub published: Option<NaiveDate>,
    /// The file, resolved against the page address.
    pub url: Url,
}

/// The publications on a provider page, in page order (newest first). Links without a
/// usable `href` are skipped; a page without publications gives an empty list.
pub fn parse_provider_page(html: &str, page_url: &Url) -> Vec<Publication> {
    let (Ok(links), Ok(nonvisual)) = (
        Selector::parse("a.publication-link"),
        Selector::parse("span.nonvisual"),
    ) else {
        return Vec::new();
    };
    Html::parse_document(html)
        .select(&links)
        .filter_map(|link| {
            let url = page_url.join(link.value().attr("href")?.trim()).ok()?;
            let title = link.select(&nonvisual).next().map_or_else(|| tidy(link), tidy);
            let published = title.rsplit_once(" - ").and_then(|(_, date)| parse_single(date));
            Some(Publication {
                kind: from_listing(&title, published),
                title,
                published,
                url,
            })
        })
        .collect()
}

/// An element's text with whitespace runs made single spaces.
fn tidy(element: ElementRef<'_>) -> String {
    element
        .text()
        .flat_map(str::split_whitespace)
        .collect::<Vec<_>>()
        .join(" ")
}
