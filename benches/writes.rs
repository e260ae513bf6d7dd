//! What a service pays to write: creating a writer, committing batches of each size, and
//! finishing a writer; plus what `len()` costs on disk and in memory (the reader is reloaded
//! only after a commit).
//!
//! Articles are the first 20,000 Reuters financial stories of the shared corpus, read once
//! into memory (`gzip -dc` of `corpus/reuters-financial-2006-2013.jsonl.gz`). Each measure
//! runs on an index folder under `target/bench-data/writes/` that already holds 10,000 of
//! them, so commits pay for a real index, and new articles get new ids. Medians and 90th
//! percentiles over repeated runs go to stdout as a Markdown table; progress goes to stderr.
//!
//! Run with `cargo bench -p benches --bench writes`; see `benches/README.md`.
//! `NEWSEARCH_SHARED` points at the shared corpus folder (default `../shared`).

#![allow(clippy::print_stdout, clippy::print_stderr)]

use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};
use std::time::{Duration, Instant};

use newsearch::{Article, Format, Index, IndexOptions, IndexWriter, WriterOptions, parse_bytes};

const CORPUS: &str = "corpus/reuters-financial-2006-2013.jsonl.gz";
const ARTICLES: usize = 20_000;
const BASE: usize = 10_000;
const BATCHES: [usize; 5] = [1, 10, 100, 1_000, 5_000];

fn main() -> ExitCode {
    // `cargo test --benches` runs this without `--bench`: timing is no test.
    if !std::env::args().any(|a| a == "--bench") {
        eprintln!("writes bench: not run in test mode; use `cargo bench -p benches --bench writes`");
        return ExitCode::SUCCESS;
    }
    match run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("writes bench: {message}");
            ExitCode::FAILURE
        }
    }
}

fn run() -> Result<(), String> {
    let shared = std::env::var_os("NEWSEARCH_SHARED")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared"));
    let articles = load(&shared.join(CORPUS))?;
    let work = Path::new(env!("CARGO_MANIFEST_DIR")).join("../target/bench-data/writes");
    let err = |e: newsearch::Error| e.to_string();

    println!("| measure | runs | median | p90 |");
    println!("|---|---:|---:|---:|");

    // Creating a writer (and dropping it unused), on an index of BASE articles.
    let dir = fresh_index(&work.join("create"), &articles[..BASE])?;
    let index = Index::open(&dir).map_err(err)?;
    for (label, options) in [
        ("default (256 MiB, one thread per core)", WriterOptions::new()),
        ("64 MiB, one thread", WriterOptions::new().memory_budget(64 << 20).threads(1)),
    ] {
        let times = repeat(30, || {
            let started = Instant::now();
            let writer = index.writer_with(&options).map_err(err)?;
            let took = started.elapsed();
            drop(writer);
            Ok(took)
        })?;
        row(&format!("create a writer, {label}"), &times);
    }

    // Commit latency by batch size: add the batch, then commit (timed apart). One writer for
    // the whole series, as a service keeps it.
    let dir = fresh_index(&work.join("commits"), &articles[..BASE])?;
    let index = Index::open(&dir).map_err(err)?;
    let mut writer = index.writer().map_err(err)?;
    let mut next = BASE;
    for batch in BATCHES {
        let runs = (20_000 / batch).clamp(5, 30);
        let mut adds = Vec::new();
        let commits = repeat(runs, || {
            let started = Instant::now();
            for i in 0..batch {
                let mut a = articles[(next + i) % articles.len()].clone();
                a.id = format!("w{}", next + i).into();
                writer.add(&a).map_err(err)?;
            }
            next += batch;
            adds.push(started.elapsed());
            let started = Instant::now();
            writer.commit().map_err(err)?;
            Ok(started.elapsed())
        })?;
        row(&format!("add {batch} articles"), &adds);
        row(&format!("commit after {batch} articles"), &commits);
    }
    // The floor: raw tantivy, same articles, title and body as stored text, same budget.
    raw_tantivy_commits(&work.join("raw"), &articles)?;

    let started = Instant::now();
    finish(writer)?;
    row("finish the writer after the series (waits for merges)", &[started.elapsed()]);

    // `len()` 200 times: a stat per call on disk, an atomic load in memory.
    let memory = Index::in_memory(&IndexOptions::new()).map_err(err)?;
    let mut w = memory.writer_with(&WriterOptions::new().memory_budget(64 << 20)).map_err(err)?;
    for a in &articles[..1_000] {
        w.add(a).map_err(err)?;
    }
    w.commit().map_err(err)?;
    for (label, index) in [("on disk", &index), ("in memory", &memory)] {
        let times = repeat(20, || {
            let started = Instant::now();
            for _ in 0..200 {
                index.len().map_err(err)?;
            }
            Ok(started.elapsed())
        })?;
        row(&format!("200 × len(), {label}"), &times);
    }
    Ok(())
}

/// Commit latency of a bare tantivy index (title and body, stored text) holding BASE of the
/// articles, for 1 and 100 added articles.
fn raw_tantivy_commits(dir: &Path, articles: &[Article]) -> Result<(), String> {
    use tantivy::schema::{STORED, Schema, TEXT};
    let err = |e: tantivy::TantivyError| e.to_string();
    if dir.exists() {
        std::fs::remove_dir_all(dir).map_err(|e| e.to_string())?;
    }
    std::fs::create_dir_all(dir).map_err(|e| e.to_string())?;
    let mut schema = Schema::builder();
    let title = schema.add_text_field("title", TEXT | STORED);
    let body = schema.add_text_field("body", TEXT | STORED);
    let index = tantivy::Index::create_in_dir(dir, schema.build()).map_err(err)?;
    let mut writer: tantivy::IndexWriter = index.writer(256 << 20).map_err(err)?;
    let doc = |a: &Article| tantivy::doc!(title => a.title.as_str(), body => a.body.as_str());
    for a in &articles[..BASE] {
        writer.add_document(doc(a)).map_err(err)?;
    }
    writer.commit().map_err(err)?;
    let mut next = BASE;
    for batch in [1, 100] {
        let times = repeat(30, || {
            for a in &articles[next..next + batch] {
                writer.add_document(doc(a)).map_err(err)?;
            }
            next += batch;
            let started = Instant::now();
            writer.commit().map_err(err)?;
            Ok(started.elapsed())
        })?;
        row(&format!("raw tantivy: commit after {batch} articles"), &times);
    }
    writer.wait_merging_threads().map_err(err)
}

fn finish(writer: IndexWriter) -> Result<(), String> {
    writer.finish().map_err(|e| e.to_string())
}

/// A new index in `dir` holding `articles`, merged as a bulk run leaves it.
fn fresh_index(dir: &Path, articles: &[Article]) -> Result<PathBuf, String> {
    let err = |e: newsearch::Error| e.to_string();
    if dir.exists() {
        std::fs::remove_dir_all(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    }
    let index = Index::create(dir, &IndexOptions::new()).map_err(err)?;
    let mut writer = index.writer().map_err(err)?;
    for a in articles {
        writer.add(a).map_err(err)?;
    }
    writer.commit().map_err(err)?;
    writer.compact().map_err(err)?;
    writer.finish().map_err(err)?;
    Ok(dir.to_owned())
}

/// The first ARTICLES stories of the corpus.
fn load(corpus: &Path) -> Result<Vec<Article>, String> {
    if !corpus.exists() {
        return Err(format!("{} is missing (set NEWSEARCH_SHARED)", corpus.display()));
    }
    eprintln!("writes bench: reading {ARTICLES} articles from {}", corpus.display());
    let out = Command::new("gzip").arg("-dc").arg(corpus).output().map_err(|e| format!("gzip: {e}"))?;
    // gzip is cut short by nothing here: the whole file is read, and the first lines kept.
    let text = String::from_utf8_lossy(&out.stdout);
    let lines: String = text.lines().take(ARTICLES).flat_map(|l| [l, "\n"]).collect();
    let parsed =
        parse_bytes(lines.as_bytes(), Format::JsonLines, Path::new("reuters.jsonl"), "reuters.jsonl")
            .map_err(|e| e.to_string())?;
    if parsed.articles.len() < ARTICLES {
        return Err(format!("read {} articles, expected {ARTICLES}", parsed.articles.len()));
    }
    Ok(parsed.articles)
}

fn repeat(runs: usize, mut once: impl FnMut() -> Result<Duration, String>) -> Result<Vec<Duration>, String> {
    (0..runs).map(|_| once()).collect()
}

fn row(label: &str, times: &[Duration]) {
    let mut sorted = times.to_vec();
    sorted.sort();
    let at = |q: f64| sorted[((sorted.len() - 1) as f64 * q).round() as usize];
    println!("| {label} | {} | {} | {} |", sorted.len(), shown(at(0.5)), shown(at(0.9)));
    eprintln!("writes bench: {label}: median {}", shown(at(0.5)));
}

fn shown(d: Duration) -> String {
    let ms = d.as_secs_f64() * 1e3;
    if ms < 1.0 { format!("{:.0} µs", ms * 1e3) } else { format!("{ms:.1} ms") }
}
