//! `newsearch query`: search, or list with filters.

use std::io::{self, BufWriter, IsTerminal, Write};

use anyhow::Result;
use newsearch::Index;
use serde_json::json;

use crate::args::QueryArgs;
use crate::print::{Style, print_hit};

/// Exit status when the query matched nothing.
const EXIT_NO_MATCH: u8 = 1;

pub(crate) fn run(args: &QueryArgs) -> Result<u8> {
    let index = Index::open(&args.location.dir)?;
    let query = args.to_query();
    let results = index.search(&query)?;
    let stdout = io::stdout();
    let style = Style::detect(stdout.is_terminal());
    let mut out = BufWriter::new(stdout.lock());
    let cwd = std::env::current_dir().ok();
    for (i, hit) in results.hits.iter().enumerate() {
        let rank = args.offset + i + 1;
        if args.json {
            let a = &hit.article;
            let row = json!({
                "rank": rank,
                "score": hit.score,
                "id": a.id,
                "path": a.path,
                "title": a.title,
                "section": a.section,
                "date": a.date.map(|d| d.to_rfc3339_opts(chrono::SecondsFormat::AutoSi, true)),
                "tags": a.tags,
                "views": a.views,
                "snippet": hit.snippet.text,
                "highlights": hit.snippet.highlights.iter().map(|r| [r.start, r.end]).collect::<Vec<_>>(),
            });
            serde_json::to_writer(&mut out, &row)?;
            out.write_all(b"\n")?;
        } else {
            print_hit(&mut out, rank, hit, &style, cwd.as_deref())?;
        }
    }
    let shown = results.hits.len();
    let count = match (results.total, shown) {
        (1, _) => "1 match".to_owned(),
        (total, 0) => format!("{total} matches"),
        (total, _) if shown == total => format!("{total} matches"),
        (total, _) => format!("{total} matches, showing {}–{}", args.offset + 1, args.offset + shown),
    };
    if args.json {
        out.flush()?;
        crate::print::say(&count);
    } else {
        writeln!(out, "{count}")?;
        out.flush()?;
    }
    Ok(if results.total == 0 { EXIT_NO_MATCH } else { crate::EXIT_OK })
}
