//! JSON Lines for scripts: one object per line. Every value is the library type itself,
//! serialized as the library defines it ([`Article`], [`Hit`], [`Facets`], [`IndexStats`],
//! [`UpdateReport`], [`Collision`]), so this output and any other front end on the library
//! agree on shapes. The few keys added here say where a value sits in this output: a hit's
//! `rank` in the page, the `index` folder a summary is about, and the key naming what each line
//! of `index --json` is (`skipped`, `collision`, `summary`); and on the last hit of a page
//! with more after it, `next`, the cursor of the next page.

use std::io::{self, Write};

use newsearch::{Article, Collision, Cursor, Facets, Hit, IndexStats, SearchResults, UpdateReport};
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

/// A hit with its rank over all matches (or from the cursor); the page's last hit also carries
/// `next`, the cursor of the next page, when more hits follow.
#[derive(Serialize)]
struct Ranked<'a> {
    rank: usize,
    #[serde(flatten)]
    hit: &'a Hit,
    #[serde(skip_serializing_if = "Option::is_none")]
    next: Option<&'a Cursor>,
}

/// `query --json` and `related --json`: a line per hit, then `{"facets": …}` if they were asked
/// for. The last hit's line has `next` when more hits follow the page: a field of the hits'
/// shape, so that scripts reading every line as a hit keep working.
pub(crate) fn search_results(out: &mut impl Write, results: &SearchResults, page: Page) -> io::Result<()> {
    let last = results.hits.len().saturating_sub(1);
    for (i, hit) in results.hits.iter().enumerate() {
        let next = results.next.as_ref().filter(|_| i == last);
        line(out, &Ranked { rank: page.rank(i), hit, next })?;
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
