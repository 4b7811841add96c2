//! The headline findings: the report's opening summary paragraph.
//!
//! ILACS reports open with it straight after the judgement table (some under a
//! "Headline findings" or "Overall effectiveness" heading); focused and monitoring visit
//! letters give it under "Headline findings" (older letters have an "Overview" instead,
//! which is not a headline). SIF reports have none in that place.

use crate::ReportKind;
use crate::layout::Layout;

/// Headings that may stand between the judgement table and the headline paragraph.
const HEADINGS: &[&str] = &[
    "headline findings",
    "overall effectiveness",
    "summary",
    "summary of findings",
];

/// The first paragraph of the headline findings, as one line. `table_end` is where the
/// judgement table ends, if the report has one.
pub(crate) fn find(layout: &Layout, kind: ReportKind, table_end: Option<usize>) -> Option<String> {
    let start = match kind {
        ReportKind::Sif => None,
        kind if kind.is_letter() => heading(layout, "headline findings"),
        _ => table_end.or_else(|| heading(layout, "headline findings")),
    }?;
    layout
        .paragraphs_from(start)
        .find(|paragraph| {
            !(paragraph.lines.len() == 1
                && HEADINGS.contains(&paragraph.lines[0].text.to_lowercase().as_str()))
        })
        .map(|paragraph| paragraph.text())
}

/// Index of the line after a heading line.
fn heading(layout: &Layout, title: &str) -> Option<usize> {
    layout
        .find_line(|line| line.eq_ignore_ascii_case(title))
        .map(|index| index + 1)
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
            "Dear Professor O'Brien\n\nOverview\n\nThe Ofsted single inspection in 2014 found...\n";
        assert_eq!(headline(old_letter, ReportKind::FocusedVisit, None), None);
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
}
