//! View models: what templates show, prepared from store and search types.

use chrono::{DateTime, Utc};
use csfeed_search::SearchHit;
use csfeed_store::{ArticleRecord, SourceRecord};

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{HeaderMap, Uri};

use crate::{AppState, SiteSettings};

/// What every page's frame needs: titles, share metadata, the header search box, the feed
/// to advertise.
pub(crate) struct Chrome {
    pub site_title: String,
    pub tagline: String,
    pub page_title: String,
    /// The page's own title, without the site's name, for sharing (`og:title`).
    pub share_title: String,
    /// One or two sentences on what the page is, for `<meta name="description">` and
    /// `og:description`.
    pub description: String,
    /// This page's absolute address (`og:url`).
    pub page_url: String,
    /// `website`, or `article` for a story.
    pub og_type: &'static str,
    /// The original of a story republished from a publisher (`<link rel="canonical">`).
    pub canonical: Option<String>,
    /// Whether the page advertises feeds (error pages do not: there is nothing to follow).
    pub show_feeds: bool,
    pub query: String,
    pub feed_href: String,
    pub feed_title: String,
    pub feed_atom_href: String,
    pub feed_json_href: String,
    /// The "email me this" form, on pages whose search can be followed.
    pub subscribe: Option<SubscribeForm>,
    /// The fingerprinted stylesheet address.
    pub stylesheet: &'static str,
}

/// What the subscribe form follows.
pub(crate) struct SubscribeForm {
    pub query: String,
    pub label: String,
}

/// The absolute address of the page being requested: the site's public root (or the
/// request's `Host`) joined with the path and query.
pub(crate) struct PageAddress(pub String);

impl PageAddress {
    pub(crate) fn of(state: &AppState, headers: &HeaderMap, uri: &Uri) -> Self {
        let path = uri.path_and_query().map_or("/", |path| path.as_str());
        let base = crate::feeds::site_base(state, headers);
        Self(crate::feeds::absolute(base.as_ref(), path))
    }
}

impl FromRequestParts<AppState> for PageAddress {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        Ok(Self::of(state, &parts.headers, &parts.uri))
    }
}

impl Chrome {
    /// Points the page's feeds (RSS, Atom, JSON Feed) at the search with this query string.
    pub(crate) fn set_feeds(&mut self, query_string: &str, title: String) {
        let with_query = |path: &str| {
            if query_string.is_empty() {
                path.to_owned()
            } else {
                format!("{path}?{query_string}")
            }
        };
        self.feed_href = with_query("/search.rss");
        self.feed_atom_href = with_query("/search.atom");
        self.feed_json_href = with_query("/search.json");
        self.feed_title = title;
    }

    /// The frame of a page titled `page_title` (the home page when `None`), whose share
    /// address is the site's root until [`Chrome::at`] gives the page's own.
    pub(crate) fn new(site: &SiteSettings, page_title: Option<&str>) -> Self {
        let root = site
            .public_url
            .as_ref()
            .map_or_else(|| "/".to_owned(), ToString::to_string);
        Self {
            site_title: site.title.clone(),
            tagline: site.tagline.clone(),
            page_title: match page_title {
                Some(title) => format!("{title} – {}", site.title),
                None => site.title.clone(),
            },
            share_title: page_title.unwrap_or(&site.title).to_owned(),
            description: if site.tagline.is_empty() {
                site.title.clone()
            } else {
                site.tagline.clone()
            },
            page_url: root,
            og_type: "website",
            canonical: None,
            show_feeds: true,
            query: String::new(),
            feed_href: "/feed.rss".to_owned(),
            feed_title: format!("{} – latest stories", site.title),
            feed_atom_href: "/search.atom".to_owned(),
            feed_json_href: "/search.json".to_owned(),
            subscribe: None,
            stylesheet: crate::pages::stylesheet_path(),
        }
    }

    /// The same frame, shared as `page`.
    pub(crate) fn at(mut self, page: &PageAddress) -> Self {
        self.page_url = page.0.clone();
        self
    }

    /// The same frame, described as `description`.
    pub(crate) fn described(mut self, description: impl Into<String>) -> Self {
        self.description = description.into();
        self
    }
}

/// One story as a card in a list.
pub(crate) struct StoryCard {
    pub href: String,
    pub title: String,
    /// Highlighted title (escaped, with `<mark>`), for search results.
    pub title_html: Option<String>,
    /// Highlighted passage (escaped, with `<mark>`), for search results.
    pub excerpt_html: Option<String>,
    pub excerpt: String,
    pub original_url: Option<String>,
    pub source_name: String,
    pub source_id: String,
    pub date_display: String,
    pub date_iso: String,
    /// The source gave no date; `date_display` says "Undated · first seen …".
    pub undated: bool,
    /// Councils as (slug, name).
    pub councils: Vec<(String, String)>,
    /// Topics as (slug, name).
    pub topics: Vec<(&'static str, &'static str)>,
    /// Other outlets' reports of the same story as (outlet, link).
    pub also_reported_by: Vec<(String, String)>,
    /// For a report: the page the highlighted passage is on.
    pub page: Option<usize>,
    /// The level of its headline: 3 under a section's h2, 2 straight under the page's h1.
    pub heading_level: u8,
}

impl StoryCard {
    pub(crate) fn from_record(record: &ArticleRecord) -> Self {
        let article = &record.article;
        let date = record.display_date();
        Self {
            href: format!("/articles/{}", article.id),
            title: article.title.clone(),
            title_html: None,
            excerpt_html: None,
            excerpt: article.summary.clone(),
            original_url: public_original(record),
            source_name: record.source_name.clone(),
            source_id: article.source.to_string(),
            date_display: if record.is_dated() {
                long_date(date)
            } else {
                // A first-seen time is not a publication date: say which it is.
                format!("Undated · first seen {}", date.format("%-d %b %Y"))
            },
            date_iso: date.to_rfc3339(),
            undated: !record.is_dated(),
            councils: article
                .local_authorities
                .iter()
                .filter_map(|gss| csfeed_core::Gazetteer::get().find(gss))
                .map(|la| (la.slug.clone(), la.name.clone()))
                .collect(),
            topics: article
                .topics
                .iter()
                .filter_map(|slug| csfeed_core::Topic::find(slug))
                .map(|topic| (topic.slug, topic.name))
                .collect(),
            also_reported_by: record
                .also_reported_by
                .iter()
                .filter_map(|report| {
                    let href = match (&report.article_id, &report.url) {
                        (Some(id), _) => format!("/articles/{id}"),
                        (None, Some(url)) if on_the_web(url.as_str()) => url.to_string(),
                        (None, _) => return None,
                    };
                    Some((report.source_name.clone(), href))
                })
                .collect(),
            page: None,
            heading_level: 3,
        }
    }

    pub(crate) fn from_hit(hit: &SearchHit) -> Self {
        Self {
            page: hit.page,
            title_html: Some(hit.title_html.clone()),
            excerpt_html: Some(hit.snippet_html.clone()),
            ..Self::from_record(&hit.record)
        }
    }
}

/// One facet in the search sidebar.
pub(crate) struct FacetGroup {
    pub label: &'static str,
    pub links: Vec<FacetLink>,
    /// Values not shown (beyond the first few).
    pub more: usize,
    /// Where all of the facet's values are listed, for "and N more".
    pub more_href: Option<&'static str>,
}

/// One value of a facet: a link that refines (or, when active, un-refines) the search.
pub(crate) struct FacetLink {
    pub label: String,
    pub count: u64,
    pub href: String,
    pub active: bool,
}

/// Values shown per facet.
const FACET_VALUES_SHOWN: usize = 8;

impl FacetGroup {
    /// The sidebar's facets for a search `query` (the `q` parameter) whose other
    /// parameters are `rest` (a query string without `q`). `selected` are the values a
    /// parameter already filters on (a topic page's topic), each with the link that drops
    /// it: they show as active, like operators in the query.
    pub(crate) fn build(
        counts: &[csfeed_search::FacetCounts],
        query: &str,
        rest: &str,
        selected: &[SelectedFacet],
        source_names: &std::collections::HashMap<String, String>,
    ) -> Vec<FacetGroup> {
        let tokens: Vec<&str> = query.split_whitespace().collect();
        counts
            .iter()
            .filter(|facet| !facet.values.is_empty())
            .map(|facet| {
                let links = facet
                    .values
                    .iter()
                    .take(FACET_VALUES_SHOWN)
                    .filter_map(|value| {
                        let (label, operand) = facet_value(facet.field, &value.value, source_names)?;
                        if let Some(chosen) = selected
                            .iter()
                            .find(|chosen| chosen.field == facet.field && chosen.value == value.value)
                        {
                            return Some(FacetLink {
                                label,
                                count: value.count,
                                href: chosen.remove_href.clone(),
                                active: true,
                            });
                        }
                        let operator = format!("{}:{operand}", facet.field.operator());
                        let active = tokens.contains(&operator.as_str());
                        let refined = if active {
                            tokens
                                .iter()
                                .filter(|token| **token != operator)
                                .copied()
                                .collect::<Vec<_>>()
                                .join(" ")
                        } else if query.is_empty() {
                            operator
                        } else {
                            format!("{query} {operator}")
                        };
                        Some(FacetLink {
                            label,
                            count: value.count,
                            href: search_href(&refined, rest),
                            active,
                        })
                    })
                    .collect();
                FacetGroup {
                    label: facet.field.label(),
                    links,
                    more: facet.values.len().saturating_sub(FACET_VALUES_SHOWN),
                    more_href: all_values_href(facet.field),
                }
            })
            .collect()
    }
}

/// A facet value that a search parameter (not the query) filters on.
pub(crate) struct SelectedFacet {
    pub field: csfeed_search::FacetField,
    /// The value as the facet counts give it (a GSS code, a topic slug, a source id).
    pub value: String,
    /// The same search without it.
    pub remove_href: String,
}

/// The page that lists every value of a facet, where there is one.
fn all_values_href(field: csfeed_search::FacetField) -> Option<&'static str> {
    use csfeed_search::FacetField;
    match field {
        FacetField::Topic => Some("/topics"),
        FacetField::LocalAuthority | FacetField::Region => Some("/la"),
        FacetField::Source => Some("/sources"),
        FacetField::Kind | FacetField::Grade | FacetField::Year => None,
    }
}

/// `/search?q=…&rest`.
pub(crate) fn search_href(query: &str, rest: &str) -> String {
    let mut serializer = url::form_urlencoded::Serializer::new(String::new());
    if !query.trim().is_empty() {
        serializer.append_pair("q", query.trim());
    }
    let mut href = format!("/search?{}", serializer.finish());
    if !rest.is_empty() {
        if !href.ends_with('?') {
            href.push('&');
        }
        href.push_str(rest);
    }
    href.trim_end_matches('?').to_owned()
}

/// A facet value's label and the operand that selects it: ("St. Helens", "st-helens") for
/// the council facet's "E08000013"; `source_names` maps source ids to names. `None` for a
/// value that names nothing.
pub fn facet_value(
    field: csfeed_search::FacetField,
    value: &str,
    source_names: &std::collections::HashMap<String, String>,
) -> Option<(String, String)> {
    use csfeed_search::FacetField;
    match field {
        // A council is refined by its slug, not the GSS code it is indexed by.
        FacetField::LocalAuthority => {
            let la = csfeed_core::Gazetteer::get().find(value)?;
            Some((la.name.clone(), la.slug.clone()))
        }
        FacetField::Source => Some((
            source_names
                .get(value)
                .cloned()
                .unwrap_or_else(|| value.to_owned()),
            value.to_owned(),
        )),
        field => Some((field.value_name(value)?, value.to_owned())),
    }
}

/// A source as readers see it on `/sources`: what it is, where its site is, whether it is
/// current. Fetch addresses, counters and error details are for the operator
/// (`/admin/sources.json`, `csfeed sources list`).
pub(crate) struct SourceRow {
    pub id: String,
    pub name: String,
    /// The publisher's home page; `None` for local files.
    pub home_page: Option<String>,
    pub status: &'static str,
    pub status_class: &'static str,
    pub last_updated: String,
    pub articles: u64,
}

impl SourceRow {
    pub(crate) fn from_record(record: &SourceRecord) -> Self {
        let status = record.status();
        let status_class = match status {
            "ok" => "status-good",
            "failing" | "blocked by robots.txt" => "status-bad",
            _ => "status-muted",
        };
        Self {
            id: record.source.id.to_string(),
            name: record.source.name.clone(),
            home_page: home_page(&record.source.url),
            status,
            status_class,
            last_updated: record
                .state
                .last_success_at
                .map(short_time)
                .unwrap_or_else(|| "never".into()),
            articles: record.article_count,
        }
    }
}

/// The story's original address, when it is on the web: a `file:` address (a report read
/// from the server's disk) is a server path, not something to link to or share.
pub(crate) fn public_original(record: &ArticleRecord) -> Option<String> {
    let url = record.article.url.as_ref()?;
    on_the_web(url.as_str()).then(|| url.to_string())
}

/// Whether `address` is an `http` or `https` URL, which a visitor can follow (a `file:`
/// address is a path on the server).
pub(crate) fn on_the_web(address: &str) -> bool {
    url::Url::parse(address).is_ok_and(|url| matches!(url.scheme(), "http" | "https"))
}

/// The home page of the site a source is fetched from: its origin, which is public and
/// stable, unlike the feed address (a file path, a URL template with `{urn}`, a query).
pub(crate) fn home_page(url: &url::Url) -> Option<String> {
    on_the_web(url.as_str()).then(|| url.origin().ascii_serialization() + "/")
}

/// "12 July 2024", as UK publications write dates.
pub(crate) fn long_date(date: DateTime<Utc>) -> String {
    date.format("%-d %B %Y").to_string()
}

/// "1.2 MB", "640 KB", "512 bytes".
pub fn human_bytes(bytes: u64) -> String {
    match bytes {
        0..1_000 => format!("{bytes} bytes"),
        1_000..1_000_000 => format!("{:.0} KB", bytes as f64 / 1e3),
        _ => format!("{:.1} MB", bytes as f64 / 1e6),
    }
}

fn short_time(date: DateTime<Utc>) -> String {
    date.format("%-d %b %Y %H:%M UTC").to_string()
}
