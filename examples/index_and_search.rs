//! # Embedding newsearch: index a folder, then search it
//!
//! A news application usually wants three things from a search library: keep an index in
//! step with a folder of articles, answer ranked queries with filters, and show why each
//! result matched. This program does all three on the articles shipped in
//! `examples/articles` (or the folder given as first argument), with the index in a
//! temporary folder.
//!
//! Run it with `cargo run -p examples --example index_and_search [FOLDER]`.

use std::path::PathBuf;

use newsearch::{Index, IndexOptions, Period, Query, Sort, UpdateEvent, UpdateOptions};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let folder = std::env::args_os()
        .nth(1)
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("articles"));
    let scratch = std::env::temp_dir().join(format!("newsearch-example-{}", std::process::id()));

    // ## Indexing
    //
    // `update` is incremental: run it again and unchanged files are skipped, changed ones
    // replaced, deleted ones removed. Problems arrive as events while it runs; one bad file
    // never stops the run.
    let index = Index::open_or_create(&scratch, &IndexOptions::new())?;
    let report = index.update(&[&folder], &UpdateOptions::new(), &mut |event| match event {
        UpdateEvent::Error(e) => eprintln!("skipped: {e}"),
        UpdateEvent::Warning(w) => eprintln!("warning: {w}"),
        _ => {}
    })?;
    println!(
        "indexed {} articles from {} files in {:?}",
        report.articles_indexed, report.added, report.elapsed
    );

    // ## A ranked query with filters
    //
    // Two words: both must match (a query of four words or more would rank by any of them);
    // the tag filter is case-insensitive and does not change scores.
    let since = "2025-02".parse::<Period>()?.start();
    let results = index.search(&Query::new("Zelensky Kellogg").tag("ukraine").since(since))?;
    println!("\n{} match(es) for \"Zelensky Kellogg\" tagged Ukraine since February 2025:", results.total);
    for hit in &results.hits {
        println!("  {:.2}  {}", hit.score.unwrap_or_default(), hit.article.title);
        // The snippet knows which words matched: mark them however your UI likes.
        println!("        {}", hit.snippet.marked("**", "**"));
    }

    // ## Listing without text
    //
    // An empty query matches everything the filters let through, newest first unless a
    // sort is given.
    let popular = index.search(&Query::all().sort(Sort::Views).limit(3))?;
    println!("\nmost viewed:");
    for hit in &popular.hits {
        println!("  {:>6} views  {}", hit.article.views.unwrap_or_default(), hit.article.title);
    }

    drop(index);
    std::fs::remove_dir_all(&scratch)?;
    Ok(())
}
