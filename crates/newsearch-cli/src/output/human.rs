//! Output for people: hits with wrapped titles and highlighted snippets, articles in full,
//! facet lists, the timeline chart, score explanations, index statistics, and the summary
//! lines of `index` and `parse` on stderr. Text is wrapped to the terminal's width (see
//! [`wrap`](super::wrap)), cleaned of control characters, and coloured only on a terminal.

use std::io::{self, IsTerminal, Write};
use std::path::Path;
use std::time::Duration;

use chrono::{DateTime, Timelike, Utc};
use indicatif::{ProgressBar, ProgressState, ProgressStyle};
use newsearch::{
    Article, Explanation, Facets, Hit, IndexStats, SearchResults, SkipReason, Timeline, UpdateReport,
    ValueCount,
};

use super::wrap::{Cell, hanging, plain, wrap};
use super::{Page, Style, Terminal, clean, count, count_line, relaxed, say, shown_path, thousands};
use std::ops::Range;

/// A count as the CLI prints it: `1,523`.
fn n(count: usize) -> String {
    thousands(count as u64)
}

// `query` and `related`.

/// What `query` prints besides the hits.
#[derive(Default)]
pub(crate) struct Extras {
    /// `--facets`: top tags, sections and matches per period.
    pub(crate) facets: bool,
    /// `--timeline`: matches per period as a bar chart.
    pub(crate) timeline: bool,
}

/// `query` and `related`: each hit (with its similar articles and score explanation when
/// asked), the count line, then facets and the timeline when asked.
pub(crate) fn search_results(
    out: &mut impl Write,
    term: &Terminal,
    results: &SearchResults,
    page: Page,
    extras: &Extras,
) -> io::Result<()> {
    for (i, hit) in results.hits.iter().enumerate() {
        print_hit(out, page.rank(i), hit, &term.style, term.cwd.as_deref(), term.width)?;
        if !hit.similar.is_empty() {
            let n = thousands(hit.similar.len() as u64);
            writeln!(out, "     +{n} similar: {}\n", clean(&super::ids(&hit.similar)))?;
        }
        if let Some(e) = &hit.explanation {
            print_explanation(out, e)?;
        }
    }
    writeln!(
        out,
        "{}",
        count_line(results.total, results.total_exact, results.hits.len(), page, relaxed(results))
    )?;
    if let Some(next) = super::next_line(results) {
        writeln!(out, "{next}")?;
    }
    if let Some(facets) = &results.facets {
        writeln!(out)?;
        if extras.facets {
            print_facets(out, facets, !extras.timeline, term.width)?;
        }
        if extras.timeline {
            if extras.facets {
                writeln!(out)?;
            }
            print_timeline(out, &facets.timeline, term.width)?;
        }
    }
    Ok(())
}

/// Where a hit's lines after its rank start.
const HIT_INDENT: usize = 5;

/// One search hit: rank and title, then date · section · tags · views · score, path, snippet;
/// text wrapped to `width` columns under the title (paths are never cut, so they can be copied).
fn print_hit(
    out: &mut impl Write,
    rank: usize,
    hit: &Hit,
    style: &Style,
    cwd: Option<&Path>,
    width: usize,
) -> io::Result<()> {
    let a = &hit.article;
    let indent = " ".repeat(HIT_INDENT);
    let painted = |code: &'static str, text: &str, head: &str| {
        let cells: Vec<Cell<()>> = clean(text).chars().map(|c| (c, ())).collect();
        hanging(head, &cells, HIT_INDENT, width, |line| style.paint(code, &plain(line)))
    };
    // The title in bold, its matched words as the snippet's are.
    let title = marked_cells(&a.title, &hit.title_highlights);
    let render_title = |line: &[Cell<bool>]| {
        let runs = super::wrap::runs(line).into_iter();
        runs.map(|(text, marked)| style.paint(if marked { "1;33" } else { "1" }, &text)).collect::<String>()
    };
    for line in hanging(&format!("{rank:>3}. "), &title, HIT_INDENT, width, render_title) {
        writeln!(out, "{line}")?;
    }
    let mut meta = vec![a.date.map_or_else(|| "undated".to_owned(), |d| d.format("%Y-%m-%d").to_string())];
    meta.extend(a.section.clone());
    if !a.tags.is_empty() {
        let tags: Vec<&str> = a.tags.iter().map(|t| t.as_str()).collect();
        meta.push(format!("tags: {}", tags.join(", ")));
    }
    if let Some(v) = a.views {
        meta.push(format!("{} views", thousands(v)));
    }
    if let Some(s) = hit.score {
        meta.push(format!("score {s:.2}"));
    }
    for line in painted("2", &meta.join(" · "), &indent) {
        writeln!(out, "{line}")?;
    }
    let path = shown_path(&a.path, cwd);
    // `show` and `related` need the id; most ids are the end of the path, but a record of a
    // JSON or JSON Lines file has `#N` or its own id, which the path alone does not give.
    let id = if Path::new(&path).ends_with(a.id.as_str()) {
        String::new()
    } else {
        style.paint("2", &format!(" · id {}", clean(a.id.as_str())))
    };
    writeln!(out, "     {}{id}", style.paint("36", &clean(&path)))?;
    if !hit.snippet.text.is_empty() {
        let render = |line: &[Cell<bool>]| {
            let runs = super::wrap::runs(line).into_iter();
            runs.map(|(text, marked)| if marked { style.paint("1;33", &text) } else { text })
                .collect::<String>()
        };
        let snippet = marked_cells(&hit.snippet.text, &hit.snippet.highlights);
        for line in hanging(&indent, &snippet, HIT_INDENT, width, render) {
            writeln!(out, "{line}")?;
        }
    }
    writeln!(out)
}

/// The characters of `text` cleaned for the terminal, each marked when it is in one of the
/// `highlights` (byte ranges in order, as the library gives them; any that do not fit `text`
/// are left out rather than trusted).
fn marked_cells(text: &str, highlights: &[Range<usize>]) -> Vec<Cell<bool>> {
    let mut cells = Vec::with_capacity(text.len());
    let mut last = 0;
    let mut push = |piece: &str, marked: bool| cells.extend(clean(piece).chars().map(|c| (c, marked)));
    for r in highlights {
        let (Some(before), Some(marked)) = (text.get(last..r.start), text.get(r.clone())) else {
            continue;
        };
        push(before, false);
        push(marked, true);
        last = r.end;
    }
    push(text.get(last..).unwrap_or_default(), false);
    cells
}

/// Top tags and sections, and the matches per period unless a chart follows: one list each,
/// wrapped to `width` columns under its first item.
fn print_facets(
    out: &mut impl Write,
    facets: &Facets,
    with_counts_line: bool,
    width: usize,
) -> io::Result<()> {
    let mut print = |head: &str, text: &str| -> io::Result<()> {
        let cells: Vec<Cell<()>> = text.chars().map(|c| (c, ())).collect();
        for line in hanging(head, &cells, head.chars().count(), width, plain) {
            writeln!(out, "{line}")?;
        }
        Ok(())
    };
    let list = |values: &[newsearch::FacetCount]| {
        if values.is_empty() {
            "-".to_owned()
        } else {
            values
                .iter()
                .map(|f| format!("{} ({})", clean(&f.value), n(f.count)))
                .collect::<Vec<_>>()
                .join(", ")
        }
    };
    print("Top tags: ", &list(&facets.tags))?;
    print("Sections: ", &list(&facets.sections))?;
    if with_counts_line {
        let t = &facets.timeline;
        let periods: Vec<String> = t
            .buckets
            .iter()
            .filter(|b| b.count > 0)
            .map(|b| format!("{} ({})", t.granularity.label(b.start), n(b.count)))
            .collect();
        let mut line = if periods.is_empty() { "-".to_owned() } else { periods.join(", ") };
        if t.undated > 0 {
            line.push_str(&format!("; undated ({})", n(t.undated)));
        }
        print(&format!("By {}: ", t.granularity), &line)?;
    }
    Ok(())
}

/// The timeline as horizontal bars, one line per period: `2025-02 ██████▍ 17`.
fn print_timeline(out: &mut impl Write, timeline: &Timeline, width: usize) -> io::Result<()> {
    let heading = wrap(&format!("Matches by {}:", timeline.granularity), width);
    let undated = match timeline.undated {
        0 => Vec::new(),
        count => wrap(&format!("(and {} undated)", n(count)), width),
    };
    for line in heading.into_iter().chain(chart(timeline, width)).chain(undated) {
        writeln!(out, "{line}")?;
    }
    Ok(())
}

/// Chart lines fitting in `width` columns. Bars are drawn with eighth blocks, scaled to the
/// largest count; a non-zero count always shows at least a sliver, zero shows nothing. Where
/// there is no room for a bar, lines are period and count alone (which need the label's width,
/// a space and the count's: 10 columns for months with counts below 100).
pub(crate) fn chart(timeline: &Timeline, width: usize) -> Vec<String> {
    const EIGHTHS: [char; 8] = ['▏', '▎', '▍', '▌', '▋', '▊', '▉', '█'];
    let labels: Vec<String> = timeline.buckets.iter().map(|b| timeline.granularity.label(b.start)).collect();
    let label_width = labels.iter().map(|l| l.chars().count()).max().unwrap_or(0);
    let max = timeline.buckets.iter().map(|b| b.count).max().unwrap_or(0);
    let count_width = n(max).len();
    // One column is left free: a line that fills the terminal exactly wraps on some of them.
    let bar_width = width.saturating_sub(label_width + count_width + 3);
    if bar_width == 0 {
        let rows = timeline.buckets.iter().zip(labels);
        return rows
            .map(|(b, label)| format!("{label:<label_width$} {:>count_width$}", n(b.count)))
            .collect();
    }
    timeline
        .buckets
        .iter()
        .zip(labels)
        .map(|(bucket, label)| {
            let eighths = if max == 0 { 0 } else { (bucket.count * bar_width * 8).div_ceil(max) };
            let mut bar = "█".repeat(eighths / 8);
            if eighths % 8 > 0 {
                bar.push(EIGHTHS[eighths % 8 - 1]);
            }
            let pad = bar_width.saturating_sub(bar.chars().count());
            format!("{label:<label_width$} {bar}{} {:>count_width$}", " ".repeat(pad), n(bucket.count))
                .trim_end()
                .to_owned()
        })
        .collect()
}

/// A hit's score, broken down, indented under the hit.
fn print_explanation(out: &mut impl Write, e: &Explanation) -> io::Result<()> {
    let mut head = format!("     score {:.3} = text {:.3}", e.score, e.text_score);
    if let Some(r) = e.recency {
        head.push_str(&format!(" × recency {r:.3}"));
    }
    if let Some(p) = e.popularity {
        head.push_str(&format!(" × popularity {p:.3}"));
    }
    writeln!(out, "{head}")?;
    let text_width = e.parts.iter().map(|p| p.text.chars().count()).max().unwrap_or(0).min(40);
    for part in &e.parts {
        let mut inputs: Vec<String> = Vec::new();
        if (part.boost - 1.0).abs() > f32::EPSILON {
            inputs.push(format!("boost {}", part.boost));
        }
        inputs.extend(part.inputs.iter().map(|(name, value)| format!("{name} {}", short(*value))));
        writeln!(
            out,
            "       {:<7} {:<text_width$} {:>7.3}  {}",
            part.field,
            clean(&part.text),
            part.score,
            inputs.join(", ")
        )?;
    }
    writeln!(out)
}

/// 3 → "3", 2.345678 → "2.346".
fn short(v: f32) -> String {
    if v.fract() == 0.0 && v.abs() < 1e9 { format!("{v:.0}") } else { format!("{v:.3}") }
}

// `parse` and `show`.

/// `parse`: an article for a person: title, the metadata, and the start of the body.
pub(crate) fn print_article(out: &mut impl Write, a: &Article) -> io::Result<()> {
    let dash = || "-".to_owned();
    let list = |items: Vec<&str>| if items.is_empty() { dash() } else { items.join(", ") };
    writeln!(out, "{}", clean(&a.title))?;
    writeln!(out, "  id       {}", clean(a.id.as_str()))?;
    writeln!(out, "  path     {}", clean(&a.path.display().to_string()))?;
    writeln!(out, "  section  {}", clean(&a.section.clone().unwrap_or_else(dash)))?;
    let date = a.date.map(rfc3339);
    writeln!(out, "  date     {}", date.unwrap_or_else(dash))?;
    writeln!(out, "  views    {}", a.views.map(thousands).unwrap_or_else(dash))?;
    writeln!(out, "  tags     {}", clean(&list(a.tags.iter().map(|t| t.as_str()).collect())))?;
    writeln!(out, "  sources  {}", clean(&list(a.sources.iter().map(String::as_str).collect())))?;
    if let Some(url) = &a.url {
        writeln!(out, "  url      {}", clean(url))?;
    }
    let paragraphs = a.body.split("\n\n").filter(|p| !p.trim().is_empty()).count();
    let words = a.body.split_whitespace().count();
    writeln!(out, "  body     {}, {}", count(paragraphs, "paragraph"), count(words, "word"))?;
    if !a.body.is_empty() {
        writeln!(out, "           {}", clean(&preview(&a.body, 100)))?;
    }
    writeln!(out)
}

/// The first `max` characters of `text` on one line, with an ellipsis if cut.
fn preview(text: &str, max: usize) -> String {
    let flat: String = text.split_whitespace().collect::<Vec<_>>().join(" ");
    match flat.char_indices().nth(max) {
        Some((cut, _)) => format!("{}…", flat[..cut].trim_end()),
        None => flat,
    }
}

/// An instant as `parse` shows it: RFC 3339 in UTC, `Z`, no fraction unless there is one.
fn rfc3339(d: DateTime<Utc>) -> String {
    d.to_rfc3339_opts(chrono::SecondsFormat::AutoSi, true)
}

/// `parse`: totals for the closing line of a run.
#[derive(Debug, Default)]
pub(crate) struct ParseSummary {
    pub(crate) files: usize,
    pub(crate) articles: usize,
    pub(crate) failed_files: usize,
    pub(crate) failed_records: usize,
    pub(crate) warnings: usize,
    pub(crate) unknown_extension: usize,
}

impl ParseSummary {
    pub(crate) fn report(&self) {
        let mut line =
            format!("parsed {} from {}", count(self.articles, "article"), count(self.files, "file"));
        let extras = [
            (self.failed_files, "file", " failed"),
            (self.failed_records, "record", " failed"),
            (self.warnings, "warning", ""),
            (self.unknown_extension, "file", " ignored (unknown extension)"),
        ];
        for (n, noun, what) in extras {
            if n > 0 {
                line.push_str(&format!(", {}{what}", count(n, noun)));
            }
        }
        say(&line);
    }
}

/// `show`: title, section · date · views · tags, path, URL, the body with its paragraphs, and the
/// sources; text is wrapped to `width` columns. Every piece of article text is cleaned for the terminal.
pub(crate) fn print_full_article(out: &mut impl Write, term: &Terminal, a: &Article) -> io::Result<()> {
    let (style, width) = (&term.style, term.width);
    for line in wrap(&clean(&a.title), width) {
        writeln!(out, "{}", style.paint("1", &line))?;
    }
    let mut meta: Vec<String> = a.section.iter().cloned().collect();
    meta.push(a.date.map_or_else(|| "undated".to_owned(), when));
    if let Some(v) = a.views {
        meta.push(format!("{} views", thousands(v)));
    }
    if !a.tags.is_empty() {
        let tags: Vec<&str> = a.tags.iter().map(|t| t.as_str()).collect();
        meta.push(format!("tags: {}", tags.join(", ")));
    }
    for line in wrap(&clean(&meta.join(" · ")), width) {
        writeln!(out, "{}", style.paint("2", &line))?;
    }
    // Paths and URLs stay whole, so they can be copied.
    writeln!(out, "{}", style.paint("36", &clean(&term.path(&a.path))))?;
    if let Some(url) = &a.url {
        writeln!(out, "{}", clean(url))?;
    }
    for paragraph in a.body.split("\n\n").filter(|p| !p.trim().is_empty()) {
        writeln!(out)?;
        for line in wrap(&clean(paragraph), width) {
            writeln!(out, "{line}")?;
        }
    }
    if !a.sources.is_empty() {
        writeln!(out)?;
        writeln!(out, "Sources:")?;
        for source in &a.sources {
            writeln!(out, "  • {}", clean(source))?;
        }
    }
    Ok(())
}

/// A date with as much of its time as it has: `2025-02-21`, `2025-02-21 08:37 UTC`.
fn when(d: DateTime<Utc>) -> String {
    match (d.hour(), d.minute(), d.second()) {
        (0, 0, 0) => d.format("%Y-%m-%d").to_string(),
        (_, _, 0) => d.format("%Y-%m-%d %H:%M UTC").to_string(),
        _ => d.format("%Y-%m-%d %H:%M:%S UTC").to_string(),
    }
}

// `stats`.

/// Sections and tags listed by the human output, most used first; `--json` lists them all. A
/// real archive has hundreds of each, which would bury the rest of the summary.
const TOP_VALUES: usize = 10;

/// `stats`: the index's summary, the most used sections and tags, and what the last run
/// skipped or left out.
pub(crate) fn print_stats(
    out: &mut impl Write,
    term: &Terminal,
    s: &IndexStats,
    index: &str,
) -> io::Result<()> {
    let (style, cwd) = (&term.style, term.cwd.as_deref());
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
            format!("{}: {rebuild}{failed}{}", time(run.finished), update_summary(&run.report, index))
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

// `index`.

/// `index`: the paths skipped quietly (failures were reported as they happened), then the
/// summary line.
pub(crate) fn update_report(report: &UpdateReport, index: &str) {
    let quiet_skips = report
        .skipped
        .iter()
        .filter(|s| !matches!(s.reason, SkipReason::Failed(_) | SkipReason::IdTaken { .. }));
    for s in quiet_skips {
        say(&format!("skipped {}: {}", s.path.display(), s.reason));
    }
    say(&update_summary(report, index));
}

/// `index`: a bar on a terminal, nothing otherwise (or when asked to be quiet).
pub(crate) fn progress_bar(quiet: bool) -> ProgressBar {
    bar(quiet, "indexing", "files")
}

/// `export --to`: a bar of documents sent and deleted, on a terminal only.
pub(crate) fn push_bar(quiet: bool) -> ProgressBar {
    bar(quiet, "pushing", "documents")
}

/// A bar `⠋ VERB done/total THINGS [===> ] rate/s eta`, on a terminal only.
fn bar(quiet: bool, verb: &str, things: &str) -> ProgressBar {
    if quiet || !io::stderr().is_terminal() {
        return ProgressBar::hidden();
    }
    let bar = ProgressBar::new(0);
    // indicatif's own `{per_sec}` prints four decimals (`10,473.4339/s`).
    let template =
        format!("{{spinner}} {verb} {{human_pos}}/{{human_len}} {things} [{{bar:30}}] {{rate}} {{eta}}");
    let style = ProgressStyle::with_template(&template)
        .unwrap_or_else(|_| ProgressStyle::default_bar())
        .with_key("rate", |state: &ProgressState, w: &mut dyn std::fmt::Write| {
            let _ = write!(w, "{}/s", per_second(state.per_sec()));
        })
        .progress_chars("=> ");
    bar.set_style(style);
    bar.enable_steady_tick(Duration::from_millis(120));
    bar
}

/// What a push is about to do, in a line.
pub(crate) fn push_plan(target: &newsearch_push::Target, plan: &newsearch_push::Plan) -> String {
    let mut line = format!("pushing to {target} ({}", plan.cluster);
    if plan.created_index {
        line.push_str(", index created");
    }
    line.push_str(&format!(
        "): {} to send, {} to delete, {} unchanged",
        thousands(plan.to_send),
        thousands(plan.to_delete),
        thousands(plan.unchanged)
    ));
    if let Some(why) = &plan.full {
        line.push_str(&format!("; sending everything: {why}"));
    }
    line
}

/// The last line of a push: what the cluster acknowledged, in how long.
pub(crate) fn push_summary(r: &newsearch_push::PushReport) -> String {
    let secs = r.elapsed.as_secs_f64();
    let mut line = format!(
        "pushed to {}: {} sent ({} new, {} replaced), {} deleted",
        r.target,
        thousands(r.sent()),
        thousands(r.created),
        thousands(r.updated),
        thousands(r.deleted)
    );
    if r.already_gone > 0 {
        line.push_str(&format!(" ({} already gone)", thousands(r.already_gone)));
    }
    line.push_str(&format!(
        ", {} failed, {} unchanged in {secs:.2} s ({} docs/s)",
        thousands(r.failed.len() as u64),
        thousands(r.plan.unchanged),
        per_second(r.docs_per_second())
    ));
    line
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

/// One line saying what a run did, with the rate (`index` ends with it, `stats` shows the last
/// run's).
pub(crate) fn update_summary(r: &UpdateReport, index: &str) -> String {
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

/// The one status line of `index --watch` (hidden when quiet or not on a terminal).
pub(crate) fn watch_status(quiet: bool) -> ProgressBar {
    if quiet || !io::stderr().is_terminal() {
        return ProgressBar::hidden();
    }
    let status = ProgressBar::new_spinner();
    status.set_style(
        ProgressStyle::with_template("{spinner} {msg}").unwrap_or_else(|_| ProgressStyle::default_spinner()),
    );
    status
}

/// The status line once the first run is done.
pub(crate) fn watching(status: &ProgressBar, roots: usize, articles: u64) {
    let folders = if roots == 1 { "1 folder".to_owned() } else { format!("{roots} folders") };
    status.set_message(format!("watching {folders}, {articles} articles; Ctrl-C to stop"));
    status.enable_steady_tick(Duration::from_millis(250));
}

/// The status line after a batch.
pub(crate) fn applied(status: &ProgressBar, report: &newsearch::UpdateReport, changed: usize) {
    let at = chrono::Local::now().format("%H:%M:%S");
    status.set_message(format!(
        "watching, {} articles; {at}: {changed} changed (+{} ~{} -{}{}); Ctrl-C to stop",
        report.articles_total,
        report.added,
        report.updated,
        report.removed,
        if report.failed > 0 { format!(", {} failed", report.failed) } else { String::new() },
    ));
}

#[cfg(test)]
mod tests {
    use super::*;
    use newsearch::{Bucket, Granularity};

    fn timeline(counts: &[usize]) -> Timeline {
        let start = chrono::NaiveDate::from_ymd_opt(2025, 1, 1).unwrap();
        Timeline {
            granularity: Granularity::Month,
            buckets: counts
                .iter()
                .enumerate()
                .map(|(i, &count)| Bucket {
                    start: start.checked_add_months(chrono::Months::new(i as u32)).unwrap(),
                    count,
                })
                .collect(),
            undated: 0,
        }
    }

    #[test]
    fn bars_scale_to_the_largest_count_and_fit_the_width() {
        let lines = chart(&timeline(&[10, 0, 5, 1]), 30);
        assert_eq!(lines.len(), 4);
        for line in &lines {
            assert!(line.chars().count() <= 30, "{line:?} is wider than 30");
        }
        // 30 columns − "2025-01" (7) − "10" (2) − 3 spaces: bars of 18 cells.
        assert_eq!(lines[0], format!("2025-01 {} 10", "█".repeat(18)));
        assert_eq!(lines[1], "2025-02                     0");
        assert_eq!(lines[2], format!("2025-03 {}{}  5", "█".repeat(9), " ".repeat(9)));
        // 1 of 10 on 18 cells is 1.8 cells, rounded up to eighths: one full block and seven eighths.
        assert!(lines[3].starts_with("2025-04 █▉ "), "{:?}", lines[3]);
    }

    #[test]
    fn the_chart_fits_narrow_terminals() {
        let months = timeline(&[10, 0, 5, 1]);
        for width in super::super::MIN_WIDTH..40 {
            for line in chart(&months, width) {
                assert!(line.chars().count() <= width, "{line:?} is wider than {width}");
            }
        }
        // At 13 columns a month still gets a bar of one cell; at 12 only period and count.
        assert_eq!(chart(&months, 13)[0], "2025-01 █ 10");
        assert_eq!(chart(&months, 12)[0], "2025-01 10");
        // Days need 13 columns for period and count.
        let mut days = months.clone();
        days.granularity = Granularity::Day;
        for width in 13..40 {
            assert!(chart(&days, width).iter().all(|l| l.chars().count() <= width), "{width}");
        }
    }

    #[test]
    fn any_count_above_zero_shows() {
        let lines = chart(&timeline(&[100_000, 1]), 40);
        assert!(lines[1].contains('▏'), "{:?}", lines[1]);
    }

    #[test]
    fn matched_title_words_are_highlighted_as_snippet_words_are() {
        let mut article = Article::new("a", "a.txt", "Kellogg meets Zelensky in Kyiv");
        article.body = "Kellogg met Zelensky.".into();
        let hit = Hit {
            score: Some(1.0),
            article,
            snippet: newsearch::Snippet {
                text: "Kellogg met Zelensky.".into(),
                highlights: vec![Range { start: 0, end: 7 }],
            },
            title_highlights: vec![0..7, 14..22],
            explanation: None,
            similar: Vec::new(),
        };
        let mut out = Vec::new();
        print_hit(&mut out, 1, &hit, &Style { color: true }, None, 80).unwrap();
        let text = String::from_utf8(out).unwrap();
        let title = text.lines().next().unwrap();
        assert_eq!(
            title,
            "  1. \x1b[1;33mKellogg\x1b[0m\x1b[1m meets \x1b[0m\x1b[1;33mZelensky\x1b[0m\x1b[1m in Kyiv\x1b[0m"
        );
        assert!(text.contains("\x1b[1;33mKellogg\x1b[0m met Zelensky."), "{text}");
        // Without colour, the title reads as it is; ranges that don't fit are left out.
        let mut out = Vec::new();
        #[allow(clippy::reversed_empty_ranges)]
        let odd = Hit { title_highlights: vec![3..1, 40..50, 0..7], ..hit };
        print_hit(&mut out, 1, &odd, &Style { color: false }, None, 80).unwrap();
        assert!(String::from_utf8(out).unwrap().starts_with("  1. Kellogg meets Zelensky in Kyiv\n"));
    }

    #[test]
    fn preview_cuts_on_characters() {
        assert_eq!(preview("Київ  is\n\nlovely", 6), "Київ i…");
        assert_eq!(preview("short", 10), "short");
    }

    #[test]
    fn dates_show_the_time_they_have() {
        let d = |s: &str| s.parse::<DateTime<Utc>>().unwrap();
        assert_eq!(when(d("2025-02-21T00:00:00Z")), "2025-02-21");
        assert_eq!(when(d("2025-02-21T08:37:00Z")), "2025-02-21 08:37 UTC");
        assert_eq!(when(d("2025-02-21T08:37:05Z")), "2025-02-21 08:37:05 UTC");
    }

    #[test]
    fn sizes_in_binary_units() {
        assert_eq!(bytes(812), "812 B");
        assert_eq!(bytes(53_311), "52.1 KiB");
        assert_eq!(bytes(3 << 30), "3.0 GiB");
    }

    #[test]
    fn rates_are_rounded_for_reading() {
        assert_eq!(per_second(10_473.433_9), "10,473");
        assert_eq!(per_second(104.5), "105");
        assert_eq!(per_second(2.54), "2.5");
        assert_eq!(per_second(0.0), "0");
        assert_eq!(per_second(f64::NAN), "0");
    }
}
