//! The query language users type, parsed into a tree before anything touches the index.
//!
//! Our own small parser rather than tantivy's: words must be ANDed by default, `word*`
//! must be a prefix, `tag:` and `section:` must mean exact keywords, and every syntax error
//! must say what is wrong and at which column. The grammar:
//!
//! ```text
//! query   := or
//! or      := and ("OR" and)*
//! and     := unary (["AND"] unary)*
//! unary   := ("-" | "NOT") unary | "+" unary | primary
//! primary := ("(" or ")" | [field ":"] ("(" or ")" | phrase | word)) ["^" weight]
//! phrase  := '"' text '"' ["~" digits]
//! word    := text ["*" | "~" [digit]]
//! text    := anything up to whitespace, parenthesis or quote
//! ```
//!
//! A trailing `*` makes a prefix, a trailing `~` tolerates typos (`~1`, `~2`: at most that many
//! edits; `~` alone: as many as `--fuzzy` allows for the word, at least one), and `^` weighs
//! what it follows (`oil^2`, `"peace talks"^0.5`, `(a OR b)^3`). Where these characters can't
//! mean that (a `*` inside a word, `~x`, `^` without a weight), the query is refused rather
//! than searched for something else.

use crate::error::Error;

/// A field a user may name before a colon.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum FieldName {
    Title,
    Body,
    Tag,
    Section,
    Source,
}

impl FieldName {
    fn parse(name: &str) -> Option<FieldName> {
        Some(match name.to_ascii_lowercase().as_str() {
            "title" => FieldName::Title,
            "body" | "text" => FieldName::Body,
            "tag" | "tags" => FieldName::Tag,
            "section" | "category" => FieldName::Section,
            "source" | "sources" => FieldName::Source,
            _ => return None,
        })
    }
}

/// The parsed query.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Node {
    /// Every article (`*`, or a query of only exclusions).
    All,
    Word {
        field: Option<FieldName>,
        text: String,
        prefix: bool,
        /// Typos tolerated (`word~`, `word~1`).
        fuzzy: Option<Edits>,
    },
    Phrase {
        field: Option<FieldName>,
        text: String,
        slop: u32,
    },
    /// One thing written in several ways, as typed first (`U S`: `US` or the letters apart;
    /// `United Nations`: its words or its initials `un`): found in any of them, scored by the
    /// best, counted as one word (see `names`).
    Same(Vec<Node>),
    And(Vec<Node>),
    Or(Vec<Node>),
    Not(Box<Node>),
    /// What it holds, its score multiplied by `boost` (`oil^2`).
    Boost {
        node: Box<Node>,
        boost: f32,
    },
}

/// The edits a typo-tolerant word may be off by.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Edits {
    /// `word~`: as [`Query::fuzzy`](crate::Query::fuzzy) allows for the word's length, at least one.
    Auto,
    /// `word~N`.
    Exactly(u8),
}

/// Words and phrases a query may hold: more is never typed by a person and would make one
/// search cost as much as thousands.
pub(crate) const MAX_TERMS: usize = 1024;
/// Nesting of parentheses and signs: bounds the parser's recursion.
pub(crate) const MAX_DEPTH: usize = 64;
/// How far apart a phrase's words may be (`"a b"~N`).
pub(crate) const MAX_SLOP: u32 = 10_000;
/// Typos a word may be off by (`word~N`): the engine's automata stop at two edits, and three
/// would match most short words.
pub(crate) const MAX_EDITS: u8 = 2;
/// The largest weight `^` may give (weights that multiply, `(a^10)^10`, are cut to it too): more
/// would only push scores towards infinity.
pub(crate) const MAX_BOOST: f32 = 1000.0;

/// Parses `input`; an empty or blank input is `Node::All`.
pub(crate) fn parse(input: &str) -> Result<Node, Error> {
    let tokens = lex(input)?;
    if tokens.is_empty() {
        return Ok(Node::All);
    }
    let terms = tokens.iter().filter(|t| matches!(t.tok, Tok::Word { .. } | Tok::Phrase(..))).count();
    if terms > MAX_TERMS {
        return Err(syntax(1, format!("too many words ({terms}; a query may have at most {MAX_TERMS})")));
    }
    let mut p = Parser { tokens, pos: 0, end_column: input.chars().count() + 1, depth: 0 };
    let node = p.or(None)?;
    if let Some(t) = p.peek() {
        return Err(syntax(t.column, "unexpected `)` without a matching `(`"));
    }
    Ok(super::names::join_names(node))
}

#[derive(Debug, Clone, PartialEq)]
enum Tok {
    Open,
    Close,
    Minus,
    Plus,
    Or,
    And,
    Not,
    /// `name:` directly followed by a value.
    Field(FieldName),
    Word {
        text: String,
        prefix: bool,
        fuzzy: Option<Edits>,
    },
    Phrase(String, u32),
    /// `^weight` right after a word, a phrase or `)`.
    Boost(f32),
}

#[derive(Debug)]
struct Token {
    tok: Tok,
    column: usize,
}

fn syntax(column: usize, message: impl Into<String>) -> Error {
    Error::QuerySyntax { message: message.into(), column }
}

fn lex(input: &str) -> Result<Vec<Token>, Error> {
    let chars: Vec<char> = input.chars().collect();
    let mut out = Vec::new();
    let mut i = 0;
    let boundary = |c: char| c.is_whitespace() || matches!(c, '(' | ')' | '"');
    while i < chars.len() {
        let c = chars[i];
        let column = i + 1;
        let push = |out: &mut Vec<Token>, tok| out.push(Token { tok, column });
        match c {
            c if c.is_whitespace() => i += 1,
            '(' => {
                push(&mut out, Tok::Open);
                i += 1;
            }
            ')' => {
                push(&mut out, Tok::Close);
                i += 1;
                i = boost_after(&chars, i, &mut out)?;
            }
            '"' => {
                let close = chars[i + 1..].iter().position(|&c| c == '"').map(|p| i + 1 + p);
                let Some(close) = close else {
                    return Err(syntax(column, "unclosed `\"`: add the closing quote"));
                };
                let text: String = chars[i + 1..close].iter().collect();
                if text.trim().is_empty() {
                    return Err(syntax(column, "empty quotes: put the words of a phrase between them"));
                }
                i = close + 1;
                let mut slop = 0;
                if chars.get(i) == Some(&'~') {
                    let digits: String = chars[i + 1..].iter().take_while(|c| c.is_ascii_digit()).collect();
                    if digits.is_empty() {
                        return Err(syntax(i + 1, "`~` after a phrase needs a number, like \"a b\"~2"));
                    }
                    slop = digits.parse().ok().filter(|n| *n <= MAX_SLOP).ok_or_else(|| {
                        syntax(
                            i + 2,
                            format!("`~{digits}`: a phrase's words may be at most {MAX_SLOP} words apart"),
                        )
                    })?;
                    i += 1 + digits.len();
                }
                // Quotes match whole words: a `*` inside them would silently search for the
                // letters before it as a complete word.
                if let Some(star) = text.split_whitespace().find(|w| w.len() > 1 && w.ends_with('*')) {
                    return Err(syntax(
                        column,
                        format!(
                            "`{star}` inside quotes: a phrase matches whole words, so `*` is no prefix there (end the quotes before it: \"{}\" {star})",
                            text.trim_end().trim_end_matches(star).trim_end()
                        ),
                    ));
                }
                push(&mut out, Tok::Phrase(text, slop));
                i = boost_after(&chars, i, &mut out)?;
            }
            // A leading sign binds to what follows; inside a word it is part of it ("Kremlin-aligned").
            '-' | '+' if chars.get(i + 1).is_some_and(|&n| !n.is_whitespace()) => {
                push(&mut out, if c == '-' { Tok::Minus } else { Tok::Plus });
                i += 1;
            }
            _ => {
                let start = i;
                while i < chars.len() && !boundary(chars[i]) {
                    // `title:` with nothing after it would search for the word "title".
                    if chars[i] == ':'
                        && i > start
                        && chars.get(i + 1).is_none_or(|c| c.is_whitespace() || *c == ')')
                    {
                        let name: String = chars[start..i].iter().collect();
                        if FieldName::parse(&name).is_some() {
                            return Err(syntax(
                                column,
                                format!(
                                    "`{name}:` needs a value right after the colon, like {name}:kyiv or {name}:\"peace talks\""
                                ),
                            ));
                        }
                    }
                    // `name:` followed by a value is a field prefix.
                    if chars[i] == ':' && i > start && i + 1 < chars.len() && !chars[i + 1].is_whitespace() {
                        let name: String = chars[start..i].iter().collect();
                        if let Some(field) = FieldName::parse(&name) {
                            push(&mut out, Tok::Field(field));
                            i += 1;
                            break;
                        }
                        if name.chars().all(char::is_alphabetic) {
                            return Err(syntax(
                                column,
                                format!(
                                    "unknown field `{}:` (use title:, body:, tag:, section: or source:)",
                                    crate::error::cut(&name)
                                ),
                            ));
                        }
                    }
                    i += 1;
                }
                if matches!(out.last(), Some(Token { tok: Tok::Field(_), column: c }) if *c == column) {
                    continue;
                }
                match &chars[start..i] {
                    ['O', 'R'] | ['|', '|'] => push(&mut out, Tok::Or),
                    ['A', 'N', 'D'] | ['&', '&'] => push(&mut out, Tok::And),
                    ['N', 'O', 'T'] => push(&mut out, Tok::Not),
                    word => word_tokens(word, column, &mut out)?,
                }
            }
        }
    }
    Ok(out)
}

/// A word's tokens: the word (with its `*` or `~`), then its `^weight` if it has one.
fn word_tokens(word: &[char], column: usize, out: &mut Vec<Token>) -> Result<(), Error> {
    let at = |offset: usize| column + offset;
    // `^` weighs what comes before it; a word that starts with one has nothing to weigh.
    let (body, boost) = match word.iter().rposition(|&c| c == '^') {
        Some(0) => return Err(syntax(column, "`^` needs a word, a phrase or `( … )` before it, like oil^2")),
        Some(caret) => (&word[..caret], Some(weight(&word[caret + 1..], at(caret))?)),
        None => (word, None),
    };
    if let Some(caret) = body.iter().position(|&c| c == '^') {
        return Err(syntax(at(caret), "only one `^` per word"));
    }
    let (body, fuzzy) = match body.iter().position(|&c| c == '~') {
        Some(0) => return Err(syntax(column, "`~` needs a word before it, like kellogg~1")),
        Some(tilde) => {
            let digits: String = body[tilde + 1..].iter().collect();
            let edits = if digits.is_empty() {
                Edits::Auto
            } else {
                if !digits.bytes().all(|b| b.is_ascii_digit()) {
                    return Err(syntax(
                        at(tilde),
                        format!(
                            "`~` after a word takes the number of typos allowed, up to {MAX_EDITS}, like kellogg~1"
                        ),
                    ));
                }
                let n = digits.parse::<u8>().ok().filter(|n| *n <= MAX_EDITS);
                Edits::Exactly(n.ok_or_else(|| {
                    syntax(at(tilde + 1), format!("`~{digits}`: a word may be at most {MAX_EDITS} typos off"))
                })?)
            };
            (&body[..tilde], Some(edits))
        }
        None => (body, None),
    };
    if body == ['*'] {
        if fuzzy.is_some() || boost.is_some() {
            return Err(syntax(column, "`*` alone matches every article: it takes no `~` or `^`"));
        }
        out.push(Token { tok: Tok::Word { text: "*".to_owned(), prefix: false, fuzzy: None }, column });
        return Ok(());
    }
    let (stem, prefix) = match body.split_last() {
        Some(('*', stem)) => (stem, true),
        _ => (body, false),
    };
    if let Some(star) = stem.iter().position(|&c| c == '*') {
        return Err(syntax(
            at(star),
            "`*` only ends a word, as a prefix like Zel*: it stands for no letters inside one",
        ));
    }
    if prefix && fuzzy.is_some() {
        return Err(syntax(column, "a prefix (`*`) can't also tolerate typos (`~`)"));
    }
    out.push(Token { tok: Tok::Word { text: stem.iter().collect(), prefix, fuzzy }, column });
    if let Some(boost) = boost {
        out.push(Token { tok: Tok::Boost(boost), column: at(body.len()) });
    }
    Ok(())
}

/// `^weight` at `i` (right after a phrase or `)`), pushed as a token; where lexing goes on.
fn boost_after(chars: &[char], i: usize, out: &mut Vec<Token>) -> Result<usize, Error> {
    if chars.get(i) != Some(&'^') {
        return Ok(i);
    }
    let end = chars[i + 1..]
        .iter()
        .position(|&c| c.is_whitespace() || matches!(c, '(' | ')' | '"'))
        .map_or(chars.len(), |p| i + 1 + p);
    let boost = weight(&chars[i + 1..end], i + 1)?;
    out.push(Token { tok: Tok::Boost(boost), column: i + 1 });
    Ok(end)
}

/// The weight after a `^` at `column`: a plain decimal number from 0 to [`MAX_BOOST`].
fn weight(text: &[char], column: usize) -> Result<f32, Error> {
    let text: String = text.iter().collect();
    let number = !text.is_empty() && text.bytes().all(|b| b.is_ascii_digit() || b == b'.');
    match text.parse::<f32>() {
        Ok(w) if number && (0.0..=MAX_BOOST).contains(&w) => Ok(w),
        _ => Err(syntax(
            column,
            format!("`^` takes a weight from 0 to {MAX_BOOST}, like oil^2 or \"peace talks\"^0.5"),
        )),
    }
}

struct Parser {
    tokens: Vec<Token>,
    pos: usize,
    end_column: usize,
    depth: usize,
}

impl Parser {
    fn peek(&self) -> Option<&Token> {
        self.tokens.get(self.pos)
    }

    fn column(&self) -> usize {
        self.peek().map_or(self.end_column, |t| t.column)
    }

    fn or(&mut self, open: Option<usize>) -> Result<Node, Error> {
        let mut alternatives = vec![self.and(open)?];
        while let Some(Token { tok: Tok::Or, column }) = self.peek() {
            let column = *column;
            self.pos += 1;
            if self.at_group_end() {
                return Err(syntax(column, "`OR` needs something on both sides"));
            }
            alternatives.push(self.and(open)?);
        }
        Ok(if alternatives.len() == 1 { alternatives.remove(0) } else { Node::Or(alternatives) })
    }

    fn at_group_end(&self) -> bool {
        matches!(self.peek(), None | Some(Token { tok: Tok::Close, .. }))
    }

    fn and(&mut self, open: Option<usize>) -> Result<Node, Error> {
        let mut parts = Vec::new();
        loop {
            match self.peek().map(|t| &t.tok) {
                None | Some(Tok::Close) | Some(Tok::Or) => break,
                Some(Tok::And) => {
                    let column = self.column();
                    self.pos += 1;
                    if parts.is_empty()
                        || self.at_group_end()
                        || matches!(self.peek().map(|t| &t.tok), Some(Tok::Or))
                    {
                        return Err(syntax(column, "`AND` needs something on both sides"));
                    }
                }
                Some(_) => parts.push(self.unary()?),
            }
        }
        match parts.len() {
            0 => {
                let column = self.column();
                let what =
                    if open.is_some() { "empty parentheses" } else { "`OR` needs something on both sides" };
                Err(syntax(column, what))
            }
            1 => Ok(parts.remove(0)),
            _ => Ok(Node::And(parts)),
        }
    }

    fn unary(&mut self) -> Result<Node, Error> {
        let Some(token) = self.peek() else {
            return Err(syntax(self.end_column, "query ends too early"));
        };
        let column = token.column;
        self.depth += 1;
        // The outermost term is level 0: each `(` or sign around it adds one.
        if self.depth > MAX_DEPTH + 1 {
            return Err(syntax(
                column,
                format!("nested too deeply (at most {MAX_DEPTH} levels of parentheses and signs)"),
            ));
        }
        let node = self.unary_at(column);
        self.depth -= 1;
        node
    }

    fn unary_at(&mut self, column: usize) -> Result<Node, Error> {
        let Some(token) = self.peek() else {
            return Err(syntax(self.end_column, "query ends too early"));
        };
        match token.tok {
            Tok::Minus | Tok::Not => {
                self.pos += 1;
                if self.at_group_end() {
                    return Err(syntax(column, "nothing to exclude after `-`/`NOT`"));
                }
                Ok(Node::Not(Box::new(self.unary()?)))
            }
            Tok::Plus => {
                self.pos += 1;
                self.unary()
            }
            _ => self.primary(None),
        }
    }

    fn primary(&mut self, field: Option<FieldName>) -> Result<Node, Error> {
        let node = self.primary_unweighted(field)?;
        match self.peek() {
            Some(Token { tok: Tok::Boost(boost), .. }) => {
                let boost = *boost;
                self.pos += 1;
                Ok(Node::Boost { node: Box::new(node), boost })
            }
            _ => Ok(node),
        }
    }

    fn primary_unweighted(&mut self, field: Option<FieldName>) -> Result<Node, Error> {
        let Some(token) = self.tokens.get(self.pos) else {
            return Err(syntax(self.end_column, "a field name needs a value after the colon"));
        };
        let column = token.column;
        let tok = token.tok.clone();
        self.pos += 1;
        match tok {
            Tok::Open => {
                let inner = self.or(Some(column))?;
                match self.peek() {
                    Some(Token { tok: Tok::Close, .. }) => self.pos += 1,
                    _ => return Err(syntax(column, "`(` is never closed")),
                }
                Ok(match field {
                    Some(f) => with_field(inner, f),
                    None => inner,
                })
            }
            Tok::Field(f) => {
                if field.is_some() {
                    return Err(syntax(column, "only one field name per value"));
                }
                self.primary(Some(f))
            }
            Tok::Phrase(text, slop) => Ok(Node::Phrase { field, text, slop }),
            Tok::Word { text, .. } if text == "*" => match field {
                None => Ok(Node::All),
                Some(_) => Err(syntax(
                    column,
                    "`*` alone matches every article, in no particular field: a field name takes a word, a phrase or `( … )`",
                )),
            },
            Tok::Word { text, prefix, fuzzy } => Ok(Node::Word { field, text, prefix, fuzzy }),
            Tok::Close => Err(syntax(column, "unexpected `)` without a matching `(`")),
            Tok::Or | Tok::And | Tok::Not | Tok::Minus | Tok::Plus => {
                Err(syntax(column, "expected a word, a phrase or `(` here"))
            }
            Tok::Boost(_) => {
                Err(syntax(column, "`^` needs a word, a phrase or `( … )` before it, like oil^2"))
            }
        }
    }
}

/// `title:(a OR "b c")` applies the field to every leaf that has none.
fn with_field(node: Node, field: FieldName) -> Node {
    match node {
        Node::Word { field: None, text, prefix, fuzzy } => {
            Node::Word { field: Some(field), text, prefix, fuzzy }
        }
        Node::Phrase { field: None, text, slop } => Node::Phrase { field: Some(field), text, slop },
        Node::And(v) => Node::And(v.into_iter().map(|n| with_field(n, field)).collect()),
        Node::Or(v) => Node::Or(v.into_iter().map(|n| with_field(n, field)).collect()),
        Node::Not(n) => Node::Not(Box::new(with_field(*n, field))),
        Node::Boost { node, boost } => Node::Boost { node: Box::new(with_field(*node, field)), boost },
        other => other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn word(t: &str) -> Node {
        Node::Word { field: None, text: t.into(), prefix: false, fuzzy: None }
    }

    fn err(input: &str) -> (usize, String) {
        match parse(input).unwrap_err() {
            Error::QuerySyntax { column, message } => (column, message),
            other => panic!("{other}"),
        }
    }

    #[test]
    fn words_are_anded() {
        assert_eq!(parse("Zelensky Kellogg").unwrap(), Node::And(vec![word("Zelensky"), word("Kellogg")]));
        assert_eq!(parse("  ").unwrap(), Node::All);
        assert_eq!(parse("a AND b").unwrap(), parse("a b").unwrap());
    }

    #[test]
    fn or_binds_looser_than_and() {
        let q = parse("oil gas OR coal").unwrap();
        assert_eq!(q, Node::Or(vec![Node::And(vec![word("oil"), word("gas")]), word("coal")]));
    }

    #[test]
    fn phrases_exclusions_fields_prefixes() {
        let q = parse(r#""security guarantees"~1 -Trump title:Kyiv tag:"European Union" Zel*"#).unwrap();
        let Node::And(parts) = q else { panic!() };
        assert_eq!(parts[0], Node::Phrase { field: None, text: "security guarantees".into(), slop: 1 });
        assert_eq!(parts[1], Node::Not(Box::new(word("Trump"))));
        assert_eq!(
            parts[2],
            Node::Word { field: Some(FieldName::Title), text: "Kyiv".into(), prefix: false, fuzzy: None }
        );
        assert_eq!(
            parts[3],
            Node::Phrase { field: Some(FieldName::Tag), text: "European Union".into(), slop: 0 }
        );
        assert_eq!(parts[4], Node::Word { field: None, text: "Zel".into(), prefix: true, fuzzy: None });
    }

    #[test]
    fn hyphens_inside_words_and_colons_that_are_not_fields() {
        assert_eq!(parse("Kremlin-aligned").unwrap(), word("Kremlin-aligned"));
        assert_eq!(parse("10:30").unwrap(), word("10:30"));
        assert_eq!(parse("Update: talks").unwrap(), Node::And(vec![word("Update:"), word("talks")]));
    }

    #[test]
    fn grouped_fields() {
        let q = parse("title:(Kyiv OR Kiev)").unwrap();
        let title = |t: &str| Node::Word {
            field: Some(FieldName::Title),
            text: t.into(),
            prefix: false,
            fuzzy: None,
        };
        assert_eq!(q, Node::Or(vec![title("Kyiv"), title("Kiev")]));
    }

    #[test]
    fn a_field_without_a_value_a_star_in_quotes_and_a_huge_slop_are_errors() {
        assert_eq!(
            err("oil title:").1,
            "`title:` needs a value right after the colon, like title:kyiv or title:\"peace talks\""
        );
        assert_eq!(err("tag: oil").0, 1);
        assert_eq!(err("(tag:)").0, 2);
        let (column, message) = err("\"oil pri*\"");
        assert_eq!(column, 1);
        assert!(message.starts_with("`pri*` inside quotes"), "{message}");
        assert!(message.ends_with("(end the quotes before it: \"oil\" pri*)"), "{message}");
        assert_eq!(
            err("\"a b\"~99999999999").1,
            "`~99999999999`: a phrase's words may be at most 10000 words apart"
        );
        assert_eq!(
            parse("\"a b\"~10000").unwrap(),
            Node::Phrase { field: None, text: "a b".into(), slop: 10_000 }
        );
        // "Update:" is no field name, and a field's value may follow at once.
        assert!(parse("Update: talks").is_ok());
    }

    #[test]
    fn sixty_four_levels_of_nesting_are_allowed() {
        let nested = |n: usize| format!("{}kyiv{}", "(".repeat(n), ")".repeat(n));
        assert_eq!(parse(&nested(MAX_DEPTH)).unwrap(), word("kyiv"));
        assert!(err(&nested(MAX_DEPTH + 1)).1.contains("nested too deeply"));
        let signs = |n: usize| format!("{}kyiv", "+".repeat(n));
        assert_eq!(parse(&signs(MAX_DEPTH)).unwrap(), word("kyiv"));
        assert!(err(&signs(MAX_DEPTH + 1)).1.contains("nested too deeply"));
    }

    #[test]
    fn hostile_queries_are_bounded() {
        let deep = format!("{}a{}", "(".repeat(10_000), ")".repeat(10_000));
        assert!(err(&deep).1.contains("nested too deeply"));
        assert!(err(&format!("{}a", "-".repeat(10_000))).1.contains("nested too deeply"));
        let many = vec!["word"; 10_000].join(" ");
        assert!(err(&many).1.starts_with("too many words (10000;"));
        assert!(parse(&vec!["w"; MAX_TERMS].join(" ")).is_ok());
        let quotes = "\"".repeat(10_001);
        assert!(err(&quotes).1.contains("empty quotes"));
        let phrases = "\"a".repeat(10_001);
        assert!(err(&phrases).1.contains("unclosed"));
    }

    #[test]
    fn errors_say_what_and_where() {
        assert_eq!(err(r#"Kellogg "security deal"#).0, 9);
        assert!(err(r#"Kellogg "security deal"#).1.contains("unclosed"));
        assert_eq!(err("(a OR b").0, 1);
        assert_eq!(err("a OR").0, 3);
        assert_eq!(err("a )").0, 3);
        assert_eq!(err("()").0, 2);
        assert_eq!(
            err("titel:Kyiv").1,
            "unknown field `titel:` (use title:, body:, tag:, section: or source:)"
        );
        assert_eq!(err("AND a").0, 1);
        assert_eq!(parse("a -").unwrap(), Node::And(vec![word("a"), word("-")]), "a lone dash is a word");
        assert!(err("\"a b\"~x").1.contains("needs a number"));
    }

    fn fuzzy(t: &str, edits: Edits) -> Node {
        Node::Word { field: None, text: t.into(), prefix: false, fuzzy: Some(edits) }
    }

    fn boosted(node: Node, boost: f32) -> Node {
        Node::Boost { node: Box::new(node), boost }
    }

    #[test]
    fn a_tilde_after_a_word_tolerates_typos() {
        assert_eq!(parse("oil~2").unwrap(), fuzzy("oil", Edits::Exactly(2)));
        assert_eq!(parse("oil~0").unwrap(), fuzzy("oil", Edits::Exactly(0)));
        assert_eq!(parse("Zelenski~").unwrap(), fuzzy("Zelenski", Edits::Auto));
        assert_eq!(
            parse("title:kelog~1").unwrap(),
            Node::Word {
                field: Some(FieldName::Title),
                text: "kelog".into(),
                prefix: false,
                fuzzy: Some(Edits::Exactly(1))
            }
        );
        assert_eq!(err("oil~3"), (5, "`~3`: a word may be at most 2 typos off".into()));
        assert_eq!(err("oil~99999999999").0, 5);
        assert_eq!(err("a oil~x").0, 6);
        assert!(err("oil~x").1.starts_with("`~` after a word takes the number of typos"));
        assert_eq!(err("~oil").0, 1);
        assert_eq!(err("oil*~1").1, "a prefix (`*`) can't also tolerate typos (`~`)");
    }

    #[test]
    fn a_caret_weighs_words_phrases_and_groups() {
        assert_eq!(parse("oil^2").unwrap(), boosted(word("oil"), 2.0));
        assert_eq!(parse("oil^0.5 gas").unwrap(), Node::And(vec![boosted(word("oil"), 0.5), word("gas")]));
        assert_eq!(
            parse("\"peace talks\"~1^3").unwrap(),
            boosted(Node::Phrase { field: None, text: "peace talks".into(), slop: 1 }, 3.0)
        );
        assert_eq!(parse("(a OR b)^2").unwrap(), boosted(Node::Or(vec![word("a"), word("b")]), 2.0));
        assert_eq!(parse("oil~1^2").unwrap(), boosted(fuzzy("oil", Edits::Exactly(1)), 2.0));
        assert_eq!(parse("-oil^2").unwrap(), Node::Not(Box::new(boosted(word("oil"), 2.0))));
        let title = parse("title:(oil gas^2)").unwrap();
        let Node::And(parts) = title else { panic!("{title:?}") };
        assert!(
            matches!(&parts[1], Node::Boost { node, .. } if matches!(**node, Node::Word { field: Some(FieldName::Title), .. }))
        );
        for (bad, column) in [
            ("oil^", 4),
            ("oil^x", 4),
            ("oil^-1", 4),
            ("oil^1e3", 4),
            ("oil^1001", 4),
            ("^2", 1),
            ("a ^2", 3),
            ("oil^2^3", 4),
            ("\"a b\"^", 6),
            ("(a)^z", 4),
        ] {
            assert_eq!(err(bad).0, column, "{bad}");
        }
        assert_eq!(err("oil^").1, "`^` takes a weight from 0 to 1000, like oil^2 or \"peace talks\"^0.5");
    }

    #[test]
    fn stars_quotes_and_fields_that_would_search_for_something_else_are_errors() {
        assert_eq!(parse("*").unwrap(), Node::All);
        assert_eq!(err("*oil").0, 1);
        assert_eq!(
            err("o*l").1,
            "`*` only ends a word, as a prefix like Zel*: it stands for no letters inside one"
        );
        assert_eq!(err("oil**").0, 4);
        assert_eq!(err("tag:*").0, 5);
        assert_eq!(err("*~1").0, 1);
        assert_eq!(err("a \"\"").1, "empty quotes: put the words of a phrase between them");
        assert_eq!(err("title:\"  \"").0, 7);
        assert_eq!(err("oil section:").0, 5);
    }
}
