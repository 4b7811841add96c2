//! The report as tidy lines and paragraphs: characters normalised, page furniture (page
//! numbers, running headers, Ofsted's address block) removed, paragraphs joined across
//! page breaks.

use crate::ReportText;

/// One line of report text, normalised (see [`normalise`]); empty for a paragraph break.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Line {
    /// Page the line is on, counting from 1.
    pub page: usize,
    /// The normalised text.
    pub text: String,
}

/// A report's lines, without furniture, with single empty lines between paragraphs.
#[derive(Debug)]
pub(crate) struct Layout {
    lines: Vec<Line>,
}

/// Lines of Ofsted's letterhead and back-page address; a run of them around
/// "Piccadilly Gate" or "Aviation House" is furniture.
const ADDRESS_LINES: &[&str] = &[
    "ofsted",
    "piccadilly gate",
    "store street",
    "store st",
    "manchester",
    "m1 2wd",
    "manchester m1 2wd",
    "aviation house",
    "125 kingsway",
    "london",
    "wc2b 6se",
];
const ADDRESS_PREFIXES: &[&str] = &[
    "t 0300",
    "t: 0300",
    "textphone",
    "text phone",
    "e: enquiries",
    "w: www",
    "enquiries@ofsted",
    "www.gov.uk/ofsted",
    "www.ofsted.gov.uk",
];
const ADDRESS_ANCHORS: &[&str] = &["piccadilly gate", "aviation house"];

impl Layout {
    /// Lays out the pages of a report.
    pub fn new(text: &ReportText) -> Self {
        let mut lines: Vec<Line> = Vec::new();
        for (index, page) in text.pages.iter().enumerate() {
            let number = index + 1;
            let mut page_lines: Vec<String> = page.lines().map(normalise).collect();
            remove_furniture(&mut page_lines, number);
            let Some(first) = page_lines.iter().position(|line| !line.is_empty()) else {
                continue;
            };
            let continues = lines
                .last()
                .is_some_and(|last| continues_paragraph(&last.text, &page_lines[first]));
            if !lines.is_empty() && !continues {
                lines.push(Line {
                    page: number,
                    text: String::new(),
                });
            }
            for text in page_lines.into_iter().skip(first) {
                let blank_after_blank = text.is_empty() && lines.last().is_some_and(|l| l.text.is_empty());
                if !blank_after_blank {
                    lines.push(Line { page: number, text });
                }
            }
            while lines.last().is_some_and(|line| line.text.is_empty()) {
                lines.pop();
            }
        }
        Self { lines }
    }

    /// Every line, paragraph breaks included.
    pub fn lines(&self) -> &[Line] {
        &self.lines
    }

    /// The non-empty lines of page `page`.
    pub fn page_lines(&self, page: usize) -> impl Iterator<Item = &str> {
        self.lines
            .iter()
            .filter(move |line| line.page == page && !line.text.is_empty())
            .map(|line| line.text.as_str())
    }

    /// The text of page `page` as one string, lines joined (see [`join_lines`]).
    pub fn page_text(&self, page: usize) -> String {
        join_lines(self.page_lines(page))
    }

    /// The whole report as one string, lines joined (see [`join_lines`]).
    pub fn text(&self) -> String {
        join_lines(
            self.lines
                .iter()
                .filter(|line| !line.text.is_empty())
                .map(|line| line.text.as_str()),
        )
    }

    /// The paragraphs starting at or after line `from`, each as a run of lines.
    pub fn paragraphs_from(&self, from: usize) -> impl Iterator<Item = Paragraph<'_>> {
        let lines = &self.lines;
        let mut index = from;
        std::iter::from_fn(move || {
            while lines.get(index).is_some_and(|line| line.text.is_empty()) {
                index += 1;
            }
            let start = index;
            while lines.get(index).is_some_and(|line| !line.text.is_empty()) {
                index += 1;
            }
            (index > start).then(|| Paragraph {
                start,
                lines: &lines[start..index],
            })
        })
    }

    /// Index of the first line for which `wanted` holds.
    pub fn find_line(&self, wanted: impl Fn(&str) -> bool) -> Option<usize> {
        self.lines.iter().position(|line| wanted(&line.text))
    }
}

/// A run of lines with no paragraph break.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Paragraph<'a> {
    /// Index of its first line in [`Layout::lines`].
    pub start: usize,
    /// The lines, none empty.
    pub lines: &'a [Line],
}

impl Paragraph<'_> {
    /// Index just past its last line in [`Layout::lines`].
    pub fn end(&self) -> usize {
        self.start + self.lines.len()
    }

    /// The paragraph as one string (see [`join_lines`]).
    pub fn text(&self) -> String {
        join_lines(self.lines.iter().map(|line| line.text.as_str()))
    }
}

/// Lines joined with spaces, except that a line ending in a hyphen joins the next without
/// one when the next starts in lower case ("multi-" + "agency" → "multi-agency").
pub(crate) fn join_lines<'a>(lines: impl Iterator<Item = &'a str>) -> String {
    let mut joined = String::new();
    for line in lines {
        let glued = joined.ends_with('-') && line.starts_with(|c: char| c.is_lowercase());
        if !joined.is_empty() && !glued {
            joined.push(' ');
        }
        joined.push_str(line);
    }
    joined
}

/// Normalises one line: unusual spaces to plain ones, runs of spaces to one, curly quotes
/// to straight, hyphen look-alikes to `-`, range dashes (en, em, figure, minus, box-drawing)
/// to `–`, ligatures spelled out; trimmed. Character counts may change, so offsets into
/// normalised text are not offsets into [`ReportText`].
pub(crate) fn normalise(line: &str) -> String {
    let mut out = String::with_capacity(line.len());
    let mut pending_space = false;
    for c in line.chars() {
        let mapped: &str = match c {
            '\u{a0}' | '\u{2000}'..='\u{200a}' | '\u{202f}' | '\u{205f}' | '\u{3000}' | '\t' | ' ' => {
                pending_space = !out.is_empty();
                continue;
            }
            '\u{ad}' | '\u{200b}' | '\u{feff}' => continue,
            '\u{2018}' | '\u{2019}' | '\u{201b}' | '\u{2032}' | '\u{02bc}' | '`' => "'",
            '\u{201c}' | '\u{201d}' | '\u{201e}' => "\"",
            '\u{2010}' | '\u{2011}' => "-",
            '\u{2012}' | '\u{2013}' | '\u{2014}' | '\u{2015}' | '\u{2212}' | '\u{2500}' | '\u{2501}' => "–",
            '\u{fb00}' => "ff",
            '\u{fb01}' => "fi",
            '\u{fb02}' => "fl",
            '\u{fb03}' => "ffi",
            '\u{fb04}' => "ffl",
            c if c.is_whitespace() => {
                pending_space = !out.is_empty();
                continue;
            }
            _ => {
                if pending_space {
                    out.push(' ');
                    pending_space = false;
                }
                out.push(c);
                continue;
            }
        };
        if pending_space {
            out.push(' ');
            pending_space = false;
        }
        out.push_str(mapped);
    }
    out
}

/// Whether a paragraph running to the end of one page goes on at the top of the next:
/// the last line ends mid-sentence and the next begins in lower case.
fn continues_paragraph(last: &str, next: &str) -> bool {
    !last.is_empty()
        && !last.ends_with(['.', '?', '!', ':', ';'])
        && next.starts_with(|c: char| c.is_lowercase())
}

/// Removes page numbers, the running header of pages after the first ("Inspection of X
/// local authority children's services" and "10 to 21 July 2023 2"), and Ofsted's
/// address block.
fn remove_furniture(lines: &mut Vec<String>, page: usize) {
    remove_page_numbers(lines);
    if page > 1 {
        remove_running_header(lines, page);
    }
    remove_address_blocks(lines);
}

/// Drops page numbers, but not a letter's day of the month printed alone on its line
/// because its superscript ordinal ("22nd") broke the line before "February 2018" (a page
/// number "1" above "3 April 2018" is still a page number).
fn remove_page_numbers(lines: &mut Vec<String>) {
    let mut keep = vec![true; lines.len()];
    for (index, line) in lines.iter().enumerate() {
        let next = lines[index + 1..].iter().find(|next| !next.is_empty());
        let day_of_month =
            line.len() <= 2 && next.is_some_and(|next| crate::dates::is_rest_of_date(line, next));
        keep[index] = !is_page_number(line) || day_of_month;
    }
    let mut flags = keep.into_iter();
    lines.retain(|_| flags.next().unwrap_or(true));
}

fn is_page_number(line: &str) -> bool {
    !line.is_empty() && line.len() <= 3 && line.bytes().all(|b| b.is_ascii_digit())
}

fn remove_running_header(lines: &mut Vec<String>, page: usize) {
    let Some(first) = lines.iter().position(|line| !line.is_empty()) else {
        return;
    };
    if !lines[first].to_ascii_lowercase().starts_with("inspection of ") {
        return;
    }
    lines.remove(first);
    if let Some(next) = lines.iter().position(|line| !line.is_empty())
        && is_dated_page_line(&lines[next], page)
    {
        lines.remove(next);
    }
}

/// "10 to 21 July 2023 2" on page 2: a line with a year that ends in the page number.
fn is_dated_page_line(line: &str, page: usize) -> bool {
    let mut words = line.split(' ').rev();
    let ends_with_page = words.next().is_some_and(|last| last == page.to_string());
    ends_with_page && words.any(|word| word.len() == 4 && word.bytes().all(|b| b.is_ascii_digit()))
}

fn remove_address_blocks(lines: &mut Vec<String>) {
    let is_address = |line: &str| {
        let lower = line.to_ascii_lowercase();
        // "8524": the end of the textphone number, wrapped onto a line of its own.
        let number_tail = (1..=4).contains(&line.len()) && line.bytes().all(|b| b.is_ascii_digit());
        ADDRESS_LINES.contains(&lower.as_str())
            || ADDRESS_PREFIXES.iter().any(|p| lower.starts_with(p))
            || number_tail
    };
    let mut remove = vec![false; lines.len()];
    for anchor in 0..lines.len() {
        if !ADDRESS_ANCHORS.contains(&lines[anchor].to_ascii_lowercase().as_str()) {
            continue;
        }
        let mut start = anchor;
        while start > 0 && is_address(&lines[start - 1]) {
            start -= 1;
        }
        let mut end = anchor;
        // The contact lines may stand a blank line below the postal address.
        while let Some(next) = lines[end + 1..].iter().position(|line| !line.is_empty())
            && is_address(&lines[end + 1 + next])
        {
            end += 1 + next;
        }
        remove[start..=end].iter_mut().for_each(|flag| *flag = true);
    }
    let mut flags = remove.into_iter();
    lines.retain(|_| !flags.next().unwrap_or(false));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalises_spaces_quotes_and_dashes() {
        assert_eq!(
            normalise("  Inspection\u{a0}dates:  1\u{2009}June \u{2500} 2 July  "),
            "Inspection dates: 1 June – 2 July"
        );
        assert_eq!(
            normalise("children\u{2019}s \u{fb01}ndings"),
            "children's findings"
        );
        assert_eq!(normalise("multi\u{2011}agency"), "multi-agency");
    }

    #[test]
    fn joins_hyphenated_lines() {
        assert_eq!(
            join_lines(["the multi-", "agency hub"].into_iter()),
            "the multi-agency hub"
        );
        assert_eq!(
            join_lines(["16- and 17-", "Year-olds"].into_iter()),
            "16- and 17- Year-olds"
        );
    }

    #[test]
    fn drops_an_address_block_with_town_and_postcode_on_one_line() {
        let text = ReportText {
            pages: vec![
                "\u{25fc} Using case planning to full advantage.\n\nPiccadilly Gate\nStore Street\n\
                 Manchester M1 2WD\n  \n   T 0300 123 1231\nTextphone 0161 618\n8524\nenquiries@ofsted.gov.uk\n\
                 www.gov.uk/ofsted\n"
                    .into(),
                "\u{25fc} Assessments and care planning.\n".into(),
            ],
        };
        let layout = Layout::new(&text);
        let paragraphs: Vec<String> = layout.paragraphs_from(0).map(|p| p.text()).collect();
        assert_eq!(
            paragraphs,
            [
                "\u{25fc} Using case planning to full advantage.",
                "\u{25fc} Assessments and care planning."
            ]
        );
    }

    #[test]
    fn drops_furniture_and_joins_paragraphs_across_pages() {
        let text = ReportText {
            pages: vec![
                " 1 \n\nFirst paragraph.\n\nSecond paragraph runs over the\n".into(),
                "Inspection of Halton local authority children\u{2019}s services\n\
                 13 to 24 May 2024  2\n\n page break and ends.\n\nOfsted\nPiccadilly Gate\nStore Street\n\
                 Manchester\nM1 2WD\n"
                    .into(),
            ],
        };
        let layout = Layout::new(&text);
        let paragraphs: Vec<String> = layout.paragraphs_from(0).map(|p| p.text()).collect();
        assert_eq!(
            paragraphs,
            [
                "First paragraph.",
                "Second paragraph runs over the page break and ends."
            ]
        );
    }
}
