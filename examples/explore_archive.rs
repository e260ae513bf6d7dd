//! # Exploring an archive: facets, a timeline, related articles, reweighting and copies
//!
//! Beyond "find this article", news readers ask what else, when, and how much. This program
//! indexes the articles shipped in `examples/articles` (or the folder given as first
//! argument) into a temporary folder and asks those questions through the library.
//!
//! Run it with `cargo run -p examples --example explore_archive [FOLDER]`.

use std::path::PathBuf;

use newsearch::{Index, IndexOptions, Query, UpdateOptions, parse_span};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let folder = std::env::args_os()
        .nth(1)
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("articles"));
    let scratch = std::env::temp_dir().join(format!("newsearch-explore-{}", std::process::id()));
    let index = Index::open_or_create(&scratch, &IndexOptions::new())?;
    index.update(&[&folder], &UpdateOptions::new(), &mut |_| {})?;

    // ## How much, and when
    //
    // Facets count every match, not only the page: here the page is empty and only the
    // counts come back.
    let results = index.search(&Query::new("Ukraine").limit(0).facets(true))?;
    let facets = results.facets.expect("asked for");
    println!("{} articles mention Ukraine", results.total);
    let tags: Vec<String> = facets.tags.iter().map(|t| format!("{} ({})", t.value, t.count)).collect();
    println!("  top tags: {}", tags.join(", "));
    let timeline = &facets.timeline;
    for bucket in &timeline.buckets {
        let bar = "#".repeat(bucket.count);
        println!("  {:<10} {bar} {}", timeline.granularity.label(bucket.start), bucket.count);
    }

    // ## Fresh and popular first, and why
    //
    // Recency and popularity multiply the relevance score by 1 to 2; the explanation shows
    // each part of the score.
    let query = Query::new("Kellogg").recent(parse_span("30d")?).popular(true).explain(true).limit(1);
    if let Some(hit) = index.search(&query)?.hits.first() {
        let e = hit.explanation.as_ref().expect("asked for");
        println!("\nbest fresh, popular match for Kellogg: {}", hit.article.title);
        println!(
            "  score {:.2} = text {:.2} × recency {:.2} × popularity {:.2}",
            e.score,
            e.text_score,
            e.recency.unwrap_or(1.0),
            e.popularity.unwrap_or(1.0)
        );
        for part in &e.parts {
            println!("    {:<6} {:<10} {:.2}", part.field, part.text, part.score);
        }

        // ## What else
        //
        // Related articles share the story's telling words; the article itself and its
        // near-identical copies are left out.
        println!("\nrelated to it:");
        for related in index.related(&hit.article.id, &Query::all().limit(3))?.hits {
            println!("  {}", related.article.title);
        }
    }

    // Copies of one story (syndication) show once when collapsed.
    let collapsed = index.search(&Query::new("Zelensky").collapse(true))?;
    for hit in collapsed.hits.iter().filter(|h| !h.similar.is_empty()) {
        println!("\n{} (+{} similar)", hit.article.title, hit.similar.len());
    }

    drop(index);
    std::fs::remove_dir_all(&scratch)?;
    Ok(())
}
