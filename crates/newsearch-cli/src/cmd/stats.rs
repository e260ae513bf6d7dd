//! `newsearch stats`: what the index holds, and what the last indexing run did.

use std::io::{self, BufWriter, IsTerminal, Write};
use std::path::Path;

use anyhow::Result;
use chrono::{DateTime, Utc};
use newsearch::{Index, IndexStats, LastRun, ValueCount};
use serde_json::json;

use crate::args::StatsArgs;
use crate::index_cmd::{report_json, skip_reason, summary};
use crate::print::{Style, clean, count, rfc3339, shown_path, thousands};

/// Sections and tags listed by the human output, most used first; `--json` lists them all. A
/// real archive has hundreds of each, which would bury the rest of the summary.
const TOP_VALUES: usize = 10;

pub(crate) fn run(args: &StatsArgs) -> Result<u8> {
    let dir = &args.location.dir;
    let stats = Index::open(dir)?.stats()?;
    let stdout = io::stdout();
    let style = Style::detect(stdout.is_terminal());
    let mut out = BufWriter::new(stdout.lock());
    let index = dir.display().to_string();
    if args.json {
        serde_json::to_writer(&mut out, &to_json(&stats, &index))?;
        out.write_all(b"\n")?;
    } else {
        print_human(&mut out, &stats, &index, &style, std::env::current_dir().ok().as_deref())?;
    }
    out.flush()?;
    Ok(crate::EXIT_OK)
}

fn to_json(s: &IndexStats, index: &str) -> serde_json::Value {
    let counts = |v: &[ValueCount]| -> Vec<serde_json::Value> {
        v.iter().map(|c| json!({ "value": c.value, "count": c.count })).collect()
    };
    json!({
        "index": index,
        "articles": s.articles,
        "dated": s.dated,
        "undated": s.undated,
        "oldest": s.oldest.map(rfc3339),
        "newest": s.newest.map(rfc3339),
        "sections": counts(&s.sections),
        "without_section": s.without_section,
        "tags": counts(&s.tags),
        "untagged": s.untagged,
        "segments": s.segments,
        "size_bytes": s.size_bytes,
        "schema_version": s.schema_version,
        "stemming": s.stemming.to_string(),
        "roots": s.roots,
        "last_commit": s.last_commit.map(rfc3339),
        "last_run": s.last_run.as_ref().map(run_json),
    })
}

/// The `summary` of `newsearch index --json` for the recorded run, plus when it finished,
/// whether it rebuilt, and every skipped path with its reason.
fn run_json(run: &LastRun) -> serde_json::Value {
    let mut out = report_json(&run.report);
    out["finished"] = rfc3339(run.finished).into();
    out["rebuild"] = run.rebuild.into();
    out["error"] = run.error.clone().into();
    out["skipped_paths"] = run
        .report
        .skipped
        .iter()
        .map(|s| json!({ "path": s.path, "reason": skip_reason(&s.reason) }))
        .collect();
    out["collision_list"] = run
        .report
        .collisions
        .iter()
        .map(|c| json!({ "id": c.id.as_str(), "kept": c.kept, "dropped": c.dropped }))
        .collect();
    out
}

fn print_human(
    out: &mut impl Write,
    s: &IndexStats,
    index: &str,
    style: &Style,
    cwd: Option<&Path>,
) -> io::Result<()> {
    let size = s.size_bytes.map_or_else(String::new, |b| format!(", {}", bytes(b)));
    let head = format!(
        "{}: {} in {}{size}",
        clean(index),
        count(s.articles, "article"),
        count(s.segments, "segment")
    );
    writeln!(out, "{}", style.paint("1", &head))?;
    let time = |d: DateTime<Utc>| d.format("%Y-%m-%d %H:%M:%S UTC").to_string();
    let dates = match (s.oldest, s.newest) {
        (Some(old), Some(new)) => format!("{} to {}", old.format("%Y-%m-%d"), new.format("%Y-%m-%d")),
        _ => "none".to_owned(),
    };
    let without = |n: u64| format!("{} without", count(n, "article"));
    let roots: Vec<String> = s.roots.iter().map(|r| shown_path(r, cwd)).collect();
    let run = match &s.last_run {
        Some(run) => {
            let rebuild = if run.rebuild { "rebuild; " } else { "" };
            let failed = run.error.as_ref().map(|e| format!("FAILED ({e}) after ")).unwrap_or_default();
            format!("{}: {rebuild}{failed}{}", time(run.finished), summary(&run.report, index))
        }
        None => "unknown (no record of a `newsearch index` run in this index)".to_owned(),
    };
    let fields = [
        ("dates", format!("{dates} ({} undated)", thousands(s.undated))),
        ("sections", format!("{} ({})", thousands(s.sections.len() as u64), without(s.without_section))),
        ("tags", format!("{} ({})", thousands(s.tags.len() as u64), without(s.untagged))),
        ("stemming", format!("{} (schema version {})", s.stemming, s.schema_version)),
        ("roots", if roots.is_empty() { "none".to_owned() } else { roots.join(", ") }),
        ("last commit", s.last_commit.map_or_else(|| "unknown".to_owned(), time)),
        ("last run", run),
    ];
    for (name, value) in fields {
        writeln!(out, "  {name:<12} {}", clean(&value))?;
    }

    for (title, values) in [("Sections", &s.sections), ("Tags", &s.tags)] {
        if !values.is_empty() {
            writeln!(out, "\n{}", style.paint("1", title))?;
            list(out, values)?;
        }
    }
    if let Some(run) = s.last_run.as_ref().filter(|r| !r.report.skipped.is_empty()) {
        writeln!(
            out,
            "\n{}",
            style.paint(
                "1",
                &format!("Skipped at the last run ({})", thousands(run.report.skipped.len() as u64))
            )
        )?;
        for skipped in &run.report.skipped {
            writeln!(
                out,
                "  {}: {}",
                clean(&shown_path(&skipped.path, cwd)),
                clean(&skipped.reason.to_string())
            )?;
        }
    }
    if let Some(run) = s.last_run.as_ref().filter(|r| !r.report.collisions.is_empty()) {
        let heading =
            format!("Ids used twice at the last run ({})", thousands(run.report.collisions.len() as u64));
        writeln!(out, "\n{}", style.paint("1", &heading))?;
        for c in &run.report.collisions {
            writeln!(
                out,
                "  {}: kept {}, left out {}",
                clean(c.id.as_str()),
                clean(&shown_path(&c.kept, cwd)),
                clean(&shown_path(&c.dropped, cwd))
            )?;
        }
    }
    Ok(())
}

/// The [`TOP_VALUES`] most used values (counts right-aligned, then the value), and how many
/// more there are.
fn list(out: &mut impl Write, counts: &[ValueCount]) -> io::Result<()> {
    let top = &counts[..counts.len().min(TOP_VALUES)];
    let width = top.iter().map(|c| thousands(c.count).len()).max().unwrap_or(1);
    for c in top {
        writeln!(out, "  {:>width$}  {}", thousands(c.count), clean(&c.value))?;
    }
    if counts.len() > top.len() {
        writeln!(out, "  … and {} more (--json lists all)", thousands((counts.len() - top.len()) as u64))?;
    }
    Ok(())
}

/// 53311 → "52.1 KiB".
fn bytes(n: u64) -> String {
    const UNITS: [&str; 5] = ["B", "KiB", "MiB", "GiB", "TiB"];
    let mut value = n as f64;
    let mut unit = 0;
    while value >= 1024.0 && unit < UNITS.len() - 1 {
        value /= 1024.0;
        unit += 1;
    }
    if unit == 0 { format!("{n} B") } else { format!("{value:.1} {}", UNITS[unit]) }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_in_binary_units() {
        assert_eq!(bytes(812), "812 B");
        assert_eq!(bytes(53_311), "52.1 KiB");
        assert_eq!(bytes(3 << 30), "3.0 GiB");
    }
}
