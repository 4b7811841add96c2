//! Query-string parameters, parsed by hand so that bad values get a page that says what
//! to type instead of a bare extractor rejection.

use std::collections::HashMap;

use chrono::{DateTime, NaiveDate, Utc};
use csfeed_core::SourceId;
use csfeed_search::{SearchRequest, SortOrder};

use crate::AppError;

/// Results per page on the site.
pub(crate) const PAGE_SIZE: usize = 20;
/// Longest query accepted, in bytes; longer ones are a mistake or an attack.
const MAX_QUERY_BYTES: usize = 1_000;
/// Highest page number served.
const MAX_PAGE: usize = 500;

/// A search as the site's forms and links express it.
#[derive(Debug, Clone, Default)]
pub(crate) struct SearchParams {
    pub query: String,
    pub source: Option<SourceId>,
    /// A council, by slug.
    pub local_authority: Option<&'static csfeed_core::LocalAuthority>,
    /// A topic.
    pub topic: Option<&'static csfeed_core::Topic>,
    pub from: Option<NaiveDate>,
    pub to: Option<NaiveDate>,
    pub sort: SortOrder,
    pub page: usize,
}

impl SearchParams {
    pub(crate) fn parse(raw: &HashMap<String, String>) -> Result<Self, AppError> {
        let query = raw.get("q").map(|q| q.trim().to_owned()).unwrap_or_default();
        if query.len() > MAX_QUERY_BYTES {
            return Err(AppError::BadRequest(format!(
                "the search is too long ({} characters); keep it under {MAX_QUERY_BYTES}",
                query.len()
            )));
        }
        let source = non_empty(raw, "source")
            .map(|id| SourceId::parse(id).map_err(|error| AppError::BadRequest(error.to_string())))
            .transpose()?;
        let sort = match non_empty(raw, "sort") {
            None | Some("relevance") => SortOrder::Relevance,
            Some("newest") => SortOrder::Newest,
            Some(other) => {
                return Err(AppError::BadRequest(format!(
                    "unknown sort {other:?}: use sort=relevance or sort=newest"
                )));
            }
        };
        let page = match non_empty(raw, "page") {
            None => 1,
            Some(page) => page
                .parse::<usize>()
                .ok()
                .filter(|page| (1..=MAX_PAGE).contains(page))
                .ok_or_else(|| {
                    AppError::BadRequest(format!("page {page:?} is not a page number from 1 to {MAX_PAGE}"))
                })?,
        };
        let local_authority = non_empty(raw, "la")
            .map(|key| {
                csfeed_core::Gazetteer::get().lookup(key).ok_or_else(|| {
                    AppError::BadRequest(format!(
                        "la={key:?} is not an English local authority: use a council's slug (e.g. la=st-helens), name or GSS code"
                    ))
                })
            })
            .transpose()?;
        let topic = non_empty(raw, "topic")
            .map(|slug| {
                csfeed_core::Topic::find(slug).ok_or_else(|| {
                    AppError::BadRequest(format!(
                        "topic={slug:?} is not a topic: use a slug such as topic=kinship-care"
                    ))
                })
            })
            .transpose()?;
        Ok(Self {
            query,
            source,
            local_authority,
            topic,
            from: non_empty(raw, "from")
                .map(|d| parse_date("from", d))
                .transpose()?,
            to: non_empty(raw, "to").map(|d| parse_date("to", d)).transpose()?,
            sort,
            page,
        })
    }

    /// The search-crate request for page `self.page` of `page_size` results.
    pub(crate) fn to_request(&self, page_size: usize) -> SearchRequest {
        let midnight = |date: NaiveDate| -> DateTime<Utc> { date.and_time(chrono::NaiveTime::MIN).and_utc() };
        SearchRequest {
            query: self.query.clone(),
            source: self.source.clone(),
            local_authority: self.local_authority.map(|la| la.gss_code.clone()),
            topic: self.topic.map(|topic| topic.slug.to_owned()),
            from: self.from.map(midnight),
            // `to` is inclusive for people: everything up to the end of that day.
            to: self.to.and_then(|to| to.succ_opt()).map(midnight),
            sort: self.sort,
            offset: (self.page - 1) * page_size,
            limit: page_size,
            facets: false,
            fresh_from: None,
            seen_from: None,
            seen_to: None,
            skip_highlights: false,
        }
    }

    /// This search as one query in the query language (what a subscription follows).
    pub(crate) fn to_query(&self) -> String {
        let mut parts = Vec::new();
        if !self.query.is_empty() {
            parts.push(self.query.clone());
        }
        if let Some(source) = &self.source {
            parts.push(format!("source:{source}"));
        }
        if let Some(la) = self.local_authority {
            parts.push(format!("la:{}", la.slug));
        }
        if let Some(topic) = self.topic {
            parts.push(format!("topic:{}", topic.slug));
        }
        if let Some(from) = self.from {
            parts.push(format!("after:{from}"));
        }
        if let Some(to) = self.to.and_then(|to| to.succ_opt()) {
            parts.push(format!("before:{to}"));
        }
        parts.join(" ")
    }

    /// How a subscription to this search is named.
    pub(crate) fn label(&self) -> String {
        csfeed_search::check_follow(&self.to_query())
            .map_or_else(|_| "this search".to_owned(), |followed| followed.label)
    }

    /// The query string that reproduces this search (without the page unless asked).
    pub(crate) fn query_string(&self, page: Option<usize>) -> String {
        let mut serializer = url::form_urlencoded::Serializer::new(String::new());
        if !self.query.is_empty() {
            serializer.append_pair("q", &self.query);
        }
        if let Some(source) = &self.source {
            serializer.append_pair("source", source.as_str());
        }
        if let Some(la) = self.local_authority {
            serializer.append_pair("la", &la.slug);
        }
        if let Some(topic) = self.topic {
            serializer.append_pair("topic", topic.slug);
        }
        if let Some(from) = self.from {
            serializer.append_pair("from", &from.to_string());
        }
        if let Some(to) = self.to {
            serializer.append_pair("to", &to.to_string());
        }
        if self.sort == SortOrder::Newest {
            serializer.append_pair("sort", "newest");
        }
        if let Some(page) = page.filter(|page| *page > 1) {
            serializer.append_pair("page", &page.to_string());
        }
        serializer.finish()
    }
}

fn non_empty<'a>(raw: &'a HashMap<String, String>, key: &str) -> Option<&'a str> {
    raw.get(key)
        .map(|value| value.trim())
        .filter(|value| !value.is_empty())
}

fn parse_date(name: &str, raw: &str) -> Result<NaiveDate, AppError> {
    NaiveDate::parse_from_str(raw, "%Y-%m-%d").map_err(|_| {
        AppError::BadRequest(format!(
            "{name}={raw:?} is not a date: use YYYY-MM-DD, e.g. {name}=2024-07-12"
        ))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(pairs: &[(&str, &str)]) -> Result<SearchParams, AppError> {
        SearchParams::parse(
            &pairs
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
        )
    }

    #[test]
    fn good_parameters_round_trip() {
        let params = parse(&[
            ("q", "St Helens"),
            ("sort", "newest"),
            ("page", "2"),
            ("from", "2024-01-01"),
        ])
        .unwrap();
        assert_eq!(params.page, 2);
        assert_eq!(
            params.query_string(Some(3)),
            "q=St+Helens&from=2024-01-01&sort=newest&page=3"
        );
        let request = params.to_request(PAGE_SIZE);
        assert_eq!(request.offset, 20);
        assert_eq!(request.from.unwrap().to_rfc3339(), "2024-01-01T00:00:00+00:00");
    }

    #[test]
    fn bad_parameters_say_what_to_do() {
        for (pairs, hint) in [
            (vec![("page", "zero")], "page number"),
            (vec![("page", "0")], "page number"),
            (vec![("sort", "oldest")], "sort=newest"),
            (vec![("from", "12/07/2024")], "YYYY-MM-DD"),
            (vec![("source", "Not An Id")], "lowercase"),
            (vec![("la", "Atlantis")], "local authority"),
            (vec![("topic", "astrology")], "not a topic"),
        ] {
            match parse(&pairs) {
                Err(AppError::BadRequest(message)) => assert!(message.contains(hint), "{message}"),
                other => panic!("{pairs:?} gave {other:?}"),
            }
        }
    }
}
