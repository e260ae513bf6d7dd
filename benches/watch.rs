//! Following a folder (`IndexWriter::watch`, what `newsearch index --watch` runs): how long a
//! written file takes to become searchable, how many commits a steady trickle costs, and what an
//! idle watcher over the whole shared corpus costs in CPU and memory.
//!
//! - Latency: 1,000 small articles written at 10 per second, then 1,000 written at once, into a
//!   watched folder on disk. For the trickle, each file's latency is from its close to the first
//!   search that finds its own word. For the burst, the visible count is polled every 5 ms and the
//!   k-th file closed is counted as visible when k of them are (files become visible in batches).
//! - Idle: a watcher over the corpus rendered as files by `benches/scale` (129,163 files under
//!   `target/bench-data/scale/files-x1`), after its first (incremental) run: CPU time and resident
//!   memory of this process over 30 idle seconds.
//!
//! Run with `cargo bench -p benches --bench watch` (the idle part is skipped, with a note, when
//! the rendered corpus is absent: `benches/scale --factors 1` makes it).

#![allow(clippy::print_stdout, clippy::print_stderr)]

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use newsearch::{
    CancelToken, Index, IndexOptions, MatchMode, Query, WatchEvent, WatchOptions, WriterOptions,
};

fn main() -> ExitCode {
    if !std::env::args().any(|a| a == "--bench") {
        eprintln!("watch bench: not run in test mode; use `cargo bench -p benches --bench watch`");
        return ExitCode::SUCCESS;
    }
    match run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("watch bench: {message}");
            ExitCode::FAILURE
        }
    }
}

/// A watch on its own thread; stopped and joined by `stop`.
struct Watching {
    index: Index,
    stop: CancelToken,
    commits: Arc<Mutex<Vec<Instant>>>,
    thread: std::thread::JoinHandle<newsearch::Result<()>>,
}

fn start(folder: &Path, index_dir: &Path) -> Result<Watching, String> {
    let index = Index::open_or_create(index_dir, &IndexOptions::new()).map_err(|e| e.to_string())?;
    let mut writer =
        index.writer_with(&WriterOptions::new().memory_budget(128 << 20)).map_err(|e| e.to_string())?;
    let stop = CancelToken::new();
    let commits = Arc::new(Mutex::new(Vec::new()));
    let (ready, started) = std::sync::mpsc::channel();
    let (folder, token, seen) = (folder.to_owned(), stop.clone(), Arc::clone(&commits));
    let thread = std::thread::spawn(move || {
        writer.watch(&[folder], &WatchOptions::new(), &token, &mut |event| match event {
            WatchEvent::Watching { .. } => drop(ready.send(())),
            WatchEvent::Applied { .. } => seen.lock().expect("not poisoned").push(Instant::now()),
            _ => {}
        })
    });
    started.recv_timeout(Duration::from_secs(1800)).map_err(|_| "the watch did not start".to_owned())?;
    Ok(Watching { index, stop, commits, thread })
}

impl Watching {
    fn stop(self) -> Result<(), String> {
        self.stop.cancel();
        self.thread.join().map_err(|_| "the watch panicked".to_owned())?.map_err(|e| e.to_string())
    }
}

fn run() -> Result<(), String> {
    let work = Path::new(env!("CARGO_MANIFEST_DIR")).join("../target/bench-data/watch");
    let _ = std::fs::remove_dir_all(work.join("live"));
    let _ = std::fs::remove_dir_all(work.join("idx"));
    std::fs::create_dir_all(work.join("live")).map_err(|e| e.to_string())?;
    let folder = work.join("live").canonicalize().map_err(|e| e.to_string())?;
    let w = start(&folder, &work.join("idx"))?;

    println!("| measure | files | p50 | p99 | max |");
    println!("|---|---:|---:|---:|---:|");

    // A trickle: 10 files a second, each found by its own word.
    let started = Instant::now();
    let mut waiting: Vec<(usize, Instant)> = Vec::new();
    let mut trickle = Vec::new();
    let mut next_write = Instant::now();
    let mut written = 0;
    while written < 1000 || !waiting.is_empty() {
        if written < 1000 && Instant::now() >= next_write {
            write_article(&folder, written)?;
            waiting.push((written, Instant::now()));
            written += 1;
            next_write += Duration::from_millis(100);
        }
        waiting.retain(|&(n, closed)| {
            let found = w
                .index
                .search(&Query::new(word(n)).mode(MatchMode::All).limit(1))
                .map(|r| r.total)
                .unwrap_or(0);
            if found > 0 {
                trickle.push(closed.elapsed());
            }
            found == 0
        });
        if started.elapsed() > Duration::from_secs(600) {
            return Err("the trickle took over 10 minutes".into());
        }
        std::thread::sleep(Duration::from_millis(5));
    }
    let minutes = started.elapsed().as_secs_f64() / 60.0;
    let commits = w.commits.lock().map_err(|_| "poisoned")?.len();
    row("close → searchable, 10 files/s", &mut trickle);
    eprintln!("watch bench: trickle: {commits} commits in {minutes:.2} min");

    // A burst: 1,000 files at once.
    let base = w.index.len().map_err(|e| e.to_string())? as usize;
    let mut closes = Vec::new();
    for n in 1000..2000 {
        write_article(&folder, n)?;
        closes.push(Instant::now());
    }
    let commits_before = w.commits.lock().map_err(|_| "poisoned")?.len();
    let mut burst = Vec::new();
    let deadline = Instant::now() + Duration::from_secs(120);
    while burst.len() < closes.len() {
        let visible = (w.index.len().map_err(|e| e.to_string())? as usize).saturating_sub(base);
        while burst.len() < visible.min(closes.len()) {
            burst.push(closes[burst.len()].elapsed());
        }
        if Instant::now() > deadline {
            return Err("the burst was not searchable within 2 minutes".into());
        }
        std::thread::sleep(Duration::from_millis(5));
    }
    std::thread::sleep(Duration::from_millis(500));
    let burst_commits = w.commits.lock().map_err(|_| "poisoned")?.len() - commits_before;
    row("close → searchable, 1,000 at once", &mut burst);
    w.stop()?;
    println!();
    println!(
        "Commits: {commits} for the 1,000-file trickle ({:.0} a minute at 10 files a second); {burst_commits} for the burst.",
        commits as f64 / minutes
    );

    idle(&work)
}

/// CPU and memory of an idle watcher over the rendered corpus.
fn idle(work: &Path) -> Result<(), String> {
    let corpus = Path::new(env!("CARGO_MANIFEST_DIR")).join("../target/bench-data/scale/files-x1");
    if !corpus.is_dir() {
        println!(
            "\nIdle: skipped ({} is missing; `benches/scale --factors 1` renders it).",
            corpus.display()
        );
        return Ok(());
    }
    let index_dir: PathBuf = work.join("idx-x1");
    let started = Instant::now();
    let w = start(&corpus, &index_dir)?;
    let articles = w.index.len().map_err(|e| e.to_string())?;
    eprintln!(
        "watch bench: idle: first run over {articles} articles took {:.1} s",
        started.elapsed().as_secs_f64()
    );
    std::thread::sleep(Duration::from_secs(2));
    let (cpu0, t0) = (cpu_seconds()?, Instant::now());
    let rss0 = rss_mib()?;
    std::thread::sleep(Duration::from_secs(30));
    let cpu = cpu_seconds()? - cpu0;
    let rss = rss_mib()?;
    w.stop()?;
    println!(
        "\nIdle over {articles} articles in 129,163 files ({} folders watched): CPU {:.2} % of one core over {:.0} s; resident memory {rss0:.0} MiB → {rss:.0} MiB.",
        count_dirs(&corpus),
        100.0 * cpu / t0.elapsed().as_secs_f64(),
        t0.elapsed().as_secs_f64()
    );
    Ok(())
}

fn word(n: usize) -> String {
    // Letters only: the analyzer keeps them as one word.
    let mut s = String::from("zq");
    let mut n = n;
    for _ in 0..4 {
        s.push((b'a' + (n % 26) as u8) as char);
        n /= 26;
    }
    s
}

fn write_article(folder: &Path, n: usize) -> Result<(), String> {
    let text = format!("# Dispatch {n}\n\nHarbour note {} about the morning shift.\n", word(n));
    std::fs::write(folder.join(format!("a{n:05}.md")), text).map_err(|e| e.to_string())
}

fn row(label: &str, times: &mut [Duration]) {
    times.sort();
    let at = |q: f64| times[((times.len() - 1) as f64 * q).round() as usize];
    let ms = |d: Duration| format!("{:.0} ms", d.as_secs_f64() * 1e3);
    println!("| {label} | {} | {} | {} | {} |", times.len(), ms(at(0.5)), ms(at(0.99)), ms(at(1.0)));
}

fn cpu_seconds() -> Result<f64, String> {
    let stat = std::fs::read_to_string("/proc/self/stat").map_err(|e| e.to_string())?;
    let fields: Vec<&str> =
        stat.rsplit_once(')').map(|(_, rest)| rest.split_whitespace().collect()).unwrap_or_default();
    let ticks = |i: usize| fields.get(i).and_then(|f| f.parse::<f64>().ok()).unwrap_or(0.0);
    // utime and stime, in clock ticks (100 a second on Linux).
    Ok((ticks(11) + ticks(12)) / 100.0)
}

fn rss_mib() -> Result<f64, String> {
    let status = std::fs::read_to_string("/proc/self/status").map_err(|e| e.to_string())?;
    let kib = status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.split_whitespace().next()?.parse::<f64>().ok())
        .unwrap_or(0.0);
    Ok(kib / 1024.0)
}

fn count_dirs(root: &Path) -> usize {
    let mut n = 1;
    if let Ok(entries) = std::fs::read_dir(root) {
        for e in entries.flatten() {
            if e.file_type().is_ok_and(|t| t.is_dir()) {
                n += count_dirs(&e.path());
            }
        }
    }
    n
}
