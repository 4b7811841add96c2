//! `/search.csv`: a search's results as a spreadsheet, for the researcher counting
//! judgements or visits ("every inadequate inspection since 2024") rather than reading.

use std::collections::HashMap;

use axum::extract::{Query, State};
use axum::http::{HeaderMap, header};
use axum::response::{IntoResponse, Response};
use csfeed_core::{Gazetteer, Topic};
use csfeed_search::{MAX_PAGE_SIZE, SearchHit};
use url::Url;

use crate::params::SearchParams;
use crate::{AppError, AppState};

/// Most rows one download holds (the best matches, or the newest with `sort=newest`).
pub(crate) const MAX_ROWS: usize = 1_000;

const COLUMNS: [&str; 9] = [
    "date",
    "headline",
    "kind",
    "grade",
    "councils",
    "topics",
    "source",
    "url",
    "csfeed_url",
];

/// `/search.csv?q=…`: the same search as `/search`, one row per story, up to [`MAX_ROWS`].
pub(crate) async fn search(
    State(state): State<AppState>,
    headers: HeaderMap,
    Query(raw): Query<HashMap<String, String>>,
) -> Result<Response, AppError> {
    let params = SearchParams::parse(&raw)?;
    let base = crate::feeds::site_base(&state, &headers);
    let body = state
        .blocking(move |state| {
            let mut writer = csv::Writer::from_writer(Vec::new());
            writer.write_record(COLUMNS).map_err(csv_error)?;
            let mut request = params.to_request(MAX_PAGE_SIZE);
            request.offset = 0;
            request.skip_highlights = true;
            loop {
                // Uncached: a download's pages would push popular searches out of the cache.
                let results = state.index.search_uncached(&state.store, &request)?;
                for hit in &results.hits {
                    writer.write_record(row(hit, base.as_ref())).map_err(csv_error)?;
                }
                request.offset += results.hits.len();
                if results.hits.is_empty() || request.offset >= results.total.min(MAX_ROWS) {
                    break;
                }
            }
            finish(writer)
        })
        .await?;
    Ok((
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8"),
            (header::CONTENT_DISPOSITION, "attachment; filename=\"search.csv\""),
        ],
        body,
    )
        .into_response())
}

fn row(hit: &SearchHit, base: Option<&Url>) -> [String; 9] {
    let article = &hit.record.article;
    let councils: Vec<&str> = article
        .local_authorities
        .iter()
        .filter_map(|gss| Gazetteer::get().find(gss))
        .map(|council| council.name.as_str())
        .collect();
    let topics: Vec<&str> = article
        .topics
        .iter()
        .filter_map(|slug| Topic::find(slug))
        .map(|topic| topic.name)
        .collect();
    let path = format!("articles/{}", article.id.as_str());
    [
        // Blank for undated items: a first-seen time in a date column would be read, and
        // sorted, as the day it was published.
        if hit.record.is_dated() {
            hit.record.display_date().format("%Y-%m-%d").to_string()
        } else {
            String::new()
        },
        inert(&article.title),
        hit.kind.label().to_owned(),
        hit.grade
            .map(|grade| grade.label().to_owned())
            .unwrap_or_default(),
        councils.join("; "),
        topics.join("; "),
        inert(&hit.record.source_name),
        article.url.as_ref().map(Url::to_string).unwrap_or_default(),
        base.and_then(|base| base.join(&path).ok())
            .map_or_else(|| format!("/{path}"), |url| url.to_string()),
    ]
}

/// `text`, made safe to open in a spreadsheet: a cell that begins like a formula (`=`, `+`,
/// `-`, `@`, tab, carriage return) gets a leading apostrophe, so a headline from a remote
/// feed or a search someone typed cannot run as one (OWASP's advice on CSV injection).
pub(crate) fn inert(text: &str) -> String {
    if text.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{text}")
    } else {
        text.to_owned()
    }
}

/// A CSV writing failure, as the site reports one.
pub(crate) fn csv_error(error: csv::Error) -> AppError {
    AppError::Internal(format!("cannot write CSV: {error}"))
}

/// The bytes `writer` wrote, flushed.
pub(crate) fn finish(writer: csv::Writer<Vec<u8>>) -> Result<Vec<u8>, AppError> {
    writer
        .into_inner()
        .map_err(|error| csv_error(error.into_error().into()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cells_that_look_like_formulas_are_made_inert() {
        assert_eq!(inert("=HYPERLINK(\"http://x\")"), "'=HYPERLINK(\"http://x\")");
        assert_eq!(inert("-5% for councils"), "'-5% for councils");
        assert_eq!(inert("@home"), "'@home");
        assert_eq!(inert("Kinship carers"), "Kinship carers");
    }
}
