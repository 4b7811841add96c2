//! What a report tells the council to do: the "Areas for priority action" (focused and
//! monitoring visits, and SIF reports' "Priority and immediate action") and the
//! improvements ("What needs to improve…", "Areas for improvement", "Areas for
//! development", "Recommendations"). Each section is read as a list of items: bulleted
//! paragraphs, or numbered ones (SIF reports number them across sub-headings).

use crate::layout::{Layout, Paragraph, join_lines};

/// The findings lists of one report.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Findings {
    /// Areas for priority action, one string per item.
    pub priority_actions: Vec<String>,
    /// What needs to improve, one string per item.
    pub improvements: Vec<String>,
}

/// Headings of priority-action sections (lower case, without trailing punctuation).
const PRIORITY_HEADINGS: &[&str] = &[
    "areas for priority action",
    "area for priority action",
    "priority and immediate action",
    "priority action",
    "priority actions",
];

/// Headings of improvement sections (matched as prefixes: "What needs to improve in this
/// area of social work practice?").
const IMPROVEMENT_HEADINGS: &[&str] = &[
    "what needs to improve",
    "areas for improvement",
    "area for improvement",
    "areas for development",
    "recommendations",
];

/// Headings that end any findings section.
const OTHER_HEADINGS: &[&str] = &[
    "findings",
    "main findings",
    "headline findings",
    "overview",
    "next steps",
    "summary",
    "summary of findings",
    "executive summary",
    "summary for children and young people",
    "the local authority's strengths",
    "progress since the last inspection",
    "information about this inspection",
    "information about this local authority area",
    "inspection judgements about the local authority",
    "inspection judgement about the lscb",
    "what does the lscb need to improve",
    "what does the local authority need to improve",
    "what the inspection judgements mean",
    "yours sincerely",
    "contents",
];

/// Reads both lists.
pub(crate) fn find(layout: &Layout) -> Findings {
    Findings {
        priority_actions: items_under(layout, |heading| PRIORITY_HEADINGS.contains(&heading)),
        improvements: items_under(layout, |heading| {
            IMPROVEMENT_HEADINGS
                .iter()
                .any(|start| heading == *start || heading.starts_with(&format!("{start} ")))
        }),
    }
}

/// A line as a heading key: lower case, without trailing punctuation or a footnote number
/// ("What needs to improve?1" → "what needs to improve").
pub(crate) fn heading_key(line: &str) -> String {
    line.trim()
        .trim_end_matches(|c: char| c.is_ascii_digit() || matches!(c, '?' | '.' | ':' | ' '))
        .to_lowercase()
}

fn is_any_heading(key: &str) -> bool {
    PRIORITY_HEADINGS.contains(&key)
        || OTHER_HEADINGS.contains(&key)
        || IMPROVEMENT_HEADINGS
            .iter()
            .any(|start| key == *start || key.starts_with(&format!("{start} ")))
        || key.starts_with("the experiences and progress of")
        || key.starts_with("the impact of leaders")
}

/// The items of every section whose heading `wanted` accepts, in order, each once.
fn items_under(layout: &Layout, wanted: impl Fn(&str) -> bool) -> Vec<String> {
    let paragraphs: Vec<Paragraph<'_>> = layout.paragraphs_from(0).collect();
    let mut items: Vec<String> = Vec::new();
    for (index, paragraph) in paragraphs.iter().enumerate() {
        let key = heading_key(&paragraph.lines[0].text);
        if !wanted(&key) {
            continue;
        }
        let rest: Vec<&str> = paragraph.lines[1..]
            .iter()
            .map(|line| line.text.as_str())
            .collect();
        let following = paragraphs[index + 1..].iter().map(|paragraph| {
            paragraph
                .lines
                .iter()
                .map(|line| line.text.as_str())
                .collect::<Vec<_>>()
        });
        let blocks = std::iter::once(rest)
            .filter(|rest| !rest.is_empty())
            .chain(following);
        for item in section_items(blocks) {
            if !items.contains(&item) {
                items.push(item);
            }
        }
    }
    items
}

/// How a paragraph is marked.
enum Mark {
    Bullet(String),
    Numbered(String),
    /// A number alone ("1.") whose text is the next paragraph.
    NumberAlone,
    Plain,
}

fn mark(text: &str) -> Mark {
    let mut chars = text.chars();
    let Some(first) = chars.next() else {
        return Mark::Plain;
    };
    if first.is_ascii_digit() {
        let digits = text.chars().take_while(char::is_ascii_digit).count();
        let after = &text[digits..];
        if let Some(rest) = after.strip_prefix('.').or_else(|| after.strip_prefix(')'))
            && digits <= 3
            && (rest.is_empty() || rest.starts_with(' '))
        {
            let rest = rest.trim();
            return if rest.is_empty() {
                Mark::NumberAlone
            } else {
                Mark::Numbered(rest.to_owned())
            };
        }
        return Mark::Plain;
    }
    let bullet = !first.is_alphanumeric() && !matches!(first, '"' | '\'' | '(' | '[' | '£' | '%');
    if bullet {
        return Mark::Bullet(chars.as_str().trim().to_owned());
    }
    Mark::Plain
}

/// The items of one section, given its paragraphs (each as lines) from just after its
/// heading: stops at the next heading, or at unmarked prose once items have begun.
fn section_items<'a>(blocks: impl Iterator<Item = Vec<&'a str>>) -> Vec<String> {
    let mut items: Vec<String> = Vec::new();
    let mut numbered = false;
    let mut number_alone = false;
    for lines in blocks {
        let Some(first) = lines.first() else {
            continue;
        };
        let key = heading_key(first);
        if is_any_heading(&key) {
            break;
        }
        let text = join_lines(lines.iter().copied());
        if number_alone {
            number_alone = false;
            items.push(text);
            continue;
        }
        match mark(&text) {
            Mark::Bullet(item) if !item.is_empty() => items.push(item),
            Mark::Bullet(_) => {}
            Mark::Numbered(item) => {
                numbered = true;
                items.push(item);
            }
            Mark::NumberAlone => {
                numbered = true;
                number_alone = true;
            }
            Mark::Plain => {
                let continues = text.chars().next().is_some_and(char::is_lowercase);
                if continues && let Some(last) = items.last_mut() {
                    last.push(' ');
                    last.push_str(&text);
                    continue;
                }
                let sub_heading = text.split_whitespace().count() <= 8 && !text.ends_with('.');
                let introduction = items.is_empty() && text.ends_with(':');
                if introduction || (sub_heading && (numbered || items.is_empty())) {
                    continue;
                }
                break;
            }
        }
    }
    items
        .into_iter()
        .map(|item| item.trim().to_owned())
        .filter(|item| item.chars().filter(|c| c.is_alphabetic()).count() >= 3)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ReportText;

    fn findings(text: &str) -> Findings {
        find(&Layout::new(&ReportText {
            pages: vec![text.to_owned()],
        }))
    }

    #[test]
    fn a_letter_with_priority_actions_and_improvements() {
        let letter = "Overview\n\nThe single inspection found decline.\n\nAreas for priority action\n\n\
            The local authority needs to take swift and decisive action in the following areas:\n\n\
            \u{f0ae}  There are significant delays in escalating children's cases from children in need to\n\
            child protection.\n\n\u{f0ae}  The deficit in oversight means children are not safeguarded.\n\n\
            What needs to improve in this area of social work practice\n\n\u{f0ae}  Social workers do not \
            understand neglect.\n\n\u{f0ae}  Assessments are not kept up to date.\n\nFindings\n\n\
            \u{f0ae}  The application of thresholds is poorly understood.\n";
        let found = findings(letter);
        assert_eq!(
            found.priority_actions,
            [
                "There are significant delays in escalating children's cases from children in need to child protection.",
                "The deficit in oversight means children are not safeguarded."
            ]
        );
        assert_eq!(
            found.improvements,
            [
                "Social workers do not understand neglect.",
                "Assessments are not kept up to date."
            ]
        );
    }

    #[test]
    fn sif_lists_are_numbered_across_sub_headings_and_contents_pages_are_skipped() {
        let report = "Contents\n\nAreas for improvement\n\n5\n\nThe local authority's strengths\n\n6\n\n\
            Priority and immediate action\n\nLooked After Children\n\n1. Ensure that attainment is raised.\n\n\
            Thresholds\n\n2.\n\nEnsure that thresholds are understood.\n\nAreas for improvement\n\n\
            Early help and protection\n\n8.  Complete the MASH.\n\n9.  Develop a risk model\nfor domestic abuse.\n\n\
            The local authority's strengths\n\n1. Leaders are ambitious.\n";
        let found = findings(report);
        assert_eq!(
            found.priority_actions,
            [
                "Ensure that attainment is raised.",
                "Ensure that thresholds are understood."
            ]
        );
        assert_eq!(
            found.improvements,
            ["Complete the MASH.", "Develop a risk model for domestic abuse."]
        );
    }

    #[test]
    fn a_report_without_those_sections_has_none() {
        let found = findings("Dear Ms Doe\n\nHeadline findings\n\nChildren are safe.\n");
        assert_eq!(found, Findings::default());
    }
}
