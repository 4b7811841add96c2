//! How text becomes searchable words, the same at index and at query time: words split at
//! punctuation as Tantivy's simple tokenizer does, except that an apostrophe inside a word
//! joins it ("St Helen's" and "St Helen’s" are the words of "St Helens", not "helen" and
//! "s") and a lone "&" is the word "and" ("Brighton & Hove" is "Brighton and Hove").
//! Council names are written all these ways, and a search must not care which.

use tantivy::tokenizer::{
    Language, LowerCaser, RemoveLongFilter, Stemmer, TextAnalyzer, Token, TokenStream, Tokenizer,
    TokenizerManager,
};

/// The analyzer of headlines, teasers and bodies: [`WordTokenizer`], lower-cased, stemmed.
pub(crate) const ENGLISH: &str = "csfeed_en";
/// The analyzer of names and the "did you mean" vocabulary: as [`ENGLISH`], not stemmed.
pub(crate) const PLAIN: &str = "csfeed_plain";
/// Longest word indexed, in bytes (as Tantivy's own analyzers).
const LONGEST_WORD: usize = 40;

/// Registers csfeed's analyzers with an index (they are not stored in it, so every process
/// that opens the index must do this before searching or writing).
pub(crate) fn register(manager: &TokenizerManager) {
    manager.register(
        ENGLISH,
        TextAnalyzer::builder(WordTokenizer::default())
            .filter(RemoveLongFilter::limit(LONGEST_WORD))
            .filter(LowerCaser)
            .filter(Stemmer::new(Language::English))
            .build(),
    );
    manager.register(
        PLAIN,
        TextAnalyzer::builder(WordTokenizer::default())
            .filter(RemoveLongFilter::limit(LONGEST_WORD))
            .filter(LowerCaser)
            .build(),
    );
}

/// Whether `character` is an apostrophe as people type or paste it.
pub(crate) fn is_apostrophe(character: char) -> bool {
    matches!(character, '\'' | '\u{2019}' | '\u{02bc}')
}

/// Splits text into words: runs of letters and digits, with apostrophes between two of
/// them left out of the word but inside its offsets (so highlighting marks "Helen's"
/// whole); a "&" on its own is the word "and".
#[derive(Clone, Default)]
pub(crate) struct WordTokenizer {
    token: Token,
}

/// The words of one text, from [`WordTokenizer`].
pub(crate) struct WordStream<'a> {
    text: &'a str,
    /// Byte offset of the next character to read.
    next: usize,
    token: &'a mut Token,
}

impl Tokenizer for WordTokenizer {
    type TokenStream<'a> = WordStream<'a>;

    fn token_stream<'a>(&'a mut self, text: &'a str) -> WordStream<'a> {
        self.token.reset();
        WordStream {
            text,
            next: 0,
            token: &mut self.token,
        }
    }
}

impl WordStream<'_> {
    /// Reads the word starting at `start` into the token; returns where it ends.
    fn read_word(&mut self, start: usize) -> usize {
        let mut end = start;
        let mut characters = self.text[start..].char_indices().peekable();
        while let Some((at, character)) = characters.next() {
            // Before the letters: "ʼ" (U+02BC) is itself a letter to Unicode.
            if is_apostrophe(character) {
                let inside = characters
                    .peek()
                    .is_some_and(|(_, following)| following.is_alphanumeric());
                if !inside {
                    break;
                }
            } else if character.is_alphanumeric() {
                self.token.text.push(character);
                end = start + at + character.len_utf8();
            } else {
                break;
            }
        }
        end
    }
}

impl TokenStream for WordStream<'_> {
    fn advance(&mut self) -> bool {
        self.token.text.clear();
        self.token.position = self.token.position.wrapping_add(1);
        while let Some(character) = self.text[self.next..].chars().next() {
            let start = self.next;
            if character.is_alphanumeric() && !is_apostrophe(character) {
                let end = self.read_word(start);
                self.token.offset_from = start;
                self.token.offset_to = end;
                self.next = end;
                return true;
            }
            self.next += character.len_utf8();
            if character == '&' {
                self.token.text.push_str("and");
                self.token.offset_from = start;
                self.token.offset_to = self.next;
                return true;
            }
        }
        false
    }

    fn token(&self) -> &Token {
        self.token
    }

    fn token_mut(&mut self) -> &mut Token {
        self.token
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn words(analyzer: &str, text: &str) -> Vec<(String, usize, usize, usize)> {
        let manager = TokenizerManager::default();
        register(&manager);
        let mut analyzer = manager.get(analyzer).expect("registered");
        let mut stream = analyzer.token_stream(text);
        let mut words = Vec::new();
        stream.process(&mut |token| {
            words.push((
                token.text.clone(),
                token.position,
                token.offset_from,
                token.offset_to,
            ));
        });
        words
    }

    fn texts(analyzer: &str, text: &str) -> Vec<String> {
        words(analyzer, text).into_iter().map(|(text, ..)| text).collect()
    }

    #[test]
    fn council_names_analyse_alike_however_they_are_written() {
        let st_helens = texts(ENGLISH, "St Helens");
        for written in [
            "St Helen's",
            "St Helen’s",
            "St. Helens",
            "ST HELENS",
            "St Helenʼs",
        ] {
            assert_eq!(texts(ENGLISH, written), st_helens, "{written}");
        }
        assert_eq!(texts(PLAIN, "Brighton & Hove"), texts(PLAIN, "Brighton and Hove"));
        assert_eq!(texts(PLAIN, "Kingston-upon-Hull"), ["kingston", "upon", "hull"]);
        assert_eq!(
            texts(ENGLISH, "children's services"),
            texts(ENGLISH, "childrens services")
        );
    }

    #[test]
    fn offsets_cover_the_word_as_written_and_positions_count_words() {
        assert_eq!(
            words(PLAIN, "St Helen’s & ‘Knowsley’ councils'"),
            [
                ("st".to_owned(), 0, 0, 2),
                ("helens".to_owned(), 1, 3, 12),
                ("and".to_owned(), 2, 13, 14),
                ("knowsley".to_owned(), 3, 18, 26),
                ("councils".to_owned(), 4, 30, 38),
            ]
        );
        assert!(words(PLAIN, "' ’ -- ").is_empty());
        assert_eq!(texts(PLAIN, "é'"), ["é"]);
    }
}
