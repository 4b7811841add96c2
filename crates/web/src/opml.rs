//! The configured sources as OPML 2.0, for feed readers and other aggregators.

use axum::extract::State;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use csfeed_store::SourceRecord;

use crate::{AppError, AppState};

/// An OPML 2.0 document listing every configured source, titled `title`.
pub fn sources_opml(title: &str, records: &[SourceRecord]) -> Result<String, String> {
    let mut document = opml::OPML {
        head: Some(opml::Head {
            title: Some(title.to_owned()),
            ..opml::Head::default()
        }),
        ..opml::OPML::default()
    };
    for record in records.iter().filter(|record| record.in_config) {
        let source = &record.source;
        document.body.outlines.push(opml::Outline {
            text: source.name.clone(),
            title: Some(source.name.clone()),
            r#type: Some("rss".to_owned()),
            xml_url: Some(record.url_to_fetch().to_string()),
            ..opml::Outline::default()
        });
    }
    document.to_string().map_err(|error| error.to_string())
}

/// `/sources.opml`.
pub(crate) async fn sources(State(state): State<AppState>) -> Result<Response, AppError> {
    let records = state.blocking(|state| Ok(state.store.sources()?)).await?;
    let body =
        sources_opml(&format!("{} sources", state.site.title), &records).map_err(AppError::Internal)?;
    Ok(([(header::CONTENT_TYPE, "text/x-opml; charset=utf-8")], body).into_response())
}
