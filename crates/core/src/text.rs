//! Tokens for phrase matching: lower-cased words with their original spelling and the
//! punctuation before them, so matchers can look at case and context.

/// Escapes text for HTML content and attribute values (`&`, `<`, `>`, `"`).
pub fn escape_html(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// One word of the text being tagged.
#[derive(Debug, Clone)]
pub(crate) struct Token<'a> {
    /// Lower-cased, with `&` read as "and".
    pub lower: String,
    /// As written.
    pub original: &'a str,
    /// Non-space punctuation between the previous token and this one (",", ".", "").
    pub punctuation_before: String,
}

impl Token<'_> {
    /// Starts with a capital letter, as a proper noun does.
    pub fn is_capitalised(&self) -> bool {
        self.original.chars().next().is_some_and(char::is_uppercase)
    }
}

/// Splits text into word tokens: runs of letters and digits; apostrophes and hyphens split
/// words ("Helen's" → "helen", "s"; "Stoke-on-Trent" → "stoke", "on", "trent"); `&` is a
/// token of its own, read as "and".
pub(crate) fn tokenize(text: &str) -> Vec<Token<'_>> {
    let mut tokens = Vec::new();
    let mut punctuation = String::new();
    let mut start: Option<usize> = None;
    fn push<'a>(tokens: &mut Vec<Token<'a>>, word: &'a str, punctuation: &mut String) {
        tokens.push(Token {
            lower: if word == "&" {
                "and".to_owned()
            } else {
                word.to_lowercase()
            },
            original: word,
            punctuation_before: std::mem::take(punctuation),
        });
    }
    for (index, character) in text.char_indices() {
        if character.is_alphanumeric() {
            start.get_or_insert(index);
            continue;
        }
        if let Some(begin) = start.take() {
            push(&mut tokens, &text[begin..index], &mut punctuation);
        }
        if character == '&' {
            push(&mut tokens, &text[index..index + 1], &mut punctuation);
        } else if !character.is_whitespace() {
            punctuation.push(character);
        }
    }
    if let Some(begin) = start {
        push(&mut tokens, &text[begin..], &mut punctuation);
    }
    tokens
}

/// The lower-cased tokens of a phrase, for building match tables.
pub(crate) fn phrase_tokens(phrase: &str) -> Vec<String> {
    tokenize(phrase).into_iter().map(|token| token.lower).collect()
}

/// True where the token opens a sentence (start of text, or after . ! ? : or a newline
/// heading), where capitals say nothing about proper nouns.
pub(crate) fn starts_sentence(tokens: &[Token<'_>], index: usize) -> bool {
    index == 0
        || tokens[index]
            .punctuation_before
            .contains(['.', '!', '?', ':', '"', '\u{201c}'])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn html_escaping() {
        assert_eq!(
            escape_html(r#"<a href="x">Tom & Jerry</a>"#),
            "&lt;a href=&quot;x&quot;&gt;Tom &amp; Jerry&lt;/a&gt;"
        );
    }

    #[test]
    fn words_apostrophes_hyphens_and_ampersands() {
        let tokens = tokenize("St. Helen's, Stoke-on-Trent & Kent");
        let lower: Vec<&str> = tokens.iter().map(|t| t.lower.as_str()).collect();
        assert_eq!(lower, ["st", "helen", "s", "stoke", "on", "trent", "and", "kent"]);
        assert_eq!(tokens[1].punctuation_before, ".");
        assert_eq!(tokens[3].punctuation_before, ",");
        assert!(tokens[7].is_capitalised());
        assert!(starts_sentence(&tokens, 0));
        assert!(!starts_sentence(&tokens, 7));
    }
}
