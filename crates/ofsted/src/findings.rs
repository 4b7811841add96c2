//! What a report tells the council to do: the "Areas for priority action" (focused and
//! monitoring visits, and SIF reports' "Priority and immediate action") and the
//! improvements ("What needs to improve…", "Areas for improvement", "Areas for
//! development", "Recommendations"). Each section is read as a list of items: bulleted
//! paragraphs, or numbered ones (SIF reports number them across sub-headings).

use crate::layout::{Layout, join_lines};

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
        || key.starts_with("inspection findings")
        || key.starts_with("ofsted will take")
        || key.starts_with("the graded judgement")
}

/// The items of every section whose heading `wanted` accepts, in order, each once.
fn items_under(layout: &Layout, wanted: impl Fn(&str) -> bool) -> Vec<String> {
    let blocks = blocks(layout);
    let mut items: Vec<String> = Vec::new();
    for (index, block) in blocks.iter().enumerate() {
        // "Recommendations 8" is a contents-page entry, not the section.
        if !wanted(&heading_key(block[0])) || crate::headline::ends_with_page_number(block[0]) {
            continue;
        }
        let rest = block[1..].to_vec();
        let following = blocks[index + 1..].iter().cloned();
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

/// The report's paragraphs as runs of lines, a paragraph split where a heading line
/// follows the end of a sentence with no blank line between ("…management oversight." /
/// "What needs to improve in this area of social work practice"), and before each
/// bulleted line (a list under "…highlighted within their self-evaluation:").
fn blocks(layout: &Layout) -> Vec<Vec<&str>> {
    let mut blocks: Vec<Vec<&str>> = Vec::new();
    for paragraph in layout.paragraphs_from(0) {
        let mut block: Vec<&str> = Vec::new();
        for line in paragraph.lines.iter().map(|line| line.text.as_str()) {
            let after_sentence = block.last().is_some_and(|last| last.ends_with(['.', '?', '!']));
            let heading = after_sentence && is_any_heading(&heading_key(line));
            let sub_item = is_sub_item(line)
                && (block.last().is_some_and(|last| last.ends_with(':'))
                    || block.first().is_some_and(|first| is_sub_item(first)));
            if (heading || sub_item || starts_with_bullet(line)) && !block.is_empty() {
                blocks.push(std::mem::take(&mut block));
            }
            block.push(line);
        }
        blocks.push(block);
    }
    blocks
}

/// Whether a line opens with one of the bullet glyphs reports use (squares, dots, and the
/// Symbol and Wingdings glyphs PDF readers give as private-use characters).
fn starts_with_bullet(line: &str) -> bool {
    line.chars()
        .next()
        .is_some_and(|c| matches!(c, '◼' | '•' | '●' | '▪' | '■' | '\u{f000}'..='\u{f0ff}'))
}

/// "1 The areas for improvement have been cross-referenced…": a footnote, its number
/// without a full stop.
fn is_footnote(text: &str) -> bool {
    let mut words = text.split(' ');
    let number = words.next().unwrap_or_default();
    (1..=2).contains(&number.len())
        && number.bytes().all(|b| b.is_ascii_digit())
        && words
            .next()
            .is_some_and(|word| word.starts_with(char::is_uppercase))
}

/// A line of a sub-list: marked with a dash (or the stroke some PDFs draw it with),
/// under a bullet.
fn is_sub_item(text: &str) -> bool {
    text.starts_with(['−', '–', '-', '\u{336}']) && text.chars().nth(1) == Some(' ')
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

/// Most paragraphs of prose read as a section's items (a list printed without bullets).
const MAX_PROSE_ITEMS: usize = 12;

/// Phrases of a section that sets nothing new: "There are no additional areas for
/// improvement", "The areas for improvement set at the last focused visit remain".
const NOTHING_NEW: &[&str] = &[
    "no additional",
    "no new ",
    "no further",
    "no areas for",
    "no areas of",
    "no priority",
    "no recommendations",
    "did not find any",
    "did not identify any",
    "not identified any",
    " remain.",
    " remain unchanged",
    "continue to be those",
];

/// The items of one section, given its paragraphs (each as lines) from just after its
/// heading: stops at the next heading, or at unmarked prose once items have begun. A
/// section written as one paragraph of prose, with no list, is one item (unless it only
/// says that there is nothing new to improve).
fn section_items<'a>(blocks: impl Iterator<Item = Vec<&'a str>>) -> Vec<String> {
    let mut items: Vec<String> = Vec::new();
    let mut prose: Vec<String> = Vec::new();
    let mut ended_at_heading = false;
    let mut numbered = false;
    let mut number_alone = false;
    for lines in blocks {
        let Some(first) = lines.first() else {
            continue;
        };
        let key = heading_key(first);
        if is_any_heading(&key) {
            ended_at_heading = true;
            break;
        }
        let text = join_lines(lines.iter().copied());
        if number_alone {
            number_alone = false;
            items.push(text);
            continue;
        }
        match mark(&text) {
            // "The quality of oversight and monitoring of:" then "− permanence for
            // children": a dashed sub-list belongs to the item that introduces it.
            Mark::Bullet(item)
                if is_sub_item(&text) && items.last().is_some_and(|last| last.ends_with([':', ';'])) =>
            {
                if let Some(last) = items.last_mut() {
                    last.push(' ');
                    last.push_str(&item);
                    if !item.ends_with(['.', ';']) {
                        last.push(';');
                    }
                }
            }
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
            // A page's footnote ("1 The areas for improvement have been cross-referenced
            // with … the National Framework") can fall between two bullets of a list.
            Mark::Plain if !items.is_empty() && !numbered && is_footnote(&text) => {}
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
                // Prose may introduce a list ("…in the following areas.") or be the
                // list itself, its bullets lost: which, the blocks after it say.
                if items.is_empty() && prose.len() < MAX_PROSE_ITEMS && is_sentence(&text) {
                    prose.push(text);
                    continue;
                }
                break;
            }
        }
    }
    if items.is_empty() && !prose.iter().any(|text| says_nothing_new(text)) {
        // Paragraphs up to the next heading are the items; with no heading to end them,
        // only the first is surely the section's.
        let kept = if ended_at_heading { prose.len() } else { 1 };
        items.extend(prose.into_iter().take(kept));
    }
    items
        .into_iter()
        .map(|item| item.trim().to_owned())
        .filter(|item| item.chars().filter(|c| c.is_alphabetic()).count() >= 3)
        .collect()
}

/// Prose of a section of its own: whole sentences, not a contents entry or the tail of a
/// paragraph the section's heading interrupted.
fn is_sentence(text: &str) -> bool {
    text.starts_with(|c: char| c.is_uppercase())
        && text.ends_with(['.', '!', '?'])
        && text.split(' ').count() >= 6
}

fn says_nothing_new(text: &str) -> bool {
    let lower = text.to_lowercase();
    NOTHING_NEW.iter().any(|phrase| lower.contains(phrase))
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
    fn a_heading_run_on_from_the_paragraph_before() {
        let letter = "Overview\n\nLeaders know the service well and have a realistic view.\n\
            Inspectors' findings largely reflected the local authority's own analysis.\n\
            What needs to improve in this area of social work practice\n\
            \u{f06e} The quality of children's plans.\n\n\u{f06e} Capturing children's views.\n\n\
            Findings\n\n\u{f06e} The quality of services is improving.\n";
        assert_eq!(
            findings(letter).improvements,
            ["The quality of children's plans.", "Capturing children's views."]
        );
        let sif = "\u{f02d} no children are living in houses of\nmultiple occupation.\nRecommendations\n\n\
            1. Consider permanence for children at the earliest stage.\n\n2. Recruit sufficient adopters.\n";
        assert_eq!(
            findings(sif).improvements,
            [
                "Consider permanence for children at the earliest stage.",
                "Recruit sufficient adopters."
            ]
        );
    }

    #[test]
    fn a_footnote_between_two_bullets_is_not_the_end_of_the_list() {
        let letter = "What needs to improve in this area of social work practice?1\n\n\
            \u{25fc} Responses to children in care who go missing. (Outcome 3, national framework)\n\n\
            1 The areas for improvement have been cross-referenced with the outcomes, enablers or principles in\n\
            the Children's Social Care: National Framework.\n\n\
            \u{25fc} Transitions to adulthood. (Outcome 4, national framework)\n\nMain findings\n\nText.\n";
        assert_eq!(
            findings(letter).improvements,
            [
                "Responses to children in care who go missing. (Outcome 3, national framework)",
                "Transitions to adulthood. (Outcome 4, national framework)"
            ]
        );
    }

    #[test]
    fn a_section_in_prose_is_one_item_unless_it_sets_nothing_new() {
        let prose = "What needs to improve?\n\nThere are an extremely small number of areas of variability\n\
            in what is otherwise an exceptional practice.\n\nMore text about leaders.\n";
        assert_eq!(
            findings(prose).improvements,
            [
                "There are an extremely small number of areas of variability in what is otherwise an exceptional practice."
            ]
        );
        let bullets_lost = "What needs to improve in this area of social work practice\n\n\
            In locality team hubs, many assessments do not describe changes.\n\n\
            Plans are not sufficiently effective in reducing needs.\n\nYours sincerely\n\nJane Doe\n";
        assert_eq!(
            findings(bullets_lost).improvements,
            [
                "In locality team hubs, many assessments do not describe changes.",
                "Plans are not sufficiently effective in reducing needs."
            ]
        );
        let list_after_colon = "What needs to improve in this area of social work practice\n\n\
            The areas for improvement continue to be those identified at the ILACS\n\
            inspection in February 2019, with one additional area highlighted by leaders:\n\
            \u{25fc} the timeliness of assessment of disabled children's needs.\n\nFindings\n\nText.\n";
        assert_eq!(
            findings(list_after_colon).improvements,
            ["the timeliness of assessment of disabled children's needs."]
        );
        let sub_list = "What needs to improve?\n\n\u{25fc} The voices of children.\n\
            \u{25fc} The quality of oversight and monitoring of:\n\u{2212} the pre-proceedings process\n\
            \u{2212} permanence for children\n\n\u{336} private fostering.\n\n\u{25fc} Caseloads.\n\n\
            The experiences and progress of children who need help and protection\n";
        assert_eq!(
            findings(sub_list).improvements,
            [
                "The voices of children.",
                "The quality of oversight and monitoring of: the pre-proceedings process; permanence for children; private fostering.",
                "Caseloads."
            ]
        );
        let introduction = "Areas for priority action\n\nThe local authority needs to act in the following areas.\n\n\
            \u{f0ae} Delays in escalating cases.\n\nFindings\n\nText.\n";
        assert_eq!(
            findings(introduction).priority_actions,
            ["Delays in escalating cases."]
        );
        let carried_over = "Areas for priority action\n\nThe areas for priority action set at the last focused visit in\n\
            February 2020 remain. There are no additional priority actions.\n\n\
            What needs to improve in this area of social work practice?\n\n\
            The areas for improvement continue to be those that were identified at the ILACS\n\
            inspection in July 2018. Progress is evident in key areas.\n\nMain findings\n\nText.\n";
        assert_eq!(findings(carried_over), Findings::default());
    }

    #[test]
    fn a_report_without_those_sections_has_none() {
        let found = findings("Dear Ms Doe\n\nHeadline findings\n\nChildren are safe.\n");
        assert_eq!(found, Findings::default());
    }
}
