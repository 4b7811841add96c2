//! Where the readable part of an Ofsted report's text begins, so search passages quote
//! what inspectors found rather than a letter's address block or a report's cover page;
//! and passage bounds moved to word boundaries, so no passage starts or ends mid-word.

use crate::query::PAGE_BREAK;

/// How far into a letter's first page its salutation may be.
const SALUTATION_WITHIN: usize = 2_000;

/// The byte offset where a report's text is worth quoting: after a letter's salutation
/// ("Dear Ms Brooks"), after a report's cover judgements ("… Overall effectiveness Good"),
/// or after a cover page (and a contents page) in older reports. 0 for texts without
/// pages (news), where everything is worth quoting.
pub(crate) fn passage_floor(text: &str) -> usize {
    let Some(first_page_end) = text.find(PAGE_BREAK) else {
        return 0;
    };
    let first_page = &text[..first_page_end];
    if let Some(after) = after_salutation(first_page) {
        return after;
    }
    if let Some(after) = after_overall_grade(first_page) {
        return after;
    }
    let mut floor = first_page_end + PAGE_BREAK.len_utf8();
    let next = &text[floor..];
    let next_page_end = next.find(PAGE_BREAK);
    if let Some(end) = next_page_end
        && next[..end.min(60)].contains("Contents")
    {
        floor += end + PAGE_BREAK.len_utf8();
    }
    // A report of one or two pages has no cover worth skipping.
    if floor >= text.len() || next_page_end.is_none() {
        0
    } else {
        floor
    }
}

/// Just past "Dear Ms Brooks" (two words: an honorific and a surname, or two names) in a
/// letter's first page.
fn after_salutation(page: &str) -> Option<usize> {
    let at = page.find("Dear ").filter(|&at| at < SALUTATION_WITHIN)?;
    let mut offset = at + "Dear".len();
    for _ in 0..2 {
        let rest = &page[offset..];
        let word_start = rest.find(|c: char| !c.is_whitespace())?;
        let word_len = rest[word_start..]
            .find(char::is_whitespace)
            .unwrap_or(rest.len() - word_start);
        offset += word_start + word_len;
    }
    Some(offset)
}

/// Just past "Overall effectiveness <grade>" in an inspection report's cover table.
fn after_overall_grade(page: &str) -> Option<usize> {
    const LABEL: &str = "Overall effectiveness ";
    let at = page.find(LABEL)? + LABEL.len();
    let rest = &page[at..];
    [
        "Requires improvement to be good",
        "Outstanding",
        "Good",
        "Inadequate",
    ]
    .iter()
    .find(|grade| rest.starts_with(*grade))
    .map(|grade| at + grade.len())
}

/// `start..end` of `text` moved inwards to whole words: a start inside a word moves past
/// it, an end inside a word moves back before it; neither crosses `keep` (the matched
/// words), so the passage never loses what it was chosen for.
pub(crate) fn whole_words(
    text: &str,
    start: usize,
    end: usize,
    keep: std::ops::Range<usize>,
) -> (usize, usize) {
    let mut start = start;
    if start > 0
        && text[..start]
            .chars()
            .next_back()
            .is_some_and(|c| !c.is_whitespace())
    {
        if let Some(space) = text[start..keep.start].find(char::is_whitespace) {
            start += space + 1;
        } else {
            start = keep.start;
        }
    }
    let mut end = end;
    if end < text.len() && text[end..].chars().next().is_some_and(|c| !c.is_whitespace()) {
        end = match text[keep.end..end].rfind(char::is_whitespace) {
            Some(space) => keep.end + space,
            None => keep.end,
        };
    }
    (start, end)
}

#[cfg(test)]
mod tests {
    use super::*;

    const LETTER: &str = "Ofsted Piccadilly Gate Store Street Manchester M1 2WD enquiries@ofsted.gov.uk \
        12 July 2024 Hilary Brooks Director of Children's Services St Helens Council 2nd Floor, \
        Atlas House Corporation Street St Helens WA9 1LD Dear Ms Brooks Focused visit to St Helens \
        children's services This letter summarises the findings.\u{c}Page two.\u{c}Page three.";

    #[test]
    fn a_letter_is_quoted_from_after_its_salutation() {
        let floor = passage_floor(LETTER);
        assert!(
            LETTER[floor..]
                .trim_start()
                .starts_with("Focused visit to St Helens"),
            "{}",
            &LETTER[floor..]
        );
        let unnamed = LETTER.replace("Dear Ms Brooks", "Dear Hilary Brooks");
        let floor = passage_floor(&unnamed);
        assert!(
            unnamed[floor..].trim_start().starts_with("Focused visit"),
            "{}",
            &unnamed[floor..]
        );
    }

    #[test]
    fn a_report_is_quoted_from_after_its_cover() {
        let ilacs = "Inspection of St Helens local authority children's services Inspection dates: \
            10 to 21 July 2023 Judgement Grade Overall effectiveness Good Since a judgement of \
            inadequate in 2019, St Helens improved.\u{c}Two.\u{c}Three.";
        let floor = passage_floor(ilacs);
        assert!(
            ilacs[floor..].trim_start().starts_with("Since a judgement"),
            "{}",
            &ilacs[floor..]
        );

        let sif = "St. Helens Metropolitan Borough Council Inspection of services\u{c}1 Contents \
            The local authority 3\u{c}The local authority St Helens is a borough.\u{c}Four.";
        let floor = passage_floor(sif);
        assert!(
            sif[floor..].starts_with("The local authority St Helens"),
            "{}",
            &sif[floor..]
        );
    }

    #[test]
    fn news_and_short_texts_are_quoted_from_the_start() {
        assert_eq!(passage_floor("St Helens news with no pages."), 0);
        assert_eq!(passage_floor("Cover only\u{c}One more page."), 0);
    }

    #[test]
    fn passages_begin_and_end_on_whole_words() {
        let text = "write to enquiries@ofsted.gov.uk about neglect for children";
        let keep = text.find("about").map(|at| at..at + 5).unwrap();
        let (start, end) = whole_words(text, 11, text.find("for").unwrap() + 2, keep.clone());
        assert_eq!(&text[start..end], "about neglect");
        let (start, end) = whole_words(text, 0, text.len(), keep.clone());
        assert_eq!((start, end), (0, text.len()), "already whole");
    }
}
