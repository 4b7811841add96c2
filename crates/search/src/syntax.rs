//! Field operators in queries that name things rather than words: `la:` (or `council:`),
//! `region:`, `topic:`, `after:` and `before:`. They are taken out of the query and become
//! exact filters; everything else goes to the full-text parser. Values may be quoted
//! (`la:"St Helens"`) and may use names, slugs or codes.

use chrono::{DateTime, Datelike, NaiveDate, Utc};
use csfeed_core::{Gazetteer, Topic};

/// Filters found in a query, and what is left for the text parser.
#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) struct FieldFilters {
    /// Each inner list is one operator: any of its GSS codes matches.
    pub councils: Vec<Vec<String>>,
    /// Topic slugs, all required.
    pub topics: Vec<String>,
    /// On or after.
    pub after: Option<DateTime<Utc>>,
    /// Before.
    pub before: Option<DateTime<Utc>>,
    /// The query without the operators.
    pub text: String,
    /// Operators whose value was not understood.
    pub warnings: Vec<String>,
}

/// Splits `query` into operators and text.
pub(crate) fn extract_filters(query: &str) -> FieldFilters {
    let mut filters = FieldFilters::default();
    let mut text = Vec::new();
    for token in tokens(query) {
        let Some((field, value)) = token.split_once(':') else {
            text.push(token);
            continue;
        };
        let value = value.trim_matches('"').trim();
        match field.to_ascii_lowercase().as_str() {
            "la" | "council" => match council(value) {
                Some(gss) => filters.councils.push(vec![gss]),
                None => filters
                    .warnings
                    .push(format!("no English council called {value:?} (try la:st-helens)")),
            },
            "region" => {
                let wanted = slug(value);
                let codes: Vec<String> = Gazetteer::get()
                    .authorities()
                    .iter()
                    .filter(|la| la.abolished.is_none() && slug(&la.region) == wanted)
                    .map(|la| la.gss_code.clone())
                    .collect();
                if codes.is_empty() {
                    filters.warnings.push(format!(
                        "no English region called {value:?} (try region:north-west)"
                    ));
                } else {
                    filters.councils.push(codes);
                }
            }
            "topic" => match topic(value) {
                Some(slug) => filters.topics.push(slug),
                None => filters
                    .warnings
                    .push(format!("no topic called {value:?} (try topic:kinship-care)")),
            },
            "after" | "since" | "from" => match period(value) {
                Some((start, _)) => filters.after = Some(start),
                None => filters.warnings.push(format!(
                    "{field}:{value} is not a date: use YYYY, YYYY-MM or YYYY-MM-DD"
                )),
            },
            "before" | "until" => match period(value) {
                Some((start, _)) => filters.before = Some(start),
                None => filters.warnings.push(format!(
                    "{field}:{value} is not a date: use YYYY, YYYY-MM or YYYY-MM-DD"
                )),
            },
            _ => text.push(token),
        }
    }
    filters.text = text.join(" ");
    filters
}

/// Whitespace-separated tokens, keeping quoted stretches (also after `field:`) whole.
fn tokens(query: &str) -> Vec<String> {
    let mut tokens = Vec::new();
    let mut current = String::new();
    let mut quoted = false;
    for character in query.chars() {
        match character {
            '"' => {
                quoted = !quoted;
                current.push(character);
            }
            c if c.is_whitespace() && !quoted => {
                if !current.is_empty() {
                    tokens.push(std::mem::take(&mut current));
                }
            }
            c => current.push(c),
        }
    }
    if !current.is_empty() {
        tokens.push(current);
    }
    tokens
}

fn slug(text: &str) -> String {
    csfeed_core::gazetteer::slugify(text)
}

fn council(value: &str) -> Option<String> {
    let gazetteer = Gazetteer::get();
    gazetteer
        .find(value)
        .or_else(|| gazetteer.find(&slug(value)))
        .or_else(|| gazetteer.find_in(value).into_iter().next())
        .map(|la| la.gss_code.clone())
}

fn topic(value: &str) -> Option<String> {
    let wanted = slug(value);
    csfeed_core::TOPICS
        .iter()
        .find(|topic| topic.slug == wanted || slug(topic.name) == wanted)
        .or_else(|| Topic::find(value))
        .map(|topic| topic.slug.to_owned())
}

/// The start and end of "2025", "2025-07" or "2025-07-12".
fn period(value: &str) -> Option<(DateTime<Utc>, DateTime<Utc>)> {
    let start_of = |day: NaiveDate| day.and_time(chrono::NaiveTime::MIN).and_utc();
    let parts: Vec<&str> = value.split('-').collect();
    let (start, end) = match parts.as_slice() {
        [year] => {
            let year: i32 = year.parse().ok()?;
            (
                NaiveDate::from_ymd_opt(year, 1, 1)?,
                NaiveDate::from_ymd_opt(year + 1, 1, 1)?,
            )
        }
        [year, month] => {
            let start = NaiveDate::from_ymd_opt(year.parse().ok()?, month.parse().ok()?, 1)?;
            let next = if start.month() == 12 {
                NaiveDate::from_ymd_opt(start.year() + 1, 1, 1)?
            } else {
                NaiveDate::from_ymd_opt(start.year(), start.month() + 1, 1)?
            };
            (start, next)
        }
        [_, _, _] => {
            let day = NaiveDate::parse_from_str(value, "%Y-%m-%d").ok()?;
            (day, day.succ_opt()?)
        }
        _ => return None,
    };
    Some((start_of(start), start_of(end)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn operators_become_filters_and_the_rest_stays_text() {
        let filters = extract_filters(
            "neglect la:\"St Helens\" topic:kinship-care after:2024 before:2025-07 \"care leavers\"",
        );
        assert_eq!(filters.councils, vec![vec!["E08000013".to_owned()]]);
        assert_eq!(filters.topics, ["kinship-care"]);
        assert_eq!(filters.after.unwrap().to_rfc3339(), "2024-01-01T00:00:00+00:00");
        assert_eq!(filters.before.unwrap().to_rfc3339(), "2025-07-01T00:00:00+00:00");
        assert_eq!(filters.text, "neglect \"care leavers\"");
        assert!(filters.warnings.is_empty());
    }

    #[test]
    fn names_slugs_codes_and_regions() {
        for value in [
            "la:st-helens",
            "la:E08000013",
            "council:\"St. Helens\"",
            "la:\"st helens\"",
        ] {
            assert_eq!(
                extract_filters(value).councils,
                vec![vec!["E08000013".to_owned()]],
                "{value}"
            );
        }
        let region = extract_filters("region:north-west");
        assert_eq!(region.councils.len(), 1);
        assert!(region.councils[0].len() > 20 && region.councils[0].contains(&"E08000013".to_owned()));
        assert_eq!(extract_filters("topic:\"Kinship care\"").topics, ["kinship-care"]);
    }

    #[test]
    fn unknown_values_are_reported_not_fatal() {
        let filters = extract_filters("la:Atlantis after:soon topic:astrology region:mars kinship");
        assert_eq!(filters.warnings.len(), 4, "{:?}", filters.warnings);
        assert_eq!(filters.text, "kinship");
        assert_eq!(
            extract_filters("title:kinship source:ofsted").text,
            "title:kinship source:ofsted"
        );
    }
}
