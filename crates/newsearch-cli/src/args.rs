//! Command-line arguments. Flags become library values here and nowhere else.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};
use newsearch::{Format, ParseOptions, WalkOptions};

const EXIT_CODES: &str = "Exit status: 0 on success, 2 if any file or record could not be read \
(each problem is printed to stderr as `newsearch: PATH: problem`).";

/// Full-text search for folders of news articles.
#[derive(Debug, Parser)]
#[command(name = "newsearch", version, about, max_term_width = 100)]
pub(crate) struct Cli {
    #[command(subcommand)]
    pub(crate) command: Command,
}

#[derive(Debug, Subcommand)]
pub(crate) enum Command {
    /// Parse article files or folders and print what was read, without indexing.
    #[command(after_help = EXIT_CODES)]
    Parse(ParseArgs),
}

#[derive(Debug, Args)]
pub(crate) struct ParseArgs {
    /// Files or folders to read (folders recursively; hidden entries are skipped).
    #[arg(required = true, value_name = "PATH")]
    pub(crate) paths: Vec<PathBuf>,

    /// Print one JSON object per article, one per line (JSON Lines).
    #[arg(long)]
    pub(crate) json: bool,

    #[command(flatten)]
    pub(crate) input: InputArgs,
}

/// How input files are found and read; shared by every command that reads articles.
#[derive(Debug, Args)]
pub(crate) struct InputArgs {
    /// Read every file as this format instead of choosing by extension: txt, json, jsonl, md.
    #[arg(long, value_name = "FORMAT", value_parser = parse_format)]
    pub(crate) format: Option<Format>,

    /// Follow symbolic links to files and folders.
    #[arg(long)]
    pub(crate) follow_symlinks: bool,

    /// Refuse files larger than this (bytes, or with a K, M or G suffix: 64M).
    #[arg(long, value_name = "SIZE", default_value = "64M", value_parser = parse_size)]
    pub(crate) max_file_size: u64,
}

impl InputArgs {
    pub(crate) fn walk_options(&self) -> WalkOptions {
        WalkOptions::new().follow_symlinks(self.follow_symlinks).format(self.format)
    }

    pub(crate) fn parse_options(&self) -> ParseOptions {
        ParseOptions::new().max_file_size(self.max_file_size)
    }
}

fn parse_format(text: &str) -> Result<Format, String> {
    text.parse().map_err(|e: newsearch::Error| e.to_string())
}

/// `1000`, `64K`, `64M`, `1G`, `64MiB`, `64MB` (binary multiples).
fn parse_size(text: &str) -> Result<u64, String> {
    let t = text.trim();
    let split = t.find(|c: char| !c.is_ascii_digit()).unwrap_or(t.len());
    let (digits, unit) = t.split_at(split);
    let n: u64 = digits.parse().map_err(|_| format!("{text:?} is not a size (e.g. 1000, 512K, 64M, 1G)"))?;
    let shift = match unit.trim().to_ascii_uppercase().as_str() {
        "" | "B" => 0,
        "K" | "KB" | "KIB" => 10,
        "M" | "MB" | "MIB" => 20,
        "G" | "GB" | "GIB" => 30,
        _ => return Err(format!("{text:?} has an unknown unit (use K, M or G)")),
    };
    n.checked_mul(1 << shift).ok_or_else(|| format!("{text:?} is too large"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes() {
        assert_eq!(parse_size("1000"), Ok(1000));
        assert_eq!(parse_size("64M"), Ok(64 << 20));
        assert_eq!(parse_size("2KiB"), Ok(2048));
        assert!(parse_size("12X").is_err());
        assert!(parse_size("M").is_err());
    }

    #[test]
    fn cli_definition_is_consistent() {
        use clap::CommandFactory;
        Cli::command().debug_assert();
    }
}
