//! # Reading an archive folder into articles
//!
//! An application that embeds newsearch usually starts by asking: what is in this folder,
//! and what could not be read? This program walks a folder (the shipped examples by
//! default, or the first argument), parses every article file on all cores, and prints one
//! line per article plus every problem, the way a user-facing tool would.
//!
//! Run it with `cargo run -p examples --example parse_folder [FOLDER]`.

use std::path::PathBuf;

use newsearch::{ParseOptions, WalkOptions, parse_files, walk};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    // ## Finding the files
    //
    // `walk` is recursive and deterministic; it skips hidden entries and index folders and
    // counts files whose extension names no article format.
    let folder = std::env::args_os()
        .nth(1)
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("articles"));
    let found = walk(&[&folder], &WalkOptions::new());
    for problem in &found.errors {
        eprintln!("cannot read: {problem}");
    }

    // ## Parsing
    //
    // `parse_files` parses in parallel but yields results in walk order. A file that fails
    // as a whole is an `Err`; a multi-record file can still yield articles alongside
    // per-record errors and warnings.
    let options = ParseOptions::new();
    let mut count = 0;
    for (file, result) in parse_files(&found.files, &options) {
        match result {
            Ok(parsed) => {
                for article in &parsed.articles {
                    count += 1;
                    let date =
                        article.date.map_or_else(|| "undated".to_owned(), |d| d.date_naive().to_string());
                    let tags: Vec<&str> = article.tags.iter().map(|t| t.as_str()).collect();
                    println!("{date}  {:<40}  [{}]  {}", article.id, tags.join(", "), article.title);
                }
                parsed.errors.iter().for_each(|e| eprintln!("skipped record: {e}"));
                parsed.warnings.iter().for_each(|w| eprintln!("warning: {w}"));
            }
            Err(e) => eprintln!("skipped {}: {e}", file.id_base),
        }
    }

    // ## Summary
    println!("{count} articles from {} files ({} ignored)", found.files.len(), found.unknown_extension);
    Ok(())
}
