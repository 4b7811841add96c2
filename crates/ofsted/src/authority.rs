//! Which local authority a report is about, from the name in its title.

use csfeed_core::{Gazetteer, LocalAuthority};

use crate::ReportKind;
use crate::layout::Layout;

/// Longest name phrase taken from "Inspection of NAME local authority children's services".
const MAX_NAME_WORDS: usize = 8;
/// Lines at the head of page 1 that may hold the title.
const TITLE_LINES: usize = 12;

/// The authority the report is about: the name in its title ("Focused visit to X
/// children's services", "Inspection of X local authority children's services", or the
/// lines above "Inspection of …" in 2013–2019 reports), looked up in the gazetteer.
/// `None` when the title names no authority the gazetteer knows.
pub(crate) fn find(layout: &Layout, kind: ReportKind) -> Option<&'static LocalAuthority> {
    let gazetteer = Gazetteer::get();
    let candidates = if kind.is_letter() {
        vec![letter_title(layout), letter_sentence(layout), title_lines(layout)]
    } else {
        vec![
            inspection_of(layout),
            lines_above_title(layout),
            title_lines(layout),
        ]
    };
    candidates.into_iter().flatten().find_map(|phrase| {
        // A title line that is just the council's name ("Brent") is the council even where
        // the name is also a word that running text would need context for.
        let name = phrase
            .trim()
            .trim_start_matches(|c: char| c.is_ascii_digit() || c == ' ');
        (name.split_whitespace().count() <= 3)
            .then(|| gazetteer.lookup(name))
            .flatten()
            .or_else(|| gazetteer.find_in(&phrase).into_iter().next())
    })
}

/// "Focused visit to St Helens children's services" → "St Helens children's services".
fn letter_title(layout: &Layout) -> Option<String> {
    layout.page_lines(1).find_map(|line| {
        let lower = line.to_ascii_lowercase();
        ["focused visit to ", "monitoring visit to "]
            .iter()
            .find(|prefix| lower.starts_with(*prefix))
            .map(|prefix| line[prefix.len()..].to_owned())
    })
}

/// "… the focused visit to Wakefield Council on 5 and 6 June …" → "Wakefield Council".
fn letter_sentence(layout: &Layout) -> Option<String> {
    let text = layout.page_text(1);
    let lower = text.to_ascii_lowercase();
    let start = lower.find(" visit to ")? + " visit to ".len();
    let end = start + lower[start..].find(" on ")?;
    short_phrase(&text[start..end])
}

/// "Inspection of North Northamptonshire local authority children's services".
fn inspection_of(layout: &Layout) -> Option<String> {
    let text = layout.page_text(1);
    let lower = text.to_ascii_lowercase();
    let start = lower.find("inspection of ")? + "inspection of ".len();
    let end = start + lower[start..].find(" local authority children's services")?;
    short_phrase(&text[start..end])
}

/// The lines above the first "Inspection of …" / "Re-inspection of …" line of page 1.
fn lines_above_title(layout: &Layout) -> Option<String> {
    let lines: Vec<&str> = layout.page_lines(1).take(TITLE_LINES).collect();
    let title = lines.iter().position(|line| {
        let lower = line.to_ascii_lowercase();
        lower.starts_with("inspection of") || lower.starts_with("re-inspection of")
    })?;
    (title > 0).then(|| lines[..title].join(" "))
}

/// The head of page 1 up to the first dates, greeting or opening sentence.
fn title_lines(layout: &Layout) -> Option<String> {
    let lines: Vec<&str> = layout
        .page_lines(1)
        .take(TITLE_LINES)
        .take_while(|line| {
            let lower = line.to_ascii_lowercase();
            !["inspection date", "dear ", "this letter", "lead inspector"]
                .iter()
                .any(|stop| lower.starts_with(stop))
        })
        .collect();
    (!lines.is_empty()).then(|| lines.join(" "))
}

fn short_phrase(phrase: &str) -> Option<String> {
    let words = phrase.split_whitespace().count();
    (1..=MAX_NAME_WORDS).contains(&words).then(|| phrase.to_owned())
}
