//! Ranking quality: nDCG@10, MAP and recall@100 on judged collections, and known-item search
//! on the news corpus, all through the newsearch library.
//!
//! ```sh
//! cargo bench -p benches --bench eval                       # every collection, every setting
//! cargo bench -p benches --bench eval -- scifact            # one collection: scifact, time, known-item
//! cargo bench -p benches --bench eval -- scifact --quick    # only the defaults and `any` with Porter
//! cargo bench -p benches --bench eval -- scifact --quick --train   # SciFact's 809 training claims
//! ```
//!
//! `--train` judges with a collection's `qrels/train.tsv` instead of `test.tsv`: queries no
//! ranking choice was tuned on, the check that a change which helps the test queries is not
//! fitted to them.
//!
//! Collections are read from `../shared/corpus` (or `$NEWSEARCH_SHARED/corpus`): the BEIR-layout
//! `qrels/scifact` and `qrels/time-magazine-1963`, and for known-item search the first 20,000
//! articles of `reuters-financial-2006-2013.jsonl.gz` (where the title boosts were chosen) and of
//! `bbc-news-2004-2005.jsonl.gz` (the check on other news). Without them the bench says so and
//! exits 0.

use std::collections::{HashMap, HashSet};
use std::fs;
use std::io::{BufRead, BufReader, Read};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Instant;

use newsearch::{Article, Index, IndexOptions, MatchMode, Query, Stemming, Tag, WriterOptions};
use serde_json::Value;

type BoxError = Box<dyn std::error::Error>;

fn main() -> Result<(), BoxError> {
    let args: Vec<String> = std::env::args().skip(1).filter(|a| !a.starts_with("--")).collect();
    let wanted = |name: &str| args.is_empty() || args.iter().any(|a| a == name);
    let shared = std::env::var_os("NEWSEARCH_SHARED")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared"));
    let qrels = shared.join("corpus/qrels");
    if !qrels.is_dir() {
        println!("skipping: {} not found (set NEWSEARCH_SHARED to the shared folder)", qrels.display());
        return Ok(());
    }
    println!("| collection | stemming | title boost | mode | nDCG@10 | MAP | R@100 | queries |");
    println!("|---|---|---:|---|---:|---:|---:|---:|");
    for (name, dir) in [("scifact", "scifact"), ("time", "time-magazine-1963")] {
        if wanted(name) {
            judged(name, &qrels.join(dir))?;
        }
    }
    if wanted("known-item") {
        // Tuned on the first; the second is the check on other news.
        for corpus in ["reuters-financial-2006-2013.jsonl.gz", "bbc-news-2004-2005.jsonl.gz"] {
            known_item(&shared.join("corpus").join(corpus))?;
        }
    }
    Ok(())
}

/// Every setting worth comparing on one judged collection, one table row each.
fn judged(name: &str, dir: &Path) -> Result<(), BoxError> {
    let docs = read_jsonl(&dir.join("corpus.jsonl"))?;
    let queries: HashMap<String, String> = read_jsonl(&dir.join("queries.jsonl"))?
        .into_iter()
        .map(|q| (str_of(&q, "_id"), str_of(&q, "text")))
        .collect();
    let split = if std::env::args().any(|a| a == "--train") { "train" } else { "test" };
    let qrels = dir.join(format!("qrels/{split}.tsv"));
    if !qrels.exists() {
        println!("| {name} | (no {split} judgments) | | | | | | |");
        return Ok(());
    }
    let judgments = read_qrels(&qrels)?;
    let quick = std::env::args().any(|a| a == "--quick");
    for stemming in [Stemming::Porter, Stemming::English, Stemming::None] {
        if quick && stemming != Stemming::Porter {
            continue;
        }
        let index = Index::in_memory(&IndexOptions::new().stemming(stemming))?;
        let mut writer = index.writer_with(&WriterOptions::new().memory_budget(128 << 20))?;
        for d in &docs {
            let mut a = Article::new(str_of(d, "_id"), "", str_of(d, "title"));
            a.body = str_of(d, "text");
            writer.add(&a)?;
        }
        writer.commit()?;
        drop(writer);
        if stemming == Stemming::Porter {
            let m = evaluate(&index, &queries, &judgments, 0.0, None)?;
            println!(
                "| {name} | {stemming} | default | default | {:.4} | {:.4} | {:.4} | {} |",
                m.ndcg10, m.map, m.recall100, m.queries
            );
            if let Some(m) = through_the_cli(name, &docs, &queries, &judgments)? {
                println!(
                    "| {name} | {stemming} | default | CLI, no flag | {:.4} | {:.4} | {:.4} | {} |",
                    m.ndcg10, m.map, m.recall100, m.queries
                );
            }
        }
        let boosts: &[f32] = match stemming {
            Stemming::Porter if quick => &[0.25],
            Stemming::Porter => &[0.0, 0.25, 0.5, 0.75, 1.0, 2.0],
            Stemming::English => &[0.25, 2.0],
            _ => &[2.0],
        };
        for &boost in boosts {
            let modes: &[MatchMode] = if boost == 2.0 {
                &[MatchMode::Any, MatchMode::Auto, MatchMode::All]
            } else {
                &[MatchMode::Any]
            };
            for &mode in modes {
                let m = evaluate(&index, &queries, &judgments, boost, Some(mode))?;
                println!(
                    "| {name} | {stemming} | {boost} | {mode} | {:.4} | {:.4} | {:.4} | {} |",
                    m.ndcg10, m.map, m.recall100, m.queries
                );
            }
        }
    }
    Ok(())
}

struct Metrics {
    ndcg10: f64,
    map: f64,
    recall100: f64,
    queries: usize,
}

fn evaluate(
    index: &Index,
    queries: &HashMap<String, String>,
    judgments: &HashMap<String, HashMap<String, u32>>,
    boost: f32,
    mode: Option<MatchMode>,
) -> Result<Metrics, BoxError> {
    scored(queries, judgments, |text| {
        // `None`: the defaults, as `newsearch query` with no flag runs it.
        let query = match mode {
            Some(mode) => Query::new(plain(text)).mode(mode).title_boost(boost),
            None => Query::new(plain(text)),
        };
        let query = query.limit(1000).snippets(false);
        Ok(match index.search(&query) {
            Ok(results) => results.hits.into_iter().map(|h| h.article.id.to_string()).collect(),
            Err(_) => Vec::new(),
        })
    })
}

/// The metrics of the ranking `search` gives each judged query's text.
fn scored(
    queries: &HashMap<String, String>,
    judgments: &HashMap<String, HashMap<String, u32>>,
    mut search: impl FnMut(&str) -> Result<Vec<String>, BoxError>,
) -> Result<Metrics, BoxError> {
    let (mut ndcg, mut ap, mut recall, mut n) = (0.0, 0.0, 0.0, 0usize);
    let mut ids: Vec<&String> = judgments.keys().collect();
    ids.sort();
    for qid in ids {
        let Some(text) = queries.get(qid) else { continue };
        let rels = &judgments[qid];
        let ranked = search(text)?;
        ndcg += ndcg_at(&ranked, rels, 10);
        ap += average_precision(&ranked, rels);
        let relevant = rels.values().filter(|&&r| r > 0).count().max(1);
        recall += ranked.iter().take(100).filter(|id| rels.get(*id).is_some_and(|&r| r > 0)).count() as f64
            / relevant as f64;
        n += 1;
    }
    let n_f = n.max(1) as f64;
    Ok(Metrics { ndcg10: ndcg / n_f, map: ap / n_f, recall100: recall / n_f, queries: n })
}

/// The collection through the command line, as a user would run it: the documents as a JSON
/// Lines export indexed by `newsearch index`, then one `newsearch query --json -n 1000` process
/// per query with no other flag, the query retyped without punctuation. `None` without a
/// release build of the binary.
fn through_the_cli(
    name: &str,
    docs: &[Value],
    queries: &HashMap<String, String>,
    judgments: &HashMap<String, HashMap<String, u32>>,
) -> Result<Option<Metrics>, BoxError> {
    let binary = Path::new(env!("CARGO_MANIFEST_DIR")).join("../target/release/newsearch");
    if !binary.exists() {
        println!("(skipping the CLI rows: build it first with cargo build --release)");
        return Ok(None);
    }
    let dir = std::env::temp_dir().join(format!("newsearch-eval-{name}-{}", std::process::id()));
    fs::create_dir_all(&dir)?;
    let export = dir.join("docs.jsonl");
    let mut lines = String::new();
    for d in docs {
        let record = serde_json::json!({"id": str_of(d, "_id"), "title": str_of(d, "title"), "body": str_of(d, "text")});
        lines.push_str(&record.to_string());
        lines.push('\n');
    }
    fs::write(&export, lines)?;
    let index = dir.join("index");
    let status = Command::new(&binary).args(["index", "-q", "--index"]).arg(&index).arg(&export).status()?;
    // Exit 2 only reports records without text; the rest is indexed.
    if !matches!(status.code(), Some(0 | 2)) {
        return Err(format!("newsearch index failed: {status}").into());
    }
    let retyped = |text: &str| -> String {
        text.chars().map(|c| if c.is_alphanumeric() || c.is_whitespace() { c } else { ' ' }).collect()
    };
    let result = scored(queries, judgments, |text| {
        let out = Command::new(&binary)
            .args(["query", "--json", "-n", "1000", "--index"])
            .arg(&index)
            .arg("--")
            .arg(retyped(text))
            .stderr(Stdio::null())
            .output()?;
        Ok(String::from_utf8_lossy(&out.stdout)
            .lines()
            .filter_map(|l| serde_json::from_str::<Value>(l).ok())
            .filter_map(|row| row.get("id").and_then(Value::as_str).map(str::to_owned))
            .collect())
    });
    fs::remove_dir_all(&dir)?;
    result.map(Some)
}

/// Natural-language text as a plain word query: syntax characters become spaces.
fn plain(text: &str) -> String {
    text.chars().map(|c| if c.is_alphanumeric() || c == '\'' || c == '’' { c } else { ' ' }).collect()
}

/// nDCG with linear gains, as trec_eval computes `ndcg_cut`.
fn ndcg_at(ranked: &[String], rels: &HashMap<String, u32>, k: usize) -> f64 {
    let dcg: f64 = ranked
        .iter()
        .take(k)
        .enumerate()
        .map(|(i, id)| f64::from(*rels.get(id).unwrap_or(&0)) / (i as f64 + 2.0).log2())
        .sum();
    let mut ideal: Vec<u32> = rels.values().copied().collect();
    ideal.sort_unstable_by(|a, b| b.cmp(a));
    let idcg: f64 =
        ideal.iter().take(k).enumerate().map(|(i, r)| f64::from(*r) / (i as f64 + 2.0).log2()).sum();
    if idcg > 0.0 { dcg / idcg } else { 0.0 }
}

fn average_precision(ranked: &[String], rels: &HashMap<String, u32>) -> f64 {
    let relevant = rels.values().filter(|&&r| r > 0).count();
    if relevant == 0 {
        return 0.0;
    }
    let mut hits = 0;
    let mut sum = 0.0;
    for (i, id) in ranked.iter().enumerate() {
        if rels.get(id).is_some_and(|&r| r > 0) {
            hits += 1;
            sum += hits as f64 / (i + 1) as f64;
        }
    }
    sum / relevant as f64
}

/// Known-item search: for a fixed sample of articles, a query of distinctive title words
/// should find that article first.
fn known_item(corpus: &Path) -> Result<(), BoxError> {
    if !corpus.exists() {
        println!("\nskipping known-item: {} not found", corpus.display());
        return Ok(());
    }
    const DOCS: usize = 20_000;
    const SAMPLE: usize = 500;
    let mut gz = Command::new("gzip").arg("-dc").arg(corpus).stdout(Stdio::piped()).spawn()?;
    let mut text = String::new();
    let reader = BufReader::new(gz.stdout.take().ok_or("no gzip output")?);
    for line in reader.lines().take(DOCS) {
        text.push_str(&line?);
        text.push('\n');
    }
    let _ = gz.kill();
    let _ = gz.wait();
    let docs: Vec<Value> = text.lines().filter_map(|l| serde_json::from_str(l).ok()).collect();

    // How many titles each lowercased title word appears in: rare words are distinctive.
    let words = |title: &str| -> Vec<String> {
        plain(title).split_whitespace().map(str::to_lowercase).filter(|w| w.chars().count() > 2).collect()
    };
    let mut title_df: HashMap<String, usize> = HashMap::new();
    for d in &docs {
        let unique: HashSet<String> = words(&str_of(d, "title")).into_iter().collect();
        for w in unique {
            *title_df.entry(w).or_default() += 1;
        }
    }
    let started = Instant::now();
    let index = Index::in_memory(&IndexOptions::new())?;
    let mut writer = index.writer_with(&WriterOptions::new().memory_budget(256 << 20))?;
    for d in &docs {
        let mut a = Article::new(str_of(d, "id"), "", str_of(d, "title"));
        a.body = str_of(d, "body");
        if let Some(tags) = d["tags"].as_array() {
            a.extend_tags(tags.iter().filter_map(Value::as_str).map(Tag::new));
        }
        writer.add(&a)?;
    }
    writer.commit()?;
    drop(writer);
    let built = started.elapsed();

    println!(
        "\n| known-item, {} ({} articles, {SAMPLE} queries) | words | title boost | mode | MRR | success@1 | success@10 |",
        corpus.file_name().and_then(|n| n.to_str()).unwrap_or("?").trim_end_matches(".jsonl.gz"),
        docs.len()
    );
    println!("|---|---:|---:|---|---:|---:|---:|");
    // `None`: the defaults, as `newsearch query` with no flag runs it.
    let all = Some(MatchMode::All);
    for (n_words, boost, mode) in [
        (2, None, None),
        (3, None, None),
        (2, Some(0.0), all),
        (2, Some(0.5), all),
        (2, Some(1.0), all),
        (2, Some(2.0), all),
        (3, Some(0.25), all),
        (3, Some(0.5), all),
        (3, Some(1.0), all),
        (3, Some(2.0), all),
        (3, Some(0.25), Some(MatchMode::Any)),
    ] {
        {
            let (mut rr, mut at1, mut at10, mut asked) = (0.0, 0, 0, 0);
            // Every (DOCS / SAMPLE)-th article: fixed, spread over the sample.
            for d in docs.iter().step_by(docs.len() / SAMPLE).take(SAMPLE) {
                let mut ws: Vec<String> = words(&str_of(d, "title"));
                ws.sort_by_key(|w| (title_df.get(w).copied().unwrap_or(0), w.clone()));
                ws.dedup();
                if ws.len() < n_words {
                    continue;
                }
                asked += 1;
                let q = ws[..n_words].join(" ");
                let mut query = Query::new(q).limit(10).snippets(false);
                if let Some(mode) = mode {
                    query = query.mode(mode);
                }
                if let Some(boost) = boost {
                    query = query.title_boost(boost);
                }
                let hits = index.search(&query)?.hits;
                let target = str_of(d, "id");
                if let Some(rank) = hits.iter().position(|h| h.article.id.as_str() == target) {
                    rr += 1.0 / (rank + 1) as f64;
                    at10 += 1;
                    if rank == 0 {
                        at1 += 1;
                    }
                }
            }
            let n = asked.max(1) as f64;
            println!(
                "| rarest title words | {n_words} | {} | {} | {:.3} | {:.3} | {:.3} |",
                boost.map_or("default".to_owned(), |b| b.to_string()),
                mode.map_or("default".to_owned(), |m| m.to_string()),
                rr / n,
                at1 as f64 / n,
                at10 as f64 / n
            );
        }
    }
    println!("\n(indexed {} articles in memory in {:.1} s)", docs.len(), built.as_secs_f64());
    Ok(())
}

fn read_jsonl(path: &Path) -> Result<Vec<Value>, BoxError> {
    let mut text = String::new();
    fs::File::open(path)?.read_to_string(&mut text)?;
    Ok(text.lines().filter(|l| !l.trim().is_empty()).map(serde_json::from_str).collect::<Result<_, _>>()?)
}

/// query id → (document id → relevance), from a BEIR `qrels/*.tsv` with a header line.
fn read_qrels(path: &Path) -> Result<HashMap<String, HashMap<String, u32>>, BoxError> {
    let mut out: HashMap<String, HashMap<String, u32>> = HashMap::new();
    for line in fs::read_to_string(path)?.lines().skip(1) {
        let cols: Vec<&str> = line.split('\t').collect();
        if let [q, d, score] = cols.as_slice() {
            out.entry((*q).to_owned()).or_default().insert((*d).to_owned(), score.trim().parse()?);
        }
    }
    Ok(out)
}

fn str_of(v: &Value, key: &str) -> String {
    match &v[key] {
        Value::String(s) => s.clone(),
        Value::Null => String::new(),
        other => other.to_string(),
    }
}
