//! The report's own summary, as one line.
//!
//! ILACS reports open with it straight after the judgement table (some under a
//! "Headline findings" or "Overall effectiveness" heading); focused and monitoring visit
//! letters give it under "Headline findings" (2018–2020 letters under "Overview"); SIF
//! reports under "Executive summary" or "Summary of findings" (after the contents page,
//! which lists the same headings with page numbers).

use crate::ReportKind;
use crate::findings::heading_key;
use crate::layout::{Layout, join_lines};

/// Headings that may stand between the judgement table and the headline paragraph.
const HEADINGS: &[&str] = &[
    "headline findings",
    "overall effectiveness",
    "summary",
    "summary of findings",
];

/// Headings of a letter's summary, best first (2020–2021 letters go straight to their
/// "Findings").
const LETTER_HEADINGS: &[&str] = &[
    "headline findings",
    "overview",
    "summary of findings",
    "findings",
    "main findings",
];

/// Headings of a SIF report's summary, best first.
const SIF_HEADINGS: &[&str] = &[
    "executive summary",
    "summary of findings",
    "summary of key findings",
];

/// The first paragraph of the report's summary, as one line. `table_end` is where the
/// judgement table ends, if the report has one.
pub(crate) fn find(layout: &Layout, kind: ReportKind, table_end: Option<usize>) -> Option<String> {
    let start = match kind {
        // An LSCB review on its own is written like a SIF report.
        ReportKind::Sif | ReportKind::Other => first_heading(layout, SIF_HEADINGS),
        ReportKind::LookedAfterSafeguarding => overall_effectiveness_section(layout),
        kind if kind.is_letter() => first_heading(layout, LETTER_HEADINGS),
        _ => table_end.or_else(|| first_heading(layout, &["headline findings"])),
    }?;
    let mut paragraphs = layout.paragraphs_from(start).filter(|paragraph| {
        let heading =
            paragraph.lines.len() == 1 && HEADINGS.contains(&heading_key(&paragraph.lines[0].text).as_str());
        !heading && !is_grade_line(&paragraph.text())
    });
    // A section that opens with a list: its first point, without the bullet.
    let first = paragraphs.next()?.text();
    let first =
        without_paragraph_number(first.trim_start_matches(|c: char| !c.is_alphanumeric() && c != '"'))
            .trim()
            .to_owned();
    // "Children's services in X require improvement because:" leads into a list: keep its
    // first item with it.
    if (first.ends_with(':') || first.ends_with(" because"))
        && let Some(next) = paragraphs.find(|paragraph| {
            let text = paragraph.text();
            !is_sub_heading(&text) && !is_number_alone(&text)
        })
    {
        let item = join_lines(next.lines.iter().map(|line| line.text.as_str()));
        let item =
            without_paragraph_number(item.trim_start_matches(|c: char| !c.is_alphanumeric() && c != '"'));
        return Some(format!("{first} {}", item.trim()));
    }
    Some(first)
}

/// Index of the line after the first of `titles` (in their order of preference) that
/// heads a section: a contents-page entry, followed by its page number, does not.
fn first_heading(layout: &Layout, titles: &[&str]) -> Option<usize> {
    titles.iter().find_map(|title| {
        let lines = layout.lines();
        lines.iter().enumerate().find_map(|(index, line)| {
            let is_title =
                section_title(&heading_key(&line.text)) == *title && !ends_with_page_number(&line.text);
            let next = lines[index + 1..].iter().find(|line| !line.text.is_empty());
            let contents_entry = next.is_some_and(|next| {
                next.text.chars().all(|c| c.is_ascii_digit()) || ends_with_page_number(&next.text)
            });
            (is_title && !contents_entry).then_some(index + 1)
        })
    })
}

/// The title of a numbered section: "section 1: the local authority - summary of
/// findings" (2014 SIF reports) → "summary of findings"; any other key as it is.
fn section_title(key: &str) -> &str {
    if !key.starts_with("section ") {
        return key;
    }
    key.rsplit_once(" - ")
        .or_else(|| key.rsplit_once(" – "))
        .map_or(key, |(_, title)| title.trim())
}

/// A paragraph without the number SIF and 2012–13 reports give it ("8. The local
/// authority is…").
fn without_paragraph_number(text: &str) -> &str {
    match text.split_once(". ") {
        Some((number, rest)) if is_number_alone(number) => rest,
        _ => text,
    }
}

/// Where the summary of a 2012–13 inspection of looked after children (or safeguarding)
/// starts: after its "Overall effectiveness of services for …" heading, not the contents
/// page's entry ("… young people 4").
fn overall_effectiveness_section(layout: &Layout) -> Option<usize> {
    layout
        .paragraphs_from(0)
        .find(|paragraph| {
            let text = paragraph.text();
            text.to_ascii_lowercase().starts_with("overall effectiveness of")
                && paragraph.lines.len() <= 3
                && !paragraph
                    .lines
                    .last()
                    .is_some_and(|line| ends_with_page_number(&line.text))
        })
        .map(|paragraph| paragraph.end())
}

/// "Grade 4 (inadequate)": the grade under a 2012–13 report's heading.
fn is_grade_line(text: &str) -> bool {
    let lower = text.to_ascii_lowercase();
    lower.starts_with("grade ") && text.split_whitespace().count() <= 4
}

/// "1.": a SIF paragraph number printed apart from its paragraph.
fn is_number_alone(text: &str) -> bool {
    let digits = text.trim_end_matches('.');
    !digits.is_empty() && digits.len() <= 3 && digits.bytes().all(|b| b.is_ascii_digit())
}

/// "Help and protection": a short line that names what follows.
fn is_sub_heading(text: &str) -> bool {
    text.split_whitespace().count() <= 8 && !text.ends_with(['.', ':'])
}

/// "Summary of findings  3": a contents-page line (a short one: "…since the last
/// inspection in 2018" is text, not a contents entry).
pub(crate) fn ends_with_page_number(line: &str) -> bool {
    const CONTENTS_LINE_CHARS: usize = 60;
    line.chars().count() <= CONTENTS_LINE_CHARS
        && line.trim_end().rsplit_once(' ').is_some_and(|(_, last)| {
            (1..=3).contains(&last.len()) && last.chars().all(|c| c.is_ascii_digit())
        })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ReportText;

    fn headline(text: &str, kind: ReportKind, table_end: Option<usize>) -> Option<String> {
        find(
            &Layout::new(&ReportText {
                pages: vec![text.to_owned()],
            }),
            kind,
            table_end,
        )
    }

    #[test]
    fn letters_use_the_headline_findings_heading() {
        let letter = "Dear Ms Brooks\n\nHeadline findings\n\nSince the last ILACS inspection in July 2023,\nwhen \
            services were judged good, the multi-\nagency work has improved.\n\nMore text.\n";
        assert_eq!(
            headline(letter, ReportKind::FocusedVisit, None).as_deref(),
            Some(
                "Since the last ILACS inspection in July 2023, when services were judged good, the multi-agency \
                 work has improved."
            )
        );
        let old_letter =
            "Dear Professor O'Brien\n\nOverview\n\nThe Ofsted single inspection in 2014 found decline.\n";
        assert_eq!(
            headline(old_letter, ReportKind::FocusedVisit, None).as_deref(),
            Some("The Ofsted single inspection in 2014 found decline.")
        );
        let covid_era = "Dear Jim\n\nFindings\n\n\u{f0b7} Leaders have kept children safe.\n";
        assert_eq!(
            headline(covid_era, ReportKind::FocusedVisit, None).as_deref(),
            Some("Leaders have kept children safe.")
        );
        let year_at_end = "Dear Carly\n\nHeadline findings\n\nWorkload pressures since the last inspection in 2018\n\
            have weakened practice.\n";
        assert_eq!(
            headline(year_at_end, ReportKind::FocusedVisit, None).as_deref(),
            Some("Workload pressures since the last inspection in 2018 have weakened practice.")
        );
        let dotted = "Dear Ms Doe\n\nHeadline Findings.\n\nChildren are safe.\n";
        assert_eq!(
            headline(dotted, ReportKind::FocusedVisit, None).as_deref(),
            Some("Children are safe.")
        );
    }

    #[test]
    fn reports_use_the_paragraph_after_the_table() {
        let report = "Overall effectiveness Good\n\nOverall effectiveness\n\nChildren are safe.\n";
        assert_eq!(
            headline(report, ReportKind::IlacsStandard, Some(1)).as_deref(),
            Some("Children are safe.")
        );
        assert_eq!(headline(report, ReportKind::Sif, Some(1)), None);
    }

    #[test]
    fn a_2013_looked_after_children_inspection_and_an_lscb_review() {
        let report = "Contents\n\nOverall effectiveness of services for looked after children and\nyoung people 4\n\n\
            Capacity to improve 4\n\nOverall effectiveness of services for looked\nafter children and young people\n\n\
            Grade 4 (inadequate)\n\n8. The local authority is not carrying out its statutory responsibilities.\n";
        assert_eq!(
            headline(report, ReportKind::LookedAfterSafeguarding, None).as_deref(),
            Some("The local authority is not carrying out its statutory responsibilities.")
        );
        let review =
            "Contents\n\nExecutive summary 4\n\nExecutive summary\n\nThe board requires improvement.\n";
        assert_eq!(
            headline(review, ReportKind::Other, None).as_deref(),
            Some("The board requires improvement.")
        );
    }

    #[test]
    fn a_2014_sif_summary_under_a_numbered_section_heading() {
        let report = "Contents\nSection 1: The local authority - Summary of findings  3\n\n\
            Section 1: The local authority - Summary of findings\n\
            Children's Services in Barnsley require improvement because:\n\n1.\n\n\
            Not all professionals understand thresholds.\n";
        assert_eq!(
            headline(report, ReportKind::Sif, None).as_deref(),
            Some(
                "Children's Services in Barnsley require improvement because: Not all professionals understand thresholds."
            )
        );
    }

    #[test]
    fn sif_reports_use_their_summary_not_the_contents_page() {
        let report = "Contents\n\nSummary of findings\n\n3\n\nAreas for improvement 5\n\n\
            The local authority\n\nSummary of findings\n\nChildren's services in X require improvement because:\n\nHelp and protection\n\n\
            \u{f0b7} Early help does not start soon enough.\n\n\u{f0b7} Plans drift.\n";
        assert_eq!(
            headline(report, ReportKind::Sif, None).as_deref(),
            Some(
                "Children's services in X require improvement because: Early help does not start soon enough."
            )
        );
    }
}
