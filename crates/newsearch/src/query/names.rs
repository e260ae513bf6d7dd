//! Names a query may write in more than one way: an acronym typed letter by letter (`U S`,
//! `J P Morgan`), and the names of [`NAMES`], written in full or by their initials. Each
//! becomes one [`Node::Same`]: found in any of its ways, scored by the best one, counted as one
//! word. Articles that write such a name in full are indexed with its initials too, so its
//! initials are the one term that finds both ways of writing it.
//!
//! A full name in quotes (`"United Nations"`) is only that phrase; initials, quoted or not, find
//! the full name too, since the index holds them for it.

use super::syntax::Node;
use crate::analyzer::{NAMES, without_possessive};

fn plain(text: &str) -> Node {
    Node::Word { field: None, text: text.to_owned(), prefix: false, fuzzy: None }
}

fn phrase(text: &str) -> Node {
    Node::Phrase { field: None, text: text.to_owned(), slop: 0 }
}

/// A plain word: no field, no prefix, no typo tolerance.
fn plain_text(node: &Node) -> Option<&str> {
    match node {
        Node::Word { field: None, text, prefix: false, fuzzy: None } => Some(text),
        _ => None,
    }
}

/// A plain word of one letter.
fn letter(node: &Node) -> Option<&str> {
    let text = plain_text(node)?;
    let mut chars = text.chars();
    matches!((chars.next(), chars.next()), (Some(c), None) if c.is_alphabetic()).then_some(text)
}

/// Letters typed apart: joined (as `U.S.` is indexed, and as the initials of a name written in
/// full are) or apart as typed.
fn letters_ways(letters: &[&str]) -> Node {
    Node::Same(vec![plain(&letters.concat()), phrase(&letters.join(" "))])
}

/// How many of `parts`' first words spell a full name of [`NAMES`], and its initials.
fn full_name_at(parts: &[Node]) -> Option<(usize, &'static str)> {
    NAMES.iter().find_map(|&(initials, full)| {
        let n = full.len();
        let typed = parts.get(..n)?;
        let same = full.iter().zip(typed).enumerate().all(|(k, (want, node))| {
            // The last word may be possessive: `Soviet Union's`.
            let bare = |t| if k + 1 == n { without_possessive(t) } else { t };
            plain_text(node).is_some_and(|t| bare(t).eq_ignore_ascii_case(want))
        });
        same.then_some((n, initials))
    })
}

/// Rewrites every run of words that names one thing into a [`Node::Same`].
pub(crate) fn join_names(node: Node) -> Node {
    match node {
        Node::And(parts) => {
            let parts: Vec<Node> = parts.into_iter().map(join_names).collect();
            let mut out = Vec::with_capacity(parts.len());
            let mut i = 0;
            while i < parts.len() {
                let letters = parts[i..].iter().map_while(letter).collect::<Vec<_>>();
                if letters.len() >= 2 {
                    out.push(letters_ways(&letters));
                    i += letters.len();
                } else if let Some((n, initials)) = full_name_at(&parts[i..]) {
                    // The words as typed stay words: `Soviet` alone still counts in a long query.
                    out.push(Node::Same(vec![Node::And(parts[i..i + n].to_vec()), plain(initials)]));
                    i += n;
                } else {
                    out.push(parts[i].clone());
                    i += 1;
                }
            }
            Node::And(out)
        }
        Node::Or(parts) => Node::Or(parts.into_iter().map(join_names).collect()),
        Node::Not(inner) => Node::Not(Box::new(join_names(*inner))),
        Node::Boost { node, boost } => Node::Boost { node: Box::new(join_names(*node)), boost },
        leaf => leaf,
    }
}

#[cfg(test)]
mod tests {
    use super::super::syntax::{FieldName, parse};
    use super::*;

    fn words(w: &[&str]) -> Node {
        Node::And(w.iter().map(|w| plain(w)).collect())
    }

    #[test]
    fn letters_typed_apart_are_one_word() {
        let letters = |joined: &str, apart: &str| Node::Same(vec![plain(joined), phrase(apart)]);
        assert_eq!(parse("J P Morgan").unwrap(), Node::And(vec![letters("JP", "J P"), plain("Morgan")]));
        assert_eq!(parse("U S policy").unwrap(), Node::And(vec![letters("US", "U S"), plain("policy")]));
        // One letter alone, a fielded or prefixed letter, a digit: left as they are.
        assert_eq!(parse("John F Kennedy").unwrap(), words(&["John", "F", "Kennedy"]));
        assert_eq!(parse("G 7").unwrap(), words(&["G", "7"]));
        let title_u =
            Node::Word { field: Some(FieldName::Title), text: "U".into(), prefix: false, fuzzy: None };
        assert_eq!(parse("title:U S").unwrap(), Node::And(vec![title_u, plain("S")]));
        // Inside groups, alternatives and exclusions too.
        assert_eq!(parse("-(x y)").unwrap(), Node::Not(Box::new(Node::And(vec![letters("xy", "x y")]))));
        assert_eq!(
            parse("oil OR u n").unwrap(),
            Node::Or(vec![plain("oil"), Node::And(vec![letters("un", "u n")])])
        );
    }

    #[test]
    fn a_name_written_in_full_is_also_its_initials() {
        let un = |typed: Node| Node::Same(vec![typed, plain("un")]);
        assert_eq!(
            parse("united nations payments").unwrap(),
            Node::And(vec![un(words(&["united", "nations"])), plain("payments")])
        );
        assert_eq!(
            parse("Federal Bureau of Investigation files").unwrap(),
            Node::And(vec![
                Node::Same(vec![words(&["Federal", "Bureau", "of", "Investigation"]), plain("fbi")]),
                plain("files")
            ])
        );
        // The last word may be possessive.
        assert_eq!(
            parse("SOVIET UNION'S signing").unwrap(),
            Node::And(vec![Node::Same(vec![words(&["SOVIET", "UNION'S"]), plain("ussr")]), plain("signing")])
        );
        // Initials are one word already: the index holds them for the full name too.
        assert_eq!(parse("U.N.").unwrap(), plain("U.N."));
        // Part of a name, a quoted name, a fielded word: exactly as typed.
        assert_eq!(parse("United Airlines").unwrap(), words(&["United", "Airlines"]));
        assert_eq!(parse("\"United Nations\"").unwrap(), phrase("United Nations"));
        assert_eq!(
            parse("title:United Nations").unwrap(),
            Node::And(vec![
                Node::Word {
                    field: Some(FieldName::Title),
                    text: "United".into(),
                    prefix: false,
                    fuzzy: None
                },
                plain("Nations")
            ])
        );
    }
}
