//! View models: what templates show, prepared from store and search types.

use chrono::{DateTime, Utc};
use csfeed_search::SearchHit;
use csfeed_store::{ArticleRecord, SourceRecord};

use crate::SiteSettings;

/// What every page's frame needs: titles, the header search box, the feed to advertise.
pub(crate) struct Chrome {
    pub site_title: String,
    pub tagline: String,
    pub page_title: String,
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

    /// Chrome for pages rendered without the site's settings at hand (error pages).
    pub(crate) fn generic(page_title: &str) -> Self {
        Self::new(
            &SiteSettings {
                title: "csfeed".into(),
                tagline: String::new(),
                public_url: None,
            },
            Some(page_title),
        )
    }

    pub(crate) fn new(site: &SiteSettings, page_title: Option<&str>) -> Self {
        Self {
            site_title: site.title.clone(),
            tagline: site.tagline.clone(),
            page_title: match page_title {
                Some(title) => format!("{title} – {}", site.title),
                None => site.title.clone(),
            },
            query: String::new(),
            feed_href: "/feed.rss".to_owned(),
            feed_title: format!("{} – latest stories", site.title),
            feed_atom_href: "/search.atom".to_owned(),
            feed_json_href: "/search.json".to_owned(),
            subscribe: None,
            stylesheet: crate::pages::stylesheet_path(),
        }
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
            original_url: article.url.as_ref().map(ToString::to_string),
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
                        (None, Some(url)) => url.to_string(),
                        (None, None) => return None,
                    };
                    Some((report.source_name.clone(), href))
                })
                .collect(),
            page: None,
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
    /// parameters are `rest` (a query string without `q`).
    pub(crate) fn build(
        counts: &[csfeed_search::FacetCounts],
        query: &str,
        rest: &str,
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
                }
            })
            .collect()
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

/// A source's health, as a row on `/sources`.
pub(crate) struct SourceRow {
    pub id: String,
    pub name: String,
    pub url: String,
    pub kind: &'static str,
    pub status: &'static str,
    pub status_class: &'static str,
    pub last_success: String,
    pub last_error: String,
    pub failures: u32,
    pub last_status: String,
    pub articles: u64,
    pub next_due: String,
    pub fetches: u64,
    pub not_modified: u64,
    pub bytes_saved: String,
    pub moved_to: Option<String>,
    pub redirect_pending: Option<String>,
}

impl SourceRow {
    pub(crate) fn from_record(record: &SourceRecord) -> Self {
        let state = &record.state;
        let status = record.status();
        let status_class = match status {
            "ok" => "status-good",
            "failing" | "blocked by robots.txt" => "status-bad",
            _ => "status-muted",
        };
        Self {
            id: record.source.id.to_string(),
            name: record.source.name.clone(),
            url: record.source.url.to_string(),
            kind: record.source.kind.as_str(),
            status,
            status_class,
            last_success: state
                .last_success_at
                .map(short_time)
                .unwrap_or_else(|| "never".into()),
            last_error: state.last_error.clone().unwrap_or_default(),
            failures: state.consecutive_failures,
            last_status: state.last_status.map(|s| s.to_string()).unwrap_or_default(),
            articles: record.article_count,
            next_due: if record.is_scheduled() {
                state.next_due_at.map(short_time).unwrap_or_else(|| "now".into())
            } else {
                "not scheduled".into()
            },
            fetches: state.fetches,
            not_modified: state.not_modified,
            bytes_saved: human_bytes(state.bytes_saved),
            moved_to: record.moved_to.as_ref().map(ToString::to_string),
            redirect_pending: state.redirect_to.as_ref().map(|target| {
                format!(
                    "redirected permanently to {target} ({} of 3 fetches)",
                    state.redirect_seen
                )
            }),
        }
    }
}

/// "12 July 2024", as UK publications write dates.
pub(crate) fn long_date(date: DateTime<Utc>) -> String {
    date.format("%-d %B %Y").to_string()
}

/// "1.2 MB", "640 KB", "512 bytes".
fn human_bytes(bytes: u64) -> String {
    match bytes {
        0..1_000 => format!("{bytes} bytes"),
        1_000..1_000_000 => format!("{:.0} KB", bytes as f64 / 1e3),
        _ => format!("{:.1} MB", bytes as f64 / 1e6),
    }
}

fn short_time(date: DateTime<Utc>) -> String {
    date.format("%-d %b %Y %H:%M UTC").to_string()
}
