//! From a query's text to an engine query: each word or phrase in the fields it targets
//! (title, with its boost, and body; or the field named), analyzed exactly as at index time,
//! combined as the match mode says; and what snippets should mark.

use tantivy::query::{
    AllQuery, BooleanQuery, BoostQuery, FuzzyTermQuery, Occur, PhraseQuery, Query as EngineQuery, TermQuery,
};
use tantivy::schema::{Field, IndexRecordOption};
use tantivy::tokenizer::TextAnalyzer;
use tantivy::{Searcher, Term};

use crate::analyzer::{MAX_WORD_CHARS, is_stop_word, terms};
use crate::article::Tag;
use crate::error::{Error, Result};
use crate::index::schema::{Fields, names};
use crate::query::syntax::{self, Edits, FieldName, MAX_BOOST, Node};
use crate::query::{MatchMode, Query};
use crate::search::best_of::BestOf;
use crate::search::explain::Leaf;
use crate::search::snippet::Matchers;
use crate::search::words::{Part, Word, Words};

/// Turns the parsed text into an engine query and records what snippets should mark.
pub(crate) struct Builder<'a> {
    fields: &'a Fields,
    analyzer: &'a mut TextAnalyzer,
    fuzzy: bool,
    /// Words of an implicit AND only need one of them to match.
    any: bool,
    title_boost: f32,
    /// What snippets and titles should mark, recorded only when the query asks for snippets.
    matchers: Option<&'a mut Matchers>,
    searcher: &'a Searcher,
    /// The weight `^` gives the part being built (weights multiply inwards).
    weight: f32,
    /// The first problem met while building (reported once building is done).
    failure: Option<Error>,
    /// The scoring parts, kept when hits are to be explained.
    pub(crate) leaves: Option<Vec<Leaf>>,
    /// Inside one of the ways of a [`Node::Same`]: which one (see [`Leaf::way`]).
    way: Option<(u32, u32)>,
    /// `Node::Same`s met so far.
    ways_seen: u32,
    /// Words left out, with why: the message when nothing is left.
    unsearchable: Vec<(String, Unsearchable)>,
    /// In an any-word query, whether articles need every top-level word but one.
    all_but_one: bool,
}

/// Why a word of a query searches for nothing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Unsearchable {
    /// A function word, which any-word searches leave out.
    FunctionWord,
    /// Longer than [`MAX_WORD_CHARS`] letters: the index keeps no such word.
    TooLong,
    /// Punctuation or symbols only.
    NoLetters,
}

impl Unsearchable {
    fn of(text: &str) -> Unsearchable {
        let longest =
            text.split(|c: char| !c.is_alphanumeric()).map(|w| w.chars().count()).max().unwrap_or(0);
        if longest > MAX_WORD_CHARS { Unsearchable::TooLong } else { Unsearchable::NoLetters }
    }
}

/// [`Error::NothingSearchable`], with the words left out and why.
fn nothing_searchable(text: &str, words: &[(String, Unsearchable)]) -> Error {
    // Each word once, in the order typed.
    let list = |kind: Unsearchable| -> Vec<String> {
        let mut out: Vec<String> = Vec::new();
        for (word, _) in words.iter().filter(|(_, k)| *k == kind) {
            if !out.contains(word) {
                out.push(word.clone());
            }
        }
        out
    };
    Error::NothingSearchable {
        query: text.to_owned(),
        function_words: list(Unsearchable::FunctionWord),
        too_long: list(Unsearchable::TooLong),
    }
}

/// Matches every one of `words` but one, or more, each match scored by the words it has: the
/// union of the intersection of them all and, for each word, the intersection of the others
/// without it, so that every match falls in exactly one part and the engine leaps through
/// the rarer words' postings instead of visiting every article that has one of them.
fn all_but_one(words: &[Box<dyn EngineQuery>]) -> Box<dyn EngineQuery> {
    let mut parts: Vec<Box<dyn EngineQuery>> =
        vec![Box::new(BooleanQuery::intersection(words.iter().map(|q| q.box_clone()).collect()))];
    for left_out in 0..words.len() {
        let clauses = words
            .iter()
            .enumerate()
            .map(|(i, q)| (if i == left_out { Occur::MustNot } else { Occur::Must }, q.box_clone()))
            .collect();
        parts.push(Box::new(BooleanQuery::new(clauses)));
    }
    Box::new(BooleanQuery::union(parts))
}

/// The words of a plain word, a phrase or a group of plain words, as typed.
fn typed_words(node: &Node) -> Option<String> {
    match node {
        Node::Word { field: None, text, prefix: false, fuzzy: None }
        | Node::Phrase { field: None, text, .. } => Some(text.clone()),
        Node::And(parts) => {
            let words: Option<Vec<String>> = parts.iter().map(typed_words).collect();
            words.map(|w| w.join(" "))
        }
        _ => None,
    }
}

/// Weight of two query words found close together, as a share of their weight as a phrase
/// (any-word queries): on the judged collections 0.1 lifts SciFact nDCG@10 by about 0.003
/// (its training queries too) and costs TIME little; more cost TIME more.
pub(crate) const PROXIMITY_WEIGHT: f32 = 0.1;

/// How far apart (in words between them) two query words may be to count as close: one, as in
/// `number of troops` for `number troops`.
const PROXIMITY_SLOP: u32 = 1;

/// Words a prefix may stand for in one field: beyond this a search would touch most of the
/// vocabulary, so the user is asked for a longer prefix instead.
pub(crate) const MAX_PREFIX_EXPANSIONS: usize = 50_000;

impl<'a> Builder<'a> {
    /// A builder for `query`'s words combined as `mode` says ([`MatchMode::All`] unless
    /// `Any`), with `title_boost`, recording what matches into `matchers`.
    pub(crate) fn new(
        fields: &'a Fields,
        analyzer: &'a mut TextAnalyzer,
        searcher: &'a Searcher,
        query: &Query,
        mode: MatchMode,
        title_boost: f32,
        matchers: &'a mut Matchers,
    ) -> Builder<'a> {
        Builder {
            fields,
            analyzer,
            fuzzy: query.fuzzy,
            any: mode == MatchMode::Any,
            title_boost,
            matchers: query.snippets.then_some(matchers),
            searcher,
            weight: 1.0,
            failure: None,
            leaves: query.explain.then(Vec::new),
            way: None,
            ways_seen: 0,
            unsearchable: Vec::new(),
            all_but_one: false,
        }
    }

    /// In an any-word query, articles need every word of the query but one (function words
    /// aside; a phrase, a fielded word or an `OR` group counts one), and words found close
    /// together add nothing.
    pub(crate) fn all_but_one(mut self, yes: bool) -> Self {
        self.all_but_one = yes;
        self
    }

    /// The engine query for the query's text.
    pub(crate) fn text_query(&mut self, text: &str) -> Result<Box<dyn EngineQuery>> {
        let node = syntax::parse(text)?;
        if !matches!(node, Node::And(_)) {
            self.all_but_one = false;
        }
        let built = self.node(&node, false);
        if let Some(e) = self.failure.take() {
            return Err(e);
        }
        match built {
            Some(q) => Ok(q),
            None => Err(nothing_searchable(text, &self.unsearchable)),
        }
    }

    /// `None` when the node constrains nothing (a word that analyzes to no terms).
    fn node(&mut self, node: &Node, negated: bool) -> Option<Box<dyn EngineQuery>> {
        match node {
            Node::All => Some(Box::new(AllQuery)),
            Node::Word { field, text, prefix, fuzzy } => {
                self.words(*field, text, Look { prefix: *prefix, fuzzy: *fuzzy, slop: 0 }, negated)
            }
            Node::Phrase { field, text, slop } => {
                self.words(*field, text, Look { prefix: false, fuzzy: None, slop: *slop }, negated)
            }
            Node::Boost { node, boost } => {
                // Applied to each part's own clauses, so explanations show the weight.
                let outer = self.weight;
                self.weight = (outer * boost).min(MAX_BOOST);
                let built = self.node(node, negated);
                self.weight = outer;
                built
            }
            Node::Not(inner) => {
                let inner = self.node(inner, !negated)?;
                Some(Box::new(BooleanQuery::new(vec![
                    (Occur::Must, Box::new(AllQuery)),
                    (Occur::MustNot, inner),
                ])))
            }
            Node::And(parts) => {
                // The top level's, taken first: nested groups need one of their words.
                let all_but_one_of = std::mem::take(&mut self.all_but_one);
                let mut clauses: Vec<(Occur, Box<dyn EngineQuery>)> = Vec::new();
                for part in parts {
                    match part {
                        Node::Not(inner) => {
                            if let Some(q) = self.node(inner, !negated) {
                                clauses.push((Occur::MustNot, q));
                            }
                        }
                        other => {
                            if let Some(q) = self.node(other, negated) {
                                clauses.push((if self.any { Occur::Should } else { Occur::Must }, q));
                            }
                        }
                    }
                }
                let words = clauses.iter().filter(|(o, _)| *o == Occur::Should).count();
                if self.any && all_but_one_of && words >= 2 {
                    let (words, mut rest): (Vec<_>, Vec<_>) =
                        clauses.into_iter().partition(|(o, _)| *o == Occur::Should);
                    let words: Vec<_> = words.into_iter().map(|(_, q)| q).collect();
                    rest.push((Occur::Must, all_but_one(&words)));
                    clauses = rest;
                } else if self.any && !negated {
                    clauses.extend(self.proximity(parts));
                }
                if clauses.is_empty() {
                    return None;
                }
                // Plain words that must all match: one query of them all.
                let plain: Option<Vec<Word>> = clauses
                    .iter()
                    .map(|(occur, q)| {
                        (*occur == Occur::Must).then(|| q.downcast_ref::<Words>().map(Words::words)).flatten()
                    })
                    .try_fold(Vec::new(), |mut all, words| {
                        all.extend_from_slice(words?);
                        Some(all)
                    });
                if let Some(words) = plain.and_then(Words::new) {
                    return Some(Box::new(words));
                }
                if clauses.iter().all(|(o, _)| *o == Occur::MustNot) {
                    clauses.push((Occur::Must, Box::new(AllQuery)));
                }
                Some(Box::new(BooleanQuery::new(clauses)))
            }
            Node::Same(ways) => {
                // One thing written several ways: the best way counts, not all.
                let group = self.ways_seen;
                self.ways_seen += 1;
                let outer = self.way;
                let mut built: Vec<Box<dyn EngineQuery>> = Vec::with_capacity(ways.len());
                for (k, way) in ways.iter().enumerate() {
                    // Explanations count the best way of the outermost group.
                    self.way = outer.or(Some((group, k as u32)));
                    built.extend(self.node(way, negated));
                }
                self.way = outer;
                let ways = built;
                (!ways.is_empty()).then(|| Box::new(BestOf::new(ways)) as Box<dyn EngineQuery>)
            }
            Node::Or(parts) => {
                let clauses: Vec<(Occur, Box<dyn EngineQuery>)> =
                    parts.iter().filter_map(|p| self.node(p, negated)).map(|q| (Occur::Should, q)).collect();
                (!clauses.is_empty()).then(|| Box::new(BooleanQuery::new(clauses)) as Box<dyn EngineQuery>)
            }
        }
    }

    /// Any-word queries: each two successive plain words of `parts` (function words aside)
    /// found next to each other, or with one word between them, add [`PROXIMITY_WEIGHT`] of
    /// what they weigh as a phrase. Optional clauses: they change the order, not the matches.
    fn proximity(&mut self, parts: &[Node]) -> Vec<(Occur, Box<dyn EngineQuery>)> {
        let words: Vec<String> = parts
            .iter()
            .filter_map(|part| match part {
                Node::Word { field: None, text, prefix: false, fuzzy: None } if !is_stop_word(text) => {
                    Some(text.clone())
                }
                // As typed: `US`, `United States`.
                Node::Same(ways) => ways.first().and_then(typed_words),
                _ => None,
            })
            .collect();
        let outer = self.weight;
        self.weight = outer * PROXIMITY_WEIGHT;
        let mut clauses = Vec::new();
        for pair in words.windows(2) {
            let text = format!("{} {}", pair[0], pair[1]);
            // Words the analyzer drops or joins make no pair.
            if terms(self.analyzer, &text).len() < 2 {
                continue;
            }
            let look = Look { prefix: false, fuzzy: None, slop: PROXIMITY_SLOP };
            if let Some(q) = self.words(None, &text, look, false) {
                clauses.push((Occur::Should, q));
            }
        }
        self.weight = outer;
        clauses
    }

    /// A word or phrase in the fields it targets: left out if it is a function word of an
    /// any-word query, analyzed, shaped (term, prefix, typo-tolerant term or phrase), recorded
    /// for snippets, then one clause per target field.
    fn words(
        &mut self,
        field: Option<FieldName>,
        text: &str,
        look: Look,
        negated: bool,
    ) -> Option<Box<dyn EngineQuery>> {
        let f = self.fields;
        let Look { prefix, fuzzy, slop } = look;
        // In an any-word query, function words only add noise: "the" matches everything.
        if self.any && !prefix && fuzzy.is_none() && slop == 0 && field.is_none() && is_stop_word(text) {
            self.unsearchable.push((text.to_owned(), Unsearchable::FunctionWord));
            return None;
        }
        let targets: &[(Field, &'static str, f32)] = match field {
            Some(FieldName::Tag) => return Some(self.keyword(f.tag, names::TAG, text, look, negated)),
            Some(FieldName::Section) => {
                return Some(self.keyword(f.section, names::SECTION, text, look, negated));
            }
            None if self.title_boost > 0.0 => {
                &[(f.title, names::TITLE, self.title_boost), (f.body, names::BODY, 1.0)]
            }
            None => &[(f.body, names::BODY, 1.0)],
            Some(FieldName::Title) => &[(f.title, names::TITLE, 1.0)],
            Some(FieldName::Body) => &[(f.body, names::BODY, 1.0)],
            Some(FieldName::Source) => &[(f.sources, names::SOURCES, 1.0)],
        };
        let words = terms(self.analyzer, text);
        if words.is_empty() {
            self.unsearchable.push((text.to_owned(), Unsearchable::of(text)));
            return None;
        }
        let shape = self.shape(&words, look);
        if let Shape::Prefix = shape {
            for &(field, _, _) in targets {
                self.check_prefix(field, &words[0], text);
            }
        }
        if !negated {
            self.mark(&words, shape, field);
        }
        let shown = shape.shown(&words);
        let plain = shape.part(&words).map(|part| {
            let weighted =
                |&(field, _, boost): &(Field, &'static str, f32)| (part(field), boost * self.weight);
            match targets {
                [title, body] => Word { required: weighted(body), optional: Some(weighted(title)) },
                _ => Word { required: weighted(&targets[0]), optional: None },
            }
        });
        // The engine's clauses per field: the query of a word that is not plain, and what
        // explanations show for any word.
        let explained = self.leaves.is_some() && !negated;
        let clause_fields = if plain.is_none() || explained { targets } else { &[] };
        let per_field: Vec<(Occur, Box<dyn EngineQuery>)> = clause_fields
            .iter()
            .map(|&(field, name, boost)| {
                let boost = boost * self.weight;
                let q = shape.query(field, &words);
                let q =
                    if (boost - 1.0).abs() > f32::EPSILON { Box::new(BoostQuery::new(q, boost)) } else { q };
                if let Some(leaves) = self.leaves.as_mut().filter(|_| explained) {
                    let single_term = matches!(shape, Shape::Term);
                    leaves.push(Leaf {
                        field: name,
                        text: shown.clone(),
                        boost,
                        query: q.box_clone(),
                        single_term,
                        way: self.way,
                    });
                }
                // The body holds the title's words too (see `Fields::document`): matching the
                // body alone matches the same articles, and the title scores on top as an
                // optional clause. An engine union of the two would, at each jump of an
                // intersection, refill a window of thousands of documents; this jumps along
                // the body's postings instead.
                let occur =
                    if targets.len() > 1 && name == names::BODY { Occur::Must } else { Occur::Should };
                (occur, q)
            })
            .collect();
        // A plain word scores as the clauses above would, through a query that can rank its
        // best matches without scoring every one (see `words`).
        if let Some(words) = plain.and_then(|word| Words::new(vec![word])) {
            return Some(Box::new(words));
        }
        Some(if per_field.len() == 1 {
            per_field.into_iter().next().map(|(_, q)| q)?
        } else {
            Box::new(BooleanQuery::new(per_field))
        })
    }

    /// How analyzed `words` are looked for.
    fn shape(&self, words: &[String], look: Look) -> Shape {
        match words {
            [_] if look.prefix => Shape::Prefix,
            [word] => match self.edits(word, look.fuzzy) {
                0 => Shape::Term,
                edits => Shape::Fuzzy(edits),
            },
            // A word the analyzer splits (`Kremlin-aligned~1`) is a phrase: typos apply to words.
            _ => Shape::Phrase(look.slop),
        }
    }

    /// The typos an analyzed word may be off by: as its `~` says, else as the query's fuzzy
    /// setting allows for its length.
    fn edits(&self, word: &str, fuzzy: Option<Edits>) -> u8 {
        match fuzzy {
            Some(Edits::Exactly(n)) => n,
            Some(Edits::Auto) => typo_budget(word).max(1),
            None if self.fuzzy => typo_budget(word),
            None => 0,
        }
    }

    /// Records what snippets (and, for words that may match there, titles) should mark.
    fn mark(&mut self, words: &[String], shape: Shape, field: Option<FieldName>) {
        let Some(matchers) = self.matchers.as_deref_mut() else { return };
        let in_title = matches!(field, None | Some(FieldName::Title));
        for matcher in
            [Some(&mut matchers.body), in_title.then_some(&mut matchers.title)].into_iter().flatten()
        {
            match shape {
                Shape::Prefix => matcher.prefixes.push(words[0].clone()),
                Shape::Fuzzy(edits) => matcher.fuzzy.push((words[0].clone(), edits)),
                Shape::Term | Shape::Phrase(_) => matcher.exact.extend(words.iter().cloned()),
            }
        }
    }

    /// Fails the query (once building ends) if `prefix` stands for too many words in `field`.
    fn check_prefix(&mut self, field: Field, prefix: &str, typed: &str) {
        if self.failure.is_some() {
            return;
        }
        match count_prefix(self.searcher, field, prefix, MAX_PREFIX_EXPANSIONS) {
            Ok(n) if n > MAX_PREFIX_EXPANSIONS => {
                self.failure =
                    Some(Error::PrefixTooBroad { prefix: typed.to_owned(), max: MAX_PREFIX_EXPANSIONS });
            }
            Ok(_) => {}
            Err(e) => self.failure = Some(Error::engine(None, e)),
        }
    }

    /// `tag:Ukraine`, `section:"World News"`: the whole value, case-insensitive (with typos
    /// when `~` allows them).
    fn keyword(
        &mut self,
        field: Field,
        name: &'static str,
        text: &str,
        look: Look,
        negated: bool,
    ) -> Box<dyn EngineQuery> {
        let term = self.fields.keyword_term(field, text);
        let value = Tag::normalize(text);
        let edits = match look.fuzzy {
            Some(Edits::Exactly(n)) => n,
            Some(Edits::Auto) => typo_budget(&value).max(1),
            None => 0,
        };
        let q: Box<dyn EngineQuery> = if look.prefix {
            self.check_prefix(field, &value, text);
            Box::new(FuzzyTermQuery::new_prefix(term, 0, true))
        } else if edits > 0 {
            Box::new(FuzzyTermQuery::new(term, edits, true))
        } else {
            Box::new(TermQuery::new(term, IndexRecordOption::Basic))
        };
        let q: Box<dyn EngineQuery> = if (self.weight - 1.0).abs() > f32::EPSILON {
            Box::new(BoostQuery::new(q, self.weight))
        } else {
            q
        };
        if let (Some(leaves), false) = (self.leaves.as_mut(), negated) {
            let text = match (look.prefix, edits) {
                (true, _) => format!("{value}*"),
                (false, 0) => value,
                (false, _) => format!("{value}~"),
            };
            let single_term = !look.prefix && edits == 0;
            leaves.push(Leaf {
                field: name,
                text,
                boost: self.weight,
                query: q.box_clone(),
                single_term,
                way: self.way,
            });
        }
        q
    }
}

/// What the syntax says about how a word or phrase is looked for.
#[derive(Debug, Clone, Copy)]
struct Look {
    /// `word*`.
    prefix: bool,
    /// `word~`, `word~N`.
    fuzzy: Option<Edits>,
    /// `"a phrase"~N`.
    slop: u32,
}

/// How the analyzed words of one query word or phrase are looked for.
#[derive(Debug, Clone, Copy)]
enum Shape {
    /// One exact term.
    Term,
    /// Every term starting with the word (`word*`).
    Prefix,
    /// The term, plus terms this many edits away at half weight (typo tolerance).
    Fuzzy(u8),
    /// The terms in order, with this much slop.
    Phrase(u32),
}

impl Shape {
    /// The words as shown in explanations.
    fn shown(self, words: &[String]) -> String {
        match self {
            Shape::Term => words[0].clone(),
            Shape::Prefix => format!("{}*", words[0]),
            Shape::Fuzzy(_) => format!("{}~", words[0]),
            Shape::Phrase(_) => format!("\"{}\"", words.join(" ")),
        }
    }

    /// What `words` look for in a field, as a part of a [`Word`], when this shape is one: an
    /// exact term or phrase.
    fn part(self, words: &[String]) -> Option<impl Fn(Field) -> Part + '_> {
        let phrase = match self {
            Shape::Term => None,
            Shape::Phrase(slop) => Some(slop),
            Shape::Prefix | Shape::Fuzzy(_) => return None,
        };
        Some(move |field: Field| match phrase {
            None => Part::Term(Term::from_field_text(field, &words[0])),
            Some(slop) => Part::Phrase(
                words.iter().enumerate().map(|(i, w)| (i, Term::from_field_text(field, w))).collect(),
                slop,
            ),
        })
    }

    /// The engine query for `words` in `field`.
    fn query(self, field: Field, words: &[String]) -> Box<dyn EngineQuery> {
        let term = || Term::from_field_text(field, &words[0]);
        match self {
            Shape::Term => Box::new(TermQuery::new(term(), IndexRecordOption::WithFreqs)),
            Shape::Prefix => Box::new(FuzzyTermQuery::new_prefix(term(), 0, true)),
            Shape::Fuzzy(edits) => {
                // Exact matches keep their BM25 score; near misses add a little.
                let exact = TermQuery::new(term(), IndexRecordOption::WithFreqs);
                let near = BoostQuery::new(Box::new(FuzzyTermQuery::new(term(), edits, true)), 0.5);
                Box::new(BooleanQuery::new(vec![
                    (Occur::Should, Box::new(exact) as Box<dyn EngineQuery>),
                    (Occur::Should, Box::new(near)),
                ]))
            }
            Shape::Phrase(slop) => {
                let terms: Vec<(usize, Term)> =
                    words.iter().enumerate().map(|(i, w)| (i, Term::from_field_text(field, w))).collect();
                Box::new(PhraseQuery::new_with_offset_and_slop(terms, slop))
            }
        }
    }
}

/// Distinct words starting with `prefix` in `field`, counting up to just past `cap`.
fn count_prefix(searcher: &Searcher, field: Field, prefix: &str, cap: usize) -> tantivy::Result<usize> {
    let mut n = 0;
    for segment in searcher.segment_readers() {
        let index = segment.inverted_index(field)?;
        let mut stream = index.terms().range().ge(prefix.as_bytes()).into_stream()?;
        while stream.advance() {
            if !stream.key().starts_with(prefix.as_bytes()) {
                break;
            }
            n += 1;
            if n > cap {
                return Ok(n);
            }
        }
    }
    Ok(n)
}

/// Edits allowed for a typo-tolerant word: none under 4 letters, one up to 7, else two.
fn typo_budget(word: &str) -> u8 {
    match word.chars().count() {
        0..=3 => 0,
        4..=7 => 1,
        _ => 2,
    }
}

#[cfg(test)]
mod tests {
    use tantivy::collector::Count;

    use super::*;
    use crate::{Article, Index, IndexOptions, Query};

    #[test]
    fn typo_budget_grows_with_word_length() {
        for (word, edits) in
            [("eu", 0), ("kyiv", 1), ("zelensky", 2), ("ceasefire", 2), ("rate", 1), ("ecb", 0)]
        {
            assert_eq!(typo_budget(word), edits, "{word}");
        }
        // Letters, not bytes: "Ελλάδα" has six.
        assert_eq!(typo_budget("Ελλάδα"), 1);
    }

    /// How many of three articles the query's text matches, built as `search` builds it.
    fn matches(text: &str, query: Query) -> usize {
        let index = Index::in_memory(&IndexOptions::new()).unwrap();
        let mut writer = index.writer().unwrap();
        for (id, title, body) in [
            ("a", "Kellogg in Kyiv", "The envoy met Zelensky."),
            ("b", "Kellogg in London", "Talks on a ceasefire."),
            ("c", "Markets", "Stocks rose."),
        ] {
            let mut article = Article::new(id, id, title);
            article.body = body.into();
            writer.add(&article).unwrap();
        }
        writer.commit().unwrap();
        let searcher = index.reader.searcher();
        let mut matchers = Matchers::default();
        crate::analyzer::with_analyzer(index.stemming, |analyzer| {
            let (mode, boost) = (query.mode, query.effective_title_boost());
            let mut builder =
                Builder::new(&index.fields, analyzer, &searcher, &query, mode, boost, &mut matchers);
            let q = builder.text_query(text).unwrap();
            searcher.search(&*q, &Count).unwrap()
        })
    }

    #[test]
    fn negated_words_alone_match_everything_else() {
        let all = Query::new("").mode(MatchMode::All);
        assert_eq!(matches("-Kellogg", all.clone()), 1);
        assert_eq!(matches("-Kellogg -stocks", all.clone()), 0);
        assert_eq!(matches("Kellogg -Zelensky", all.clone()), 1);
        // In an any-word query too: a query of only exclusions still has something to exclude from.
        assert_eq!(matches("-Kellogg", Query::new("").mode(MatchMode::Any)), 1);
    }

    #[test]
    fn any_word_queries_leave_function_words_out_and_all_word_queries_keep_them() {
        assert_eq!(matches("the Kellogg", Query::new("").mode(MatchMode::Any)), 2);
        assert_eq!(matches("Kellogg the", Query::new("").mode(MatchMode::All)), 1);
        assert_eq!(matches("Kellogg ceasefire", Query::new("").mode(MatchMode::Any)), 2);
        assert_eq!(matches("Kellogg ceasefire", Query::new("").mode(MatchMode::All)), 1);
    }
}
