//! Turning whatever was typed or pasted into text the full-text parser reads as the person
//! meant it, before the parser sees it. People paste headlines ("Ofsted: St Helen's
//! children's services"), leave quotes and brackets open, and type `[a TO b]`; the parser
//! would answer with its own messages ("Syntax Error … at position 15", "Field does not
//! exist"), which mean nothing to them. Here each such slip is mended, the words are
//! searched, and [`Cleaned::note`] says so in a sentence.

/// Fields the full-text parser may be pointed at by name (`title:kinship`). The other
/// operators (`la:`, `kind:`…) are taken out of the query earlier, by `syntax`.
const TEXT_FIELDS: &[&str] = &["title", "summary", "body", "inspector", "findings"];

/// The reason given when the parser still objects after mending.
const UNREAD_SIGNS: &str = "some signs were not understood";

/// A query's text, mended, and what was mended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Cleaned {
    /// Text the parser accepts.
    pub text: String,
    /// What was changed, in words ("the quote was not closed"); empty when nothing was.
    pub reasons: Vec<String>,
}

impl Cleaned {
    /// "Searched the words: … (the quote was not closed)", when something was mended.
    pub(crate) fn note(&self) -> Option<String> {
        if self.reasons.is_empty() {
            return None;
        }
        let words = self.text.split_whitespace().collect::<Vec<_>>().join(" ");
        Some(format!(
            "Searched the words: {words} ({})",
            self.reasons.join("; ")
        ))
    }

    /// The words alone, without any syntax: for text the parser still objects to.
    pub(crate) fn words_only(&self) -> Self {
        let words: Vec<String> = self
            .text
            .split(|character: char| !(character.is_alphanumeric() || character == APOSTROPHE))
            .map(|word| word.trim_matches(APOSTROPHE))
            .filter(|word| !word.is_empty())
            // Lower case, so that "OR" or "NOT" are words here, not operators.
            .map(str::to_lowercase)
            .collect();
        let mut reasons = self.reasons.clone();
        if !reasons.iter().any(|reason| reason == UNREAD_SIGNS) {
            reasons.push(UNREAD_SIGNS.to_owned());
        }
        Self {
            text: words.join(" "),
            reasons,
        }
    }
}

/// The apostrophe the parser reads as part of a word (a straight one would open a quote);
/// the analyzer drops it, so "Helen’s" is searched as "Helens".
const APOSTROPHE: char = '\u{2019}';

/// Mends `raw` (the query text without operators) for the parser.
pub(crate) fn clean(raw: &str) -> Cleaned {
    let mut reasons = Vec::new();
    let mut characters = plain_characters(raw);
    close_quotes(&mut characters, &mut reasons);
    mend_outside_quotes(&mut characters, &mut reasons);
    Cleaned {
        text: characters.into_iter().collect(),
        reasons,
    }
}

/// Curly double quotes as straight ones, apostrophes inside words as [`APOSTROPHE`],
/// other single quotes and backslashes (the parser's escape) as spaces.
fn plain_characters(raw: &str) -> Vec<char> {
    let characters: Vec<char> = raw.chars().collect();
    let alphanumeric_at = |index: Option<usize>| {
        index
            .and_then(|index| characters.get(index))
            .is_some_and(|character| character.is_alphanumeric())
    };
    characters
        .iter()
        .enumerate()
        .map(|(index, &character)| match character {
            '\u{201c}' | '\u{201d}' | '\u{201e}' => '"',
            '\\' => ' ',
            c if crate::analysis::is_apostrophe(c) || c == '\u{2018}' => {
                if alphanumeric_at(index.checked_sub(1)) && alphanumeric_at(Some(index + 1)) {
                    APOSTROPHE
                } else {
                    ' '
                }
            }
            c => c,
        })
        .collect()
}

/// Drops the last double quote when one was opened and never closed.
fn close_quotes(characters: &mut [char], reasons: &mut Vec<String>) {
    let quotes = characters.iter().filter(|&&character| character == '"').count();
    if quotes % 2 == 1
        && let Some(last) = characters.iter().rposition(|&character| character == '"')
    {
        characters[last] = ' ';
        reasons.push("the quote was not closed".to_owned());
    }
}

/// Outside quoted phrases: unbalanced brackets dropped, ranges read as words, and colons
/// that follow no searchable field read as spaces.
fn mend_outside_quotes(characters: &mut [char], reasons: &mut Vec<String>) {
    let mut add = |reason: String| {
        if !reasons.contains(&reason) {
            reasons.push(reason);
        }
    };
    let mut quoted = false;
    let mut open_brackets: Vec<usize> = Vec::new();
    let mut in_range = false;
    let mut index = 0;
    while index < characters.len() {
        let character = characters[index];
        if character == '"' {
            quoted = !quoted;
        } else if !quoted {
            match character {
                '(' => open_brackets.push(index),
                // The guard pops the bracket this one closes, when there is one.
                ')' if open_brackets.pop().is_none() => {
                    characters[index] = ' ';
                    add("a bracket was closed that was not opened".to_owned());
                }
                '[' | '{' | ']' | '}' => {
                    in_range = matches!(character, '[' | '{');
                    characters[index] = ' ';
                    add(
                        "ranges such as [a TO b] are not supported: use after: and before: for dates"
                            .to_owned(),
                    );
                }
                'T' if in_range && is_word_at(characters, index, "TO") => {
                    characters[index] = ' ';
                    characters[index + 1] = ' ';
                }
                ':' => {
                    if let Some(reason) = mend_field(characters, index) {
                        add(reason);
                    }
                }
                _ => {}
            }
        }
        index += 1;
    }
    if !open_brackets.is_empty() {
        for at in open_brackets {
            characters[at] = ' ';
        }
        add("a bracket was not closed".to_owned());
    }
}

/// Whether `word` stands alone at `index`.
fn is_word_at(characters: &[char], index: usize, word: &str) -> bool {
    let length = word.chars().count();
    let matches = characters
        .get(index..index + length)
        .is_some_and(|found| found.iter().copied().eq(word.chars()));
    let boundary = |at: Option<&char>| at.is_none_or(|character| !character.is_alphanumeric());
    matches
        && boundary(index.checked_sub(1).and_then(|before| characters.get(before)))
        && boundary(characters.get(index + length))
}

/// For the colon at `colon`: keeps `title:` and the other text fields (in lower case, as
/// the parser wants them); anything else becomes a space, and the reason is returned.
fn mend_field(characters: &mut [char], colon: usize) -> Option<String> {
    let start = characters[..colon]
        .iter()
        .rposition(|&character| !is_field_character(character))
        .map_or(0, |before| before + 1);
    let name_start = characters[start..colon]
        .iter()
        .position(|&character| !matches!(character, '-' | '+'))
        .map_or(colon, |offset| start + offset);
    let name: String = characters[name_start..colon]
        .iter()
        .collect::<String>()
        .to_lowercase();
    if TEXT_FIELDS.contains(&name.as_str()) {
        for (offset, lower) in name.chars().enumerate() {
            characters[name_start + offset] = lower;
        }
        return None;
    }
    characters[colon] = ' ';
    Some(if name.is_empty() {
        "a colon is not a search word".to_owned()
    } else {
        format!(
            "\"{}:\" is not a search field",
            characters[name_start..colon].iter().collect::<String>()
        )
    })
}

/// Characters the parser takes as part of a field name.
fn is_field_character(character: char) -> bool {
    !character.is_whitespace()
        && !matches!(
            character,
            '+' | '^' | '`' | ':' | '{' | '}' | '"' | '\'' | '[' | ']' | '(' | ')' | '!' | '\\' | '*'
        )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cleaned(raw: &str) -> (String, Vec<String>) {
        let cleaned = clean(raw);
        (
            cleaned.text.split_whitespace().collect::<Vec<_>>().join(" "),
            cleaned.reasons,
        )
    }

    #[test]
    fn pasted_headlines_are_searched_as_words() {
        let (text, reasons) = cleaned("Ofsted: St Helen's children's services");
        assert_eq!(text, "Ofsted St Helen’s children’s services");
        assert_eq!(reasons, ["\"Ofsted:\" is not a search field"]);
        assert_eq!(
            clean("Ofsted: St Helens").note().as_deref(),
            Some("Searched the words: Ofsted St Helens (\"Ofsted:\" is not a search field)")
        );
        assert_eq!(cleaned("‘Care leavers’ at 10:30").0, "Care leavers at 10 30");
    }

    #[test]
    fn unbalanced_quotes_and_brackets_are_dropped() {
        assert_eq!(
            clean("\"St Helens children").note().as_deref(),
            Some("Searched the words: St Helens children (the quote was not closed)")
        );
        assert_eq!(cleaned("“care leavers” (kinship").0, "\"care leavers\" kinship");
        assert_eq!(cleaned("kinship) OR (care").0, "kinship OR care");
        assert_eq!(cleaned("(a OR b) \"(c\"").0, "(a OR b) \"(c\"");
        assert!(clean("(a OR b) -c title:x").reasons.is_empty());
    }

    #[test]
    fn ranges_without_fields_are_words() {
        let (text, reasons) = cleaned("[2019 TO 2021] inspections");
        assert_eq!(text, "2019 2021 inspections");
        assert_eq!(reasons.len(), 1);
        assert_eq!(cleaned("TO [a TO b]").0, "TO a b");
    }

    #[test]
    fn text_fields_are_kept_in_the_case_the_parser_wants() {
        assert_eq!(cleaned("Title:kinship -BODY:care").0, "title:kinship -body:care");
        assert!(clean("Title:kinship").reasons.is_empty());
        assert_eq!(
            cleaned("services: more").1,
            ["\"services:\" is not a search field"]
        );
    }

    #[test]
    fn words_only_leaves_no_syntax() {
        let words = clean("a^ *b ~c (d OR e)").words_only();
        assert_eq!(words.text, "a b c d or e");
        assert_eq!(words.reasons, [UNREAD_SIGNS]);
    }
}
