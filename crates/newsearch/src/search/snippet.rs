//! Snippets: the stretch of a body that best shows why an article matched.
//!
//! tantivy's snippet generator only knows exact query terms, so prefix (`Zel*`) and fuzzy
//! (`Zelenski`) matches would go unhighlighted. Ours runs the same analyzer over the body
//! and asks a [`Matcher`] built from the parsed query, so whatever matched is marked. The
//! window chosen holds the most distinct query terms, then the most matches; it starts at a
//! sentence start when that fits, and never cuts a word.

use std::collections::HashSet;
use std::ops::Range;

use tantivy::tokenizer::{TextAnalyzer, TokenStream, Tokenizer};

use crate::analyzer::{WordTokenizer, terms};

/// A fragment of an article body with the matched words marked.
///
/// Serializes as the two keys a search hit carries: `snippet` (the text) and `highlights`
/// (`[start, end]` byte offsets).
#[derive(Debug, Clone, PartialEq, Eq, Default, serde::Serialize)]
pub struct Snippet {
    /// The fragment: one line, `…` where it was cut.
    #[serde(rename = "snippet")]
    pub text: String,
    /// Byte ranges of matched words in `text`, in order, not overlapping.
    #[serde(serialize_with = "ranges_as_pairs")]
    pub highlights: Vec<Range<usize>>,
}

/// `[[start, end], …]`.
pub(crate) fn ranges_as_pairs<S: serde::Serializer>(
    ranges: &[Range<usize>],
    s: S,
) -> Result<S::Ok, S::Error> {
    s.collect_seq(ranges.iter().map(|r| [r.start, r.end]))
}

impl Snippet {
    /// The text with each highlight wrapped in `before` and `after` (e.g. ANSI codes, `<b>`).
    pub fn marked(&self, before: &str, after: &str) -> String {
        let mut out =
            String::with_capacity(self.text.len() + self.highlights.len() * (before.len() + after.len()));
        let mut last = 0;
        for r in &self.highlights {
            out.push_str(&self.text[last..r.start]);
            out.push_str(before);
            out.push_str(&self.text[r.clone()]);
            out.push_str(after);
            last = r.end;
        }
        out.push_str(&self.text[last..]);
        out
    }
}

/// What a query's words match in an article's body (every word the query looks for) and in its
/// title (those that may match there: not `body:` or `source:` words).
#[derive(Debug, Default, Clone)]
pub(crate) struct Matchers {
    pub(crate) body: Matcher,
    pub(crate) title: Matcher,
}

/// Which analyzed words count as matches.
#[derive(Debug, Default, Clone)]
pub(crate) struct Matcher {
    pub(crate) exact: HashSet<String>,
    pub(crate) prefixes: Vec<String>,
    pub(crate) fuzzy: Vec<(String, u8)>,
}

impl Matcher {
    fn matches(&self, term: &str) -> bool {
        self.exact.contains(term)
            || self.prefixes.iter().any(|p| term.starts_with(p.as_str()))
            || self.fuzzy.iter().any(|(f, d)| within_distance(f, term, *d as usize))
    }

    /// Which ASCII bytes a matching term can start with, or `None` when any can (fuzzy
    /// terms may differ in their first letter; terms may start with a non-ASCII letter).
    fn first_bytes(&self) -> Option<[bool; 128]> {
        if !self.fuzzy.is_empty() {
            return None;
        }
        let mut firsts = [false; 128];
        for term in self.exact.iter().chain(&self.prefixes) {
            match term.as_bytes().first() {
                Some(&b) if b.is_ascii() => firsts[usize::from(b)] = true,
                Some(_) => return None,
                None => {}
            }
        }
        Some(firsts)
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.exact.is_empty() && self.prefixes.is_empty() && self.fuzzy.is_empty()
    }
}

/// Builds the snippet of `text` for `matcher`, about `max_chars` characters long.
pub(crate) fn snippet(
    text: &str,
    analyzer: &mut TextAnalyzer,
    matcher: &Matcher,
    max_chars: usize,
) -> Snippet {
    if text.is_empty() {
        return Snippet::default();
    }
    let matches = matches(text, analyzer, matcher);
    let (start, end) = match best_window(text, &matches, max_chars) {
        Some(window) => expand(text, window, max_chars),
        None => (0, cut_at_word(text, 0, max_chars)),
    };
    render(text, start, end, &matches)
}

/// Byte ranges of the words of `text` that `matcher` matches, in order: the highlights of a
/// text shown whole (a title).
pub(crate) fn highlights(text: &str, analyzer: &mut TextAnalyzer, matcher: &Matcher) -> Vec<Range<usize>> {
    matches(text, analyzer, matcher).into_iter().map(|(span, _)| span).collect()
}

/// The words of `text` that `matcher` matches: where each is, and the term it matched as.
fn matches(text: &str, analyzer: &mut TextAnalyzer, matcher: &Matcher) -> Vec<(Range<usize>, String)> {
    let mut matches = Vec::new();
    if matcher.is_empty() {
        return matches;
    }
    // Segmenting is cheap, folding and stemming are not: a word whose first letter no query
    // term starts with can't match (stemming keeps the first letter), so only the few
    // candidates go through the whole analyzer.
    let firsts = matcher.first_bytes();
    let mut words = WordTokenizer::default();
    let mut stream = words.token_stream(text);
    while stream.advance() {
        let t = stream.token();
        let first = t.text.as_bytes()[0];
        if first.is_ascii() && firsts.as_ref().is_some_and(|f| !f[usize::from(first)]) {
            continue;
        }
        let span = t.offset_from..t.offset_to;
        for term in terms(analyzer, &text[span.clone()]) {
            if matcher.matches(&term) {
                matches.push((span.clone(), term));
                break;
            }
        }
    }
    matches
}

/// The span from one match to another holding the most distinct terms within the budget.
fn best_window(text: &str, matches: &[(Range<usize>, String)], max_chars: usize) -> Option<Range<usize>> {
    let mut best: Option<((usize, usize), Range<usize>)> = None;
    for i in 0..matches.len() {
        let mut distinct: HashSet<&str> = HashSet::new();
        let mut j = i;
        while j < matches.len() && text[matches[i].0.start..matches[j].0.end].chars().count() <= max_chars {
            distinct.insert(&matches[j].1);
            j += 1;
        }
        if j == i {
            // A single match longer than the budget still makes a window.
            j = i + 1;
            distinct.insert(&matches[i].1);
        }
        let score = (distinct.len(), j - i);
        if best.as_ref().is_none_or(|(s, _)| score > *s) {
            best = Some((score, matches[i].0.start..matches[j - 1].0.end));
        }
    }
    best.map(|(_, w)| w)
}

/// Grows a window to about `max_chars`: back to its sentence start if that fits, else a
/// third of the spare room before it, then forward; cuts fall between words.
fn expand(text: &str, window: Range<usize>, max_chars: usize) -> (usize, usize) {
    let used = text[window.clone()].chars().count();
    let spare = max_chars.saturating_sub(used);
    let before = &text[..window.start];
    let sentence_start = before.rfind(['.', '!', '?', '\n']).map_or(0, |i| i + 1);
    let mut start = if before[sentence_start..].chars().count() <= spare {
        sentence_start
    } else {
        let back = spare / 3;
        let idx = before.char_indices().rev().nth(back.saturating_sub(1)).map_or(0, |(i, _)| i);
        // Move forward to the next word start so no word is cut.
        match before[idx..].find(char::is_whitespace) {
            Some(ws) if idx > 0 => idx + ws,
            _ => idx,
        }
    };
    while start < window.start && text[start..].starts_with(char::is_whitespace) {
        start += text[start..].chars().next().map_or(1, char::len_utf8);
    }
    let end = cut_at_word(text, start, max_chars).max(window.end);
    (start, end)
}

/// The byte offset about `max_chars` characters after `start`, moved back to a word break.
fn cut_at_word(text: &str, start: usize, max_chars: usize) -> usize {
    let rest = &text[start..];
    let Some((limit, _)) = rest.char_indices().nth(max_chars) else {
        return text.len();
    };
    match rest[..limit].rfind(char::is_whitespace) {
        Some(ws) if ws > 0 => start + ws,
        _ => start + limit,
    }
}

/// The fragment `text[start..end]` on one line, with `…` at cuts and highlights remapped.
fn render(text: &str, start: usize, end: usize, matches: &[(Range<usize>, String)]) -> Snippet {
    let mut out = String::with_capacity(end - start + 8);
    if start > 0 {
        out.push('…');
    }
    // Where each source byte lands in `out`, so highlights survive whitespace squeezing.
    let mut map = Vec::with_capacity(end - start + 1);
    let mut in_space = false;
    for (i, c) in text[start..end].char_indices() {
        map.resize(i, out.len());
        map.push(out.len());
        if c.is_whitespace() {
            if !in_space {
                out.push(' ');
            }
            in_space = true;
        } else {
            out.push(c);
            in_space = false;
        }
    }
    map.resize(end - start, out.len());
    map.push(out.len());
    let trimmed = out.trim_end().len();
    out.truncate(trimmed);
    if end < text.len() {
        out.push('…');
    }
    let highlights = matches
        .iter()
        .filter(|(r, _)| r.start >= start && r.end <= end)
        .map(|(r, _)| map[r.start - start]..map[r.end - start].min(trimmed))
        .collect();
    Snippet { text: out, highlights }
}

/// Optimal-string-alignment distance of `a` and `b` is at most `max`.
fn within_distance(a: &str, b: &str, max: usize) -> bool {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    if a.len().abs_diff(b.len()) > max {
        return false;
    }
    let mut prev2: Vec<usize> = vec![0; b.len() + 1];
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for i in 1..=a.len() {
        let mut cur = vec![i; b.len() + 1];
        for j in 1..=b.len() {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            cur[j] = (prev[j] + 1).min(cur[j - 1] + 1).min(prev[j - 1] + cost);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                cur[j] = cur[j].min(prev2[j - 2] + 1);
            }
        }
        if cur.iter().min().is_some_and(|&m| m > max) {
            return false;
        }
        prev2 = std::mem::replace(&mut prev, cur);
    }
    prev[b.len()] <= max
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analyzer::{Stemming, text_analyzer};

    fn exact(words: &[&str]) -> Matcher {
        Matcher { exact: words.iter().map(|w| w.to_string()).collect(), ..Matcher::default() }
    }

    fn snip(text: &str, m: &Matcher, max: usize) -> Snippet {
        snippet(text, &mut text_analyzer(Stemming::English), m, max)
    }

    fn marked(s: &Snippet) -> String {
        s.marked("[", "]")
    }

    #[test]
    fn highlights_every_match_in_the_best_window() {
        let text = "Filler text here. Zelensky met Kellogg in Kyiv.\n\nKellogg left. More filler follows after that.";
        let s = snip(text, &exact(&["zelenski", "kellogg"]), 60);
        assert_eq!(marked(&s), "…[Zelensky] met [Kellogg] in Kyiv. [Kellogg] left. More filler…");
    }

    #[test]
    fn without_matches_it_is_the_lead() {
        let s = snip("One two three four five six seven", &Matcher::default(), 12);
        assert_eq!(s.text, "One two…");
        assert!(s.highlights.is_empty());
        assert_eq!(snip("", &exact(&["x"]), 10), Snippet::default());
    }

    #[test]
    fn prefixes_and_fuzzy_are_highlighted() {
        let m =
            Matcher { prefixes: vec!["zel".into()], fuzzy: vec![("kelogg".into(), 1)], ..Matcher::default() };
        let s = snip("Zelensky and Kellogg", &m, 100);
        assert_eq!(marked(&s), "[Zelensky] and [Kellogg]");
    }

    #[test]
    fn multibyte_text_is_cut_on_characters() {
        let text = "Київ ".repeat(50) + "Зеленський " + &"Київ ".repeat(50);
        let s = snip(&text, &exact(&["зеленський"]), 30);
        assert!(s.text.chars().count() <= 34, "{}", s.text);
        assert_eq!(&s.text[s.highlights[0].clone()], "Зеленський");
    }

    proptest::proptest! {
        #[test]
        fn highlights_are_valid_and_mark_matches(
            words in proptest::collection::vec("[a-zA-Zé’.,]{1,8}|Kyiv|talks", 0..80),
            max in 20usize..300,
        ) {
            let text = words.join(" ");
            let s = snip(&text, &exact(&["kyiv", "talk"]), max);
            let mut last = 0;
            for r in &s.highlights {
                proptest::prop_assert!(r.start >= last && r.start < r.end && r.end <= s.text.len());
                proptest::prop_assert!(s.text.is_char_boundary(r.start) && s.text.is_char_boundary(r.end));
                let word = s.text[r.clone()].to_lowercase();
                proptest::prop_assert!(word == "kyiv" || word == "talks", "{}", word);
                last = r.end;
            }
            proptest::prop_assert!(s.text.chars().count() <= max + 2 + 8, "{} > {}", s.text.chars().count(), max);
        }
    }

    #[test]
    fn titles_are_highlighted_whole() {
        let title = "Zelensky meets Kellogg; Kellogg’s plan";
        let spans = highlights(title, &mut text_analyzer(Stemming::English), &exact(&["kellogg"]));
        let marked: Vec<&str> = spans.iter().map(|r| &title[r.clone()]).collect();
        assert_eq!(marked, ["Kellogg", "Kellogg’s"]);
        assert!(highlights(title, &mut text_analyzer(Stemming::English), &Matcher::default()).is_empty());
    }

    #[test]
    fn osa_distance() {
        assert!(within_distance("kellogg", "kelogg", 1));
        assert!(within_distance("zelenski", "zelensik", 1));
        assert!(!within_distance("kellogg", "kremlin", 2));
        assert!(within_distance("", "ab", 2));
    }
}
