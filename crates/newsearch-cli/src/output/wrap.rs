//! Laying text out in the columns a terminal has: word wrapping by display width (a CJK
//! character takes two columns, a combining accent none) with a hanging indent, so a long line
//! never breaks mid-word at the terminal's edge. Text may carry a mark per character (a
//! snippet's highlights) that survives the wrapping, so colour codes never count as columns.

use unicode_width::UnicodeWidthChar;

/// A character of the text and its mark.
pub(crate) type Cell<M> = (char, M);

/// `text`'s words in lines at most `width` columns wide; a word wider than a line is cut.
pub(crate) fn wrap(text: &str, width: usize) -> Vec<String> {
    let cells: Vec<Cell<()>> = text.chars().map(|c| (c, ())).collect();
    lines(&cells, width, width).iter().map(|line| plain(line)).collect()
}

/// `head` then `cells`' words, in lines of at most `width` columns; lines after the first start
/// with `indent` spaces (fewer on a narrow terminal, so some text always fits). `render` turns
/// each line's cells into what is printed (painting them, say); head and indent stay unpainted.
pub(crate) fn hanging<M: Copy>(
    head: &str,
    cells: &[Cell<M>],
    indent: usize,
    width: usize,
    render: impl Fn(&[Cell<M>]) -> String,
) -> Vec<String> {
    let indent = indent.min(width / 3);
    let head_width: usize = head.chars().map(|c| c.width().unwrap_or(0)).sum();
    let first = width.saturating_sub(head_width);
    let laid = lines(cells, first, width - indent);
    if laid.is_empty() {
        return vec![head.trim_end().to_owned()];
    }
    let pad = " ".repeat(indent);
    laid.iter()
        .enumerate()
        .map(|(i, line)| match i {
            0 if line.is_empty() => head.trim_end().to_owned(),
            0 => format!("{head}{}", render(line)),
            _ => format!("{pad}{}", render(line)),
        })
        .collect()
}

/// The characters of `cells`.
pub(crate) fn plain<M>(cells: &[Cell<M>]) -> String {
    cells.iter().map(|(c, _)| *c).collect()
}

/// Runs of equally marked cells, each with its mark.
pub(crate) fn runs<M: Copy + PartialEq>(cells: &[Cell<M>]) -> Vec<(String, M)> {
    let mut out: Vec<(String, M)> = Vec::new();
    for &(c, mark) in cells {
        match out.last_mut() {
            Some((text, m)) if *m == mark => text.push(c),
            _ => out.push((c.to_string(), mark)),
        }
    }
    out
}

/// Words of `cells` (split at whitespace, joined by one space that keeps the mark of the
/// whitespace it replaces) in lines: the first `first` columns wide, the others `rest`. A word
/// wider than its line is cut, unless it fits whole on a line after a short first one.
fn lines<M: Copy>(cells: &[Cell<M>], first: usize, rest: usize) -> Vec<Vec<Cell<M>>> {
    let rest = rest.max(1);
    let mut lines = Vec::new();
    let mut line: Vec<Cell<M>> = Vec::new();
    let mut used = 0;
    let mut width = first;
    let mut i = 0;
    loop {
        let mut gap = None;
        while i < cells.len() && cells[i].0.is_whitespace() {
            gap.get_or_insert(cells[i].1);
            i += 1;
        }
        let start = i;
        while i < cells.len() && !cells[i].0.is_whitespace() {
            i += 1;
        }
        let word = &cells[start..i];
        let Some(&(_, word_mark)) = word.first() else { break };
        let word_width: usize = word.iter().map(|(c, _)| c.width().unwrap_or(0)).sum();
        if used > 0 && used + 1 + word_width <= width {
            line.push((' ', gap.unwrap_or(word_mark)));
            line.extend_from_slice(word);
            used += 1 + word_width;
            continue;
        }
        // A word that would be cut where the first line has little room starts the next line.
        let starts_next = line.is_empty() && lines.is_empty() && word_width > width && width < rest;
        if used > 0 || starts_next {
            lines.push(std::mem::take(&mut line));
            width = rest;
            used = 0;
        }
        for &(c, mark) in word {
            let w = c.width().unwrap_or(0);
            if used > 0 && used + w > width {
                lines.push(std::mem::take(&mut line));
                width = rest;
                used = 0;
            }
            line.push((c, mark));
            used += w;
        }
    }
    if !line.is_empty() {
        lines.push(line);
    }
    lines
}

#[cfg(test)]
mod tests {
    use unicode_width::UnicodeWidthStr;

    use super::*;

    #[test]
    fn wrap_fills_lines_and_cuts_only_overlong_words() {
        assert_eq!(wrap("one two three four", 9), ["one two", "three", "four"]);
        assert_eq!(wrap("  spaced\n out  ", 80), ["spaced out"]);
        assert_eq!(wrap("abcdefghij xy", 4), ["abcd", "efgh", "ij", "xy"]);
        assert!(wrap("", 10).is_empty());
        // Wide characters take two columns.
        assert_eq!(wrap("北京 上海 广州", 5), ["北京", "上海", "广州"]);
    }

    #[test]
    fn hanging_indent_and_marks_survive_wrapping() {
        let cells: Vec<Cell<bool>> = "the quick brown fox jumps".chars().map(|c| (c, c == 'o')).collect();
        let render = |line: &[Cell<bool>]| {
            runs(line).into_iter().map(|(t, m)| if m { format!("[{t}]") } else { t }).collect::<String>()
        };
        let lines = hanging("Tags: ", &cells, 6, 18, render);
        assert_eq!(lines, ["Tags: the quick", "      br[o]wn f[o]x", "      jumps"]);
        // Narrower than twice the indent: the indent shrinks, every line fits.
        for width in 10..30 {
            let lines = hanging("Top tags: ", &cells, 10, width, plain);
            for line in &lines {
                assert!(line.width() <= width, "{line:?} wider than {width}");
            }
            let words: Vec<String> = lines.join(" ").split_whitespace().map(str::to_owned).collect();
            assert!(words.join("").ends_with("jumps"), "{lines:?}");
        }
    }

    #[test]
    fn a_highlighted_phrase_keeps_its_space_highlighted() {
        let text = "a security guarantee b";
        let cells: Vec<Cell<bool>> = text.char_indices().map(|(i, c)| (c, (2..20).contains(&i))).collect();
        let line = &lines(&cells, 80, 80)[0];
        assert_eq!(
            runs(line),
            [("a ".to_owned(), false), ("security guarantee".to_owned(), true), (" b".to_owned(), false)]
        );
    }
}
