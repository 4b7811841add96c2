//! Sources: the feeds and pages csfeed polls.

use std::fmt;
use std::str::FromStr;
use std::time::Duration;

use serde::{Deserialize, Serialize};
use url::Url;

/// The short, stable name of a source, used in URLs, the database and `source:` searches.
///
/// Parsed, not validated: a `SourceId` always holds 1–64 characters of lowercase ASCII
/// letters, digits, `-` or `_`.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(transparent)]
pub struct SourceId(String);

/// Why a string is not a usable [`SourceId`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "source id {0:?} is not valid: use 1-64 lowercase letters, digits, '-' or '_' (e.g. \"ofsted-news\")"
)]
pub struct SourceIdError(String);

impl SourceId {
    /// Parses a source id, rejecting anything that would not be safe in a URL path segment.
    pub fn parse(raw: &str) -> Result<Self, SourceIdError> {
        let well_formed = !raw.is_empty()
            && raw.len() <= 64
            && raw
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || b == b'_');
        if well_formed {
            Ok(Self(raw.to_owned()))
        } else {
            Err(SourceIdError(raw.to_owned()))
        }
    }

    /// The id as a string slice.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for SourceId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl FromStr for SourceId {
    type Err = SourceIdError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s)
    }
}

impl<'de> Deserialize<'de> for SourceId {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let raw = String::deserialize(deserializer)?;
        Self::parse(&raw).map_err(serde::de::Error::custom)
    }
}

/// How a source's documents are read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SourceKind {
    /// An RSS 0.9x/1.0/2.0, Atom or JSON Feed document.
    Feed,
    /// A news listing page without a feed, scraped with CSS selectors.
    Html,
    /// Ofsted provider pages of councils, and the reports they list.
    Ofsted,
    /// A feed of court judgments (Find Case Law's Atom feed of a court): each judgment is
    /// tagged with the councils named as its parties, and listed on their pages.
    Judgments,
}

impl SourceKind {
    /// The lowercase name used in config and the database.
    pub fn as_str(self) -> &'static str {
        match self {
            SourceKind::Feed => "feed",
            SourceKind::Html => "html",
            SourceKind::Ofsted => "ofsted",
            SourceKind::Judgments => "judgments",
        }
    }

    /// Parses the lowercase name used in config and the database.
    pub fn parse(raw: &str) -> Option<Self> {
        match raw {
            "feed" => Some(SourceKind::Feed),
            "html" => Some(SourceKind::Html),
            "ofsted" => Some(SourceKind::Ofsted),
            "judgments" => Some(SourceKind::Judgments),
            _ => None,
        }
    }
}

/// How to read an `html` source: CSS selectors for its listing page and article pages.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HtmlSelectors {
    /// Each story on the listing page.
    pub item: String,
    /// The story's headline, inside the item.
    pub title: String,
    /// The link to the story's page, inside the item (`href` is read).
    pub link: String,
    /// The story's date, inside the item (a `datetime` attribute is preferred to text).
    #[serde(default)]
    pub date: Option<String>,
    /// A chrono format for the date text (e.g. "%d %B %Y"); common formats are tried
    /// without it.
    #[serde(default)]
    pub date_format: Option<String>,
    /// The teaser, inside the item.
    #[serde(default)]
    pub summary: Option<String>,
    /// The link to the next (older) listing page.
    #[serde(default)]
    pub next_page: Option<String>,
    /// Listing pages read per fetch, the first included.
    #[serde(default = "default_max_pages")]
    pub max_pages: usize,
    /// The article body on story pages; when unset, a readability extractor finds it.
    #[serde(default)]
    pub content: Option<String>,
}

fn default_max_pages() -> usize {
    1
}

/// Per-source options beyond the basics.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SourceOptions {
    /// For feeds: fetch the page of items that carry only an excerpt, and keep its text.
    #[serde(default)]
    pub full_text: bool,
    /// For `html` sources: how to read the pages.
    #[serde(default)]
    pub html: Option<HtmlSelectors>,
    /// For `ofsted` sources: which councils to follow (slugs); all when empty.
    #[serde(default)]
    pub authorities: Vec<String>,
}

/// A place csfeed polls for news: one feed URL with its schedule.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Source {
    /// Stable short name.
    pub id: SourceId,
    /// Human-readable name shown on the site ("Ofsted news").
    pub name: String,
    /// Where to fetch it: `http`, `https` or `file` URL.
    pub url: Url,
    /// How to read what is fetched.
    pub kind: SourceKind,
    /// How often to poll it when healthy.
    pub interval: Duration,
    /// Disabled sources are kept (with their articles) but never fetched.
    pub enabled: bool,
    /// Full-text and scraping options.
    pub options: SourceOptions,
}

/// Where an Ofsted source's URL template takes a council's provider URN.
pub const URN_PLACEHOLDER: &str = "{urn}";
/// The placeholder as a parsed URL spells it.
const URN_PLACEHOLDER_ESCAPED: &str = "%7Burn%7D";

impl Source {
    /// The URL as people wrote it: a URL template shows `{urn}`, not the `%7Burn%7D` a
    /// parsed URL turns it into.
    pub fn display_url(&self) -> String {
        display_url(&self.url)
    }
}

/// `url` with any URN placeholder shown as written (`{urn}`).
pub fn display_url(url: &Url) -> String {
    url.as_str().replace(URN_PLACEHOLDER_ESCAPED, URN_PLACEHOLDER)
}

/// The page for one council: `template` with its URN placeholder replaced by `urn`.
pub fn url_for_urn(template: &Url, urn: &str) -> Result<Url, url::ParseError> {
    Url::parse(&display_url(template).replace(URN_PLACEHOLDER, urn))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn url_templates_show_their_placeholder_as_written() {
        let template = Url::parse("https://reports.ofsted.gov.uk/provider/44/{urn}").unwrap();
        assert_eq!(
            template.as_str(),
            "https://reports.ofsted.gov.uk/provider/44/%7Burn%7D"
        );
        assert_eq!(
            display_url(&template),
            "https://reports.ofsted.gov.uk/provider/44/{urn}"
        );
        assert_eq!(
            url_for_urn(&template, "80560").unwrap().as_str(),
            "https://reports.ofsted.gov.uk/provider/44/80560"
        );
        let file = Url::parse("file:///demo/ofsted/provider-{urn}.html").unwrap();
        assert_eq!(
            url_for_urn(&file, "80560").unwrap().as_str(),
            "file:///demo/ofsted/provider-80560.html"
        );
    }

    #[test]
    fn source_ids_are_url_safe() {
        assert!(SourceId::parse("ofsted-news_2").is_ok());
        for bad in ["", "Ofsted", "a b", "a/b", "é", &"x".repeat(65)] {
            assert!(SourceId::parse(bad).is_err(), "{bad:?} should be rejected");
        }
    }

    #[test]
    fn source_id_error_says_what_to_do() {
        let message = SourceId::parse("Bad Id").unwrap_err().to_string();
        assert!(message.contains("lowercase letters"), "{message}");
    }
}
