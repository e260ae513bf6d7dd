//! `newsearch query`: search, or list with filters; `newsearch related`: articles like one.

use std::io::{self, BufWriter, IsTerminal, Write};

use anyhow::Result;
use newsearch::{ArticleId, Index, SearchResults};
use serde_json::json;

use crate::args::{FilterArgs, QueryArgs, RelatedArgs};
use crate::explore;
use crate::print::{Style, count, print_hit, thousands};

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
    print_results(&results, Page::of(&args.filters), args.json, &extras)
}

pub(crate) fn run_related(args: &RelatedArgs) -> Result<u8> {
    let dir = &args.location.dir;
    let index = Index::open(dir)?;
    let query = args.filters.apply(newsearch::Query::all());
    let id = match crate::show_cmd::find(&index, &args.id)?.as_slice() {
        [article] => article.id.clone(),
        [] => anyhow::bail!("no article with id or path {:?} in {}", args.id, dir.display()),
        several => anyhow::bail!(
            "{} holds {}; name one by its id: {}",
            args.id,
            count(several.len(), "article"),
            ids(&several.iter().map(|a| a.id.clone()).collect::<Vec<_>>())
        ),
    };
    let results = index.related(&id, &query)?;
    print_results(&results, Page::of(&args.filters), args.json, &Extras::default())
}

/// Which part of the matches was asked for.
#[derive(Clone, Copy)]
struct Page {
    offset: usize,
    limit: usize,
}

impl Page {
    fn of(filters: &FilterArgs) -> Page {
        Page { offset: filters.offset, limit: filters.limit }
    }
}

fn print_results(results: &SearchResults, page: Page, as_json: bool, extras: &Extras) -> Result<u8> {
    let stdout = io::stdout();
    let style = Style::detect(stdout.is_terminal());
    let mut out = BufWriter::new(stdout.lock());
    let cwd = std::env::current_dir().ok();
    let width = crate::print::output_width();
    for (i, hit) in results.hits.iter().enumerate() {
        let rank = page.offset.saturating_add(i + 1);
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
            print_hit(&mut out, rank, hit, &style, cwd.as_deref(), width)?;
            if !hit.similar.is_empty() {
                let n = thousands(hit.similar.len() as u64);
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
    let count = count_line(results.total, results.hits.len(), page, results.relaxed);
    if as_json {
        out.flush()?;
        crate::print::say(&count);
    } else {
        writeln!(out, "{count}")?;
        if let Some(facets) = &results.facets {
            writeln!(out)?;
            if extras.facets {
                explore::print_facets(&mut out, facets, !extras.timeline, width)?;
            }
            if extras.timeline {
                if extras.facets {
                    writeln!(out)?;
                }
                explore::print_timeline(&mut out, &facets.timeline, width)?;
            }
        }
        out.flush()?;
    }
    // The status follows the matches, not the page: `-n 0` (counts only) and a page past the
    // end still found something.
    Ok(if results.total == 0 { EXIT_NO_MATCH } else { crate::EXIT_OK })
}

/// The closing line: how many matched and which of them the page showed, or why it showed none.
/// `relaxed`: no article had every word, and these have some of them.
fn count_line(total: usize, shown: usize, page: Page, relaxed: bool) -> String {
    let matches = if relaxed {
        format!("no article has every word; {} with some of them", count(total, "match"))
    } else {
        count(total, "match")
    };
    let n = |n: usize| thousands(n as u64);
    if shown == 0 && total > 0 && page.limit > 0 {
        format!("{matches}, none at offset {}", n(page.offset))
    } else if shown == 0 || shown == total {
        matches
    } else {
        format!("{matches}, showing {}–{}", n(page.offset + 1), n(page.offset + shown))
    }
}

/// "a.txt, b.txt" (the first five, then "…").
fn ids(ids: &[ArticleId]) -> String {
    let mut shown: Vec<&str> = ids.iter().take(5).map(ArticleId::as_str).collect();
    if ids.len() > 5 {
        shown.push("…");
    }
    shown.join(", ")
}
