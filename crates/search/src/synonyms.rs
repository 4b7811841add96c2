//! Query-time synonym expansion from the topic taxonomy: a phrase the sector has several
//! names for ("looked after children", "CLA", "children in care") is searched as any of
//! them, so a search finds a story whichever name its writer used.

use csfeed_core::{TOPICS, Topic};

use crate::syntax::tokens;

/// Longest phrase, in words, looked for in a query.
const LONGEST_PHRASE: usize = 6;

/// A query with its synonym phrases expanded into `("a" OR "b" …)` groups.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Expanded {
    /// The query to parse.
    pub text: String,
    /// For each expansion: what the user wrote and the topic whose names were added.
    pub expansions: Vec<(String, &'static Topic)>,
}

/// Expands every run of plain words in `text` that is a topic's name, synonym or
/// abbreviation. Quoted phrases, excluded words and `field:` terms are left as typed.
pub(crate) fn expand(text: &str) -> Expanded {
    let tokens = tokens(text);
    let mut output: Vec<String> = Vec::with_capacity(tokens.len());
    let mut expansions = Vec::new();
    let mut position = 0;
    while position < tokens.len() {
        let longest = (1..=LONGEST_PHRASE.min(tokens.len() - position))
            .rev()
            .find_map(|length| {
                let run = &tokens[position..position + length];
                if !run.iter().all(|token| is_plain_word(token)) {
                    return None;
                }
                topic_named(&run.join(" ")).map(|topic| (length, topic))
            });
        match longest {
            Some((length, topic)) => {
                let written = tokens[position..position + length].join(" ");
                output.push(alternatives(&written, topic));
                expansions.push((written, topic));
                position += length;
            }
            None => {
                output.push(tokens[position].clone());
                position += 1;
            }
        }
    }
    Expanded {
        text: output.join(" "),
        expansions,
    }
}

/// A word the user typed as a word: not an operator, a quoted phrase, a field term, an
/// exclusion, a prefix or part of a group.
fn is_plain_word(token: &str) -> bool {
    !matches!(token, "OR" | "AND" | "NOT")
        && token.chars().all(|character| {
            character.is_alphanumeric()
                || matches!(character, '-' | '.')
                || crate::analysis::is_apostrophe(character)
        })
        && !token.starts_with('-')
}

/// The topic `phrase` names: a name or synonym in any case (hyphens as spaces), or an
/// abbreviation as written (in any case when it is three letters or more).
fn topic_named(phrase: &str) -> Option<&'static Topic> {
    let wanted = normalise(phrase);
    TOPICS.iter().find(|topic| {
        std::iter::once(topic.name)
            .chain(topic.synonyms.iter().copied())
            .any(|name| normalise(name) == wanted)
            || topic.abbreviations.iter().any(|abbreviation| {
                *abbreviation == phrase
                    || (abbreviation.len() >= 3 && abbreviation.eq_ignore_ascii_case(phrase))
            })
    })
}

/// Lower case, hyphens as spaces, apostrophes dropped (as the analyzer drops them:
/// "childrens homes" names the same thing as "children's homes").
fn normalise(phrase: &str) -> String {
    phrase
        .to_lowercase()
        .replace(crate::analysis::is_apostrophe, "")
        .replace('-', " ")
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

/// `("written" OR topic:slug OR "one-word-synonym" … OR "abbr")`: what the user wrote, the
/// topic's tag (ingestion tags a story with a topic when it uses any of the topic's names
/// prominently), and the topic's one-word names and abbreviations. Multi-word names are
/// reached through the tag rather than as phrases: a dozen phrase searches over common
/// words cost more than the rest of the search put together.
fn alternatives(written: &str, topic: &Topic) -> String {
    let mut seen: Vec<String> = Vec::new();
    let mut alternatives = Vec::new();
    let mut add = |phrase: &str, alternatives: &mut Vec<String>| {
        let key = normalise(phrase);
        if !key.is_empty() && !seen.contains(&key) {
            seen.push(key.clone());
            alternatives.push(format!("\"{key}\""));
        }
    };
    add(written, &mut alternatives);
    alternatives.push(format!("topic:{}", topic.slug));
    let single_words = std::iter::once(topic.name)
        .chain(topic.synonyms.iter().copied())
        .filter(|name| !normalise(name).contains(' '));
    for word in single_words.chain(topic.abbreviations.iter().copied()) {
        add(word, &mut alternatives);
    }
    format!("({})", alternatives.join(" OR "))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sector_names_expand_to_each_other() {
        let expanded = expand("looked after children housing");
        assert_eq!(expanded.expansions.len(), 1);
        assert_eq!(expanded.expansions[0].1.slug, "children-in-care");
        assert!(
            expanded
                .text
                .starts_with("(\"looked after children\" OR topic:children-in-care OR"),
            "{}",
            expanded.text
        );
        assert!(expanded.text.contains("\"cla\""), "{}", expanded.text);
        assert!(expanded.text.ends_with(") housing"), "{}", expanded.text);
        assert_eq!(expand("CLA").expansions[0].1.slug, "children-in-care");
        assert_eq!(expand("Looked-After Children").expansions.len(), 1);
        for written in ["children's homes", "childrens homes", "children’s homes"] {
            assert_eq!(expand(written).expansions.len(), 1, "{written}");
        }
    }

    #[test]
    fn quoted_excluded_and_field_terms_stay_as_typed() {
        for query in [
            "\"looked after children\"",
            "-CLA",
            "title:CLA",
            "inspectors",
            "st helens",
        ] {
            let expanded = expand(query);
            assert!(expanded.expansions.is_empty(), "{query} → {}", expanded.text);
            assert_eq!(expanded.text, query);
        }
        assert!(
            expand("cp").expansions.is_empty(),
            "two-letter abbreviations only in capitals"
        );
    }
}
