//! Query latency on an existing index, measured the way `../shared/bench/peers/run-peers`
//! measures its peers, so the figures can sit in one table with theirs.
//!
//! ```text
//! cargo bench -p benches --bench queries -- --index DIR --queries FILE --out FILE.json [--snippets]
//!     [--with facets|collapse|explain|recent|popular|all|date]...
//! ```
//!
//! Each `queries.jsonl` row `{"q", "kind", "tag", "since", "until"}` becomes a [`Query`]: a
//! `phrase` (or a `q` in double quotes) is searched as a quoted phrase, anything else as its
//! words in the default mode (characters other than letters, digits and whitespace become
//! spaces, so no query syntax leaks in; `--with all` requires every word, as the default did
//! before `MatchMode::Auto`); `tag` requires that tag; `since` / `until` are whole UTC days,
//! both inclusive. Top 10 by relevance; snippets are off unless `--snippets` is given.
//!
//! The index is opened untimed. One untimed warm-up pass runs every query, then one timed
//! pass (an `Instant` around building the [`Query`] and `Index::search`, which includes
//! fetching the stored articles of the top 10), then an untimed pass with `limit(0)` counts
//! all matches for the agreement check. Percentiles use the nearest rank, like run-peers.
//!
//! Writes `--out` as JSON: `{n, p50_ms, p90_ms, p99_ms, mean_ms, max_ms, qps, by_kind,
//! rows: [{i, ns, count, ids}], …}` and prints a one-line summary to stderr. Without
//! `--index` (as under `cargo test --benches` or a bare `cargo bench`) it prints how to run
//! it and exits 0. `benches/compare-peers` runs it next to the peers; see `benches/README.md`.

#![allow(clippy::print_stdout, clippy::print_stderr)]

#[path = "query_text.rs"]
mod query_text;

use std::collections::BTreeMap;
use std::fs;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;

use newsearch::{Index, Period, Query};
use serde_json::{Value, json};

const USAGE: &str = "usage: cargo bench -p benches --bench queries -- --index DIR --queries FILE \
                     --out FILE.json [--snippets] [--with facets|collapse|explain|recent|popular|all|date]...";

/// Hits fetched per query, as in run-peers.
const TOP: usize = 10;

fn main() -> ExitCode {
    let args = match Args::parse(std::env::args().skip(1)) {
        Ok(Some(args)) => args,
        Ok(None) => {
            eprintln!(
                "queries bench: nothing to do without --index (it times queries on an index you built).\n\
                 {USAGE}\n\
                 benches/compare-peers builds the index and runs it next to the peers; see benches/README.md."
            );
            return ExitCode::SUCCESS;
        }
        Err(message) => {
            eprintln!("queries bench: {message}\n{USAGE}");
            return ExitCode::from(2);
        }
    };
    match run(&args) {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("queries bench: {message}");
            ExitCode::FAILURE
        }
    }
}

struct Args {
    index: PathBuf,
    queries: PathBuf,
    out: PathBuf,
    snippets: bool,
    /// `--with` options: facets, collapse, explain, recent (30-day half-life), popular, all
    /// (every word required), date (newest first).
    with: Vec<String>,
}

const WITH: [&str; 7] = ["facets", "collapse", "explain", "recent", "popular", "all", "date"];

impl Args {
    /// `Ok(None)` when no `--index` was given.
    fn parse(mut it: impl Iterator<Item = String>) -> Result<Option<Args>, String> {
        let (mut index, mut queries, mut out, mut snippets) = (None, None, None, false);
        let mut with = Vec::new();
        while let Some(arg) = it.next() {
            let mut value = |name: &str| it.next().ok_or(format!("{name} needs a value"));
            match arg.as_str() {
                "--index" => index = Some(PathBuf::from(value("--index")?)),
                "--queries" => queries = Some(PathBuf::from(value("--queries")?)),
                "--out" => out = Some(PathBuf::from(value("--out")?)),
                "--snippets" => snippets = true,
                "--with" => {
                    let option = value("--with")?;
                    if !WITH.contains(&option.as_str()) {
                        return Err(format!("--with takes one of {WITH:?}, not {option:?}"));
                    }
                    with.push(option);
                }
                // Passed by `cargo bench`.
                "--bench" => {}
                other => return Err(format!("unknown argument {other:?}")),
            }
        }
        let Some(index) = index else { return Ok(None) };
        Ok(Some(Args {
            index,
            queries: queries.ok_or("--queries FILE is required")?,
            out: out.ok_or("--out FILE.json is required")?,
            snippets,
            with,
        }))
    }
}

/// One `queries.jsonl` row, ready to become a [`Query`] (prepared untimed, like run-peers'
/// normalisation).
struct Planned {
    kind: String,
    text: String,
    tag: Option<String>,
    since: Option<Period>,
    until: Option<Period>,
}

impl Planned {
    fn query(&self, snippets: bool, with: &[String]) -> Query {
        let on = |name: &str| with.iter().any(|w| w == name);
        let mut q = Query::new(self.text.as_str())
            .limit(TOP)
            .snippets(snippets)
            .facets(on("facets"))
            .collapse(on("collapse"))
            .explain(on("explain"))
            .popular(on("popular"));
        if on("recent") {
            q = q.recent(newsearch::parse_span("30d").expect("a valid span"));
        }
        if on("all") {
            q = q.mode(newsearch::MatchMode::All);
        }
        if on("date") {
            q = q.sort(newsearch::Sort::Date);
        }
        if let Some(tag) = &self.tag {
            q = q.tag(tag.as_str());
        }
        if let Some(p) = self.since {
            q = q.since(p.start());
        }
        if let Some(p) = self.until {
            q = q.until(p.end());
        }
        q
    }
}

fn plan(line_no: usize, row: &Value) -> Result<Planned, String> {
    let at = |what: &str| format!("queries line {line_no}: {what}");
    let kind = row.get("kind").and_then(Value::as_str).unwrap_or("").to_owned();
    let text = query_text::query_text(line_no, row)?;
    let string = |key: &str| row.get(key).and_then(Value::as_str).filter(|s| !s.is_empty());
    let day = |key: &str| -> Result<Option<Period>, String> {
        string(key).map(|s| s.parse::<Period>().map_err(|e| at(&format!("{key}: {e}")))).transpose()
    };
    Ok(Planned {
        kind,
        text,
        tag: string("tag").map(str::to_owned),
        since: day("since")?,
        until: day("until")?,
    })
}

fn run(args: &Args) -> Result<(), String> {
    let source = fs::read_to_string(&args.queries)
        .map_err(|e| format!("cannot read {}: {e}", args.queries.display()))?;
    let mut planned = Vec::new();
    for (n, line) in source.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        let row: Value =
            serde_json::from_str(line).map_err(|e| format!("queries line {}: bad JSON: {e}", n + 1))?;
        planned.push(plan(n + 1, &row)?);
    }
    if planned.is_empty() {
        return Err(format!("no queries in {}", args.queries.display()));
    }

    let opened = Instant::now();
    let index = Index::open(&args.index).map_err(|e| e.to_string())?;
    let articles = index.len().map_err(|e| e.to_string())?;
    let open_s = opened.elapsed().as_secs_f64();
    eprintln!(
        "queries bench: {} queries on {} ({articles} articles), snippets {}{}",
        planned.len(),
        args.index.display(),
        if args.snippets { "on" } else { "off" },
        if args.with.is_empty() { String::new() } else { format!(", with {}", args.with.join(" + ")) }
    );

    // A query that fails fails in every pass; it is recorded, not fatal.
    let mut errors: BTreeMap<usize, String> = BTreeMap::new();

    // Warm-up, untimed.
    for (i, p) in planned.iter().enumerate() {
        if let Err(e) = index.search(&p.query(args.snippets, &args.with)) {
            errors.insert(i, e.to_string());
        }
    }

    // Timed pass.
    let mut timed: Vec<(u128, Vec<String>)> = Vec::with_capacity(planned.len());
    let pass = Instant::now();
    for p in &planned {
        let t0 = Instant::now();
        let result = index.search(&p.query(args.snippets, &args.with));
        let ns = t0.elapsed().as_nanos();
        let ids = match result {
            Ok(r) => r.hits.into_iter().map(|h| h.article.id.as_str().to_owned()).collect(),
            Err(_) => Vec::new(),
        };
        timed.push((ns, ids));
    }
    let timed_pass_s = pass.elapsed().as_secs_f64();

    // Counting pass, untimed: every match counted, and each page checked against the one that
    // counting every match ranks (the timed pass stops counting at 10,000 matches and ranks
    // the rest by score bounds; the pages must be the same).
    let mut rows = Vec::with_capacity(planned.len());
    let mut by_kind: BTreeMap<&str, Vec<f64>> = BTreeMap::new();
    let (mut bounded, mut differing) = (0, Vec::new());
    for (i, (p, (ns, ids))) in planned.iter().zip(timed).enumerate() {
        let count = match index.search(&p.query(false, &[]).limit(0)) {
            Ok(r) => r.total,
            Err(e) => {
                errors.entry(i).or_insert_with(|| e.to_string());
                0
            }
        };
        if count > Query::COUNTED_UP_TO
            && let Ok(every) = index.search(&p.query(false, &args.with).exact_total(true))
        {
            bounded += 1;
            let every: Vec<String> =
                every.hits.into_iter().map(|h| h.article.id.as_str().to_owned()).collect();
            if every != ids {
                differing.push(i);
            }
        }
        by_kind.entry(p.kind.as_str()).or_default().push(ns as f64 / 1e6);
        let mut row = json!({"i": i, "ns": ns as u64, "n": ids.len(), "count": count, "ids": ids});
        if let Some(e) = errors.get(&i) {
            row["error"] = json!(e);
        }
        rows.push(row);
    }

    let all_ms: Vec<f64> = rows.iter().map(|r| r["ns"].as_u64().unwrap_or(0) as f64 / 1e6).collect();
    let stats = lat_stats(&all_ms);
    let kinds: serde_json::Map<String, Value> = by_kind
        .iter()
        .map(|(k, ms)| {
            let s = lat_stats(ms);
            ((*k).to_owned(), json!({"n": s.n, "p50_ms": s.p50, "p90_ms": s.p90, "p99_ms": s.p99}))
        })
        .collect();
    let out = json!({
        "engine": "newsearch",
        "index": args.index.display().to_string(),
        "queries": args.queries.display().to_string(),
        "articles": articles,
        "snippets": args.snippets,
        "with": args.with,
        "top": TOP,
        "open_s": open_s,
        "timed_pass_s": timed_pass_s,
        "n": stats.n,
        "p50_ms": stats.p50,
        "p90_ms": stats.p90,
        "p99_ms": stats.p99,
        "mean_ms": stats.mean,
        "max_ms": stats.max,
        "qps": stats.qps,
        "zero_hit_share": rows.iter().filter(|r| r["count"] == 0).count() as f64 / rows.len() as f64,
        "errors": errors.len(),
        "bounded": bounded,
        "bounded_pages_differing": differing,
        "by_kind": kinds,
        "rows": rows,
    });
    let text = serde_json::to_string(&out).map_err(|e| e.to_string())?;
    fs::write(&args.out, text + "\n").map_err(|e| format!("cannot write {}: {e}", args.out.display()))?;

    eprintln!(
        "queries bench: {} queries{}{}: p50 {:.3} ms, p90 {:.3} ms, p99 {:.3} ms, max {:.3} ms, {:.0} QPS (1 thread){}; wrote {}",
        stats.n,
        if args.snippets { " with snippets" } else { "" },
        if args.with.is_empty() { String::new() } else { format!(" with {}", args.with.join(" + ")) },
        stats.p50,
        stats.p90,
        stats.p99,
        stats.max,
        stats.qps,
        if errors.is_empty() { String::new() } else { format!("; {} queries FAILED", errors.len()) },
        args.out.display()
    );
    for (i, e) in errors.iter().take(5) {
        eprintln!("queries bench: query {i}: {e}");
    }
    eprintln!(
        "queries bench: {bounded} queries match more than {} articles; {} of their pages differ from those of counting every match",
        Query::COUNTED_UP_TO,
        differing.len()
    );
    if !differing.is_empty() {
        return Err(format!("pages ranked past the count differ for queries {differing:?}"));
    }
    Ok(())
}

struct Stats {
    n: usize,
    p50: f64,
    p90: f64,
    p99: f64,
    mean: f64,
    max: f64,
    qps: f64,
}

/// Latency statistics over milliseconds, computed as run-peers' `lat_stats` does.
fn lat_stats(ms: &[f64]) -> Stats {
    let mut sorted = ms.to_vec();
    sorted.sort_by(f64::total_cmp);
    let total_s = ms.iter().sum::<f64>() / 1000.0;
    Stats {
        n: ms.len(),
        p50: pct(&sorted, 50.0),
        p90: pct(&sorted, 90.0),
        p99: pct(&sorted, 99.0),
        mean: if ms.is_empty() { 0.0 } else { ms.iter().sum::<f64>() / ms.len() as f64 },
        max: sorted.last().copied().unwrap_or(0.0),
        qps: if total_s > 0.0 { ms.len() as f64 / total_s } else { 0.0 },
    }
}

/// Nearest rank: the value at index ceil(p/100 · n) − 1 of the sorted values.
fn pct(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    // Same operation order as run-peers (`p / 100.0 * len`), so the same rank.
    let rank = (p / 100.0 * sorted.len() as f64).ceil() as i64 - 1;
    sorted[rank.clamp(0, sorted.len() as i64 - 1) as usize]
}
