//! How text becomes searchable terms, the same way at index time and at query time.
//!
//! News text is full of traps for a naive tokenizer: possessives ("Russia’s" must find
//! "Russia"), hyphenated compounds ("Kremlin-aligned" must find "Kremlin"), alphanumerics
//! ("G20" is one word), currency ("£3 billion"), accents ("Café" must find "cafe"), acronyms
//! with dots ("U.S." must find "US") and long words in other scripts (Bulgarian and Ukrainian
//! words of 20+ letters must survive a length limit). Words are found with Unicode's word
//! boundary rules (UAX #29), then lowercased, stripped of possessive `'s`, folded to ASCII
//! where a Latin letter has a plain form, length-limited in characters, and stemmed.

use std::fmt;
use std::str::FromStr;

use tantivy::tokenizer::{
    AsciiFoldingFilter, Language, Stemmer, TextAnalyzer, Token, TokenStream, Tokenizer,
};
use unicode_segmentation::{UWordBoundIndices, UnicodeSegmentation};

use crate::error::Error;

/// Words longer than this many characters (not bytes) are not indexed: they are almost
/// always URLs, hashes or broken markup, never words a reader would search for.
pub(crate) const MAX_WORD_CHARS: usize = 40;

/// Which stemmer reduces words to their stems (`running` → `run`), or none.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
#[non_exhaustive]
pub enum Stemming {
    /// No stemming: words must match exactly (after lowercasing and folding).
    None,
    /// English (Porter 2).
    #[default]
    English,
    /// French.
    French,
    /// German.
    German,
    /// Spanish.
    Spanish,
    /// Italian.
    Italian,
    /// Portuguese.
    Portuguese,
    /// Dutch.
    Dutch,
    /// Russian.
    Russian,
}

impl Stemming {
    const NAMES: [(Stemming, &'static str); 9] = [
        (Stemming::None, "none"),
        (Stemming::English, "english"),
        (Stemming::French, "french"),
        (Stemming::German, "german"),
        (Stemming::Spanish, "spanish"),
        (Stemming::Italian, "italian"),
        (Stemming::Portuguese, "portuguese"),
        (Stemming::Dutch, "dutch"),
        (Stemming::Russian, "russian"),
    ];

    fn language(self) -> Option<Language> {
        Some(match self {
            Stemming::None => return None,
            Stemming::English => Language::English,
            Stemming::French => Language::French,
            Stemming::German => Language::German,
            Stemming::Spanish => Language::Spanish,
            Stemming::Italian => Language::Italian,
            Stemming::Portuguese => Language::Portuguese,
            Stemming::Dutch => Language::Dutch,
            Stemming::Russian => Language::Russian,
        })
    }
}

impl fmt::Display for Stemming {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let name = Stemming::NAMES.iter().find(|(s, _)| s == self).map_or("none", |(_, n)| n);
        f.write_str(name)
    }
}

impl FromStr for Stemming {
    type Err = Error;

    fn from_str(s: &str) -> Result<Self, Error> {
        let lower = s.to_ascii_lowercase();
        Stemming::NAMES.iter().find(|(_, n)| *n == lower).map(|(s, _)| *s).ok_or_else(|| {
            let names: Vec<&str> = Stemming::NAMES.iter().map(|(_, n)| *n).collect();
            Error::InvalidArgument(format!("unknown stemming {s:?} (expected one of: {})", names.join(", ")))
        })
    }
}

/// The analyzer for article text (title, body, tags as words).
pub(crate) fn text_analyzer(stemming: Stemming) -> TextAnalyzer {
    let builder =
        TextAnalyzer::builder(WordTokenizer::default()).dynamic().filter_dynamic(AsciiFoldingFilter);
    match stemming.language() {
        Some(language) => builder.filter_dynamic(Stemmer::new(language)).build(),
        None => builder.build(),
    }
}

/// Runs `analyzer` over `text` and returns the terms.
pub(crate) fn terms(analyzer: &mut TextAnalyzer, text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut stream = analyzer.token_stream(text);
    while stream.advance() {
        out.push(stream.token().text.clone());
    }
    out
}

/// UAX #29 words, lowercased, possessives and acronym dots removed, long words dropped.
#[derive(Clone, Default)]
pub(crate) struct WordTokenizer {
    token: Token,
}

impl Tokenizer for WordTokenizer {
    type TokenStream<'a> = WordStream<'a>;

    fn token_stream<'a>(&'a mut self, text: &'a str) -> WordStream<'a> {
        self.token.reset();
        WordStream { words: text.split_word_bound_indices(), token: &mut self.token }
    }
}

pub(crate) struct WordStream<'a> {
    words: UWordBoundIndices<'a>,
    token: &'a mut Token,
}

impl TokenStream for WordStream<'_> {
    fn advance(&mut self) -> bool {
        for (offset, word) in self.words.by_ref() {
            // Word-bound segments include spaces and punctuation; words have an alphanumeric.
            if !word.chars().any(char::is_alphanumeric) {
                continue;
            }
            if word.chars().nth(MAX_WORD_CHARS).is_some() {
                continue;
            }
            self.token.position = self.token.position.wrapping_add(1);
            self.token.offset_from = offset;
            self.token.offset_to = offset + word.len();
            normalize_into(word, &mut self.token.text);
            if self.token.text.is_empty() {
                continue;
            }
            return true;
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

/// Lowercase; `’` as `'`; drop a possessive `'s`; drop dots inside letter-only acronyms.
fn normalize_into(word: &str, out: &mut String) {
    out.clear();
    if word.is_ascii() {
        out.push_str(word);
        out.make_ascii_lowercase();
    } else {
        for c in word.chars() {
            match c {
                '\u{2019}' | '\u{2018}' | '\u{02bc}' => out.push('\''),
                c => out.extend(c.to_lowercase()),
            }
        }
    }
    if out.ends_with("'s") {
        out.truncate(out.len() - 2);
    }
    if out.contains('.') && !out.bytes().any(|b| b.is_ascii_digit()) {
        out.retain(|c| c != '.');
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn analyze(text: &str) -> Vec<String> {
        terms(&mut text_analyzer(Stemming::English), text)
    }

    fn unstemmed(text: &str) -> Vec<String> {
        terms(&mut text_analyzer(Stemming::None), text)
    }

    #[test]
    fn possessives_are_stripped() {
        assert_eq!(analyze("Russia’s"), analyze("Russia"));
        assert_eq!(unstemmed("Trump's UK’s"), ["trump", "uk"]);
    }

    #[test]
    fn hyphenated_compounds_split() {
        assert_eq!(unstemmed("Kremlin-aligned"), ["kremlin", "aligned"]);
    }

    #[test]
    fn alphanumerics_and_currency() {
        assert_eq!(unstemmed("G20 summit"), ["g20", "summit"]);
        assert_eq!(unstemmed("£3 billion"), ["3", "billion"]);
        assert_eq!(unstemmed("3.5% growth"), ["3.5", "growth"]);
    }

    #[test]
    fn diacritics_fold_and_acronyms_lose_dots() {
        assert_eq!(unstemmed("Café Señor"), ["cafe", "senor"]);
        assert_eq!(unstemmed("the U.S. envoy"), ["the", "us", "envoy"]);
    }

    #[test]
    fn long_words_count_characters_not_bytes() {
        // 24 Cyrillic letters: 48 bytes, well under the 40-character limit.
        assert_eq!(unstemmed("електроразпределителните"), ["електроразпределителните"]);
        let long = "a".repeat(MAX_WORD_CHARS + 1);
        assert_eq!(unstemmed(&format!("keep {long} this")), ["keep", "this"]);
    }

    #[test]
    fn stemming_is_configurable() {
        assert_eq!(analyze("talks negotiations"), ["talk", "negoti"]);
        assert_eq!(unstemmed("talks"), ["talks"]);
        for s in Stemming::NAMES.map(|(s, _)| s) {
            assert_eq!(s.to_string().parse::<Stemming>().unwrap(), s);
        }
        assert!("klingon".parse::<Stemming>().is_err());
    }

    #[test]
    fn offsets_point_into_the_text() {
        let text = "Zelensky’s talks";
        let mut analyzer = text_analyzer(Stemming::English);
        let mut stream = analyzer.token_stream(text);
        let mut spans = Vec::new();
        while stream.advance() {
            let t = stream.token();
            spans.push((&text[t.offset_from..t.offset_to], t.position));
        }
        assert_eq!(spans, [("Zelensky’s", 0), ("talks", 1)]);
    }
}
