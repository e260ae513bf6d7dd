//! Options that take one value from a list (`--sort`, `--mode`, `--stemming`, `--format`).
//!
//! Each is a clap [`ValueEnum`], so that `--help`, the man pages and shell completions list every
//! value with its meaning. Most mirror a library enum (the library does not depend on clap) and
//! convert into it with `From`; values the library also accepts under another name are aliases
//! here. The tests check that each mirror and its library enum name the same values.

use clap::ValueEnum;
use newsearch::{Format, MatchMode, Sort, Stemming};

/// `--sort`: result order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum SortArg {
    /// Best match first (BM25 over title and body, title boosted)
    #[value(alias = "score")]
    Relevance,
    /// Newest first; undated articles last
    #[value(aliases = ["newest", "date:desc"])]
    Date,
    /// Oldest first; undated articles last
    #[value(aliases = ["oldest", "date:asc"])]
    DateAsc,
    /// Most viewed first; articles without a count last
    #[value(aliases = ["popular", "views:desc"])]
    Views,
    /// Least viewed first; articles without a count last
    #[value(aliases = ["least-viewed", "views:asc"])]
    ViewsAsc,
}

impl From<SortArg> for Sort {
    fn from(arg: SortArg) -> Sort {
        match arg {
            SortArg::Relevance => Sort::Relevance,
            SortArg::Date => Sort::Date,
            SortArg::DateAsc => Sort::DateAsc,
            SortArg::Views => Sort::Views,
            SortArg::ViewsAsc => Sort::ViewsAsc,
        }
    }
}

/// `--mode`: how the words of a query combine.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum ModeArg {
    /// Up to three words must all match; if none has them all (or, for three words, fewer than
    /// 10), articles with some of them follow those that have; four or more rank articles by any
    /// of them
    Auto,
    /// Every word must match
    #[value(alias = "and")]
    All,
    /// Any word may match; articles matching more words rank higher
    #[value(alias = "or")]
    Any,
}

impl From<ModeArg> for MatchMode {
    fn from(arg: ModeArg) -> MatchMode {
        match arg {
            ModeArg::Auto => MatchMode::Auto,
            ModeArg::All => MatchMode::All,
            ModeArg::Any => MatchMode::Any,
        }
    }
}

/// `--stemming`: how words are reduced to their stems.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum StemmingArg {
    /// English, the original Porter algorithm
    Porter,
    /// English, Snowball's Porter 2
    English,
    /// No stemming: words must match exactly (after lowercasing and folding accents)
    None,
    /// French (Snowball)
    French,
    /// German (Snowball)
    German,
    /// Spanish (Snowball)
    Spanish,
    /// Italian (Snowball)
    Italian,
    /// Portuguese (Snowball)
    Portuguese,
    /// Dutch (Snowball)
    Dutch,
    /// Russian (Snowball)
    Russian,
}

impl From<StemmingArg> for Stemming {
    fn from(arg: StemmingArg) -> Stemming {
        match arg {
            StemmingArg::Porter => Stemming::Porter,
            StemmingArg::English => Stemming::English,
            StemmingArg::None => Stemming::None,
            StemmingArg::French => Stemming::French,
            StemmingArg::German => Stemming::German,
            StemmingArg::Spanish => Stemming::Spanish,
            StemmingArg::Italian => Stemming::Italian,
            StemmingArg::Portuguese => Stemming::Portuguese,
            StemmingArg::Dutch => Stemming::Dutch,
            StemmingArg::Russian => Stemming::Russian,
        }
    }
}

/// `--format` of `index` and `parse`: the article file format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum FormatArg {
    /// The scraped-page layout (title, `Section | date // time| N views`, paragraphs,
    /// `Sources:`, `Tags:`), or a title and a body
    #[value(alias = "text")]
    Txt,
    /// One JSON object, or an array of them
    Json,
    /// One JSON object per line (JSON Lines)
    #[value(aliases = ["ndjson", "json-lines"])]
    Jsonl,
    /// Markdown with YAML (`---`) or TOML (`+++`) front matter
    #[value(alias = "markdown")]
    Md,
    /// A saved web page: the article's text without the site around it, and its metadata
    #[value(alias = "htm")]
    Html,
}

impl From<FormatArg> for Format {
    fn from(arg: FormatArg) -> Format {
        match arg {
            FormatArg::Txt => Format::Txt,
            FormatArg::Json => Format::Json,
            FormatArg::Jsonl => Format::JsonLines,
            FormatArg::Md => Format::Markdown,
            FormatArg::Html => Format::Html,
        }
    }
}

/// `--format` of `export`: the document format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum ExportFormatArg {
    /// One JSON object per line (for Quickwit, or any JSON Lines reader)
    Ndjson,
    /// For the Elasticsearch/OpenSearch _bulk API: an action line naming the index and the
    /// article id, then the document
    Bulk,
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Each value of `T` (and each alias) parses in the library to what `From` makes of it.
    fn agrees_with_the_library<T, L>()
    where
        T: ValueEnum + Copy + std::fmt::Debug,
        L: From<T> + std::str::FromStr<Err = newsearch::Error> + PartialEq + std::fmt::Debug,
    {
        for value in T::value_variants() {
            let possible = value.to_possible_value().unwrap();
            for name in possible.get_name_and_aliases() {
                assert_eq!(name.parse::<L>().unwrap(), L::from(*value), "{name}");
            }
        }
    }

    /// The names `T` lists, in order.
    fn names<T: ValueEnum>() -> Vec<String> {
        T::value_variants().iter().map(|v| v.to_possible_value().unwrap().get_name().to_owned()).collect()
    }

    /// The names the library lists in its error for an unknown value, sorted.
    fn library_names<L: std::str::FromStr<Err = newsearch::Error>>() -> Vec<String> {
        let message = "?".parse::<L>().err().unwrap().to_string();
        let list = message.rsplit_once('(').unwrap().1.trim_end_matches(')');
        let list = list.trim_start_matches("expected ").trim_start_matches("one of: ");
        let mut names: Vec<String> =
            list.split([',', ' ']).filter(|w| !w.is_empty() && *w != "or").map(str::to_owned).collect();
        names.sort();
        names
    }

    #[test]
    fn choices_name_every_library_value() {
        agrees_with_the_library::<SortArg, Sort>();
        agrees_with_the_library::<ModeArg, MatchMode>();
        agrees_with_the_library::<StemmingArg, Stemming>();
        agrees_with_the_library::<FormatArg, Format>();
        let sorted = |mut v: Vec<String>| {
            v.sort();
            v
        };
        assert_eq!(sorted(names::<SortArg>()), library_names::<Sort>());
        assert_eq!(sorted(names::<ModeArg>()), library_names::<MatchMode>());
        assert_eq!(sorted(names::<StemmingArg>()), library_names::<Stemming>());
        let formats: Vec<String> = Format::ALL.iter().map(Format::to_string).collect();
        assert_eq!(names::<FormatArg>(), formats, "in the library's order");
        // Each value displays as its name.
        for value in StemmingArg::value_variants() {
            assert_eq!(Stemming::from(*value).to_string(), value.to_possible_value().unwrap().get_name());
        }
    }
}
