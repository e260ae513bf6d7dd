//! `newsearch index`: bring an index up to date with folders of articles.

use std::io::{self, BufWriter, IsTerminal, Write};
use std::time::Duration;

use anyhow::Result;
use indicatif::{ProgressBar, ProgressState, ProgressStyle};
use newsearch::{Index, SkipReason, UpdateEvent, UpdateReport};
use serde_json::json;

use crate::args::IndexArgs;
use crate::print::{count, say, thousands};
use crate::{EXIT_ERROR, EXIT_OK};

pub(crate) fn run(args: &IndexArgs) -> Result<u8> {
    let dir = &args.location.dir;
    let index = if args.rebuild {
        let current = Index::open(dir).ok().map(|index| index.stemming());
        Index::open_for_update(dir, &args.index_options(current), &args.paths, true)?
    } else {
        let index = Index::open_for_update(dir, &args.index_options(None), &args.paths, false)?;
        // An index is analyzed one way throughout: another stemming means starting over.
        if let Some(wanted) = args.stemming.filter(|&s| s != index.stemming()) {
            anyhow::bail!(
                "index at {} uses {} stemming; to use {wanted}, rebuild it: newsearch index --rebuild --stemming {wanted}",
                dir.display(),
                index.stemming()
            );
        }
        index
    };
    let bar = progress_bar(args.quiet || args.json);
    let report = index.update(&args.paths, &args.update_options(), &mut |event| match event {
        UpdateEvent::Found { files } => bar.set_length(files as u64),
        UpdateEvent::Progress { done, .. } => bar.set_position(done as u64),
        UpdateEvent::Error(e) => bar.suspend(|| say(&e.to_string())),
        UpdateEvent::Warning(w) => bar.suspend(|| say(&format!("warning: {w}"))),
        UpdateEvent::Collision(c) if !args.json => bar.suspend(|| say(&format!("warning: {c}"))),
        _ => {}
    })?;
    bar.finish_and_clear();
    if args.json {
        print_json(&report, &dir.display().to_string())?;
    } else if !args.quiet {
        // Failures were reported as they happened; list the quietly skipped paths too.
        for s in report
            .skipped
            .iter()
            .filter(|s| !matches!(s.reason, SkipReason::Failed(_) | SkipReason::IdTaken { .. }))
        {
            say(&format!("skipped {}: {}", s.path.display(), s.reason));
        }
        say(&summary(&report, &dir.display().to_string()));
    }
    Ok(if report.failed + report.failed_records > 0 { EXIT_ERROR } else { EXIT_OK })
}

/// For scripts: every skipped path with its reason, then the totals.
fn print_json(r: &UpdateReport, index: &str) -> io::Result<()> {
    let mut out = BufWriter::new(io::stdout().lock());
    for s in &r.skipped {
        writeln!(out, "{}", json!({ "skipped": s.path, "reason": skip_reason(&s.reason) }))?;
    }
    for c in &r.collisions {
        let collision = json!({ "id": c.id.as_str(), "kept": c.kept, "dropped": c.dropped });
        writeln!(out, "{}", json!({ "collision": collision }))?;
    }
    let mut summary = report_json(r);
    summary["index"] = index.into();
    writeln!(out, "{}", json!({ "summary": summary }))?;
    out.flush()
}

/// A skip reason as JSON output states it.
pub(crate) fn skip_reason(reason: &SkipReason) -> String {
    match reason {
        SkipReason::UnknownExtension => "unknown extension".to_owned(),
        SkipReason::SymbolicLink => "symbolic link".to_owned(),
        other => other.to_string(),
    }
}

/// A run's totals as JSON (the `summary` of `newsearch index --json`, without the index).
pub(crate) fn report_json(r: &UpdateReport) -> serde_json::Value {
    json!({
        "files_seen": r.files_seen(),
        "added": r.added,
        "updated": r.updated,
        "unchanged": r.unchanged,
        "removed": r.removed,
        "skipped": r.skipped.len(),
        "failed": r.failed,
        "failed_records": r.failed_records,
        "collisions": r.collisions.len(),
        "warnings": r.warnings,
        "articles_indexed": r.articles_indexed,
        "articles_total": r.articles_total,
        "elapsed_s": r.elapsed.as_secs_f64(),
    })
}

/// A bar on a terminal, nothing otherwise (or when asked to be quiet).
fn progress_bar(quiet: bool) -> ProgressBar {
    if quiet || !io::stderr().is_terminal() {
        return ProgressBar::hidden();
    }
    let bar = ProgressBar::new(0);
    // indicatif's own `{per_sec}` prints four decimals (`10,473.4339/s`).
    let style = ProgressStyle::with_template(
        "{spinner} indexing {human_pos}/{human_len} files [{bar:30}] {files_per_sec} {eta}",
    )
    .unwrap_or_else(|_| ProgressStyle::default_bar())
    .with_key("files_per_sec", |state: &ProgressState, w: &mut dyn std::fmt::Write| {
        let _ = write!(w, "{}/s", per_second(state.per_sec()));
    })
    .progress_chars("=> ");
    bar.set_style(style);
    bar.enable_steady_tick(Duration::from_millis(120));
    bar
}

/// A rate as people read it: whole numbers with separators (`10,473`), one decimal below 10
/// (`2.5`), where a fraction still says something.
fn per_second(rate: f64) -> String {
    if !rate.is_finite() || rate <= 0.0 {
        "0".to_owned()
    } else if rate < 10.0 {
        format!("{rate:.1}")
    } else {
        thousands(rate.round() as u64)
    }
}

/// One line saying what happened, with the rate.
pub(crate) fn summary(r: &UpdateReport, index: &str) -> String {
    let secs = r.elapsed.as_secs_f64();
    let rate = if secs > 0.0 { r.articles_indexed as f64 / secs } else { 0.0 };
    let skipped = r.skipped.len();
    let id_taken = r.skipped.iter().filter(|s| matches!(s.reason, SkipReason::IdTaken { .. })).count();
    let n = |n: usize| thousands(n as u64);
    let mut line = format!(
        "{} added, {} updated, {} unchanged, {} removed, {} skipped",
        n(r.added),
        n(r.updated),
        n(r.unchanged),
        n(r.removed),
        n(skipped)
    );
    let reasons: Vec<String> = [
        (r.failed, "failed"),
        (r.skipped_unknown_extension, "unknown extension"),
        (r.skipped_symlinks, "symbolic link"),
        (r.skipped_special, "not a regular file"),
        (id_taken, "id already used"),
    ]
    .iter()
    .filter(|(n, _)| *n > 0)
    .map(|(count, why)| format!("{} {why}", n(*count)))
    .collect();
    if !reasons.is_empty() {
        line.push_str(&format!(" ({})", reasons.join(", ")));
    }
    if !r.collisions.is_empty() {
        line.push_str(&format!(", {} left out for ids already used", count(r.collisions.len(), "article")));
    }
    if r.failed_records > 0 {
        line.push_str(&format!(", {} failed", count(r.failed_records, "record")));
    }
    line.push_str(&format!(
        "; {} indexed in {secs:.2} s ({} articles/s); {} in {index}",
        count(r.articles_indexed, "article"),
        per_second(rate),
        count(r.articles_total, "article")
    ));
    line
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rates_are_rounded_for_reading() {
        assert_eq!(per_second(10_473.433_9), "10,473");
        assert_eq!(per_second(104.5), "105");
        assert_eq!(per_second(2.54), "2.5");
        assert_eq!(per_second(0.0), "0");
        assert_eq!(per_second(f64::NAN), "0");
    }
}
