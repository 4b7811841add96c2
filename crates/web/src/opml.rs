//! OPML 2.0: csfeed's own feeds for readers (`/sources.opml`), and the configured sources
//! for the operator (`csfeed sources export`).

use axum::extract::State;
use axum::http::{HeaderMap, header};
use axum::response::{IntoResponse, Response};
use csfeed_store::SourceRecord;
use url::Url;

use crate::feeds::{absolute, site_base};
use crate::{AppError, AppState};

/// An OPML 2.0 document listing every configured source's fetch address, titled `title`:
/// the operator's export, which another csfeed can import.
pub fn sources_opml(title: &str, records: &[SourceRecord]) -> Result<String, String> {
    let outlines = records
        .iter()
        .filter(|record| record.in_config)
        .map(|record| {
            let source = &record.source;
            opml::Outline {
                text: source.name.clone(),
                title: Some(source.name.clone()),
                r#type: Some("rss".to_owned()),
                xml_url: Some(record.url_to_fetch().to_string()),
                ..opml::Outline::default()
            }
        })
        .collect();
    opml_document(title, outlines)
}

/// An OPML 2.0 document of the site's own feeds, in groups: everything, each source's
/// stories, each council's news and each topic. Every address is absolute under `base`
/// (the site's public address), so a reader can import the file as it is.
pub(crate) fn site_feeds_opml(
    title: &str,
    base: Option<&Url>,
    records: &[SourceRecord],
) -> Result<String, String> {
    let feed = |name: &str, feed_path: &str, page_path: &str| opml::Outline {
        text: name.to_owned(),
        title: Some(name.to_owned()),
        r#type: Some("rss".to_owned()),
        xml_url: Some(absolute(base, feed_path)),
        html_url: Some(absolute(base, page_path)),
        ..opml::Outline::default()
    };
    let group = |name: &str, outlines: Vec<opml::Outline>| opml::Outline {
        text: name.to_owned(),
        title: Some(name.to_owned()),
        outlines,
        ..opml::Outline::default()
    };
    let everything = vec![
        feed("All stories", "/feed.rss", "/"),
        feed(
            "Ofsted alerts: grade changes and priority actions",
            "/ofsted/changes.rss",
            "/ofsted",
        ),
    ];
    let sources = records
        .iter()
        .filter(|record| record.in_config)
        .map(|record| {
            let id = &record.source.id;
            feed(
                &record.source.name,
                &format!("/search.rss?q=source:{id}"),
                &format!("/search?q=source:{id}&sort=newest"),
            )
        })
        .collect();
    let councils = crate::councils::current_councils()
        .map(|la| {
            feed(
                &la.name,
                &format!("/la/{}/feed.rss", la.slug),
                &format!("/la/{}", la.slug),
            )
        })
        .collect();
    let topics = csfeed_core::TOPICS
        .iter()
        .map(|topic| {
            feed(
                topic.name,
                &format!("/search.rss?topic={}", topic.slug),
                &format!("/topics/{}", topic.slug),
            )
        })
        .collect();
    opml_document(
        title,
        vec![
            group("Everything", everything),
            group("Sources", sources),
            group("Councils", councils),
            group("Topics", topics),
        ],
    )
}

fn opml_document(title: &str, outlines: Vec<opml::Outline>) -> Result<String, String> {
    let mut document = opml::OPML {
        head: Some(opml::Head {
            title: Some(title.to_owned()),
            ..opml::Head::default()
        }),
        ..opml::OPML::default()
    };
    document.body.outlines = outlines;
    document.to_string().map_err(|error| error.to_string())
}

/// `/sources.opml`: the site's own feeds, to import into a feed reader.
pub(crate) async fn sources(State(state): State<AppState>, headers: HeaderMap) -> Result<Response, AppError> {
    let records = state.blocking(|state| Ok(state.store.sources()?)).await?;
    let base = site_base(&state, &headers);
    let body = site_feeds_opml(&format!("{} feeds", state.site.title), base.as_ref(), &records)
        .map_err(AppError::Internal)?;
    Ok(([(header::CONTENT_TYPE, "text/x-opml; charset=utf-8")], body).into_response())
}
