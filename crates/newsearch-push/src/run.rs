//! One push: plan what to send from the push state, stream it, record what arrived.

use std::time::{Duration, Instant};

use crossbeam_channel::{Receiver, Sender, bounded, unbounded};
use newsearch::{CancelToken, ExportFormat, Exporter, Index};
use rustc_hash::FxHashSet;
use serde::Serialize;

use crate::bulk::{Batch, Batcher, FILTER, Op, Outcome, outcomes};
use crate::client::{Backoff, Client, Credentials, Retry, Stop};
use crate::error::{PushError, Result};
use crate::mapping::index_body;
use crate::state::{Fresh, PushState};
use crate::target::Target;

/// How a push runs.
#[derive(Debug, Clone)]
pub struct PushOptions {
    shards: u32,
    replicas: u32,
    batch_bytes: usize,
    batch_docs: usize,
    parallel: usize,
    backoff: Backoff,
    timeout: Duration,
    credentials: Option<Credentials>,
    full: bool,
    refresh: bool,
    checkpoint: Duration,
    cancel: CancelToken,
}

impl Default for PushOptions {
    fn default() -> Self {
        PushOptions {
            shards: 1,
            replicas: 1,
            batch_bytes: 8 << 20,
            batch_docs: 5_000,
            parallel: 2,
            backoff: Backoff::default(),
            timeout: Duration::from_secs(120),
            credentials: None,
            full: false,
            refresh: true,
            checkpoint: Duration::from_secs(5),
            cancel: CancelToken::new(),
        }
    }
}

impl PushOptions {
    /// 1 shard, 1 replica, requests up to 8 MiB or 5,000 documents, 2 at once, the default
    /// [`Backoff`], 120 s per request, no credentials, incremental, a refresh at the end.
    pub fn new() -> Self {
        Self::default()
    }

    /// Primary shards of an index the push creates (an existing index keeps its own).
    pub fn shards(mut self, shards: u32) -> Self {
        self.shards = shards.max(1);
        self
    }

    /// Replicas of each shard in an index the push creates.
    pub fn replicas(mut self, replicas: u32) -> Self {
        self.replicas = replicas;
        self
    }

    /// Largest request body, in bytes (a single larger document is sent alone).
    pub fn batch_bytes(mut self, bytes: usize) -> Self {
        self.batch_bytes = bytes.max(1);
        self
    }

    /// Most actions in one request.
    pub fn batch_docs(mut self, docs: usize) -> Self {
        self.batch_docs = docs.max(1);
        self
    }

    /// Requests in flight at once.
    pub fn parallel(mut self, requests: usize) -> Self {
        self.parallel = requests.max(1);
        self
    }

    /// How failed requests are retried.
    pub fn backoff(mut self, backoff: Backoff) -> Self {
        self.backoff = backoff;
        self
    }

    /// Time allowed for each request, answer included.
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// Credentials for a secured cluster.
    pub fn credentials(mut self, credentials: Option<Credentials>) -> Self {
        self.credentials = credentials;
        self
    }

    /// Sends every article whatever the push state says (and deletes the target's ids the
    /// archive does not have).
    pub fn full(mut self, full: bool) -> Self {
        self.full = full;
        self
    }

    /// Whether to refresh the target index at the end, so that what was sent is searchable
    /// when the push returns (default yes).
    pub fn refresh(mut self, refresh: bool) -> Self {
        self.refresh = refresh;
        self
    }

    /// How often the push state is written while a push runs (and always at its end).
    pub fn checkpoint(mut self, every: Duration) -> Self {
        self.checkpoint = every;
        self
    }

    /// A token that stops the push: requests in flight finish, what they delivered is
    /// recorded, and [`push`] returns [`PushError::Cancelled`].
    pub fn cancel(mut self, token: &CancelToken) -> Self {
        self.cancel = token.clone();
        self
    }
}

/// What a push is about to do.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct Plan {
    /// The cluster's product and version, such as `opensearch 2.19.1`.
    pub cluster: String,
    /// Whether the push created the target index.
    pub created_index: bool,
    /// Why every article is sent, when it is: no record of an earlier push, the target was
    /// recreated, or it was asked for.
    pub full: Option<String>,
    /// Articles in the archive.
    pub articles: u64,
    /// Articles the target already holds as they are.
    pub unchanged: u64,
    /// Articles to send (new or changed).
    pub to_send: u64,
    /// Ids to delete, as far as the record knows (a full push also deletes ids it finds in the
    /// target that the archive does not have).
    pub to_delete: u64,
}

/// What a push reports as it goes.
#[derive(Debug)]
#[non_exhaustive]
pub enum PushEvent<'a> {
    /// Connected, the target index exists, and the work is known.
    Planned(&'a Plan),
    /// Some actions were answered: totals so far.
    Progress { sent: u64, deleted: u64, failed: u64 },
    /// A request failed and will be tried again.
    Retrying(&'a Retry),
}

/// A document the cluster refused.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct Failure {
    /// The article id (its `_id` in the target).
    pub id: String,
    /// `index` or `delete`.
    pub action: &'static str,
    /// The HTTP status the cluster gave the item (0 when it gave none).
    pub status: u16,
    /// The cluster's reason.
    pub reason: String,
}

/// What a push did. Only what the cluster acknowledged is counted.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[non_exhaustive]
pub struct PushReport {
    /// The target, as a URL.
    pub target: String,
    /// The plan it followed.
    pub plan: Plan,
    /// Documents the cluster created.
    pub created: u64,
    /// Documents the cluster replaced.
    pub updated: u64,
    /// Documents deleted.
    pub deleted: u64,
    /// Deletes for ids the target did not have (already gone: nothing to do).
    pub already_gone: u64,
    /// Documents refused, by id; the push state leaves them to be sent again next time.
    pub failed: Vec<Failure>,
    /// Request body bytes the cluster acknowledged.
    pub bytes: u64,
    /// Wall time of the whole push, from the first request to the refresh.
    #[serde(rename = "elapsed_s", serialize_with = "seconds")]
    pub elapsed: Duration,
}

fn seconds<S: serde::Serializer>(d: &Duration, s: S) -> std::result::Result<S::Ok, S::Error> {
    s.serialize_f64(d.as_secs_f64())
}

impl PushReport {
    /// Documents indexed (created or replaced).
    pub fn sent(&self) -> u64 {
        self.created + self.updated
    }

    /// Documents indexed and deleted per second of the push.
    pub fn docs_per_second(&self) -> f64 {
        (self.sent() + self.deleted + self.already_gone) as f64 / self.elapsed.as_secs_f64().max(1e-9)
    }
}

/// Pushes `index` to `target`; see the crate documentation. `on_event` is called on the
/// calling thread.
///
/// Errors are what stops the whole push: a bad target, refused credentials, a cluster that
/// stays unreachable after every retry, a cancellation. What was acknowledged before is
/// recorded either way, so the next push resumes from there.
pub fn push(
    index: &Index,
    target: &Target,
    options: &PushOptions,
    mut on_event: impl FnMut(&PushEvent<'_>),
) -> Result<PushReport> {
    let started = Instant::now();
    let client = Client::new(options.credentials.as_ref(), options.backoff, options.timeout);
    let stop = Stop::new(&options.cancel);
    let mut retried = |r: &Retry| on_event(&PushEvent::Retrying(r));

    // A wrong address fails fast; once the cluster answered, failures are retried in full.
    let cluster = cluster_name(&client.connect_attempts(3), target, &stop, &mut retried)?;
    let (uuid, created_index) = ensure_index(&client, target, options, &stop, &mut retried)?;

    let (mut state, fresh) = PushState::load(index.dir(), target);
    let full = if options.full {
        Some("asked for".to_owned())
    } else {
        match fresh {
            Fresh::NeverPushed => Some("no earlier push to this target is recorded".to_owned()),
            Fresh::Unreadable(why) => Some(format!("the push record can't be used ({why})")),
            Fresh::No if state.index_uuid.as_deref() != Some(uuid.as_str()) => {
                Some("the target index was recreated since the last push".to_owned())
            }
            Fresh::No => None,
        }
    };
    if full.is_some() {
        state.clear(uuid.clone());
    }

    // What the target holds (as recorded) against what the archive has.
    let articles = index.articles()?;
    let live: FxHashSet<u64> = articles.fingerprints()?.into_iter().collect();
    let recorded: FxHashSet<u64> = state.articles.values().copied().collect();
    // Recorded versions no longer in the archive: of a changed article (its id is still here:
    // the new version replaces it) or of a removed one (to delete).
    let mut removed: Vec<(String, u64)> = Vec::new();
    for (id, hash) in &state.articles {
        if !live.contains(hash) && !articles.contains(id)? {
            removed.push((id.clone(), *hash));
        }
    }
    let to_send = articles.only(|hash| !recorded.contains(&hash))?.fingerprinted()?;
    let plan = Plan {
        cluster,
        created_index,
        full: full.clone(),
        articles: live.len() as u64,
        unchanged: live.len() as u64 - to_send.len() as u64,
        to_send: to_send.len() as u64,
        to_delete: removed.len() as u64,
    };
    on_event(&PushEvent::Planned(&plan));
    // Only a full push into an index that already held documents has to look for ids the
    // record does not know about.
    let reconcile = full.is_some() && !created_index;

    let exporter = Exporter::new(ExportFormat::Bulk).bulk_index(target.index())?;
    let (batches_tx, batches_rx) = bounded::<Batch>(options.parallel);
    let (results_tx, results_rx) = unbounded::<Message>();
    let mut report = PushReport {
        target: target.to_string(),
        plan,
        created: 0,
        updated: 0,
        deleted: 0,
        already_gone: 0,
        failed: Vec::new(),
        bytes: 0,
        elapsed: Duration::ZERO,
    };

    let outcome = std::thread::scope(|scope| {
        let producer = {
            let results_tx = results_tx.clone();
            let stop = &stop;
            let client = &client;
            scope.spawn(move || {
                let mut batcher =
                    Batcher::new(exporter, target.index(), options.batch_bytes, options.batch_docs);
                let result = produce(
                    to_send,
                    removed,
                    reconcile,
                    &mut batcher,
                    &batches_tx,
                    &results_tx,
                    stop,
                    || cluster_ids(client, target, stop),
                );
                if result.is_ok()
                    && let Some(last) = batcher.finish()
                {
                    let _ = batches_tx.send(last);
                }
                if let Err(e) = result {
                    let _ = results_tx.send(Message::Abort(e));
                }
            })
        };
        let workers: Vec<_> = (0..options.parallel)
            .map(|_| {
                let batches_rx = batches_rx.clone();
                let results_tx = results_tx.clone();
                let (client, stop) = (&client, &stop);
                scope.spawn(move || send_all(client, target, &batches_rx, &results_tx, stop))
            })
            .collect();
        drop(batches_rx);
        drop(results_tx);

        let outcome = collect(&results_rx, &mut state, &mut report, options, &stop, &mut on_event);
        if outcome.is_err() {
            stop.cancel();
        }
        let _ = producer.join();
        for worker in workers {
            let _ = worker.join();
        }
        // Whatever arrived after the collector stopped is still worth recording.
        for message in results_rx.try_iter() {
            if let Message::Done(batch_results) = message {
                apply(&mut state, &mut report, batch_results);
            }
        }
        outcome
    });
    state.save()?;
    outcome?;
    if options.refresh {
        let url = target.index_url("_refresh");
        let answer = client.call("POST", &url, None, &stop, &mut |r| on_event(&PushEvent::Retrying(r)))?;
        if !answer.is_success() {
            return Err(PushError::Cluster { url, status: answer.status, reason: answer.reason() });
        }
    }
    report.elapsed = started.elapsed();
    Ok(report)
}

/// From the producer and senders to the collecting thread.
enum Message {
    /// The outcome of each action of a batch, and the bytes acknowledged.
    Done(Vec<(Op, Outcome, u64)>),
    Retrying(Retry),
    /// Something that stops the push.
    Abort(PushError),
}

/// Reads the articles to send, then lists the deletes, into batches.
#[allow(clippy::too_many_arguments)]
fn produce(
    mut to_send: newsearch::Fingerprinted,
    removed: Vec<(String, u64)>,
    reconcile: bool,
    batcher: &mut Batcher,
    batches: &Sender<Batch>,
    results: &Sender<Message>,
    stop: &Stop,
    cluster_ids: impl FnOnce() -> Result<Vec<String>>,
) -> Result<()> {
    let send = |batch: Batch| -> Result<()> {
        if stop.is_cancelled() {
            return Err(PushError::Cancelled);
        }
        batches.send(batch).map_err(|_| PushError::Cancelled)
    };
    for item in to_send.by_ref() {
        match item {
            Ok((hash, article)) => {
                if let Some(batch) = batcher.index(&article, hash) {
                    send(batch)?;
                }
            }
            // A damaged stored article: reported, and the push goes on.
            Err(e) => {
                let op = Op::Index { id: "(an article the index can't read)".to_owned(), hash: 0 };
                let _ = results.send(Message::Done(vec![(
                    op,
                    Outcome::Failed { status: 0, reason: e.to_string() },
                    0,
                )]));
            }
        }
    }
    for (id, hash) in removed {
        if let Some(batch) = batcher.delete(&id, Some(hash)) {
            send(batch)?;
        }
    }
    // A full push into an index that held documents: the ids there that the archive lacks.
    if reconcile {
        for id in cluster_ids()? {
            // Looked up in the archive, not among what was read: an article that could not be
            // read is still the archive's, and stays in the target.
            if !to_send.contains(&id)?
                && let Some(batch) = batcher.delete(&id, None)
            {
                send(batch)?;
            }
        }
    }
    Ok(())
}

/// A sender: takes batches until there are none, or the push stops.
fn send_all(
    client: &Client,
    target: &Target,
    batches: &Receiver<Batch>,
    results: &Sender<Message>,
    stop: &Stop,
) {
    for batch in batches {
        if stop.is_cancelled() {
            return;
        }
        let mut retried = |r: &Retry| {
            let _ = results.send(Message::Retrying(r.clone()));
        };
        match send_batch(client, target, batch, stop, &mut retried) {
            Ok(done) => {
                let _ = results.send(Message::Done(done));
            }
            Err(e) => {
                let _ = results.send(Message::Abort(e));
                return;
            }
        }
    }
}

/// Sends one batch until each action has a final outcome: busy items are sent again after a
/// pause, a batch too large for the cluster is split in two.
fn send_batch(
    client: &Client,
    target: &Target,
    batch: Batch,
    stop: &Stop,
    retried: &mut dyn FnMut(&Retry),
) -> Result<Vec<(Op, Outcome, u64)>> {
    let url = format!("{}?{FILTER}", target.url("_bulk"));
    let mut done = Vec::with_capacity(batch.len());
    let mut pending = vec![(batch, 1u32)];
    while let Some((batch, attempt)) = pending.pop() {
        let answer = client.call("POST", &url, Some(&batch.body), stop, retried)?;
        if answer.status == 413 {
            if batch.len() > 1 {
                let (a, b) = batch.halves();
                pending.push((b, attempt));
                pending.push((a, attempt));
            } else {
                for (op, _) in batch.ops {
                    let reason = "the document is larger than the cluster accepts (http.max_content_length)"
                        .to_owned();
                    done.push((op, Outcome::Failed { status: 413, reason }, 0));
                }
            }
            continue;
        }
        if !answer.is_success() {
            let reason = answer.reason();
            for (op, _) in batch.ops {
                done.push((op, Outcome::Failed { status: answer.status, reason: reason.clone() }, 0));
            }
            continue;
        }
        let results = outcomes(&answer.body, batch.len()).map_err(|reason| PushError::Cluster {
            url: url.clone(),
            status: answer.status,
            reason,
        })?;
        let mut busy = Vec::new();
        let mut busy_reason = String::new();
        for (position, outcome) in results.into_iter().enumerate() {
            let (op, range) = &batch.ops[position];
            match outcome {
                Outcome::Busy(reason) => {
                    busy.push(position);
                    busy_reason = reason;
                }
                outcome => {
                    let bytes =
                        if matches!(outcome, Outcome::Failed { .. }) { 0 } else { range.len() as u64 };
                    done.push((op.clone(), outcome, bytes));
                }
            }
        }
        if busy.is_empty() {
            continue;
        }
        let again = batch.subset(&busy);
        match client.pause(attempt, stop)? {
            Some(wait) => {
                retried(&Retry {
                    attempt,
                    wait,
                    reason: format!(
                        "{} of {} documents refused as busy: {busy_reason}",
                        busy.len(),
                        batch.len()
                    ),
                });
                pending.push((again, attempt + 1));
            }
            None => {
                for (op, _) in again.ops {
                    done.push((op, Outcome::Failed { status: 429, reason: busy_reason.clone() }, 0));
                }
            }
        }
    }
    Ok(done)
}

/// Records outcomes until the senders are done; writes the push state every checkpoint.
fn collect(
    results: &Receiver<Message>,
    state: &mut PushState,
    report: &mut PushReport,
    options: &PushOptions,
    stop: &Stop,
    on_event: &mut impl FnMut(&PushEvent<'_>),
) -> Result<()> {
    let mut saved = Instant::now();
    loop {
        if stop.is_cancelled() {
            return Err(PushError::Cancelled);
        }
        match results.recv_timeout(Duration::from_millis(100)) {
            Ok(Message::Done(batch)) => {
                apply(state, report, batch);
                on_event(&PushEvent::Progress {
                    sent: report.sent(),
                    deleted: report.deleted + report.already_gone,
                    failed: report.failed.len() as u64,
                });
            }
            Ok(Message::Retrying(retry)) => on_event(&PushEvent::Retrying(&retry)),
            Ok(Message::Abort(e)) => {
                stop.cancel();
                return Err(e);
            }
            Err(crossbeam_channel::RecvTimeoutError::Timeout) => {}
            Err(crossbeam_channel::RecvTimeoutError::Disconnected) => return Ok(()),
        }
        if saved.elapsed() >= options.checkpoint {
            state.save()?;
            saved = Instant::now();
        }
    }
}

/// Counts a batch's outcomes and records them in the push state.
fn apply(state: &mut PushState, report: &mut PushReport, batch: Vec<(Op, Outcome, u64)>) {
    for (op, outcome, bytes) in batch {
        report.bytes += bytes;
        match (op, outcome) {
            (Op::Index { id, hash }, Outcome::Indexed { created }) => {
                if created {
                    report.created += 1;
                } else {
                    report.updated += 1;
                }
                state.articles.insert(id, hash);
            }
            (Op::Delete { id, hash }, Outcome::Deleted { found }) => {
                if found {
                    report.deleted += 1;
                } else {
                    report.already_gone += 1;
                }
                if hash.is_some() && state.articles.get(&id) == hash.as_ref() {
                    state.articles.remove(&id);
                }
            }
            (op, Outcome::Failed { status, reason }) => {
                report.failed.push(Failure {
                    id: op.id().to_owned(),
                    action: action_name(&op),
                    status,
                    reason,
                });
            }
            // A busy item is sent again until it has another outcome; an index answer to a
            // delete (or the reverse) would be the cluster's mistake.
            (op, outcome) => {
                let reason = format!("unexpected answer: {outcome:?}");
                report.failed.push(Failure {
                    id: op.id().to_owned(),
                    action: action_name(&op),
                    status: 0,
                    reason,
                });
            }
        }
    }
}

fn action_name(op: &Op) -> &'static str {
    match op {
        Op::Index { .. } => "index",
        Op::Delete { .. } => "delete",
    }
}

/// The cluster's product and version (`GET /`).
fn cluster_name(
    client: &Client,
    target: &Target,
    cancel: &Stop,
    retried: &mut dyn FnMut(&Retry),
) -> Result<String> {
    let url = target.url("");
    let answer = client.call("GET", &url, None, cancel, retried)?;
    if !answer.is_success() {
        return Err(PushError::Cluster { url, status: answer.status, reason: answer.reason() });
    }
    let info: serde_json::Value = serde_json::from_slice(&answer.body).unwrap_or_default();
    let version = &info["version"];
    let product = version["distribution"].as_str().unwrap_or("elasticsearch");
    Ok(format!("{product} {}", version["number"].as_str().unwrap_or("(unknown version)")))
}

/// The target index's UUID, creating the index first when it does not exist; and whether it
/// was created.
fn ensure_index(
    client: &Client,
    target: &Target,
    options: &PushOptions,
    cancel: &Stop,
    retried: &mut dyn FnMut(&Retry),
) -> Result<(String, bool)> {
    let url = target.index_url("_settings");
    let mut created = false;
    for _ in 0..2 {
        let answer = client.call("GET", &url, None, cancel, retried)?;
        if answer.is_success() {
            let settings: serde_json::Value = serde_json::from_slice(&answer.body).unwrap_or_default();
            // Keyed by the concrete index, which differs from the target's name for an alias.
            let uuid = settings
                .as_object()
                .and_then(|o| o.values().next())
                .and_then(|s| s["settings"]["index"]["uuid"].as_str())
                .ok_or_else(|| PushError::Cluster {
                    url: url.clone(),
                    status: answer.status,
                    reason: "the index settings have no uuid".to_owned(),
                })?;
            return Ok((uuid.to_owned(), created));
        }
        if answer.status != 404 {
            return Err(PushError::Cluster { url, status: answer.status, reason: answer.reason() });
        }
        let create_url = target.index_url("");
        let body = serde_json::to_vec(&index_body(options.shards, options.replicas)).unwrap_or_default();
        let answer = client.call("PUT", &create_url, Some(&body), cancel, retried)?;
        if answer.is_success() {
            created = true;
        } else if !answer.reason().contains("resource_already_exists_exception") {
            return Err(PushError::Cluster {
                url: create_url,
                status: answer.status,
                reason: answer.reason(),
            });
        }
    }
    Err(PushError::Cluster {
        url,
        status: 404,
        reason: "the index was created but can't be found".to_owned(),
    })
}

/// Every `_id` in the target index, by scrolling through it without sources.
fn cluster_ids(client: &Client, target: &Target, stop: &Stop) -> Result<Vec<String>> {
    let mut quiet = |_: &Retry| {};
    let url = format!("{}?scroll=2m&filter_path=_scroll_id,hits.hits._id", target.index_url("_search"));
    let query = br#"{"size":10000,"_source":false,"sort":["_doc"]}"#;
    let mut answer = client.call("POST", &url, Some(query), stop, &mut quiet)?;
    let mut ids = Vec::new();
    let mut scroll_id: Option<String> = None;
    loop {
        if !answer.is_success() {
            return Err(PushError::Cluster { url, status: answer.status, reason: answer.reason() });
        }
        let page: serde_json::Value = serde_json::from_slice(&answer.body).unwrap_or_default();
        scroll_id = page["_scroll_id"].as_str().map(str::to_owned).or(scroll_id);
        let hits = page["hits"]["hits"].as_array().map(Vec::as_slice).unwrap_or_default();
        if hits.is_empty() {
            break;
        }
        ids.extend(hits.iter().filter_map(|h| h["_id"].as_str().map(str::to_owned)));
        let Some(id) = &scroll_id else { break };
        let body =
            serde_json::to_vec(&serde_json::json!({"scroll": "2m", "scroll_id": id})).unwrap_or_default();
        answer = client.call(
            "POST",
            &target.url("_search/scroll?filter_path=_scroll_id,hits.hits._id"),
            Some(&body),
            stop,
            &mut quiet,
        )?;
    }
    if let Some(id) = scroll_id {
        let body = serde_json::to_vec(&serde_json::json!({"scroll_id": id})).unwrap_or_default();
        let _ = client.call("DELETE", &target.url("_search/scroll"), Some(&body), stop, &mut quiet);
    }
    Ok(ids)
}
