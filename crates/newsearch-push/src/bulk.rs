//! `_bulk` requests: bodies of bounded size, and what the cluster says of each item.

use std::ops::Range;

use newsearch::{Article, Exporter};
use serde::Serialize;

/// One action in a bulk request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Op {
    /// Index (create or replace) the article `id` whose fingerprint is `hash`.
    Index { id: String, hash: u64 },
    /// Delete `id`; `hash` is the version the push state recorded for it, if any.
    Delete { id: String, hash: Option<u64> },
}

impl Op {
    pub(crate) fn id(&self) -> &str {
        match self {
            Op::Index { id, .. } | Op::Delete { id, .. } => id,
        }
    }
}

/// A bulk request body and the actions in it, each with its lines' byte range, so that a
/// subset can be sent again without serializing anything twice.
#[derive(Debug, Default)]
pub(crate) struct Batch {
    pub(crate) body: Vec<u8>,
    pub(crate) ops: Vec<(Op, Range<usize>)>,
}

impl Batch {
    pub(crate) fn len(&self) -> usize {
        self.ops.len()
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.ops.is_empty()
    }

    /// A batch of some of this batch's actions (by position), in their order.
    pub(crate) fn subset(&self, positions: &[usize]) -> Batch {
        let mut out = Batch::default();
        for &i in positions {
            let (op, range) = &self.ops[i];
            let start = out.body.len();
            out.body.extend_from_slice(&self.body[range.clone()]);
            out.ops.push((op.clone(), start..out.body.len()));
        }
        out
    }

    /// Splits into two halves (for a request the cluster found too large).
    pub(crate) fn halves(&self) -> (Batch, Batch) {
        let middle = self.ops.len() / 2;
        let first: Vec<usize> = (0..middle).collect();
        let second: Vec<usize> = (middle..self.ops.len()).collect();
        (self.subset(&first), self.subset(&second))
    }
}

#[derive(Serialize)]
struct DeleteAction<'a> {
    delete: Target<'a>,
}

#[derive(Serialize)]
struct Target<'a> {
    #[serde(rename = "_index")]
    index: &'a str,
    #[serde(rename = "_id")]
    id: &'a str,
}

/// Fills batches up to a byte and an action limit. A single document over the byte limit
/// goes alone in its batch (the cluster may still refuse it, and then says so for it).
pub(crate) struct Batcher {
    exporter: Exporter,
    index: String,
    max_bytes: usize,
    max_ops: usize,
    current: Batch,
}

impl Batcher {
    pub(crate) fn new(exporter: Exporter, index: &str, max_bytes: usize, max_ops: usize) -> Batcher {
        Batcher {
            exporter,
            index: index.to_owned(),
            max_bytes,
            max_ops: max_ops.max(1),
            current: Batch::default(),
        }
    }

    /// Adds an index action; returns the batch it completed, if any.
    pub(crate) fn index(&mut self, article: &Article, hash: u64) -> Option<Batch> {
        let start = self.current.body.len();
        // Writing into a Vec can't fail.
        let _ = self.exporter.write(&mut self.current.body, article);
        let op = Op::Index { id: article.id.to_string(), hash };
        self.added(op, start)
    }

    /// Adds a delete action; returns the batch it completed, if any.
    pub(crate) fn delete(&mut self, id: &str, hash: Option<u64>) -> Option<Batch> {
        let start = self.current.body.len();
        let _ = serde_json::to_writer(
            &mut self.current.body,
            &DeleteAction { delete: Target { index: &self.index, id } },
        );
        self.current.body.push(b'\n');
        self.added(Op::Delete { id: id.to_owned(), hash }, start)
    }

    /// Records the action just written at `start..`; when it made the batch too large, the
    /// batch without it is returned and the action starts the next one.
    fn added(&mut self, op: Op, start: usize) -> Option<Batch> {
        let end = self.current.body.len();
        if start > 0 && end > self.max_bytes {
            let tail = self.current.body.split_off(start);
            let full = std::mem::take(&mut self.current);
            self.current.body = tail;
            self.current.ops.push((op, 0..end - start));
            return Some(full);
        }
        self.current.ops.push((op, start..end));
        if self.current.ops.len() >= self.max_ops || end >= self.max_bytes {
            return Some(std::mem::take(&mut self.current));
        }
        None
    }

    /// The last, partly filled batch.
    pub(crate) fn finish(self) -> Option<Batch> {
        (!self.current.is_empty()).then_some(self.current)
    }
}

/// What the cluster did with one action.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Outcome {
    /// Indexed: a new document, or a replaced one.
    Indexed { created: bool },
    /// Deleted, or there was nothing to delete.
    Deleted { found: bool },
    /// Rejected because the cluster was busy (429): worth sending again.
    Busy(String),
    /// Refused for good.
    Failed { status: u16, reason: String },
}

/// The query string that trims a bulk answer to what [`outcomes`] reads.
pub(crate) const FILTER: &str =
    "filter_path=errors,items.*.status,items.*.result,items.*.error.type,items.*.error.reason";

/// The outcome of each of `n` actions from a bulk answer, in order.
pub(crate) fn outcomes(body: &[u8], n: usize) -> Result<Vec<Outcome>, String> {
    let value: serde_json::Value =
        serde_json::from_slice(body).map_err(|e| format!("the bulk answer is not JSON ({e})"))?;
    let items = match value.get("items") {
        Some(serde_json::Value::Array(items)) => items.as_slice(),
        // With filter_path, an empty list is left out.
        None if n == 0 => &[],
        _ => return Err("the bulk answer has no items".to_owned()),
    };
    if items.len() != n {
        return Err(format!("the bulk answer has {} items for {n} actions", items.len()));
    }
    items
        .iter()
        .map(|item| {
            let (action, result) = item
                .as_object()
                .and_then(|o| o.iter().next())
                .ok_or_else(|| "a bulk answer item is not an object".to_owned())?;
            let status = result["status"].as_u64().and_then(|s| u16::try_from(s).ok()).unwrap_or(0);
            if let Some(reason) = crate::client::described(&result["error"]) {
                return Ok(if status == 429 {
                    Outcome::Busy(reason)
                } else {
                    Outcome::Failed { status, reason }
                });
            }
            Ok(match (action.as_str(), status) {
                ("delete", 200..300) => Outcome::Deleted { found: true },
                ("delete", 404) => Outcome::Deleted { found: false },
                (_, 429) => Outcome::Busy("429 Too Many Requests".to_owned()),
                (_, 200..300) => Outcome::Indexed { created: status == 201 || result["result"] == "created" },
                (_, status) => Outcome::Failed { status, reason: format!("status {status}") },
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use newsearch::ExportFormat;

    fn batcher(max_bytes: usize, max_ops: usize) -> Batcher {
        Batcher::new(
            Exporter::new(ExportFormat::Bulk).bulk_index("news").unwrap(),
            "news",
            max_bytes,
            max_ops,
        )
    }

    fn lines(batch: &Batch) -> Vec<serde_json::Value> {
        std::str::from_utf8(&batch.body).unwrap().lines().map(|l| serde_json::from_str(l).unwrap()).collect()
    }

    #[test]
    fn batches_stay_under_the_byte_limit_and_keep_each_action_whole() {
        let mut b = batcher(600, 100);
        let mut batches = Vec::new();
        for i in 0..20 {
            let mut a = Article::new(format!("a{i}.txt"), format!("a{i}.txt"), format!("Title {i}"));
            a.body = "word ".repeat(20);
            batches.extend(b.index(&a, i));
        }
        batches.extend(b.delete("gone.txt", Some(9)));
        batches.extend(b.finish());
        assert!(batches.len() > 3, "{}", batches.len());
        let mut ids = Vec::new();
        for batch in &batches {
            assert!(batch.body.len() <= 600, "{}", batch.body.len());
            let lines = lines(batch);
            let mut at = 0;
            for (op, range) in &batch.ops {
                ids.push(op.id().to_owned());
                let text = std::str::from_utf8(&batch.body[range.clone()]).unwrap();
                let action: serde_json::Value = serde_json::from_str(text.lines().next().unwrap()).unwrap();
                match op {
                    Op::Index { .. } => {
                        assert_eq!(action["index"]["_id"], op.id());
                        at += 2;
                    }
                    Op::Delete { .. } => {
                        assert_eq!(
                            action,
                            serde_json::json!({"delete": {"_index": "news", "_id": "gone.txt"}})
                        );
                        at += 1;
                    }
                }
            }
            assert_eq!(at, lines.len());
        }
        let mut expected: Vec<String> = (0..20).map(|i| format!("a{i}.txt")).collect();
        expected.push("gone.txt".into());
        assert_eq!(ids, expected);
    }

    #[test]
    fn a_document_over_the_limit_goes_alone_and_the_action_limit_holds() {
        let mut b = batcher(400, 3);
        let mut big = Article::new("big.txt", "big.txt", "Big");
        big.body = "x".repeat(500);
        let small = |i: u64| Article::new(format!("s{i}"), "", "S");
        assert!(b.index(&small(1), 1).is_none());
        let first = b.index(&big, 2).expect("the big one closes the batch before it");
        assert_eq!(first.len(), 1);
        let second = b.index(&small(3), 3).expect("the big one is a batch of its own");
        assert_eq!((second.len(), second.ops[0].0.id()), (1, "big.txt"));
        let mut c = batcher(1 << 20, 3);
        assert!(c.delete("a", None).is_none() && c.delete("b", None).is_none());
        assert_eq!(c.delete("c", None).unwrap().len(), 3);
        assert!(c.finish().is_none());
    }

    #[test]
    fn subsets_and_halves_resend_exactly_the_chosen_actions() {
        let mut b = batcher(1 << 20, 100);
        for i in 0..5 {
            b.index(&Article::new(format!("a{i}"), "", "T"), i);
        }
        let batch = b.finish().unwrap();
        let sub = batch.subset(&[1, 3]);
        let ids: Vec<_> = sub.ops.iter().map(|(op, _)| op.id()).collect();
        assert_eq!(ids, ["a1", "a3"]);
        assert_eq!(lines(&sub).len(), 4);
        let (x, y) = batch.halves();
        assert_eq!((x.len(), y.len()), (2, 3));
        assert_eq!([x.body, y.body].concat(), batch.body);
    }

    #[test]
    fn answers_map_to_outcomes_in_order() {
        let body = br#"{"errors":true,"items":[
            {"index":{"status":201,"result":"created"}},
            {"index":{"status":200,"result":"updated"}},
            {"index":{"status":429,"error":{"type":"es_rejected_execution_exception","reason":"queue full"}}},
            {"index":{"status":400,"error":{"type":"mapper_parsing_exception","reason":"bad date"}}},
            {"delete":{"status":200,"result":"deleted"}},
            {"delete":{"status":404,"result":"not_found"}}]}"#;
        assert_eq!(
            outcomes(body, 6).unwrap(),
            [
                Outcome::Indexed { created: true },
                Outcome::Indexed { created: false },
                Outcome::Busy("es_rejected_execution_exception: queue full".into()),
                Outcome::Failed { status: 400, reason: "mapper_parsing_exception: bad date".into() },
                Outcome::Deleted { found: true },
                Outcome::Deleted { found: false },
            ]
        );
        assert!(outcomes(body, 5).unwrap_err().contains("6 items for 5"));
        assert!(outcomes(b"<html>", 1).is_err());
    }
}
