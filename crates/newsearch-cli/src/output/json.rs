//! JSON Lines for scripts: one object per line. Every value is the library type itself,
//! serialized as the library defines it ([`Article`], [`RankedHit`], [`Facets`],
//! [`IndexStats`], [`UpdateReport`], [`Collision`]), so this output and any other front end on
//! the library (the HTTP API of `newsearch serve`) agree on shapes: a hit's `rank`, and `next`
//! on the last hit of a page with more after it, are [`RankedHit`]'s. The few keys added here
//! say where a value sits in this output: the `index` folder a summary is about, and the key
//! naming what each line of `index --json` is (`skipped`, `collision`, `summary`).
//!
//! [`RankedHit`]: newsearch::RankedHit

use std::io::{self, Write};

use newsearch::{Article, Collision, Facets, IndexStats, SearchResults, UpdateReport};
use serde::Serialize;

use super::Page;

/// `value` as one line of JSON.
pub(crate) fn line(out: &mut impl Write, value: &impl Serialize) -> io::Result<()> {
    serde_json::to_writer(&mut *out, value)?;
    out.write_all(b"\n")
}

/// `show --json` and `parse --json`: the article with every field.
pub(crate) fn article(out: &mut impl Write, article: &Article) -> io::Result<()> {
    line(out, article)
}

/// `query --json` and `related --json`: a line per hit, then `{"facets": …}` if they were asked
/// for. The last hit's line has `next` when more hits follow the page: a field of the hits'
/// shape, so that scripts reading every line as a hit keep working.
pub(crate) fn search_results(out: &mut impl Write, results: &SearchResults, page: Page) -> io::Result<()> {
    for hit in results.ranked(page.offset) {
        line(out, &hit)?;
    }
    if let Some(facets) = &results.facets {
        #[derive(Serialize)]
        struct FacetsLine<'a> {
            facets: &'a Facets,
        }
        line(out, &FacetsLine { facets })?;
    }
    Ok(())
}

/// A value with the index folder it is about, as `index` (the folder as given: `--index`,
/// `NEWSEARCH_INDEX` or the default).
#[derive(Serialize)]
struct InIndex<'a, T> {
    index: &'a str,
    #[serde(flatten)]
    value: &'a T,
}

/// `stats --json`: one object.
pub(crate) fn stats(out: &mut impl Write, stats: &IndexStats, index: &str) -> io::Result<()> {
    line(out, &InIndex { index, value: stats })
}

/// `index --json`: a `{"skipped": PATH, "reason": …}` line per skipped path, a `{"collision":
/// …}` line per article left out for its id, then `{"summary": …}`.
pub(crate) fn update_report(out: &mut impl Write, report: &UpdateReport, index: &str) -> io::Result<()> {
    for skipped in &report.skipped {
        // `Skipped` serializes as `{"path", "reason"}` (the `skipped_paths` of the summary);
        // here the path goes under `skipped`, so each line says what it is.
        #[derive(Serialize)]
        struct SkippedLine {
            skipped: String,
            reason: String,
        }
        let path = skipped.path.to_string_lossy().into_owned();
        line(out, &SkippedLine { skipped: path, reason: skipped.reason.to_string() })?;
    }
    for collision in &report.collisions {
        #[derive(Serialize)]
        struct CollisionLine<'a> {
            collision: &'a Collision,
        }
        line(out, &CollisionLine { collision })?;
    }
    #[derive(Serialize)]
    struct SummaryLine<'a> {
        summary: InIndex<'a, UpdateReport>,
    }
    line(out, &SummaryLine { summary: InIndex { index, value: report } })
}

/// One batch applied by `index --watch`: `{"batch": {"changed", "rescan", "added", "updated",
/// "removed", "unchanged", "failed", "articles_total", "elapsed_s"}}`.
pub(crate) fn watch_batch(
    out: &mut impl Write,
    report: &UpdateReport,
    changed: usize,
    rescan: bool,
) -> io::Result<()> {
    let batch = serde_json::json!({
        "batch": {
            "changed": changed,
            "rescan": rescan,
            "added": report.added,
            "updated": report.updated,
            "removed": report.removed,
            "unchanged": report.unchanged,
            "failed": report.failed,
            "articles_total": report.articles_total,
            "elapsed_s": report.elapsed.as_secs_f64(),
        }
    });
    line(out, &batch)
}
