//! Parsing throughput: how fast `parse_bytes` turns article files into `Article`s.
//!
//! 10,000 Reuters articles are rendered once into txt, json and md (the same sample in each,
//! under `target/bench-data/parse-10000/`); html is the 181 real news pages of the
//! article-extraction benchmark (`corpus/html-extraction/html/*.html.gz`, decompressed once into
//! `target/bench-data/html-extraction/pages/`, the folder `benches/html-extraction` uses). The
//! files are read into memory and parsed repeatedly on one thread so the disk is not measured. A parallel figure follows: rayon over the same
//! in-memory bytes, and `parse_files` over the walked folder (which also reads each file,
//! from the page cache). Results go to stdout as a Markdown table; progress goes to stderr.
//!
//! Run with `cargo bench -p benches --bench parse`; see `benches/README.md`.
//! Extra arguments name formats to run (`cargo bench -p benches --bench parse -- txt`).
//! `NEWSEARCH_SHARED` points at the shared corpus/tools folder (default `../shared`),
//! `NEWSEARCH_BENCH_RUNS` sets the number of timed runs (default 5).

#![allow(clippy::print_stdout, clippy::print_stderr)]

use std::hint::black_box;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};
use std::time::{Duration, Instant};

use newsearch::{Format, ParseOptions, SourceFile, WalkOptions, parse_bytes, parse_files, walk};
use rayon::prelude::*;

const ARTICLES: usize = 10_000;
const SEED: u32 = 1;
const CORPUS: &str = "corpus/reuters-financial-2006-2013.jsonl.gz";
const RENDER_TOOL: &str = "tools/render-articles";
/// The saved web pages, `html/<key>.html.gz`.
const HTML_PAGES: &str = "corpus/html-extraction/html";
const DEFAULT_RUNS: usize = 5;
/// Failures listed in full; the rest are only counted.
const SHOWN_FAILURES: usize = 5;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    // `cargo bench` passes `--bench`; `cargo test --benches` does not. Rendering 30,000 files
    // and timing them is no test, so a test run only checks that the bench builds.
    if !args.iter().any(|a| a == "--bench") {
        eprintln!("parse bench: not run in test mode; use `cargo bench -p benches --bench parse`");
        return ExitCode::SUCCESS;
    }
    let wanted: Vec<&str> = args.iter().filter(|a| !a.starts_with('-')).map(String::as_str).collect();
    match run(&wanted) {
        Ok(code) => code,
        Err(message) => {
            eprintln!("parse bench: {message}");
            ExitCode::FAILURE
        }
    }
}

fn run(wanted: &[&str]) -> Result<ExitCode, String> {
    // benches/ is one level below the workspace root.
    let manifest_dir = Path::new(env!("CARGO_MANIFEST_DIR"));
    let root = manifest_dir.parent().unwrap_or(manifest_dir);
    let shared = std::env::var_os("NEWSEARCH_SHARED").map_or_else(|| root.join("../shared"), PathBuf::from);
    let (corpus, tool) = (shared.join(CORPUS), shared.join(RENDER_TOOL));
    // What the rendered formats need; without it they are skipped (html needs only its pages).
    let missing = [&corpus, &tool].into_iter().find(|p| !p.is_file());
    let runs = match std::env::var("NEWSEARCH_BENCH_RUNS") {
        Ok(s) => s
            .parse()
            .ok()
            .filter(|&n| n > 0)
            .ok_or(format!("NEWSEARCH_BENCH_RUNS={s} is not a positive number"))?,
        Err(_) => DEFAULT_RUNS,
    };
    let data = root.join(format!("target/bench-data/parse-{ARTICLES}"));
    let threads = rayon::current_num_threads();

    let mut rows = Vec::new();
    let mut failures = 0;
    let formats =
        [("txt", Format::Txt), ("json", Format::Json), ("md", Format::Markdown), ("html", Format::Html)];
    for (name, format) in formats {
        if !wanted.is_empty() && !wanted.contains(&name) {
            continue;
        }
        let dir = if format == Format::Html {
            let pages = shared.join(HTML_PAGES);
            if !pages.is_dir() {
                eprintln!(
                    "parse bench: html: skipping: {} not found (set NEWSEARCH_SHARED to the folder \
                     holding {HTML_PAGES})",
                    pages.display()
                );
                continue;
            }
            let dir = root.join("target/bench-data/html-extraction/pages");
            ensure_decompressed(&pages, &dir)?;
            dir
        } else {
            if let Some(missing) = missing {
                eprintln!(
                    "parse bench: {name}: skipping: {} not found (set NEWSEARCH_SHARED to the folder \
                     holding {CORPUS} and {RENDER_TOOL})",
                    missing.display()
                );
                continue;
            }
            let dir = data.join(name);
            ensure_rendered(&tool, &corpus, &dir, name)?;
            dir
        };
        let files = load(&dir, format)?;
        failures += check(&files);
        eprintln!("parse bench: {name}: timing {runs} runs on 1 thread, then {runs} on {threads}");
        rows.push(measure(name, &files, runs));
    }

    if rows.is_empty() {
        return Ok(ExitCode::SUCCESS);
    }
    println!();
    let inputs: Vec<String> = [
        rows.iter().any(|r| r.format != "html").then(|| format!("{ARTICLES} rendered Reuters articles")),
        rows.iter().find(|r| r.format == "html").map(|r| format!("{} saved news pages (html)", r.files)),
    ]
    .into_iter()
    .flatten()
    .collect();
    println!("Parsing {}; median of {runs} runs (best in brackets), MB = 10^6 bytes.", inputs.join(" and "));
    println!();
    println!(
        "| format | files | MB | 1-core MB/s | 1-core articles/s | {threads}-thread MB/s (in memory) | {threads}-thread MB/s (parse_files, incl. reads) |"
    );
    println!("|---|---:|---:|---:|---:|---:|---:|");
    for row in &rows {
        let mb = row.bytes as f64 / 1e6;
        let files = row.files as f64;
        let pair = |n: f64, t: &Timing| format!("{} ({})", figure(n / t.median), figure(n / t.best));
        println!(
            "| {} | {} | {:.1} | {} | {} | {} | {} |",
            row.format,
            row.files,
            mb,
            pair(mb, &row.single),
            pair(files, &row.single),
            pair(mb, &row.parallel),
            pair(mb, &row.parse_files),
        );
    }
    if failures > 0 {
        eprintln!(
            "parse bench: {failures} file(s) did not parse to exactly one article without errors (see above)"
        );
        return Ok(ExitCode::FAILURE);
    }
    Ok(ExitCode::SUCCESS)
}

/// A rate for the table: whole numbers, one decimal under 100 (html runs at tens of MB/s).
fn figure(rate: f64) -> String {
    if rate < 100.0 { format!("{rate:.1}") } else { format!("{rate:.0}") }
}

/// Renders the sample into `dir` unless it already holds it. The render goes to a sibling
/// folder first, so an interrupted render is redone rather than mistaken for a finished one.
fn ensure_rendered(tool: &Path, corpus: &Path, dir: &Path, name: &str) -> Result<(), String> {
    let ext = format!(".{name}");
    let found = count_files(dir, &ext);
    if found == ARTICLES {
        eprintln!("parse bench: {name}: reusing {}", dir.display());
        return Ok(());
    }
    let tmp = dir.with_extension("partial");
    for stale in [dir, tmp.as_path()] {
        if stale.exists() {
            std::fs::remove_dir_all(stale).map_err(|e| format!("cannot remove {}: {e}", stale.display()))?;
        }
    }
    eprintln!(
        "parse bench: {name}: rendering {ARTICLES} articles into {} (once; takes a while)",
        dir.display()
    );
    let started = Instant::now();
    let status = Command::new(tool)
        .arg(corpus)
        .arg("--out")
        .arg(&tmp)
        .args(["--format", name, "--limit", &ARTICLES.to_string(), "--seed", &SEED.to_string()])
        .status()
        .map_err(|e| format!("cannot run {}: {e}", tool.display()))?;
    if !status.success() {
        return Err(format!("{} failed ({status})", tool.display()));
    }
    let rendered = count_files(&tmp, &ext);
    if rendered != ARTICLES {
        return Err(format!("{} wrote {rendered} {name} files, expected {ARTICLES}", tool.display()));
    }
    std::fs::rename(&tmp, dir)
        .map_err(|e| format!("cannot rename {} to {}: {e}", tmp.display(), dir.display()))?;
    eprintln!("parse bench: {name}: rendered in {:.1} s", started.elapsed().as_secs_f64());
    Ok(())
}

/// Decompresses every `<key>.html.gz` of `pages` into `dir/<key>.html` unless `dir` already
/// holds them all, through a sibling folder as `ensure_rendered` does. `gzip -dc` does the work,
/// as the workspace has no gzip crate.
fn ensure_decompressed(pages: &Path, dir: &Path) -> Result<(), String> {
    let mut gz: Vec<PathBuf> = std::fs::read_dir(pages)
        .map_err(|e| format!("cannot read {}: {e}", pages.display()))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.to_string_lossy().ends_with(".html.gz"))
        .collect();
    gz.sort();
    if count_files(dir, ".html") == gz.len() {
        eprintln!("parse bench: html: reusing {}", dir.display());
        return Ok(());
    }
    let tmp = dir.with_extension("partial");
    for stale in [dir, tmp.as_path()] {
        if stale.exists() {
            std::fs::remove_dir_all(stale).map_err(|e| format!("cannot remove {}: {e}", stale.display()))?;
        }
    }
    std::fs::create_dir_all(&tmp).map_err(|e| format!("cannot create {}: {e}", tmp.display()))?;
    eprintln!("parse bench: html: decompressing {} pages into {}", gz.len(), dir.display());
    for path in &gz {
        let name = path.file_name().unwrap_or_default().to_string_lossy();
        let out = std::fs::File::create(tmp.join(name.trim_end_matches(".gz")))
            .map_err(|e| format!("cannot create a page in {}: {e}", tmp.display()))?;
        let status = Command::new("gzip")
            .arg("-dc")
            .arg(path)
            .stdout(out)
            .status()
            .map_err(|e| format!("cannot run gzip: {e}"))?;
        if !status.success() {
            return Err(format!("gzip -dc {} failed ({status})", path.display()));
        }
    }
    std::fs::rename(&tmp, dir)
        .map_err(|e| format!("cannot rename {} to {}: {e}", tmp.display(), dir.display()))
}

fn count_files(dir: &Path, ext: &str) -> usize {
    fn visit(dir: &Path, ext: &str, n: &mut usize) {
        let Ok(entries) = std::fs::read_dir(dir) else { return };
        for entry in entries.flatten() {
            match entry.file_type() {
                Ok(t) if t.is_dir() => visit(&entry.path(), ext, n),
                Ok(t) if t.is_file() && entry.file_name().to_string_lossy().ends_with(ext) => *n += 1,
                _ => {}
            }
        }
    }
    let mut n = 0;
    visit(dir, ext, &mut n);
    n
}

/// A file found by `walk`, with its bytes already in memory.
struct Loaded {
    source: SourceFile,
    bytes: Vec<u8>,
}

fn load(dir: &Path, format: Format) -> Result<Vec<Loaded>, String> {
    let found = walk(&[dir], &WalkOptions::new());
    if let Some(e) = found.errors.first() {
        return Err(format!("walking {}: {e}", dir.display()));
    }
    found
        .files
        .into_iter()
        .map(|source| {
            if source.format != format {
                return Err(format!(
                    "{}: walked as {}, expected {format}",
                    source.path.display(),
                    source.format
                ));
            }
            let bytes = std::fs::read(&source.path)
                .map_err(|e| format!("cannot read {}: {e}", source.path.display()))?;
            Ok(Loaded { source, bytes })
        })
        .collect()
}

/// Parses every file once (also warming up) and counts those that do not give exactly one
/// article without errors. Warnings are counted but are not failures.
fn check(files: &[Loaded]) -> usize {
    let (mut failures, mut warnings) = (0, 0);
    for file in files {
        let s = &file.source;
        let problem = match parse_bytes(&file.bytes, s.format, &s.path, &s.id_base) {
            Err(e) => Some(format!("error: {e}")),
            Ok(parsed) => {
                warnings += parsed.warnings.len();
                if let Some(e) = parsed.errors.first() {
                    Some(format!("{} record error(s), first: {e}", parsed.errors.len()))
                } else if parsed.articles.len() != 1 {
                    Some(format!("{} articles, expected 1", parsed.articles.len()))
                } else {
                    None
                }
            }
        };
        if let Some(problem) = problem {
            if failures < SHOWN_FAILURES {
                eprintln!("parse bench: FAILED {}: {problem}", s.path.display());
            }
            failures += 1;
        }
    }
    if failures > 0 {
        eprintln!("parse bench: {failures} of {} files failed", files.len());
    }
    if warnings > 0 {
        eprintln!("parse bench: {warnings} warning(s) in {} files", files.len());
    }
    failures
}

/// Seconds per pass over all files.
struct Timing {
    median: f64,
    best: f64,
}

struct Row {
    format: &'static str,
    files: usize,
    bytes: usize,
    single: Timing,
    parallel: Timing,
    parse_files: Timing,
}

fn measure(format: &'static str, files: &[Loaded], runs: usize) -> Row {
    let single = time(runs, || {
        for file in files {
            let s = &file.source;
            black_box(parse_bytes(black_box(&file.bytes), s.format, &s.path, &s.id_base).ok());
        }
    });
    let parallel = time(runs, || {
        files.par_iter().for_each(|file| {
            let s = &file.source;
            black_box(parse_bytes(black_box(&file.bytes), s.format, &s.path, &s.id_base).ok());
        });
    });
    // parse_files opens and reads each file itself, so this is what indexing a folder sees
    // when the folder is in the page cache (loading it above put it there).
    let sources: Vec<SourceFile> = files.iter().map(|f| f.source.clone()).collect();
    let options = ParseOptions::new();
    let parse_files = time(runs, || {
        for (_, result) in parse_files(&sources, &options) {
            black_box(result.ok());
        }
    });
    Row {
        format,
        files: files.len(),
        bytes: files.iter().map(|f| f.bytes.len()).sum(),
        single,
        parallel,
        parse_files,
    }
}

fn time(runs: usize, mut pass: impl FnMut()) -> Timing {
    let mut secs: Vec<f64> = (0..runs)
        .map(|_| {
            let started = Instant::now();
            pass();
            started.elapsed().max(Duration::from_nanos(1)).as_secs_f64()
        })
        .collect();
    secs.sort_by(f64::total_cmp);
    let mid = secs.len() / 2;
    let median = if secs.len().is_multiple_of(2) { (secs[mid - 1] + secs[mid]) / 2.0 } else { secs[mid] };
    Timing { median, best: secs[0] }
}
