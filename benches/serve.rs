//! HTTP latency of `newsearch serve`'s API: the benchmark queries sent to `/api/search` by 1 or
//! more clients at once over loopback, each on its own keep-alive connection.
//!
//! ```text
//! cargo bench -p benches --bench serve -- --addr 127.0.0.1:PORT --queries FILE --out FILE.json
//!     [--clients N] [--no-snippets]
//! ```
//!
//! Each `queries.jsonl` row becomes the request that asks for what the `queries` bench asks the
//! library for: the same text (a `phrase`, or a `q` in double quotes, as a quoted phrase;
//! characters other than letters, digits and whitespace as spaces; upper-case OR/AND/NOT
//! lowercased), `tag`, `since` and `until` (whole UTC days), top 10 by relevance. The API adds
//! snippets unless `--no-snippets` (`snippets=false`), so compare with the `queries` bench run
//! with `--snippets`, or without it.
//!
//! One untimed warm-up pass sends every query from one client; then the timed pass: `--clients`
//! threads take the next query from a shared counter until all are sent, each request timed
//! from writing it to reading the whole answer (status line, headers, `Content-Length` bytes).
//! Throughput is the queries over the wall time of the pass. Percentiles use the nearest rank,
//! like the `queries` bench and run-peers. The client is plain blocking HTTP/1.1 on `std`'s
//! `TcpStream`, so it costs little next to the server it measures; on 2 cores it still shares
//! them with the server.
//!
//! Writes `--out` as JSON: `{clients, n, p50_ms, p90_ms, p99_ms, mean_ms, max_ms, qps, wall_s,
//! errors, rows: [{i, ns, status, total}]}` (`total`: the API's count, to check against the
//! library's) and prints a one-line summary to stderr. Without `--addr` it prints how to run it
//! and exits 0. `benches/serve-latency` starts the server and runs it; see `benches/README.md`.

#![allow(clippy::print_stdout, clippy::print_stderr)]

#[path = "query_text.rs"]
mod query_text;

use std::fs;
use std::io::{self, BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

const USAGE: &str = "usage: cargo bench -p benches --bench serve -- --addr HOST:PORT --queries FILE \
                     --out FILE.json [--clients N] [--no-snippets]";

/// Hits asked for per query, as in the `queries` bench.
const TOP: usize = 10;

struct Args {
    addr: String,
    queries: PathBuf,
    out: PathBuf,
    clients: usize,
    snippets: bool,
}

impl Args {
    fn parse(mut it: impl Iterator<Item = String>) -> Result<Option<Args>, String> {
        let (mut addr, mut queries, mut out, mut clients, mut snippets) = (None, None, None, 1, true);
        while let Some(arg) = it.next() {
            let mut value = || it.next().ok_or_else(|| format!("{arg} needs a value"));
            match arg.as_str() {
                "--addr" => addr = Some(value()?),
                "--queries" => queries = Some(PathBuf::from(value()?)),
                "--out" => out = Some(PathBuf::from(value()?)),
                "--clients" => {
                    clients = value()?.parse().map_err(|_| "--clients takes a number".to_owned())?;
                    if clients == 0 {
                        return Err("--clients must be at least 1".into());
                    }
                }
                "--no-snippets" => snippets = false,
                // What cargo passes to every bench target.
                "--bench" => {}
                other => return Err(format!("unknown argument {other}")),
            }
        }
        let Some(addr) = addr else { return Ok(None) };
        let queries = queries.ok_or("--queries is required")?;
        let out = out.ok_or("--out is required")?;
        Ok(Some(Args { addr, queries, out, clients, snippets }))
    }
}

fn main() -> ExitCode {
    let args = match Args::parse(std::env::args().skip(1)) {
        Ok(Some(args)) => args,
        Ok(None) => {
            eprintln!(
                "serve bench: nothing to do without --addr (it times a running `newsearch serve`).\n\
                 {USAGE}\n\
                 benches/serve-latency starts the server and runs it; see benches/README.md."
            );
            return ExitCode::SUCCESS;
        }
        Err(message) => {
            eprintln!("serve bench: {message}\n{USAGE}");
            return ExitCode::from(2);
        }
    };
    match run(&args) {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("serve bench: {message}");
            ExitCode::FAILURE
        }
    }
}

/// The request path for one `queries.jsonl` row, as the `queries` bench plans its query.
fn request_path(line_no: usize, row: &Value, snippets: bool) -> Result<String, String> {
    let text = query_text::query_text(line_no, row)?;
    let mut query = form_urlencoded::Serializer::new(String::new());
    query.append_pair("q", &text).append_pair("limit", &TOP.to_string());
    for key in ["tag", "since", "until"] {
        if let Some(value) = row.get(key).and_then(Value::as_str).filter(|s| !s.is_empty()) {
            query.append_pair(key, value);
        }
    }
    if !snippets {
        query.append_pair("snippets", "false");
    }
    Ok(format!("/api/search?{}", query.finish()))
}

/// One keep-alive HTTP/1.1 connection.
struct Connection {
    reader: BufReader<TcpStream>,
    host: String,
}

impl Connection {
    fn open(addr: &str) -> io::Result<Connection> {
        let stream = TcpStream::connect(addr)?;
        stream.set_nodelay(true)?;
        stream.set_read_timeout(Some(Duration::from_secs(60)))?;
        Ok(Connection { reader: BufReader::new(stream), host: addr.to_owned() })
    }

    /// `GET path`: the status and the body.
    fn get(&mut self, path: &str) -> io::Result<(u16, Vec<u8>)> {
        let request = format!("GET {path} HTTP/1.1\r\nHost: {}\r\n\r\n", self.host);
        self.reader.get_mut().write_all(request.as_bytes())?;
        let mut line = String::new();
        self.reader.read_line(&mut line)?;
        let status = line
            .split(' ')
            .nth(1)
            .and_then(|s| s.parse().ok())
            .ok_or_else(|| io::Error::new(io::ErrorKind::InvalidData, format!("status line {line:?}")))?;
        let mut length = 0usize;
        loop {
            line.clear();
            self.reader.read_line(&mut line)?;
            let header = line.trim_end();
            if header.is_empty() {
                break;
            }
            if let Some((name, value)) = header.split_once(':')
                && name.eq_ignore_ascii_case("content-length")
            {
                length = value.trim().parse().map_err(|_| io::Error::other("bad content-length"))?;
            }
        }
        let mut body = vec![0; length];
        self.reader.read_exact(&mut body)?;
        Ok((status, body))
    }
}

/// What one request gave.
#[derive(Clone, Default)]
struct Row {
    ns: u128,
    status: u16,
    total: Option<u64>,
}

fn run(args: &Args) -> Result<(), String> {
    let source = fs::read_to_string(&args.queries)
        .map_err(|e| format!("cannot read {}: {e}", args.queries.display()))?;
    let mut paths = Vec::new();
    for (n, line) in source.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        let row: Value =
            serde_json::from_str(line).map_err(|e| format!("queries line {}: bad JSON: {e}", n + 1))?;
        paths.push(request_path(n + 1, &row, args.snippets)?);
    }

    // Warm-up: every query once, untimed, from one client.
    let mut warm = Connection::open(&args.addr).map_err(|e| format!("connecting to {}: {e}", args.addr))?;
    for path in &paths {
        warm.get(path).map_err(|e| format!("warm-up {path}: {e}"))?;
    }
    drop(warm);

    let next = AtomicUsize::new(0);
    let started = Instant::now();
    let per_client: Vec<Result<Vec<(usize, Row)>, String>> = std::thread::scope(|scope| {
        let workers: Vec<_> = (0..args.clients)
            .map(|_| {
                scope.spawn(|| -> Result<Vec<(usize, Row)>, String> {
                    let mut conn = Connection::open(&args.addr).map_err(|e| format!("connecting: {e}"))?;
                    let mut rows = Vec::new();
                    loop {
                        let i = next.fetch_add(1, Ordering::Relaxed);
                        let Some(path) = paths.get(i) else { break };
                        let t = Instant::now();
                        let (status, body) = conn.get(path).map_err(|e| format!("{path}: {e}"))?;
                        let ns = t.elapsed().as_nanos();
                        // Read after the clock stops, and cheaply: the clients share the cores with
                        // the server, so parsing every answer would slow the server down.
                        let total = leading_total(&body);
                        rows.push((i, Row { ns, status, total }));
                    }
                    Ok(rows)
                })
            })
            .collect();
        workers.into_iter().map(|w| w.join().unwrap_or_else(|_| Err("a client panicked".into()))).collect()
    });
    let wall = started.elapsed();
    let mut rows = vec![Row::default(); paths.len()];
    for client in per_client {
        for (i, row) in client? {
            rows[i] = row;
        }
    }

    let ms: Vec<f64> = rows.iter().map(|r| r.ns as f64 / 1e6).collect();
    let mut sorted = ms.clone();
    sorted.sort_by(f64::total_cmp);
    let errors = rows.iter().filter(|r| r.status != 200).count();
    let qps = paths.len() as f64 / wall.as_secs_f64();
    let report = json!({
        "clients": args.clients,
        "snippets": args.snippets,
        "n": ms.len(),
        "p50_ms": pct(&sorted, 50.0),
        "p90_ms": pct(&sorted, 90.0),
        "p99_ms": pct(&sorted, 99.0),
        "mean_ms": ms.iter().sum::<f64>() / ms.len().max(1) as f64,
        "max_ms": sorted.last().copied().unwrap_or(0.0),
        "qps": qps,
        "wall_s": wall.as_secs_f64(),
        "errors": errors,
        "rows": rows.iter().enumerate().map(|(i, r)| json!({"i": i, "ns": r.ns as u64, "status": r.status, "total": r.total})).collect::<Vec<_>>(),
    });
    fs::write(&args.out, serde_json::to_vec_pretty(&report).map_err(|e| e.to_string())?)
        .map_err(|e| format!("cannot write {}: {e}", args.out.display()))?;
    eprintln!(
        "serve bench: {} queries, {} client(s), snippets {}: p50 {:.3} ms, p99 {:.3} ms, {:.0} queries/s, {errors} errors",
        ms.len(),
        args.clients,
        if args.snippets { "on" } else { "off" },
        pct(&sorted, 50.0),
        pct(&sorted, 99.0),
        qps
    );
    Ok(())
}

/// The `total` an answer starts with (`{"total":N,…`).
fn leading_total(body: &[u8]) -> Option<u64> {
    let rest = body.strip_prefix(br#"{"total":"#)?;
    let digits = rest.iter().take_while(|b| b.is_ascii_digit()).count();
    std::str::from_utf8(&rest[..digits]).ok()?.parse().ok()
}

/// Nearest rank: the value at index ceil(p/100 · n) − 1 of the sorted values.
fn pct(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let rank = (p / 100.0 * sorted.len() as f64).ceil() as i64 - 1;
    sorted[rank.clamp(0, sorted.len() as i64 - 1) as usize]
}
