//! The documents on their way to the engine's indexing threads, bounded by bytes.
//!
//! The engine queues up to 10,000 documents ahead of its indexing threads, whatever their size:
//! whole articles, about 60 MB of a bulk run's peak memory, which no option changes. Each
//! document sent is wrapped in a [`Queued`] that counts its bytes in an [`InFlight`] gauge until
//! the engine drops it (indexed, or thrown away with the queue); the writer waits before sending
//! more while the gauge is over its limit.

use std::sync::{Arc, Condvar, Mutex, PoisonError};
use std::time::Duration;

use tantivy::TantivyDocument;
use tantivy::schema::document::Document;

/// Bytes of documents sent and not yet indexed, shared by the writer and the engine's threads.
#[derive(Debug, Default)]
pub(crate) struct InFlight {
    bytes: Mutex<Gauge>,
    drained: Condvar,
}

#[derive(Debug, Default)]
struct Gauge {
    bytes: usize,
    /// The writer waits for the bytes to fall to half the limit.
    waiting: bool,
}

impl InFlight {
    /// Bytes of documents that may wait for the indexing threads: a few thousand articles, more
    /// than two threads take in the time one is written, a fraction of the engine's own queue.
    pub(crate) const LIMIT: usize = 8 << 20;

    /// How long the writer waits without any document taken before it sends anyway (both
    /// indexing threads writing their segments at once take a second or two).
    const PATIENCE: Duration = Duration::from_secs(10);

    /// Counts `bytes` more in flight, first waiting, if over the limit, until half of it has
    /// drained (so the writer wakes once per few hundred documents, not once per document).
    pub(crate) fn acquire(&self, bytes: usize) {
        let mut gauge = self.bytes.lock().unwrap_or_else(PoisonError::into_inner);
        if gauge.bytes > Self::LIMIT {
            gauge.waiting = true;
            loop {
                let before = gauge.bytes;
                let (next, timeout) =
                    self.drained.wait_timeout(gauge, Self::PATIENCE).unwrap_or_else(PoisonError::into_inner);
                gauge = next;
                // Drained, or stuck (a writer whose threads stopped fails on the send instead).
                if gauge.bytes <= Self::LIMIT / 2 || (timeout.timed_out() && gauge.bytes >= before) {
                    break;
                }
            }
            gauge.waiting = false;
        }
        gauge.bytes += bytes;
    }

    fn release(&self, bytes: usize) {
        let mut gauge = self.bytes.lock().unwrap_or_else(PoisonError::into_inner);
        gauge.bytes = gauge.bytes.saturating_sub(bytes);
        if gauge.waiting && gauge.bytes <= Self::LIMIT / 2 {
            self.drained.notify_one();
        }
    }

    #[cfg(test)]
    fn bytes(&self) -> usize {
        self.bytes.lock().unwrap_or_else(PoisonError::into_inner).bytes
    }
}

/// A document counted in an [`InFlight`] gauge until the engine drops it.
pub(crate) struct Queued {
    doc: TantivyDocument,
    bytes: usize,
    gauge: Arc<InFlight>,
}

impl Queued {
    /// `doc`, counted as `bytes` (after [`InFlight::acquire`] of them).
    pub(crate) fn new(doc: TantivyDocument, bytes: usize, gauge: Arc<InFlight>) -> Queued {
        Queued { doc, bytes, gauge }
    }
}

impl Drop for Queued {
    fn drop(&mut self) {
        self.gauge.release(self.bytes);
    }
}

impl Document for Queued {
    type Value<'a> = <TantivyDocument as Document>::Value<'a>;
    type FieldsValuesIter<'a> = <TantivyDocument as Document>::FieldsValuesIter<'a>;

    fn iter_fields_and_values(&self) -> Self::FieldsValuesIter<'_> {
        self.doc.iter_fields_and_values()
    }

    fn into_tantivy_document(mut self) -> TantivyDocument {
        std::mem::take(&mut self.doc)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn documents_count_until_dropped_and_the_writer_waits_for_half_the_limit() {
        let gauge = Arc::new(InFlight::default());
        let doc = |bytes| {
            gauge.acquire(bytes);
            Queued::new(TantivyDocument::default(), bytes, gauge.clone())
        };
        let big = doc(InFlight::LIMIT);
        let small = doc(1);
        assert_eq!(gauge.bytes(), InFlight::LIMIT + 1);
        let consumer = {
            let held = vec![big, small];
            std::thread::spawn(move || {
                std::thread::sleep(Duration::from_millis(50));
                drop(held);
            })
        };
        // Over the limit: waits until the other thread drops what it holds. The big one going
        // wakes it; the small one may still be on its way out when it counts its own.
        let third = doc(10);
        assert!(gauge.bytes() <= 11, "{}", gauge.bytes());
        consumer.join().unwrap();
        assert_eq!(gauge.bytes(), 10);
        let into = third.into_tantivy_document();
        assert_eq!(gauge.bytes(), 0);
        assert_eq!(into.iter_fields_and_values().count(), 0);
    }
}
