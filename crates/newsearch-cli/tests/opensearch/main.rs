//! `newsearch export --to` against a real two-node OpenSearch 2.19 cluster, started by
//! scripts/opensearch-cluster in plain JVMs on 127.0.0.1 (Java 17 and Maven needed; the test
//! says so and skips without them). The cluster is stopped when the test ends, however it
//! ends: a guard stops it by the process ids in its pid files.

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use serde_json::{Value, json};

fn repo_path(rel: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..").join(rel)
}

fn newsearch() -> assert_cmd::Command {
    let mut cmd = assert_cmd::Command::cargo_bin("newsearch").expect("binary built");
    cmd.env_remove("NEWSEARCH_INDEX")
        .env_remove("NEWSEARCH_ES_USER")
        .env_remove("NEWSEARCH_ES_PASSWORD")
        .env_remove("NEWSEARCH_ES_API_KEY");
    cmd
}

/// A running cluster, stopped (all nodes, by pid) when dropped.
struct Cluster {
    dir: PathBuf,
    port: u16,
}

impl Cluster {
    /// Starts `nodes` nodes, or `None` (with the reason printed) where Java or Maven is missing.
    fn start(dir: &Path, nodes: u32) -> Option<Cluster> {
        let script = repo_path("scripts/opensearch-cluster");
        for _ in 0..5 {
            let port = free_port_base(nodes);
            let started = Instant::now();
            let out = Command::new(&script)
                .arg("start")
                .arg(dir)
                .args(["--nodes", &nodes.to_string(), "--port", &port.to_string(), "--heap", "512m"])
                .args(["--timeout", "240"])
                .output()
                .expect("run scripts/opensearch-cluster");
            let stderr = String::from_utf8_lossy(&out.stderr);
            match out.status.code() {
                Some(0) => {
                    eprintln!(
                        "cluster of {nodes} up on port {port} in {:.1} s:\n{stderr}",
                        started.elapsed().as_secs_f64()
                    );
                    return Some(Cluster { dir: dir.to_owned(), port });
                }
                Some(3) => {
                    eprintln!(
                        "SKIPPED: the OpenSearch cluster test needs Java 17 and Maven: {}",
                        stderr.trim()
                    );
                    return None;
                }
                // A port taken between the probe and the start: try other ports.
                Some(2) if stderr.contains("in use") => continue,
                _ => {
                    // Whatever the script started is stopped by its own trap; make sure.
                    let _ = Cluster { dir: dir.to_owned(), port };
                    panic!("the cluster did not start ({:?}):\n{stderr}", out.status);
                }
            }
        }
        panic!("no free ports for the cluster after 5 tries");
    }

    fn url(&self, path: &str) -> String {
        format!("http://127.0.0.1:{}/{path}", self.port)
    }

    fn stop_node(&self, node: u32) {
        let status = Command::new(repo_path("scripts/opensearch-cluster"))
            .arg("stop")
            .arg(&self.dir)
            .args(["--node", &node.to_string()])
            .status()
            .unwrap();
        assert!(status.success(), "stopping node {node}: {status}");
    }

    /// The process ids in the pid files of the nodes still running.
    fn pids(&self) -> Vec<i32> {
        let mut pids = Vec::new();
        for entry in std::fs::read_dir(&self.dir).into_iter().flatten().flatten() {
            if let Ok(text) = std::fs::read_to_string(entry.path().join("node.pid"))
                && let Ok(pid) = text.trim().parse::<i32>()
                && running_now(pid)
            {
                pids.push(pid);
            }
        }
        pids
    }
}

impl Drop for Cluster {
    fn drop(&mut self) {
        let _ = Command::new(repo_path("scripts/opensearch-cluster")).arg("stop").arg(&self.dir).status();
        // The script waits for each node; if anything is left, it goes now.
        for pid in self.pids() {
            let _ = rustix::process::kill_process(
                rustix::process::Pid::from_raw(pid).expect("a positive pid"),
                rustix::process::Signal::KILL,
            );
        }
    }
}

fn running_now(pid: i32) -> bool {
    std::fs::read_to_string(format!("/proc/{pid}/stat"))
        .is_ok_and(|s| s.rsplit(')').next().is_some_and(|rest| !rest.trim_start().starts_with('Z')))
}

/// A port P such that P, P+1… (HTTP) and P+100, P+101… (transport) are free now.
fn free_port_base(nodes: u32) -> u16 {
    let seed = std::process::id() as u16;
    for i in 0..2000u16 {
        let base = 20000 + (seed.wrapping_mul(7).wrapping_add(i * 211)) % 30000;
        let ports: Vec<u16> = (0..nodes as u16).flat_map(|k| [base + k, base + 100 + k]).collect();
        if ports.iter().all(|p| TcpListener::bind(("127.0.0.1", *p)).is_ok()) {
            return base;
        }
    }
    panic!("no free port range found");
}

fn agent() -> ureq::Agent {
    ureq::Agent::config_builder()
        .http_status_as_error(false)
        .timeout_global(Some(Duration::from_secs(90)))
        .build()
        .new_agent()
}

fn get(url: &str) -> (u16, Value) {
    let mut response = agent().get(url).call().unwrap_or_else(|e| panic!("GET {url}: {e}"));
    let status = response.status().as_u16();
    (status, response.body_mut().read_json().unwrap_or(Value::Null))
}

fn post(url: &str, body: &Value) -> Value {
    let mut response = agent().post(url).send_json(body).unwrap_or_else(|e| panic!("POST {url}: {e}"));
    let status = response.status().as_u16();
    let value: Value = response.body_mut().read_json().unwrap_or(Value::Null);
    assert_eq!(status, 200, "POST {url}: {value}");
    value
}

fn count(cluster: &Cluster) -> u64 {
    get(&cluster.url("news/_count")).1["count"].as_u64().expect("a count")
}

/// The ids of the mission query ("Zelensky Kellogg", tag Ukraine) in the cluster, best first.
fn mission(cluster: &Cluster) -> Vec<String> {
    let query = json!({
        "size": 10,
        "_source": false,
        "query": {"bool": {
            "must": {"multi_match": {"query": "Zelensky Kellogg", "fields": ["title^2", "body"], "operator": "and"}},
            "filter": {"term": {"tags": "Ukraine"}}
        }}
    });
    let answer = post(&cluster.url("news/_search"), &query);
    answer["hits"]["hits"].as_array().unwrap().iter().map(|h| h["_id"].as_str().unwrap().to_owned()).collect()
}

fn push(index: &Path, cluster: &Cluster) -> Value {
    let out = newsearch()
        .arg("export")
        .arg("--index")
        .arg(index)
        .args(["--to", &cluster.url("news"), "--replicas", "1", "--json"])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "push failed: {stderr}");
    eprintln!("{stderr}");
    serde_json::from_slice(&out.stdout).expect("a JSON summary")
}

fn index(articles: &Path, index: &Path) {
    newsearch().arg("index").arg("--index").arg(index).arg(articles).assert().success();
}

const SEED: &str = "2025/02/zelensky-pushes-for-us-security-deal.txt";

#[test]
fn an_archive_pushed_to_a_two_node_cluster_is_searchable_follows_changes_and_survives_a_node() {
    let work = tempfile::tempdir().unwrap();
    let Some(cluster) = Cluster::start(&work.path().join("cluster"), 2) else { return };

    // The shipped examples, indexed and pushed.
    let articles = work.path().join("articles");
    copy_dir(&repo_path("examples/articles"), &articles);
    let idx = work.path().join("index");
    index(&articles, &idx);
    let total = newsearch().arg("stats").arg("--index").arg(&idx).arg("--json").output().unwrap();
    let total = serde_json::from_slice::<Value>(&total.stdout).unwrap()["articles"].as_u64().unwrap();
    assert!(total >= 10, "{total}");

    let report = push(&idx, &cluster);
    assert_eq!(report["plan"]["created_index"], true);
    assert_eq!(
        (report["created"].as_u64(), report["failed"].as_array().map(Vec::len)),
        (Some(total), Some(0))
    );
    assert_eq!(count(&cluster), total);
    let (_, settings) = get(&cluster.url("news/_settings"));
    assert_eq!(settings["news"]["settings"]["index"]["number_of_replicas"], "1");
    let (_, mapping) = get(&cluster.url("news/_mapping"));
    assert_eq!(mapping["news"]["mappings"]["properties"]["body"]["analyzer"], "english");

    // The mission query, with its tag filter, finds the seed article first.
    let hits = mission(&cluster);
    assert_eq!(hits.first().map(String::as_str), Some(SEED), "{hits:?}");

    // Edit one article, delete another, add a third: the next push sends those three only.
    let seed_path = articles.join(SEED);
    let text = std::fs::read_to_string(&seed_path).unwrap();
    let edited = text.replacen("Sources:", "A late update: talks resumed in Riyadh.\n\nSources:", 1);
    assert_ne!(edited, text);
    std::fs::write(&seed_path, edited).unwrap();
    std::fs::remove_file(articles.join("2024/11/sofia-planned-power-cuts.txt")).unwrap();
    std::fs::write(
        articles.join("2025/03/new-grid-tender.md"),
        "---\ntitle: Grid tender opens in Sofia\ndate: 2025-03-20\ntags: [Bulgaria, Energy]\n---\nBids are due in May.\n",
    )
    .unwrap();
    index(&articles, &idx);
    let report = push(&idx, &cluster);
    assert_eq!(report["plan"]["full"], Value::Null, "{report}");
    assert_eq!(
        (&report["plan"]["to_send"], &report["plan"]["to_delete"]),
        (&json!(2), &json!(1)),
        "{report}"
    );
    assert_eq!(
        [&report["created"], &report["updated"], &report["deleted"], &report["plan"]["unchanged"]],
        [&json!(1), &json!(1), &json!(1), &json!(total - 2)],
        "{report}"
    );
    assert_eq!(count(&cluster), total);
    let (status, doc) = get(&cluster.url(&format!("news/_doc/{}", urlencode(SEED))));
    assert_eq!(status, 200);
    assert!(doc["_source"]["body"].as_str().unwrap().contains("talks resumed in Riyadh"), "{doc}");
    assert_eq!(
        get(&cluster.url(&format!("news/_doc/{}", urlencode("2024/11/sofia-planned-power-cuts.txt")))).0,
        404
    );
    assert_eq!(get(&cluster.url(&format!("news/_doc/{}", urlencode("2025/03/new-grid-tender.md")))).0, 200);

    // A push with nothing new sends nothing.
    let report = push(&idx, &cluster);
    assert_eq!(
        [&report["created"], &report["updated"], &report["deleted"]],
        [&json!(0), &json!(0), &json!(0)]
    );

    // With both copies of every shard in place, one node goes: every article stays searchable.
    let (_, health) = get(&cluster.url("_cluster/health/news?wait_for_status=green&timeout=60s"));
    assert_eq!(health["status"], "green", "{health}");
    cluster.stop_node(2);
    let (_, nodes) = get(&cluster.url("_cat/nodes?format=json"));
    assert_eq!(nodes.as_array().map(Vec::len), Some(1), "{nodes}");
    assert_eq!(count(&cluster), total);
    assert_eq!(mission(&cluster).first().map(String::as_str), Some(SEED));

    let pids = cluster.pids();
    drop(cluster);
    for pid in pids {
        assert!(!running(pid), "node process {pid} is still running");
    }
}

/// Whether a process runs: it exists and is not a zombie waiting for its parent (the nodes are
/// detached, so init reaps them, in its own time). Given a few seconds to go.
fn running(pid: i32) -> bool {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let alive = running_now(pid);
        if !alive || Instant::now() > deadline {
            return alive;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
}

fn urlencode(id: &str) -> String {
    id.replace('/', "%2F")
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), &target).unwrap();
        }
    }
}
