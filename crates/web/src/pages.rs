//! HTML pages, health and static assets.

use std::collections::HashMap;

use askama::Template;
use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::header;
use axum::response::{Html, IntoResponse, Response};
use csfeed_core::ArticleId;
use csfeed_store::ArticleRecord;
use serde::Serialize;

use crate::params::{PAGE_SIZE, SearchParams};
use crate::views::{Chrome, FacetGroup, PageAddress, SourceRow, StoryCard, long_date, search_href};
use crate::{AppError, AppState};

/// Stories on the home page (the lead plus the list).
const HOME_STORIES: usize = 21;
/// Headlines in the sidebar.
const SIDEBAR_HEADLINES: usize = 8;

pub(crate) fn render(page: impl Template) -> Result<Response, AppError> {
    let body = page
        .render()
        .map_err(|error| AppError::Internal(format!("template failed: {error}")))?;
    Ok(Html(body).into_response())
}

#[derive(Template)]
#[template(path = "home.html")]
struct HomePage {
    chrome: Chrome,
    lead: Option<StoryCard>,
    stories: Vec<StoryCard>,
    headlines: Vec<StoryCard>,
    judgements: Vec<crate::councils::RecentJudgement>,
}

/// Recent Ofsted judgements in the home page's sidebar.
const SIDEBAR_JUDGEMENTS: usize = 6;

/// `/`: the latest stories, newest first, with a lead story and a sidebar of headlines.
pub(crate) async fn home(State(state): State<AppState>, page: PageAddress) -> Result<Response, AppError> {
    let (latest, judgements) = state
        .blocking(|state| {
            Ok((
                state
                    .store
                    .latest_articles(None, HOME_STORIES + SIDEBAR_HEADLINES, 0)?,
                crate::councils::recent_judgements(&state.store, SIDEBAR_JUDGEMENTS)?,
            ))
        })
        .await?;
    let mut cards: Vec<StoryCard> = latest.iter().map(StoryCard::from_record).collect();
    let headlines = cards.split_off(cards.len().min(HOME_STORIES));
    let mut stories = cards.into_iter().peekable();
    // An undated item is never the day's lead (its first-seen time is not news).
    let lead = stories.next_if(|card| !card.undated);
    render(HomePage {
        chrome: Chrome::new(&state.site, None).at(&page),
        lead,
        stories: stories.collect(),
        headlines,
        judgements,
    })
}

#[derive(Template)]
#[template(path = "search.html")]
struct SearchPage {
    chrome: Chrome,
    query: String,
    newest: bool,
    total: usize,
    first_shown: usize,
    last_shown: usize,
    results: Vec<StoryCard>,
    warnings: Vec<String>,
    previous_href: Option<String>,
    next_href: Option<String>,
    feed_href: String,
    /// The same search as a CSV download.
    csv_href: String,
    relevance_href: String,
    newest_href: String,
    /// Active filters as (description, link to the search without it).
    filters: Vec<(String, String)>,
    facets: Vec<FacetGroup>,
    /// A respelled search that finds something, as (query, link).
    did_you_mean: Option<(String, String)>,
    /// A page heading in place of "Results for …" (topic pages).
    heading: Option<String>,
    /// "looked after children" also searched as "Children in care" and its other names.
    synonyms: Vec<(String, String, &'static str)>,
}

/// `/search?q=&source=&from=&to=&sort=&page=`: ranked, highlighted, paginated results.
pub(crate) async fn search(
    State(state): State<AppState>,
    page: PageAddress,
    Query(raw): Query<HashMap<String, String>>,
) -> Result<Response, AppError> {
    let params = SearchParams::parse(&raw)?;
    search_page(state, page, params, None).await
}

/// `/topics/{slug}`: a topic's stories, newest first, with its feeds and subscribe form.
pub(crate) async fn topic(
    State(state): State<AppState>,
    page: PageAddress,
    Path(slug): Path<String>,
    Query(raw): Query<HashMap<String, String>>,
) -> Result<Response, AppError> {
    let topic = csfeed_core::Topic::find(&slug)
        .ok_or_else(|| AppError::NotFound(format!("there is no topic at /topics/{slug}; see /topics")))?;
    let mut raw = raw;
    raw.insert("topic".to_owned(), topic.slug.to_owned());
    raw.entry("sort".to_owned())
        .or_insert_with(|| "newest".to_owned());
    let params = SearchParams::parse(&raw)?;
    search_page(state, page, params, Some(topic.name)).await
}

#[derive(Template)]
#[template(path = "topics.html")]
struct TopicsPage {
    chrome: Chrome,
    /// (slug, name, stories)
    topics: Vec<(&'static str, &'static str, u64)>,
}

/// `/topics`: every topic of the taxonomy with how many stories it has.
pub(crate) async fn topics(State(state): State<AppState>, page: PageAddress) -> Result<Response, AppError> {
    let results = state
        .blocking(|state| {
            Ok(state.index.search(
                &state.store,
                &csfeed_search::SearchRequest {
                    facets: true,
                    limit: 1,
                    ..csfeed_search::SearchRequest::default()
                },
            )?)
        })
        .await?;
    let counts: HashMap<&str, u64> = results
        .facets
        .iter()
        .filter(|facet| facet.field == csfeed_search::FacetField::Topic)
        .flat_map(|facet| {
            facet
                .values
                .iter()
                .map(|value| (value.value.as_str(), value.count))
        })
        .collect();
    let topics = csfeed_core::TOPICS
        .iter()
        .map(|topic| {
            (
                topic.slug,
                topic.name,
                counts.get(topic.slug).copied().unwrap_or(0),
            )
        })
        .collect();
    render(TopicsPage {
        chrome: Chrome::new(&state.site, Some("Topics")).at(&page).described(format!(
            "The topics {} tags stories with, from kinship care to care leavers, each with its own news, feeds and email digest.",
            state.site.title
        )),
        topics,
    })
}

#[derive(Template)]
#[template(path = "subscribe.html")]
struct SubscribePage {
    chrome: Chrome,
}

/// `/subscribe`: how to follow the site: feeds, and the email digest of everything.
pub(crate) async fn subscribe_page(
    State(state): State<AppState>,
    page: PageAddress,
) -> Result<Response, AppError> {
    let mut chrome = Chrome::new(&state.site, Some("Subscribe"))
        .at(&page)
        .described(format!(
            "Follow {} by email or in a feed reader: every story, or a search, council or topic.",
            state.site.title
        ));
    if state.subscriptions.is_some() {
        chrome.subscribe = Some(crate::views::SubscribeForm {
            query: String::new(),
            label: "All stories".to_owned(),
        });
    }
    render(SubscribePage { chrome })
}

/// The results page for `params`; `heading` replaces "Results for …" on topic pages.
async fn search_page(
    state: AppState,
    page: PageAddress,
    params: SearchParams,
    heading: Option<&'static str>,
) -> Result<Response, AppError> {
    let mut request = params.to_request(PAGE_SIZE);
    request.facets = true;
    let started = std::time::Instant::now();
    let (results, source_names) = state
        .blocking(move |state| {
            let results = state.index.search(&state.store, &request)?;
            let names: HashMap<String, String> = state
                .store
                .sources()?
                .into_iter()
                .map(|record| (record.source.id.to_string(), record.source.name))
                .collect();
            Ok((results, names))
        })
        .await?;
    metrics::histogram!("csfeed_search_duration_seconds").record(started.elapsed().as_secs_f64());
    let first_shown = (params.page - 1) * PAGE_SIZE + 1;
    let last_shown = first_shown + results.hits.len().saturating_sub(1);
    let page_href = |page: usize| format!("/search?{}", params.query_string(Some(page)));
    let with_sort = |sort: Option<&str>| {
        let mut sorted = params.clone();
        sorted.sort = if sort.is_some() {
            csfeed_search::SortOrder::Newest
        } else {
            csfeed_search::SortOrder::Relevance
        };
        format!("/search?{}", sorted.query_string(None))
    };
    let title = match heading {
        Some(heading) => heading.to_owned(),
        None if params.query.is_empty() => "All stories".to_owned(),
        None => format!("Search: {}", params.query),
    };
    let description = match heading {
        Some(topic) => format!("The latest news on {topic} for people who work with children in England."),
        None if params.query.is_empty() => format!("Every story on {}, newest first.", state.site.title),
        None => format!("Stories on {} matching “{}”.", state.site.title, params.query),
    };
    let mut chrome = Chrome::new(&state.site, Some(&title))
        .at(&page)
        .described(description);
    chrome.query = params.query.clone();
    chrome.set_feeds(&params.query_string(None), title.clone());
    if state.subscriptions.is_some() {
        chrome.subscribe = Some(crate::views::SubscribeForm {
            query: params.to_query(),
            label: params.label(),
        });
    }
    let rest = SearchParams {
        query: String::new(),
        ..params.clone()
    }
    .query_string(None);
    let facets = FacetGroup::build(
        &results.facets,
        &params.query,
        &rest,
        &selected_facets(&params),
        &source_names,
    );
    let did_you_mean = results
        .did_you_mean
        .clone()
        .map(|suggestion| (suggestion.clone(), search_href(&suggestion, &rest)));
    render(SearchPage {
        heading: heading.map(str::to_owned),
        facets,
        did_you_mean,
        synonyms: results
            .synonyms
            .iter()
            .filter_map(|(written, name)| {
                let topic = csfeed_core::TOPICS.iter().find(|topic| topic.name == name)?;
                Some((written.clone(), name.clone(), topic.slug))
            })
            .collect(),
        feed_href: chrome.feed_href.clone(),
        csv_href: format!("/search.csv?{}", params.query_string(None)),
        chrome,
        query: params.query.clone(),
        newest: params.sort == csfeed_search::SortOrder::Newest,
        total: results.total,
        first_shown,
        last_shown,
        // Straight under the page's h1, so h2: headings go down one level at a time.
        results: results
            .hits
            .iter()
            .map(|hit| StoryCard {
                heading_level: 2,
                ..StoryCard::from_hit(hit)
            })
            .collect(),
        warnings: results.warnings.clone(),
        previous_href: (params.page > 1).then(|| page_href(params.page - 1)),
        next_href: (last_shown < results.total).then(|| page_href(params.page + 1)),
        relevance_href: with_sort(None),
        newest_href: with_sort(Some("newest")),
        filters: active_filters(
            &params,
            results.hits.first().map(|hit| hit.record.source_name.as_str()),
        ),
    })
}

/// The link to the search `params` changed by `change` (a filter removed).
fn search_without(params: &SearchParams, change: &dyn Fn(&mut SearchParams)) -> String {
    let mut other = params.clone();
    change(&mut other);
    format!("/search?{}", other.query_string(None))
}

/// The facet values the search's parameters filter on, so the sidebar marks them active.
fn selected_facets(params: &SearchParams) -> Vec<crate::views::SelectedFacet> {
    use crate::views::SelectedFacet;
    use csfeed_search::FacetField;
    let mut selected = Vec::new();
    if let Some(source) = &params.source {
        selected.push(SelectedFacet {
            field: FacetField::Source,
            value: source.to_string(),
            remove_href: search_without(params, &|p| p.source = None),
        });
    }
    if let Some(la) = params.local_authority {
        selected.push(SelectedFacet {
            field: FacetField::LocalAuthority,
            value: la.gss_code.clone(),
            remove_href: search_without(params, &|p| p.local_authority = None),
        });
    }
    if let Some(topic) = params.topic {
        selected.push(SelectedFacet {
            field: FacetField::Topic,
            value: topic.slug.to_owned(),
            remove_href: search_without(params, &|p| p.topic = None),
        });
    }
    selected
}

/// The filters a search has, each with the link that removes it.
fn active_filters(params: &SearchParams, source_name: Option<&str>) -> Vec<(String, String)> {
    let without = |change: &dyn Fn(&mut SearchParams)| search_without(params, change);
    let mut filters = Vec::new();
    if let Some(source) = &params.source {
        let name = source_name.map_or_else(|| source.to_string(), str::to_owned);
        filters.push((format!("Source: {name}"), without(&|p| p.source = None)));
    }
    if let Some(la) = params.local_authority {
        filters.push((
            format!("Council: {}", la.name),
            without(&|p| p.local_authority = None),
        ));
    }
    if let Some(topic) = params.topic {
        filters.push((format!("Topic: {}", topic.name), without(&|p| p.topic = None)));
    }
    filters
}

#[derive(Template)]
#[template(path = "article.html")]
struct ArticlePage {
    chrome: Chrome,
    card: StoryCard,
    authors: String,
    content_html: String,
    updated: Option<String>,
    first_seen: String,
    /// For news: the Ofsted reports it is about.
    about_reports: Vec<ReportLink>,
    /// For a report csfeed read: its facts panel and findings.
    report: Option<crate::reports::ReportFacts>,
    /// For a report: the news about it, as cards.
    coverage: Vec<StoryCard>,
    /// Other stories on the same subject.
    similar: Vec<StoryCard>,
}

/// Stories in "More like this".
const SIMILAR_STORIES: usize = 5;

/// An Ofsted report a story is about.
struct ReportLink {
    title: String,
    href: String,
    published: String,
}

/// How far apart a report and the news about it may be.
const COVERAGE_DAYS: i64 = 28;

/// Links between an Ofsted report and the news about it: news tagged with the report's
/// council within four weeks of its publication.
fn report_links(
    state: &AppState,
    record: &ArticleRecord,
) -> Result<(Vec<ReportLink>, Vec<StoryCard>), AppError> {
    let article = &record.article;
    let date = record.display_date();
    let window = chrono::Duration::days(COVERAGE_DAYS);
    if state.store.has_read_report(&article.guid)? {
        let mut coverage = Vec::new();
        for gss in &article.local_authorities {
            let request = csfeed_search::SearchRequest {
                local_authority: Some(gss.clone()),
                from: Some(date - window),
                to: Some(date + window),
                sort: csfeed_search::SortOrder::Newest,
                limit: 10,
                ..csfeed_search::SearchRequest::default()
            };
            let results = state.index.search(&state.store, &request)?;
            coverage.extend(
                results
                    .hits
                    .iter()
                    .filter(|hit| hit.record.article.source != article.source)
                    .map(StoryCard::from_hit),
            );
        }
        return Ok((Vec::new(), coverage));
    }
    let mut about = Vec::new();
    for gss in &article.local_authorities {
        for inspection in state.store.inspections_for(gss)? {
            let Some(published) = inspection.published else {
                continue;
            };
            let published_at = published.and_time(chrono::NaiveTime::MIN).and_utc();
            if (published_at - date).num_days().abs() > COVERAGE_DAYS || inspection.origin != "report" {
                continue;
            }
            let href = match state.store.article_id_by_guid(&inspection.report_url)? {
                Some(id) => format!("/articles/{id}"),
                None if crate::views::on_the_web(&inspection.report_url) => inspection.report_url.clone(),
                None => continue,
            };
            let council = csfeed_core::Gazetteer::get()
                .find(gss)
                .map_or_else(String::new, |la| la.name.clone());
            about.push(ReportLink {
                title: format!("{} of {council}", inspection.kind_label()),
                href,
                published: long_date(published_at),
            });
        }
    }
    Ok((about, Vec::new()))
}

/// `/articles/{id}`: the stored story, with a link to the original.
pub(crate) async fn article(
    State(state): State<AppState>,
    page: PageAddress,
    Path(raw_id): Path<String>,
) -> Result<Response, AppError> {
    let not_found = || {
        AppError::NotFound(format!(
            "there is no story with id {raw_id:?}; it may have been removed"
        ))
    };
    let id = ArticleId::parse(&raw_id).ok_or_else(not_found)?;
    let (record, (about_reports, coverage), report, similar) = state
        .blocking(move |state| {
            let Some(record) = state.store.article(&id)? else {
                return Ok(None);
            };
            let links = report_links(state, &record)?;
            let report = crate::reports::report_facts(&state.store, &record)?;
            let similar = state
                .index
                .more_like_this(&state.store, &record.article.id, SIMILAR_STORIES)?;
            Ok(Some((record, links, report, similar)))
        })
        .await?
        .ok_or_else(not_found)?;
    let article = &record.article;
    let card = StoryCard::from_record(&record);
    let mut chrome = Chrome::new(&state.site, Some(&article.title))
        .at(&page)
        .described(teaser(&article.summary));
    chrome.og_type = "article";
    chrome.canonical = card.original_url.clone();
    if let (Some(_), Some((slug, name))) = (&state.subscriptions, card.councils.first()) {
        chrome.subscribe = Some(crate::views::SubscribeForm {
            query: format!("la:{slug}"),
            label: name.clone(),
        });
    }
    render(ArticlePage {
        chrome,
        authors: article.authors.join(", "),
        content_html: article.content_html.clone(),
        updated: article
            .updated
            .filter(|updated| Some(*updated) != article.published)
            .map(long_date),
        first_seen: long_date(record.first_seen_at),
        card,
        about_reports,
        report,
        coverage,
        similar: similar.iter().map(StoryCard::from_record).collect(),
    })
}

#[derive(Template)]
#[template(path = "sources.html")]
struct SourcesPage {
    chrome: Chrome,
    rows: Vec<SourceRow>,
    failing: usize,
}

/// `/sources`: every source with its health.
pub(crate) async fn sources(State(state): State<AppState>, page: PageAddress) -> Result<Response, AppError> {
    let records = state.blocking(|state| Ok(state.store.sources()?)).await?;
    let rows: Vec<SourceRow> = records.iter().map(SourceRow::from_record).collect();
    render(SourcesPage {
        chrome: Chrome::new(&state.site, Some("Sources"))
            .at(&page)
            .described(format!(
                "Where the stories on {} come from, and whether each source is up to date.",
                state.site.title
            )),
        failing: records.iter().filter(|r| r.in_config && r.is_failing()).count(),
        rows,
    })
}

#[derive(Serialize)]
pub(crate) struct Health {
    status: &'static str,
    articles: u64,
    indexed: u64,
    sources: usize,
    failing_sources: usize,
}

/// `/healthz`: 200 with counts while the store answers.
pub(crate) async fn health(State(state): State<AppState>) -> Result<Json<Health>, AppError> {
    state
        .blocking(|state| {
            let sources = state.store.sources()?;
            Ok(Json(Health {
                status: "ok",
                articles: state.store.article_count()?,
                indexed: state.index.num_docs(),
                failing_sources: sources.iter().filter(|s| s.in_config && s.is_failing()).count(),
                sources: sources.len(),
            }))
        })
        .await
}

/// `/api/v1/search?q=&la=&topic=&source=&from=&to=&sort=&page=&facets=1`: the site's
/// search as JSON, in the schema of [`crate::search_results_json`].
pub(crate) async fn api_search(
    State(state): State<AppState>,
    Query(raw): Query<HashMap<String, String>>,
) -> Result<Response, AppError> {
    let params = SearchParams::parse(&raw)?;
    let mut request = params.to_request(PAGE_SIZE);
    request.facets = raw
        .get("facets")
        .is_some_and(|value| matches!(value.as_str(), "1" | "true" | "yes" | "on"));
    let results = state
        .blocking(move |state| Ok(state.index.search(&state.store, &request)?))
        .await?;
    Ok(Json(crate::search_results_json(
        &results,
        &params.query,
        params.page,
        PAGE_SIZE,
    ))
    .into_response())
}

#[derive(Template)]
#[template(path = "help_search.html")]
struct SearchHelpPage {
    chrome: Chrome,
}

/// `/help/search`: the query syntax.
pub(crate) async fn search_help(
    State(state): State<AppState>,
    page: PageAddress,
) -> Result<Response, AppError> {
    render(SearchHelpPage {
        chrome: Chrome::new(&state.site, Some("How to search"))
            .at(&page)
            .described(format!(
                "How to search {}: phrases, councils, topics, Ofsted grades, dates and feeds of any search.",
                state.site.title
            )),
    })
}

/// `/opensearch.xml`: lets browsers add the site as a search engine.
pub(crate) async fn opensearch(
    State(state): State<AppState>,
    headers: axum::http::HeaderMap,
) -> impl IntoResponse {
    let root =
        crate::feeds::site_base(&state, &headers).map_or_else(|| "/".to_owned(), |url| url.to_string());
    let escape = csfeed_core::escape_html;
    let body = format!(
        r#"<?xml version="1.0" encoding="UTF-8"?>
<OpenSearchDescription xmlns="http://a9.com/-/spec/opensearch/1.1/">
  <ShortName>{}</ShortName>
  <Description>{}</Description>
  <InputEncoding>UTF-8</InputEncoding>
  <Url type="text/html" template="{root}search?q={{searchTerms}}"/>
  <Url type="application/rss+xml" template="{root}search.rss?q={{searchTerms}}"/>
  <Url type="application/atom+xml" template="{root}search.atom?q={{searchTerms}}"/>
</OpenSearchDescription>
"#,
        escape(&state.site.title.chars().take(16).collect::<String>()),
        escape(&state.site.tagline),
    );
    (
        [(
            header::CONTENT_TYPE,
            "application/opensearchdescription+xml; charset=utf-8",
        )],
        body,
    )
}

/// The site's stylesheet.
const STYLESHEET: &str = include_str!("../static/style.css");

/// `/static/style.{fingerprint}.css`: the address pages use, which changes whenever the
/// stylesheet does, so it can be cached for a year.
pub(crate) fn stylesheet_path() -> &'static str {
    static PATH: std::sync::LazyLock<String> = std::sync::LazyLock::new(|| {
        let mut hasher = std::collections::hash_map::DefaultHasher::new();
        std::hash::Hash::hash(STYLESHEET, &mut hasher);
        format!(
            "/static/style.{:012x}.css",
            std::hash::Hasher::finish(&hasher) & 0xffff_ffff_ffff
        )
    });
    PATH.as_str()
}

/// `/static/{file}`: the stylesheet, under its fingerprinted name (cached for a year) or
/// as `style.css` (cached for an hour, for old links).
pub(crate) async fn static_file(Path(file): Path<String>) -> Result<Response, AppError> {
    let cache = if format!("/static/{file}") == stylesheet_path() {
        "public, max-age=31536000, immutable"
    } else if file == "style.css" {
        "public, max-age=3600"
    } else {
        return Err(AppError::NotFound(format!("there is no file /static/{file}")));
    };
    Ok((
        [
            (header::CONTENT_TYPE, "text/css; charset=utf-8"),
            (header::CACHE_CONTROL, cache),
        ],
        STYLESHEET,
    )
        .into_response())
}

/// Longest page description, in characters; search results show about this much.
const DESCRIPTION_CHARS: usize = 200;

/// The start of a story's summary, cut at a word, as its page's description.
fn teaser(summary: &str) -> String {
    if summary.chars().count() <= DESCRIPTION_CHARS {
        return summary.to_owned();
    }
    let cut: String = summary.chars().take(DESCRIPTION_CHARS).collect();
    let words = cut.rsplit_once(' ').map_or(cut.as_str(), |(words, _)| words);
    format!("{}…", words.trim_end_matches([',', ';', ':', ' ']))
}

/// Anything else.
pub(crate) async fn not_found() -> AppError {
    AppError::NotFound("there is no page at this address".to_owned())
}
