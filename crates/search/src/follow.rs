//! Followed searches (what digest subscribers follow): checked before they are accepted, so
//! that a filter the query language could not read never silently widens a digest to every
//! story, and named in the words people use ("St Helens · Kinship care"), never in query
//! syntax.

use crate::syntax::{extract_filters, tokens};

/// A search that can be followed, with its name for emails and the manage page.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FollowedSearch {
    /// The search, trimmed, in the site's query language.
    pub query: String,
    /// Its name in words ("St Helens", "Kinship care", "“care leavers”", "All stories").
    pub label: String,
}

/// Why a search cannot be followed: the filters that would have been ignored.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("this search cannot be followed: {0}")]
pub struct UnfollowableSearch(pub String);

/// Checks `query` as a followed search: every filter in it must name something (`la:`
/// a council, `topic:` a topic…), else it is refused with the reason.
pub fn check_follow(query: &str) -> Result<FollowedSearch, UnfollowableSearch> {
    let query = query.trim();
    let filters = extract_filters(query);
    if !filters.warnings.is_empty() {
        return Err(UnfollowableSearch(filters.warnings.join("; ")));
    }
    let mut parts: Vec<String> = filters
        .exact
        .iter()
        .map(|(field, values)| {
            values
                .iter()
                .map(|value| field.value_name(value).unwrap_or_else(|| value.clone()))
                .collect::<Vec<_>>()
                .join(" or ")
        })
        .collect();
    if let Some(after) = filters.after {
        parts.push(format!("since {}", after.format("%-d %B %Y")));
    }
    if let Some(before) = filters.before {
        parts.push(format!("before {}", before.format("%-d %B %Y")));
    }
    let words = words(&filters.text);
    if !words.is_empty() {
        parts.insert(0, format!("“{words}”"));
    }
    let label = if parts.is_empty() {
        "All stories".to_owned()
    } else {
        parts.join(" · ")
    };
    Ok(FollowedSearch {
        query: query.to_owned(),
        label,
    })
}

/// The free-text part of a query as words: quotes dropped, exclusions spelled out.
fn words(text: &str) -> String {
    tokens(text)
        .iter()
        .map(|token| {
            let token = token.replace('"', "");
            match token.strip_prefix('-') {
                Some(excluded) if !excluded.is_empty() => format!("not {excluded}"),
                _ => token,
            }
        })
        .filter(|word| !word.is_empty())
        .collect::<Vec<_>>()
        .join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn label(query: &str) -> String {
        check_follow(query)
            .map(|follow| follow.label)
            .unwrap_or_else(|error| error.to_string())
    }

    #[test]
    fn follows_are_named_in_words() {
        assert_eq!(label(r#"la:"St Helens""#), "St Helens");
        assert_eq!(label("la:E08000013"), "St Helens");
        assert_eq!(label("topic:kinship-care"), "Kinship care");
        assert_eq!(
            label("la:st-helens kind:inspection,focused-visit"),
            "St Helens · Inspection report or Focused visit"
        );
        assert_eq!(
            label("region:north-west grade:inadequate"),
            "North West · Inadequate"
        );
        assert_eq!(
            label(r#""care leavers" -adoption"#),
            "“care leavers not adoption”"
        );
        assert_eq!(label("  "), "All stories");
        assert_eq!(label("neglect after:2025"), "“neglect” · since 1 January 2025");
    }

    #[test]
    fn a_filter_that_names_nothing_is_refused_with_the_reason() {
        for query in [
            r#"la:"Nowhere""#,
            "topic:astrology",
            "kind:podcast",
            "grade:brilliant",
            "year:99",
        ] {
            let error = check_follow(query).expect_err(query);
            assert!(
                error.0.contains("no ") || error.0.contains("not a"),
                "{query}: {error}"
            );
        }
        assert!(check_follow("after:someday").is_err());
        assert!(check_follow("la:").is_err());
    }
}
