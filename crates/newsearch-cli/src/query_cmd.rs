//! `newsearch query`: search, or list with filters; `newsearch related`: articles like one.

use std::io::{self, BufWriter, IsTerminal, Write};

use anyhow::Result;
use newsearch::{ArticleId, Index, SearchResults};
use serde_json::json;

use crate::args::{QueryArgs, RelatedArgs};
use crate::explore;
use crate::print::{Style, print_hit};

/// Exit status when the query matched nothing.
const EXIT_NO_MATCH: u8 = 1;

/// What to print besides the hits.
#[derive(Default)]
struct Extras {
    facets: bool,
    timeline: bool,
}

pub(crate) fn run(args: &QueryArgs) -> Result<u8> {
    let index = Index::open(&args.location.dir)?;
    let results = index.search(&args.to_query())?;
    let extras = Extras { facets: args.facets, timeline: args.timeline };
    print_results(&results, args.filters.offset, args.json, &extras)
}

pub(crate) fn run_related(args: &RelatedArgs) -> Result<u8> {
    let index = Index::open(&args.location.dir)?;
    let query = args.filters.apply(newsearch::Query::all());
    let results = index.related(&ArticleId::new(args.id.as_str()), &query)?;
    print_results(&results, args.filters.offset, args.json, &Extras::default())
}

fn print_results(results: &SearchResults, offset: usize, as_json: bool, extras: &Extras) -> Result<u8> {
    let stdout = io::stdout();
    let style = Style::detect(stdout.is_terminal());
    let mut out = BufWriter::new(stdout.lock());
    let cwd = std::env::current_dir().ok();
    for (i, hit) in results.hits.iter().enumerate() {
        let rank = offset.saturating_add(i + 1);
        if as_json {
            let a = &hit.article;
            let mut row = json!({
                "rank": rank,
                "score": hit.score,
                "id": a.id,
                "path": a.path,
                "title": a.title,
                "section": a.section,
                "date": a.date.map(crate::print::rfc3339),
                "tags": a.tags,
                "views": a.views,
                "snippet": hit.snippet.text,
                "highlights": hit.snippet.highlights.iter().map(|r| [r.start, r.end]).collect::<Vec<_>>(),
            });
            if let Some(e) = &hit.explanation {
                row["explanation"] = explore::explanation_json(e);
            }
            if !hit.similar.is_empty() {
                row["similar"] = json!(hit.similar);
            }
            serde_json::to_writer(&mut out, &row)?;
            out.write_all(b"\n")?;
        } else {
            print_hit(&mut out, rank, hit, &style, cwd.as_deref())?;
            if !hit.similar.is_empty() {
                let n = hit.similar.len();
                writeln!(out, "     +{n} similar: {}\n", crate::print::clean(&ids(&hit.similar)))?;
            }
            if let Some(e) = &hit.explanation {
                explore::print_explanation(&mut out, e)?;
            }
        }
    }
    if let (true, Some(facets)) = (as_json, &results.facets) {
        serde_json::to_writer(&mut out, &json!({ "facets": explore::facets_json(facets) }))?;
        out.write_all(b"\n")?;
    }
    let shown = results.hits.len();
    let count = match (results.total, shown) {
        (1, _) => "1 match".to_owned(),
        (total, 0) => format!("{total} matches"),
        (total, _) if shown == total => format!("{total} matches"),
        (total, _) => {
            format!("{total} matches, showing {}–{}", offset.saturating_add(1), offset.saturating_add(shown))
        }
    };
    // Matches exist but the page starts after the last one: say so instead of an empty page
    // that reads like success.
    let past_the_end = shown == 0 && results.total > 0 && offset >= results.total;
    let count = if past_the_end { format!("{count}; --offset {offset} is past the last one") } else { count };
    if as_json {
        out.flush()?;
        crate::print::say(&count);
    } else {
        writeln!(out, "{count}")?;
        if let Some(facets) = &results.facets {
            writeln!(out)?;
            if extras.facets {
                explore::print_facets(&mut out, facets, !extras.timeline)?;
            }
            if extras.timeline {
                if extras.facets {
                    writeln!(out)?;
                }
                explore::print_timeline(&mut out, &facets.timeline, crate::print::output_width())?;
            }
        }
        out.flush()?;
    }
    Ok(if results.total == 0 || past_the_end { EXIT_NO_MATCH } else { crate::EXIT_OK })
}

/// "a.txt, b.txt" (the first five, then "…").
fn ids(ids: &[ArticleId]) -> String {
    let mut shown: Vec<&str> = ids.iter().take(5).map(ArticleId::as_str).collect();
    if ids.len() > 5 {
        shown.push("…");
    }
    shown.join(", ")
}
