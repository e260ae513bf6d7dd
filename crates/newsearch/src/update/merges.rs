//! Merging segments: while a bulk run goes on, and once it has committed.
//!
//! A bulk run into an empty index writes many segments of about the same size (each indexing
//! thread writes one whenever its memory budget fills) and ends with a few large ones, merged
//! within half the index at a time so that the disk never holds more than 1.5× it
//! ([`IndexWriter::compact`]). Merged only at the end, that took one core for 11 s at
//! 516,644 articles while the other had nothing to do. So a bulk run of exports merges as it
//! goes too: once it can tell how many articles it will have (from the articles and bytes of the
//! files read so far, against the bytes of all of them), every
//! time its small segments add up to 30–48 % of that, it merges them in the background, one merge
//! at a time, beside the indexing; the compaction after the last commit then only merges the
//! small segments written since. (A folder of one-article files
//! keeps that core busy reading them: there, merging along the way saved no time.)

use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc::{Receiver, TryRecvError};
use std::sync::{Arc, Mutex};

use tantivy::TantivyError;
use tantivy::index::{SegmentId, SegmentMeta};
use tantivy::indexer::{DefaultMergePolicy, MergeCandidate, MergePolicy, NoMergePolicy};

use crate::error::Result;
use crate::index::directory::ReadMode;
use crate::update::writer::IndexWriter;

/// What a bulk run's merges share with the engine's merge calls.
#[derive(Debug, Default)]
struct Offers {
    /// Articles the run expects in all (0 until it can tell).
    expected: AtomicU64,
    /// Articles added so far (updated every [`LOOK_EVERY`]).
    added: AtomicU64,
    /// The segments to merge next, as the engine last listed them.
    next: Mutex<Option<Vec<SegmentId>>>,
}

/// The engine's merge policy during a bulk run: it starts no merge itself (the run does, so
/// that it can wait for each), it only picks the next one; see [`offer`].
#[derive(Debug)]
struct BulkPolicy(Arc<Offers>);

impl MergePolicy for BulkPolicy {
    fn compute_merge_candidates(&self, segments: &[SegmentMeta]) -> Vec<MergeCandidate> {
        let expected = self.0.expected.load(Ordering::Relaxed);
        if expected == 0 {
            return Vec::new();
        }
        let segments: Vec<(u64, SegmentId)> =
            segments.iter().map(|s| (u64::from(s.max_doc()), s.id())).collect();
        let remaining = expected.saturating_sub(self.0.added.load(Ordering::Relaxed));
        if let Some(ids) = offer(segments, expected, remaining)
            && let Ok(mut next) = self.0.next.lock()
        {
            *next = Some(ids);
        }
        Vec::new()
    }
}

/// The next merge of a bulk run expecting `expected` articles, `remaining` of them still to
/// come, from its segments (articles, id).
///
/// Segments of less than a fifth of the articles are the ones the indexing wrote (merges write
/// larger ones). The largest of them that fit within 48 % of the articles (so that the disk holds
/// at most 1.5× the index while the merge is written) are offered once they hold 30 %, unless
/// they and every article still to come would fit in that one merge: the compaction at the end
/// would then merge them together again. Waiting for 40 % instead started the run's last merge
/// so late that it ran on alone after the indexing (at ×4, 2.7 s on one core of the 4 s the
/// run's end took), with higher peaks of disk and memory. A run that has gone past the articles
/// it expected (its last files hold more articles a byte than the first ones) starts no merge
/// until it expects more: the compaction at the end merges what is left, as it did before runs
/// merged along the way, rather than a merge now that it might merge again.
fn offer<T: Copy>(segments: Vec<(u64, T)>, expected: u64, remaining: u64) -> Option<Vec<T>> {
    let (least, most) = (expected * 30 / 100, expected * 48 / 100);
    let mut small: Vec<(u64, T)> = segments.into_iter().filter(|&(docs, _)| docs < expected / 5).collect();
    small.sort_by_key(|&(docs, _)| std::cmp::Reverse(docs));
    let (mut gathered, mut ids) = (0, Vec::new());
    for (docs, id) in small {
        if gathered + docs <= most {
            gathered += docs;
            ids.push(id);
        }
    }
    (gathered >= least && gathered + remaining > most && ids.len() > 1).then_some(ids)
}

/// A bulk run's merging; see the module docs.
#[derive(Debug)]
pub(crate) struct BulkMerges {
    offers: Arc<Offers>,
    /// Word of the end of the merge running in the background, if any.
    running: Option<Receiver<()>>,
    /// Articles added during the run.
    added: u64,
}

/// Articles added between two looks at whether the next merge can start.
const LOOK_EVERY: u64 = 1024;

impl IndexWriter {
    /// Stops the engine from merging segments on its own until [`IndexWriter::resume_merges`]
    /// (for a bulk run that ends with [`IndexWriter::compact`] or [`IndexWriter::merge_all`]).
    pub(crate) fn pause_merges(&mut self) {
        self.inner.set_merge_policy(Box::new(NoMergePolicy));
    }

    /// The engine merges segments on its own again, as a new writer does.
    pub(crate) fn resume_merges(&mut self) {
        self.bulk = None;
        self.inner.set_merge_policy(Box::new(DefaultMergePolicy::default()));
    }

    /// For a bulk run into an empty index that ends with [`IndexWriter::compact`]: merges
    /// start only through [`IndexWriter::merge_in_background`], once the run has said how
    /// many articles it expects ([`IndexWriter::expect_articles`]).
    pub(crate) fn begin_bulk_merges(&mut self) {
        let offers = Arc::new(Offers::default());
        self.inner.set_merge_policy(Box::new(BulkPolicy(Arc::clone(&offers))));
        self.bulk = Some(BulkMerges { offers, running: None, added: 0 });
    }

    /// The run now expects about `articles` in all: merges along the way gather 30–48 % of
    /// them (see [`offer`]).
    pub(crate) fn expect_articles(&mut self, articles: u64) {
        if let Some(bulk) = &self.bulk {
            bulk.offers.expected.store(articles, Ordering::Relaxed);
        }
    }

    /// Counts an article added; every [`LOOK_EVERY`], a merge may start.
    pub(crate) fn added_in_bulk(&mut self) {
        if let Some(bulk) = &mut self.bulk {
            bulk.added += 1;
            if bulk.added % LOOK_EVERY == 0 {
                bulk.offers.added.store(bulk.added, Ordering::Relaxed);
                self.merge_in_background();
            }
        }
    }

    /// Starts the merge offered last, unless one is still running: in the background, its
    /// reads through windows (see [`ReadMode::windowed`]) so that the segments it reads do not
    /// add to the process's memory.
    fn merge_in_background(&mut self) {
        let Some(bulk) = &mut self.bulk else { return };
        if let Some(done) = &bulk.running {
            match done.try_recv() {
                Err(TryRecvError::Empty) => return,
                Ok(()) | Err(TryRecvError::Disconnected) => bulk.running = None,
            }
        }
        let Some(ids) = bulk.offers.next.lock().ok().and_then(|mut next| next.take()) else { return };
        let windowed = self.index.reads.as_ref().map(ReadMode::windowed);
        let merge = self.inner.merge(&ids);
        let (tell, done) = std::sync::mpsc::channel();
        // A merge that fails (or found its segments gone) leaves them as they were, for the
        // compaction at the end to merge: nothing to report here. Should no thread start, the
        // merge still runs, untracked: the compaction redoes a merge that races one of its own.
        let waiter = std::thread::Builder::new().name("newsearch-merge".into()).spawn(move || {
            let _ = merge.wait();
            drop(windowed);
            let _ = tell.send(());
        });
        if waiter.is_ok() {
            bulk.running = Some(done);
        }
    }

    /// In a bulk run: waits for the merge running in the background, if any, and starts no
    /// other. Otherwise nothing.
    pub(crate) fn end_bulk_merges(&mut self) {
        let Some(bulk) = self.bulk.take() else { return };
        self.inner.set_merge_policy(Box::new(NoMergePolicy));
        if let Some(done) = bulk.running {
            let _ = done.recv();
        }
    }

    /// Merges every segment into one, then waits for it to be written. Searches then look each
    /// term up once instead of once per segment. While the merged copy is written the index
    /// takes twice its size on disk; [`IndexWriter::compact`] needs at most 1.5×.
    pub fn merge_all(&mut self) -> Result<()> {
        self.merge_while(|segments| (segments.len() > 1).then(|| segments.iter().map(|s| s.id()).collect()))
    }

    /// Merges segments into as few as the disk allows: no merge writes more than 48 % of the
    /// index, so the disk in use stays under 1.5× the index, not the 2× of one merge of
    /// everything. A bulk run's many segments end as two or three (a segment already larger
    /// than that share stays as it is). Searches over three segments cost about as much as
    /// over one; over dozens, a third more.
    pub fn compact(&mut self) -> Result<()> {
        let dir = self.index.dir().map(Path::to_owned);
        self.merge_while(|segments| compaction_merge(segments, dir.as_deref()))
    }

    /// Merges the segments `pick` chooses, again and again until it chooses none, each merge
    /// waited for and its inputs' files deleted before the next, so they never pile up.
    ///
    /// Merges the engine's merge policy started at earlier commits may still be running on some
    /// of those segments. The engine lets both go ahead and fails the one that ends second (at
    /// the very end of a bulk run: "the segments that were merged could not be found"). So the
    /// policy is switched off first (nothing new starts), and a merge that lost that race is
    /// started again over the segments of the moment, at most once per merge that was running.
    fn merge_while(&mut self, pick: impl Fn(&[SegmentMeta]) -> Option<Vec<SegmentId>>) -> Result<()> {
        const ATTEMPTS: u32 = 16;
        self.inner.set_merge_policy(Box::new(NoMergePolicy));
        let mut lost = 0;
        loop {
            // Segment metas held anywhere keep their files from being collected: none is kept
            // past the pick.
            let segments = self.index.inner.searchable_segment_metas().map_err(|e| self.index.error(e))?;
            let Some(ids) = pick(&segments) else { return Ok(()) };
            drop(segments);
            // The merge reads its segments whole: through windows, so their pages don't stay
            // resident. Only the merge's own reads: the searcher reloaded below maps files whole.
            let windowed = self.index.reads.as_ref().map(ReadMode::windowed);
            let merged = self.inner.merge(&ids).wait();
            drop(windowed);
            match merged {
                Ok(_) => {
                    // The searcher still holds the merged-away segments; once it moves on to
                    // the merged one their files (and any lost attempt's) are deleted now, not
                    // at the next run. A failure here only delays that.
                    if self.index.reader.reload().is_ok() {
                        drop(self.inner.garbage_collect_files().wait());
                    }
                }
                // The segments changed under the merge (or between listing and merging).
                Err(TantivyError::InvalidArgument(_)) if lost < ATTEMPTS => {
                    lost += 1;
                    std::thread::sleep(std::time::Duration::from_millis(10 * u64::from(lost)));
                }
                Err(e) => return Err(self.index.error(e)),
            }
        }
    }
}

/// The next merge of [`IndexWriter::compact`], if any. Segments are weighed by the bytes of
/// their files in `dir` (articles differ in size from one part of an archive to another), or
/// by their documents, deleted ones included, in memory.
fn compaction_merge(segments: &[SegmentMeta], dir: Option<&Path>) -> Option<Vec<SegmentId>> {
    let size = |s: &SegmentMeta| match dir {
        Some(dir) => crate::index::damage::COMPONENTS
            .iter()
            .filter_map(|c| std::fs::metadata(dir.join(s.relative_path(c.clone()))).ok())
            .map(|m| m.len())
            .sum(),
        None => u64::from(s.max_doc()),
    };
    let sizes: Vec<(u64, SegmentId)> = segments.iter().map(|s| (size(s), s.id())).collect();
    group_within_share(&sizes)
}

/// Segments (size, id) packed, smallest first, into groups of at most 48 % of the total (a
/// segment larger than that in none); the first group of two or more. Not quite half: the
/// merge being written adds a little of its own (at ×8, 1.52× the index with groups of half).
/// Smallest first, so that the large segments merges during the run wrote are left as they
/// are while the run's last small ones are merged together, not into one of them.
fn group_within_share<T: Copy>(segments: &[(u64, T)]) -> Option<Vec<T>> {
    let cap = segments.iter().map(|s| s.0).sum::<u64>() * 48 / 100;
    let mut by_size: Vec<&(u64, T)> = segments.iter().filter(|s| s.0 <= cap).collect();
    by_size.sort_by_key(|s| s.0);
    let mut groups: Vec<(u64, Vec<T>)> = Vec::new();
    for &&(size, id) in &by_size {
        match groups.iter_mut().find(|(total, _)| total + size <= cap) {
            Some((total, ids)) => {
                *total += size;
                ids.push(id);
            }
            None => groups.push((size, vec![id])),
        }
    }
    groups.into_iter().map(|(_, ids)| ids).find(|ids| ids.len() > 1)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Article, Index, WriterOptions};

    #[test]
    fn a_bulk_run_merges_as_it_goes_and_the_compaction_only_merges_what_came_after() {
        let dir = tempfile::tempdir().unwrap();
        let index = Index::create(dir.path(), &crate::IndexOptions::new()).unwrap();
        let mut writer = index.writer_with(&WriterOptions::new().threads(1).memory_budget(15 << 20)).unwrap();
        writer.begin_bulk_merges();
        writer.expect_articles(6_000);
        // Commits every 500 articles stand for the indexing's small segments; after each, the
        // merge running is waited for, so that which merges run does not depend on timing.
        for i in 0..6_000 {
            writer.add(&Article::new(format!("a{i}").as_str(), "x.jsonl", format!("Bulk {i}"))).unwrap();
            if i % 500 == 499 {
                writer.commit().unwrap();
                if let Some(done) = writer.bulk.as_mut().and_then(|b| b.running.take()) {
                    done.recv().unwrap();
                }
                writer.merge_in_background();
            }
        }
        writer.end_bulk_merges();
        writer.commit().unwrap();
        let docs = |index: &Index| -> Vec<u32> {
            let mut docs: Vec<u32> =
                index.inner.searchable_segment_metas().unwrap().iter().map(|s| s.max_doc()).collect();
            docs.sort_unstable();
            docs
        };
        // Merges of 30-48 % (1,800-2,880 articles: four segments of 500) ran along the way;
        // the last four segments were left for the end, where they fit in one merge.
        let before = docs(&index);
        assert_eq!(before, [500, 500, 500, 500, 2_000, 2_000]);
        writer.compact().unwrap();
        writer.finish().unwrap();
        assert_eq!(index.len().unwrap(), 6_000);
        // The two merged segments stay; the small ones left are merged together.
        assert_eq!(docs(&index), [2_000, 2_000, 2_000]);
    }

    #[test]
    fn merging_everything_never_races_the_merges_already_running() {
        // Many small commits make the engine's merge policy start merges of its own; merging
        // every segment right after the last commit used to fail when one of those ended first.
        for round in 0..2 {
            let dir = tempfile::tempdir().unwrap();
            let index = Index::create(dir.path(), &crate::IndexOptions::new()).unwrap();
            let mut writer =
                index.writer_with(&WriterOptions::new().threads(2).memory_budget(64 << 20)).unwrap();
            for commit in 0..48 {
                for i in 0..20 {
                    let id = format!("{round}-{commit}-{i}");
                    writer.add(&Article::new(id.as_str(), "x.jsonl", "Merge race")).unwrap();
                }
                writer.commit().unwrap();
            }
            writer.merge_all().unwrap_or_else(|e| panic!("round {round}: {e}"));
            writer.finish().unwrap();
            let index = Index::open(dir.path()).unwrap();
            assert_eq!(index.len().unwrap(), 48 * 20);
            assert_eq!(index.inner.searchable_segment_ids().unwrap().len(), 1, "round {round}");
        }
    }

    /// Segment sizes after compacting `sizes` as `compact` does, merge by merge.
    fn compacted(mut sizes: Vec<u64>) -> (Vec<u64>, u64) {
        let mut worst_peak = 0;
        loop {
            let total: u64 = sizes.iter().sum();
            let tagged: Vec<(u64, usize)> = sizes.iter().copied().zip(0..).collect();
            let Some(group) = group_within_share(&tagged) else { break };
            let merged: u64 = group.iter().map(|&i| sizes[i]).sum();
            // On disk while merging: everything, plus the merged copy.
            worst_peak = worst_peak.max(total + merged);
            assert!(2 * merged <= total, "a merge wrote more than half the index");
            sizes =
                (0..sizes.len()).filter(|i| !group.contains(i)).map(|i| sizes[i]).chain([merged]).collect();
        }
        sizes.sort_unstable();
        (sizes, worst_peak)
    }

    #[test]
    fn a_bulk_merge_gathers_30_to_48_percent_unless_the_rest_would_join_it() {
        // 1,000 articles expected: merges of 300 to 480 articles, of segments under 200.
        let segments = |docs: &[u64]| docs.iter().copied().zip(0..).collect::<Vec<(u64, usize)>>();
        let offer = |docs: &[u64], remaining| offer(segments(docs), 1_000, remaining);
        assert_eq!(offer(&[100, 100], 800), None);
        assert_eq!(offer(&[100, 100, 110], 700), Some(vec![2, 0, 1]));
        // The largest that fit within the most; larger segments are merges' and stay out.
        assert_eq!(offer(&[150, 100, 150, 150, 400], 50), Some(vec![0, 2, 3]));
        // Late in the run, all of it would fit in one merge: the last segments join it then.
        assert_eq!(offer(&[100, 100, 100], 180), None);
        assert_eq!(offer(&[100, 100, 100], 181), Some(vec![0, 1, 2]));
        // Past the articles expected, nothing is known of the rest: no merge.
        assert_eq!(offer(&[100, 100, 150, 110], 0), None);
        // Never a merge of one segment; nothing until the run can tell what to expect.
        assert_eq!(offer(&[150, 190], 500), Some(vec![1, 0]));
        assert_eq!(offer(&[190], 500), None);
        assert_eq!(offer(&[], 0), None);
        assert_eq!(super::offer(segments(&[100, 100, 100]), 0, 0), None);
    }

    #[test]
    fn compaction_writes_at_most_half_the_index_at_once() {
        // A bulk run's equal segments end as a few large ones.
        let (sizes, peak) = compacted(vec![10; 20]);
        assert_eq!(sizes, [20, 90, 90]);
        assert_eq!(peak, 290);
        // An old large segment stays; the new small ones are merged beside it.
        assert_eq!(compacted(vec![1000, 30, 30, 30, 30]).0, [120, 1000]);
        // Nothing to gain: one segment, or two that can't be merged within half.
        assert_eq!(compacted(vec![7]).0, [7]);
        assert_eq!(compacted(vec![5, 6]).0, [5, 6]);
        assert_eq!(compacted(Vec::new()).0, Vec::<u64>::new());
        // Uneven sizes still end in a few segments, every merge within half.
        let (sizes, peak) = compacted(vec![64, 57, 7, 8, 3, 1, 40, 12]);
        assert!(sizes.len() <= 3, "{sizes:?}");
        assert!(2 * peak <= 3 * 192, "peak {peak}");
    }
}
