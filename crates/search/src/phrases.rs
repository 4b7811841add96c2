//! Marking the sector names a synonym search matched through a topic tag: a search for
//! "looked after children" finds a story tagged children-in-care that never uses the words
//! typed, so its title and passage show the name it does use ("children in care", "CLA").

use std::ops::Range;

use csfeed_core::{Topic, escape_html};
use tantivy::snippet::collapse_overlapped_ranges;

/// A name to look for in a story.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct SectorName {
    /// Lower-cased, or as written when `exact_case`.
    text: String,
    /// Abbreviations match only as written ("CLA", not "cla").
    exact_case: bool,
}

/// Every name of `topics` (name, synonyms, abbreviations), longest first so that "children
/// in care" wins over "care".
pub(crate) fn names_of<'a>(topics: impl IntoIterator<Item = &'a Topic>) -> Vec<SectorName> {
    let mut names: Vec<SectorName> = Vec::new();
    for topic in topics {
        let words = std::iter::once(topic.name).chain(topic.synonyms.iter().copied());
        let spelled = words.map(|name| SectorName {
            text: name.to_ascii_lowercase().replace('-', " "),
            exact_case: false,
        });
        let abbreviated = topic.abbreviations.iter().map(|abbreviation| SectorName {
            text: (*abbreviation).to_owned(),
            exact_case: true,
        });
        for name in spelled.chain(abbreviated) {
            if !name.text.trim().is_empty() && !names.contains(&name) {
                names.push(name);
            }
        }
    }
    names.sort_by_key(|name| std::cmp::Reverse(name.text.len()));
    names
}

/// `text`, escaped, with the `highlighted` ranges (query terms) and every name in it
/// marked, a name that contains a highlighted word marked whole; `None` when nothing is.
pub(crate) fn marked(text: &str, highlighted: &[Range<usize>], names: &[SectorName]) -> Option<String> {
    let mut ranges = occurrences(text, names);
    ranges.extend_from_slice(highlighted);
    (!ranges.is_empty()).then(|| mark(text, &collapse_overlapped_ranges(&ranges)))
}

/// About `length` bytes of `text` around the first name in it (starting up to `before`
/// bytes ahead of it, at a word), escaped and marked, with the byte offset it starts at.
pub(crate) fn passage(
    text: &str,
    names: &[SectorName],
    before: usize,
    length: usize,
) -> Option<(String, usize)> {
    let found = occurrences(text, names);
    // A report's address block and cover page are quoted only when nothing else matches.
    let floor = crate::report_text::passage_floor(text);
    let first = found
        .iter()
        .find(|range| range.start >= floor)
        .or(found.first())?;
    let mut start = first.start.saturating_sub(before);
    if first.start >= floor {
        start = start.max(floor);
    }
    while !text.is_char_boundary(start) {
        start += 1;
    }
    if start > 0
        && let Some(space) = text[start..first.start].find(char::is_whitespace)
    {
        start += space + 1;
    }
    let mut end = (start + length).max(first.end).min(text.len());
    while !text.is_char_boundary(end) {
        end += 1;
    }
    if end < text.len()
        && let Some(space) = text[first.end..end].rfind(char::is_whitespace)
    {
        end = first.end + space;
    }
    let inside: Vec<Range<usize>> = found
        .iter()
        .filter(|range| range.start >= start && range.end <= end)
        .map(|range| range.start - start..range.end - start)
        .collect();
    Some((mark(&text[start..end], &inside), start))
}

/// Where the names occur in `text` as whole words (a trailing plural "s" included),
/// earliest first and not overlapping.
fn occurrences(text: &str, names: &[SectorName]) -> Vec<Range<usize>> {
    if names.is_empty() {
        return Vec::new();
    }
    // Same byte offsets as `text`: ASCII case and hyphens ("looked-after") only.
    let lower = text.to_ascii_lowercase().replace('-', " ");
    let mut found: Vec<Range<usize>> = Vec::new();
    for name in names {
        let haystack = if name.exact_case { text } else { &lower };
        for (at, matched) in haystack.match_indices(name.text.as_str()) {
            let mut end = at + matched.len();
            if haystack[end..].starts_with('s') && !name.exact_case {
                end += 1;
            }
            let whole_word = !ends_in_word_char(&haystack[..at]) && !starts_with_word_char(&haystack[end..]);
            let overlaps = found.iter().any(|range| range.start < end && at < range.end);
            if whole_word && !overlaps {
                found.push(at..end);
            }
        }
    }
    found.sort_by_key(|range| range.start);
    found
}

fn ends_in_word_char(text: &str) -> bool {
    text.chars().next_back().is_some_and(char::is_alphanumeric)
}

fn starts_with_word_char(text: &str) -> bool {
    text.chars().next().is_some_and(char::is_alphanumeric)
}

/// `text` escaped, with `ranges` (sorted, not overlapping) in `<mark>`.
fn mark(text: &str, ranges: &[Range<usize>]) -> String {
    let mut html = String::with_capacity(text.len() + ranges.len() * 13);
    let mut done = 0;
    for range in ranges {
        html.push_str(&escape_html(&text[done..range.start]));
        html.push_str("<mark>");
        html.push_str(&escape_html(&text[range.clone()]));
        html.push_str("</mark>");
        done = range.end;
    }
    html.push_str(&escape_html(&text[done..]));
    html
}

#[cfg(test)]
mod tests {
    use super::*;

    fn children_in_care() -> Vec<SectorName> {
        names_of(Topic::find("children-in-care"))
    }

    #[test]
    fn the_names_a_story_uses_are_marked_as_whole_words() {
        let names = children_in_care();
        assert_eq!(
            marked("More CLA & children in care placed far away", &[], &names).as_deref(),
            Some("More <mark>CLA</mark> &amp; <mark>children in care</mark> placed far away")
        );
        assert_eq!(
            marked("A class of cla", &[], &names),
            None,
            "abbreviations as written, whole words"
        );
        assert_eq!(
            marked("Looked-after child numbers", &[], &names).as_deref(),
            Some("<mark>Looked-after child</mark> numbers"),
        );
        assert_eq!(
            marked("Rising numbers of children in care", &[7..14, 18..26], &names).as_deref(),
            Some("Rising <mark>numbers</mark> of <mark>children in care</mark>"),
            "a highlighted word inside a name: the name is marked whole"
        );
    }

    #[test]
    fn a_passage_is_cut_at_words_around_the_first_name() {
        let names = children_in_care();
        let text = format!(
            "{} the number of children in care rose. {}",
            "early words ".repeat(20),
            "later ".repeat(60)
        );
        let (html, start) = passage(&text, &names, 40, 120).unwrap();
        assert!(html.contains("<mark>children in care</mark> rose."), "{html}");
        assert!(
            text[start..].starts_with("words") || text[start..].starts_with("early"),
            "{start}"
        );
        assert!(html.len() < 160 && !html.ends_with(' '), "{html}");
        assert_eq!(passage("nothing relevant here", &names, 40, 120), None);
        let accented = "é".repeat(30) + " children in care é";
        assert!(
            passage(&accented, &names, 7, 21).is_some(),
            "cuts only at char boundaries"
        );
    }
}
