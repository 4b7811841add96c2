//! Grades and the judgements they are given for, by era:
//!
//! | era | judgements |
//! |---|---|
//! | SIF 2013–2017 | help_and_protection, looked_after_and_permanence, adoption, care_leavers, leadership_management_governance, overall_effectiveness, lscb_review |
//! | ILACS 2018–2022 | impact_of_leaders, help_and_protection, children_in_care_and_care_leavers, overall_effectiveness |
//! | ILACS 2023– | impact_of_leaders, help_and_protection, children_in_care, care_leavers, overall_effectiveness |
//! | ILACS April 2026– | as 2023, without overall_effectiveness |
//!
//! Tables are read row by row as the text gives them: a row's label may wrap over lines
//! and its grade may sit on either line, "Requires improvement" / "to be good" wrapped too.
//! Each row's label is recognised by a phrase ("help and protection") and paired, in order,
//! with the grades in the row.

use std::collections::BTreeMap;

use crate::ReportKind;
use crate::layout::{Layout, Paragraph};

pub use csfeed_core::Grade;

/// Canonical judgement keys, as in `expected.json` and the reference notes.
pub mod keys {
    /// The impact of leaders on social work practice with children and families.
    pub const IMPACT_OF_LEADERS: &str = "impact_of_leaders";
    /// The experiences and progress of children who need help and protection.
    pub const HELP_AND_PROTECTION: &str = "help_and_protection";
    /// Children in care and care leavers, judged together (ILACS 2018–2022).
    pub const CHILDREN_IN_CARE_AND_CARE_LEAVERS: &str = "children_in_care_and_care_leavers";
    /// The experiences and progress of children in care (ILACS 2023–).
    pub const CHILDREN_IN_CARE: &str = "children_in_care";
    /// The experiences and progress of care leavers (ILACS 2023–; SIF).
    pub const CARE_LEAVERS: &str = "care_leavers";
    /// Overall effectiveness (not graded from April 2026).
    pub const OVERALL_EFFECTIVENESS: &str = "overall_effectiveness";
    /// Children looked after and achieving permanence (SIF).
    pub const LOOKED_AFTER_AND_PERMANENCE: &str = "looked_after_and_permanence";
    /// Adoption performance (SIF).
    pub const ADOPTION: &str = "adoption";
    /// Leadership, management and governance (SIF).
    pub const LEADERSHIP_MANAGEMENT_GOVERNANCE: &str = "leadership_management_governance";
    /// Review of the effectiveness of the Local Safeguarding Children Board (SIF).
    pub const LSCB_REVIEW: &str = "lscb_review";
}

/// Label phrases (lower case, punctuation dropped) and the judgement they name. Where two
/// start at the same place the longer wins.
const LABELS: &[(&str, &str)] = &[
    ("impact of leaders", keys::IMPACT_OF_LEADERS),
    ("help and protection", keys::HELP_AND_PROTECTION),
    (
        "children in care and care leavers",
        keys::CHILDREN_IN_CARE_AND_CARE_LEAVERS,
    ),
    ("children in care", keys::CHILDREN_IN_CARE),
    ("care leavers", keys::CARE_LEAVERS),
    ("overall effectiveness", keys::OVERALL_EFFECTIVENESS),
    (
        "looked after and achieving permanence",
        keys::LOOKED_AFTER_AND_PERMANENCE,
    ),
    ("adoption performance", keys::ADOPTION),
    (
        "leadership management and governance",
        keys::LEADERSHIP_MANAGEMENT_GOVERNANCE,
    ),
];

/// Most lines a table row takes per grade it holds.
const LINES_PER_ROW: usize = 3;
/// Words after a verb phrase within which its grade must start.
const VERB_WINDOW: usize = 6;
/// Words within which the verb of a SIF report's overall judgement must come (a council's
/// full name can stand before it: "in the Royal Borough of Kingston upon Thames are good").
const OVERALL_VERB_WINDOW: usize = 12;

/// A report's judgements, and where its judgement table ends.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Judgements {
    /// Grade by canonical judgement key (see [`keys`]).
    pub grades: BTreeMap<String, Grade>,
    /// Index in [`Layout::lines`] just past the judgement table, if there is one.
    pub table_end: Option<usize>,
}

/// The judgements of a report. Letters have none.
pub(crate) fn find(layout: &Layout, kind: ReportKind) -> Judgements {
    match kind {
        ReportKind::FocusedVisit | ReportKind::MonitoringVisit | ReportKind::Jtai => Judgements::default(),
        ReportKind::Sif => {
            // Most SIF reports introduce the table ("The judgements on areas of the service
            // that contribute to overall effectiveness are:"); re-inspections and some others
            // go straight from the overall grade to its first row.
            let start = layout
                .find_line(|line| {
                    line.to_ascii_lowercase()
                        .contains("judgements on areas of the service")
                })
                .map(|header| header + 1)
                .or_else(|| layout.find_line(is_first_sif_row));
            let mut judgements = start.map_or_else(Judgements::default, |start| table_from(layout, start));
            let first_page = layout.page_text(1).to_ascii_lowercase();
            if let Some(grade) = sif_overall(&first_page) {
                judgements
                    .grades
                    .insert(keys::OVERALL_EFFECTIVENESS.to_owned(), grade);
            }
            if let Some(grade) =
                lscb_judgement_line(layout).or_else(|| lscb_review(&layout.text().to_ascii_lowercase()))
            {
                judgements.grades.insert(keys::LSCB_REVIEW.to_owned(), grade);
            }
            judgements
        }
        _ => table(layout, |line| line.starts_with("judgement grade")),
    }
}

/// "1. Children who need help and protection Good": the first row of a SIF table.
fn is_first_sif_row(line: &str) -> bool {
    let line = line.to_ascii_lowercase().replace(' ', "");
    line.starts_with("1.childrenwhoneedhelp")
}

/// Reads the table under the first line that `is_header` accepts (given in lower case).
fn table(layout: &Layout, is_header: impl Fn(&str) -> bool) -> Judgements {
    layout
        .find_line(|line| is_header(&line.to_ascii_lowercase()))
        .map_or_else(Judgements::default, |header| table_from(layout, header + 1))
}

/// Reads the table whose rows start at line `start`.
fn table_from(layout: &Layout, start: usize) -> Judgements {
    let rows = table_rows(layout, start);
    let mut grades = BTreeMap::new();
    for row in &rows {
        let scan = Scan::new(&row.text());
        for (key, grade) in scan.labels().into_iter().zip(scan.grades) {
            grades.entry(key.to_owned()).or_insert(grade);
        }
    }
    Judgements {
        grades,
        table_end: rows.last().map(Paragraph::end),
    }
}

/// The paragraphs from `start` that read as table rows: short, a grade ending a line,
/// a known label; up to and including overall effectiveness.
fn table_rows(layout: &Layout, start: usize) -> Vec<Paragraph<'_>> {
    let mut rows = Vec::new();
    let mut paragraphs = layout.paragraphs_from(start).peekable();
    while let Some(paragraph) = paragraphs.next() {
        // A SIF table can run over a page whose foot carries the report's legal footnote.
        if is_legal_footnote(&paragraph.text()) {
            continue;
        }
        let mut paragraph = without_text_after_table(paragraph);
        let mut scan = Scan::new(&paragraph.text());
        // Some tables put a row's label and its grade in paragraphs of their own.
        if scan.grades.is_empty()
            && !scan.labels().is_empty()
            && let Some(grade) = paragraphs.peek()
            && Scan::new(&grade.text()).labels().is_empty()
        {
            let end = grade.end();
            paragraphs.next();
            paragraph = Paragraph {
                start: paragraph.start,
                lines: &layout.lines()[paragraph.start..end],
            };
            scan = Scan::new(&paragraph.text());
        }
        let labels = scan.labels();
        // A grade may take three lines of its own ("Requires" / "improvement to be" / "good").
        let lines = paragraph
            .lines
            .iter()
            .filter(|line| !line.text.is_empty() && !is_grade_fragment(&line.text));
        let is_row = !scan.grades.is_empty()
            && !labels.is_empty()
            && lines.clone().count() <= LINES_PER_ROW * scan.grades.len()
            && paragraph.lines.iter().any(|line| ends_with_grade(&line.text));
        if !is_row {
            break;
        }
        rows.push(paragraph);
        if labels.contains(&keys::OVERALL_EFFECTIVENESS) {
            break;
        }
    }
    rows
}

/// The paragraph up to the end of the overall effectiveness row, when the report's text
/// runs on after the table with no blank line between.
fn without_text_after_table(paragraph: Paragraph<'_>) -> Paragraph<'_> {
    let lines = paragraph.lines;
    let Some(overall) = lines
        .iter()
        .position(|line| line.text.to_ascii_lowercase().contains("overall effectiveness"))
    else {
        return paragraph;
    };
    let Some(graded) = (overall..lines.len()).find(|&index| ends_with_grade(&lines[index].text)) else {
        return paragraph;
    };
    let wrapped = lines
        .get(graded + 1)
        .is_some_and(|line| line.text.trim().eq_ignore_ascii_case("to be good"));
    let end = graded + 1 + usize::from(wrapped);
    Paragraph {
        start: paragraph.start,
        lines: &lines[..end],
    }
}

/// "The overall judgement is that children's services require improvement" (or, in
/// re-inspections, "Children's services in X are good"; in 2013–2014, "The overall
/// judgement is good").
fn sif_overall(first_page: &str) -> Option<Grade> {
    [
        // "… that children's service requires improvement" also occurs.
        "overall judgement is that children's service",
        // "Children's services in the Royal Borough of Kingston upon Thames are good"
        "children's services in ",
        "children's services require",
        // 2013–2014: "The overall judgement is requires improvement."
        "the overall judgement",
    ]
    .iter()
    .filter_map(|phrase| {
        first_page
            .find(phrase)
            .map(|at| at + phrase.len() - verb_kept(phrase))
    })
    .find_map(|after| grade_after_verb(&first_page[after..], OVERALL_VERB_WINDOW))
}

/// How many bytes at the end of `phrase` are its verb, which the grade reading needs.
fn verb_kept(phrase: &str) -> usize {
    if phrase.ends_with(" require") {
        "require".len()
    } else {
        0
    }
}

/// The LSCB section's own judgement line, which starts with the board's name ("The Local
/// Safeguarding Children Board requires improvement"); the name also occurs mid-sentence
/// elsewhere ("…including by the Local Safeguarding Children Board, is good at…").
fn lscb_judgement_line(layout: &Layout) -> Option<Grade> {
    const OPENING: &str = "the local safeguarding children board ";
    let lines = layout.lines();
    lines.iter().enumerate().find_map(|(index, line)| {
        let lower = line.text.to_ascii_lowercase();
        let rest = lower.strip_prefix(OPENING)?;
        let next = lines
            .get(index + 1)
            .map_or(String::new(), |line| line.text.to_ascii_lowercase());
        grade_after_verb(&format!("{rest} {next}"), VERB_WINDOW)
    })
}

/// "The Local Safeguarding Children Board requires improvement" / "… is good".
fn lscb_review(text: &str) -> Option<Grade> {
    const BOARD: &str = "local safeguarding children board";
    text.match_indices(BOARD)
        .find_map(|(at, _)| grade_after_verb(&text[at + BOARD.len()..], VERB_WINDOW))
}

/// The grade right after the first "is", "are" or "require(s)" within `window` words.
fn grade_after_verb(text: &str, window: usize) -> Option<Grade> {
    let words: Vec<String> = text
        .split_whitespace()
        .take(window + VERB_WINDOW)
        .map(bare_word)
        .collect();
    let verb = words
        .iter()
        .take(window)
        .position(|word| matches!(word.as_str(), "is" | "are" | "require" | "requires"))?;
    let from = if matches!(words[verb].as_str(), "is" | "are") {
        verb + 1
    } else {
        verb
    };
    let scan = Scan::from_words(words.get(from..)?);
    scan.grade_first.then_some(*scan.grades.first()?)
}

/// Whether a line ends with a grade word.
fn ends_with_grade(line: &str) -> bool {
    line.split_whitespace()
        .next_back()
        .map(bare_word)
        .is_some_and(|word| {
            matches!(
                word.as_str(),
                "good" | "outstanding" | "inadequate" | "improvement"
            )
        })
}

/// A line that is only (part of) a grade.
fn is_grade_fragment(line: &str) -> bool {
    let words: Vec<String> = line.split_whitespace().map(bare_word).collect();
    !words.is_empty()
        && words.iter().all(|word| {
            matches!(
                word.as_str(),
                "requires" | "improvement" | "to" | "be" | "good" | "outstanding" | "inadequate"
            )
        })
}

/// "1 Ofsted produces this report under its power to combine reports…", at the foot of a
/// SIF report's first page.
fn is_legal_footnote(text: &str) -> bool {
    text.to_ascii_lowercase()
        .contains("ofsted produces this report under its power")
}

/// Lower case, without surrounding punctuation.
fn bare_word(word: &str) -> String {
    word.trim_matches(|c: char| !c.is_alphanumeric()).to_lowercase()
}

/// A piece of text split into its grades and the words around them.
#[derive(Debug, Default)]
struct Scan {
    /// Grades in order.
    grades: Vec<Grade>,
    /// The other words, joined by single spaces.
    words: String,
    /// Whether a grade came before any other word.
    grade_first: bool,
}

impl Scan {
    fn new(text: &str) -> Self {
        let words: Vec<String> = text.split_whitespace().map(bare_word).collect();
        Self::from_words(&words)
    }

    fn from_words(words: &[String]) -> Self {
        let mut scan = Self::default();
        let mut index = 0;
        while index < words.len() {
            let at = |offset: usize, wanted: &[&str]| {
                words
                    .get(index + offset)
                    .is_some_and(|word| wanted.contains(&word.as_str()))
            };
            let to_be_good =
                |offset| at(offset, &["to"]) && at(offset + 1, &["be"]) && at(offset + 2, &["good"]);
            let (grade, length) = if at(0, &["requires", "require"]) && at(1, &["improvement"]) {
                (
                    Some(Grade::RequiresImprovement),
                    if to_be_good(2) { 5 } else { 2 },
                )
            } else if to_be_good(0) {
                (None, 3)
            } else {
                match words[index].as_str() {
                    "outstanding" => (Some(Grade::Outstanding), 1),
                    "good" => (Some(Grade::Good), 1),
                    "inadequate" => (Some(Grade::Inadequate), 1),
                    word => {
                        if !word.is_empty() {
                            if !scan.words.is_empty() {
                                scan.words.push(' ');
                            }
                            scan.words.push_str(word);
                        }
                        (None, 1)
                    }
                }
            };
            if let Some(grade) = grade {
                scan.grade_first |= scan.grades.is_empty() && scan.words.is_empty();
                scan.grades.push(grade);
            }
            index += length;
        }
        scan
    }

    /// The judgements named in the words, in order of appearance.
    fn labels(&self) -> Vec<&'static str> {
        let padded = format!(" {} ", self.words);
        let mut found: Vec<(usize, usize, &'static str)> = LABELS
            .iter()
            .flat_map(|(phrase, key)| {
                let needle = format!(" {phrase} ");
                padded
                    .match_indices(&needle)
                    .map(|(at, _)| (at, phrase.len(), *key))
                    .collect::<Vec<_>>()
            })
            .collect();
        found.sort_by(|a, b| a.0.cmp(&b.0).then(b.1.cmp(&a.1)));
        let mut labels = Vec::new();
        let mut taken_until = 0;
        for (at, length, key) in found {
            if at >= taken_until {
                labels.push(key);
                taken_until = at + length + 1;
            }
        }
        labels
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ReportText;

    fn judgements(text: &str, kind: ReportKind) -> Vec<(String, Grade)> {
        let layout = Layout::new(&ReportText {
            pages: vec![text.to_owned()],
        });
        find(&layout, kind).grades.into_iter().collect()
    }

    fn pairs(list: &[(&str, Grade)]) -> Vec<(String, Grade)> {
        let mut pairs: Vec<(String, Grade)> = list.iter().map(|(k, g)| ((*k).to_owned(), *g)).collect();
        pairs.sort();
        pairs
    }

    #[test]
    fn grades_wrapped_across_lines() {
        use Grade::*;
        let table = "Judgement  Grade\n\n\
            The impact of leaders on social work practice with\nchildren and families  Requires improvement\nto be good\n\n\
            The experiences and progress of children who need help  Requires improvement\nand protection  to be good\n\n\
            The experiences and progress of children in care and\ncare leavers  Inadequate\n\n\
            Overall effectiveness  Requires\nimprovement to be good\n\n\
            Since the last inspection, services have declined and are not good.\n";
        assert_eq!(
            judgements(table, ReportKind::IlacsStandard),
            pairs(&[
                (keys::IMPACT_OF_LEADERS, RequiresImprovement),
                (keys::HELP_AND_PROTECTION, RequiresImprovement),
                (keys::CHILDREN_IN_CARE_AND_CARE_LEAVERS, Inadequate),
                (keys::OVERALL_EFFECTIVENESS, RequiresImprovement),
            ])
        );
    }

    #[test]
    fn reformed_framework_has_no_overall_grade() {
        use Grade::*;
        let table = "Judgement Grade\n\nThe impact of leaders on practice with\nchildren and families Outstanding\n\n\
            The experiences and progress of\nchildren who need help and protection Good\n\n\
            The experiences and progress of\nchildren in care Good\n\n\
            The experiences and progress of care\nleavers Good\n\n\
            Children in care receive good support and\nmake good progress in their lives, and care leavers are\nwell supported.\n";
        assert_eq!(
            judgements(table, ReportKind::IlacsStandard),
            pairs(&[
                (keys::IMPACT_OF_LEADERS, Outstanding),
                (keys::HELP_AND_PROTECTION, Good),
                (keys::CHILDREN_IN_CARE, Good),
                (keys::CARE_LEAVERS, Good),
            ])
        );
    }

    #[test]
    fn rows_without_blank_lines_pair_in_order() {
        use Grade::*;
        let table =
            "Judgement Grade\nThe impact of leaders Good\nChildren who need help and protection Inadequate\n";
        assert_eq!(
            judgements(table, ReportKind::IlacsStandard),
            pairs(&[
                (keys::IMPACT_OF_LEADERS, Good),
                (keys::HELP_AND_PROTECTION, Inadequate)
            ])
        );
    }

    #[test]
    fn single_inspection_framework() {
        use Grade::*;
        let report = "The overall judgement is that children\u{2019}s services are\ninadequate\n\n\
            The judgements on areas of the service that contribute to overall effectiveness are:\n\n\
            1. Children who need help and protection Requires\nImprovement\n\n\
            2. Children looked after and achieving\npermanence Inadequate\n\n\
            2.1 Adoption performance Good\n\n2.2 Experiences and progress of care leavers Outstanding\n\n\
            3. Leadership, management and governance Inadequate\n\n\
            1 Ofsted produces this report under its power to combine reports.\n\n\
            The Local Safeguarding Children Board (LSCB) is good\n";
        assert_eq!(
            judgements(report, ReportKind::Sif),
            pairs(&[
                (keys::HELP_AND_PROTECTION, RequiresImprovement),
                (keys::LOOKED_AFTER_AND_PERMANENCE, Inadequate),
                (keys::ADOPTION, Good),
                (keys::CARE_LEAVERS, Outstanding),
                (keys::LEADERSHIP_MANAGEMENT_GOVERNANCE, Inadequate),
                (keys::OVERALL_EFFECTIVENESS, Inadequate),
                (keys::LSCB_REVIEW, Good),
            ])
        );
        assert_eq!(
            sif_overall("children's services in manchester require improvement to be good"),
            Some(RequiresImprovement)
        );
        assert_eq!(
            lscb_review("review of the local safeguarding children board 1 inspection date"),
            None
        );
    }

    #[test]
    fn sif_tables_with_three_line_grades_or_a_footnote_inside() {
        use Grade::*;
        let wrapped = "Report published: 21 May 2018\n\nChildren's services in Darlington require improvement to be\ngood\n\n\
            1. Children who need help and protection Requires\nimprovement to be\ngood\n\n\
            2. Children looked after and achieving\npermanence\nRequires\nimprovement to be\ngood\n\n\
            2.1 Adoption performance Good\n\n2.2 Experiences and progress of care leavers Good\n\n\
            3. Leadership, management and governance Requires\nimprovement to be\ngood\n\nExecutive summary\n";
        assert_eq!(
            judgements(wrapped, ReportKind::Sif),
            pairs(&[
                (keys::HELP_AND_PROTECTION, RequiresImprovement),
                (keys::LOOKED_AFTER_AND_PERMANENCE, RequiresImprovement),
                (keys::ADOPTION, Good),
                (keys::CARE_LEAVERS, Good),
                (keys::LEADERSHIP_MANAGEMENT_GOVERNANCE, RequiresImprovement),
                (keys::OVERALL_EFFECTIVENESS, RequiresImprovement),
            ])
        );
        let footnote = "Children's services in Oldham require improvement to be good\n\n\
            1. Children who need help and protection Requires improvement\n\n\
            2. Children looked after and achieving\npermanence Requires improvement\n\n2.1 Adoption performance Good\n\n\
            1 Ofsted produces this report under its power to combine reports in accordance with section 152.\n\n\
            2.2 Experiences and progress of care leavers Requires improvement\n\n\
            3. Leadership, management and governance Requires improvement\n\nContents\n";
        assert_eq!(
            judgements(footnote, ReportKind::Sif),
            pairs(&[
                (keys::HELP_AND_PROTECTION, RequiresImprovement),
                (keys::LOOKED_AFTER_AND_PERMANENCE, RequiresImprovement),
                (keys::ADOPTION, Good),
                (keys::CARE_LEAVERS, RequiresImprovement),
                (keys::LEADERSHIP_MANAGEMENT_GOVERNANCE, RequiresImprovement),
                (keys::OVERALL_EFFECTIVENESS, RequiresImprovement),
            ])
        );
    }

    #[test]
    fn sif_reports_without_the_tables_introduction_and_with_other_overall_wordings() {
        use Grade::*;
        let report = "Report published: 14 July 2017\n\n\
            Children\u{2019}s services in the Royal Borough of Kingston upon Thames are good\n\n\
            1.  Children who need help and protection  Good\n\n\
            2.  Children looked after and achieving\npermanence  Good\n\n\
            2.1 Adoption performance  Good\n\n2.2 Experiences and progress of care leavers  Good\n\n\
            3.  Leadership, management and governance  Outstanding\n\n\
            1 Ofsted produces this report under its power to combine reports.\n";
        assert_eq!(
            judgements(report, ReportKind::Sif),
            pairs(&[
                (keys::HELP_AND_PROTECTION, Good),
                (keys::LOOKED_AFTER_AND_PERMANENCE, Good),
                (keys::ADOPTION, Good),
                (keys::CARE_LEAVERS, Good),
                (keys::LEADERSHIP_MANAGEMENT_GOVERNANCE, Outstanding),
                (keys::OVERALL_EFFECTIVENESS, Good),
            ])
        );
        for (first_page, grade) in [
            (
                "report published: 30 june 2014 the overall judgement is good. the local authority leads",
                Good,
            ),
            (
                "inspection date: 2013 the overall judgement is requires improvement. there are no",
                RequiresImprovement,
            ),
            (
                "the overall judgement is that children's service requires improvement.",
                RequiresImprovement,
            ),
            (
                "children's services require improvement to be good 1. children who need",
                RequiresImprovement,
            ),
        ] {
            assert_eq!(sif_overall(first_page), Some(grade), "{first_page}");
        }
    }

    #[test]
    fn the_lscb_judgement_is_its_own_line_not_a_mention() {
        let report = "Inspection of services for children in need of help and protection\n\n\
            Help was given by all agencies, including by the Local Safeguarding Children Board,\n\
            which is good at sharing information.\n\n\
            Local Safeguarding Children Board (LSCB)\n\nThe Local Safeguarding Children Board requires improvement\n";
        assert!(
            judgements(report, ReportKind::Sif)
                .contains(&(keys::LSCB_REVIEW.to_owned(), Grade::RequiresImprovement))
        );
    }

    #[test]
    fn tables_whose_rows_split_from_their_grades_or_run_into_the_text() {
        use Grade::*;
        let split = "Judgement  Grade\n\nThe impact of leaders on social work\npractice with children and families\n\n\
            Requires improvement to be good\n\nThe experiences and progress of\nchildren who need help and protection\n\n\
            Good\n\nThe experiences and progress of\nchildren in care and care leavers\n\nGood\n\n\
            Overall effectiveness  Requires improvement to be good\nThis is the first inspection of the council.\n";
        assert_eq!(
            judgements(split, ReportKind::IlacsStandard),
            pairs(&[
                (keys::CHILDREN_IN_CARE_AND_CARE_LEAVERS, Good),
                (keys::HELP_AND_PROTECTION, Good),
                (keys::IMPACT_OF_LEADERS, RequiresImprovement),
                (keys::OVERALL_EFFECTIVENESS, RequiresImprovement),
            ])
        );
        let runs_on = "Judgement Grade\nThe impact of leaders on social work practice with children\nand families Good\n\
            Overall effectiveness Requires improvement\nto be good\n\
            Services for children in Ealing have deteriorated, and now require improvement to be good. Some\n\
            children are safe; others are not, and the work is inadequate in places.\n";
        assert_eq!(
            judgements(runs_on, ReportKind::IlacsStandard),
            pairs(&[
                (keys::IMPACT_OF_LEADERS, Good),
                (keys::OVERALL_EFFECTIVENESS, RequiresImprovement),
            ])
        );
    }

    #[test]
    fn letters_have_no_judgements() {
        assert!(
            judgements(
                "Judgement Grade\nOverall effectiveness Good\n",
                ReportKind::FocusedVisit
            )
            .is_empty()
        );
    }
}
