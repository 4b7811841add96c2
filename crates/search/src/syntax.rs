//! Field operators in queries that name things rather than words: `la:` (or `council:`),
//! `region:`, `topic:`, `kind:`, `grade:`, `year:`, `source:`, `has:`, `after:` and `before:`. They
//! are taken out of the query and become exact filters; everything else goes to the
//! full-text parser. Values may be quoted (`la:"St Helens"`), may use names, slugs or codes,
//! and may list alternatives with commas (`kind:inspection,focused-visit`).

use chrono::{DateTime, Datelike, NaiveDate, Utc};
use csfeed_core::{Gazetteer, Grade, Topic};

use crate::facets::FacetField;
use crate::facts::{ArticleKind, ReportHas, grade_slug};

/// Filters found in a query, and what is left for the text parser.
#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) struct FieldFilters {
    /// Exact filters, all required; within one, any of the values matches. Values are as
    /// indexed (GSS codes, slugs, years).
    pub exact: Vec<(FacetField, Vec<String>)>,
    /// What matching reports must have (`has:priority-actions`), all required.
    pub has: Vec<ReportHas>,
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
        let field_name = field.to_ascii_lowercase();
        let facet = match field_name.as_str() {
            "la" | "council" => Some((
                FacetField::LocalAuthority,
                "no English council called {value} (try la:st-helens)",
            )),
            "region" => Some((
                FacetField::Region,
                "no English region called {value} (try region:north-west)",
            )),
            "topic" => Some((
                FacetField::Topic,
                "no topic called {value} (try topic:kinship-care)",
            )),
            "kind" | "type" => Some((
                FacetField::Kind,
                "no kind called {value} (try kind:news, kind:inspection, kind:focused-visit, kind:monitoring-visit, kind:jtai or kind:alert)",
            )),
            "grade" => Some((
                FacetField::Grade,
                "no Ofsted grade called {value} (try grade:inadequate, grade:requires-improvement, grade:good or grade:outstanding)",
            )),
            "year" => Some((FacetField::Year, "{value} is not a year (try year:2025)")),
            "source" => Some((
                FacetField::Source,
                "{value} is not a source id (try source:ofsted)",
            )),
            _ => None,
        };
        if let Some((facet, hint)) = facet {
            let mut values = Vec::new();
            let mut unknown = Vec::new();
            for part in value.split(',').map(str::trim).filter(|part| !part.is_empty()) {
                match normalise(facet, part) {
                    Some(normalised) => values.extend(normalised),
                    None => unknown.push(part),
                }
            }
            for part in unknown {
                filters
                    .warnings
                    .push(hint.replace("{value}", &format!("{part:?}")));
            }
            if !values.is_empty() {
                values.dedup();
                filters.exact.push((facet, values));
            } else if value.is_empty() {
                filters.warnings.push(format!("{field}: needs a value"));
            }
            continue;
        }
        match field_name.as_str() {
            "has" => match ReportHas::parse(value) {
                Some(has) => filters.has.push(has),
                None => filters.warnings.push(format!(
                    "has:{value} is not something a report has (try has:priority-actions or has:improvements)"
                )),
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

/// The indexed values `value` stands for in `facet`, or `None` when it names nothing.
fn normalise(facet: FacetField, value: &str) -> Option<Vec<String>> {
    let one = |value: Option<String>| value.map(|value| vec![value]);
    match facet {
        FacetField::LocalAuthority => one(council(value)),
        FacetField::Region => {
            let wanted = slug(value);
            Gazetteer::get()
                .authorities()
                .iter()
                .any(|la| slug(&la.region) == wanted)
                .then(|| vec![wanted])
        }
        FacetField::Topic => one(topic(value)),
        FacetField::Kind => one(ArticleKind::parse(value).map(|kind| kind.slug().to_owned())),
        FacetField::Grade => one(Grade::parse(value).map(|grade| grade_slug(grade).to_owned())),
        FacetField::Year => one(value
            .parse::<i32>()
            .ok()
            .filter(|year| SEARCHABLE_YEARS.contains(year))
            .map(|year| year.to_string())),
        FacetField::Source => one(csfeed_core::SourceId::parse(&value.to_ascii_lowercase())
            .ok()
            .map(|id| id.as_str().to_owned())),
    }
}

/// `query` with its text part `old_text` (as [`extract_filters`] left it) replaced,
/// word for word, by `new_text`; operators stay where they were.
pub(crate) fn replace_text(query: &str, old_text: &str, new_text: &str) -> String {
    let old = tokens(old_text);
    let new = tokens(new_text);
    if old.len() != new.len() {
        return new_text.to_owned();
    }
    let mut next = 0;
    tokens(query)
        .into_iter()
        .map(|token| {
            if next < old.len() && token == old[next] {
                next += 1;
                new[next - 1].clone()
            } else {
                token
            }
        })
        .collect::<Vec<_>>()
        .join(" ")
}

/// Whitespace-separated tokens, keeping quoted stretches (also after `field:`) whole.
pub(crate) fn tokens(query: &str) -> Vec<String> {
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
        .lookup(value)
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

/// Years a `year:`, `after:` or `before:` value may name.
const SEARCHABLE_YEARS: std::ops::RangeInclusive<i32> = 1900..=2200;

/// The start and end of "2025", "2025-07" or "2025-07-12" (years 1900–2200).
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
    // Tantivy stores dates as nanoseconds in an i64 (years 1678–2262); anything outside the
    // years csfeed indexes is not a date a search can mean.
    if !(SEARCHABLE_YEARS.contains(&start.year()) && SEARCHABLE_YEARS.contains(&end.year())) {
        return None;
    }
    Some((start_of(start), start_of(end)))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn values(filters: &FieldFilters, facet: FacetField) -> Vec<String> {
        filters
            .exact
            .iter()
            .filter(|(f, _)| *f == facet)
            .flat_map(|(_, values)| values.clone())
            .collect()
    }

    #[test]
    fn operators_become_filters_and_the_rest_stays_text() {
        let filters = extract_filters(
            "neglect la:\"St Helens\" topic:kinship-care after:2024 before:2025-07 \"care leavers\"",
        );
        assert_eq!(values(&filters, FacetField::LocalAuthority), ["E08000013"]);
        assert_eq!(values(&filters, FacetField::Topic), ["kinship-care"]);
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
                values(&extract_filters(value), FacetField::LocalAuthority),
                ["E08000013"],
                "{value}"
            );
        }
        assert_eq!(
            values(&extract_filters("region:\"North West\""), FacetField::Region),
            ["north-west"]
        );
        assert_eq!(
            values(&extract_filters("topic:\"Kinship care\""), FacetField::Topic),
            ["kinship-care"]
        );
    }

    #[test]
    fn kinds_grades_years_and_sources() {
        let filters = extract_filters("kind:inspection,fv grade:RI year:2025 source:Ofsted-Reports");
        assert_eq!(
            values(&filters, FacetField::Kind),
            ["inspection", "focused-visit"]
        );
        assert_eq!(values(&filters, FacetField::Grade), ["requires-improvement"]);
        assert_eq!(values(&filters, FacetField::Year), ["2025"]);
        assert_eq!(values(&filters, FacetField::Source), ["ofsted-reports"]);
        assert!(
            filters.text.is_empty() && filters.warnings.is_empty(),
            "{filters:?}"
        );
    }

    #[test]
    fn unknown_values_are_reported_not_fatal() {
        let filters = extract_filters(
            "la:Atlantis after:soon topic:astrology region:mars kind:podcast grade:meh year:soon kinship",
        );
        assert_eq!(filters.warnings.len(), 7, "{:?}", filters.warnings);
        for far in [
            "after:0",
            "before:0-01",
            "after:9999-12-31",
            "year:0",
            "before:-5",
        ] {
            let filters = extract_filters(far);
            assert_eq!(filters.warnings.len(), 1, "{far}: {:?}", filters.warnings);
            assert!(filters.after.is_none() && filters.before.is_none(), "{far}");
        }
        assert!(filters.exact.is_empty());
        assert_eq!(filters.text, "kinship");
        assert_eq!(
            extract_filters("title:kinship inspector:smith").text,
            "title:kinship inspector:smith"
        );
    }
}
