//! A stand-in for one Elasticsearch/OpenSearch node on 127.0.0.1: the few endpoints a push
//! uses, an in-memory index, and faults on demand. One thread serves one connection at a
//! time (`Connection: close`); the server stops when the `Fake` is dropped.

use std::collections::{BTreeMap, HashSet, VecDeque};
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::Duration;

use newsearch::CancelToken;
use newsearch_push::Target;
use serde_json::{Value, json};

#[derive(Default)]
struct State {
    /// The index: uuid, creation body, documents by id.
    index: Option<(String, Value, BTreeMap<String, Value>)>,
    uuids: u32,
    fail_requests: VecDeque<u16>,
    busy_once: HashSet<String>,
    refuse: HashSet<String>,
    auth: Option<String>,
    bulk_requests: usize,
    actions: usize,
    refreshes: usize,
    cancel_after: Option<(usize, CancelToken)>,
}

pub struct Fake {
    port: u16,
    state: Arc<Mutex<State>>,
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
}

impl Fake {
    pub fn start() -> Fake {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        listener.set_nonblocking(true).unwrap();
        let port = listener.local_addr().unwrap().port();
        let state = Arc::new(Mutex::new(State::default()));
        let stop = Arc::new(AtomicBool::new(false));
        let thread = {
            let (state, stop) = (state.clone(), stop.clone());
            std::thread::spawn(move || {
                while !stop.load(Ordering::Relaxed) {
                    match listener.accept() {
                        Ok((stream, _)) => {
                            stream.set_nonblocking(false).unwrap();
                            stream.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
                            let _ = serve(stream, &state);
                        }
                        Err(_) => std::thread::sleep(Duration::from_millis(2)),
                    }
                }
            })
        };
        Fake { port, state, stop, thread: Some(thread) }
    }

    pub fn target(&self) -> Target {
        format!("http://127.0.0.1:{}/news", self.port).parse().unwrap()
    }

    fn with<T>(&self, f: impl FnOnce(&mut State) -> T) -> T {
        f(&mut self.state.lock().unwrap())
    }

    pub fn fail_next_requests(&self, statuses: &[u16]) {
        self.with(|s| s.fail_requests = statuses.iter().copied().collect());
    }
    pub fn busy_once(&self, ids: &[&str]) {
        self.with(|s| s.busy_once = ids.iter().map(|s| s.to_string()).collect());
    }
    pub fn refuse(&self, ids: &[&str]) {
        self.with(|s| s.refuse = ids.iter().map(|s| s.to_string()).collect());
    }
    pub fn require_auth(&self, header: &str) {
        self.with(|s| s.auth = Some(header.to_owned()));
    }
    pub fn cancel_after_bulks(&self, n: usize, token: CancelToken) {
        self.with(|s| s.cancel_after = Some((n, token)));
    }
    pub fn created_with(&self) -> Option<Value> {
        self.with(|s| s.index.as_ref().map(|(_, body, _)| body.clone()))
    }
    pub fn ids(&self) -> Vec<String> {
        self.with(|s| s.index.as_ref().map(|(_, _, docs)| docs.keys().cloned().collect()).unwrap_or_default())
    }
    pub fn doc(&self, id: &str) -> Option<Value> {
        self.with(|s| s.index.as_ref().and_then(|(_, _, docs)| docs.get(id).cloned()))
    }
    pub fn put_doc(&self, id: &str) {
        self.with(|s| s.index.as_mut().unwrap().2.insert(id.to_owned(), json!({"id": id})));
    }
    pub fn recreate_index(&self) {
        self.with(|s| {
            s.uuids += 1;
            let uuid = format!("uuid-{}", s.uuids);
            let body = s.index.take().map(|(_, body, _)| body).unwrap_or_default();
            s.index = Some((uuid, body, BTreeMap::new()));
        });
    }
    pub fn bulk_requests(&self) -> usize {
        self.with(|s| s.bulk_requests)
    }
    /// Index and delete actions received, over all bulk requests.
    pub fn actions(&self) -> usize {
        self.with(|s| s.actions)
    }
    pub fn refreshes(&self) -> usize {
        self.with(|s| s.refreshes)
    }
}

impl Drop for Fake {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

fn serve(stream: TcpStream, state: &Mutex<State>) -> std::io::Result<()> {
    let mut reader = BufReader::new(stream.try_clone()?);
    let mut line = String::new();
    reader.read_line(&mut line)?;
    let mut parts = line.split_whitespace();
    let (method, target) = (parts.next().unwrap_or("").to_owned(), parts.next().unwrap_or("").to_owned());
    let (mut length, mut auth) = (0usize, None);
    loop {
        let mut header = String::new();
        reader.read_line(&mut header)?;
        let header = header.trim_end();
        if header.is_empty() {
            break;
        }
        let (name, value) = header.split_once(':').unwrap_or((header, ""));
        match name.to_ascii_lowercase().as_str() {
            "content-length" => length = value.trim().parse().unwrap_or(0),
            "authorization" => auth = Some(value.trim().to_owned()),
            _ => {}
        }
    }
    let mut body = vec![0; length];
    reader.read_exact(&mut body)?;
    let (status, answer) = handle(&mut state.lock().unwrap(), &method, &target, &body, auth.as_deref());
    let answer = answer.to_string();
    let mut stream = stream;
    write!(
        stream,
        "HTTP/1.1 {status} X\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{answer}",
        answer.len()
    )?;
    stream.flush()
}

fn error(kind: &str, reason: &str) -> Value {
    json!({"error": {"type": kind, "reason": reason}})
}

fn handle(s: &mut State, method: &str, target: &str, body: &[u8], auth: Option<&str>) -> (u16, Value) {
    if s.auth.is_some() && s.auth.as_deref() != auth {
        return (401, error("security_exception", "missing authentication credentials"));
    }
    if let Some(status) = s.fail_requests.pop_front() {
        return (status, error("unavailable", &format!("scripted {status}")));
    }
    let path = target.split('?').next().unwrap_or("");
    match (method, path) {
        ("GET", "/") => (200, json!({"version": {"distribution": "opensearch", "number": "2.19.0-fake"}})),
        ("GET", "/news/_settings") => match &s.index {
            Some((uuid, _, _)) => (200, json!({"news": {"settings": {"index": {"uuid": uuid}}}})),
            None => (404, error("index_not_found_exception", "no such index [news]")),
        },
        ("PUT", "/news") => {
            if s.index.is_some() {
                return (400, error("resource_already_exists_exception", "index [news] already exists"));
            }
            s.uuids += 1;
            let body: Value = serde_json::from_slice(body).unwrap();
            s.index = Some((format!("uuid-{}", s.uuids), body, BTreeMap::new()));
            (200, json!({"acknowledged": true}))
        }
        ("POST", "/_bulk") => bulk(s, body),
        ("POST", "/news/_refresh") => {
            s.refreshes += 1;
            (200, json!({"_shards": {"failed": 0}}))
        }
        ("POST", "/news/_search") => {
            let ids: Vec<Value> = s
                .index
                .as_ref()
                .map(|(_, _, docs)| docs.keys().map(|id| json!({"_id": id})).collect())
                .unwrap_or_default();
            (200, json!({"_scroll_id": "scroll-1", "hits": {"hits": ids}}))
        }
        ("POST", "/_search/scroll") => (200, json!({"_scroll_id": "scroll-1"})),
        ("DELETE", "/_search/scroll") => (200, json!({"succeeded": true})),
        _ => (400, error("illegal_argument_exception", &format!("unexpected {method} {target}"))),
    }
}

fn bulk(s: &mut State, body: &[u8]) -> (u16, Value) {
    s.bulk_requests += 1;
    if let Some((after, token)) = &s.cancel_after
        && s.bulk_requests >= *after
    {
        token.cancel();
    }
    let text = std::str::from_utf8(body).unwrap();
    let mut lines = text.lines();
    let mut items = Vec::new();
    let mut errors = false;
    while let Some(action) = lines.next() {
        s.actions += 1;
        let action: Value = serde_json::from_str(action).unwrap();
        let (kind, meta) = action.as_object().unwrap().iter().next().unwrap();
        assert_eq!(meta["_index"], "news");
        let id = meta["_id"].as_str().unwrap().to_owned();
        let docs = &mut s.index.as_mut().expect("bulk before the index exists").2;
        let item = match kind.as_str() {
            "index" => {
                let doc: Value = serde_json::from_str(lines.next().unwrap()).unwrap();
                if s.busy_once.remove(&id) {
                    errors = true;
                    json!({"index": {"status": 429, "error": {"type": "es_rejected_execution_exception", "reason": "queue full"}}})
                } else if s.refuse.contains(&id) {
                    errors = true;
                    json!({"index": {"status": 400, "error": {"type": "mapper_parsing_exception", "reason": "scripted"}}})
                } else {
                    let created = docs.insert(id, doc).is_none();
                    json!({"index": {"status": if created { 201 } else { 200 }, "result": if created { "created" } else { "updated" }}})
                }
            }
            "delete" => match docs.remove(&id) {
                Some(_) => json!({"delete": {"status": 200, "result": "deleted"}}),
                None => json!({"delete": {"status": 404, "result": "not_found"}}),
            },
            other => panic!("unexpected action {other}"),
        };
        items.push(item);
    }
    (200, json!({"errors": errors, "items": items}))
}
