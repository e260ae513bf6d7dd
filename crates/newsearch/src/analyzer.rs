//! How text becomes searchable terms, the same way at index time and at query time.
//!
//! News text is full of traps for a naive tokenizer: possessives ("Russia’s" must find
//! "Russia"), hyphenated compounds ("Kremlin-aligned" must find "Kremlin"), alphanumerics
//! ("G20" is one word), currency ("£3 billion"), accents ("Café" must find "cafe"), acronyms
//! with dots ("U.S." must find "US") and long words in other scripts (Bulgarian and Ukrainian
//! words of 20+ letters must survive a length limit). Words are found with Unicode's word
//! boundary rules (UAX #29), then lowercased, stripped of possessive `'s`, folded to ASCII
//! where a Latin letter has a plain form, length-limited in characters, and stemmed.

use std::borrow::Cow;
use std::cell::RefCell;
use std::fmt;
use std::str::FromStr;

use frostem::Algorithm;
use tantivy::tokenizer::{AsciiFoldingFilter, TextAnalyzer, Token, TokenFilter, TokenStream, Tokenizer};
use unicode_segmentation::UnicodeSegmentation;

use crate::error::Error;

/// Words longer than this many characters (not bytes) are not indexed: they are almost
/// always URLs, hashes or broken markup, never words a reader would search for.
pub(crate) const MAX_WORD_CHARS: usize = 40;

/// Which stemmer reduces words to their stems (`running` → `run`), or none. Serialized as its
/// name, as it displays (`"porter"`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, serde::Serialize)]
#[serde(rename_all = "lowercase")]
#[non_exhaustive]
pub enum Stemming {
    /// No stemming: words must match exactly (after lowercasing and folding).
    None,
    /// English, Snowball's "Porter 2" algorithm.
    English,
    /// English, the original Porter algorithm (the default): it conflates a little more than
    /// Porter 2, which ranked better on both judged collections (docs/performance.md, "Ranking quality").
    #[default]
    Porter,
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
    const NAMES: [(Stemming, &'static str); 10] = [
        (Stemming::None, "none"),
        (Stemming::English, "english"),
        (Stemming::Porter, "porter"),
        (Stemming::French, "french"),
        (Stemming::German, "german"),
        (Stemming::Spanish, "spanish"),
        (Stemming::Italian, "italian"),
        (Stemming::Portuguese, "portuguese"),
        (Stemming::Dutch, "dutch"),
        (Stemming::Russian, "russian"),
    ];

    /// Every name, as [`FromStr`] reads them (for messages).
    pub(crate) fn names() -> Vec<&'static str> {
        Stemming::NAMES.iter().map(|(_, n)| *n).collect()
    }

    fn algorithm(self) -> Option<Algorithm> {
        Some(match self {
            Stemming::None => return None,
            Stemming::English => Algorithm::English,
            Stemming::Porter => Algorithm::Porter,
            Stemming::French => Algorithm::French,
            Stemming::German => Algorithm::German,
            Stemming::Spanish => Algorithm::Spanish,
            Stemming::Italian => Algorithm::Italian,
            Stemming::Portuguese => Algorithm::Portuguese,
            Stemming::Dutch => Algorithm::Dutch,
            Stemming::Russian => Algorithm::Russian,
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
        Stemming::NAMES
            .iter()
            .find(|(_, n)| *n == lower)
            .map(|(s, _)| *s)
            .ok_or_else(|| Error::UnknownStemming { name: s.to_owned() })
    }
}

/// The analyzer for article text (title, body, tags as words) as it is indexed: a word with
/// an apostrophe inside is indexed joined and by each part of two letters or more at the same
/// place (`INT'L`: `intl`, `int`; `O'Brien`: `obrien`, `brien`), so a search finds it by either;
/// a name of [`NAMES`] written in full is indexed by its initials too, at its last word's place
/// (`United Nations`: `united`, `nations`, `un`), so a search for `UN` finds it.
pub(crate) fn text_analyzer(stemming: Stemming) -> TextAnalyzer {
    analyzer(stemming, true)
}

/// The analyzer for query text and snippets: such a word is only joined (`O'Brien` → `obrien`),
/// so that a query word is one term.
pub(crate) fn query_analyzer(stemming: Stemming) -> TextAnalyzer {
    analyzer(stemming, false)
}

/// The chain is built with static types: the analyzer is boxed once as a whole, so each token
/// goes through one dynamic call instead of one per stage.
fn analyzer(stemming: Stemming, parts: bool) -> TextAnalyzer {
    let words = WordTokenizer { parts, ..WordTokenizer::default() };
    match stemming.algorithm() {
        Some(algorithm) => TextAnalyzer::builder(words)
            .filter(AsciiFoldingFilter)
            .filter(CachedStemmer {
                algorithm,
                memo_slots: if parts { MEMO_SLOTS } else { QUERY_MEMO_SLOTS },
            })
            .build(),
        None => TextAnalyzer::builder(words).filter(AsciiFoldingFilter).build(),
    }
}

thread_local! {
    /// Each thread's query-time analyzers: kept so their stem memos stay warm across searches
    /// (snippets analyze every hit's body, and re-stemming it each time dominated latency).
    static ANALYZERS: RefCell<Vec<(Stemming, TextAnalyzer)>> = const { RefCell::new(Vec::new()) };
}

/// Runs `f` with this thread's analyzer for `stemming`. `f` must not call this again.
pub(crate) fn with_analyzer<R>(stemming: Stemming, f: impl FnOnce(&mut TextAnalyzer) -> R) -> R {
    ANALYZERS.with(|cell| {
        let mut analyzers = cell.borrow_mut();
        let i = match analyzers.iter().position(|(s, _)| *s == stemming) {
            Some(i) => i,
            None => {
                analyzers.push((stemming, query_analyzer(stemming)));
                analyzers.len() - 1
            }
        };
        f(&mut analyzers[i].1)
    })
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

/// Initials and the names they stand for, which news stories write both ways, often only one
/// way in a whole article (a United Nations story that says `U.N.` throughout). Articles are
/// indexed with the initials wherever the full name is written, and a query that types a full
/// name also looks for its initials (`query::names`). Kept short on purpose: initials that are
/// also common words (`who`, `fed`) and names with regional spellings (`organisation`) are left
/// out. Changing it changes what indexes hold: bump `SCHEMA_VERSION`.
pub(crate) const NAMES: &[(&str, &[&str])] = &[
    ("us", &["united", "states"]),
    ("un", &["united", "nations"]),
    ("uk", &["united", "kingdom"]),
    ("eu", &["european", "union"]),
    ("ussr", &["soviet", "union"]),
    ("uae", &["united", "arab", "emirates"]),
    ("imf", &["international", "monetary", "fund"]),
    ("ecb", &["european", "central", "bank"]),
    ("nhs", &["national", "health", "service"]),
    ("fbi", &["federal", "bureau", "of", "investigation"]),
    ("cia", &["central", "intelligence", "agency"]),
];

/// Words in the longest name of [`NAMES`].
const LONGEST_NAME: usize = {
    let (mut longest, mut i) = (0, 0);
    while i < NAMES.len() {
        if NAMES[i].1.len() > longest {
            longest = NAMES[i].1.len();
        }
        i += 1;
    }
    longest
};

/// `word` without a possessive `'s` (or `’s`, in either case), as the index holds it.
pub(crate) fn without_possessive(word: &str) -> &str {
    ["'s", "'S", "’s", "’S"].iter().find_map(|s| word.strip_suffix(s)).unwrap_or(word)
}

/// For each length in bytes, the first letters (bit 0 for `a`) and the last letters of the
/// last words of [`NAMES`] that long: nearly every word is turned away by these before any name
/// is compared.
const NAME_ENDS: [(u32, u32); 16] = {
    let mut ends = [(0u32, 0u32); 16];
    let mut i = 0;
    while i < NAMES.len() {
        let words = NAMES[i].1;
        let last = words[words.len() - 1].as_bytes();
        let (first, end) = (last[0] - b'a', last[last.len() - 1] - b'a');
        ends[last.len()].0 |= 1 << first;
        ends[last.len()].1 |= 1 << end;
        i += 1;
    }
    ends
};

/// Whether `word` (lowercase) may end a name of [`NAMES`].
#[inline]
fn may_end_a_name(word: &str) -> bool {
    let bytes = word.as_bytes();
    let Some(&(firsts, lasts)) = NAME_ENDS.get(bytes.len()) else { return false };
    let letter = |b: u8, set: u32| b.is_ascii_lowercase() && set & (1 << (b - b'a')) != 0;
    firsts != 0 && letter(bytes[0], firsts) && letter(bytes[bytes.len() - 1], lasts)
}

/// UAX #29 words, lowercased, possessives and acronym dots removed, long words dropped.
///
/// Word boundaries never fall inside whitespace runs and words never span whitespace, so the
/// text is first cut at ASCII whitespace; a chunk that is all ASCII (most of English news)
/// takes a fast path implementing the UAX #29 rules for ASCII, anything else goes through
/// `unicode-segmentation`. A property test checks the two agree.
#[derive(Clone, Default)]
pub(crate) struct WordTokenizer {
    token: Token,
    /// Also emit the parts of a word with an apostrophe inside, and the initials of names
    /// written in full (see [`text_analyzer`]).
    parts: bool,
}

impl Tokenizer for WordTokenizer {
    type TokenStream<'a> = WordStream<'a>;

    fn token_stream<'a>(&'a mut self, text: &'a str) -> WordStream<'a> {
        self.token.reset();
        WordStream {
            text,
            pos: 0,
            pending: Vec::new(),
            parts: self.parts,
            extra: Vec::new(),
            recent: [(0, 0); LONGEST_NAME - 1],
            words: 0,
            initials: None,
            token: &mut self.token,
        }
    }
}

pub(crate) struct WordStream<'a> {
    text: &'a str,
    /// Where the next chunk starts.
    pos: usize,
    /// Words of the current non-ASCII chunk, reversed, as (start, end) byte offsets.
    pending: Vec<(usize, usize)>,
    parts: bool,
    /// Parts of the last word still to emit at its place, reversed.
    extra: Vec<String>,
    /// Byte spans of the last words read, word `n` at `n % len` (`words` read so far).
    recent: [(usize, usize); LONGEST_NAME - 1],
    words: usize,
    /// Initials of a name the last word ended, still to emit at its place, and where the name
    /// starts.
    initials: Option<(&'static str, usize)>,
    token: &'a mut Token,
}

impl WordStream<'_> {
    /// The next word's byte span, or `None` at the end, and whether the word is plain: ASCII
    /// letters and digits only (no apostrophe, dot or other joiner inside).
    fn next_word(&mut self) -> Option<(usize, usize, bool)> {
        if let Some((s, e)) = self.pending.pop() {
            return Some((s, e, false));
        }
        let bytes = self.text.as_bytes();
        loop {
            while self.pos < bytes.len() && bytes[self.pos].is_ascii_whitespace() {
                self.pos += 1;
            }
            if self.pos >= bytes.len() {
                return None;
            }
            let start = self.pos;
            let mut end = start;
            let mut ascii = true;
            while end < bytes.len() && !bytes[end].is_ascii_whitespace() {
                ascii &= bytes[end].is_ascii();
                end += 1;
            }
            if ascii {
                // Words inside an ASCII chunk, one at a time.
                if let Some((s, e, plain)) = next_ascii_word(&bytes[..end], start) {
                    self.pos = e;
                    return Some((s, e, plain));
                }
                self.pos = end;
            } else {
                let chunk = &self.text[start..end];
                self.pending
                    .extend(chunk.unicode_word_indices().map(|(i, w)| (start + i, start + i + w.len())));
                self.pending.reverse();
                self.pos = end;
                if let Some((s, e)) = self.pending.pop() {
                    return Some((s, e, false));
                }
            }
        }
    }
}

/// The first UAX #29 word (with a letter or digit) in `bytes[from..]`, all ASCII, no spaces,
/// and whether it is only letters and digits.
fn next_ascii_word(bytes: &[u8], from: usize) -> Option<(usize, usize, bool)> {
    let is_word = |b: u8| b.is_ascii_alphanumeric() || b == b'_';
    let mut i = from;
    loop {
        while i < bytes.len() && !is_word(bytes[i]) {
            i += 1;
        }
        if i >= bytes.len() {
            return None;
        }
        let start = i;
        let mut plain = true;
        loop {
            while i < bytes.len() && is_word(bytes[i]) {
                plain &= bytes[i] != b'_';
                i += 1;
            }
            // WB6/7 and WB11/12: one mid character joins letters to letters, digits to digits.
            if i + 1 < bytes.len() {
                let (prev, mid, next) = (bytes[i - 1], bytes[i], bytes[i + 1]);
                let letters = prev.is_ascii_alphabetic() && next.is_ascii_alphabetic();
                let digits = prev.is_ascii_digit() && next.is_ascii_digit();
                if (letters && matches!(mid, b'\'' | b'.' | b':'))
                    || (digits && matches!(mid, b'\'' | b'.' | b',' | b';'))
                {
                    plain = false;
                    i += 1;
                    continue;
                }
            }
            break;
        }
        // A run of underscores is a word without letters or digits: not indexed.
        if plain || bytes[start..i].iter().any(u8::is_ascii_alphanumeric) {
            return Some((start, i, plain));
        }
    }
}

impl WordStream<'_> {
    /// The next word, with dotted words that are not acronyms cut at their dots: `PFE.N`
    /// (a ticker) must be found by `PFE` and `facebook.com` by `Facebook`, while `U.S.`
    /// stays one word (`us`) and numbers like `3.5` stay whole.
    fn next_span(&mut self) -> Option<(usize, usize, bool)> {
        let (start, end, plain) = self.next_word()?;
        if plain {
            return Some((start, end, true));
        }
        let word = &self.text[start..end];
        let is_joiner = |c: char| matches!(c, '.' | ':' | '\u{b7}');
        // `·` is two bytes, C2 B7: a word without a C2 byte has none (a char pattern of two
        // bytes would be searched for as a string, window by window).
        let bytes = word.as_bytes();
        let has_joiner = memchr::memchr2(b'.', b':', bytes).is_some()
            || (memchr::memchr(0xc2, bytes).is_some() && word.contains('\u{b7}'));
        if !has_joiner || word.contains(|c: char| c.is_numeric()) {
            return Some((start, end, false));
        }
        let mut parts = Vec::new();
        let mut part_start = start;
        for (i, c) in word.char_indices() {
            if is_joiner(c) {
                parts.push((part_start, start + i));
                part_start = start + i + c.len_utf8();
            }
        }
        parts.push((part_start, end));
        let acronym = parts.iter().all(|&(s, e)| self.text[s..e].chars().nth(1).is_none());
        if acronym {
            return Some((start, end, false));
        }
        let (first_start, first_end) = parts.remove(0);
        self.pending.extend(parts.into_iter().rev());
        Some((first_start, first_end, false))
    }
}

impl WordStream<'_> {
    /// Called with each word that takes a new place (its token text set): notes the initials
    /// of a name of [`NAMES`] it ends, then remembers it as one of the words before the next.
    #[inline]
    fn after_word(&mut self, start: usize, end: usize) {
        if may_end_a_name(&self.token.text) {
            self.initials = self.name_ending_here(start);
        }
        self.recent[self.words % self.recent.len()] = (start, end);
        self.words += 1;
    }

    /// The initials of the name of [`NAMES`] the word just read (starting at `start`) ends, if
    /// any, and where the name starts.
    #[inline(never)]
    fn name_ending_here(&self, start: usize) -> Option<(&'static str, usize)> {
        let last = self.token.text.as_str();
        let held = self.words.min(self.recent.len());
        NAMES.iter().find_map(|&(initials, words)| {
            let (name_last, before) = words.split_last()?;
            if *name_last != last || before.len() > held {
                return None;
            }
            // The spans of the `before.len()` words read just before this one, oldest first.
            let span = |i: usize| self.recent[(self.words - before.len() + i) % self.recent.len()];
            let same = before.iter().enumerate().all(|(i, w)| {
                let (s, e) = span(i);
                self.text[s..e].eq_ignore_ascii_case(w)
            });
            same.then(|| (initials, if before.is_empty() { start } else { span(0).0 }))
        })
    }
}

impl TokenStream for WordStream<'_> {
    fn advance(&mut self) -> bool {
        if let Some(part) = self.extra.pop() {
            // Same place and offsets as the joined word.
            self.token.text = part;
            return true;
        }
        if let Some((initials, from)) = self.initials.take() {
            // Same place as the name's last word; offsets over the whole name.
            self.token.text.clear();
            self.token.text.push_str(initials);
            self.token.offset_from = from;
            return true;
        }
        while let Some((start, end, plain)) = self.next_span() {
            let word = &self.text[start..end];
            // Most words are plain ASCII letters and digits: lowercasing is all they need (no
            // apostrophe, possessive, dot or length in characters to look at). Parts of a
            // dotted word come back not plain, and are checked here.
            if word.len() <= MAX_WORD_CHARS && (plain || word.bytes().all(|b| b.is_ascii_alphanumeric())) {
                self.token.position = self.token.position.wrapping_add(1);
                self.token.offset_from = start;
                self.token.offset_to = end;
                self.token.text.clear();
                self.token.text.push_str(word);
                self.token.text.make_ascii_lowercase();
                if self.parts {
                    self.after_word(start, end);
                }
                return true;
            }
            if word.len() > MAX_WORD_CHARS && word.chars().nth(MAX_WORD_CHARS).is_some() {
                continue;
            }
            self.token.position = self.token.position.wrapping_add(1);
            self.token.offset_from = start;
            self.token.offset_to = end;
            normalize_into(word, &mut self.token.text);
            if self.token.text.contains('\'') {
                let joined: String = self.token.text.chars().filter(|&c| c != '\'').collect();
                if self.parts {
                    // Parts of two letters or more that differ from the joined word (`students'`
                    // is one word, not two).
                    let parts =
                        self.token.text.split('\'').filter(|p| p.chars().nth(1).is_some() && *p != joined);
                    self.extra.extend(parts.map(str::to_owned));
                    self.extra.reverse();
                }
                self.token.text = joined;
            }
            if self.token.text.is_empty() {
                self.extra.clear();
                continue;
            }
            if self.parts {
                self.after_word(start, end);
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

/// Snowball stemming with a memo of recent words: news vocabulary repeats so much that
/// most words are stemmed from the memo instead of re-running the algorithm.
#[derive(Clone)]
struct CachedStemmer {
    algorithm: Algorithm,
    /// Slots of its memo (a power of two).
    memo_slots: usize,
}

impl TokenFilter for CachedStemmer {
    type Tokenizer<T: Tokenizer> = CachedStemmerFilter<T>;

    fn transform<T: Tokenizer>(self, inner: T) -> CachedStemmerFilter<T> {
        CachedStemmerFilter {
            inner,
            stemmer: frostem::Stemmer::new(self.algorithm),
            memo: StemMemo::with_slots(self.memo_slots),
        }
    }
}

#[derive(Clone)]
pub(crate) struct CachedStemmerFilter<T> {
    inner: T,
    stemmer: frostem::Stemmer,
    memo: StemMemo,
}

impl<T: Tokenizer> Tokenizer for CachedStemmerFilter<T> {
    type TokenStream<'a> = CachedStemmerStream<'a, T::TokenStream<'a>>;

    fn token_stream<'a>(&'a mut self, text: &'a str) -> Self::TokenStream<'a> {
        CachedStemmerStream {
            tail: self.inner.token_stream(text),
            stemmer: self.stemmer,
            memo: &mut self.memo,
        }
    }
}

pub(crate) struct CachedStemmerStream<'a, S> {
    tail: S,
    stemmer: frostem::Stemmer,
    memo: &'a mut StemMemo,
}

impl<S: TokenStream> TokenStream for CachedStemmerStream<'_, S> {
    fn advance(&mut self) -> bool {
        if !self.tail.advance() {
            return false;
        }
        let token = self.tail.token_mut();
        // Snowball leaves words under three letters alone, and numbers have no suffixes.
        let bytes = token.text.as_bytes();
        if bytes.len() < 3 || bytes[0].is_ascii_digit() {
            return true;
        }
        if bytes.len() > MEMO_WORD {
            // Borrowed: the word is its own stem, already in place.
            if let Cow::Owned(stem) = self.stemmer.stem(&token.text) {
                token.text = stem;
            }
            return true;
        }
        let hash = memo_hash(bytes);
        if let Some(stem) = self.memo.get(bytes, hash) {
            token.text.clear();
            token.text.push_str(stem);
            return true;
        }
        let stem = self.stemmer.stem(&token.text);
        self.memo.put(token.text.as_bytes(), hash, &stem);
        if let Cow::Owned(stem) = stem {
            token.text = stem;
        }
        true
    }

    fn token(&self) -> &Token {
        self.tail.token()
    }

    fn token_mut(&mut self) -> &mut Token {
        self.tail.token_mut()
    }
}

/// The longest word (in bytes) the memo keeps; longer ones are stemmed every time (they are
/// rare: 0.3 % of the corpus's words).
const MEMO_WORD: usize = 26;

/// Slots in an indexing analyzer's memo: 2^15 of 64 bytes, 2 MiB per analyzer, allocated on
/// first use.
const MEMO_SLOTS: usize = 1 << 15;

/// Slots in a query analyzer's memo (query words, and snippets: the bodies of a page of hits):
/// 2^12, 256 KiB. A one-query process pays for every page it touches, and 2 MiB of them cost
/// it more than the stems they saved.
const QUERY_MEMO_SLOTS: usize = 1 << 12;

/// A word and its stem, inline: a lookup reads one cache line, with no pointer to follow and
/// nothing allocated per word.
#[derive(Clone, Copy)]
#[repr(C, align(64))]
struct MemoSlot {
    /// The word's hash, 0 for an empty slot.
    tag: u32,
    word_len: u8,
    stem_len: u8,
    word: [u8; MEMO_WORD],
    stem: [u8; MEMO_WORD],
}

const EMPTY_SLOT: MemoSlot =
    MemoSlot { tag: 0, word_len: 0, stem_len: 0, word: [0; MEMO_WORD], stem: [0; MEMO_WORD] };

/// A cache of stems: two-way set-associative (a word lives in one of two neighbouring slots;
/// a new word takes the first and moves the one there to the second), so it never needs
/// clearing and a word in steady use stays. A pure cache: only the stemmer's answers go in.
#[derive(Clone)]
pub(crate) struct StemMemo {
    slots: Vec<MemoSlot>,
    /// How many slots `slots` gets on first use (a power of two, at least 2).
    size: usize,
}

impl Default for StemMemo {
    fn default() -> StemMemo {
        StemMemo::with_slots(MEMO_SLOTS)
    }
}

fn memo_hash(word: &[u8]) -> u32 {
    let h = xxhash_rust::xxh3::xxh3_64(word);
    // Never 0, which marks an empty slot.
    (h as u32) | 1
}

impl StemMemo {
    fn with_slots(size: usize) -> StemMemo {
        StemMemo { slots: Vec::new(), size: size.next_power_of_two().max(2) }
    }

    fn pair(&self, hash: u32) -> usize {
        (hash as usize >> 1) & (self.size - 2)
    }

    fn get(&self, word: &[u8], hash: u32) -> Option<&str> {
        if self.slots.is_empty() {
            return None;
        }
        let i = self.pair(hash);
        self.slots[i..i + 2]
            .iter()
            .find(|s| s.tag == hash && &s.word[..usize::from(s.word_len)] == word)
            .map(|s| stem_text(&s.stem[..usize::from(s.stem_len)]))
    }

    fn put(&mut self, word: &[u8], hash: u32, stem: &str) {
        if word.len() > MEMO_WORD || stem.len() > MEMO_WORD {
            return;
        }
        if self.slots.is_empty() {
            self.slots = vec![EMPTY_SLOT; self.size];
        }
        let i = self.pair(hash);
        self.slots[i + 1] = self.slots[i];
        let slot = &mut self.slots[i];
        slot.tag = hash;
        slot.word_len = word.len() as u8;
        slot.word[..word.len()].copy_from_slice(word);
        slot.stem_len = stem.len() as u8;
        slot.stem[..stem.len()].copy_from_slice(stem.as_bytes());
    }
}

/// A stem as the memo holds it, as text. Checking it again was 1.5 % of a bulk run's time.
#[allow(unsafe_code)]
fn stem_text(stem: &[u8]) -> &str {
    // SAFETY: only `StemMemo::put` writes a slot's stem, and it copies a whole `&str` (one longer
    // than the slot is not kept, never cut), with `stem_len` its length: the bytes up to
    // `stem_len` are valid UTF-8. An empty slot has `stem_len` 0.
    unsafe { std::str::from_utf8_unchecked(stem) }
}

/// Lowercase; `’` as `'`; drop a possessive `'s`; drop dots inside letter-only acronyms. An
/// apostrophe left inside is for the caller ([`WordStream::advance`] joins the word).
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
    let bare = without_possessive(out).len();
    out.truncate(bare);
    if out.contains('.') && !out.bytes().any(|b| b.is_ascii_digit()) {
        out.retain(|c| c != '.');
    }
}

/// Common English function words, dropped from any-word queries only: Lucene's 33; pronouns,
/// auxiliaries and question words; prepositions and adverbs of place, time and degree; and a
/// lone `s` (what a possessive leaves when retyped without its apostrophe). `us` is not one:
/// it is also how `U.S.` is indexed.
pub(crate) fn is_stop_word(word: &str) -> bool {
    const STOP: [&str; 110] = [
        "a", "an", "and", "are", "as", "at", "be", "but", "by", "for", "if", "in", "into", "is", "it", "no",
        "not", "of", "on", "or", "such", "that", "the", "their", "then", "there", "these", "they", "this",
        "to", "was", "will", "with", "what", "which", "who", "whom", "how", "about", "from", "has", "have",
        "had", "its", "been", "were", "would", "should", "can", "could", "do", "does", "did", "than", "so",
        "also", "any", "all", "some", "other", "his", "her", "he", "s", "i", "me", "my", "we", "our", "ours",
        "you", "your", "him", "she", "them", "am", "being", "having", "doing", "because", "until", "while",
        "between", "through", "during", "before", "after", "above", "below", "up", "down", "out", "off",
        "over", "under", "again", "further", "once", "here", "when", "where", "why", "both", "each", "few",
        "more", "most", "own", "same", "too",
    ];
    word.len() <= 7 && STOP.iter().any(|s| s.eq_ignore_ascii_case(word))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The memo is a pure cache: whatever it holds, with collisions and evictions in a table
    /// far smaller than the words seen, every token comes out as the stemmer says.
    #[test]
    fn the_stem_memo_never_changes_a_stem() {
        let stemmer = frostem::Stemmer::new(Algorithm::Porter);
        let words: Vec<String> = (0..120_000u32)
            .map(|i| {
                let suffix = ["ing", "ed", "ies", "ational", "s", "ly", "ness", "ésés", ""][i as usize % 9];
                format!("w{}{}", i % 70_000, suffix)
            })
            .chain(["internationalizations".to_owned(), "counterrevolutionaries".to_owned(), "a".repeat(40)])
            .collect();
        // The indexing and the query analyzers' sizes.
        for size in [MEMO_SLOTS, QUERY_MEMO_SLOTS] {
            let mut memo = StemMemo::with_slots(size);
            for pass in 0..2 {
                for word in &words {
                    let hash = memo_hash(word.as_bytes());
                    let expected = stemmer.stem(word);
                    match memo.get(word.as_bytes(), hash) {
                        Some(stem) => assert_eq!(stem, expected, "pass {pass}: {word}"),
                        None => memo.put(word.as_bytes(), hash, &expected),
                    }
                }
            }
            assert_eq!(memo.slots.len(), size);
            let held = memo.slots.iter().filter(|s| s.tag != 0).count();
            assert!(held > size / 2, "{held} of {size} slots used");
        }
    }

    #[test]
    fn function_words_are_short_common_words_in_any_case() {
        for w in ["the", "The", "AND", "of", "which", "s"] {
            assert!(is_stop_word(w), "{w}");
        }
        // Content words, words that merely start like one, and long words never are.
        for w in ["Kellogg", "there's", "theory", "andes", "ss", "", "whichever"] {
            assert!(!is_stop_word(w), "{w}");
        }
    }

    fn analyze(text: &str) -> Vec<String> {
        terms(&mut text_analyzer(Stemming::English), text)
    }

    fn unstemmed(text: &str) -> Vec<String> {
        terms(&mut text_analyzer(Stemming::None), text)
    }

    /// Each indexed token (unstemmed): its text, place and the text its offsets cover.
    fn indexed_tokens(text: &str) -> Vec<(String, usize, String)> {
        let mut analyzer = text_analyzer(Stemming::None);
        let mut stream = analyzer.token_stream(text);
        let mut out = Vec::new();
        while stream.advance() {
            let t = stream.token();
            out.push((t.text.clone(), t.position, text[t.offset_from..t.offset_to].to_owned()));
        }
        out
    }

    #[test]
    fn words_with_an_apostrophe_inside_are_found_joined_and_by_their_parts() {
        let indexed =
            |text: &str| indexed_tokens(text).into_iter().map(|(t, p, _)| (t, p)).collect::<Vec<_>>();
        let at = |pairs: &[(&str, usize)]| pairs.iter().map(|(t, p)| (t.to_string(), *p)).collect::<Vec<_>>();
        assert_eq!(indexed("INT'L bank"), at(&[("intl", 0), ("int", 0), ("bank", 1)]));
        assert_eq!(indexed("O’Brien said"), at(&[("obrien", 0), ("brien", 0), ("said", 1)]));
        assert_eq!(indexed("Côte d'Ivoire"), at(&[("cote", 0), ("divoire", 1), ("ivoire", 1)]));
        assert_eq!(indexed("rock'n'roll"), at(&[("rocknroll", 0), ("rock", 0), ("roll", 0)]));
        // Possessives stay one word; a plural possessive is not doubled.
        assert_eq!(
            indexed("Russia's O'Brien's students'"),
            at(&[("russia", 0), ("obrien", 1), ("brien", 1), ("students", 2)])
        );
        // Queries (and snippets) use the joined word only: one term per query word.
        assert_eq!(
            terms(&mut query_analyzer(Stemming::None), "INT'L O'Brien don't"),
            ["intl", "obrien", "dont"]
        );
    }

    #[test]
    fn names_written_in_full_are_indexed_by_their_initials_too() {
        let indexed = indexed_tokens;
        let initials = |text: &str| -> Vec<(String, usize, String)> {
            let words: Vec<String> = terms(&mut query_analyzer(Stemming::None), text);
            indexed(text).into_iter().filter(|(t, _, _)| !words.contains(t)).collect()
        };
        let at = |t: &str, p: usize, s: &str| (t.to_owned(), p, s.to_owned());
        // At the last word's place, its offsets over the whole name, in any case, possessive too.
        assert_eq!(initials("The United Nations said"), [at("un", 2, "United Nations")]);
        assert_eq!(
            initials("UNITED STATES and the Soviet Union's envoy"),
            [at("us", 1, "UNITED STATES"), at("ussr", 5, "Soviet Union's")]
        );
        assert_eq!(
            initials("the Federal Bureau of Investigation and the European Central Bank"),
            [at("fbi", 4, "Federal Bureau of Investigation"), at("ecb", 9, "European Central Bank")]
        );
        assert_eq!(
            indexed("United Nations")[1..],
            [at("nations", 1, "Nations"), at("un", 1, "United Nations")]
        );
        // Not a name: part of one, words in another order, words apart.
        for text in ["United Airlines", "nations united", "United, the Nations", "Central Bank", "Bank"] {
            assert_eq!(initials(text), [], "{text}");
        }
        // The quick test lets every name's last word through.
        assert!(NAMES.iter().all(|(_, words)| words.last().is_some_and(|w| may_end_a_name(w))));
        assert!(!may_end_a_name("time") && !may_end_a_name("") && !may_end_a_name("états"));
        // Queries and snippets keep the words as typed.
        assert_eq!(terms(&mut query_analyzer(Stemming::None), "United Nations"), ["united", "nations"]);
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
    fn tickers_and_domains_split_at_dots() {
        // Regression: `PFE.N` was one term `pfen`, so a search for `PFE` missed Pfizer.
        assert_eq!(unstemmed("Pfizer (PFE.N) rose"), ["pfizer", "pfe", "n", "rose"]);
        assert_eq!(unstemmed("facebook.com's users"), ["facebook", "com", "users"]);
        assert_eq!(unstemmed("e.g. v2.0 and 3.5"), ["eg", "v2.0", "and", "3.5"]);
        let mut analyzer = text_analyzer(Stemming::None);
        let mut stream = analyzer.token_stream("(PFE.N)");
        let mut spans = Vec::new();
        while stream.advance() {
            let t = stream.token();
            spans.push((t.offset_from, t.offset_to, t.position));
        }
        assert_eq!(spans, [(1, 4, 0), (5, 6, 1)]);
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

    fn reference_words(text: &str) -> Vec<(usize, &str)> {
        text.unicode_word_indices().collect()
    }

    fn fast_words(text: &str) -> Vec<(usize, &str)> {
        let mut tokenizer = WordTokenizer::default();
        let mut stream = tokenizer.token_stream(text);
        std::iter::from_fn(|| stream.next_word()).map(|(s, e, _)| (s, &text[s..e])).collect()
    }

    #[test]
    fn fast_path_agrees_with_unicode_segmentation_on_news_text() {
        let text = "U.S. envoy's 3.5% (1,000; 2:30) G20 don't a_b __ e.g., Kremlin-aligned Russia’s £3 Café 12:00 x.y.z";
        assert_eq!(fast_words(text), reference_words(text));
    }

    proptest::proptest! {
        #[test]
        fn fast_path_agrees_with_unicode_segmentation(text in "[a-zA-Z0-9_ .,;:'’\\-\\n£é()]{0,40}") {
            proptest::prop_assert_eq!(fast_words(&text), reference_words(&text));
        }
    }

    #[test]
    fn stem_memo_gives_the_same_stems() {
        let mut analyzer = text_analyzer(Stemming::English);
        let once = terms(&mut analyzer, "negotiations talks running");
        let twice = terms(&mut analyzer, "negotiations talks running");
        assert_eq!(once, ["negoti", "talk", "run"]);
        assert_eq!(once, twice);
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
