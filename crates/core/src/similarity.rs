//! How alike two stories are, for folding reports of one event from several outlets.

use std::collections::HashSet;

use crate::text::tokenize;

/// Words of the story's opening that count, after the headline's: the lede is where
/// rewrites of one event share their facts.
const OPENING_WORDS: usize = 80;

/// Words too common in this field to say anything about which event a story reports.
const STOPWORDS: &[&str] = &[
    "the",
    "and",
    "for",
    "with",
    "that",
    "this",
    "from",
    "are",
    "was",
    "were",
    "has",
    "have",
    "had",
    "its",
    "their",
    "they",
    "them",
    "will",
    "would",
    "could",
    "should",
    "been",
    "being",
    "after",
    "before",
    "into",
    "over",
    "under",
    "than",
    "then",
    "also",
    "but",
    "not",
    "who",
    "which",
    "what",
    "when",
    "where",
    "about",
    "more",
    "most",
    "some",
    "such",
    "says",
    "said",
    "say",
    "new",
    "year",
    "years",
    "one",
    "two",
    "all",
    "our",
    "out",
    "can",
    "may",
    "per",
    "cent",
    "children",
    "child",
    "services",
    "service",
    "council",
    "councils",
    "local",
    "authority",
    "social",
    "care",
];

/// The distinctive words of a story (headline plus the opening of its text), lower-cased
/// with plural and possessive endings dropped.
pub fn story_words(title: &str, text: &str) -> HashSet<String> {
    let opening: String = text
        .split_whitespace()
        .take(OPENING_WORDS)
        .collect::<Vec<_>>()
        .join(" ");
    tokenize(&format!("{title} {opening}"))
        .into_iter()
        .map(|token| token.lower)
        .filter(|word| word.len() > 2 && !STOPWORDS.contains(&word.as_str()))
        .map(|word| match word.strip_suffix('s') {
            Some(stem) if stem.len() > 3 && !stem.ends_with('s') => stem.to_owned(),
            _ => word,
        })
        .collect()
}

/// Jaccard similarity of two word sets: shared words over all words, 0 to 1.
pub fn similarity(a: &HashSet<String>, b: &HashSet<String>) -> f64 {
    let union = a.union(b).count();
    if union == 0 {
        return 0.0;
    }
    a.intersection(b).count() as f64 / union as f64
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reports_of_one_event_are_alike_and_different_events_are_not() {
        let a = story_words(
            "Ofsted focused visit finds St Helens children’s services consistent and effective for children in need and on protection plans",
            "Ofsted inspectors have found that St Helens Borough Council continues to provide a consistent and effective service for children in need and children subject to a child protection plan, in a focused visit letter",
        );
        let b = story_words(
            "St Helens keeps up strong practice for children in need and on protection plans, Ofsted letter says",
            "Children in need and those on protection plans in St Helens receive a consistent and effective service, Ofsted has said in a focused visit letter",
        );
        let c = story_words(
            "St Helens opens two new children's homes",
            "The council has opened two homes for children in care in the borough, its first in a decade",
        );
        assert!(similarity(&a, &b) > 0.3, "{}", similarity(&a, &b));
        assert!(similarity(&a, &c) < 0.15, "{}", similarity(&a, &c));
        assert_eq!(similarity(&HashSet::new(), &HashSet::new()), 0.0);
    }
}
